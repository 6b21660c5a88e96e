import type { AlertNotice } from "../alert-notice.js";
import type { AlertChannel, ReportDelivery } from "./alert-channel.js";
import type { TeamsChannelConfig } from "./channel-schema.js";
import { httpChannel } from "./http-channel.js";
import { isResolved, noticeFacts, stateText, subjectLine, truncate, verifyText } from "./notice-text.js";
import { reportFacts, reportSubject, whereText } from "./report-text.js";

/**
 * The `teams` channel: a Microsoft Teams Workflows webhook ("When a Teams webhook request is
 * received"; its URL carries a signature, a secret), posted a message with one Adaptive Card
 * (version 1.4): the title, the state, the facts as a FactSet, how to verify. Any 2xx is success
 * (the workflow answers 202 Accepted); 429 and 5xx are retryable, other 4xx permanent. Values
 * are cut to keep the message well under Teams' 28 KB.
 *
 * A scheduled report is a card of its summary (a workflow message cannot carry a file), with an
 * "Open the report" action when its schedule writes the file where it is served
 * (`file.public_url`), and otherwise a line saying that it is not attached and why.
 */

/** The Adaptive Card version Teams renders for Workflows messages. */
export const ADAPTIVE_CARD_VERSION = "1.4";

/** Longest fact value and text block; the card stays small whatever the events hold. */
const MAX_VALUE = 1000;

/**
 * The Workflows body for `notice`.
 *
 * @example
 * ```ts
 * teamsPayload(notice).attachments[0].content.type; // "AdaptiveCard"
 * ```
 */
export function teamsPayload(notice: AlertNotice) {
  const urgent = notice.alert.severity === "high" || notice.alert.severity === "critical";
  const colour = isResolved(notice) ? "Good" : urgent ? "Attention" : "Warning";
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: ADAPTIVE_CARD_VERSION,
          msteams: { width: "Full" },
          body: [
            {
              type: "TextBlock",
              text: truncate(subjectLine(notice), MAX_VALUE),
              weight: "Bolder",
              size: "Medium",
              color: colour,
              wrap: true,
            },
            { type: "TextBlock", text: truncate(stateText(notice), MAX_VALUE), wrap: true },
            {
              type: "FactSet",
              facts: noticeFacts(notice).map((f) => ({
                title: f.label,
                value: truncate(f.value, MAX_VALUE),
              })),
            },
            {
              type: "TextBlock",
              text: truncate(verifyText(notice, false), MAX_VALUE),
              wrap: true,
              isSubtle: true,
              size: "Small",
            },
          ],
        },
      },
    ],
  };
}

/** Why a Teams message carries no report file. */
export const TEAMS_NO_FILES = "Teams workflow messages cannot carry files";

/**
 * The Workflows body for a scheduled report: a card of its summary, linking the file when it can.
 *
 * @example
 * ```ts
 * teamsReportPayload(report).attachments[0].content.body[0].text; // "Report: Access report (weekly-access)"
 * ```
 */
export function teamsReportPayload(report: ReportDelivery) {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: ADAPTIVE_CARD_VERSION,
          msteams: { width: "Full" },
          body: [
            {
              type: "TextBlock",
              text: truncate(reportSubject(report), MAX_VALUE),
              weight: "Bolder",
              size: "Medium",
              wrap: true,
            },
            { type: "TextBlock", text: truncate(report.summary.headline, MAX_VALUE), wrap: true },
            {
              type: "FactSet",
              facts: reportFacts(report).map((f) => ({
                title: f.label,
                value: truncate(f.value, MAX_VALUE),
              })),
            },
            {
              type: "TextBlock",
              text: truncate(whereText(report, false, TEAMS_NO_FILES), MAX_VALUE),
              wrap: true,
              isSubtle: true,
              size: "Small",
            },
          ],
          ...(report.url === undefined
            ? {}
            : { actions: [{ type: "Action.OpenUrl", title: "Open the report", url: report.url }] }),
        },
      },
    ],
  };
}

/**
 * A Teams channel.
 *
 * @example
 * ```ts
 * const teams = teamsChannel("sec-teams", { type: "teams", url: process.env.TEAMS_WORKFLOW_URL ?? "" });
 * ```
 */
export function teamsChannel(name: string, config: TeamsChannelConfig): AlertChannel {
  return httpChannel({
    name,
    type: "teams",
    url: new URL(config.url),
    givenUrl: config.url,
    request: (notice) => ({ body: JSON.stringify(teamsPayload(notice)) }),
    reportRequest: (report) => ({ body: JSON.stringify(teamsReportPayload(report)) }),
  });
}
