import type { AlertNotice } from "../alert-notice.js";
import type { AlertChannel, ReportDelivery } from "./alert-channel.js";
import type { SlackChannelConfig } from "./channel-schema.js";
import { httpChannel } from "./http-channel.js";
import {
  headline,
  isResolved,
  noticeFacts,
  stateText,
  subjectLine,
  truncate,
  verifyText,
} from "./notice-text.js";
import { reportFacts, reportSubject, whereText } from "./report-text.js";

/**
 * The `slack` channel: an incoming webhook (`https://hooks.slack.com/services/…`, a secret), sent
 * a Block Kit message — a header, the state, the facts as fields, how to verify — and a `text`
 * fallback for notifications. Blocks keep to Slack's limits (header text 150 characters, section
 * text 3000, at most 10 fields of 2000, context elements 10); event-made text is escaped for
 * mrkdwn (`&`, `<`, `>`), so a group value cannot mention `@channel` or smuggle a link.
 *
 * Incoming webhooks cannot upload files: a scheduled report is posted as its summary, with a
 * link to the file when its schedule writes it where it is served (`file.public_url`), and
 * otherwise a line saying that it is not attached and why.
 *
 * Slack answers 200 `ok`; 429 with `Retry-After` (retryable); 400 `invalid_payload`, 403
 * `action_prohibited`, 404 `no_service` / `channel_not_found`, 410 `channel_is_archived`
 * (permanent); 5xx (retryable). The common reading of {@link outcomeOfReply} covers them all.
 */

/** Slack's limits on the blocks this channel sends. */
export const SLACK_LIMITS = Object.freeze({
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** The `text` fallback is kept short: it is what a notification shows. */
  fallbackText: 3000,
});

const MRKDWN_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * `text` escaped for Slack mrkdwn (its three control characters), at most `max` characters once
 * escaped: cut with an ellipsis, never inside an escape or a character.
 */
export function slackEscape(text: string, max: number): string {
  const escaped = text.replace(/[&<>]/g, (c) => MRKDWN_ESCAPES[c] ?? c);
  if (escaped.length <= max) return escaped;
  let out = "";
  for (const char of text) {
    const piece = MRKDWN_ESCAPES[char] ?? char;
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/**
 * The incoming-webhook body for `notice`.
 *
 * @example
 * ```ts
 * slackPayload(notice).blocks[0]; // { type: "header", text: { type: "plain_text", text: "[HIGH] …" } }
 * ```
 */
export function slackPayload(notice: AlertNotice) {
  const facts = noticeFacts(notice).slice(0, SLACK_LIMITS.fields);
  return {
    text: slackEscape(`${subjectLine(notice)} — ${stateText(notice)}`, SLACK_LIMITS.fallbackText),
    blocks: [
      {
        type: "header",
        text: {
          type: "plain_text",
          text: truncate(`${isResolved(notice) ? "✅" : "🚨"} ${headline(notice)}`, SLACK_LIMITS.headerText),
          emoji: true,
        },
      },
      {
        type: "section",
        text: { type: "mrkdwn", text: slackEscape(stateText(notice), SLACK_LIMITS.sectionText) },
      },
      {
        type: "section",
        fields: facts.map((f) => ({
          type: "mrkdwn",
          text: `*${f.label}*\n${slackEscape(f.value, SLACK_LIMITS.fieldText - f.label.length - 3)}`,
        })),
      },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: slackEscape(verifyText(notice, false), SLACK_LIMITS.sectionText) },
        ],
      },
    ],
  };
}

/** Why a Slack message carries no report file. */
export const SLACK_NO_FILES = "Slack incoming webhooks cannot carry files";

/**
 * The incoming-webhook body for a scheduled report: its summary, and its link or why there is none.
 *
 * @example
 * ```ts
 * slackReportPayload(report).blocks[0].text.text; // "📄 Access report"
 * ```
 */
export function slackReportPayload(report: ReportDelivery) {
  const facts = reportFacts(report).slice(0, SLACK_LIMITS.fields);
  const where =
    report.url === undefined
      ? slackEscape(whereText(report, false, SLACK_NO_FILES), SLACK_LIMITS.sectionText)
      : `${slackEscape(`${SLACK_NO_FILES}; open the report:`, 200)} <${report.url}|${slackEscape(report.fileName, 500)}>`;
  return {
    text: slackEscape(`${reportSubject(report)} — ${report.summary.headline}`, SLACK_LIMITS.fallbackText),
    blocks: [
      {
        type: "header",
        text: {
          type: "plain_text",
          text: truncate(`📄 ${report.title}`, SLACK_LIMITS.headerText),
          emoji: true,
        },
      },
      {
        type: "section",
        text: { type: "mrkdwn", text: slackEscape(report.summary.headline, SLACK_LIMITS.sectionText) },
      },
      {
        type: "section",
        fields: facts.map((f) => ({
          type: "mrkdwn",
          text: `*${f.label}*\n${slackEscape(f.value, SLACK_LIMITS.fieldText - f.label.length - 3)}`,
        })),
      },
      { type: "context", elements: [{ type: "mrkdwn", text: where }] },
    ],
  };
}

/**
 * A Slack channel.
 *
 * @example
 * ```ts
 * const slack = slackChannel("sec-slack", { type: "slack", url: process.env.SLACK_WEBHOOK_URL ?? "" });
 * ```
 */
export function slackChannel(name: string, config: SlackChannelConfig): AlertChannel {
  return httpChannel({
    name,
    type: "slack",
    url: new URL(config.url),
    givenUrl: config.url,
    request: (notice) => ({ body: JSON.stringify(slackPayload(notice)) }),
    reportRequest: (report) => ({ body: JSON.stringify(slackReportPayload(report)) }),
  });
}
