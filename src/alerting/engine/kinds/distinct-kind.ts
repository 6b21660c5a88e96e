import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import { FieldReader } from "../field-reader.js";
import type { GroupKeyer } from "../group-keyer.js";
import { SlidingWindowKind } from "../sliding-window-kind.js";
import { TimeSeries } from "../time-series.js";

/** The values met by the scan in progress (one scan at a time: it calls nothing that scans). */
const SEEN = new Set<string>();

type DistinctCondition = Extract<CompiledRule["condition"], { kind: "distinct" }>;

/**
 * `distinct`: at least `count` distinct values of `field` among the matching events of the
 * sliding window (see {@link SlidingWindowKind} for when it fires and resolves). Events without
 * the field are not counted; `1` and `"1"` are different values. A decision's count is the
 * number of distinct values; its evidence, for each value, the last event in the window that
 * carried it.
 *
 * Of the events at or before the watermark, `prune` keeps only the newest of each value: no
 * window still to be judged can need the others, so a window costs one entry per
 * value rather than one per event.
 */
export class DistinctKind extends SlidingWindowKind<TimeSeries> {
  protected readonly windowMs: number;
  readonly #count: number;
  readonly #field: FieldReader;
  /** Per group, its length after it was last compacted. */
  readonly #compacted = new WeakMap<TimeSeries, number>();

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown, saved: unknown) {
    super(rule, keyer, savedBook);
    const condition = rule.condition as DistinctCondition;
    this.windowMs = condition.windowMs;
    this.#count = condition.count;
    this.#field = new FieldReader(condition.field);
    for (const [key, series] of (saved ?? []) as [string, unknown][]) {
      this.groups.set(key, TimeSeries.fromJSON(series));
    }
  }

  protected newGroup(): TimeSeries {
    return new TimeSeries();
  }

  protected timeline(group: TimeSeries): TimeSeries {
    return group;
  }

  protected add(group: TimeSeries, event: ObservedEvent): number | undefined {
    const text = this.#field.text(event);
    if (text === "null") return undefined;
    return group.insert(event.timestampMs, event.seq, text);
  }

  /**
   * The last entry of each value in the window ending at `toMs`, newest first, leaving out
   * `without`; at most `limit` of them.
   */
  #lastOfEach(group: TimeSeries, toMs: number, without?: number, limit = Number.POSITIVE_INFINITY): number[] {
    const seen = SEEN;
    seen.clear();
    const last: number[] = [];
    const first = group.after(toMs - this.windowMs);
    for (let i = group.after(toMs) - 1; i >= first && last.length < limit; i--) {
      if (i === without) continue;
      const value = group.values[i] as string;
      if (seen.has(value)) continue;
      seen.add(value);
      last.push(i);
    }
    return last;
  }

  protected count(group: TimeSeries, toMs: number): number {
    return this.#lastOfEach(group, toMs).length;
  }

  protected holds(group: TimeSeries, toMs: number, without?: number): boolean {
    return this.#lastOfEach(group, toMs, without, this.#count).length >= this.#count;
  }

  protected evidence(group: TimeSeries, toMs: number): number[] {
    return this.#lastOfEach(group, toMs)
      .reverse()
      .map((i) => group.seqs[i] as number);
  }

  protected dropSettled(group: TimeSeries, throughMs: number, watermarkMs: number): void {
    group.dropThrough(throughMs);
    // Compacting costs a pass over the window: only once it has doubled since the last one.
    if (group.length < 2 * (this.#compacted.get(group) ?? 0) + 16) return;
    // Of the entries at or before the watermark, a window still to be judged (ending at or
    // after it) holds a value's newest whenever it holds any of them: keep that one.
    const settled = group.after(watermarkMs);
    const seen = new Set<string>();
    const kept: number[] = [];
    for (let i = settled - 1; i >= 0; i--) {
      const value = group.values[i] as string;
      if (seen.has(value)) continue;
      seen.add(value);
      kept.push(i);
    }
    if (kept.length < settled) {
      kept.reverse();
      for (let i = settled; i < group.length; i++) kept.push(i);
      group.keep(kept);
    }
    this.#compacted.set(group, group.length);
  }

  protected dropOldest(group: TimeSeries, count: number): void {
    group.dropFirst(count);
  }

  saveState(): unknown {
    return [...this.groups].map(([key, series]) => [key, series.toJSON()]);
  }
}
