import { isRetryableStatus, parseRetryAfter, type RetryPolicy, retryPolicy } from "./retry-policy.js";

/**
 * HTTP requests with retries, on `fetch`: network failures, timeouts and retryable answers
 * ({@link isRetryableStatus}) are tried again after the {@link RetryPolicy}'s wait or the
 * receiver's `Retry-After`; the same request (same body, same headers) is sent each time, so
 * the receiver must recognise a repeat (an event id, a webhook id).
 */

/**
 * One request.
 *
 * @example
 * ```ts
 * const request: HttpRequest = {
 *   method: "POST",
 *   url: "https://hooks.example.com/sealtrail",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ type: "alert" }),
 * };
 * ```
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent unchanged on every attempt. */
  readonly body?: string | Uint8Array;
  /** Stops the retries (and the attempt under way); the send then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * An answer: the status, the headers and the whole body as text.
 *
 * @example
 * ```ts
 * const answer: HttpAnswer = await transport.send({ method: "GET", url });
 * if (answer.status === 200) JSON.parse(answer.text);
 * ```
 */
export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly text: string;
}

/** How a delivery failed: no answer (`network`, `timeout`) or an answer that is not a success. */
export type HttpFailureKind = "network" | "timeout" | "status";

/**
 * A request that failed on its last attempt: `answer` is the receiver's (for `status`), `cause`
 * the `fetch` error (for `network` and `timeout`).
 *
 * @example
 * ```ts
 * try {
 *   await transport.send(request);
 * } catch (e) {
 *   if (e instanceof HttpDeliveryError && e.kind === "status") console.error(e.answer?.status, e.answer?.text);
 * }
 * ```
 */
export class HttpDeliveryError extends Error {
  readonly kind: HttpFailureKind;
  /** The answer, for `status` failures. */
  readonly answer: HttpAnswer | undefined;
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** Whether another attempt could have succeeded (the retries ran out, or were not allowed). */
  readonly retryable: boolean;

  constructor(init: {
    readonly kind: HttpFailureKind;
    readonly message: string;
    readonly answer?: HttpAnswer;
    readonly cause?: unknown;
    readonly attempts: number;
    readonly retryable: boolean;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "HttpDeliveryError";
    this.kind = init.kind;
    this.answer = init.answer;
    this.attempts = init.attempts;
    this.retryable = init.retryable;
  }
}

/**
 * What {@link HttpTransportOptions.onRetry} is told before each wait.
 *
 * @example
 * ```ts
 * const onRetry = (r: RetryNotice) => console.warn(`retry ${r.attempt + 1} in ${r.delayMs} ms: ${r.error.message}`);
 * ```
 */
export interface RetryNotice {
  /** The retry about to be waited for, from 0. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The failure of the attempt just made. */
  readonly error: HttpDeliveryError;
}

/**
 * Options of {@link HttpTransport}.
 *
 * @example
 * ```ts
 * const options: HttpTransportOptions = { retry: { maxRetries: 5 }, timeoutMs: 10_000 };
 * ```
 */
export interface HttpTransportOptions {
  /** The policy, or its options. Default {@link retryPolicy}`()`. */
  readonly retry?: RetryPolicy | RetryPolicyLike;
  /** One attempt's time limit, the body included; a slower attempt fails as `timeout`. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /** Which answers are retried. Default {@link isRetryableStatus}. */
  readonly retryableStatus?: (status: number) => boolean;
  /**
   * Waits `ms` before a retry. Default: a timer that keeps the process alive. A caller that must
   * not hold the process open (a background sender) gives an unref'd one.
   */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each wait (logging, metrics). */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** The options of {@link retryPolicy}, accepted where a policy is. */
type RetryPolicyLike = Parameters<typeof retryPolicy>[0];

/** The outcome of one attempt. */
type Attempt =
  | { readonly ok: true; readonly answer: HttpAnswer }
  | { readonly ok: false; readonly error: HttpDeliveryError; readonly retryAfterMs: number | undefined };

/**
 * Sends HTTP requests with retries and backoff.
 *
 * @example
 * ```ts
 * const transport = new HttpTransport({ retry: { maxRetries: 4, baseMs: 200 } });
 * const answer = await transport.send({
 *   method: "POST",
 *   url: "https://hooks.example.com/sealtrail",
 *   headers: { "content-type": "application/json", "webhook-id": id },
 *   body,
 * });
 * ```
 */
export class HttpTransport {
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #retryableStatus: (status: number) => boolean;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onRetry: ((notice: RetryNotice) => void) | undefined;

  /** @throws TypeError or RangeError when an option is invalid. */
  constructor(options: HttpTransportOptions = {}) {
    this.#policy = isPolicy(options.retry) ? options.retry : retryPolicy(options.retry);
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new RangeError(`timeoutMs: expected an integer ≥ 1, got ${timeoutMs}`);
    }
    this.#timeoutMs = timeoutMs;
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("fetch: no global fetch; pass one in the options");
    this.#fetch = f;
    this.#retryableStatus = options.retryableStatus ?? isRetryableStatus;
    this.#sleep = options.sleep ?? sleep;
    this.#onRetry = options.onRetry;
  }

  /** The retry policy in force. */
  get policy(): RetryPolicy {
    return this.#policy;
  }

  /**
   * Sends `request`, retrying as the policy allows, and resolves with the first 2xx answer.
   * Rejects with an {@link HttpDeliveryError} carrying the last failure (any other answer once
   * it is not retryable or the retries ran out), or with the signal's reason when aborted.
   */
  async send(request: HttpRequest): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      request.signal?.throwIfAborted();
      const outcome = await this.#attempt(request, attempt + 1);
      if (outcome.ok) return outcome.answer;
      const error = outcome.error;
      const wait = error.retryable ? this.#policy.delay(attempt, outcome.retryAfterMs) : undefined;
      if (wait === undefined) throw error;
      this.#onRetry?.({ attempt, delayMs: wait, error });
      await this.#sleep(wait, request.signal);
    }
  }

  async #attempt(request: HttpRequest, attempts: number): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(request.url, {
        method: request.method,
        ...(request.headers ? { headers: { ...request.headers } } : {}),
        ...(request.body === undefined ? {} : { body: request.body }),
        signal,
      });
      text = await response.text();
    } catch (cause) {
      if (request.signal?.aborted) throw request.signal.reason;
      const timedOut = timeout.aborted;
      return {
        ok: false,
        error: new HttpDeliveryError({
          kind: timedOut ? "timeout" : "network",
          message: timedOut ? `no answer within ${this.#timeoutMs} ms` : describeFetchError(cause),
          cause,
          attempts,
          retryable: true,
        }),
        retryAfterMs: undefined,
      };
    }
    const answer: HttpAnswer = {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      text,
    };
    if (response.ok) return { ok: true, answer };
    const retryable = this.#retryableStatus(response.status);
    return {
      ok: false,
      error: new HttpDeliveryError({
        kind: "status",
        message: `HTTP ${response.status} ${response.statusText}`.trimEnd(),
        answer,
        attempts,
        retryable,
      }),
      retryAfterMs: retryable ? parseRetryAfter(response.headers.get("retry-after")) : undefined,
    };
  }
}

function isPolicy(value: RetryPolicy | RetryPolicyLike | undefined): value is RetryPolicy {
  return typeof (value as RetryPolicy | undefined)?.delay === "function";
}

/** A timer that resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A `fetch` failure in words, with the codes of its causes: `fetch failed: ECONNREFUSED connect
 * ECONNREFUSED 127.0.0.1:9`.
 *
 * @example
 * ```ts
 * describeFetchError(new TypeError("fetch failed", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }));
 * // "fetch failed: ECONNRESET reset"
 * ```
 */
export function describeFetchError(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(typeof code === "string" ? `${code} ${current.message}` : current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(": ");
}
