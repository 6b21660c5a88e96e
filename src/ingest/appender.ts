import { SealtrailError } from "../errors.js";
import { type PreparedEvent, sealedJson } from "../event/prepared-event.js";
import { leafHash } from "../ledger/rfc6962.js";
import { TileTree } from "../ledger/tiles.js";
import { type SealedRow, SizeMismatchError, type StorageDriver } from "../storage/storage-driver.js";

/** The log's answer for one appended event. */
export interface AppendReceipt {
  /** The event's leaf index. */
  readonly seq: number;
  readonly id: string;
  /** True when the id was already stored: nothing new was stored and `seq` is the original's. */
  readonly duplicate: boolean;
}

/** Commit attempts of one batch while other writers keep appending to the same store first. */
const MAX_COMMIT_ATTEMPTS = 32;

/** Tuning for {@link Appender}. */
export interface AppenderOptions {
  /** Most events committed in one transaction. Default 8 192. */
  readonly maxBatch?: number;
  /** Most events waiting to be committed; beyond it `submit` fails fast. Default 100 000. */
  readonly maxQueue?: number;
}

/** What the appender reports after each committed batch. */
export interface BatchCommitted {
  readonly events: number;
  readonly duplicates: number;
  readonly treeSize: number;
  readonly commitMs: number;
}

interface Pending {
  readonly events: readonly PreparedEvent[];
  readonly resolve: (receipts: AppendReceipt[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The appender: batches prepared events from any number of callers, sequences them (seq = leaf
 * index), and commits each batch — events and tree tiles — in one storage transaction (group
 * commit).
 *
 * Contract:
 * - `submit` MUST NOT resolve until the batch holding its events is durably committed.
 * - An id already stored (or earlier in the same batch) MUST resolve with the original seq and
 *   store nothing new.
 * - When more than `maxQueue` events wait, `submit` MUST reject at once with
 *   `ST_ERR_INGEST_BACKPRESSURE`; memory stays bounded.
 *
 * @example
 * ```ts
 * const appender = await Appender.open(driver);
 * const [receipt] = await appender.submit([prepareEvent({ action: "user.login" })]);
 * ```
 */
export class Appender {
  readonly #driver: StorageDriver;
  #tree: TileTree;
  readonly #maxBatch: number;
  readonly #maxQueue: number;
  readonly #queue: Pending[] = [];
  #queued = 0;
  #flushing = false;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #onCommit: ((batch: BatchCommitted) => void) | undefined;

  private constructor(driver: StorageDriver, tree: TileTree, options: AppenderOptions) {
    this.#driver = driver;
    this.#tree = tree;
    this.#maxBatch = options.maxBatch ?? 8192;
    this.#maxQueue = options.maxQueue ?? 100_000;
  }

  /** Opens an appender over `driver`, rebuilding the tree's right edge from its tiles. */
  static async open(driver: StorageDriver, options: AppenderOptions = {}): Promise<Appender> {
    return new Appender(driver, await TileTree.open(driver, await driver.size()), options);
  }

  /** Number of committed events (the tree size). */
  get size(): number {
    return this.#tree.size;
  }

  /** Events waiting to be committed. */
  get queued(): number {
    return this.#queued;
  }

  /** The root hash of the committed tree. */
  root(): Buffer {
    return this.#tree.root();
  }

  /** Registers a listener called after every committed batch (metrics, checkpointing). */
  onCommit(listener: (batch: BatchCommitted) => void): void {
    this.#onCommit = listener;
  }

  /** Queues events for the next batch; resolves with one receipt per event once durable. */
  submit(events: readonly PreparedEvent[]): Promise<AppendReceipt[]> {
    if (this.#closed) return Promise.reject(new SealtrailError("ST_ERR_INGEST_CLOSED", "the log is closed"));
    if (events.length === 0) return Promise.resolve([]);
    if (this.#queued + events.length > this.#maxQueue) {
      return Promise.reject(
        new SealtrailError(
          "ST_ERR_INGEST_BACKPRESSURE",
          `append queue full (${this.#queued} of ${this.#maxQueue} events waiting); retry shortly`,
          { details: { queued: this.#queued, maxQueue: this.#maxQueue } },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ events, resolve, reject });
      this.#queued += events.length;
      if (!this.#flushing) {
        this.#flushing = true;
        this.#idle = new Promise((done) => setImmediate(() => this.#drain().finally(done)));
      }
    });
  }

  /** Resolves once every queued event is committed (or failed), then refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#idle;
  }

  /** Resolves once everything queued so far is committed (or failed). */
  async flush(): Promise<void> {
    await this.#idle;
  }

  /**
   * Flushes, then takes in what other writers (other processes on the same store) committed
   * meanwhile, so that `size` and `root()` cover the whole store. Resolves with the size.
   */
  async catchUp(): Promise<number> {
    await this.flush();
    const stored = await this.#driver.size();
    if (stored > this.#tree.size && !this.#flushing) this.#tree = await TileTree.open(this.#driver, stored);
    return this.#tree.size;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Whole submissions, up to maxBatch events (a larger one goes alone); taken with one
        // splice, since thousands of single-event submissions may be waiting.
        let taken = 0;
        let count = 0;
        for (const next of this.#queue) {
          if (taken > 0 && count + next.events.length > this.#maxBatch) break;
          taken++;
          count += next.events.length;
        }
        const batch = this.#queue.splice(0, taken);
        this.#queued -= count;
        try {
          const receipts = await this.#commitWithRetry(batch);
          for (let i = 0; i < batch.length; i++)
            (batch[i] as Pending).resolve(receipts[i] as AppendReceipt[]);
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * Commits; while another writer appended to the store meanwhile, reloads the tree and retries.
   * One retry is not enough: the other writer may commit again between the reload and the retry.
   * Each mismatch means that writer made progress, so the loop ends unless it is starved for
   * {@link MAX_COMMIT_ATTEMPTS} attempts.
   */
  async #commitWithRetry(batch: readonly Pending[]): Promise<AppendReceipt[][]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#commit(batch);
      } catch (error) {
        if (!(error instanceof SizeMismatchError) || attempt >= MAX_COMMIT_ATTEMPTS) throw error;
        this.#tree = await TileTree.open(this.#driver, await this.#driver.size());
      }
    }
  }

  async #commit(batch: readonly Pending[]): Promise<AppendReceipt[][]> {
    const started = performance.now();
    const producerIds: string[] = [];
    for (const p of batch) for (const e of p.events) if (e.producerId) producerIds.push(e.id);
    const known =
      producerIds.length > 0 ? await this.#driver.findSeqsByIds(producerIds) : new Map<string, number>();

    const tree = this.#tree.clone();
    const rows: SealedRow[] = [];
    const leaves: Buffer[] = [];
    let seq = tree.size;
    let duplicates = 0;
    const receipts = batch.map((p) =>
      p.events.map((e): AppendReceipt => {
        const existing = e.producerId ? known.get(e.id) : undefined;
        if (existing !== undefined) {
          duplicates++;
          return { seq: existing, id: e.id, duplicate: true };
        }
        const json = sealedJson(e, seq);
        rows.push({
          seq,
          id: e.id,
          timestampMs: e.timestampMs,
          action: e.action,
          category: e.category,
          outcome: e.outcome,
          severityLevel: e.severityLevel,
          actorId: e.actorId,
          targetId: e.targetId,
          tenant: e.tenant,
          json,
        });
        leaves.push(leafHash(json));
        if (e.producerId) known.set(e.id, seq);
        return { seq: seq++, id: e.id, duplicate: false };
      }),
    );
    if (rows.length > 0) {
      const tiles = tree.append(leaves);
      await this.#driver.appendBatch(this.#tree.size, rows, tiles);
      this.#tree = tree;
    }
    const committed = {
      events: rows.length,
      duplicates,
      treeSize: this.#tree.size,
      commitMs: performance.now() - started,
    };
    try {
      this.#onCommit?.(committed);
    } catch (error) {
      // The batch is durable whatever a listener does; failing its callers would invite duplicates.
      process.emitWarning(`Sealtrail onCommit listener threw: ${(error as Error).message}`);
    }
    return receipts;
  }
}
