import { counted } from "../../human/counted.js";
import type { Condition, EventFilter } from "../../read-model/event-filter.js";
import type { Finding, Report, TableBlock } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { summarySection } from "./blocks.js";

/** How many operations (actions) the report measures, the busiest first. */
const TOP = 50;
/** A bracket holding at most this many events is read and sorted: the percentile is then exact. */
const FETCH = 50;
/** Bisection stops once the bracket is this narrow (ms): the percentile is then within it. */
const RESOLUTION = 0.001;
/** At most this many bisection steps per percentile. */
const MAX_STEPS = 80;
/** The mean is summed from pages of events only up to this many events per operation. */
const MEAN_SCAN = 10_000;
const MEAN_PAGE = 500;
/** A p95 this much worse than the previous period's (ratio), on enough samples, is a regression. */
const REGRESSION = 1.2;
const MIN_SAMPLES = 10;
/** Slowest events given as evidence of a regression. */
const EVIDENCE = 5;

/** Events that carry a duration (durations are validated non-negative). */
const HAS_DURATION: Condition = { field: "duration_ms", op: "gte", value: 0 };

/** A value of a distribution: exact (a stored duration) or within {@link RESOLUTION} ms. */
export interface Selected {
  readonly value: number;
  readonly exact: boolean;
}

const durationOf = (e: { duration_ms?: number }): number | undefined =>
  typeof e.duration_ms === "number" ? e.duration_ms : undefined;

/**
 * The distribution of `duration_ms` over the events of `filter`, read through counts only:
 * order statistics are found by bisecting on the value with `count(duration_ms <= v)` (cached,
 * so later percentiles start from the brackets earlier ones found), and once a bracket holds at
 * most {@link FETCH} events they are read and sorted, which makes the value exact.
 */
export class DurationDistribution {
  readonly #source: ReportSource;
  readonly #filter: EventFilter;
  readonly #atMost = new Map<number, number>();
  #upper: number | undefined;

  constructor(
    source: ReportSource,
    filter: EventFilter,
    /** How many events of `filter` carry a duration. */
    readonly count: number,
  ) {
    this.#source = source;
    this.#filter = { ...filter, conditions: [...filter.conditions, HAS_DURATION] };
  }

  #narrow(...conditions: Condition[]): EventFilter {
    return { ...this.#filter, conditions: [...this.#filter.conditions, ...conditions] };
  }

  /** Events with `duration_ms <= v`. */
  async #countAtMost(v: number): Promise<number> {
    if (v < 0) return 0;
    const known = this.#atMost.get(v);
    if (known !== undefined) return known;
    const c = await this.#source.count(this.#narrow({ field: "duration_ms", op: "lte", value: v }));
    this.#atMost.set(v, c);
    return c;
  }

  /** A value at or above every duration, found by doubling. */
  async #upperBound(): Promise<number> {
    if (this.#upper !== undefined) return this.#upper;
    let v = 1;
    while ((await this.#countAtMost(v)) < this.count && v < Number.MAX_VALUE / 2) v *= 2;
    this.#upper = v;
    return v;
  }

  /** The `k`-th smallest duration (1-based). */
  async select(k: number): Promise<Selected> {
    let lo = -1;
    let cLo = 0;
    let hi = await this.#upperBound();
    let cHi = this.count;
    for (const [v, c] of this.#atMost) {
      if (c < k && v > lo) [lo, cLo] = [v, c];
      if (c >= k && v < hi) [hi, cHi] = [v, c];
    }
    for (let step = 0; step < MAX_STEPS; step++) {
      if (cHi - cLo <= FETCH) {
        const page = await this.#source.query(
          this.#narrow(
            { field: "duration_ms", op: "gt", value: lo },
            { field: "duration_ms", op: "lte", value: hi },
          ),
          { limit: FETCH, order: "asc" },
        );
        const values = page.events.flatMap((e) => durationOf(e) ?? []).sort((a, b) => a - b);
        const value = values[k - cLo - 1];
        if (value !== undefined) return { value, exact: true };
        break;
      }
      const mid = lo + (hi - lo) / 2;
      if (hi - lo <= RESOLUTION || mid <= lo || mid >= hi) break;
      const c = await this.#countAtMost(mid);
      if (c >= k) [hi, cHi] = [mid, c];
      else [lo, cLo] = [mid, c];
    }
    // Many equal durations: the bracket is narrow; one stored value in it is likely the answer.
    const probe = await this.#source.query(
      this.#narrow(
        { field: "duration_ms", op: "gt", value: lo },
        { field: "duration_ms", op: "lte", value: hi },
      ),
      { limit: 1, order: "asc" },
    );
    const x = probe.events[0] ? durationOf(probe.events[0]) : undefined;
    if (x !== undefined && (await this.#countAtMost(x)) >= k) {
      const below = await this.#source.count(this.#narrow({ field: "duration_ms", op: "lt", value: x }));
      if (below < k) return { value: x, exact: true };
    }
    return { value: hi, exact: false };
  }

  /** The nearest-rank percentile: the smallest duration with at least `pct` % of them at or below. */
  percentile(pct: number): Promise<Selected> {
    return this.select(Math.max(1, Math.ceil((pct * this.count) / 100)));
  }

  /** The exact mean when there are at most {@link MEAN_SCAN} events (summed page by page), else undefined. */
  async mean(): Promise<number | undefined> {
    if (this.count === 0 || this.count > MEAN_SCAN) return undefined;
    let sum = 0;
    let seen = 0;
    let after = -1;
    for (;;) {
      const page = await this.#source.query(this.#narrow({ field: "seq", op: "gt", value: after }), {
        limit: MEAN_PAGE,
        order: "asc",
      });
      for (const e of page.events) {
        sum += durationOf(e) ?? 0;
        seen += 1;
        after = Math.max(after, e.seq);
      }
      if (page.events.length < MEAN_PAGE) break;
    }
    return seen === 0 ? undefined : sum / seen;
  }

  /** Seqs of the slowest events, slowest first (ties by seq). */
  async slowest(n: number): Promise<number[]> {
    if (this.count === 0) return [];
    const threshold = await this.select(Math.max(1, this.count - n + 1));
    const page = await this.#source.query(
      this.#narrow({ field: "duration_ms", op: "gte", value: threshold.value }),
      { limit: FETCH, order: "asc" },
    );
    return page.events
      .sort((a, b) => (durationOf(b) ?? 0) - (durationOf(a) ?? 0) || a.seq - b.seq)
      .slice(0, n)
      .map((e) => e.seq);
  }
}

/** One operation's figures. */
export interface OperationStats {
  readonly action: string;
  readonly count: number;
  readonly min: Selected;
  readonly max: Selected;
  readonly mean: number | undefined;
  readonly p50: Selected;
  readonly p95: Selected;
  readonly p99: Selected;
  readonly previousCount: number;
  readonly previousP95: Selected | undefined;
  /** p95 change against the previous period, % (undefined: nothing to compare with). */
  readonly changePct: number | undefined;
  readonly regressed: boolean;
  /** Slowest events of the period, for a regression. */
  readonly slowestSeqs: readonly number[];
}

const round = (v: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
const shown = (s: Selected | undefined): number | null => (s === undefined ? null : round(s.value));

async function operationStats(
  source: ReportSource,
  current: EventFilter,
  previous: EventFilter,
  action: string,
  count: number,
): Promise<OperationStats> {
  const byAction: Condition = { field: "action", op: "eq", value: action };
  const now = new DurationDistribution(
    source,
    { ...current, conditions: [...current.conditions, byAction] },
    count,
  );
  const previousFilter = { ...previous, conditions: [...previous.conditions, byAction, HAS_DURATION] };
  const previousCount = await source.count(previousFilter);
  const before = new DurationDistribution(source, previousFilter, previousCount);
  // Sequential: each percentile starts from the brackets the earlier ones left in the cache.
  const p50 = await now.percentile(50);
  const p95 = await now.percentile(95);
  const p99 = await now.percentile(99);
  const min = await now.select(1);
  const max = await now.select(count);
  const mean = await now.mean();
  const previousP95 = previousCount > 0 ? await before.percentile(95) : undefined;
  const changePct =
    previousP95 === undefined || previousP95.value === 0
      ? undefined
      : round(((p95.value - previousP95.value) / previousP95.value) * 100, 2);
  const regressed =
    previousP95 !== undefined &&
    count >= MIN_SAMPLES &&
    previousCount >= MIN_SAMPLES &&
    p95.value > previousP95.value * REGRESSION;
  const slowestSeqs = regressed ? await now.slowest(EVIDENCE) : [];
  return {
    action,
    count,
    min,
    max,
    mean,
    p50,
    p95,
    p99,
    previousCount,
    previousP95,
    changePct,
    regressed,
    slowestSeqs,
  };
}

/**
 * The performance report: per operation (action), the count, min, max, mean, p50, p95 and p99 of
 * `duration_ms`, and the operations whose p95 got worse than in the previous period of the same
 * length (by more than 20 %, with at least 10 samples in both periods), with their slowest events.
 *
 * Everything is computed from counts and small pages: percentiles are nearest-rank, exact when the
 * final bracket holds at most 50 events (or one repeated value), else within 0.001 ms; the mean is
 * exact up to 10,000 events per operation and not given above that.
 *
 * @example
 * ```ts
 * const report = await performanceReport(log, scope);
 * ```
 */
export async function performanceReport(source: ReportSource, scope: ReportScope): Promise<Report> {
  const since = scope.filter.since ?? scope.request.since;
  const until = scope.filter.until ?? scope.request.until;
  const previous: EventFilter = { ...scope.filter, since: since - (until - since), until: since };
  const timed = scope.narrow(HAS_DURATION);
  const [timedCount, previousTimed, byAction] = await Promise.all([
    source.count(timed),
    source.count({ ...previous, conditions: [...previous.conditions, HAS_DURATION] }),
    source.countBy(timed, "action", TOP),
  ]);
  const overall = new DurationDistribution(source, scope.filter, timedCount);
  const overallP95 = timedCount > 0 ? await overall.percentile(95) : undefined;
  const operations = await Promise.all(
    byAction.flatMap((row) =>
      row.key === null ? [] : [operationStats(source, scope.filter, previous, row.key, row.count)],
    ),
  );
  const approximate = operations.some((o) =>
    [o.min, o.max, o.p50, o.p95, o.p99, o.previousP95].some((s) => s !== undefined && !s.exact),
  );
  const regressions = operations.filter((o) => o.regressed);

  const findings: Finding[] = regressions.map((o) => ({
    severity: (o.changePct ?? 0) >= 100 ? "medium" : "low",
    title: `${o.action}: p95 ${shown(o.p95)} ms, up ${o.changePct ?? "∞"} % from ${shown(o.previousP95)} ms`,
    detail: `The 95th percentile of duration_ms of ${o.action} rose by more than ${Math.round((REGRESSION - 1) * 100)} % against the previous period (${counted(o.count, "event")} now, ${o.previousCount} before); its slowest events of the period are listed.`,
    evidenceSeqs: o.slowestSeqs,
  }));

  const table: TableBlock = {
    kind: "table",
    title: "Duration by operation (ms)",
    columns: [
      { key: "action", label: "Operation" },
      { key: "count", label: "Events" },
      { key: "min", label: "Min" },
      { key: "max", label: "Max" },
      { key: "mean", label: "Mean" },
      { key: "p50", label: "p50" },
      { key: "p95", label: "p95" },
      { key: "p99", label: "p99" },
      { key: "previousCount", label: "Previous events" },
      { key: "previousP95", label: "Previous p95" },
      { key: "changePct", label: "p95 change %" },
    ],
    rows: operations.map((o) => ({
      action: o.action,
      count: o.count,
      min: shown(o.min),
      max: shown(o.max),
      mean: o.mean === undefined ? null : round(o.mean),
      p50: shown(o.p50),
      p95: shown(o.p95),
      p99: shown(o.p99),
      previousCount: o.previousCount,
      previousP95: shown(o.previousP95),
      changePct: o.changePct ?? null,
    })),
  };

  return {
    provenance: scope.provenance("performance", "Performance report"),
    sections: [
      summarySection(
        [
          { label: "Timed events", value: timedCount },
          { label: "Timed events, previous period", value: previousTimed },
          {
            label: byAction.length >= TOP ? `Operations (the ${TOP} busiest)` : "Operations",
            value: operations.length,
          },
          { label: "Overall p95", value: shown(overallP95) ?? "n/a", unit: "ms" },
          { label: "Operations with a p95 regression", value: regressions.length },
          {
            label: "Percentile precision",
            value: approximate ? `within ${RESOLUTION} ms` : "exact",
          },
        ],
        findings,
      ),
      {
        id: "operations",
        title: "Operations",
        blocks: [
          table,
          {
            kind: "chart",
            title: "p95 by operation",
            chart: "bar",
            points: operations.map((o) => ({ label: o.action, value: shown(o.p95) ?? 0 })),
            unit: "ms",
          },
        ],
      },
    ],
  };
}
