import type { SignedCheckpoint } from "../ledger/checkpoint.js";
import type { AlertEvidence, AlertNotice } from "./alert-notice.js";
import type { AlertSeverity } from "./rule-model.js";

/** An alert decided by the rule engine, before its evidence is proved. */
export interface AlertToProve {
  readonly type: "fired" | "resolved";
  readonly alertId: string;
  readonly rule: { readonly id: string; readonly title: string; readonly severity: AlertSeverity };
  readonly group: Readonly<Record<string, string | number | boolean | null>>;
  readonly window: { readonly fromMs: number; readonly toMs: number };
  readonly count: number;
  readonly evidenceSeqs: readonly number[];
}

/** What proving evidence needs of the log (an `AuditLog` has it). */
export interface EvidenceSource {
  /** Signs (if the log grew) and returns a checkpoint covering every committed event. */
  checkpoint(): Promise<SignedCheckpoint>;
  proveInclusion(
    seq: number,
    size: number,
  ): Promise<{ readonly leaf_hash: string; readonly proof: readonly string[] }>;
  /** The events at `count` seqs from `firstSeq`, as stored. */
  readEntries(
    firstSeq: number,
    count: number,
  ): Promise<ReadonlyArray<{ readonly seq: number; readonly json: string }>>;
}

/**
 * Turns decided alerts into their JSON form with proof: one checkpoint is signed on demand (or
 * the newest reused when the log has not grown) and every evidence event is proved included
 * against it, so a receiver holding the verifier key can check each alert on its own.
 *
 * @example
 * ```ts
 * const [notice] = await proveAlerts(log, [decision]);
 * notice.alert.checkpoint; // signed C2SP checkpoint text; every evidence proof is against it
 * ```
 */
export async function proveAlerts(
  source: EvidenceSource,
  alerts: readonly AlertToProve[],
): Promise<AlertNotice[]> {
  if (alerts.length === 0) return [];
  const checkpoint = await source.checkpoint();
  const proved = new Map<number, AlertEvidence>();
  const notices: AlertNotice[] = [];
  for (const alert of alerts) {
    const evidence: AlertEvidence[] = [];
    for (const seq of alert.evidenceSeqs) {
      let item = proved.get(seq);
      if (!item) {
        item = await proveOne(source, seq, checkpoint.size);
        proved.set(seq, item);
      }
      evidence.push(item);
    }
    notices.push({
      type: alert.type === "fired" ? "alert.fired" : "alert.resolved",
      alert: {
        id: alert.alertId,
        rule: alert.rule.id,
        title: alert.rule.title,
        severity: alert.rule.severity,
        group: alert.group,
        window: {
          from: new Date(alert.window.fromMs).toISOString(),
          to: new Date(alert.window.toMs).toISOString(),
        },
        count: alert.count,
        evidence,
        checkpoint: checkpoint.note,
      },
    });
  }
  return notices;
}

async function proveOne(source: EvidenceSource, seq: number, size: number): Promise<AlertEvidence> {
  const [entry] = await source.readEntries(seq, 1);
  const id = entry ? (JSON.parse(entry.json) as { id?: unknown }).id : undefined;
  const { leaf_hash, proof } = await source.proveInclusion(seq, size);
  return { seq, id: typeof id === "string" ? id : "", leaf_hash, proof: [...proof] };
}
