import type { AlertNotice } from "../alert-notice.js";
import type { AlertSeverity } from "../rule-model.js";
import type { AlertChannel } from "./alert-channel.js";
import { PAGERDUTY_EVENTS_URL, type PagerDutyChannelConfig } from "./channel-schema.js";
import { httpChannel } from "./http-channel.js";
import { checkpointText, isResolved, subjectLine, truncate, verifyText } from "./notice-text.js";

/**
 * The `pagerduty` channel: PagerDuty's Events API v2. A fired notice is a `trigger`, a resolved
 * one a `resolve`, both with `dedup_key` = the alert id: PagerDuty folds repeats of a trigger
 * into one incident, so a retry (or a notice sent twice across a crash) opens nothing new, and
 * the resolve closes exactly the incident the trigger opened.
 *
 * An incident is no place for a report: this channel carries none (schedules naming it are
 * refused when the configuration is loaded).
 *
 * PagerDuty answers 202 `{ status: "success", dedup_key }`; 400 for an invalid event
 * (permanent); 429 when the key sends too fast, and 5xx (retryable).
 */

/** PagerDuty's severities, by ours: there are four of theirs for five of ours. */
export const PAGERDUTY_SEVERITY: Readonly<Record<AlertSeverity, "critical" | "error" | "warning" | "info">> =
  Object.freeze({
    critical: "critical",
    high: "error",
    medium: "warning",
    low: "info",
    info: "info",
  });

/** PagerDuty's limit on `payload.summary`. */
export const PAGERDUTY_SUMMARY_MAX = 1024;

/**
 * The Events API v2 body for `notice`.
 *
 * @example
 * ```ts
 * pagerDutyEvent(notice, { routing_key: key }).event_action; // "trigger"
 * ```
 */
export function pagerDutyEvent(
  notice: AlertNotice,
  config: Pick<PagerDutyChannelConfig, "routing_key" | "source">,
): Record<string, unknown> {
  const { alert } = notice;
  const base = { routing_key: config.routing_key, dedup_key: alert.id };
  if (isResolved(notice)) return { ...base, event_action: "resolve" };
  const to = Date.parse(alert.window.to);
  return {
    ...base,
    event_action: "trigger",
    client: "Sealtrail",
    payload: {
      summary: truncate(subjectLine(notice), PAGERDUTY_SUMMARY_MAX),
      source: config.source ?? "sealtrail",
      severity: PAGERDUTY_SEVERITY[alert.severity],
      ...(Number.isNaN(to) ? {} : { timestamp: new Date(to).toISOString() }),
      class: alert.rule,
      custom_details: {
        alert_id: alert.id,
        rule: alert.rule,
        title: alert.title,
        severity: alert.severity,
        group: alert.group,
        window: alert.window,
        count: alert.count,
        evidence_seqs: alert.evidence.map((e) => e.seq),
        checkpoint: checkpointText(notice),
        verify: verifyText(notice, false),
      },
    },
  };
}

/**
 * A PagerDuty channel.
 *
 * @example
 * ```ts
 * const pager = pagerDutyChannel("oncall", { type: "pagerduty", routing_key: process.env.PD_ROUTING_KEY ?? "" });
 * ```
 */
export function pagerDutyChannel(name: string, config: PagerDutyChannelConfig): AlertChannel {
  const url = config.url ?? PAGERDUTY_EVENTS_URL;
  return httpChannel({
    name,
    type: "pagerduty",
    url: new URL(url),
    givenUrl: url,
    secrets: [config.routing_key],
    request: (notice) => ({ body: JSON.stringify(pagerDutyEvent(notice, config)) }),
  });
}
