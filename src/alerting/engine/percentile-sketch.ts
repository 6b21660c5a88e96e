/**
 * A mergeable summary of numbers that answers percentiles within 1 % relative error, in memory
 * that grows with the logarithm of the values' range rather than with their count (the
 * DDSketch method: each value is counted in the bucket `ceil(log_γ(value))`, γ = 1.01 / 0.99).
 * Zero and negative values are counted as zero. Counts are integers, so merging and reading
 * are exact and deterministic.
 */

const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

export class PercentileSketch {
  /** Count per bucket index. */
  readonly #buckets: Map<number, number>;
  #zeros: number;
  #count: number;

  constructor(zeros = 0, buckets: readonly (readonly [number, number])[] = []) {
    this.#zeros = zeros;
    this.#buckets = new Map(buckets);
    this.#count = zeros + buckets.reduce((sum, [, n]) => sum + n, 0);
  }

  /** How many values were added. */
  get count(): number {
    return this.#count;
  }

  add(value: number): void {
    this.#count++;
    if (!(value > 0)) {
      this.#zeros++;
      return;
    }
    const index = Math.ceil(Math.log(value) / LOG_GAMMA);
    this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + 1);
  }

  /** Adds every value of `other`. */
  merge(other: PercentileSketch): void {
    this.#zeros += other.#zeros;
    this.#count += other.#count;
    for (const [index, n] of other.#buckets) this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + n);
  }

  /**
   * The `percentile` (0–100, nearest rank) of the values added, within 1 %; `undefined` when
   * there are none.
   *
   * @example
   * ```ts
   * const s = new PercentileSketch();
   * for (let ms = 1; ms <= 100; ms++) s.add(ms);
   * s.quantile(95); // ≈ 95
   * ```
   */
  quantile(percentile: number): number | undefined {
    if (this.#count === 0) return undefined;
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.#count));
    if (rank <= this.#zeros) return 0;
    let seen = this.#zeros;
    for (const index of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(index) as number;
      if (seen >= rank) return (2 * GAMMA ** index) / (GAMMA + 1);
    }
    return undefined;
  }

  /** The JSON form: `[zeros, [[index, count], …]]`. */
  toJSON(): unknown {
    return [this.#zeros, [...this.#buckets]];
  }

  static fromJSON(json: unknown): PercentileSketch {
    const [zeros, buckets] = json as [number, [number, number][]];
    return new PercentileSketch(zeros, buckets);
  }
}
