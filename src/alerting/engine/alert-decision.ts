/** A value of a group's field, as read from the event (objects and lists as their JSON text). */
export type GroupValue = string | number | boolean | null;

/**
 * What the rule engine decided: an alert fired, or an open alert resolved. Decisions are pure
 * functions of the rules and of the engine's inputs (the events observed, the times advanced
 * to), so a replay of the same inputs decides the same alerts with the same ids.
 */
export interface AlertDecision {
  readonly type: "fired" | "resolved";
  /**
   * The alert's stable id (a UUID derived from the rule, the group, the window and the event
   * that triggered it); a resolved decision carries the id of the alert it resolves.
   */
  readonly alertId: string;
  readonly ruleId: string;
  /** The group's values by field (`{ "actor.id": "alice" }`); empty for an ungrouped rule. */
  readonly group: Readonly<Record<string, GroupValue>>;
  /** The group's key, unique per rule and group (the JSON of its values). */
  readonly groupKey: string;
  /**
   * The event-time span the decision covers, Unix ms: for a sliding window (threshold, ratio,
   * distinct, absence) the events with `fromMs < timestamp ≤ toMs`; for a degradation window
   * those with `fromMs ≤ timestamp < toMs`; for one event (any, new_value) its instant; for a
   * sequence, its first step's event to its last; for an expiry, the recording event to the
   * instant judged.
   */
  readonly window: { readonly fromMs: number; readonly toMs: number };
  /** How many matching events the window held (the kind says what counts). */
  readonly count: number;
  /**
   * Seqs of the events that raised the alert, ascending: at most the first
   * {@link EVIDENCE_FIRST} of the window and its last.
   */
  readonly evidenceSeqs: readonly number[];
}

/** How many of a window's first events an alert's evidence names (and then the window's last). */
export const EVIDENCE_FIRST = 20;

/**
 * The evidence of a window from its seqs in time order: the first {@link EVIDENCE_FIRST} and the
 * last, ascending and without repeats.
 *
 * @example
 * ```ts
 * capEvidence([7, 3, 9]); // [3, 7, 9]
 * ```
 */
export function capEvidence(seqsInTimeOrder: readonly number[]): number[] {
  const kept =
    seqsInTimeOrder.length <= EVIDENCE_FIRST + 1
      ? [...seqsInTimeOrder]
      : [...seqsInTimeOrder.slice(0, EVIDENCE_FIRST), seqsInTimeOrder.at(-1) as number];
  return [...new Set(kept)].sort((a, b) => a - b);
}
