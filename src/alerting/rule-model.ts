/**
 * The compiled form of a detection rule, whatever it was written in (the config file's
 * `alerting.rules`, a `--rules` file, or a Sigma rule): what the rule engine evaluates.
 */

/** How bad an alert is, lowest first. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;

/** How bad an alert is. */
export type AlertSeverity = (typeof SEVERITIES)[number];

/**
 * A committed event as the rule engine sees it: its seq, the parsed event and its event time.
 * Built once per event and shared by every rule.
 */
export interface ObservedEvent {
  readonly seq: number;
  /** The event's `id`. */
  readonly id: string;
  /** The event's `timestamp`, Unix ms: windows are in event time. */
  readonly timestampMs: number;
  /** The parsed event (canonical JSON as stored). */
  readonly event: Readonly<Record<string, unknown>>;
}

/** Whether an event counts for a rule (a compiled filter or Sigma detection). */
export type EventPredicate = (observed: ObservedEvent) => boolean;

/** What a rule detects, one kind per rule. Durations are milliseconds. */
export type RuleCondition =
  /** Every matching event alerts (subject to cooldown). */
  | { readonly kind: "any" }
  /** At least `count` matching events in a sliding window. */
  | { readonly kind: "threshold"; readonly count: number; readonly windowMs: number }
  /**
   * Among events matching `of` (the denominator) in a window, the share that also match the
   * rule's `match` is at least `atLeast`, once there are at least `minEvents` of them.
   */
  | {
      readonly kind: "ratio";
      readonly of: EventPredicate;
      readonly atLeast: number;
      readonly minEvents: number;
      readonly windowMs: number;
    }
  /** At least `count` distinct values of `field` in a window. */
  | { readonly kind: "distinct"; readonly field: string; readonly count: number; readonly windowMs: number }
  /** A value of `field` never seen for the group before, once the first `learnMs` have passed. */
  | { readonly kind: "new_value"; readonly field: string; readonly learnMs: number }
  /**
   * Steps matched in order (or in any order when `ordered` is false), same group, all within
   * `withinMs`. The rule's `match` selects the events considered at all.
   */
  | {
      readonly kind: "sequence";
      readonly steps: readonly EventPredicate[];
      readonly withinMs: number;
      readonly ordered: boolean;
    }
  /** Fewer than `count` matching events in a window: a producer went silent. */
  | { readonly kind: "absence"; readonly count: number; readonly windowMs: number }
  /** The `percentile` of `field` in a window exceeds `factor` × the same percentile over `baselineMs`. */
  | {
      readonly kind: "degradation";
      readonly field: string;
      readonly percentile: number;
      readonly windowMs: number;
      readonly baselineMs: number;
      readonly factor: number;
    }
  /** An event records an expiry instant in `field` that is within `withinMs` of now, or past. */
  | { readonly kind: "expiry"; readonly field: string; readonly withinMs: number };

/** Where a rule was written, for errors and for the alert's provenance. */
export interface RuleSource {
  /** The file it was read from, when it came from one. */
  readonly file?: string;
  /** Its path within that file (`alerting.rules[3]`, or a Sigma rule's title). */
  readonly path: string;
}

/** A compiled detection rule. */
export interface CompiledRule {
  readonly id: string;
  readonly title: string;
  readonly severity: AlertSeverity;
  /** Channel names the rule's alerts go to. */
  readonly channels: readonly string[];
  /** Fields whose values split the rule into independent groups (`actor.id`). */
  readonly groupBy: readonly string[];
  /** No new alert for the same rule and group within this long after one (ms). */
  readonly cooldownMs: number;
  /** Send a resolved notice when the condition clears. */
  readonly resolve: boolean;
  /** Which events the rule considers. */
  readonly match: EventPredicate;
  /**
   * Whether the rule names Sealtrail's own `alert.*` events explicitly. Rules that do not never
   * see them, so an alert cannot raise itself.
   */
  readonly watchesAlertEvents: boolean;
  readonly condition: RuleCondition;
  readonly source: RuleSource;
}
