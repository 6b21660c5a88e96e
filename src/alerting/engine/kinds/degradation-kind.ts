import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import type { AlertDecision } from "../alert-decision.js";
import { FieldReader } from "../field-reader.js";
import type { GroupKeyer } from "../group-keyer.js";
import { type AdvancedTime, type EngineTime, KindEvaluator } from "../kind-evaluator.js";
import { PercentileSketch } from "../percentile-sketch.js";
import { MIN_DEGRADATION_SAMPLES } from "../state-limits.js";

type DegradationCondition = Extract<CompiledRule["condition"], { kind: "degradation" }>;

/** How many of a window's slowest events its evidence names. */
const SLOWEST_KEPT = 20;

/** One window of a group: a sketch of its values, and its slowest events until it is judged. */
interface Bucket {
  readonly sketch: PercentileSketch;
  /** `[value, seq]`, slowest first (ties: lower seq first). */
  slowest: [number, number][];
}

/**
 * `degradation`: an operation getting slower than its own past. Time is cut into windows of
 * `window`, aligned to multiples of it since the epoch (1h windows are UTC hours): window k holds
 * the matching events with `k·window ≤ timestamp < (k+1)·window` that carry a number in `field`.
 * When the watermark passes a window's end, `advance` judges it: it is degraded when its
 * `percentile` exceeds `factor` × the same percentile over the `ceil(baseline / window)` windows
 * before it, both having at least {@link MIN_DEGRADATION_SAMPLES} samples. A degraded window
 * fires (instant: its end; count: its samples; evidence: its slowest events) unless the group is
 * blocked; with `resolve: true` the alert resolves with the first later window judged not
 * degraded (one without enough samples included). Percentiles come from a
 * {@link PercentileSketch} per window (within 1 %), so a group costs at most a few hundred
 * numbers per window of the baseline, whatever the traffic. Late events are ignored.
 */
export class DegradationKind extends KindEvaluator {
  readonly windowed = true;
  readonly #condition: DegradationCondition;
  readonly #field: FieldReader;
  /** How many windows the baseline covers. */
  readonly #baselineWindows: number;
  /** The last window judged. */
  #judgedThrough: number | undefined;
  readonly #groups = new Map<string, Map<number, Bucket>>();

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown, saved: unknown) {
    super(rule, keyer, savedBook);
    this.#condition = rule.condition as DegradationCondition;
    this.#field = new FieldReader(this.#condition.field);
    this.#baselineWindows = Math.ceil(this.#condition.baselineMs / this.#condition.windowMs);
    const state = saved as
      | { judged: number | null; groups: [string, [number, unknown, [number, number][]][]][] }
      | undefined;
    this.#judgedThrough = state?.judged ?? undefined;
    for (const [key, buckets] of state?.groups ?? []) {
      this.#groups.set(
        key,
        new Map(
          buckets.map(([k, sketch, slowest]) => [k, { sketch: PercentileSketch.fromJSON(sketch), slowest }]),
        ),
      );
    }
  }

  observe(event: ObservedEvent, _time: EngineTime, _out: AlertDecision[]): void {
    const value = this.#field.value(event);
    if (typeof value !== "number" || !Number.isFinite(value)) return;
    const key = this.keyer.keyOf(event);
    let buckets = this.#groups.get(key);
    if (!buckets) {
      buckets = new Map();
      this.#groups.set(key, buckets);
    }
    const k = Math.floor(event.timestampMs / this.#condition.windowMs);
    let bucket = buckets.get(k);
    if (!bucket) {
      bucket = { sketch: new PercentileSketch(), slowest: [] };
      buckets.set(k, bucket);
    }
    bucket.sketch.add(value);
    // Slowest first; among equals, the earlier seq first (seqs arrive ascending, so after them).
    const slowest = bucket.slowest;
    if (slowest.length === SLOWEST_KEPT && value <= (slowest[SLOWEST_KEPT - 1] as [number, number])[0])
      return;
    let at = slowest.length;
    while (at > 0 && value > (slowest[at - 1] as [number, number])[0]) at--;
    slowest.splice(at, 0, [value, event.seq]);
    if (slowest.length > SLOWEST_KEPT) slowest.pop();
  }

  advance(time: AdvancedTime, out: AlertDecision[]): void {
    const closed = Math.floor(time.watermarkMs / this.#condition.windowMs) - 1;
    const from = Math.max(
      (this.#judgedThrough ?? Number.NEGATIVE_INFINITY) + 1,
      closed - this.#baselineWindows,
    );
    if (from > closed) return;
    for (const [key, buckets] of this.#groups) {
      for (let k = from; k <= closed; k++) {
        if (buckets.has(k) || this.book.openSince(key) !== undefined) this.#judge(key, buckets, k, out);
      }
      for (const k of buckets.keys()) {
        if (k <= closed) (buckets.get(k) as Bucket).slowest = [];
        if (k < closed + 1 - this.#baselineWindows) buckets.delete(k);
      }
      if (buckets.size === 0 && !this.book.has(key)) this.#groups.delete(key);
    }
    this.#judgedThrough = closed;
  }

  #judge(key: string, buckets: Map<number, Bucket>, k: number, out: AlertDecision[]): void {
    const { windowMs, percentile, factor } = this.#condition;
    const current = buckets.get(k);
    const count = current?.sketch.count ?? 0;
    let degraded = false;
    if (current && count >= MIN_DEGRADATION_SAMPLES) {
      const baseline = new PercentileSketch();
      for (let b = k - this.#baselineWindows; b < k; b++) {
        const past = buckets.get(b);
        if (past) baseline.merge(past.sketch);
      }
      if (baseline.count >= MIN_DEGRADATION_SAMPLES) {
        degraded =
          (current.sketch.quantile(percentile) as number) >
          factor * (baseline.quantile(percentile) as number);
      }
    }
    const toMs = (k + 1) * windowMs;
    const facts = {
      fromMs: k * windowMs,
      toMs,
      count,
      seqsInTimeOrder: (current?.slowest ?? []).map(([, seq]) => seq),
    };
    if (degraded) {
      if (!this.book.blocked(key, toMs)) out.push(this.book.fire(key, toMs, facts));
      return;
    }
    const openSince = this.book.openSince(key);
    if (openSince !== undefined && openSince < toMs) {
      const resolved = this.book.resolve(key, facts);
      if (resolved) out.push(resolved);
    }
  }

  saveState(): unknown {
    return {
      judged: this.#judgedThrough ?? null,
      groups: [...this.#groups].map(([key, buckets]) => [
        key,
        [...buckets].map(([k, bucket]) => [k, bucket.sketch.toJSON(), bucket.slowest]),
      ]),
    };
  }
}
