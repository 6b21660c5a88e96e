import type { AuditEvent } from "../../event/audit-event.js";
import type { EventFilter } from "../../read-model/event-filter.js";
import type { KeyFigure } from "../../reports/report-model.js";
import type { ResolvedCheck } from "../control-map.js";
import { DAY, filterWords, n, SAMPLES, valueAt } from "./check-helpers.js";
import type { CheckContext, CheckResult } from "./check-result.js";

/** Most requests a `resolved` check follows up one by one, and most resolutions it reads. */
const MAX_REQUESTS = 2000;
const MAX_RESOLUTIONS = 100_000;

/**
 * `resolved`: requests of a kind were resolved within the deadline, each matched to its
 * resolutions by a field. A gap when any is overdue, late, only failed or cannot be matched;
 * partial when some are still open but not yet due, or not all could be read.
 *
 * @example
 * ```ts
 * const result = await resolvedCheck(ctx, check);
 * result.figures.find((f) => f.label === "Overdue (unresolved)")?.value; // 1
 * ```
 */
export async function resolvedCheck(ctx: CheckContext, check: ResolvedCheck): Promise<CheckResult> {
  const requestFilter = ctx.scope.narrow(...check.requests);
  const [total, page] = await Promise.all([
    ctx.source.count(requestFilter),
    ctx.source.query(requestFilter, { limit: MAX_REQUESTS, order: "asc" }),
  ]);
  const figures: KeyFigure[] = [{ label: `Requests: ${check.describe}`, value: total }];
  if (total === 0) {
    return {
      status: "not_applicable",
      evidence: `No ${check.describe} in the period (${filterWords(check.requestsText)}).`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  // Resolutions may come after the period; they are read up to the checkpoint, in the same
  // scope (tenant, filter) but without the period's end.
  const keys = [...new Set(page.events.map((e) => valueAt(e, check.match)).filter((k) => k !== undefined))];
  const resolutionFilter: EventFilter = {
    conditions: [
      ...ctx.scope.filter.conditions,
      ...check.resolutions,
      { field: check.match, op: "in", values: keys },
    ],
    since: ctx.scope.request.since,
  };
  const resolutions =
    keys.length === 0
      ? []
      : (await ctx.source.query(resolutionFilter, { limit: MAX_RESOLUTIONS, order: "asc" })).events;
  const resolutionsOf = new Map<string, AuditEvent[]>();
  for (const r of resolutions) {
    const key = valueAt(r, check.match) as string;
    resolutionsOf.set(key, [...(resolutionsOf.get(key) ?? []), r]);
  }
  const now = ctx.scope.request.until;
  const deadlineMs = check.withinDays * DAY;
  const late: number[] = [];
  const overdue: number[] = [];
  const failed: number[] = [];
  const pending: number[] = [];
  const unmatched: number[] = [];
  let onTime = 0;
  for (const request of page.events) {
    const key = valueAt(request, check.match);
    const at = Date.parse(request.timestamp);
    const answers = (key === undefined ? [] : (resolutionsOf.get(key) ?? [])).filter(
      (r) => Date.parse(r.timestamp) >= at,
    );
    const done = answers.find((r) => r.outcome !== "failure");
    if (key === undefined) unmatched.push(request.seq);
    else if (done) {
      if (Date.parse(done.timestamp) - at <= deadlineMs) onTime += 1;
      else late.push(request.seq);
    } else if (answers.length > 0) failed.push(request.seq);
    else if (now - at > deadlineMs) overdue.push(request.seq);
    else pending.push(request.seq);
  }
  figures.push(
    { label: `Resolved within ${check.withinDays} days`, value: onTime },
    { label: "Resolved late", value: late.length },
    { label: "Overdue (unresolved)", value: overdue.length },
    { label: "Failed", value: failed.length },
    { label: "Pending (not yet due)", value: pending.length },
  );
  const gaps: string[] = [];
  const list = (seqs: number[]) => seqs.slice(0, SAMPLES).join(", ") + (seqs.length > SAMPLES ? ", …" : "");
  if (overdue.length > 0)
    gaps.push(
      `${overdue.length} ${check.describe} have no resolution after ${check.withinDays} days (seq ${list(overdue)}).`,
    );
  if (late.length > 0)
    gaps.push(
      `${late.length} ${check.describe} were resolved after more than ${check.withinDays} days (seq ${list(late)}).`,
    );
  if (failed.length > 0)
    gaps.push(`${failed.length} ${check.describe} have only failed resolutions (seq ${list(failed)}).`);
  if (unmatched.length > 0)
    gaps.push(
      `${unmatched.length} ${check.describe} carry no ${check.match}, so no resolution can be matched to them (seq ${list(unmatched)}).`,
    );
  if (resolutions.length === MAX_RESOLUTIONS)
    gaps.push(`Only the first ${n(MAX_RESOLUTIONS)} resolutions were read; narrow the period.`);
  if (page.events.length < total)
    gaps.push(
      `Only the first ${n(page.events.length)} of ${n(total)} requests were followed up; narrow the period.`,
    );
  const wrong = overdue.length + late.length + failed.length + unmatched.length;
  const incomplete = page.events.length < total || resolutions.length === MAX_RESOLUTIONS;
  return {
    status: wrong > 0 ? "gap" : pending.length > 0 || incomplete ? "partial" : "met",
    evidence: `${n(total)} ${check.describe} in the period; ${onTime} resolved within ${check.withinDays} days (${filterWords(check.resolutionsText)}, matched by ${check.match}).`,
    gaps:
      pending.length > 0 && wrong === 0
        ? [...gaps, `${pending.length} are still open but not yet due (seq ${list(pending)}).`]
        : gaps,
    figures,
    evidenceSeqs:
      wrong > 0
        ? [...overdue, ...late, ...failed, ...unmatched].slice(0, SAMPLES * 4)
        : page.events.slice(-SAMPLES).map((e) => e.seq),
  };
}
