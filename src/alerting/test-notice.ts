import type { EvidenceSource } from "./alert-evidence.js";
import type { AlertNotice } from "./alert-notice.js";
import { derivedUuid } from "./derived-id.js";

/**
 * A test alert for `sealtrail alerts test CHANNEL`: rule `sealtrail.test`, severity `info`, no
 * evidence, and a checkpoint of the log signed now, so that a receiver can check the signature
 * path end to end. Its id is new on every call.
 *
 * @example
 * ```ts
 * await channel.send(await testNotice(log, "ops-webhook"), { number: 1, timeoutMs: 10_000 });
 * ```
 */
export async function testNotice(
  log: Pick<EvidenceSource, "checkpoint">,
  channel: string,
): Promise<AlertNotice> {
  const now = new Date();
  const checkpoint = await log.checkpoint();
  return {
    type: "alert.fired",
    alert: {
      id: derivedUuid("test-alert", channel, now.toISOString(), String(Math.random())),
      rule: "sealtrail.test",
      title: `Test alert for channel ${channel}`,
      severity: "info",
      group: {},
      window: { from: now.toISOString(), to: now.toISOString() },
      count: 0,
      evidence: [],
      checkpoint: checkpoint.note,
    },
  };
}
