import type { AuditEvent } from "../event/audit-event.js";
import type { Condition, EventFilter } from "../read-model/event-filter.js";
import type { KeyFigure } from "../reports/report-model.js";
import type { ReportScope, ReportSource, StoreVerification } from "../reports/report-source.js";
import type {
  CompleteCheck,
  ControlCheck,
  PseudonymizedCheck,
  RecordedCheck,
  RegularCheck,
  ResolvedCheck,
  RetainedCheck,
} from "./control-map.js";

/**
 * Evaluates one check of a control map against the store: every figure is a count or a small
 * page the store computes (no scan of events in memory), and every conclusion is stated in
 * words with the seqs that show it.
 */

/** A control's status, best first. */
export const CONTROL_STATUSES = ["met", "partial", "gap", "not_applicable"] as const;
/** A control's status. */
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** What a check found. */
export interface CheckResult {
  readonly status: ControlStatus;
  /** What was found, in words. */
  readonly evidence: string;
  /** What is missing, in words (empty when met). */
  readonly gaps: readonly string[];
  readonly figures: readonly KeyFigure[];
  /** Seqs of events that show it: samples of what was found, or of what is wrong. */
  readonly evidenceSeqs: readonly number[];
}

/** What checks read. */
export interface CheckContext {
  readonly source: ReportSource;
  readonly scope: ReportScope;
  /** The store's full verification (integrity checks). */
  readonly verification: StoreVerification | undefined;
}

/** How many sample seqs a check cites per finding. */
const SAMPLES = 5;
/** Most requests a `resolved` check follows up one by one, and most resolutions it reads. */
const MAX_REQUESTS = 2000;
const MAX_RESOLUTIONS = 100_000;
const DAY = 86_400_000;

const count = new Intl.NumberFormat("en-US");
const n = (value: number) => count.format(value);
const percent = (part: number, whole: number) =>
  whole === 0 ? 100 : Math.floor((part / whole) * 10_000) / 100;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const filterWords = (text: readonly string[]) => (text.length === 0 ? "every event" : text.join(" "));

/**
 * The newest seqs among `matching` events of `filter`: none asked of the store when none match
 * (a page of no matches would read every event of the period to find out).
 */
async function newestSeqs(
  source: ReportSource,
  filter: EventFilter,
  matching: number,
  limit = SAMPLES,
): Promise<number[]> {
  if (matching === 0) return [];
  return (await source.query(filter, { limit, order: "desc" })).events.map((e) => e.seq);
}

async function recorded(ctx: CheckContext, check: RecordedCheck): Promise<CheckResult> {
  const filter = ctx.scope.narrow(...check.filter);
  const found = await ctx.source.count(filter);
  const seqs = await newestSeqs(ctx.source, filter, found);
  const figures = [{ label: `Recorded: ${check.describe}`, value: found }];
  if (found > 0) {
    return {
      status: "met",
      evidence: `${n(found)} ${check.describe} recorded in the period (${filterWords(check.filterText)}).`,
      gaps: [],
      figures,
      evidenceSeqs: seqs,
    };
  }
  if (check.whenNone === "not_applicable") {
    return {
      status: "not_applicable",
      evidence: `No ${check.describe} in the period (${filterWords(check.filterText)}); none may have been needed.`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  return {
    status: "gap",
    evidence: `No ${check.describe} in the period.`,
    gaps: [
      `No ${check.describe} were recorded in the period (${filterWords(check.filterText)}): the systems in scope do not log them, or do not send them to Sealtrail.`,
    ],
    figures,
    evidenceSeqs: [],
  };
}

/** Conditions that hold when none of `field.anyOf` carries a (required) value. */
function missing(field: CompleteCheck["fields"][number]): Condition[] {
  return field.anyOf.flatMap((path): Condition[] =>
    field.values
      ? field.values.map((value) => ({ field: path, op: "ne", value }))
      : [{ field: path, op: "absent" }],
  );
}

async function complete(ctx: CheckContext, check: CompleteCheck): Promise<CheckResult> {
  const base = ctx.scope.narrow(...check.filter);
  const lackingFilters = check.fields.map(
    (field): EventFilter => ({ ...base, conditions: [...base.conditions, ...missing(field)] }),
  );
  const [total, ...lackingCounts] = await Promise.all([
    ctx.source.count(base),
    ...lackingFilters.map((filter) => ctx.source.count(filter)),
  ]);
  const perField = await Promise.all(
    check.fields.map(async (field, i) => {
      const lacking = lackingCounts[i] as number;
      return {
        field,
        lacking,
        seqs: await newestSeqs(ctx.source, lackingFilters[i] as EventFilter, lacking),
      };
    }),
  );
  const figures: KeyFigure[] = [
    { label: `Events: ${check.describe}`, value: total },
    ...perField.map(({ field, lacking }) => ({
      label: `Complete: ${field.label}`,
      value: percent(total - lacking, total),
      unit: "%",
    })),
  ];
  const incomplete = perField.filter((f) => f.lacking > 0);
  if (total === 0) {
    return {
      status: "not_applicable",
      evidence: `No ${check.describe} in the period to check.`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  const fieldWords = (f: CompleteCheck["fields"][number]) =>
    `${f.label} (${f.anyOf.join(" or ")}${f.values ? ` = ${f.values.join(" or ")}` : ""})`;
  if (incomplete.length === 0) {
    return {
      status: "met",
      evidence: `All ${n(total)} ${check.describe} carry ${check.fields.map(fieldWords).join(", ")}.`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  const worst = Math.min(...incomplete.map((f) => (total - f.lacking) / total));
  return {
    status: worst < check.threshold ? "gap" : "partial",
    evidence: `${n(total)} ${check.describe} checked; ${incomplete.length} of ${check.fields.length} required fields are missing from some.`,
    gaps: incomplete.map(
      ({ field, lacking, seqs }) =>
        `${n(lacking)} of ${n(total)} events (${percent(lacking, total)} %) lack ${fieldWords(field)}; newest: seq ${seqs.join(", ")}.`,
    ),
    figures,
    evidenceSeqs: [...new Set(incomplete.flatMap((f) => f.seqs))],
  };
}

function integrity(ctx: CheckContext): CheckResult {
  const { checkpoint, signatureVerified } = ctx.scope;
  const rootHash = checkpoint.root.toString("base64");
  const verification = ctx.verification;
  const figures: KeyFigure[] = [
    { label: "Checkpoint tree size", value: checkpoint.size },
    { label: "Checkpoint signature", value: signatureVerified ? "verified" : "FAILED" },
    {
      label: "Full verification of the store",
      value: verification === undefined ? "not run" : verification.ok ? "passed" : "FAILED",
    },
  ];
  const gaps: string[] = [];
  if (!signatureVerified) {
    gaps.push("The checkpoint's signature does not verify with the log's verifier key.");
  }
  if (verification === undefined) {
    gaps.push("The store was not verified for this report.");
  } else if (!verification.ok) {
    const at = verification.firstBadSeq === undefined ? "" : ` First bad seq: ${verification.firstBadSeq}.`;
    gaps.push(
      `Verification of the store failed: ${verification.problem ?? "no reason given"}.${at} The log cannot be shown to be unaltered.`,
    );
  }
  return {
    status: gaps.length === 0 ? "met" : "gap",
    evidence:
      gaps.length === 0
        ? `Every event's hash was recomputed and the Merkle tree rebuilt: the store matches its signed checkpoints (tree size ${n(checkpoint.size)}, root ${rootHash}).`
        : "Integrity could not be shown.",
    gaps,
    figures,
    evidenceSeqs:
      verification?.firstBadSeq !== undefined && verification.firstBadSeq < checkpoint.size
        ? [verification.firstBadSeq]
        : [],
  };
}

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

async function regular(ctx: CheckContext, check: RegularCheck): Promise<CheckResult> {
  // The period as narrowed by the report's own filter (a `since=` within it).
  const since = ctx.scope.filter.since ?? ctx.scope.request.since;
  const until = ctx.scope.filter.until ?? ctx.scope.request.until;
  const span = check.every === "day" ? DAY : 7 * DAY;
  const unit = check.every === "day" ? "days" : "weeks";
  const { logStart, firstDay } = await logBeginning(ctx);
  const whole: number[] = [];
  for (let t = Math.ceil(since / DAY) * DAY; t + span <= until; t += span) whole.push(t);
  const windows = whole.filter((w) => w >= logStart);
  const uncounted =
    windows.length < whole.length
      ? ` The ${whole.length - windows.length} ${unit} of the period up to the log's first day (${day(firstDay ?? logStart)}) are not counted.`
      : "";
  if (windows.length === 0) {
    return {
      status: "not_applicable",
      evidence:
        firstDay === undefined
          ? "The log holds no events in the report's scope and period."
          : `The log began on ${day(firstDay)}: no whole ${unit.slice(0, -1)} of the period has passed since.`,
      gaps: [],
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

async function retained(ctx: CheckContext, check: RetainedCheck): Promise<CheckResult> {
  // Retention is a fact of the store, not of one tenant's part of it: what it holds from its
  // first retained event on (only that event's seq and when it was received are shown).
  const bound: EventFilter = { conditions: [{ field: "seq", op: "lt", value: ctx.scope.checkpoint.size }] };
  const [oldest] = (await ctx.source.query(bound, { limit: 1, order: "asc" })).events;
  const pruned = oldest !== undefined && oldest.seq > 0;
  const end = ctx.scope.request.until;
  if (!oldest) {
    return {
      status: "not_applicable",
      evidence: "The log holds no events yet.",
      gaps: [],
      figures: [],
      evidenceSeqs: [],
    };
  }
  // How long the log has held it: when it was received (its own time may be older, backfilled).
  const held = Date.parse(oldest.received_at);
  if (held >= end) {
    return {
      status: "not_applicable",
      evidence: `The log's oldest event was received on ${day(held)}, after the period's end.`,
      gaps: [],
      figures: [],
      evidenceSeqs: [],
    };
  }
  const ageDays = Math.floor((end - held) / DAY);
  const figures: KeyFigure[] = [
    { label: "Oldest event held", value: `seq ${oldest.seq}, received ${day(held)}` },
    { label: "History online", value: ageDays, unit: "days" },
  ];
  if (!pruned) {
    const young =
      ageDays < check.retainDays
        ? ` The log is ${ageDays} days old, younger than the ${check.retainDays} days required: all of its history is kept.`
        : "";
    return {
      status: "met",
      evidence: `Nothing has been pruned: every event since the oldest (seq ${oldest.seq}, ${day(held)}, ${ageDays} days before the period's end) is online and at hand.${young}`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  if (ageDays >= check.retainDays) {
    return {
      status: "met",
      evidence: `Events before seq ${oldest.seq} were pruned; the store still holds ${ageDays} days online, more than the ${check.retainDays} required.`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  const atHand = ageDays >= check.atHandDays;
  return {
    status: atHand ? "partial" : "gap",
    evidence: `Events before seq ${oldest.seq} were pruned; the store holds ${ageDays} days online.`,
    gaps: [
      atHand
        ? `Only ${ageDays} of the ${check.retainDays} days required are online: the rest must be shown from archives, which this report cannot check.`
        : `Only ${ageDays} days are online, fewer than the ${check.atHandDays} that must be at hand.`,
    ],
    figures,
    evidenceSeqs: [],
  };
}

/** The value at a dotted path of an event, as text. */
function valueAt(event: AuditEvent, path: string): string | undefined {
  let value: unknown = event;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

async function resolved(ctx: CheckContext, check: ResolvedCheck): Promise<CheckResult> {
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

async function pseudonymized(ctx: CheckContext, check: PseudonymizedCheck): Promise<CheckResult> {
  const base = ctx.scope.narrow(...check.filter);
  const perField = await Promise.all(
    check.fields.map(async (field) => {
      const present: EventFilter = {
        ...base,
        conditions: [...base.conditions, { field, op: "prefix", value: "" }],
      };
      const pseudonymous: EventFilter = {
        ...base,
        conditions: [...base.conditions, { field, op: "prefix", value: check.prefix }],
      };
      const [withField, withPseudonym] = await Promise.all([
        ctx.source.count(present),
        ctx.source.count(pseudonymous),
      ]);
      const newest =
        withField > withPseudonym
          ? await ctx.source.query(present, { limit: 200, order: "desc" })
          : { events: [] };
      // Samples of plain values come from the newest 200 events with the field: the store
      // cannot select "does not start with" directly.
      const plainSeqs = newest.events
        .filter((e) => !(valueAt(e, field) ?? "").startsWith(check.prefix))
        .slice(0, SAMPLES)
        .map((e) => e.seq);
      return { field, withField, plain: withField - withPseudonym, plainSeqs };
    }),
  );
  const present = perField.filter((f) => f.withField > 0);
  const figures: KeyFigure[] = present.map((f) => ({
    label: `Pseudonymized: ${f.field}`,
    value: percent(f.withField - f.plain, f.withField),
    unit: "%",
  }));
  if (present.length === 0) {
    return {
      status: "not_applicable",
      evidence: `No event in the period carries ${check.describe} (${check.fields.join(", ")}).`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  const exposed = present.filter((f) => f.plain > 0);
  const values = present.reduce((s, f) => s + f.withField, 0);
  const plain = exposed.reduce((s, f) => s + f.plain, 0);
  const coverage = (values - plain) / values;
  figures.unshift({
    label: "Coverage over all personal values",
    value: percent(values - plain, values),
    unit: "%",
  });
  return {
    status: exposed.length === 0 ? "met" : coverage < check.threshold ? "gap" : "partial",
    evidence: `${n(values)} values of ${check.describe} in ${present.map((f) => f.field).join(", ")}; ${n(values - plain)} are pseudonyms (${check.prefix}…).`,
    gaps: exposed.map(
      (f) =>
        `${n(f.plain)} of ${n(f.withField)} values of ${f.field} are not pseudonymized${f.plainSeqs.length > 0 ? ` (newest: seq ${f.plainSeqs.join(", ")})` : ""}.`,
    ),
    figures,
    evidenceSeqs: exposed.flatMap((f) => f.plainSeqs),
  };
}

/**
 * Evaluates one check.
 *
 * @example
 * ```ts
 * const result = await evaluateCheck({ source: log, scope, verification }, control.checks[0]);
 * result.status; // "met"
 * ```
 */
export function evaluateCheck(ctx: CheckContext, check: ControlCheck): Promise<CheckResult> {
  switch (check.kind) {
    case "recorded":
      return recorded(ctx, check);
    case "complete":
      return complete(ctx, check);
    case "integrity":
      return Promise.resolve(integrity(ctx));
    case "regular":
      return regular(ctx, check);
    case "retained":
      return retained(ctx, check);
    case "resolved":
      return resolved(ctx, check);
    case "pseudonymized":
      return pseudonymized(ctx, check);
  }
}

/**
 * A control's status from its checks' statuses: the worst of those that apply; not applicable
 * only when none applies.
 *
 * @example
 * ```ts
 * combineStatuses(["met", "partial", "not_applicable"]); // "partial"
 * ```
 */
export function combineStatuses(statuses: readonly ControlStatus[]): ControlStatus {
  const applicable = statuses.filter((s) => s !== "not_applicable");
  if (applicable.length === 0) return "not_applicable";
  if (applicable.includes("gap")) return "gap";
  if (applicable.includes("partial")) return "partial";
  return "met";
}
