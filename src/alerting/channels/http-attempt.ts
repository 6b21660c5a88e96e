import { describeFetchError } from "../../delivery/http-transport.js";
import { isRetryableStatus, parseRetryAfter } from "../../delivery/retry-policy.js";
import { type DeliveryOutcome, delivered, failed } from "./alert-channel.js";
import { excerpt, type Redactor } from "./redact.js";

/**
 * One HTTP delivery attempt and the outcome it comes to, shared by every HTTP channel (Slack,
 * Discord, PagerDuty, Teams, webhooks), so that they all read answers alike:
 *
 * | answer | outcome |
 * | --- | --- |
 * | 2xx | delivered |
 * | 3xx | permanent: redirects are not followed (a POST turned into a GET by a redirect would be lost, and a webhook signature is for its URL) |
 * | 408, 429, 5xx but 501 | retryable; `Retry-After` (seconds or an HTTP date) becomes `retryAfterMs` |
 * | any other 4xx, 501 | permanent: the same request will be refused again |
 * | no answer: refused, reset, DNS, TLS | retryable |
 * | no answer within the attempt's time limit | retryable |
 *
 * A channel may read a service's own signals first (`classify`, `retryAfter`): Discord's JSON
 * `retry_after`, a webhook receiver's 410 Gone. Reasons name the receiver by its origin only.
 */

/** An answer, its body read as text. */
export interface HttpReply {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly text: string;
}

/** One POST. */
export interface HttpAttemptRequest {
  readonly url: URL;
  /**
   * The JSON body (sent as `application/json` unless `headers` say otherwise), or a form sent as
   * `multipart/form-data` (a file upload; fetch writes the boundary).
   */
  readonly body: string | FormData;
  readonly headers?: Readonly<Record<string, string>>;
  /** The attempt's time limit, the answer's body included. */
  readonly timeoutMs: number;
  /** Hides the channel's secrets in the reason. */
  readonly redactor: Redactor;
  /**
   * The channel's own reading of an answer, before the common one; `undefined` leaves it to the
   * common one.
   */
  readonly classify?: (reply: HttpReply, origin: string) => DeliveryOutcome | undefined;
  /** How long a retryable answer asks to wait, in ms, when the service says it otherwise than `Retry-After`. */
  readonly retryAfter?: (reply: HttpReply) => number | undefined;
  /** The `fetch` to use; default the global one (Node's undici). */
  readonly fetch?: typeof fetch;
}

/** Statuses worth trying again: 408 Request Timeout, and those of {@link isRetryableStatus} (429, 5xx but 501). */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 408 || isRetryableStatus(status);
}

/**
 * Posts `request.body` once and says what came of it; never rejects.
 *
 * @example
 * ```ts
 * const outcome = await httpAttempt({ url, body: JSON.stringify(payload), timeoutMs: 10_000, redactor });
 * ```
 */
export async function httpAttempt(request: HttpAttemptRequest): Promise<DeliveryOutcome> {
  const origin = request.url.origin;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  let reply: HttpReply;
  try {
    const response = await (request.fetch ?? fetch)(request.url, {
      method: "POST",
      headers: {
        ...(typeof request.body === "string" ? { "content-type": "application/json" } : {}),
        "user-agent": "sealtrail-alerts",
        ...request.headers,
      },
      body: request.body,
      redirect: "manual",
      signal: timeout,
    });
    reply = {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      text: await response.text(),
    };
  } catch (error) {
    if (timeout.aborted) return failed(`no answer from ${origin} within ${request.timeoutMs} ms`, true);
    return failed(request.redactor.redact(`no answer from ${origin}: ${describeFetchError(error)}`), true);
  }
  const own = request.classify?.(reply, origin);
  if (own !== undefined) return redactOutcome(own, request.redactor);
  return redactOutcome(outcomeOfReply(reply, origin, request.retryAfter), request.redactor);
}

/**
 * The common reading of an answer (the table above); `retryAfter` reads a service's own wait
 * signal, before `Retry-After`.
 *
 * @example
 * ```ts
 * outcomeOfReply({ status: 429, statusText: "", headers: new Headers({ "retry-after": "3" }), text: "" }, origin);
 * // { ok: false, retryable: true, retryAfterMs: 3000, status: 429, reason: "https://… answered 429" }
 * ```
 */
export function outcomeOfReply(
  reply: HttpReply,
  origin: string,
  retryAfter?: (reply: HttpReply) => number | undefined,
): DeliveryOutcome {
  const { status } = reply;
  if (status >= 200 && status <= 299) return delivered(status);
  if (status >= 300 && status <= 399) {
    return failed(`${answered(reply, origin)} (redirects are not followed: give the final URL)`, false, {
      status,
    });
  }
  const retryable = isRetryableHttpStatus(status);
  return failed(answered(reply, origin), retryable, {
    status,
    retryAfterMs: retryable ? (retryAfter?.(reply) ?? retryAfterHeader(reply.headers)) : undefined,
  });
}

/** `Retry-After` in ms (delay-seconds or an HTTP date), undefined when absent or malformed. */
export function retryAfterHeader(headers: Headers, now = Date.now()): number | undefined {
  return parseRetryAfter(headers.get("retry-after"), now);
}

/** `https://hooks.slack.com answered 404 Not Found: no_service`. */
export function answered(reply: HttpReply, origin: string): string {
  const status = `${reply.status}${reply.statusText ? ` ${reply.statusText}` : ""}`;
  const body = excerpt(reply.text);
  return `${origin} answered ${status}${body ? `: ${body}` : ""}`;
}

function redactOutcome(outcome: DeliveryOutcome, redactor: Redactor): DeliveryOutcome {
  return outcome.ok ? outcome : { ...outcome, reason: redactor.redact(outcome.reason) };
}
