import type { AlertNotice } from "../alert-notice.js";
import type { AlertChannel, ReportDelivery } from "./alert-channel.js";
import type { DiscordChannelConfig } from "./channel-schema.js";
import type { HttpReply } from "./http-attempt.js";
import { httpChannel } from "./http-channel.js";
import {
  checkpointText,
  headline,
  isResolved,
  noticeFacts,
  severityLabel,
  stateText,
  truncate,
  verifyText,
} from "./notice-text.js";
import { reportFacts, sizeText, whereText } from "./report-text.js";

/**
 * The `discord` channel: a webhook (`https://discord.com/api/webhooks/<id>/<token>`, a secret)
 * sent one embed coloured by severity, within Discord's limits (title 256 characters,
 * description 4096, 25 fields of name 256 and value 1024, footer 2048, 6000 in all): longer texts
 * are cut with an ellipsis. Mentions are disabled (`allowed_mentions: { parse: [] }`), so text
 * from events cannot ping `@everyone`.
 *
 * A scheduled report is uploaded with the message (`multipart/form-data`: the JSON body as
 * `payload_json`, the file as `files[0]`, named in the body's `attachments`), up to Discord's
 * {@link DISCORD_FILE_LIMIT}; a larger one is sent as its summary (and link) alone.
 *
 * Discord answers 204 (200 with `?wait=true`); 429 with JSON `{ retry_after: seconds, global }`
 * and a `Retry-After` header: the JSON's value (fractional seconds) is the wait; 401/404 (an
 * unknown webhook or token) and 400 are permanent.
 */

/** Discord's embed limits. */
export const DISCORD_LIMITS = Object.freeze({
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
});

/** The largest file a webhook may upload (Discord's default upload limit, 10 MiB). */
export const DISCORD_FILE_LIMIT = 10 * 1024 * 1024;

/** The colour of a scheduled report's embed. */
export const DISCORD_REPORT_COLOUR = 0x2f6fb0;

/** Embed colours (0xRRGGBB) by severity; a resolved notice is grey. */
export const DISCORD_COLOURS = Object.freeze({
  info: 0x3498db,
  low: 0x2ecc71,
  medium: 0xf1c40f,
  high: 0xe67e22,
  critical: 0xe74c3c,
  resolved: 0x95a5a6,
});

interface EmbedField {
  name: string;
  value: string;
  inline: boolean;
}

/** The characters of an embed that count toward Discord's total of 6000. */
function embedSize(
  title: string,
  description: string,
  fields: readonly EmbedField[],
  footer: string,
): number {
  return (
    title.length +
    description.length +
    fields.reduce((n, f) => n + f.name.length + f.value.length, 0) +
    footer.length
  );
}

/**
 * The webhook body for `notice`: one embed that keeps to {@link DISCORD_LIMITS}.
 *
 * @example
 * ```ts
 * discordPayload(notice).embeds[0].color; // 0xe67e22 for a high alert
 * ```
 */
export function discordPayload(notice: AlertNotice) {
  const title = truncate(`[${severityLabel(notice)}] ${headline(notice)}`, DISCORD_LIMITS.title);
  let description = truncate(
    `${stateText(notice)}\n\n${verifyText(notice, false)}`,
    DISCORD_LIMITS.description,
  );
  const fields: EmbedField[] = noticeFacts(notice)
    .filter((f) => f.label !== "Checkpoint")
    .slice(0, DISCORD_LIMITS.fields)
    .map((f) => ({
      name: truncate(f.label, DISCORD_LIMITS.fieldName),
      value: truncate(f.value || "-", DISCORD_LIMITS.fieldValue),
      inline: f.value.length <= 40,
    }));
  const footer = truncate(`Sealtrail · checkpoint ${checkpointText(notice)}`, DISCORD_LIMITS.footer);
  // Over the total: the description gives way first, then the longest field values.
  let excess = embedSize(title, description, fields, footer) - DISCORD_LIMITS.total;
  if (excess > 0) {
    description = truncate(description, Math.max(200, description.length - excess));
    excess = embedSize(title, description, fields, footer) - DISCORD_LIMITS.total;
  }
  while (excess > 0) {
    const longest = fields.reduce((a, b) => (b.value.length > a.value.length ? b : a));
    if (longest.value.length <= 20) break;
    longest.value = truncate(longest.value, Math.max(20, longest.value.length - excess));
    excess = embedSize(title, description, fields, footer) - DISCORD_LIMITS.total;
  }
  return {
    allowed_mentions: { parse: [] as string[] },
    embeds: [
      {
        title,
        description,
        color: isResolved(notice) ? DISCORD_COLOURS.resolved : DISCORD_COLOURS[notice.alert.severity],
        fields,
        footer: { text: footer },
        ...timestampOf(notice.alert.window.to),
      },
    ],
  };
}

/**
 * The JSON body for a scheduled report: one embed with its summary; with `attached`, the
 * `attachments` entry that names the uploaded `files[0]`.
 */
export function discordReportPayload(report: ReportDelivery, attached: boolean) {
  const fields: EmbedField[] = reportFacts(report)
    .slice(0, DISCORD_LIMITS.fields)
    .map((f) => ({
      name: truncate(f.label, DISCORD_LIMITS.fieldName),
      value: truncate(f.value || "-", DISCORD_LIMITS.fieldValue),
      inline: f.value.length <= 40,
    }));
  return {
    allowed_mentions: { parse: [] as string[] },
    embeds: [
      {
        title: truncate(report.title, DISCORD_LIMITS.title),
        description: truncate(
          `${report.summary.headline}\n\n${whereText(report, attached, attached ? "" : `The file is over Discord's upload limit of ${sizeText(DISCORD_FILE_LIMIT)}`)}`,
          // The fields, title and footer keep well within the total of 6000 with this.
          2000,
        ),
        color: DISCORD_REPORT_COLOUR,
        fields,
        footer: { text: truncate(`Sealtrail · schedule ${report.schedule}`, DISCORD_LIMITS.footer) },
        ...timestampOf(report.plannedAt),
      },
    ],
    ...(attached
      ? { attachments: [{ id: 0, filename: report.fileName, description: truncate(report.title, 1024) }] }
      : {}),
  };
}

/** The request for a report: the file uploaded with the message, or the message alone when too large. */
function discordReportRequest(report: ReportDelivery) {
  if (report.bytes.length > DISCORD_FILE_LIMIT) {
    return { body: JSON.stringify(discordReportPayload(report, false)) };
  }
  const form = new FormData();
  form.append("payload_json", JSON.stringify(discordReportPayload(report, true)));
  form.append("files[0]", new Blob([report.bytes], { type: report.contentType }), report.fileName);
  return { body: form };
}

/** `{ timestamp }` in ISO 8601 when `text` is a date-time, else nothing. */
function timestampOf(text: string): { timestamp?: string } {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? {} : { timestamp: new Date(ms).toISOString() };
}

/** Discord's JSON `retry_after` (seconds, fractional) of a 429, in whole ms. */
export function discordRetryAfter(reply: HttpReply): number | undefined {
  try {
    const body = JSON.parse(reply.text) as { retry_after?: unknown };
    const seconds = body.retry_after;
    return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0
      ? Math.ceil(seconds * 1000)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Discord channel.
 *
 * @example
 * ```ts
 * const discord = discordChannel("sec-discord", { type: "discord", url: process.env.DISCORD_WEBHOOK_URL ?? "" });
 * ```
 */
export function discordChannel(name: string, config: DiscordChannelConfig): AlertChannel {
  return httpChannel({
    name,
    type: "discord",
    url: new URL(config.url),
    givenUrl: config.url,
    request: (notice) => ({ body: JSON.stringify(discordPayload(notice)) }),
    reportRequest: discordReportRequest,
    retryAfter: discordRetryAfter,
  });
}
