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
 * log.onCommit((batch) => feed.grew(batch.treeSize));
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

  /**
   * Resolves once the log holds more than `beyond` events, when `signal` aborts, or after
   * `timeoutMs` when given (to look again for commits this feed does not hear of). With
   * `keepAlive: false` that timer does not keep the process running.
   */
  waitBeyond(
    beyond: number,
    signal: AbortSignal,
    timeoutMs?: number,
    { keepAlive = true }: { keepAlive?: boolean } = {},
  ): Promise<void> {
    if (this.#size > beyond || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        signal.removeEventListener("abort", finish);
        if (timer) clearTimeout(timer);
        resolve();
      };
      const waiter = { beyond, resolve: finish };
      signal.addEventListener("abort", finish, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(finish, timeoutMs);
        if (!keepAlive) timer.unref();
      }
      this.#waiters.push(waiter);
    });
  }
}
