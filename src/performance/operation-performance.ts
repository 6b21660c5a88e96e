import { SealtrailError } from "../errors.js";
import { checkFieldPath, parseFilter } from "../query/filter-syntax.js";
import { parseInstant } from "../query/time-range.js";
import type { Condition, EventFilter } from "../read-model/event-filter.js";
import type { StoredEvent } from "../read-model/stored-event.js";
import { type DurationFigures, DurationSamples } from "./duration-samples.js";

/**
 * How long operations take: the `duration_ms` of the events in a window, grouped by operation
 * (`action`, or any field), with count, min, mean, nearest-rank p50/p95/p99 and max per group,
 * and each group's p95 compared with the previous window of the same length.
 *
 * Events are read in chunks (never all at once); what stays in memory is the durations exact
 * percentiles need: 8 bytes per timed event of the previous window, 16 per timed event of the
 * window (its group's and the overall figures).
 */

/** A p95 at least this many times the previous window's is a degradation. */
export const DEGRADATION_FACTOR = 1.5;
/**
 * Fewest timed events, in each window, for a group to be judged: below 20, the nearest-rank p95
 * is the group's maximum, and one slow event would make a degradation.
 */
export const DEGRADATION_MIN_SAMPLES = 20;
/** The window when only its end (or nothing) is given: the 24 hours before it. */
export const DEFAULT_WINDOW_MS = 86_400_000;
/** The field operations are grouped by unless told otherwise. */
export const DEFAULT_GROUP_FIELD = "action";

/** What {@link operationPerformance} is asked; every member is optional. */
export interface PerformanceOptions {
  /**
   * Window start (inclusive): a duration back from now (`24h`, `7d`), a date, RFC 3339, or Unix
   * milliseconds. Default: the filter's `since`, else 24 hours before the window's end.
   */
  readonly since?: string | number;
  /** Window end (exclusive), in the same forms. Default: the filter's `until`, else now. */
  readonly until?: string | number;
  /**
   * The field whose value makes the groups: any event field path (`action`, `actor.id`,
   * `source.tool`, `context.workflow`). Default `action`.
   */
  readonly by?: string;
  /** Which events count: a filter, or expressions in the CLI syntax (`["tenant=acme"]`). */
  readonly filter?: EventFilter | readonly string[];
  /** A p95 at least this many times the previous one is a degradation (≥ 1; default 1.5). */
  readonly factor?: number;
  /** Fewest timed events in each window for a group to be judged (≥ 1; default 20). */
  readonly minSamples?: number;
}

/** A window of event time, [since, until), in RFC 3339. */
export interface PerformanceWindow {
  readonly since: string;
  readonly until: string;
}

/** One group's figures (in ms) over the window, and how its p95 compares with the previous window's. */
export interface OperationPerformance extends DurationFigures {
  /**
   * The group's value of the `by` field: text as it is, numbers and booleans as their text,
   * lists and objects as their JSON; `null` for events without the field.
   */
  readonly key: string | null;
  /** The seqs of its slowest events in the window (at most 5), slowest first, ties by seq. */
  readonly slowestSeqs: number[];
  /** The same figures over the previous window; `null` when it had no timed event of the group. */
  readonly previous: DurationFigures | null;
  /** p95 ÷ the previous window's p95, rounded to 0.001; `null` without a previous p95 above 0. */
  readonly p95Ratio: number | null;
  /**
   * The p95 is at least `factor` times the previous window's, with at least `minSamples` timed
   * events in both windows (the ratio is compared unrounded). A previous p95 of 0 is never
   * compared.
   */
  readonly degraded: boolean;
}

/**
 * How long operations took over a window. This is also the JSON of `sealtrail performance
 * --json` and of `GET /v1/performance`: its members and their meaning are stable.
 *
 * @example
 * ```ts
 * const summary = await log.performance({ since: "24h", by: "action" });
 * for (const op of summary.operations) if (op.degraded) console.log(op.key, op.p95, op.previous?.p95);
 * ```
 */
export interface PerformanceSummary {
  /** The field the groups are values of. */
  readonly by: string;
  /** The window measured. */
  readonly window: PerformanceWindow;
  /** The window of the same length just before it, which p95s are compared with. */
  readonly previousWindow: PerformanceWindow;
  /** What counts as a degradation. */
  readonly degradation: { readonly factor: number; readonly minSamples: number };
  /** Events of the window with a `duration_ms`: the ones measured. */
  readonly timed: number;
  /** Events of the window without a `duration_ms`: not measured. */
  readonly skipped: number;
  /** Events of the previous window with a `duration_ms`. */
  readonly previousTimed: number;
  /** Every timed event of the window together; `null` when there is none. */
  readonly overall: DurationFigures | null;
  /** One entry per group with timed events in the window, the most events first, then by key. */
  readonly operations: OperationPerformance[];
}

/** What {@link operationPerformance} reads: events in chunks. `AuditLog` provides it. */
export interface PerformanceSource {
  /** Every event matching `filter`, in chunks, in any order. */
  scan(filter: EventFilter): AsyncIterable<readonly StoredEvent[]>;
}

/** {@link PerformanceOptions} checked and resolved: Unix ms, a filter without a window. */
export interface PerformanceRequest {
  readonly conditions: readonly Condition[];
  readonly since: number;
  readonly until: number;
  readonly by: string;
  readonly factor: number;
  readonly minSamples: number;
}

function usage(field: string, message: string): SealtrailError {
  return new SealtrailError("ST_ERR_USAGE", `${field}: ${message}`, { details: { field } });
}

function instant(value: string | number | undefined, field: string, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw usage(field, `expected Unix milliseconds, got ${value}`);
    return value;
  }
  if (typeof value !== "string") throw usage(field, "expected a time (24h, 2026-11-01, RFC 3339) or Unix ms");
  return parseInstant(value, field, now);
}

/**
 * Checks `options` and resolves them against `now`: the window in Unix ms, the grouping field,
 * the degradation threshold. Bad input throws `ST_ERR_USAGE` (or the filter and time errors of
 * the query syntax) naming the option.
 *
 * @example
 * ```ts
 * resolvePerformanceOptions({ since: "7d", by: "source.tool" }).until; // now
 * ```
 */
export function resolvePerformanceOptions(
  options: PerformanceOptions = {},
  now: number = Date.now(),
): PerformanceRequest {
  const given = options.filter ?? [];
  const filter = Array.isArray(given)
    ? parseFilter(given as readonly string[], {}, now)
    : (given as EventFilter);
  const until = instant(options.until, "until", now) ?? filter.until ?? now;
  const since = instant(options.since, "since", now) ?? filter.since ?? until - DEFAULT_WINDOW_MS;
  if (since >= until) {
    throw usage(
      "since",
      `expected an instant before until (${new Date(until).toISOString()}), got ${new Date(since).toISOString()}`,
    );
  }
  const by = options.by ?? DEFAULT_GROUP_FIELD;
  try {
    checkFieldPath(by);
  } catch {
    throw usage(
      "by",
      `expected an event field path (action, actor.id, source.tool, context.workflow…), got "${String(by).slice(0, 100)}"`,
    );
  }
  const factor = options.factor ?? DEGRADATION_FACTOR;
  if (typeof factor !== "number" || !Number.isFinite(factor) || factor < 1) {
    throw usage("factor", `expected a number ≥ 1, got ${String(factor)}`);
  }
  const minSamples = options.minSamples ?? DEGRADATION_MIN_SAMPLES;
  if (!Number.isSafeInteger(minSamples) || minSamples < 1) {
    throw usage("minSamples", `expected an integer ≥ 1, got ${String(minSamples)}`);
  }
  return { conditions: filter.conditions, since, until, by, factor, minSamples };
}

/** The value at a dotted path of a parsed event, or `undefined` when a member is missing. */
function valueAt(event: unknown, path: readonly string[]): unknown {
  let current = event;
  for (const segment of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** A group's key: see {@link OperationPerformance.key}. */
function groupKey(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Keys in the order groups are listed after their counts: text order, `null` last. */
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

const window = (since: number, until: number): PerformanceWindow => ({
  since: new Date(since).toISOString(),
  until: new Date(until).toISOString(),
});

/**
 * Measures `request` over `source`: one pass over the events of the window and of the previous
 * window of the same length. Every event is read, timed or not: the store would have to read each
 * one's JSON to find its `duration_ms` anyway, and one pass counts the skipped ones from the same
 * events it measures.
 *
 * @example
 * ```ts
 * const summary = await operationPerformance(source, resolvePerformanceOptions({ since: "24h" }));
 * summary.operations[0]; // { key: "api.get", count: 100, min: 1, avg: 50.5, p50: 50, p95: 95, … }
 * ```
 */
export async function operationPerformance(
  source: PerformanceSource,
  request: PerformanceRequest,
): Promise<PerformanceSummary> {
  const { since, until, factor, minSamples } = request;
  const previousSince = since - (until - since);
  const path = request.by.split(".");
  const groups = new Map<string | null, { now: DurationSamples; before: DurationSamples }>();
  const overall = new DurationSamples();
  let previousTimed = 0;
  let skipped = 0;
  const scanned: EventFilter = { conditions: request.conditions, since: previousSince, until };
  for await (const chunk of source.scan(scanned)) {
    for (const row of chunk) {
      const event = JSON.parse(row.json) as { timestamp: string; duration_ms?: unknown };
      const inWindow = Date.parse(event.timestamp) >= since;
      const ms = event.duration_ms;
      if (typeof ms !== "number") {
        if (inWindow) skipped += 1;
        continue;
      }
      const key = groupKey(valueAt(event, path));
      let group = groups.get(key);
      if (!group) {
        group = { now: new DurationSamples(), before: new DurationSamples() };
        groups.set(key, group);
      }
      if (inWindow) {
        group.now.add(row.seq, ms);
        overall.add(row.seq, ms);
      } else {
        group.before.add(row.seq, ms);
        previousTimed += 1;
      }
    }
  }

  const operations: OperationPerformance[] = [];
  for (const [key, group] of groups) {
    const figures = group.now.figures();
    if (!figures) continue;
    const previous = group.before.figures() ?? null;
    const ratio = previous && previous.p95 > 0 ? figures.p95 / previous.p95 : undefined;
    operations.push({
      key,
      ...figures,
      slowestSeqs: group.now.slowestSeqs(),
      previous,
      p95Ratio: ratio === undefined ? null : Math.round(ratio * 1000) / 1000,
      degraded:
        ratio !== undefined &&
        ratio >= factor &&
        figures.count >= minSamples &&
        (previous?.count ?? 0) >= minSamples,
    });
  }
  operations.sort((a, b) => b.count - a.count || compareKeys(a.key, b.key));
  return {
    by: request.by,
    window: window(since, until),
    previousWindow: window(previousSince, since),
    degradation: { factor, minSamples },
    timed: overall.count,
    skipped,
    previousTimed,
    overall: overall.figures() ?? null,
    operations,
  };
}
