import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import { requiredActions } from "../../rules/filter-predicate.js";
import type { AlertDecision } from "../alert-decision.js";
import type { GroupKeyer } from "../group-keyer.js";
import { type AdvancedTime, type EngineTime, KindEvaluator } from "../kind-evaluator.js";
import { MAX_WINDOW_ENTRIES } from "../state-limits.js";
import { TimeSeries } from "../time-series.js";

type SequenceCondition = Extract<CompiledRule["condition"], { kind: "sequence" }>;

/** A chain of events, one per step. */
interface Chain {
  readonly fromMs: number;
  readonly toMs: number;
  /** Seqs in time order. */
  readonly seqs: number[];
}

/** One event of a step: its (timestamp, seq). */
interface Point {
  readonly t: number;
  readonly seq: number;
}

/**
 * `sequence`: events of the same group matching each step, one event per step, the first and
 * the last at most `within` apart. Events are ordered by (timestamp, seq), so events with equal
 * timestamps keep the log's order.
 *
 * - `ordered: true` — the steps happen in the order given.
 * - `ordered: false` (Sigma's `temporal`) — all steps happen, in any order.
 *
 * Each arriving event that matches a step is tried in each step it matches (in the order of the
 * steps): the rule fires when it completes a chain, with the chain whose first and last events
 * are closest (for an ordered sequence: each earlier step's latest event before it, each later
 * step's earliest after it). The window runs from the chain's first event to its last (that is
 * the firing instant for the cooldown), the count is the number of steps, the evidence the
 * chain. An unordered chain needs distinct events: an event matching two steps is used for one.
 * Events stay usable for later chains (the cooldown keeps one incident from alerting twice).
 * Late events are ignored; events earlier than `watermark − within` are forgotten.
 */
export class SequenceKind extends KindEvaluator {
  readonly windowed = true;
  readonly #condition: SequenceCondition;
  /** Per group, one series per step. */
  readonly #groups = new Map<string, TimeSeries[]>();

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown, saved: unknown) {
    super(rule, keyer, savedBook);
    this.#condition = rule.condition as SequenceCondition;
    for (const [key, steps] of (saved ?? []) as [string, unknown[]][]) {
      this.#groups.set(key, steps.map(TimeSeries.fromJSON));
    }
  }

  /** The match's actions, else those of the steps when every step names its own. */
  override requiredActions(): ReadonlySet<string> | undefined {
    const own = super.requiredActions();
    if (own) return own;
    const steps = this.#condition.steps.map(requiredActions);
    if (steps.some((actions) => actions === undefined)) return undefined;
    return new Set(steps.flatMap((actions) => [...(actions as ReadonlySet<string>)]));
  }

  observe(event: ObservedEvent, _time: EngineTime, out: AlertDecision[]): void {
    const matched: number[] = [];
    for (const [j, step] of this.#condition.steps.entries()) if (step(event)) matched.push(j);
    if (matched.length === 0) return;
    const key = this.keyer.keyOf(event);
    let steps = this.#groups.get(key);
    if (!steps) {
      steps = this.#condition.steps.map(() => new TimeSeries());
      this.#groups.set(key, steps);
    }
    const at: Point = { t: event.timestampMs, seq: event.seq };
    for (const j of matched) (steps[j] as TimeSeries).insert(at.t, at.seq);
    for (const j of matched) {
      const chain = this.#condition.ordered ? orderedChain(steps, j, at) : anyOrderChain(steps, j, at);
      if (!chain || chain.toMs - chain.fromMs > this.#condition.withinMs) continue;
      if (!this.book.blocked(key, chain.toMs)) {
        out.push(
          this.book.fire(
            key,
            chain.toMs,
            { fromMs: chain.fromMs, toMs: chain.toMs, count: steps.length, seqsInTimeOrder: chain.seqs },
            event.seq,
          ),
        );
      }
      break;
    }
    for (const series of steps) {
      if (series.length > MAX_WINDOW_ENTRIES) series.dropFirst(series.length - MAX_WINDOW_ENTRIES);
    }
  }

  advance(_time: AdvancedTime): void {}

  override prune(watermarkMs: number): void {
    const oldest = watermarkMs - this.#condition.withinMs;
    for (const [key, steps] of this.#groups) {
      for (const series of steps) series.dropBefore(oldest);
      if (steps.every((series) => series.length === 0)) this.#groups.delete(key);
    }
    super.prune(watermarkMs);
  }

  saveState(): unknown {
    return [...this.#groups].map(([key, steps]) => [key, steps.map((series) => series.toJSON())]);
  }
}

/** The latest entry of `series` before `p` in (timestamp, seq) order. */
function before(series: TimeSeries, p: Point): Point | undefined {
  const i = series.atOrAfter(p.t, p.seq) - 1;
  return i < 0 ? undefined : { t: series.ts[i] as number, seq: series.seqs[i] as number };
}

/** The earliest entry of `series` after `p` in (timestamp, seq) order. */
function after(series: TimeSeries, p: Point): Point | undefined {
  const i = series.atOrAfter(p.t, p.seq + 1);
  return i >= series.length ? undefined : { t: series.ts[i] as number, seq: series.seqs[i] as number };
}

/**
 * The ordered chain through `at` as step `j` that spans least: each earlier step's latest event
 * before the next one, each later step's earliest after the previous one.
 */
function orderedChain(steps: readonly TimeSeries[], j: number, at: Point): Chain | undefined {
  const seqs = [at.seq];
  let first = at;
  for (let i = j - 1; i >= 0; i--) {
    const p = before(steps[i] as TimeSeries, first);
    if (!p) return undefined;
    seqs.unshift(p.seq);
    first = p;
  }
  let last = at;
  for (let i = j + 1; i < steps.length; i++) {
    const p = after(steps[i] as TimeSeries, last);
    if (!p) return undefined;
    seqs.push(p.seq);
    last = p;
  }
  return { fromMs: first.t, toMs: last.t, seqs };
}

/**
 * The unordered chain through `at` as step `j` that spans least. For each other step the best
 * choice is its nearest event on one side of `at` (a farther one on the same side never narrows
 * the span), so every choice of sides is tried; choices using one event twice are skipped.
 */
function anyOrderChain(steps: readonly TimeSeries[], j: number, at: Point): Chain | undefined {
  const options: Point[][] = [];
  for (const [i, series] of steps.entries()) {
    if (i === j) continue;
    const near = [before(series, at), after(series, at)].filter((p): p is Point => p !== undefined);
    if (near.length === 0) return undefined;
    options.push(near);
  }
  let best: Point[] | undefined;
  let bestSpan = Number.POSITIVE_INFINITY;
  const chosen: Point[] = [];
  const search = (i: number, low: number, high: number): void => {
    if (i === options.length) {
      if (high - low < bestSpan) {
        bestSpan = high - low;
        best = [...chosen];
      }
      return;
    }
    for (const p of options[i] as Point[]) {
      if (chosen.some((c) => c.seq === p.seq)) continue;
      chosen.push(p);
      search(i + 1, Math.min(low, p.t), Math.max(high, p.t));
      chosen.pop();
    }
  };
  search(0, at.t, at.t);
  if (!best) return undefined;
  const points = [...(best as Point[]), at].sort((a, b) => a.t - b.t || a.seq - b.seq);
  return { fromMs: (points[0] as Point).t, toMs: (points.at(-1) as Point).t, seqs: points.map((p) => p.seq) };
}
