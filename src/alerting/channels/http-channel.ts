import type { AlertNotice } from "../alert-notice.js";
import type { AlertChannel, DeliveryAttempt, DeliveryOutcome, ReportDelivery } from "./alert-channel.js";
import { failed } from "./alert-channel.js";
import { type HttpReply, httpAttempt } from "./http-attempt.js";
import { Redactor, urlSecrets } from "./redact.js";

/**
 * What the HTTP channels have in common: a URL, secrets to keep out of reasons, and a request
 * made from each notice; {@link httpAttempt} sends it and reads the answer.
 */

/** The request one attempt sends. */
export interface HttpChannelRequest {
  /** The JSON body, or a multipart form (a file upload). */
  readonly body: string | FormData;
  /** Headers besides `content-type` (`application/json`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** How to make an HTTP channel. */
export interface HttpChannelSpec {
  readonly name: string;
  readonly type: string;
  /** Where every attempt is posted. */
  readonly url: URL;
  /** The URL as configured, so that its exact text is redacted too. */
  readonly givenUrl?: string;
  /** Secrets besides the URL's parts (a routing key, signing secrets). */
  readonly secrets?: readonly string[];
  /** The request for a notice; called on every attempt (a signature may carry the time). */
  readonly request: (notice: AlertNotice) => HttpChannelRequest | Promise<HttpChannelRequest>;
  /** The request for a scheduled report; without it the channel carries no reports. */
  readonly reportRequest?: (report: ReportDelivery) => HttpChannelRequest | Promise<HttpChannelRequest>;
  /** The service's own reading of an answer, before the common one. */
  readonly classify?: (reply: HttpReply, origin: string) => DeliveryOutcome | undefined;
  /** The service's own wait signal (Discord's JSON `retry_after`), before `Retry-After`. */
  readonly retryAfter?: (reply: HttpReply) => number | undefined;
}

/**
 * An {@link AlertChannel} that posts JSON to one URL.
 *
 * @example
 * ```ts
 * const channel = httpChannel({
 *   name: "hook", type: "webhook", url: new URL("https://example.com/in"),
 *   request: (notice) => ({ body: JSON.stringify(notice) }),
 * });
 * ```
 */
export function httpChannel(spec: HttpChannelSpec): AlertChannel {
  const redactor = new Redactor([...urlSecrets(spec.url, spec.givenUrl), ...(spec.secrets ?? [])]);
  async function post(
    make: () => HttpChannelRequest | Promise<HttpChannelRequest>,
    attempt: DeliveryAttempt,
  ): Promise<DeliveryOutcome> {
    let request: HttpChannelRequest;
    try {
      request = await make();
    } catch (error) {
      // The same notice or report would fail the same way again.
      return failed(redactor.redact(`the request could not be made: ${(error as Error).message}`), false);
    }
    return httpAttempt({
      url: spec.url,
      body: request.body,
      ...(request.headers ? { headers: request.headers } : {}),
      timeoutMs: attempt.timeoutMs,
      redactor,
      ...(spec.classify ? { classify: spec.classify } : {}),
      ...(spec.retryAfter ? { retryAfter: spec.retryAfter } : {}),
    });
  }

  const { reportRequest } = spec;
  return {
    name: spec.name,
    type: spec.type,
    send: (notice, attempt) => post(() => spec.request(notice), attempt),
    ...(reportRequest
      ? {
          sendReport: (report: ReportDelivery, attempt: DeliveryAttempt) =>
            post(() => reportRequest(report), attempt),
        }
      : {}),
  };
}
