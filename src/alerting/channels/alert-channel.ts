import type { AlertNotice } from "../alert-notice.js";

/**
 * The role every alert channel plays: one delivery attempt of one notice to one service, and
 * what came of it. A channel never retries and never waits between attempts: the dispatcher
 * decides whether and when to try again from the {@link DeliveryOutcome} (`retryable`,
 * `retryAfterMs`), keeps the attempts durable, and gives up when it chooses.
 *
 * What a channel promises:
 * - `send` resolves, never rejects: every failure (an answer, a refused connection, a timeout,
 *   a bug in a custom handler) is a failed outcome.
 * - One attempt takes at most about `attempt.timeoutMs`, the answer included; a slower receiver
 *   is a retryable failure.
 * - The same notice gives the same request on every attempt (the same webhook id, dedup key or
 *   Message-ID), so a receiver that honours ids sees a repeat as a repeat. Only what must change
 *   per attempt does (the Standard Webhooks timestamp and signature).
 * - No `reason` contains a secret: an incoming-webhook URL (Slack, Discord and Teams URLs are
 *   credentials) is shown by its origin alone, and routing keys, SMTP passwords and `whsec_`
 *   secrets never appear.
 */

/** One attempt, as the dispatcher numbers and bounds it. */
export interface DeliveryAttempt {
  /** 1 for the first attempt of a notice on this channel, then 2, 3, … */
  readonly number: number;
  /** The attempt's time limit in ms, connecting and the answer included. */
  readonly timeoutMs: number;
}

/** The service took the notice. */
export interface DeliverySuccess {
  readonly ok: true;
  /** The HTTP status, or the SMTP reply code of the accepted message. */
  readonly status?: number;
  /** Something the service took but not wholly, for the log: `refused recipients: a@example.com`. */
  readonly note?: string;
}

/** The attempt failed; `retryable` says whether another attempt could succeed. */
export interface DeliveryFailure {
  readonly ok: false;
  /**
   * True for failures that may pass (429, most 5xx, SMTP 4xx, refused connections, timeouts,
   * a custom handler's throw); false for ones that will not (a rejected payload, an unknown or
   * removed webhook, SMTP 5xx): retrying those only repeats them.
   */
  readonly retryable: boolean;
  /** How long the service asked to be left alone (`Retry-After`, Discord's `retry_after`), in ms. */
  readonly retryAfterMs?: number;
  /** The HTTP status or SMTP reply code, when the service answered. */
  readonly status?: number;
  /** What happened, for people and the log: `https://hooks.slack.com answered 404: no_service`. Never a secret. */
  readonly reason: string;
}

/** What one attempt came to. */
export type DeliveryOutcome = DeliverySuccess | DeliveryFailure;

/**
 * A configured place alerts go.
 *
 * @example
 * ```ts
 * const outcome = await channel.send(notice, { number: 1, timeoutMs: 10_000 });
 * if (!outcome.ok && outcome.retryable) scheduleRetry(outcome.retryAfterMs);
 * ```
 */
export interface AlertChannel {
  /** The channel's name (its key under `alerting.channels`), which rules refer to. */
  readonly name: string;
  /** `email`, `slack`, `discord`, `pagerduty`, `teams`, `webhook`, or `function` (a custom handler). */
  readonly type: string;
  /** Makes one delivery attempt; resolves with its outcome and never rejects. */
  send(notice: AlertNotice, attempt: DeliveryAttempt): Promise<DeliveryOutcome>;
  /**
   * Makes one delivery attempt of a rendered report (a scheduled report), as the service allows:
   * attached where it takes files (email, Discord, the webhook's JSON), else its summary with a
   * link when the report has one (Slack, Teams). The same promises as {@link send}. Absent on
   * channels that cannot carry reports (PagerDuty, a custom handler).
   */
  sendReport?(report: ReportDelivery, attempt: DeliveryAttempt): Promise<DeliveryOutcome>;
  /** Releases what the channel holds (connections); sending after it is not supported. */
  close?(): Promise<void>;
}

/** One labelled fact of a report's summary: `Events` → `12,408`. */
export interface ReportFact {
  readonly label: string;
  readonly value: string;
}

/**
 * A rendered report to deliver: its file and a summary in words. The channel words and lays it
 * out for its service; the summary's texts come partly from events, so they are never markup.
 *
 * @example
 * ```ts
 * await channel.sendReport?.(
 *   { id: "rpt_weekly-access_20261123T0600Z", schedule: "weekly-access", plannedAt: "2026-11-23T06:00:00Z",
 *     reportType: "access", format: "pdf", title: "Access report", fileName: "weekly-access-2026-11-23.pdf",
 *     contentType: "application/pdf", bytes, sha256, summary: { headline, facts } },
 *   { number: 1, timeoutMs: 30_000 },
 * );
 * ```
 */
export interface ReportDelivery {
  /**
   * The run's delivery id, the same on every attempt and after a restart that repeats the run
   * (the webhook's `webhook-id`, the email's Message-ID), so that a receiver that honours ids
   * sees a repeat as a repeat.
   */
  readonly id: string;
  /** The schedule's name. */
  readonly schedule: string;
  /** The run's planned instant, RFC 3339 (the end of a period counted back from it). */
  readonly plannedAt: string;
  /** The report type's id. */
  readonly reportType: string;
  /** `pdf`, `html`, `csv`, `xlsx`, `json` or `markdown`. */
  readonly format: string;
  readonly title: string;
  /** The file's name (`weekly-access-2026-11-23.pdf`). */
  readonly fileName: string;
  /** Its media type (`application/pdf`). */
  readonly contentType: string;
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`, lowercase hex. */
  readonly sha256: string;
  /** The report in a headline and a few facts (period, key figures, findings, checkpoint). */
  readonly summary: { readonly headline: string; readonly facts: readonly ReportFact[] };
  /** Where the file can be fetched (the schedule's `file.public_url`), when it is served somewhere. */
  readonly url?: string;
}

/**
 * A custom handler, the library's own channel: it resolves when the notice is handled; a throw
 * (or rejection) is a retryable failure.
 *
 * @example
 * ```ts
 * const handler: AlertHandler = async (notice) => {
 *   await queue.publish("alerts", JSON.stringify(notice));
 * };
 * ```
 */
export type AlertHandler = (notice: AlertNotice) => Promise<void> | void;

/** The outcome of an attempt that went through; `status` and `note` are left out when undefined. */
export function delivered(status?: number, note?: string): DeliverySuccess {
  return {
    ok: true,
    ...(status === undefined ? {} : { status }),
    ...(note === undefined ? {} : { note }),
  };
}

/** The outcome of a failed attempt; `retryAfterMs` and `status` are left out when undefined. */
export function failed(
  reason: string,
  retryable: boolean,
  extra: { readonly status?: number | undefined; readonly retryAfterMs?: number | undefined } = {},
): DeliveryFailure {
  return {
    ok: false,
    retryable,
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    ...(extra.status === undefined ? {} : { status: extra.status }),
    reason,
  };
}
