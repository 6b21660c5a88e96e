import type { KeyFigure } from "../../reports/report-model.js";
import type { ReportScope } from "../../reports/report-source.js";
import type { RegularCheck } from "../control-map.js";
import { DAY, day, filterWords, n, newestSeqs } from "./check-helpers.js";
import type { CheckContext, CheckResult } from "./check-result.js";

/** When the log began within a report's scope, once per scope (several checks ask). */
const beginnings = new WeakMap<ReportScope, Promise<{ logStart: number; firstDay?: number }>>();

/**
 * Where whole days of the period start to count: the period's start if the log already held
 * events before it; else the day after the first day with events in the period (days before
 * the log existed can show nothing, and the day it began is only part of one). Events are in
 * seq order, not time order, so the first day is read from per-day counts.
 */
function logBeginning(ctx: CheckContext): Promise<{ logStart: number; firstDay?: number }> {
  let found = beginnings.get(ctx.scope);
  if (!found) {
    const since = ctx.scope.filter.since ?? ctx.scope.request.since;
    const until = ctx.scope.filter.until ?? ctx.scope.request.until;
    found = (async () => {
      const before = await ctx.source.query(
        { conditions: ctx.scope.filter.conditions, until: since },
        { limit: 1, order: "desc" },
      );
      if (before.events.length > 0) return { logStart: since };
      const days = await ctx.source.countBy(ctx.scope.filter, "day", Math.ceil((until - since) / DAY) + 2);
      const first = days.find((r) => r.count > 0);
      if (!first) return { logStart: until };
      const firstDay = Date.parse(first.key as string);
      return { logStart: firstDay + DAY, firstDay };
    })();
    beginnings.set(ctx.scope, found);
  }
  return found;
}

/**
 * `regular`: events of a kind in every whole day (or week) of the period since the log began.
 * Met when none is missed; partial when some are, naming them; a gap when all are; not yet
 * demonstrable when no whole day (or week) has passed since the log began in the report's scope.
 *
 * @example
 * ```ts
 * const result = await regularCheck(ctx, { kind: "regular", describe: "log reviews", every: "day", filter, filterText });
 * ```
 */
export async function regularCheck(ctx: CheckContext, check: RegularCheck): Promise<CheckResult> {
  // The period as narrowed by the report's own filter (a `since=` within it).
  const since = ctx.scope.filter.since ?? ctx.scope.request.since;
  const until = ctx.scope.filter.until ?? ctx.scope.request.until;
  const span = check.every === "day" ? DAY : 7 * DAY;
  const unit = check.every === "day" ? "days" : "weeks";
  const { logStart, firstDay } = await logBeginning(ctx);
  // Whole days (or weeks) from the first whole day of the period, or from the log's first whole
  // day when it began within the period: a week is judged once seven days of log have passed.
  const periodStart = Math.ceil(since / DAY) * DAY;
  const first = Math.max(periodStart, logStart);
  const windows: number[] = [];
  for (let t = first; t + span <= until; t += span) windows.push(t);
  const skippedDays = Math.min(
    Math.floor((until - periodStart) / DAY),
    Math.round((first - periodStart) / DAY),
  );
  const uncounted =
    skippedDays > 0 && windows.length > 0
      ? ` The ${skippedDays} days of the period up to the log's first day (${day(firstDay ?? logStart)}) are not counted.`
      : "";
  if (windows.length === 0) {
    const every = unit.slice(0, -1);
    return {
      status: "not_yet_demonstrable",
      evidence:
        firstDay === undefined
          ? "The log holds no events in the report's scope and period."
          : `The log began on ${day(firstDay)}: no whole ${every} of the period has passed since.`,
      gaps: [
        firstDay === undefined
          ? `Evidence of ${check.describe} every ${every} cannot be shown before the log holds events in the report's scope.`
          : `Evidence of ${check.describe} every ${every} can be shown once a whole ${every} of the period has passed since the log began (${day(firstDay)}).`,
      ],
      figures: [],
      evidenceSeqs: [],
    };
  }
  const filter = ctx.scope.narrow(...check.filter);
  const [perDay, total] = await Promise.all([
    ctx.source.countBy(filter, "day", Math.ceil((until - since) / DAY) + 2),
    ctx.source.count(filter),
  ]);
  const seqs = await newestSeqs(ctx.source, filter, total);
  const activeDays = perDay.filter((r) => r.count > 0).map((r) => Date.parse(r.key as string));
  const missed = windows.filter((w) => !activeDays.some((d) => d >= w && d < w + span));
  const covered = windows.length - missed.length;
  const figures: KeyFigure[] = [
    { label: `Events: ${check.describe}`, value: total },
    {
      label: `${unit[0]?.toUpperCase()}${unit.slice(1)} with ${check.describe}`,
      value: `${covered} of ${windows.length}`,
    },
  ];
  const gaps =
    missed.length === 0
      ? []
      : [
          `${missed.length} of ${windows.length} ${unit} have no evidence of ${check.describe} (${filterWords(check.filterText)}): ${missed
            .slice(0, 10)
            .map(day)
            .join(", ")}${missed.length > 10 ? ", …" : ""}.`,
        ];
  return {
    status: missed.length === 0 ? "met" : covered === 0 ? "gap" : "partial",
    evidence: `${n(total)} ${check.describe} in ${covered} of ${windows.length} whole ${unit} of the period.${uncounted}`,
    gaps,
    figures,
    evidenceSeqs: seqs,
  };
}
