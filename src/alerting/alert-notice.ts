import type { AlertSeverity } from "./rule-model.js";

/** One event that raised an alert, with its RFC 6962 inclusion proof. */
export interface AlertEvidence {
  readonly seq: number;
  /** The event's `id`. */
  readonly id: string;
  /** Base64 of the event's RFC 6962 leaf hash. */
  readonly leaf_hash: string;
  /** Base64 hashes of the inclusion proof against the alert's checkpoint. */
  readonly proof: readonly string[];
}

/** An alert as it is sent, saved and verified. */
export interface Alert {
  /** Stable: the same across retries and restarts (a UUID derived from rule, group and window). */
  readonly id: string;
  /** The rule's id. */
  readonly rule: string;
  readonly title: string;
  readonly severity: AlertSeverity;
  /** The group's values (`{ "actor.id": "alice" }`); empty for an ungrouped rule. */
  readonly group: Readonly<Record<string, string | number | boolean | null>>;
  /** The event-time window the alert covers, RFC 3339. */
  readonly window: { readonly from: string; readonly to: string };
  /** How many matching events the window held. */
  readonly count: number;
  /** The events that raised it (at most a bounded number), each with its proof. */
  readonly evidence: readonly AlertEvidence[];
  /** The signed C2SP checkpoint text every proof is against. */
  readonly checkpoint: string;
}

/**
 * The JSON form of an alert: the webhook body, `alerts list --json`, the file
 * `alerts verify` reads.
 */
export interface AlertNotice {
  readonly type: "alert.fired" | "alert.resolved";
  readonly alert: Alert;
}
