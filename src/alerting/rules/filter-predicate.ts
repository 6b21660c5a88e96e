import type { EventFilter } from "../../read-model/event-filter.js";
import { compileMatcher, type MatchRow, rowOf } from "../../storage/memory/match-event.js";
import type { EventPredicate, ObservedEvent } from "../rule-model.js";

/**
 * Filters in the query syntax as rule predicates: matched in memory exactly as a store's query
 * matches them (`compileMatcher`), so a rule and `sealtrail query` with the same expressions
 * select the same events.
 */

/**
 * The row of the event last matched. Every rule tests the same event one after the other, so one
 * slot spares each of them building the row again.
 */
let lastObserved: ObservedEvent | undefined;
let lastRow: MatchRow | undefined;

function rowFor(observed: ObservedEvent): MatchRow {
  if (observed !== lastObserved || lastRow === undefined) {
    lastRow = rowOf(observed.event);
    lastObserved = observed;
  }
  return lastRow;
}

/** The actions a predicate can match at all, for the predicates that name them (see {@link requiredActions}). */
const REQUIRED_ACTIONS = new WeakMap<EventPredicate, ReadonlySet<string>>();

/**
 * The actions an event must have for `predicate` to match it, when the predicate says (a filter
 * with `action=X` or `action=X,Y`); `undefined` when any action may match. The rule engine
 * uses it to skip, per action, the rules that cannot match: an index, never a change of meaning.
 */
export function requiredActions(predicate: EventPredicate): ReadonlySet<string> | undefined {
  return REQUIRED_ACTIONS.get(predicate);
}

/** The actions the filter's `action=` conditions allow (their intersection), if it has any. */
function actionsOf(filter: EventFilter): Set<string> | undefined {
  let actions: Set<string> | undefined;
  for (const c of filter.conditions) {
    if (c.field !== "action") continue;
    const given = c.op === "eq" ? [c.value] : c.op === "in" ? c.values : undefined;
    if (given === undefined) continue;
    const values = given.filter((v): v is string => typeof v === "string");
    actions = new Set(actions ? values.filter((v) => actions?.has(v)) : values);
  }
  return actions;
}

/**
 * The predicate of a parsed filter.
 *
 * @example
 * ```ts
 * const failures = filterPredicate(parseFilter(["action=user.login", "outcome=failure"]));
 * failures(observed); // true for a failed sign-in
 * ```
 */
export function filterPredicate(filter: EventFilter): EventPredicate {
  const matches = compileMatcher(filter);
  const predicate: EventPredicate = (observed) => matches(rowFor(observed));
  const actions = actionsOf(filter);
  if (actions) REQUIRED_ACTIONS.set(predicate, actions);
  return predicate;
}

/** The prefix of Sealtrail's own alert events' actions (`alert.fired`, `alert.resolved`, …). */
export const ALERT_ACTION_PREFIX = "alert.";

/**
 * Whether a filter names Sealtrail's own `alert.*` events explicitly: a condition on `action`
 * whose value (or one of whose values, or whose prefix) starts with `alert.`. A rule that does
 * not is never shown them, so an alert cannot raise itself.
 */
export function namesAlertEvents(filter: EventFilter): boolean {
  return filter.conditions.some((c) => {
    if (c.field !== "action") return false;
    switch (c.op) {
      case "eq":
      case "prefix":
        return typeof c.value === "string" && c.value.startsWith(ALERT_ACTION_PREFIX);
      case "in":
        return c.values.some((v) => typeof v === "string" && v.startsWith(ALERT_ACTION_PREFIX));
      default:
        return false;
    }
  });
}
