import type { AlertNotice } from "../alert-notice.js";
import {
  type AlertChannel,
  type DeliveryAttempt,
  type DeliveryOutcome,
  delivered,
  failed,
  type ReportDelivery,
} from "./alert-channel.js";
import type { EmailChannelConfig } from "./channel-schema.js";
import {
  alertFileName,
  isResolved,
  noticeFacts,
  severityLabel,
  stateText,
  subjectLine,
  verifyText,
} from "./notice-text.js";
import { excerpt, Redactor } from "./redact.js";
import { reportFacts, reportSubject, whereText } from "./report-text.js";

/**
 * The `email` channel: one message per notice over SMTP, through nodemailer (loaded on the first
 * send, so that commands that send no mail never load it). A message has a plain-text and an
 * HTML body (state, facts, evidence seqs, how to verify), the notice's JSON attached (what
 * `sealtrail alerts verify` reads), and a Message-ID made from the alert id: the same on every
 * attempt, so a retry that crossed a lost acknowledgement is recognisably the same message, and
 * the resolved notice (`<id.resolved@sealtrail>`) threads under the fired one. A scheduled
 * report is a message of its summary with the report file attached ({@link reportMessage}).
 *
 * Outcomes: an SMTP 4yz reply is retryable (the server said "not now"), a 5yz one permanent
 * (RFC 5321: the same message will be refused again) — except 503 (bad sequence of commands),
 * which says the session was in the wrong state, not that the message was refused. No reply
 * (refused, reset, DNS, TLS, a timeout) is retryable; a failure before anything was sent
 * (authentication without a reply code, a malformed envelope) is permanent.
 */

type Nodemailer = typeof import("nodemailer");

let nodemailer: Promise<Nodemailer> | undefined;

/** nodemailer, imported once on first use. */
function loadNodemailer(): Promise<Nodemailer> {
  nodemailer ??= import("nodemailer");
  return nodemailer;
}

/** Nodemailer's error codes that mean the attempt itself cannot succeed as configured. */
const PERMANENT_CODES = new Set(["EAUTH", "ENOAUTH", "EENVELOPE", "EMESSAGE", "ECONFIG", "EREQUIRETLS"]);

/**
 * An email channel.
 *
 * @example
 * ```ts
 * const mail = emailChannel("ops-mail", {
 *   type: "email",
 *   smtp: { host: "smtp.example.com", port: 587, auth: { user: "alerts", pass: process.env.SMTP_PASS ?? "" } },
 *   from: "Sealtrail <alerts@example.com>",
 *   to: ["oncall@example.com"],
 * });
 * ```
 */
export function emailChannel(name: string, config: EmailChannelConfig): AlertChannel {
  const { host, port } = config.smtp;
  const secure = config.smtp.secure ?? port === 465;
  const server = `smtp://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const redactor = new Redactor(config.smtp.auth ? [config.smtp.auth.pass] : []);

  async function attempt(message: Message, { timeoutMs }: DeliveryAttempt): Promise<DeliveryOutcome> {
    const { createTransport } = await loadNodemailer();
    const transporter = createTransport({
      host,
      port,
      secure,
      ...(config.smtp.auth ? { auth: { user: config.smtp.auth.user, pass: config.smtp.auth.pass } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
    });
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const info = await transporter.sendMail({ ...message, signal });
      // The server took the message for some recipients: it is delivered (sending it again
      // would repeat it to them); the refused ones are noted for the log.
      const refused = info.rejected.map((r) =>
        typeof r === "string" ? r : (r as { address: string }).address,
      );
      return delivered(
        replyCode(info.response),
        refused.length > 0 ? `refused recipients: ${refused.join(", ")}` : undefined,
      );
    } catch (error) {
      if (signal.aborted) return failed(`no answer from ${server} within ${timeoutMs} ms`, true);
      return redactOutcome(smtpOutcome(error, server));
    } finally {
      transporter.close();
    }
  }

  function redactOutcome(outcome: DeliveryOutcome): DeliveryOutcome {
    return outcome.ok ? outcome : { ...outcome, reason: redactor.redact(outcome.reason) };
  }

  /** One attempt of the message `make` makes; a failure to make it (or to load nodemailer) is permanent. */
  async function attemptWith(make: () => Message, at: DeliveryAttempt): Promise<DeliveryOutcome> {
    try {
      return await attempt(make(), at);
    } catch (error) {
      // The same notice or report would fail the same way.
      return failed(redactor.redact(`the message could not be made: ${(error as Error).message}`), false);
    }
  }

  return {
    name,
    type: "email",
    send: (notice, at) => attemptWith(() => alertMessage(notice, config), at),
    sendReport: (report, at) => attemptWith(() => reportMessage(report, config), at),
  };
}

/** What one attempt sends: nodemailer's message options. */
type Message = ReturnType<typeof alertMessage> | ReturnType<typeof reportMessage>;

/**
 * The message for a scheduled report: its summary as text and HTML, the report attached, and a
 * Message-ID made from the run's delivery id (the same on every attempt, and when a restart
 * repeats the run).
 */
export function reportMessage(report: ReportDelivery, config: Pick<EmailChannelConfig, "from" | "to">) {
  const facts = reportFacts(report);
  const width = Math.max(...facts.map((f) => f.label.length));
  const text = [
    reportSubject(report),
    "",
    report.summary.headline,
    "",
    ...facts.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`),
    "",
    whereText(report, true),
    "",
  ].join("\n");
  const rows = facts
    .map(
      (f) =>
        `<tr><th style="text-align:left;padding:4px 12px 4px 0;vertical-align:top">${escapeHtml(f.label)}</th><td style="padding:4px 0">${escapeHtml(f.value)}</td></tr>`,
    )
    .join("\n");
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(reportSubject(report))}</title></head>
<body style="font-family:sans-serif;color:#222">
<h1 style="font-size:20px">${escapeHtml(report.title)}</h1>
<p>${escapeHtml(report.summary.headline)}</p>
<table>
${rows}
</table>
<p>${escapeHtml(whereText(report, true))}</p>
</body></html>
`;
  return {
    from: config.from,
    to: [...config.to],
    subject: reportSubject(report),
    text,
    html,
    messageId: `<${report.id}@sealtrail>`,
    headers: {
      "X-Sealtrail-Schedule": report.schedule,
      "X-Sealtrail-Report-Type": report.reportType,
      "X-Sealtrail-Report-SHA256": report.sha256,
    },
    attachments: [
      { filename: report.fileName, content: Buffer.from(report.bytes), contentType: report.contentType },
    ],
  };
}

/** The message for `notice`: subject, both bodies, the JSON attached, stable ids. */
export function alertMessage(notice: AlertNotice, config: Pick<EmailChannelConfig, "from" | "to">) {
  const firedId = `<${notice.alert.id}@sealtrail>`;
  const json = `${JSON.stringify(notice, null, 2)}\n`;
  const urgent = notice.alert.severity === "high" || notice.alert.severity === "critical";
  return {
    from: config.from,
    to: [...config.to],
    subject: subjectLine(notice),
    text: alertText(notice),
    html: alertHtml(notice),
    messageId: isResolved(notice) ? `<${notice.alert.id}.resolved@sealtrail>` : firedId,
    ...(isResolved(notice) ? { inReplyTo: firedId, references: [firedId] } : {}),
    priority: urgent && !isResolved(notice) ? ("high" as const) : ("normal" as const),
    headers: {
      "X-Sealtrail-Alert-Id": notice.alert.id,
      "X-Sealtrail-Alert-Type": notice.type,
      "X-Sealtrail-Severity": notice.alert.severity,
    },
    attachments: [{ filename: alertFileName(notice), content: json, contentType: "application/json" }],
  };
}

/** The plain-text body. */
export function alertText(notice: AlertNotice): string {
  const facts = noticeFacts(notice);
  const width = Math.max(...facts.map((f) => f.label.length));
  return [
    subjectLine(notice),
    "",
    stateText(notice),
    "",
    ...facts.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`),
    "",
    "How to verify",
    verifyText(notice, true),
    "",
  ].join("\n");
}

const SEVERITY_COLOURS: Readonly<Record<string, string>> = {
  info: "#2f6fb0",
  low: "#2e8540",
  medium: "#b58900",
  high: "#cb4b16",
  critical: "#c0392b",
};

/** The HTML body: the same content as the text one, every value escaped. */
export function alertHtml(notice: AlertNotice): string {
  const colour = isResolved(notice) ? "#2e8540" : (SEVERITY_COLOURS[notice.alert.severity] ?? "#555555");
  const rows = noticeFacts(notice)
    .map(
      (f) =>
        `<tr><th style="text-align:left;padding:4px 12px 4px 0;vertical-align:top">${escapeHtml(f.label)}</th><td style="padding:4px 0;font-family:monospace;word-break:break-all">${escapeHtml(f.value)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subjectLine(notice))}</title></head>
<body style="font-family:sans-serif;color:#222">
<p style="display:inline-block;padding:2px 8px;border-radius:3px;color:#fff;background:${colour};font-weight:bold">${escapeHtml(isResolved(notice) ? `RESOLVED ${severityLabel(notice)}` : severityLabel(notice))}</p>
<h1 style="font-size:20px">${escapeHtml(subjectLine(notice))}</h1>
<p>${escapeHtml(stateText(notice))}</p>
<table>
${rows}
</table>
<h2 style="font-size:16px">How to verify</h2>
<p>${escapeHtml(verifyText(notice, true))}</p>
</body></html>
`;
}

/** `text` safe inside HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** The reply code at the start of an SMTP reply (`250 OK: queued`). */
function replyCode(response: unknown): number | undefined {
  const m = typeof response === "string" ? /^(\d{3})\b/.exec(response) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * The outcome of a nodemailer failure: by the SMTP reply code when the server gave one, else by
 * nodemailer's error code.
 */
export function smtpOutcome(error: unknown, server: string): DeliveryOutcome {
  const e = error as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
  const responseCode = typeof e.responseCode === "number" ? e.responseCode : undefined;
  const code = typeof e.code === "string" ? e.code : undefined;
  if (responseCode !== undefined && responseCode >= 400 && responseCode <= 599) {
    const said = typeof e.response === "string" ? e.response : String(e.message ?? "");
    const permanent = responseCode >= 500 && responseCode !== 503;
    return failed(`${server} answered ${excerpt(said)}`, !permanent, { status: responseCode });
  }
  const message = excerpt(String(e.message ?? error));
  if (code !== undefined && PERMANENT_CODES.has(code)) return failed(`${server}: ${code} ${message}`, false);
  return failed(`no answer from ${server}: ${code ? `${code} ` : ""}${message}`, true);
}
