/**
 * When to try a delivery again and how long to wait first: full-jitter exponential backoff,
 * overruled by the receiver's `Retry-After` (delay-seconds or an HTTP date, RFC 9110 §10.2.3).
 * The HTTP client, webhooks and alert channels share it, so that every sender backs off alike.
 */

/**
 * Options of {@link retryPolicy}.
 *
 * @example
 * ```ts
 * const options: RetryPolicyOptions = { maxRetries: 5, baseMs: 250, maxMs: 30_000 };
 * ```
 */
export interface RetryPolicyOptions {
  /** Retries after the first attempt. Default 8. */
  readonly maxRetries?: number;
  /** The backoff's base: retry `n` (from 0) waits a random time up to `min(maxMs, baseMs · 2ⁿ)`. Default 100 ms. */
  readonly baseMs?: number;
  /** The backoff's cap. Default 10 000 ms. */
  readonly maxMs?: number;
  /**
   * The longest `Retry-After` honoured; a longer one ends the retries (the failure is given up
   * rather than held for hours). Default: no limit, the receiver's word is honoured as it is.
   */
  readonly retryAfterMaxMs?: number;
  /** A number in [0, 1), for the jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * A retry policy: how many retries, and the wait before each.
 *
 * @example
 * ```ts
 * const policy = retryPolicy({ maxRetries: 3 });
 * for (let attempt = 0; ; attempt++) {
 *   const failure = await tryOnce();
 *   if (!failure) break;
 *   const wait = policy.delay(attempt, failure.retryAfterMs);
 *   if (wait === undefined) throw failure;
 *   await sleep(wait);
 * }
 * ```
 */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly retryAfterMaxMs: number;
  /**
   * The wait before retry `attempt` (from 0) in ms: `retryAfterMs` when the receiver said so,
   * else the jittered backoff; `undefined` when no retry is left (or the receiver asked for
   * longer than `retryAfterMaxMs`).
   */
  delay(attempt: number, retryAfterMs?: number): number | undefined;
}

/** The defaults of {@link retryPolicy}. */
export const DEFAULT_RETRY = Object.freeze({
  maxRetries: 8,
  baseMs: 100,
  maxMs: 10_000,
});

/**
 * A retry policy from `options` (each checked: a bad one throws a `RangeError` naming it).
 *
 * @example
 * ```ts
 * retryPolicy({ baseMs: 100, maxMs: 1_000, random: () => 0.5 }).delay(3); // 400 (half of min(1000, 800))
 * retryPolicy({ maxRetries: 0 }).delay(0); // undefined
 * ```
 */
export function retryPolicy(options: RetryPolicyOptions = {}): RetryPolicy {
  const maxRetries = integerOption("maxRetries", options.maxRetries, DEFAULT_RETRY.maxRetries);
  const baseMs = integerOption("baseMs", options.baseMs, DEFAULT_RETRY.baseMs);
  const maxMs = integerOption("maxMs", options.maxMs, DEFAULT_RETRY.maxMs);
  const retryAfterMaxMs =
    options.retryAfterMaxMs === undefined
      ? Number.POSITIVE_INFINITY
      : integerOption("retryAfterMaxMs", options.retryAfterMaxMs, 0);
  const random = options.random ?? Math.random;
  return {
    maxRetries,
    baseMs,
    maxMs,
    retryAfterMaxMs,
    delay(attempt, retryAfterMs) {
      if (attempt >= maxRetries) return undefined;
      if (retryAfterMs !== undefined) return retryAfterMs <= retryAfterMaxMs ? retryAfterMs : undefined;
      return backoffDelay(attempt, baseMs, maxMs, random);
    },
  };
}

/**
 * Full jitter (the AWS architecture blog's "Exponential Backoff and Jitter"): a random wait up
 * to `min(maxMs, baseMs · 2^attempt)`.
 *
 * @example
 * ```ts
 * backoffDelay(0, 100, 10_000, () => 0.999); // just under 100
 * backoffDelay(10, 100, 10_000, () => 0.5); // 5000: the cap, halved
 * ```
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

/**
 * True for answers worth retrying: 429, and every 5xx but 501 (Not Implemented will not change
 * on a retry).
 *
 * @example
 * ```ts
 * isRetryableStatus(503); // true
 * isRetryableStatus(404); // false
 * ```
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (never negative); undefined when
 * absent or malformed.
 *
 * @example
 * ```ts
 * parseRetryAfter("2"); // 2000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"); // 0 (in the past)
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date has a time of day; without one, Date.parse would take "-3" or "1.5" for dates.
  if (!HTTP_DATE_TIME.test(trimmed)) return undefined;
  // asctime dates carry no zone but are GMT.
  const date = Date.parse(trimmed.endsWith("GMT") ? trimmed : `${trimmed} GMT`);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The time of day every HTTP-date form has (RFC 9110 §5.6.7). */
const HTTP_DATE_TIME = /[A-Za-z]{3}.* \d{2}:\d{2}:\d{2}( GMT|\s+\d{4})$/;

function integerOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name}: expected an integer ≥ 0, got ${value}`);
  }
  return value;
}
