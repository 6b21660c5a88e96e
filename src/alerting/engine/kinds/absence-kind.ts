import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import type { AlertDecision } from "../alert-decision.js";
import { type GroupKeyer, UNGROUPED_KEY } from "../group-keyer.js";
import { type AdvancedTime, type EngineTime, KindEvaluator } from "../kind-evaluator.js";
import { MAX_SILENT_GROUPS, MAX_WINDOW_ENTRIES } from "../state-limits.js";
import { TimeSeries } from "../time-series.js";

type AbsenceCondition = Extract<CompiledRule["condition"], { kind: "absence" }>;

/**
 * `absence`: fewer than `count` matching events in the last `window` — a producer went silent.
 * The window ending at instant T holds the group's events with `T − window < timestamp ≤ T`.
 * Judged by `advance` at the exact instants the group's state can change, up to the watermark
 * (`now − lateness`, after which no event can still arrive in time), so the decisions do not
 * depend on how often `advance` is called. Judging starts once a whole window has been watched:
 * at `start − lateness + window`, the start being the first `advance`. The groups judged are
 * those seen so far, each from its first event on; an ungrouped rule has its one group from
 * the start, so a producer that never speaks alerts too.
 *
 * A group fires at the first instant its window holds fewer than `count` events (when an event
 * leaves it, or judging starts for it), with that window (count: the events it held, evidence: them),
 * unless blocked. A silence that goes on fires again when the cooldown ends (a cooldown of 0:
 * once per silence); with `resolve: true` it stays open instead, and resolves at the first
 * event that brings the window back to `count`. Late events are ignored.
 *
 * At most {@link MAX_SILENT_GROUPS} groups are watched: past that, the one heard from least
 * recently is forgotten.
 */
/** A group watched: when it was first seen, and its recent events. */
interface SilentGroup {
  /** The timestamp of its first event (−∞ for an ungrouped rule's group: watched from the start). */
  readonly since: number;
  readonly series: TimeSeries;
}

export class AbsenceKind extends KindEvaluator {
  readonly windowed = true;
  readonly #condition: AbsenceCondition;
  /** Per group, its recent events; the group heard from least recently first. */
  readonly #groups = new Map<string, SilentGroup>();
  /** No group needs judging before this instant (−∞: unknown, judge every group). */
  #nextDueMs = Number.NEGATIVE_INFINITY;

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown, saved: unknown) {
    super(rule, keyer, savedBook);
    this.#condition = rule.condition as AbsenceCondition;
    for (const [key, since, series] of (saved ?? []) as [string, number | null, unknown][]) {
      this.#groups.set(key, {
        since: since ?? Number.NEGATIVE_INFINITY,
        series: TimeSeries.fromJSON(series),
      });
    }
  }

  observe(event: ObservedEvent, _time: EngineTime, _out: AlertDecision[]): void {
    const key = this.keyer.keyOf(event);
    const t = event.timestampMs;
    const group = this.#groups.get(key) ?? { since: t, series: new TimeSeries() };
    this.#groups.delete(key);
    this.#groups.set(key, group);
    group.series.insert(t, event.seq);
    if (this.#groups.size > MAX_SILENT_GROUPS)
      this.#groups.delete(this.#groups.keys().next().value as string);
    // Every instant the event adds to judge (it entering, leaving, the group's start) is at or after it.
    this.#nextDueMs = Math.min(this.#nextDueMs, t);
  }

  advance(time: AdvancedTime, out: AlertDecision[]): void {
    if (this.rule.groupBy.length === 0 && !this.#groups.has(UNGROUPED_KEY)) {
      this.#groups.set(UNGROUPED_KEY, { since: Number.NEGATIVE_INFINITY, series: new TimeSeries() });
    }
    if (time.watermarkMs < this.#nextDueMs) return;
    // The first window wholly watched ends `window` after the earliest event time not late at the start.
    const firstJudgedMs = time.startMs - time.latenessMs + this.#condition.windowMs;
    let nextDue = Number.POSITIVE_INFINITY;
    for (const [key, group] of this.#groups) {
      const fromMs = Math.max(firstJudgedMs, group.since);
      nextDue = Math.min(
        nextDue,
        this.#judge(key, group.series, time.previousWatermarkMs, time.watermarkMs, fromMs, out),
      );
    }
    this.#nextDueMs = nextDue;
  }

  override prune(watermarkMs: number): void {
    for (const { series } of this.#groups.values()) {
      series.dropThrough(watermarkMs - this.#condition.windowMs);
      if (series.length > MAX_WINDOW_ENTRIES) series.dropFirst(series.length - MAX_WINDOW_ENTRIES);
    }
    super.prune(watermarkMs);
  }

  /**
   * Judges the group at each instant in (`afterMs`, `throughMs`] at which its state can change,
   * in order: with an open alert, each event entering the window (it may fill it again); else
   * each event leaving it, the first instant it is judged at (`fromMs`), and the end of its
   * cooldown. Returns the next such instant after `throughMs` (∞: none).
   */
  #judge(
    key: string,
    series: TimeSeries,
    afterMs: number,
    throughMs: number,
    fromMs: number,
    out: AlertDecision[],
  ) {
    const { windowMs, count } = this.#condition;
    let at = afterMs;
    for (;;) {
      let next = Number.POSITIVE_INFINITY;
      if (this.book.openSince(key) !== undefined) {
        next = series.ts[series.after(at)] ?? next;
      } else {
        const leaving = series.after(at - windowMs);
        if (leaving < series.length) next = (series.ts[leaving] as number) + windowMs;
        if (fromMs > at) next = Math.min(next, fromMs);
        const cooled = this.book.cooldownEndsMs(key);
        if (cooled !== undefined && cooled > at) next = Math.min(next, cooled);
      }
      if (next > throughMs) return next;
      at = next;
      if (at < fromMs) continue;
      const windowFromMs = at - windowMs;
      const held = series.countIn(windowFromMs, at);
      const facts = {
        fromMs: windowFromMs,
        toMs: at,
        count: held,
        seqsInTimeOrder: series.seqsIn(windowFromMs, at),
      };
      if (this.book.openSince(key) !== undefined) {
        if (held >= count) {
          const resolved = this.book.resolve(key, facts);
          if (resolved) out.push(resolved);
        }
      } else if (held < count && !this.book.blocked(key, at)) {
        out.push(this.book.fire(key, at, facts));
      }
    }
  }

  saveState(): unknown {
    return [...this.#groups].map(([key, g]) => [
      key,
      g.since === Number.NEGATIVE_INFINITY ? null : g.since,
      g.series.toJSON(),
    ]);
  }
}
