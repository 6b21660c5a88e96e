import { SealtrailError } from "../errors.js";
import type { EventFilter } from "../read-model/event-filter.js";
import type { StorageDriver, StoredEvent } from "../storage/storage-driver.js";
import type { CommitFeed } from "./commit-feed.js";

/** Options of a {@link Follower}. */
export interface FollowOptions {
  /** Only events matching it are yielded; the position still moves past the others. */
  readonly filter?: EventFilter;
  /**
   * The first seq to look at. Default: the position stored under the follower's name (0 for a
   * new name). A consumer that keeps its position in its own transactional state passes it here.
   */
  readonly fromSeq?: number;
  /** Most events per batch (default 500). */
  readonly batchSize?: number;
  /**
   * Whether batches carry the events (default true). A follower that only needs to know the log
   * grew (the checkpoint publisher) reads no event.
   */
  readonly bodies?: boolean;
  /** Longest wait before looking for commits of other processes (default 250 ms). */
  readonly pollMs?: number;
  /** Ends the iteration. */
  readonly signal?: AbortSignal;
  /**
   * Whether waiting for commits keeps the process running (default true). A background
   * follower (the checkpoint publisher) passes false.
   */
  readonly keepAlive?: boolean;
}

/** One step of a follower: matching events, and how far the log has been looked at. */
export interface FollowedBatch {
  /** Committed events matching the filter, in seq order, exactly as stored. */
  readonly events: readonly StoredEvent[];
  /** Every seq below it has been looked at: the position to store once the batch is processed. */
  readonly nextSeq: number;
  /** The committed size seen when the batch was read. */
  readonly treeSize: number;
}

/** Where a follower reads and keeps its position: a narrow slice of the storage driver. */
export type FollowSource = Pick<StorageDriver, "size" | "queryEvents" | "getCursor" | "setCursor">;

const DEFAULT_BATCH = 500;
const DEFAULT_POLL_MS = 250;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * A durable follower of committed events (the outbox cursor of DESIGN §1): it yields every
 * committed event matching its filter, in seq order, then waits for the log to grow and goes
 * on, until its signal aborts. It reads by its own position and holds nothing between reads,
 * so a stalled follower costs the appender nothing. It is woken by commits of this process
 * (the commit feed) and finds other processes' commits by polling the store's size.
 *
 * Its position is stored in the store under its name when the consumer acknowledges
 * ({@link Follower.ack}), and a follower opened again under that name resumes there: events
 * after the last acknowledgement come again (at least once). A consumer that commits its own
 * state together with its position (`event.seq + 1`, or `batch.nextSeq`) in one transaction,
 * and passes it back as `fromSeq`, gets an exactly-once effect across crashes.
 *
 * @example
 * ```ts
 * const follower = log.follow("mirror", { filter: parseFilter(["outcome=failure"]) });
 * for await (const batch of follower.batches()) {
 *   await send(batch.events);
 *   await follower.ack(batch.nextSeq); // resumes after this batch when opened again
 * }
 * ```
 */
export class Follower implements AsyncIterable<StoredEvent> {
  readonly #name: string | null;
  readonly #source: FollowSource;
  readonly #feed: CommitFeed;
  readonly #filter: EventFilter;
  readonly #batchSize: number;
  readonly #bodies: boolean;
  readonly #pollMs: number;
  readonly #keepAlive: boolean;
  readonly #stop = new AbortController();
  #position: number | undefined;
  readonly #fromSeq: number | undefined;
  #started = false;

  /**
   * Use `AuditLog.follow`. `name` is `null` for a follower whose position lives only in memory
   * (a live tail).
   */
  constructor(name: string | null, source: FollowSource, feed: CommitFeed, options: FollowOptions = {}) {
    if (name !== null && !NAME.test(name)) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `follower name "${name}": expected 1 to 128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
      );
    }
    const { fromSeq, batchSize, pollMs } = options;
    if (fromSeq !== undefined && !(Number.isSafeInteger(fromSeq) && fromSeq >= 0)) {
      throw new SealtrailError("ST_ERR_USAGE", `fromSeq: expected an integer ≥ 0, got ${fromSeq}`);
    }
    if (
      batchSize !== undefined &&
      !(Number.isSafeInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000)
    ) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `batchSize: expected an integer from 1 to 10000, got ${batchSize}`,
      );
    }
    if (pollMs !== undefined && !(Number.isFinite(pollMs) && pollMs > 0)) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `pollMs: expected a positive number of milliseconds, got ${pollMs}`,
      );
    }
    this.#name = name;
    this.#source = source;
    this.#feed = feed;
    this.#filter = options.filter ?? { conditions: [] };
    this.#batchSize = batchSize ?? DEFAULT_BATCH;
    this.#bodies = options.bodies !== false;
    this.#pollMs = pollMs ?? DEFAULT_POLL_MS;
    this.#keepAlive = options.keepAlive !== false;
    this.#fromSeq = fromSeq;
    if (options.signal) {
      const given = options.signal;
      if (given.aborted) this.#stop.abort();
      else {
        const stop = () => this.#stop.abort();
        given.addEventListener("abort", stop, { once: true });
        // Followers come and go under one long-lived signal (the log's): leave it no listener behind.
        this.#stop.signal.addEventListener("abort", () => given.removeEventListener("abort", stop), {
          once: true,
        });
      }
    }
  }

  /** The follower's name (`null`: not durable). */
  get name(): string | null {
    return this.#name;
  }

  /**
   * The next seq to process: every seq below it was processed (the consumer asked for what
   * follows it) or did not match. While the consumer handles a batch or an event, that batch or
   * event is not yet below it. `undefined` until iteration starts.
   */
  get position(): number | undefined {
    return this.#position;
  }

  /**
   * Stores `nextSeq` (default: {@link Follower.position}) as this follower's position, so that a
   * follower opened again under its name resumes there. Resolves once stored durably.
   */
  async ack(nextSeq?: number): Promise<void> {
    const next = nextSeq ?? this.#position;
    if (next === undefined) return;
    if (!(Number.isSafeInteger(next) && next >= 0)) {
      throw new SealtrailError("ST_ERR_USAGE", `ack: expected a seq ≥ 0, got ${next}`);
    }
    if (this.#name === null) return;
    await this.#source.setCursor(this.#name, next);
  }

  /** Ends the iteration (as the signal does). */
  close(): void {
    this.#stop.abort();
  }

  /** Batches of matching events, each with the position to store once it is processed. */
  async *batches(): AsyncGenerator<FollowedBatch> {
    if (this.#started) throw new SealtrailError("ST_ERR_USAGE", "a follower can be iterated once");
    this.#started = true;
    const signal = this.#stop.signal;
    try {
      yield* this.#read(signal);
    } finally {
      // Ended by the consumer (break, return) or by the signal: nothing of it stays registered.
      this.#stop.abort();
    }
  }

  async *#read(signal: AbortSignal): AsyncGenerator<FollowedBatch> {
    if (signal.aborted) return;
    let position = this.#fromSeq ?? (this.#name === null ? 0 : await this.#source.getCursor(this.#name));
    this.#position = position;
    while (!signal.aborted) {
      const size = Math.max(this.#feed.size, await this.#source.size());
      if (position >= size) {
        this.#feed.grew(size);
        await this.#feed.waitBeyond(position, signal, this.#pollMs, { keepAlive: this.#keepAlive });
        continue;
      }
      let events: StoredEvent[] = [];
      let nextSeq = size;
      if (this.#bodies) {
        events = await this.#source.queryEvents(
          {
            ...this.#filter,
            conditions: [
              ...this.#filter.conditions,
              { field: "seq", op: "gte", value: position },
              { field: "seq", op: "lt", value: size },
            ],
          },
          { order: "asc", limit: this.#batchSize },
        );
        // A full batch may have more behind it; otherwise every seq below `size` was looked at.
        const last = events[events.length - 1];
        if (events.length === this.#batchSize && last) nextSeq = last.seq + 1;
      }
      if (signal.aborted) return;
      if (events.length > 0 || !this.#bodies || this.#name !== null)
        yield { events, nextSeq, treeSize: size };
      // The consumer asked for more: the batch is processed.
      position = nextSeq;
      this.#position = nextSeq;
    }
  }

  /** Matching events one by one, in seq order. */
  async *[Symbol.asyncIterator](): AsyncGenerator<StoredEvent> {
    for await (const batch of this.batches()) {
      for (const event of batch.events) {
        if (this.#stop.signal.aborted) return;
        yield event;
        this.#position = event.seq + 1;
      }
    }
  }
}
