import type { AlertNotice } from "../alert-notice.js";
import { type AlertChannel, failed, type ReportDelivery } from "./alert-channel.js";
import type { WebhookChannelConfig } from "./channel-schema.js";
import type { HttpReply } from "./http-attempt.js";
import { answered } from "./http-attempt.js";
import { httpChannel } from "./http-channel.js";

/**
 * The `webhook` channel: Standard Webhooks (standardwebhooks.com). The body is the notice's JSON
 * (the alert with its evidence and checkpoint: what `sealtrail alerts verify` reads), with
 *
 * - `webhook-id`: the alert id for `alert.fired`, and `<alert id>.resolved` for `alert.resolved`.
 *   A receiver deduplicates on it, so it is the same on every attempt of one notice and different
 *   between the two notices of one alert (which are two messages with two effects).
 * - `webhook-timestamp`: the attempt's time, Unix seconds (receivers refuse stale ones, so each
 *   attempt is signed anew).
 * - `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret,
 *   separated by spaces, so that a receiver keeps verifying while its secret is rotated (configure
 *   `secrets: [new, old]`, then drop the old one). Signed by the `standardwebhooks` package, the
 *   specification's reference implementation (loaded on the first send).
 *
 * A scheduled report is posted the same way (`webhook-id` = the run's delivery id), its body
 * {@link reportWebhookBody}: the file itself in base64, with its name, type, size and SHA-256.
 *
 * Answers: 2xx delivered; 410 Gone means the receiver asks to be sent no more (permanent, and
 * the reason says to disable the channel); 429 and 5xx retryable with `Retry-After` honoured;
 * other 4xx permanent; no answer retryable.
 */

type StandardWebhooks = typeof import("standardwebhooks");

let standardWebhooks: Promise<StandardWebhooks> | undefined;

/** The `standardwebhooks` package, imported once on first use. */
function loadStandardWebhooks(): Promise<StandardWebhooks> {
  standardWebhooks ??= import("standardwebhooks");
  return standardWebhooks;
}

/** The `webhook-id` of a notice: the alert id, or `<alert id>.resolved` for a resolved notice. */
export function webhookId(notice: AlertNotice): string {
  return notice.type === "alert.resolved" ? `${notice.alert.id}.resolved` : notice.alert.id;
}

/** The secrets of a webhook channel, in signing order. */
export function webhookSecrets(config: Pick<WebhookChannelConfig, "secret" | "secrets">): string[] {
  return [...(config.secret === undefined ? [] : [config.secret]), ...(config.secrets ?? [])];
}

/**
 * The headers of one attempt: id, timestamp and one signature per secret.
 *
 * @example
 * ```ts
 * await signWebhook("msg_1", new Date(), body, ["whsec_…"]);
 * // { "webhook-id": "msg_1", "webhook-timestamp": "1767225600", "webhook-signature": "v1,…" }
 * ```
 */
export async function signWebhook(
  id: string,
  at: Date,
  body: string,
  secrets: readonly string[],
): Promise<Record<string, string>> {
  const { Webhook } = await loadStandardWebhooks();
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, at, body));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}

/**
 * The body of a scheduled report:
 *
 * ```json
 * { "type": "report.scheduled", "schedule": "weekly-access", "planned_at": "2026-11-23T06:00:00Z",
 *   "report": { "type": "access", "title": "Access report", "format": "pdf",
 *     "file_name": "weekly-access-2026-11-23.pdf", "content_type": "application/pdf",
 *     "size": 48213, "sha256": "<hex of the file's bytes>",
 *     "summary": { "headline": "…", "facts": [{ "label": "Events", "value": "1,204" }] },
 *     "url": "https://reports.example.com/weekly-access-2026-11-23.pdf",
 *     "content_base64": "<the file>" } }
 * ```
 *
 * `url` is there only when the schedule's file target has a `public_url`. `size` and `sha256`
 * are those of the decoded `content_base64`.
 */
export function reportWebhookBody(report: ReportDelivery) {
  return {
    type: "report.scheduled" as const,
    schedule: report.schedule,
    planned_at: report.plannedAt,
    report: {
      type: report.reportType,
      title: report.title,
      format: report.format,
      file_name: report.fileName,
      content_type: report.contentType,
      size: report.bytes.length,
      sha256: report.sha256,
      summary: { headline: report.summary.headline, facts: report.summary.facts },
      ...(report.url === undefined ? {} : { url: report.url }),
      content_base64: Buffer.from(report.bytes).toString("base64"),
    },
  };
}

/** 410 Gone: the receiver's way of saying "stop sending". */
function classifyWebhookReply(reply: HttpReply, origin: string) {
  if (reply.status !== 410) return undefined;
  return failed(
    `${answered(reply, origin)} (the receiver asks to be sent no more: disable this channel)`,
    false,
    {
      status: 410,
    },
  );
}

/**
 * A webhook channel.
 *
 * @example
 * ```ts
 * const hook = webhookChannel("siem", {
 *   type: "webhook",
 *   url: "https://siem.example.com/sealtrail",
 *   secrets: [process.env.HOOK_SECRET_NEW ?? "", process.env.HOOK_SECRET_OLD ?? ""],
 * });
 * ```
 */
export function webhookChannel(name: string, config: WebhookChannelConfig): AlertChannel {
  const secrets = webhookSecrets(config);
  if (secrets.length === 0) throw new TypeError(`${name}: a webhook channel needs a secret`);
  return httpChannel({
    name,
    type: "webhook",
    url: new URL(config.url),
    givenUrl: config.url,
    // Both the whole secret and its key part, in case either is ever quoted.
    secrets: secrets.flatMap((s) => [s, s.replace(/^whsec_/, "")]),
    async request(notice) {
      const body = JSON.stringify(notice);
      return { body, headers: await signWebhook(webhookId(notice), new Date(), body, secrets) };
    },
    async reportRequest(report) {
      const body = JSON.stringify(reportWebhookBody(report));
      return { body, headers: await signWebhook(report.id, new Date(), body, secrets) };
    },
    classify: classifyWebhookReply,
  });
}
