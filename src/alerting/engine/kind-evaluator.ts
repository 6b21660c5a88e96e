import type { CompiledRule, ObservedEvent } from "../rule-model.js";
import { requiredActions } from "../rules/filter-predicate.js";
import { AlertBook } from "./alert-book.js";
import type { AlertDecision } from "./alert-decision.js";
import type { GroupKeyer } from "./group-keyer.js";

/** The engine's time, as each kind reads it. */
export interface EngineTime {
  /** The time the engine was last advanced to (wall clock live, event time in a backtest); undefined before. */
  readonly nowMs: number | undefined;
  /**
   * `nowMs − latenessMs`: windows ending at or before it are judged, and events with an earlier
   * timestamp are late (ignored by windowed kinds). Undefined before the first advance.
   */
  readonly watermarkMs: number | undefined;
  /** The time of the first advance: when the engine started watching. */
  readonly startMs: number | undefined;
}

/**
 * The engine's time during an `advance`. What time passing decides is judged at the exact
 * instants in (previous, current] at which it happens, not at the instants `advance` happens to
 * be called, so the decisions do not depend on how often it is called.
 */
export interface AdvancedTime {
  readonly nowMs: number;
  readonly watermarkMs: number;
  readonly startMs: number;
  /** The time of the previous advance; −∞ at the first. */
  readonly previousNowMs: number;
  /** The watermark of the previous advance; −∞ at the first. */
  readonly previousWatermarkMs: number;
  /** How late an event may be (`nowMs − watermarkMs`). */
  readonly latenessMs: number;
}

/**
 * The state and evaluation of one rule, one subclass per kind (`kinds/`). The engine hands it,
 * in seq order, each event it selects (late ones only when it is not windowed), and calls
 * `advance` as time passes; it appends its decisions to `out`. Its state is JSON (`save`) and
 * is rebuilt from it by its constructor, so that a restored evaluator decides exactly what the
 * original would have.
 */
export abstract class KindEvaluator {
  readonly rule: CompiledRule;
  readonly keyer: GroupKeyer;
  readonly book: AlertBook;

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown) {
    this.rule = rule;
    this.keyer = keyer;
    this.book = new AlertBook(rule, keyer, savedBook);
  }

  /** Whether the kind counts events in event-time windows, so that late events are ignored. */
  abstract readonly windowed: boolean;

  /** Whether the rule considers `event` at all (its `match`; a ratio's `of`). */
  selects(event: ObservedEvent): boolean {
    return this.rule.match(event);
  }

  /**
   * The actions of every event {@link selects} can accept, when that is known (`undefined`: any):
   * the engine does not show the rule events with other actions.
   */
  requiredActions(): ReadonlySet<string> | undefined {
    return requiredActions(this.rule.match);
  }

  /** Takes one selected event. */
  abstract observe(event: ObservedEvent, time: EngineTime, out: AlertDecision[]): void;

  /** Judges what time passing decides. */
  abstract advance(time: AdvancedTime, out: AlertDecision[]): void;

  /**
   * Forgets what no judgement after `watermarkMs` needs (events that left every window still to
   * be judged, cooldowns that ended). Called now and then, never needed for a decision to be
   * right: it keeps the state small.
   */
  prune(watermarkMs: number): void {
    this.book.prune(watermarkMs);
  }

  /** The kind's own state as JSON. */
  abstract saveState(): unknown;
}
