import type { Actor, AuditEventInput, JsonValue, Severity } from "../event/audit-event.js";
import type { AlertNotice } from "./alert-notice.js";
import { derivedUuid } from "./derived-id.js";
import type { AlertSeverity } from "./rule-model.js";
import type { SilenceDetails } from "./silences.js";

/**
 * The events Sealtrail records about its own alerts: `alert.fired` and `alert.resolved` (the
 * alert without its proofs: they are made again on demand against a newer checkpoint),
 * `alert.delivery` (each attempt to send one to a channel) and `alert.silence`. Their ids are
 * derived from what they record, so recording the same thing twice (a replay after a crash) is
 * a duplicate the log ignores.
 */

/** Who records alert events. */
export const ALERTING_ACTOR = Object.freeze({ id: "sealtrail.alerting", type: "system" as const });

/** Event severities for alert severities. */
const EVENT_SEVERITY: Readonly<Record<AlertSeverity, Severity>> = {
  info: "info",
  low: "notice",
  medium: "warning",
  high: "error",
  critical: "critical",
};

/** The alert as an `alert.fired` / `alert.resolved` event records it. */
export interface RecordedAlert {
  readonly id: string;
  readonly rule: string;
  readonly title: string;
  readonly severity: AlertSeverity;
  readonly group: Readonly<Record<string, string | number | boolean | null>>;
  readonly window: { readonly from: string; readonly to: string };
  readonly count: number;
  readonly evidence_seqs: readonly number[];
  readonly channels: readonly string[];
}

/** The `alert.fired` or `alert.resolved` event of a notice. */
export function alertEvent(notice: AlertNotice, channels: readonly string[]): AuditEventInput {
  const { alert } = notice;
  const recorded: RecordedAlert = {
    id: alert.id,
    rule: alert.rule,
    title: alert.title,
    severity: alert.severity,
    group: alert.group,
    window: alert.window,
    count: alert.count,
    evidence_seqs: alert.evidence.map((e) => e.seq),
    channels,
  };
  return {
    id: derivedUuid("alert-event", notice.type, alert.id),
    action: notice.type,
    outcome: "success",
    severity: notice.type === "alert.fired" ? EVENT_SEVERITY[alert.severity] : "info",
    actor: { ...ALERTING_ACTOR },
    target: { type: "alert_rule", id: alert.rule, name: alert.title.slice(0, 1024) },
    details: { alert: recorded as unknown as JsonValue },
  };
}

/** One attempt to deliver a notice to a channel, as recorded. */
export interface DeliveryRecord {
  readonly notice: AlertNotice;
  readonly channel: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly ok: boolean;
  /** Whether the dispatcher stops trying (delivered, refused for good, or given up). */
  readonly final: boolean;
  readonly status?: number;
  /** Why it failed, free of secrets. */
  readonly reason?: string;
}

/** The `alert.delivery` event of one attempt. */
export function deliveryEvent(record: DeliveryRecord): AuditEventInput {
  const { notice } = record;
  return {
    id: derivedUuid("alert-delivery", notice.type, notice.alert.id, record.channel, String(record.attempt)),
    action: "alert.delivery",
    outcome: record.ok ? "success" : "failure",
    severity: record.ok ? "info" : record.final ? "error" : "warning",
    actor: { ...ALERTING_ACTOR },
    target: { type: "alert_channel", id: record.channel },
    ...(record.ok
      ? {}
      : {
          error: {
            code: record.status === undefined ? "delivery_failed" : `http_${record.status}`,
            message: (record.reason ?? "failed").slice(0, 1024),
          },
        }),
    details: {
      alert_id: notice.alert.id,
      rule: notice.alert.rule,
      notice: notice.type,
      attempt: record.attempt,
      final: record.final,
      ...(record.status === undefined ? {} : { status: record.status }),
    },
  };
}

/**
 * The `alert.silence` event: `actor` holds back the notifications of `rule` (and `group`) until
 * `until`, for `reason`. The evaluator reads it from the log like every other event.
 */
export function silenceEvent(silence: SilenceDetails, actor: Actor): AuditEventInput {
  return {
    action: "alert.silence",
    outcome: "success",
    severity: "notice",
    actor,
    target: { type: "alert_rule", id: silence.rule },
    details: {
      rule: silence.rule,
      group: { ...(silence.group ?? {}) },
      until: silence.until,
      reason: silence.reason.slice(0, 1024),
    },
  };
}
