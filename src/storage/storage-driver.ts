import type { SignedCheckpoint } from "../ledger/checkpoint.js";
import type { Tile, TileReader } from "../ledger/tiles.js";
import type { Condition, EventFilter } from "../read-model/event-filter.js";
import type {
  CountDimension,
  CountRow,
  PageRequest,
  PageSort,
  StoredEvent,
} from "../read-model/stored-event.js";
import type {
  ConsumerCommit,
  ConsumerState,
  ConsumerStore,
  ListMessagesOptions,
  OutboxMessage,
  OutboxMessageInput,
  OutboxMessageUpdate,
  OutboxStatus,
  PendingMessagesOptions,
} from "./consumer-store.js";
import type { IndexedColumns } from "./indexed-columns.js";

export type {
  ConsumerCommit,
  ConsumerState,
  ConsumerStore,
  CountDimension,
  CountRow,
  ListMessagesOptions,
  OutboxMessage,
  OutboxMessageInput,
  OutboxMessageUpdate,
  OutboxStatus,
  PageRequest,
  PageSort,
  PendingMessagesOptions,
  StoredEvent,
};

/**
 * The storage role. A driver keeps sequenced events with the tiles of their tree and
 * the signed checkpoints, and answers reads. It knows nothing of hashing rules or HTTP; every
 * driver runs the one contract suite in `storage-driver.case.ts`.
 */

/** One sequenced event ready to store: indexed fields and the exact canonical JSON. */
export interface SealedRow extends IndexedColumns {
  readonly seq: number;
  /** RFC 8785 canonical JSON, exactly the bytes whose hash is the leaf. */
  readonly json: string;
}

/** The leaf hashes of a run of consecutive stored events. */
export interface LeafChunk {
  /** Seq of the first event of the run. */
  readonly firstSeq: number;
  /** SHA-256(0x00 ‖ json) of events firstSeq, firstSeq + 1, …, 32 bytes each. */
  readonly hashes: Buffer;
  /**
   * With `checkColumns`: the event whose indexed columns disagree with its stored JSON, which
   * ends the run (its leaf is the run's last).
   */
  readonly columnMismatch?: { readonly seq: number; readonly column: string };
}

/** A batch's size did not match the store's: another writer appended first. */
export class SizeMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`store holds ${actual} events, the appender expected ${expected}`);
    this.name = "SizeMismatchError";
  }
}

/**
 * A storage driver.
 *
 * Contract:
 * - `appendBatch` MUST store the rows and tiles in one atomic transaction and MUST NOT resolve
 *   until that transaction is durable; it MUST reject with {@link SizeMismatchError}, storing
 *   nothing, when the store does not hold exactly `expectedSize` events.
 * - Rows MUST be readable back with byte-identical `json`.
 * - No method MAY update or delete a stored event.
 * - Reads MUST see only committed batches.
 * - Consumers and their outbox ({@link ConsumerStore}) are kept beside the log, never in it:
 *   they may be updated and deleted, and nothing that verifies the log reads them.
 */
export interface StorageDriver extends TileReader, ConsumerStore {
  /** Number of stored events (= the tree size). */
  size(): Promise<number>;
  /** Appends a sequenced batch with its tiles atomically and durably. */
  appendBatch(expectedSize: number, rows: readonly SealedRow[], tiles: readonly Tile[]): Promise<void>;
  /** The seqs of already stored event ids, for idempotency. */
  findSeqsByIds(ids: readonly string[]): Promise<Map<string, number>>;
  /** The event with this id, if stored. */
  getEventById(id: string): Promise<StoredEvent | undefined>;
  /** The event at this seq, if stored. */
  getEventBySeq(seq: number): Promise<StoredEvent | undefined>;
  /**
   * A page of events matching `filter`, in seq order or, with `sort: "timestamp"`, in
   * (timestamp, seq) order, continuing strictly after the position given. A `timestamp` page
   * given `afterSeq` without `afterTimestampMs` MUST reject with a `RangeError`.
   */
  queryEvents(filter: EventFilter, page: PageRequest): Promise<StoredEvent[]>;
  /** Events matching `filter` in seq order, from `fromSeq` on, in chunks; memory stays flat. */
  scanEvents(filter: EventFilter, fromSeq?: number): AsyncIterable<StoredEvent[]>;
  /**
   * The leaf hashes of every stored event in seq order from `fromSeq` up to (not including)
   * `toSeq` when given, in runs of consecutive
   * seqs: a missing seq ends a run, so it shows as the next run's `firstSeq`. Computed from the
   * stored bytes on every call (this is what `verify` trusts); drivers MAY compute them off the
   * main thread. With `checkColumns`, a driver that copies fields into columns of its own
   * (see `indexed-columns.ts`) MUST also compare them with the stored JSON.
   */
  scanLeafHashes(
    fromSeq?: number,
    toSeq?: number,
    options?: { checkColumns?: boolean },
  ): AsyncIterable<LeafChunk>;
  /** Number of events matching `filter`. */
  countEvents(filter: EventFilter): Promise<number>;
  /**
   * For each set of conditions, the number of events matching `filter` and that set, all in
   * one pass over `filter`'s events (an empty set counts `filter` itself).
   */
  countEach(filter: EventFilter, narrowings: readonly (readonly Condition[])[]): Promise<number[]>;
  /** Event counts grouped by `dimension`, largest first (time buckets: in time order). */
  countBy(filter: EventFilter, dimension: CountDimension, limit: number): Promise<CountRow[]>;
  /** Stores a signed checkpoint (idempotent per tree size). */
  putCheckpoint(checkpoint: SignedCheckpoint): Promise<void>;
  /** The checkpoint with the largest tree size, if any. */
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  /** All stored checkpoints, by tree size. */
  listCheckpoints(): Promise<SignedCheckpoint[]>;
  /** A stored setting. */
  getMeta(key: string): Promise<string | undefined>;
  /** Stores a setting. */
  setMeta(key: string, value: string): Promise<void>;
  /** A named subscriber's position: the next seq it has not processed. */
  getCursor(name: string): Promise<number>;
  /** Moves a named subscriber's position. */
  setCursor(name: string, nextSeq: number): Promise<void>;
  /** Resolves once the driver can commit without start-up delay (threads started, files open). */
  ready(): Promise<void>;
  /** Releases the store. */
  close(): Promise<void>;
}
