/**
 * The bounds of the rule engine's state, so that it stays small enough to be saved with every
 * batch the follower commits, whatever the events.
 */

/**
 * The most events one group's window keeps (threshold, ratio, distinct, sequence steps): past it
 * the oldest are dropped, so a window never counts more than this many (rules cannot ask for
 * more: `MAX_RULE_COUNT` in the schema).
 */
export const MAX_WINDOW_ENTRIES = 100_000;

/**
 * The most (group, value) pairs a `new_value` rule remembers; past it the value seen least
 * recently is forgotten (and alerts again as new if it comes back).
 */
export const MAX_LEARNED_VALUES = 100_000;

/** The most keys or certificates an `expiry` rule follows; past it the one recorded least recently is forgotten. */
export const MAX_ASSETS = 100_000;

/** The most groups an `absence` rule watches; past it the group silent the longest is forgotten. */
export const MAX_SILENT_GROUPS = 10_000;

/** How many samples a `degradation` window and its baseline each need before they are compared. */
export const MIN_DEGRADATION_SAMPLES = 20;
