/**
 * Alert notices for channel tests and demos: a plausible fired notice (grouped, with evidence and
 * a checkpoint), its resolved twin, and one whose texts are far longer than any service allows.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Alert, AlertNotice } from "../../src/alerting/alert-notice.js";

const b64 = (text: string) => createHash("sha256").update(text).digest("base64");

/** A signed-checkpoint-shaped text (C2SP tlog-checkpoint) for a tree of `size` leaves. */
export function sampleCheckpoint(size: number): string {
  return `audit.example.com/log\n${size}\n${b64(`root ${size}`)}\n\n— audit.example.com/log ${b64(`sig ${size}`).slice(0, 40)}\n`;
}

/** A fired notice; `alert` replaces any of the alert's fields. */
export function sampleNotice(alert: Partial<Alert> = {}): AlertNotice {
  const evidence = [41, 42, 47].map((seq) => ({
    seq,
    id: `01J9ZC${String(seq).padStart(20, "0")}`,
    leaf_hash: b64(`leaf ${seq}`),
    proof: [b64(`p1 ${seq}`), b64(`p2 ${seq}`)],
  }));
  return {
    type: "alert.fired",
    alert: {
      id: randomUUID(),
      rule: "failed-logins",
      title: "Repeated failed sign-ins",
      severity: "high",
      group: { "actor.id": "alice" },
      window: { from: "2026-11-22T10:00:00.000Z", to: "2026-11-22T10:05:00.000Z" },
      count: evidence.length,
      evidence,
      checkpoint: sampleCheckpoint(48),
      ...alert,
    },
  };
}

/** The resolved notice of the same alert. */
export function resolvedOf(notice: AlertNotice): AlertNotice {
  return { type: "alert.resolved", alert: notice.alert };
}

/** A notice whose title and group values are far over every service's limits, with markup and mentions in them. */
export function oversizedNotice(): AlertNotice {
  const long = (n: number, word: string) => Array.from({ length: n }, () => word).join(" ");
  const evidence = Array.from({ length: 400 }, (_, i) => ({
    seq: 1000 + i,
    id: `ev-${i}`,
    leaf_hash: b64(`leaf ${i}`),
    proof: [b64(`p ${i}`)],
  }));
  return sampleNotice({
    title: `@everyone <!channel> <https://evil.example|click> ${long(400, "very-long-title")}`,
    severity: "critical",
    group: {
      "actor.id": long(600, "mallory"),
      "actor.ip": "203.0.113.9",
      "target.id": long(300, "<b>&amp;</b>"),
    },
    count: 400,
    evidence,
  });
}
