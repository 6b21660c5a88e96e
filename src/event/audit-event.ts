/**
 * The audit event, schema v1: what producers send ({@link AuditEventInput}) and what
 * the log stores ({@link AuditEvent}, with `seq`, `id` and `received_at` filled in).
 */

/**
 * Event categories; derived from the action when the producer gives none. `other` is what an
 * action in a domain the category rules do not know gets: it says nothing of what the event is,
 * so no compliance control counts it as evidence.
 */
export const CATEGORIES = [
  "authentication",
  "access",
  "authorization",
  "account",
  "configuration",
  "data",
  "key_management",
  "certificate",
  "package",
  "policy",
  "incident",
  "system",
  "performance",
  "other",
] as const;
/** One of {@link CATEGORIES}. */
export type Category = (typeof CATEGORIES)[number];

/** Outcomes of the recorded operation. */
export const OUTCOMES = ["success", "failure", "unknown"] as const;
/** One of {@link OUTCOMES}. */
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Severities by their syslog names, most severe first: the index of a name is its syslog
 * numeric level (emergency = 0 … debug = 7).
 */
export const SEVERITIES = [
  "emergency",
  "alert",
  "critical",
  "error",
  "warning",
  "notice",
  "info",
  "debug",
] as const;
/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number];

/** Kinds of actor. */
export const ACTOR_TYPES = ["user", "service", "system"] as const;

/** Who performed the action. */
export interface Actor {
  id?: string;
  type?: (typeof ACTOR_TYPES)[number];
  name?: string;
  ip?: string;
  user_agent?: string;
  session_id?: string;
}

/** The affected resource. */
export interface Target {
  type?: string;
  id?: string;
  name?: string;
  version?: string;
}

/** What recorded the event. */
export interface Source {
  tool?: string;
  tool_version?: string;
  host?: string;
  component?: string;
}

/** Key or certificate metadata. Never key material. */
export interface CryptoMetadata {
  key_id?: string;
  algorithm?: string;
  key_size?: number;
  fingerprint?: string;
  not_before?: string;
  not_after?: string;
  serial?: string;
}

/** Details of a failure. */
export interface EventError {
  code?: string;
  message?: string;
  stack?: string;
}

/** A JSON value as stored in `details`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * An event as a producer sends it. Only `action` is required.
 *
 * @example
 * ```ts
 * const input: AuditEventInput = {
 *   action: "user.login",
 *   outcome: "success",
 *   actor: { id: "u-42", type: "user", ip: "203.0.113.7" },
 * };
 * ```
 */
export interface AuditEventInput {
  id?: string;
  timestamp?: string;
  action: string;
  category?: Category;
  outcome?: Outcome;
  severity?: Severity;
  actor?: Actor;
  target?: Target;
  source?: Source;
  tenant?: string;
  context?: Record<string, string>;
  policies?: string[];
  crypto?: CryptoMetadata;
  error?: EventError;
  duration_ms?: number;
  details?: { [key: string]: JsonValue };
  tags?: string[];
}

/** An event as stored: the object whose RFC 8785 bytes are the Merkle leaf. */
export interface AuditEvent extends AuditEventInput {
  seq: number;
  id: string;
  timestamp: string;
  received_at: string;
  category: Category;
  outcome: Outcome;
  severity: Severity;
}
