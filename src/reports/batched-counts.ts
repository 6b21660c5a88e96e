import type { Condition, EventFilter } from "../read-model/event-filter.js";
import type { ReportSource } from "./report-source.js";

/**
 * Batches a report's counts: every `count` of a filter that narrows `base` (same period, `base`'s
 * conditions first, as `ReportScope.narrow` builds them) asked for in the same turn of the event
 * loop is answered by one `countEach`, so a report asking for thirty counts over a million
 * events reads them once instead of thirty times. Other counts, and everything else, go to
 * `source` unchanged.
 *
 * @example
 * ```ts
 * const batched = batchCounts(log, scope.filter);
 * const [failures, anonymous] = await Promise.all([
 *   batched.count(scope.narrow({ field: "outcome", op: "eq", value: "failure" })),
 *   batched.count(scope.narrow({ field: "actor.id", op: "absent" })),
 * ]); // one pass over the period's events
 * ```
 */
export function batchCounts(source: ReportSource, base: EventFilter): ReportSource {
  let pending: Array<{
    narrowing: readonly Condition[];
    resolve: (n: number) => void;
    reject: (e: unknown) => void;
  }> = [];

  const flush = () => {
    const batch = pending;
    pending = [];
    // Through a promise, so that a source throwing instead of rejecting still settles the batch.
    Promise.resolve()
      .then(() =>
        source.countEach(
          base,
          batch.map((p) => p.narrowing),
        ),
      )
      .then(
        (counts) => {
          for (const [i, p] of batch.entries()) p.resolve(counts[i] as number);
        },
        (error: unknown) => {
          for (const p of batch) p.reject(error);
        },
      );
  };

  /** The conditions `filter` adds to `base`, or undefined when it does not narrow it. */
  const narrowing = (filter: EventFilter): readonly Condition[] | undefined => {
    if (filter.since !== base.since || filter.until !== base.until) return undefined;
    if (filter.conditions.length < base.conditions.length) return undefined;
    if (!base.conditions.every((c, i) => filter.conditions[i] === c)) return undefined;
    return filter.conditions.slice(base.conditions.length);
  };

  return {
    origin: source.origin,
    count(filter) {
      const extra = narrowing(filter);
      if (extra === undefined) return source.count(filter);
      return new Promise<number>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ narrowing: extra, resolve, reject });
      });
    },
    countEach: (filter, narrowings) => source.countEach(filter, narrowings),
    countBy: (filter, dimension, limit) => source.countBy(filter, dimension, limit),
    query: (filter, options) => source.query(filter, options),
    performance: (options) => source.performance(options),
    checkpoint: () => source.checkpoint(),
    verifierKey: () => source.verifierKey(),
    verify: () => source.verify(),
  };
}
