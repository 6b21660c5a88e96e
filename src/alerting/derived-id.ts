import { createHash } from "node:crypto";

/**
 * A UUID (RFC 9562 version 8) derived from `parts` by SHA-256: the same parts always give the
 * same id. Alerts and the events that record them get their ids this way, so that a replay
 * after a crash derives the ids it derived before and the log's duplicate detection turns a
 * second append of the same record into a no-op.
 *
 * @example
 * ```ts
 * derivedUuid("alert", "failed-logins", "actor.id=alice", "1733220000000");
 * // "5b0c…-…-8…-…" — the same string on every run
 * ```
 */
export function derivedUuid(...parts: readonly string[]): string {
  const hash = createHash("sha256").update(parts.join("\u0000")).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x80; // version 8
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80; // variant 10
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
