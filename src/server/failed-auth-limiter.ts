/**
 * Limits failed authentications per client source (see {@link clientSource}): checking a wrong
 * secret costs a slow hash, so after `perMinute` failures a source is refused without checking
 * until its minute ends.
 */

const WINDOW_MS = 60_000;
/** Sources tracked at once; beyond, new ones share one budget. */
const MAX_SOURCES = 10_000;
const OVERFLOW_SOURCE = "(other addresses)";

/**
 * Failed-authentication budget per source.
 *
 * @example
 * ```ts
 * const limiter = new FailedAuthLimiter(20);
 * if (limiter.retryAfter(source) !== undefined) refuse();
 * else if (!(await check(key))) limiter.failed(source);
 * ```
 */
export class FailedAuthLimiter {
  readonly #perMinute: number;
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(perMinute = 20) {
    this.#perMinute = perMinute;
  }

  /** Seconds until `source` may try again, or `undefined` when it may try now. */
  retryAfter(source: string, now = Date.now()): number | undefined {
    const window = this.#windows.get(this.#key(source));
    if (!window || now - window.start >= WINDOW_MS || window.failures < this.#perMinute) return undefined;
    return Math.ceil((window.start + WINDOW_MS - now) / 1000);
  }

  /** Counts a failed authentication from `source`. */
  failed(source: string, now = Date.now()): void {
    if (this.#windows.size >= MAX_SOURCES) this.#forgetEnded(now);
    const key = this.#key(source);
    const window = this.#windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) this.#windows.set(key, { start: now, failures: 1 });
    else window.failures++;
  }

  #key(source: string): string {
    return this.#windows.has(source) || this.#windows.size < MAX_SOURCES ? source : OVERFLOW_SOURCE;
  }

  #forgetEnded(now: number): void {
    for (const [source, window] of this.#windows)
      if (now - window.start >= WINDOW_MS) this.#windows.delete(source);
  }
}
