import { createHash } from "node:crypto";

/**
 * Stable alert ids: a name-based UUID (RFC 9562 §5.8, version 8, built from SHA-256 as its
 * Appendix B.2 shows) of what makes an alert that alert. The same rule, group, window and
 * triggering event always give the same id, across retries, restarts and a backtest.
 */

/** The namespace every alert id is derived in (a fixed random UUID). */
const ALERT_ID_NAMESPACE = Buffer.from("6f1c1d0e3b7a4c5e9a0d2f4b8c6e1a37", "hex");

/** What identifies one alert. */
export interface AlertIdentity {
  readonly ruleId: string;
  readonly groupKey: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** The seq of the event that triggered it; absent for alerts raised by time passing. */
  readonly triggerSeq?: number;
}

/**
 * The alert's UUID.
 *
 * @example
 * ```ts
 * alertIdOf({ ruleId: "failed-logins", groupKey: '["alice"]', fromMs: 0, toMs: 300000, triggerSeq: 41 });
 * // "xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx", the same every time
 * ```
 */
export function alertIdOf(identity: AlertIdentity): string {
  const name = JSON.stringify([
    identity.ruleId,
    identity.groupKey,
    identity.fromMs,
    identity.toMs,
    identity.triggerSeq ?? null,
  ]);
  const hash = createHash("sha256").update(ALERT_ID_NAMESPACE).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
