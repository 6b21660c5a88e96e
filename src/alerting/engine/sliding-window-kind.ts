import type { ObservedEvent } from "../rule-model.js";
import type { AlertDecision } from "./alert-decision.js";
import { type AdvancedTime, type EngineTime, KindEvaluator } from "./kind-evaluator.js";
import { MAX_WINDOW_ENTRIES } from "./state-limits.js";
import type { TimeSeries } from "./time-series.js";

/**
 * The kinds judged over a sliding event-time window (threshold, ratio, distinct). The window
 * ending at instant T holds the group's events with `T − window < timestamp ≤ T`.
 *
 * - **Firing.** When an event arrives at time t, the window ending at t is judged; if the
 *   condition holds and the group is not blocked (cooldown, or an open alert) the rule fires
 *   with that window. A late event (earlier than the group's newest) also completes the windows
 *   ending at the group's later events within `window` after it: the first of those in which the
 *   condition holds only thanks to it fires. So a condition that keeps holding fires again at
 *   the first event after the cooldown, unless `resolve` keeps the alert open.
 * - **Resolving** (`resolve: true`). An open alert resolves at the first instant after it fired
 *   at which the condition no longer holds (an event leaving the window; for a ratio, also one
 *   entering it), with the window ending then. Such an instant is final once the watermark
 *   (`now − lateness`) has passed it, so `advance` finds it then, whenever it is called.
 * - **Forgetting.** Events at or before `watermark − window` can belong to no window judged
 *   again; `prune` drops them, and forgets a group with none left.
 */
export abstract class SlidingWindowKind<G> extends KindEvaluator {
  readonly windowed = true;
  protected readonly groups = new Map<string, G>();

  protected abstract readonly windowMs: number;

  /** A new group's state. */
  protected abstract newGroup(): G;

  /** The series whose events end windows (each of them may fire). */
  protected abstract timeline(group: G): TimeSeries;

  /** Adds the event to the group; returns its index in the timeline, or undefined when it does not count. */
  protected abstract add(group: G, event: ObservedEvent): number | undefined;

  /** Whether the condition holds over the window ending at `toMs`, leaving out the timeline's entry at `without` if given. */
  protected abstract holds(group: G, toMs: number, without?: number): boolean;

  /** The count a decision over the window ending at `toMs` reports (matching events, distinct values…). */
  protected abstract count(group: G, toMs: number): number;

  /** The seqs of the window's evidence, in time order. */
  protected abstract evidence(group: G, toMs: number): number[];

  /** Drops the entries no later judgement needs (those at or before `throughMs`, and what `watermarkMs` makes redundant). */
  protected abstract dropSettled(group: G, throughMs: number, watermarkMs: number): void;

  /** Drops the oldest `count` entries (the group holds too many). */
  protected abstract dropOldest(group: G, count: number): void;

  observe(event: ObservedEvent, _time: EngineTime, out: AlertDecision[]): void {
    const key = this.keyer.keyOf(event);
    let group = this.groups.get(key);
    if (!group) {
      group = this.newGroup();
      this.groups.set(key, group);
    }
    const index = this.add(group, event);
    if (index === undefined) return;
    const fired =
      this.fireAt(key, group, event, event.timestampMs) || this.fireLater(key, group, event, index);
    const line = this.timeline(group);
    if (line.length > MAX_WINDOW_ENTRIES) this.dropOldest(group, line.length - MAX_WINDOW_ENTRIES);
    if (fired) out.push(fired);
  }

  /** Fires with the window ending at `toMs` if the condition holds there and the group may fire. */
  private fireAt(key: string, group: G, event: ObservedEvent, toMs: number): AlertDecision | undefined {
    if (this.book.blocked(key, toMs) || !this.holds(group, toMs)) return undefined;
    return this.fire(key, group, toMs, event.seq);
  }

  /** A late event: fires with the first later window whose condition holds only thanks to it. */
  private fireLater(key: string, group: G, event: ObservedEvent, index: number): AlertDecision | undefined {
    const line = this.timeline(group);
    const t = event.timestampMs;
    let previous = t;
    for (let j = index + 1; j < line.length; j++) {
      const toMs = line.ts[j] as number;
      if (toMs >= t + this.windowMs) break;
      if (toMs === previous) continue;
      previous = toMs;
      if (this.book.blocked(key, toMs) || !this.holds(group, toMs) || this.holds(group, toMs, index))
        continue;
      return this.fire(key, group, toMs, event.seq);
    }
    return undefined;
  }

  private fire(key: string, group: G, toMs: number, triggerSeq: number): AlertDecision {
    const fromMs = toMs - this.windowMs;
    const facts = {
      fromMs,
      toMs,
      count: this.count(group, toMs),
      seqsInTimeOrder: this.evidence(group, toMs),
    };
    return this.book.fire(key, toMs, facts, triggerSeq);
  }

  /** Whether an event entering the window can make the condition stop holding (a ratio's misses). */
  protected readonly clearsOnEntry: boolean = false;

  /**
   * The next instant after `afterMs` at which the window's content changes in a way that can
   * clear the condition: an event leaving it (at its timestamp + window), or with
   * {@link clearsOnEntry} one entering it.
   */
  #nextChange(line: TimeSeries, afterMs: number): number | undefined {
    const leaving = line.after(afterMs - this.windowMs);
    let next = leaving < line.length ? (line.ts[leaving] as number) + this.windowMs : undefined;
    if (this.clearsOnEntry) {
      const entering = line.after(afterMs);
      const t = line.ts[entering];
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  advance(time: AdvancedTime, out: AlertDecision[]): void {
    const w = time.watermarkMs;
    for (const key of this.book.openGroups()) {
      const group = this.groups.get(key);
      let at = Math.max(time.previousWatermarkMs, this.book.openSince(key) as number);
      let clearedAt: number | undefined;
      if (!group) clearedAt = w;
      else {
        const line = this.timeline(group);
        for (
          let next = this.#nextChange(line, at);
          next !== undefined && next <= w;
          next = this.#nextChange(line, at)
        ) {
          at = next;
          if (!this.holds(group, at)) {
            clearedAt = at;
            break;
          }
        }
      }
      if (clearedAt === undefined) continue;
      const resolved = this.book.resolve(key, {
        fromMs: clearedAt - this.windowMs,
        toMs: clearedAt,
        count: group ? this.count(group, clearedAt) : 0,
        seqsInTimeOrder: group ? this.evidence(group, clearedAt) : [],
      });
      if (resolved) out.push(resolved);
    }
  }

  override prune(watermarkMs: number): void {
    for (const [key, group] of this.groups) {
      this.dropSettled(group, watermarkMs - this.windowMs, watermarkMs);
      if (this.timeline(group).length === 0 && this.book.openSince(key) === undefined)
        this.groups.delete(key);
    }
    super.prune(watermarkMs);
  }
}
