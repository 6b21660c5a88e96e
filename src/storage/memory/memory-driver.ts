import { SealtrailError } from "../../errors.js";
import { type AuditEvent, SEVERITIES } from "../../event/audit-event.js";
import type { SignedCheckpoint } from "../../ledger/checkpoint.js";
import { HASH_SIZE, leafHash } from "../../ledger/rfc6962.js";
import type { Tile } from "../../ledger/tiles.js";
import type { Condition, EventFilter } from "../../read-model/event-filter.js";
import type {
  ConsumerCommit,
  ConsumerState,
  ListMessagesOptions,
  OutboxMessage,
  OutboxMessageUpdate,
  PendingMessagesOptions,
} from "../consumer-store.js";
import { firstColumnMismatch, type IndexedColumns, indexedColumns } from "../indexed-columns.js";
import {
  type CountDimension,
  type CountRow,
  type LeafChunk,
  type PageRequest,
  type SealedRow,
  SizeMismatchError,
  type StorageDriver,
  type StoredEvent,
} from "../storage-driver.js";
import { pathSegments, readPath, sqlValueOf } from "./json-path.js";
import { compileMatcher, type MatchRow, type RowMatcher } from "./match-event.js";
import { MemoryConsumers } from "./memory-consumers.js";
import { compareSql, type SqlValue } from "./sql-value.js";

/** Options for {@link MemoryDriver}. */
export interface MemoryDriverOptions {
  /** Events per chunk of {@link MemoryDriver.scanEvents} (default 1 024) and leaves per run (default 4 096). */
  readonly scanChunk?: number;
}

/**
 * Edits made behind a {@link MemoryDriver}'s back, as someone with write access to a store's
 * files could make them: for tests of tamper detection (`verify`, reports). No part of the
 * storage role; nothing in Sealtrail calls it.
 */
export interface MemoryTamper {
  /** Replaces the stored JSON of the event at `seq`, leaving its copied columns as they were. */
  setJson(seq: number, json: string): Promise<void>;
  /** Sets one copied column of the event at `seq`, leaving its JSON as it was. */
  setColumn(seq: number, column: keyof IndexedColumns, value: string | number | null): Promise<void>;
  /** Removes the event at `seq`. */
  deleteEvent(seq: number): Promise<void>;
}

/** One stored event: its bytes, the columns it was appended with, and its JSON parsed on first need. */
class StoredRow implements MatchRow {
  #event: unknown;

  constructor(
    readonly seq: number,
    readonly json: string,
    readonly columns: IndexedColumns,
  ) {}

  get event(): unknown {
    if (this.#event === undefined) this.#event = JSON.parse(this.json);
    return this.#event;
  }
}

const BUCKETS: Partial<Record<CountDimension, number>> = { hour: 3_600_000, day: 86_400_000 };
const GROUP_COLUMN: Partial<Record<CountDimension, keyof IndexedColumns>> = {
  action: "action",
  outcome: "outcome",
  category: "category",
  actor: "actorId",
  severity: "severityLevel",
  tenant: "tenant",
};

/** The severity column holds one byte, as the SQLite driver packs it (`packIndexedColumns`). */
const BYTE = new Uint8Array(1);
function toByte(value: number): number {
  BYTE[0] = value;
  return BYTE[0] as number;
}

function storeError(message: string): SealtrailError {
  return new SealtrailError("ST_ERR_STORE_IO", message);
}

/** A page or group limit as SQLite takes it: a negative one means none; a fractional one is an error. */
function rowLimit(limit: number): number {
  if (!Number.isInteger(limit)) throw new RangeError(`limit must be an integer, got ${limit}`);
  return limit < 0 ? Number.POSITIVE_INFINITY : limit;
}

/** Groups in count order, ties broken by key in SQLite's order (NULL first), then the first `limit`. */
function topGroups<K extends SqlValue>(groups: Map<K, number>, limit: number): Array<[K, number]> {
  return [...groups]
    .sort(([ka, a], [kb, b]) => b - a || (ka === null ? -1 : kb === null ? 1 : compareSql(ka, kb)))
    .slice(0, limit);
}

/** The row's copied columns as the JSON implies them: `undefined` when they agree, else the first that does not. */
function columnMismatch(row: StoredRow): string | undefined {
  let implied: IndexedColumns;
  try {
    implied = indexedColumns(JSON.parse(row.json) as AuditEvent);
  } catch {
    return "body";
  }
  return firstColumnMismatch(row.columns, implied);
}

/**
 * A driver that keeps the whole store in process memory: rows in an array indexed by seq, a
 * map from id to seq, tiles, checkpoints, settings and cursors in maps, consumers and their
 * outbox in {@link MemoryConsumers}. Filters run through
 * {@link compileMatcher}, so every query answers as the SQLite driver's does; where SQLite's
 * order would be incidental it is fixed here (pages by seq, groups by count then key). A batch
 * is durable for as long as the process lives; `close` drops everything, and any later call
 * fails with `ST_ERR_STORE_IO`. For tests of the layers above and for short-lived logs.
 *
 * @example
 * ```ts
 * const driver = new MemoryDriver();
 * const tree = new TileTree();
 * await driver.appendBatch(0, rows, tree.append(rows.map((r) => leafHash(r.json))));
 * await driver.countEvents(parseFilter(["outcome=failure"])); // as SQLite would count them
 * ```
 */
export class MemoryDriver implements StorageDriver {
  #rows: Array<StoredRow | undefined> = [];
  /** One past the highest stored seq (as SQLite's `max(seq) + 1`). */
  #size = 0;
  #count = 0;
  #ids = new Map<string, number>();
  #tiles = new Map<string, Buffer>();
  #checkpoints = new Map<number, SignedCheckpoint>();
  #meta = new Map<string, string>();
  #cursors = new Map<string, number>();
  #consumers = new MemoryConsumers(() => this.#open());
  /** The time index: stored seqs in (timestamp, seq) order, for pages in event-time order. */
  #byTime = new TimeIndex();
  #closed = false;
  readonly #scanChunk: number;
  readonly #leafChunk: number;

  constructor(options: MemoryDriverOptions = {}) {
    this.#scanChunk = options.scanChunk ?? 1024;
    this.#leafChunk = options.scanChunk ?? 4096;
  }

  #open(): void {
    if (this.#closed) throw storeError("the in-memory store is closed");
  }

  async size(): Promise<number> {
    this.#open();
    return this.#size;
  }

  async appendBatch(expectedSize: number, rows: readonly SealedRow[], tiles: readonly Tile[]): Promise<void> {
    this.#open();
    if (this.#size !== expectedSize) throw new SizeMismatchError(expectedSize, this.#size);
    const copies = tiles.map((t) => {
      if (!Number.isInteger(t.level) || !Number.isInteger(t.index) || !(t.hashes instanceof Uint8Array)) {
        throw storeError(`append failed: tile ${t.level}/${t.index} is malformed`);
      }
      return [`${t.level}/${t.index}`, Buffer.from(t.hashes)] as const;
    });
    // Rows are placed as they are checked, and taken back if one fails: no read runs in between
    // (nothing here awaits), so a batch is seen whole or not at all.
    const placed: StoredRow[] = [];
    try {
      for (const row of rows) {
        const stored = this.#checkedRow(row);
        this.#rows[stored.seq] = stored;
        this.#ids.set(stored.columns.id, stored.seq);
        placed.push(stored);
      }
    } catch (error) {
      for (const row of placed) {
        this.#rows[row.seq] = undefined;
        this.#ids.delete(row.columns.id);
      }
      this.#rows.length = this.#size;
      throw error;
    }
    for (const row of placed) {
      if (row.seq >= this.#size) this.#size = row.seq + 1;
      this.#byTime.add(row.columns.timestampMs, row.seq);
    }
    this.#count += placed.length;
    for (const [key, hashes] of copies) this.#tiles.set(key, hashes);
  }

  /** A row of a batch checked against the store, rows of the batch placed before it included. */
  #checkedRow(row: SealedRow): StoredRow {
    const { seq } = row;
    if (!Number.isSafeInteger(seq) || seq < 0) {
      throw storeError(`append failed: seq ${seq} is not a non-negative integer`);
    }
    if (this.#rows[seq] !== undefined) throw storeError(`append failed: seq ${seq} is already stored`);
    const missing =
      typeof row.json !== "string"
        ? "json"
        : typeof row.id !== "string"
          ? "id"
          : typeof row.action !== "string"
            ? "action"
            : typeof row.category !== "string"
              ? "category"
              : typeof row.outcome !== "string"
                ? "outcome"
                : typeof row.timestampMs !== "number" || Number.isNaN(row.timestampMs)
                  ? "timestampMs"
                  : undefined;
    if (missing !== undefined) throw storeError(`append failed: seq ${seq} has no ${missing}`);
    const clash = this.#ids.get(row.id);
    if (clash !== undefined) {
      throw storeError(`append failed: seq ${seq}: id ${row.id} is already stored at seq ${clash}`);
    }
    return new StoredRow(seq, row.json, {
      id: row.id,
      timestampMs: row.timestampMs,
      action: row.action,
      category: row.category,
      outcome: row.outcome,
      severityLevel: toByte(row.severityLevel),
      actorId: row.actorId ?? null,
      targetId: row.targetId ?? null,
      tenant: row.tenant ?? null,
    });
  }

  async findSeqsByIds(ids: readonly string[]): Promise<Map<string, number>> {
    this.#open();
    const found = new Map<string, number>();
    for (const id of ids) {
      const seq = this.#ids.get(id);
      if (seq !== undefined) found.set(id, seq);
    }
    return found;
  }

  async getEventById(id: string): Promise<StoredEvent | undefined> {
    this.#open();
    const seq = this.#ids.get(id);
    return seq === undefined ? undefined : this.#stored(seq);
  }

  async getEventBySeq(seq: number): Promise<StoredEvent | undefined> {
    this.#open();
    return Number.isInteger(seq) ? this.#stored(seq) : undefined;
  }

  #stored(seq: number): StoredEvent | undefined {
    const row = this.#rows[seq];
    return row && { seq: row.seq, json: row.json };
  }

  async queryEvents(filter: EventFilter, page: PageRequest): Promise<StoredEvent[]> {
    this.#open();
    if (page.sort === "timestamp") return this.#queryByTime(filter, page);
    const match = compileMatcher(filter);
    const limit = rowLimit(page.limit);
    const { afterSeq } = page;
    const out: StoredEvent[] = [];
    if (afterSeq !== undefined && Number.isNaN(afterSeq)) return out;
    const take = (seq: number) => {
      const row = this.#rows[seq];
      if (row && match(row)) out.push({ seq, json: row.json });
    };
    if (page.order === "asc") {
      const from = afterSeq === undefined ? 0 : Math.max(0, Math.floor(afterSeq) + 1);
      for (let seq = from; seq < this.#size && out.length < limit; seq++) take(seq);
    } else {
      const from =
        afterSeq === undefined ? this.#size - 1 : Math.min(this.#size - 1, Math.ceil(afterSeq) - 1);
      for (let seq = from; seq >= 0 && out.length < limit; seq--) take(seq);
    }
    return out;
  }

  /**
   * A page in (timestamp, seq) order: a walk of the time index from the cursor's position,
   * within the filter's time window, that stops after `limit` matches (as SQLite walks
   * `events_ts`).
   */
  #queryByTime(filter: EventFilter, page: PageRequest): StoredEvent[] {
    const { afterSeq, afterTimestampMs } = page;
    if (afterSeq !== undefined && afterTimestampMs === undefined) {
      throw new RangeError("a page in timestamp order continues from afterTimestampMs and afterSeq together");
    }
    const match = compileMatcher(filter);
    const limit = rowLimit(page.limit);
    const out: StoredEvent[] = [];
    if (Number.isNaN(afterSeq) || Number.isNaN(afterTimestampMs)) return out;
    const index = this.#byTime;
    // The window [since, until) bounds the walk; the matcher checks it again with the rest.
    let lo = filter.since === undefined ? 0 : index.lowerBound(filter.since, Number.NEGATIVE_INFINITY);
    let hi =
      filter.until === undefined ? index.length : index.lowerBound(filter.until, Number.NEGATIVE_INFINITY);
    if (afterSeq !== undefined && afterTimestampMs !== undefined) {
      if (page.order === "asc") lo = Math.max(lo, index.upperBound(afterTimestampMs, afterSeq));
      else hi = Math.min(hi, index.lowerBound(afterTimestampMs, afterSeq));
    }
    const take = (i: number) => {
      const seq = index.seqAt(i);
      const row = this.#rows[seq];
      if (row && match(row)) out.push({ seq, json: row.json });
    };
    if (page.order === "asc") for (let i = lo; i < hi && out.length < limit; i++) take(i);
    else for (let i = hi - 1; i >= lo && out.length < limit; i--) take(i);
    return out;
  }

  async *scanEvents(filter: EventFilter, fromSeq = 0): AsyncIterable<StoredEvent[]> {
    this.#open();
    const match = compileMatcher(filter);
    let next = Math.max(0, Math.ceil(fromSeq));
    // Each chunk is read at the store's size then, so events appended during a scan are seen.
    while (next < this.#size) {
      const chunk: StoredEvent[] = [];
      while (next < this.#size && chunk.length < this.#scanChunk) {
        const row = this.#rows[next++];
        if (row && match(row)) chunk.push({ seq: row.seq, json: row.json });
      }
      if (chunk.length === 0) return;
      yield chunk;
      this.#open();
    }
  }

  /** Hashes the stored bytes on every call, a run at a time; with `checkColumns` re-derives each row's columns. */
  async *scanLeafHashes(
    fromSeq = 0,
    toSeq = Number.MAX_SAFE_INTEGER,
    options: { checkColumns?: boolean } = {},
  ): AsyncIterable<LeafChunk> {
    this.#open();
    const checkColumns = options.checkColumns === true;
    let next = Math.max(0, Math.ceil(fromSeq));
    for (;;) {
      const end = Math.min(toSeq, this.#size);
      while (next < end && this.#rows[next] === undefined) next++;
      if (!(next < end)) return;
      const firstSeq = next;
      const hashes: Buffer[] = [];
      let mismatch: { seq: number; column: string } | undefined;
      while (next < end && hashes.length < this.#leafChunk) {
        const row = this.#rows[next];
        if (!row) break;
        hashes.push(leafHash(row.json));
        next++;
        const column = checkColumns ? columnMismatch(row) : undefined;
        if (column !== undefined) {
          mismatch = { seq: row.seq, column };
          break;
        }
      }
      yield {
        firstSeq,
        hashes: Buffer.concat(hashes, hashes.length * HASH_SIZE),
        ...(mismatch ? { columnMismatch: mismatch } : {}),
      };
      this.#open();
    }
  }

  async countEvents(filter: EventFilter): Promise<number> {
    this.#open();
    if (filter.conditions.length === 0 && filter.since === undefined && filter.until === undefined) {
      return this.#count;
    }
    let count = 0;
    this.#each(compileMatcher(filter), () => count++);
    return count;
  }

  async countEach(filter: EventFilter, narrowings: readonly (readonly Condition[])[]): Promise<number[]> {
    this.#open();
    if (narrowings.length === 0) return [];
    const match = compileMatcher(filter);
    const narrow = narrowings.map((conditions) => compileMatcher({ conditions }));
    const counts = new Array<number>(narrow.length).fill(0);
    this.#each(match, (row) => {
      for (let i = 0; i < narrow.length; i++)
        if ((narrow[i] as RowMatcher)(row)) counts[i] = (counts[i] ?? 0) + 1;
    });
    return counts;
  }

  async countBy(filter: EventFilter, dimension: CountDimension, limit: number): Promise<CountRow[]> {
    this.#open();
    const match = compileMatcher(filter);
    const max = rowLimit(limit);
    const bucket = BUCKETS[dimension];
    if (bucket !== undefined) {
      // Integer division as SQLite's `ts / bucket`: towards zero. The latest buckets, in time order.
      const groups = new Map<number, number>();
      this.#each(match, (row) => {
        const b = Math.trunc(row.columns.timestampMs / bucket);
        groups.set(b, (groups.get(b) ?? 0) + 1);
      });
      const latest = [...groups.keys()].sort((a, b) => b - a).slice(0, max);
      return latest
        .reverse()
        .map((b) => ({ key: new Date(b * bucket).toISOString(), count: groups.get(b) ?? 0 }));
    }
    if (dimension.startsWith("field:"))
      return this.#countByField(match, dimension.slice("field:".length), max);
    const column = GROUP_COLUMN[dimension];
    if (column === undefined) throw new RangeError(`unknown count dimension "${dimension}"`);
    const groups = new Map<SqlValue, number>();
    this.#each(match, (row) => {
      const key = row.columns[column];
      groups.set(key, (groups.get(key) ?? 0) + 1);
    });
    return topGroups(groups, max).map(([key, count]) => ({
      key: dimension === "severity" ? (SEVERITIES[key as number] ?? String(key)) : (key as string | null),
      count,
    }));
  }

  /**
   * Groups by a field read from the JSON, as the SQLite driver does: the first `limit` groups of
   * distinct SQL values, then a number and a text of the same text (5 and "5") merged into one,
   * re-sorted by count and then by key text in the locale's order.
   */
  #countByField(match: RowMatcher, path: string, limit: number): CountRow[] {
    const segments = pathSegments(path);
    const groups = new Map<SqlValue, number>();
    this.#each(match, (row) => {
      const key = sqlValueOf(readPath(row.event, segments));
      groups.set(key, (groups.get(key) ?? 0) + 1);
    });
    const merged = new Map<string | null, number>();
    for (const [key, count] of topGroups(groups, limit)) {
      const text = key === null ? null : String(key);
      merged.set(text, (merged.get(text) ?? 0) + count);
    }
    return [...merged]
      .map(([key, count]) => ({ key, count }))
      .sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)));
  }

  /** Calls `visit` with every stored row that `match` accepts, in seq order. */
  #each(match: RowMatcher, visit: (row: StoredRow) => void): void {
    const rows = this.#rows;
    for (let seq = 0; seq < this.#size; seq++) {
      const row = rows[seq];
      if (row && match(row)) visit(row);
    }
  }

  async readTile(level: number, index: number): Promise<Buffer | undefined> {
    this.#open();
    const hashes = this.#tiles.get(`${level}/${index}`);
    return hashes && Buffer.from(hashes);
  }

  async putCheckpoint(checkpoint: SignedCheckpoint): Promise<void> {
    this.#open();
    if (this.#checkpoints.has(checkpoint.size)) return;
    this.#checkpoints.set(checkpoint.size, copyCheckpoint(checkpoint));
  }

  async latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    this.#open();
    let latest: SignedCheckpoint | undefined;
    for (const c of this.#checkpoints.values()) if (!latest || c.size > latest.size) latest = c;
    return latest && copyCheckpoint(latest);
  }

  async listCheckpoints(): Promise<SignedCheckpoint[]> {
    this.#open();
    return [...this.#checkpoints.values()].sort((a, b) => a.size - b.size).map(copyCheckpoint);
  }

  async getMeta(key: string): Promise<string | undefined> {
    this.#open();
    return this.#meta.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#open();
    this.#meta.set(key, value);
  }

  async getCursor(name: string): Promise<number> {
    this.#open();
    return this.#cursors.get(name) ?? 0;
  }

  async setCursor(name: string, nextSeq: number): Promise<void> {
    this.#open();
    this.#cursors.set(name, nextSeq);
  }

  getConsumerState(name: string): Promise<ConsumerState | undefined> {
    return this.#consumers.getConsumerState(name);
  }

  commitConsumer(name: string, commit: ConsumerCommit): Promise<ConsumerState> {
    return this.#consumers.commitConsumer(name, commit);
  }

  laneHeads(consumer: string, dueBy: number): Promise<OutboxMessage[]> {
    return this.#consumers.laneHeads(consumer, dueBy);
  }

  pendingMessages(consumer: string, options: PendingMessagesOptions): Promise<OutboxMessage[]> {
    return this.#consumers.pendingMessages(consumer, options);
  }

  updateMessage(id: number, update: OutboxMessageUpdate): Promise<void> {
    return this.#consumers.updateMessage(id, update);
  }

  listMessages(consumer: string, options: ListMessagesOptions): Promise<OutboxMessage[]> {
    return this.#consumers.listMessages(consumer, options);
  }

  pruneMessages(consumer: string, before: number): Promise<number> {
    return this.#consumers.pruneMessages(consumer, before);
  }

  /** Resolves at once: nothing to start. */
  async ready(): Promise<void> {
    this.#open();
  }

  /** Drops the store; later calls fail with `ST_ERR_STORE_IO`. Closing again does nothing. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#rows = [];
    this.#size = 0;
    this.#count = 0;
    this.#ids = new Map();
    this.#tiles = new Map();
    this.#checkpoints = new Map();
    this.#meta = new Map();
    this.#cursors = new Map();
    this.#consumers = new MemoryConsumers(() => this.#open());
    this.#byTime = new TimeIndex();
  }

  /**
   * Edits the store behind the driver's back (see {@link MemoryTamper}), for tests of what
   * `verify` and reports make of a tampered store.
   *
   * @example
   * ```ts
   * await driver.tamper().setColumn(3, "actorId", "mallory");
   * // verify --deep now reports seq 3's actorId column
   * ```
   */
  tamper(): MemoryTamper {
    const existing = (seq: number): StoredRow => {
      this.#open();
      const row = this.#rows[seq];
      if (!row) throw new RangeError(`no stored event at seq ${seq}`);
      return row;
    };
    return {
      setJson: async (seq, json) => {
        const row = existing(seq);
        this.#rows[seq] = new StoredRow(seq, json, row.columns);
      },
      setColumn: async (seq, column, value) => {
        const row = existing(seq);
        const columns = { ...row.columns, [column]: value };
        this.#rows[seq] = new StoredRow(seq, row.json, columns);
        if (column === "timestampMs") {
          this.#byTime.remove(row.columns.timestampMs, seq);
          this.#byTime.add(columns.timestampMs, seq);
        }
        if (column === "id") {
          if (this.#ids.get(row.columns.id) === seq) this.#ids.delete(row.columns.id);
          this.#ids.set(String(value), seq);
        }
      },
      deleteEvent: async (seq) => {
        const row = existing(seq);
        this.#rows[seq] = undefined;
        if (this.#ids.get(row.columns.id) === seq) this.#ids.delete(row.columns.id);
        this.#byTime.remove(row.columns.timestampMs, seq);
        this.#count--;
        while (this.#size > 0 && this.#rows[this.#size - 1] === undefined) this.#size--;
        this.#rows.length = this.#size;
      },
    };
  }
}

/** A checkpoint detached from the caller's objects: its root is a copy. */
function copyCheckpoint(c: SignedCheckpoint): SignedCheckpoint {
  return { size: c.size, root: Buffer.from(c.root), origin: c.origin, note: c.note };
}

/**
 * Seqs kept sorted by (timestamp, seq), as SQLite's `events_ts` index keeps them. Events mostly
 * arrive in time order, so most additions go at the end; a backfilled one is put in its place.
 */
class TimeIndex {
  #times: number[] = [];
  #seqs: number[] = [];

  get length(): number {
    return this.#seqs.length;
  }

  /** The seq at position `i`. */
  seqAt(i: number): number {
    return this.#seqs[i] as number;
  }

  /** The first position whose key is not below (`timestampMs`, `seq`). */
  lowerBound(timestampMs: number, seq: number): number {
    return this.#search(timestampMs, seq, false);
  }

  /** The first position whose key is above (`timestampMs`, `seq`). */
  upperBound(timestampMs: number, seq: number): number {
    return this.#search(timestampMs, seq, true);
  }

  add(timestampMs: number, seq: number): void {
    const n = this.#seqs.length;
    const last = n - 1;
    if (
      n === 0 ||
      compareKeys(this.#times[last] as number, this.#seqs[last] as number, timestampMs, seq) < 0
    ) {
      this.#times.push(timestampMs);
      this.#seqs.push(seq);
      return;
    }
    const at = this.upperBound(timestampMs, seq);
    this.#times.splice(at, 0, timestampMs);
    this.#seqs.splice(at, 0, seq);
  }

  remove(timestampMs: number, seq: number): void {
    const at = this.lowerBound(timestampMs, seq);
    if (this.#seqs[at] === seq && this.#times[at] === timestampMs) {
      this.#times.splice(at, 1);
      this.#seqs.splice(at, 1);
    }
  }

  #search(timestampMs: number, seq: number, strictlyAbove: boolean): number {
    let lo = 0;
    let hi = this.#seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const order = compareKeys(this.#times[mid] as number, this.#seqs[mid] as number, timestampMs, seq);
      if (order < 0 || (strictlyAbove && order === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** (timestamp, seq) keys compared as SQLite compares the row values `(ts, seq)`. */
function compareKeys(ts1: number, seq1: number, ts2: number, seq2: number): number {
  return ts1 < ts2 ? -1 : ts1 > ts2 ? 1 : seq1 < seq2 ? -1 : seq1 > seq2 ? 1 : 0;
}
