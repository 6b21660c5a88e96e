/**
 * The waits between retries of a background sender: they keep the process alive only while
 * someone awaits their outcome (a flush, a close), so that a process which merely recorded
 * events can end, and one that awaits a flush gets its events delivered.
 *
 * @example
 * ```ts
 * const timers = new BackoffTimers();
 * const transport = new HttpTransport({ sleep: (ms, signal) => timers.sleep(ms, signal) });
 * timers.hold(true); // a flush is awaited: pending waits now keep the process alive
 * ```
 */
export class BackoffTimers {
  readonly #timers = new Set<NodeJS.Timeout>();
  #held = false;

  /** Whether waits keep the process alive: the ones pending and those still to come. */
  hold(held: boolean): void {
    this.#held = held;
    for (const t of this.#timers) {
      if (held) t.ref();
      else t.unref();
    }
  }

  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(t);
        this.#timers.delete(t);
        reject(signal?.reason);
      };
      const t = setTimeout(() => {
        this.#timers.delete(t);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      if (!this.#held) t.unref();
      this.#timers.add(t);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
