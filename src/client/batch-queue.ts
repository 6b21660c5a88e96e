/**
 * Options of {@link BatchQueue}.
 *
 * @example
 * ```ts
 * const options: BatchQueueOptions<string> = {
 *   batchSize: 500,
 *   flushIntervalMs: 200,
 *   send: async (lines) => void (await post(lines.join("\n"))),
 *   onWaiting: (waiting) => console.log(waiting ? "a flush is awaited" : "nobody waits"),
 * };
 * ```
 */
export interface BatchQueueOptions<T> {
  /** Items per batch; a batch is sent as soon as this many are queued. */
  readonly batchSize: number;
  /** The longest an item waits in the queue before its batch is sent. */
  readonly flushIntervalMs: number;
  /** Sends one batch and settles its items; it MUST NOT reject. */
  readonly send: (batch: readonly T[]) => Promise<void>;
  /** Told when someone starts waiting for a flush (`true`) and when nobody waits any more (`false`). */
  readonly onWaiting?: (waiting: boolean) => void;
}

/** One queued item. */
interface Queued<T> {
  readonly item: T;
  /** `Date.now()` when it was queued. */
  readonly queuedAt: number;
}

/**
 * A queue that sends items in batches, one batch at a time and in queue order: a batch leaves
 * when `batchSize` items are queued, when its oldest item has waited `flushIntervalMs`, or when
 * a flush asks for it. The interval timer never keeps the process alive by itself.
 *
 * @example
 * ```ts
 * const queue = new BatchQueue<string>({ batchSize: 2, flushIntervalMs: 200, send: async (b) => console.log(b) });
 * queue.push("a");
 * queue.push("b"); // sends ["a", "b"]
 * queue.push("c");
 * await queue.flush(); // sends ["c"] now and resolves once it is settled
 * ```
 */
export class BatchQueue<T> {
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #send: (batch: readonly T[]) => Promise<void>;
  readonly #onWaiting: ((waiting: boolean) => void) | undefined;

  readonly #queue: Queued<T>[] = [];
  /** Items ever queued, taken from the queue, and whose batch has finished (in queue order). */
  #queued = 0;
  #taken = 0;
  #settled = 0;
  /** Everything queued up to this count is sent without waiting for the interval. */
  #flushThrough = 0;
  #sending = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters: { readonly through: number; readonly resolve: () => void }[] = [];

  constructor(options: BatchQueueOptions<T>) {
    this.#batchSize = options.batchSize;
    this.#flushIntervalMs = options.flushIntervalMs;
    this.#send = options.send;
    this.#onWaiting = options.onWaiting;
  }

  /** True while some queued item's batch has not finished. */
  get pending(): boolean {
    return this.#settled < this.#queued;
  }

  /** True while someone waits for a flush. */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /** Queues `item`; it leaves with the next batch that is due. */
  push(item: T): void {
    this.#queue.push({ item, queuedAt: Date.now() });
    this.#queued++;
    this.#pump();
  }

  /**
   * Sends everything queued so far and resolves once every batch holding it has finished.
   * It never rejects.
   */
  flush(): Promise<void> {
    const through = this.#queued;
    if (this.#settled >= through) return Promise.resolve();
    this.#flushThrough = Math.max(this.#flushThrough, through);
    const done = new Promise<void>((resolve) => this.#waiters.push({ through, resolve }));
    if (this.#waiters.length === 1) this.#onWaiting?.(true);
    this.#pump();
    return done;
  }

  /** Stops the interval timer (what is queued stays, and a later push or flush sends it). */
  stop(): void {
    this.#clearTimer();
  }

  /** Sends a batch when one is due, or arms the interval timer for the oldest queued item. */
  #pump(): void {
    if (this.#sending) return;
    const oldest = this.#queue[0];
    if (!oldest) {
      this.#clearTimer();
      return;
    }
    const wait = oldest.queuedAt + this.#flushIntervalMs - Date.now();
    if (this.#queue.length < this.#batchSize && this.#taken >= this.#flushThrough && wait > 0) {
      if (!this.#timer) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, wait);
        this.#timer.unref();
      }
      return;
    }
    this.#clearTimer();
    const batch = this.#queue.splice(0, this.#batchSize).map((q) => q.item);
    this.#taken += batch.length;
    this.#sending = true;
    void this.#send(batch).finally(() => {
      this.#sending = false;
      this.#settled += batch.length;
      this.#wakeWaiters();
      this.#pump();
    });
  }

  #wakeWaiters(): void {
    if (this.#waiters.length === 0) return;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i];
      if (waiter && waiter.through <= this.#settled) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
    if (this.#waiters.length === 0) this.#onWaiting?.(false);
  }

  #clearTimer(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
