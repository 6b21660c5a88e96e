/**
 * The durations of one group of events and the figures people ask of them. Percentiles are
 * exact, by the nearest-rank method: the p-th percentile of n values is the smallest value with
 * at least p % of the values at or below it, the value of rank ⌈p · n / 100⌉ in ascending order.
 * It is always one of the measured values (no interpolation), so "p95 = 58 ms" means an event
 * took 58 ms.
 */

/** How many of the slowest events each group keeps, for evidence. */
export const SLOWEST_KEPT = 5;

/** Count, extremes, mean and nearest-rank percentiles of a set of durations, in milliseconds. */
export interface DurationFigures {
  /** How many durations. */
  readonly count: number;
  readonly min: number;
  /** The arithmetic mean, rounded to 0.001 ms. */
  readonly avg: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The nearest-rank `pct` percentile of `sorted` (ascending, not empty): the value of rank
 * ⌈pct · n / 100⌉, at least rank 1.
 *
 * @example
 * ```ts
 * nearestRank(Float64Array.from([1, 2, 3, 4]), 50); // 2 (rank 2 of 4)
 * nearestRank(Float64Array.from([1, 2, 3, 4]), 95); // 4 (rank ⌈3.8⌉ = 4)
 * ```
 */
export function nearestRank(sorted: Float64Array, pct: number): number {
  if (sorted.length === 0) throw new RangeError("nearestRank: no values");
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((pct * sorted.length) / 100)));
  return sorted[rank - 1] as number;
}

/** A duration and the seq of the event it was measured on. */
interface Timed {
  readonly seq: number;
  readonly ms: number;
}

/**
 * Durations gathered one by one into a growing `Float64Array` (8 bytes each, whatever the event
 * carried), and the {@link SLOWEST_KEPT} slowest events among them.
 *
 * @example
 * ```ts
 * const samples = new DurationSamples();
 * for (const [seq, ms] of [[0, 12], [1, 40], [2, 7]]) samples.add(seq, ms);
 * samples.figures().p50; // 12
 * samples.slowestSeqs(); // [1, 0, 2]
 * ```
 */
export class DurationSamples {
  #values = new Float64Array(64);
  #count = 0;
  #sum = 0;
  /** Slowest first; ties by seq. */
  readonly #slowest: Timed[] = [];

  get count(): number {
    return this.#count;
  }

  add(seq: number, ms: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = ms;
    this.#sum += ms;
    const last = this.#slowest[this.#slowest.length - 1];
    if (this.#slowest.length < SLOWEST_KEPT || (last !== undefined && slower({ seq, ms }, last))) {
      this.#slowest.push({ seq, ms });
      this.#slowest.sort((a, b) => (slower(a, b) ? -1 : 1));
      if (this.#slowest.length > SLOWEST_KEPT) this.#slowest.pop();
    }
  }

  /** The figures of every duration added; `undefined` when none was. */
  figures(): DurationFigures | undefined {
    if (this.#count === 0) return undefined;
    const sorted = this.#values.slice(0, this.#count).sort();
    return {
      count: this.#count,
      min: sorted[0] as number,
      avg: Math.round((this.#sum / this.#count) * 1000) / 1000,
      p50: nearestRank(sorted, 50),
      p95: nearestRank(sorted, 95),
      p99: nearestRank(sorted, 99),
      max: sorted[this.#count - 1] as number,
    };
  }

  /** The seqs of the slowest events (at most {@link SLOWEST_KEPT}), slowest first, ties by seq. */
  slowestSeqs(): number[] {
    return this.#slowest.map((t) => t.seq);
  }
}

/** Whether `a` ranks before `b` among the slowest: longer, or as long with a lower seq. */
function slower(a: Timed, b: Timed): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.seq < b.seq);
}
