import type { ObservedEvent } from "../rule-model.js";

/**
 * What the rules derive from the event being evaluated (group keys, field values), kept while
 * the engine goes through the rules for it: rules grouping by the same fields or reading the
 * same field compute it once. One event at a time; forgotten when the next is evaluated.
 */

let current: ObservedEvent | undefined;
const derived = new Map<string, unknown>();

/**
 * The values derived from `observed` so far, by name; emptied when a different event is asked
 * about.
 *
 * @example
 * ```ts
 * const memo = eventMemo(observed);
 * let key = memo.get("group:actor.id") as string | undefined;
 * if (key === undefined) memo.set("group:actor.id", (key = computeKey(observed)));
 * ```
 */
export function eventMemo(observed: ObservedEvent): Map<string, unknown> {
  if (observed !== current) {
    current = observed;
    derived.clear();
  }
  return derived;
}
