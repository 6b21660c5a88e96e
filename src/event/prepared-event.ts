import type { Category, Outcome } from "./audit-event.js";

/**
 * An event validated and normalized, waiting only for its `seq`. Its canonical bytes are
 * `head + seq + tail`: JCS sorts keys, and `seq` falls between `received_at` and `severity`,
 * both always present, so the text around it is fixed before sequencing.
 */
export interface PreparedEvent {
  /** The event id (producer's, lowercased, or a new UUIDv7). */
  readonly id: string;
  /** True when the producer gave the id, so it may already be stored. */
  readonly producerId: boolean;
  /** `timestamp` in Unix milliseconds. */
  readonly timestampMs: number;
  readonly action: string;
  readonly category: Category;
  readonly outcome: Outcome;
  /** Syslog level: 0 emergency … 7 debug. */
  readonly severityLevel: number;
  readonly actorId: string | null;
  readonly targetId: string | null;
  readonly tenant: string | null;
  /** Canonical JSON up to and including `"seq":`. */
  readonly head: string;
  /** Canonical JSON after the seq number, from `,"severity":` to the closing brace. */
  readonly tail: string;
}

/**
 * The canonical JSON (RFC 8785) of a prepared event once sequenced: exactly the bytes whose
 * SHA-256(0x00 ‖ bytes) is its Merkle leaf.
 *
 * @example
 * ```ts
 * const text = sealedJson(prepared, 41); // '{"action":"user.login",…,"seq":41,"severity":"info",…}'
 * ```
 */
export function sealedJson(event: PreparedEvent, seq: number): string {
  return event.head + seq + event.tail;
}
