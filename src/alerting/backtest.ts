import type { StoredEvent } from "../read-model/stored-event.js";
import type { AlertDecision } from "./engine/alert-decision.js";
import { RuleEngine } from "./engine/rule-engine.js";
import { observedEventOf } from "./observed-event-of.js";
import type { CompiledRule, ObservedEvent } from "./rule-model.js";

export { observedEventOf };

/** How often, in event time, a backtest advances the engine (as the live runner does about once a second). */
export const BACKTEST_TICK_MS = 1_000;

/** Options of {@link backtest}. */
export interface BacktestOptions {
  /** The time the backtest ends at: the engine is advanced to it after the last event (absences, expiries up to now). */
  readonly nowMs: number;
  /** As the live engine's `latenessMs`; the same value gives the same alerts. */
  readonly latenessMs?: number;
}

/**
 * The alerts `rules` would have raised over stored events: the live engine ({@link RuleEngine})
 * given the events in seq order, with event time standing in for the wall clock. Each event is
 * parsed once; before an event at least {@link BACKTEST_TICK_MS} past the engine's time, the
 * engine is advanced to that event's timestamp (as the live runner advances about once a second
 * while events arrive on time), and at the end to `nowMs`.
 *
 * @example
 * ```ts
 * const decisions = await backtest(log.exportEvents(parseFilter([], { since: "30d" })), rules, {
 *   nowMs: Date.now(),
 * });
 * ```
 */
export async function backtest(
  batches: AsyncIterable<readonly StoredEvent[]>,
  rules: readonly CompiledRule[],
  options: BacktestOptions,
): Promise<AlertDecision[]> {
  const engine = new RuleEngine(
    rules,
    options.latenessMs === undefined ? {} : { latenessMs: options.latenessMs },
  );
  const decisions: AlertDecision[] = [];
  const add = (more: readonly AlertDecision[]) => {
    for (const decision of more) decisions.push(decision);
  };
  let nextTickMs = Number.NEGATIVE_INFINITY;
  for await (const batch of batches) {
    let run: ObservedEvent[] = [];
    for (const stored of batch) {
      const observed = observedEventOf(stored);
      if (observed.timestampMs >= nextTickMs) {
        if (run.length > 0) add(engine.observe(run));
        run = [];
        add(engine.advance(observed.timestampMs));
        nextTickMs = (engine.nowMs as number) + BACKTEST_TICK_MS;
      }
      run.push(observed);
    }
    if (run.length > 0) add(engine.observe(run));
  }
  add(engine.advance(options.nowMs));
  return decisions;
}
