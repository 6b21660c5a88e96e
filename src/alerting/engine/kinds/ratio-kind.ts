import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import { requiredActions } from "../../rules/filter-predicate.js";
import type { GroupKeyer } from "../group-keyer.js";
import { SlidingWindowKind } from "../sliding-window-kind.js";
import { TimeSeries } from "../time-series.js";

type RatioCondition = Extract<CompiledRule["condition"], { kind: "ratio" }>;

/** A group's events of `of` (each marked "1" when it also matches the rule's `match`), and those hits alone. */
interface RatioGroup {
  readonly all: TimeSeries;
  readonly hits: TimeSeries;
}

const HIT = "1";
const MISS = "0";

/**
 * `ratio`: among the events matching `of` in the sliding window (at least `min_events` of
 * them), the share that also match the rule's `match` is at least `at_least` (see
 * {@link SlidingWindowKind} for when it fires and resolves; every event of `of` ends a window
 * that is judged). A decision's count is the number of matching events (the hits); its
 * evidence, the first hits of the window and the last.
 */
export class RatioKind extends SlidingWindowKind<RatioGroup> {
  protected readonly windowMs: number;
  protected override readonly clearsOnEntry = true;
  readonly #condition: RatioCondition;

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown, saved: unknown) {
    super(rule, keyer, savedBook);
    this.#condition = rule.condition as RatioCondition;
    this.windowMs = this.#condition.windowMs;
    for (const [key, all, hits] of (saved ?? []) as [string, unknown, unknown][]) {
      this.groups.set(key, { all: TimeSeries.fromJSON(all), hits: TimeSeries.fromJSON(hits) });
    }
  }

  override selects(event: ObservedEvent): boolean {
    return this.#condition.of(event);
  }

  override requiredActions(): ReadonlySet<string> | undefined {
    return requiredActions(this.#condition.of);
  }

  protected newGroup(): RatioGroup {
    return { all: new TimeSeries(), hits: new TimeSeries() };
  }

  protected timeline(group: RatioGroup): TimeSeries {
    return group.all;
  }

  protected add(group: RatioGroup, event: ObservedEvent): number {
    const hit = this.rule.match(event);
    if (hit) group.hits.insert(event.timestampMs, event.seq);
    return group.all.insert(event.timestampMs, event.seq, hit ? HIT : MISS);
  }

  protected count(group: RatioGroup, toMs: number): number {
    return group.hits.countIn(toMs - this.windowMs, toMs);
  }

  protected holds(group: RatioGroup, toMs: number, without?: number): boolean {
    const fromMs = toMs - this.windowMs;
    const left = without === undefined ? undefined : group.all.values[without];
    const total = group.all.countIn(fromMs, toMs) - (left === undefined ? 0 : 1);
    const hits = group.hits.countIn(fromMs, toMs) - (left === HIT ? 1 : 0);
    return total >= this.#condition.minEvents && hits / total >= this.#condition.atLeast;
  }

  protected evidence(group: RatioGroup, toMs: number): number[] {
    return group.hits.seqsIn(toMs - this.windowMs, toMs);
  }

  protected dropSettled(group: RatioGroup, throughMs: number): void {
    group.all.dropThrough(throughMs);
    group.hits.dropThrough(throughMs);
  }

  protected dropOldest(group: RatioGroup, count: number): void {
    const lastT = group.all.ts[count - 1] as number;
    const lastSeq = group.all.seqs[count - 1] as number;
    group.all.dropFirst(count);
    group.hits.dropFirst(group.hits.atOrAfter(lastT, lastSeq + 1));
  }

  saveState(): unknown {
    return [...this.groups].map(([key, g]) => [key, g.all.toJSON(), g.hits.toJSON()]);
  }
}
