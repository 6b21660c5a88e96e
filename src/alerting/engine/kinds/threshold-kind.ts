import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import type { GroupKeyer } from "../group-keyer.js";
import { SlidingWindowKind } from "../sliding-window-kind.js";
import { TimeSeries } from "../time-series.js";

type ThresholdCondition = Extract<CompiledRule["condition"], { kind: "threshold" }>;

/**
 * `threshold`: at least `count` matching events in the sliding window (see
 * {@link SlidingWindowKind} for when it fires and resolves). A decision's count is the number of
 * matching events in its window; its evidence, the first of them and the last.
 */
export class ThresholdKind extends SlidingWindowKind<TimeSeries> {
  protected readonly windowMs: number;
  readonly #count: number;

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown, saved: unknown) {
    super(rule, keyer, savedBook);
    const condition = rule.condition as ThresholdCondition;
    this.windowMs = condition.windowMs;
    this.#count = condition.count;
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

  protected add(group: TimeSeries, event: ObservedEvent): number {
    return group.insert(event.timestampMs, event.seq);
  }

  protected count(group: TimeSeries, toMs: number): number {
    return group.countIn(toMs - this.windowMs, toMs);
  }

  protected holds(group: TimeSeries, toMs: number, without?: number): boolean {
    return this.count(group, toMs) - (without === undefined ? 0 : 1) >= this.#count;
  }

  protected evidence(group: TimeSeries, toMs: number): number[] {
    return group.seqsIn(toMs - this.windowMs, toMs);
  }

  protected dropSettled(group: TimeSeries, throughMs: number): void {
    group.dropThrough(throughMs);
  }

  protected dropOldest(group: TimeSeries, count: number): void {
    group.dropFirst(count);
  }

  saveState(): unknown {
    return [...this.groups].map(([key, series]) => [key, series.toJSON()]);
  }
}
