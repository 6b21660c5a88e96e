/**
 * Tells followers of the log that it grew. Followers never sit on the write path: the appender
 * only bumps a number here after each commit, and each follower reads committed events by its
 * own cursor when it wakes.
 */

/**
 * The growth signal of one log.
 *
 * @example
 * ```ts
 * const feed = new CommitFeed(log.size);
 * log.onCommit = (batch) => feed.grew(batch.treeSize);
 * await feed.waitBeyond(100, signal); // resolves once the log holds more than 100 events
 * ```
 */
export class CommitFeed {
  #size: number;
  #waiters: Array<{ beyond: number; resolve: () => void }> = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** The last size heard of. */
  get size(): number {
    return this.#size;
  }

  /** The log now holds `size` events. */
  grew(size: number): void {
    if (size <= this.#size) return;
    this.#size = size;
    const ready = this.#waiters.filter((w) => size > w.beyond);
    this.#waiters = this.#waiters.filter((w) => size <= w.beyond);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the log holds more than `beyond` events, or when `signal` aborts. */
  waitBeyond(beyond: number, signal: AbortSignal): Promise<void> {
    if (this.#size > beyond || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        beyond,
        resolve: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }
}
