import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { SealtrailError } from "../../errors.js";
import { SEVERITIES } from "../../event/audit-event.js";
import type { SignedCheckpoint } from "../../ledger/checkpoint.js";
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
import { batchCommitter } from "./batch-committer.js";
import { consumerCommitter } from "./consumer-committer.js";
import type { LeafHasherMessage } from "./leaf-hasher.js";
import { SqliteConsumers } from "./sqlite-consumers.js";
import { compileFilter, jsonPath } from "./sqlite-filter.js";
import { applyWritePragmas, SCHEMA_SQL, SCHEMA_VERSION } from "./sqlite-schema.js";
import {
  type BatchRequest,
  type ConsumerCommitRequest,
  toWriterRequest,
  type WriterRequest,
  type WriterResponse,
} from "./writer-protocol.js";

/** Options for {@link SqliteDriver.open}. */
export interface SqliteDriverOptions {
  /** Open read-only (no schema creation, no writes). */
  readonly readonly?: boolean;
  /**
   * Rows per chunk in {@link SqliteDriver.scanEvents} (default 1 024), per leaf run (default
   * 4 096), and read by the first try of a filtered page in event-time order (default 4 096).
   */
  readonly scanChunk?: number;
  /**
   * Commit batches on a writer thread (default true), so the event loop keeps running — and
   * the next batch keeps being prepared — while a commit updates indexes and fsyncs.
   */
  readonly writerThread?: boolean;
  /**
   * Start the writer thread on the first write rather than at open (default false). Worth it
   * for short read-only work; a log that takes appends wants it ready, or its first commit
   * waits for the thread to start.
   */
  readonly lazyWriter?: boolean;
}

/** Prepared statements kept for reuse, at most. */
const MAX_CACHED_STATEMENTS = 256;

const BUCKETS: Partial<Record<CountDimension, number>> = { hour: 3_600_000, day: 86_400_000 };
const GROUP_COLUMN: Partial<Record<CountDimension, string>> = {
  action: "action",
  outcome: "outcome",
  category: "category",
  actor: "actor_id",
  severity: "sev",
  tenant: "tenant",
};

/**
 * The embedded driver: one SQLite file through better-sqlite3, WAL journal,
 * `synchronous=FULL` (a committed batch survives power loss), one `BEGIN IMMEDIATE`
 * transaction per batch.
 *
 * @example
 * ```ts
 * const driver = SqliteDriver.open("/var/lib/sealtrail/log.db");
 * console.log(await driver.size());
 * ```
 */
export class SqliteDriver implements StorageDriver {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #scanChunk: number;
  readonly #leafChunk: number;
  readonly #timeProbe: number;
  /** Commits on this connection; only made when there is no writer thread to do it. */
  #commitBatch: ((batch: BatchRequest) => void) | undefined;
  #commitConsumer: ((commit: ConsumerCommitRequest) => number) | undefined;
  readonly #consumers: SqliteConsumers;
  readonly #useWriterThread: boolean;
  #writer: WriterThread | undefined;

  private constructor(db: Database.Database, options: SqliteDriverOptions) {
    this.#db = db;
    // Small scan chunks keep exports flat in memory; leaf hashing crosses threads, so larger runs pay.
    this.#scanChunk = options.scanChunk ?? 1024;
    this.#leafChunk = options.scanChunk ?? 4096;
    this.#timeProbe = options.scanChunk ?? 4096;
    this.#useWriterThread = options.writerThread !== false && !options.readonly;
    this.#consumers = new SqliteConsumers({
      statement: (sql) => this.#stmt(sql),
      write: (sql, ...params) => this.#write(sql, ...params),
      commit: (request) => this.#commitConsumerRequest(request),
      // Opened for writing, the schema has made the tables; a store opened read-only may predate them.
      tablesMade: options.readonly !== true,
    });
    if (this.#useWriterThread && !options.lazyWriter) this.#writer = new WriterThread(db.name);
  }

  /** Opens (and, unless read-only, creates) the store at `path`. */
  static open(path: string, options: SqliteDriverOptions = {}): SqliteDriver {
    let db: Database.Database;
    try {
      db = new Database(path, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      db.pragma("busy_timeout = 10000");
      if (!options.readonly) {
        applyWritePragmas(db, options.writerThread === false ? "single" : "main");
        const version = db.pragma("user_version", { simple: true }) as number;
        if (version > SCHEMA_VERSION) {
          throw new SealtrailError(
            "ST_ERR_STORE_IO",
            `store schema version ${version} is newer than this Sealtrail (${SCHEMA_VERSION})`,
          );
        }
        db.exec(SCHEMA_SQL);
        // Setting the version commits (and fsyncs) even when it is unchanged: every command that
        // opened the store paid a write. Only a store made now, or by an older version, needs it.
        if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }
    } catch (cause) {
      if (cause instanceof SealtrailError) throw cause;
      throw new SealtrailError(
        "ST_ERR_STORE_IO",
        `cannot open SQLite store ${path}: ${(cause as Error).message}`,
        { cause },
      );
    }
    return new SqliteDriver(db, options);
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      // Filters make SQL of many shapes; a long-running reader must not keep them all.
      if (this.#statements.size >= MAX_CACHED_STATEMENTS) this.#statements.clear();
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  async size(): Promise<number> {
    return this.#stmt("SELECT coalesce(max(seq) + 1, 0) FROM events").pluck().get() as number;
  }

  async appendBatch(expectedSize: number, rows: readonly SealedRow[], tiles: readonly Tile[]): Promise<void> {
    if (this.#useWriterThread) {
      this.#writer ??= new WriterThread(this.#db.name);
      return this.#writer.append(expectedSize, rows, tiles);
    }
    try {
      this.#commitBatch ??= batchCommitter(this.#db);
      this.#commitBatch(toWriterRequest(0, expectedSize, rows, tiles));
    } catch (cause) {
      if (cause instanceof SizeMismatchError) throw cause;
      throw new SealtrailError("ST_ERR_STORE_IO", `append failed: ${(cause as Error).message}`, { cause });
    }
  }

  async findSeqsByIds(ids: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const lookup = this.#stmt("SELECT seq FROM events WHERE id = ?").pluck();
    for (const id of ids) {
      const seq = lookup.get(id) as number | undefined;
      if (seq !== undefined) found.set(id, seq);
    }
    return found;
  }

  async getEventById(id: string): Promise<StoredEvent | undefined> {
    return this.#stmt("SELECT seq, body AS json FROM events WHERE id = ?").get(id) as StoredEvent | undefined;
  }

  async getEventBySeq(seq: number): Promise<StoredEvent | undefined> {
    return this.#stmt("SELECT seq, body AS json FROM events WHERE seq = ?").get(seq) as
      | StoredEvent
      | undefined;
  }

  async queryEvents(filter: EventFilter, page: PageRequest): Promise<StoredEvent[]> {
    if (page.sort === "timestamp") return this.#queryByTime(filter, page);
    const where = compileFilter(filter, { timeIndex: this.#timeIndexPays(filter, page.order) });
    let sql = `SELECT seq, body AS json FROM events WHERE ${where.sql}`;
    const params = [...where.params];
    if (page.afterSeq !== undefined) {
      sql += page.order === "asc" ? " AND seq > ?" : " AND seq < ?";
      params.push(page.afterSeq);
    }
    sql += ` ORDER BY seq ${page.order === "asc" ? "ASC" : "DESC"} LIMIT ?`;
    params.push(page.limit);
    return this.#stmt(sql).all(...params) as StoredEvent[];
  }

  /**
   * A page in (timestamp, seq) order. The time index (`events_ts`, which like every index ends in
   * the rowid, the seq) holds exactly that order, so an unfiltered page walks it from the
   * cursor's position (a row-value comparison SQLite seeks to) and stops after `limit` rows.
   *
   * A filtered page has a choice SQLite cannot weigh (it has no statistics on how matches spread
   * over time): walk the time index and skip what does not match — a few rows when matches are
   * common, the whole store when they are rare — or read every match through the filter's own
   * index and sort them — cheap when they are rare, hundreds of milliseconds for a common value
   * on a large store. So it first walks the next `#timeProbe` rows of the time index only; when
   * they hold a whole page, that is the page (nothing after them can come first). Otherwise the
   * matches are rare there, and SQLite reads them through the filter's index and sorts them.
   */
  #queryByTime(filter: EventFilter, page: PageRequest): StoredEvent[] {
    const direction = page.order === "asc" ? "ASC" : "DESC";
    const order = `ORDER BY ts ${direction}, seq ${direction}`;
    let after = "";
    const afterParams: unknown[] = [];
    if (page.afterSeq !== undefined) {
      if (page.afterTimestampMs === undefined) {
        throw new RangeError(
          "a page in timestamp order continues from afterTimestampMs and afterSeq together",
        );
      }
      after = page.order === "asc" ? " AND (ts, seq) > (?, ?)" : " AND (ts, seq) < (?, ?)";
      afterParams.push(page.afterTimestampMs, page.afterSeq);
    }
    const where = compileFilter(filter);
    if (filter.conditions.length > 0 && page.limit > 0 && page.limit <= this.#timeProbe) {
      const window = compileFilter({ conditions: [], ...timeWindow(filter) });
      // A LIMIT in the subquery keeps SQLite from flattening it: the walk stays on events_ts.
      const probe = this.#stmt(
        `SELECT seq, body AS json FROM (SELECT * FROM events WHERE ${window.sql}${after} ${order} LIMIT ?) WHERE ${where.sql} ${order} LIMIT ?`,
      ).all(...window.params, ...afterParams, this.#timeProbe, ...where.params, page.limit) as StoredEvent[];
      if (probe.length === page.limit) return probe;
    }
    return this.#stmt(`SELECT seq, body AS json FROM events WHERE ${where.sql}${after} ${order} LIMIT ?`).all(
      ...where.params,
      ...afterParams,
      page.limit,
    ) as StoredEvent[];
  }

  /**
   * Whether a page in seq order should find its time window through the time index. Given a
   * window, SQLite always does, then sorts every event in it by seq: for "the newest 5 of the
   * last 90 days" on a store that spans 60, that is a million rows read and sorted to return
   * five. When the window covers at least a quarter of the store's time span and reaches the
   * end the walk starts from (the newest for `desc`, the oldest for `asc`), walking the table
   * in seq order and skipping events outside the window finds a page after a few rows instead
   * (a cost-based choice SQLite cannot make: it has no statistics on times).
   */
  #timeIndexPays(filter: EventFilter, order: "asc" | "desc"): boolean {
    if (filter.since === undefined && filter.until === undefined) return true;
    const span = this.#stmt(
      "SELECT (SELECT min(ts) FROM events) AS lo, (SELECT max(ts) FROM events) AS hi",
    ).get() as {
      lo: number | null;
      hi: number | null;
    };
    if (span.lo === null || span.hi === null || span.hi <= span.lo) return true;
    const width = span.hi - span.lo;
    const from = Math.max(span.lo, filter.since ?? span.lo);
    const to = Math.min(span.hi, filter.until ?? span.hi);
    const skippedFirst = order === "desc" ? span.hi - to : from - span.lo;
    return (to - from) / width < 0.25 || skippedFirst / width > 0.1;
  }

  async *scanEvents(filter: EventFilter, fromSeq = 0): AsyncIterable<StoredEvent[]> {
    const where = compileFilter(filter);
    const stmt = this.#stmt(
      `SELECT seq, body AS json FROM events WHERE seq >= ? AND ${where.sql} ORDER BY seq LIMIT ?`,
    );
    let next = fromSeq;
    for (;;) {
      const rows = stmt.all(next, ...where.params, this.#scanChunk) as StoredEvent[];
      if (rows.length === 0) return;
      yield rows;
      next = (rows[rows.length - 1] as StoredEvent).seq + 1;
      if (rows.length < this.#scanChunk) return;
    }
  }

  /** Reads and hashes on a separate thread with its own read-only connection, a few runs ahead. */
  async *scanLeafHashes(
    fromSeq = 0,
    toSeq = Number.MAX_SAFE_INTEGER,
    options: { checkColumns?: boolean } = {},
  ): AsyncIterable<LeafChunk> {
    const worker = new Worker(new URL("./leaf-hasher.js", import.meta.url), {
      workerData: {
        path: this.#db.name,
        fromSeq,
        toSeq,
        chunk: this.#leafChunk,
        checkColumns: options.checkColumns === true,
      },
    });
    const answers: Array<Promise<LeafHasherMessage>> = [];
    const waiting: Array<{ resolve: (m: LeafHasherMessage) => void; reject: (e: unknown) => void }> = [];
    worker.on("message", (m: LeafHasherMessage) => waiting.shift()?.resolve(m));
    worker.on("error", (e) => {
      for (const w of waiting.splice(0)) w.reject(e);
    });
    const request = () => {
      answers.push(new Promise((resolve, reject) => waiting.push({ resolve, reject })));
      worker.postMessage("next");
    };
    try {
      request();
      request();
      for (;;) {
        const answer = await (answers.shift() as Promise<LeafHasherMessage>);
        if (answer.done) return;
        request();
        yield {
          firstSeq: answer.firstSeq,
          hashes: Buffer.from(answer.hashes.buffer, answer.hashes.byteOffset, answer.hashes.byteLength),
          ...(answer.columnMismatch ? { columnMismatch: answer.columnMismatch } : {}),
        };
      }
    } finally {
      await worker.terminate();
    }
  }

  /** Resolves once a write would not wait for the writer thread to start (at once without one). */
  async ready(): Promise<void> {
    await this.#writer?.ready;
  }

  async countEvents(filter: EventFilter): Promise<number> {
    const where = compileFilter(filter);
    return this.#stmt(`SELECT count(*) FROM events WHERE ${where.sql}`)
      .pluck()
      .get(...where.params) as number;
  }

  async countEach(filter: EventFilter, narrowings: readonly (readonly Condition[])[]): Promise<number[]> {
    const counts: number[] = [];
    // One scan computes up to 64 counts (far below SQLite's limit on result columns).
    for (let start = 0; start < narrowings.length; start += 64) {
      const chunk = narrowings.slice(start, start + 64);
      const columns = chunk.map((conditions) => compileFilter({ conditions: [...conditions] }));
      const where = compileFilter(filter);
      const select = columns.map((c, i) => `count(*) FILTER (WHERE ${c.sql}) AS c${i}`).join(", ");
      const row = this.#stmt(`SELECT ${select} FROM events WHERE ${where.sql}`)
        .raw()
        .get(...columns.flatMap((c) => c.params), ...where.params) as number[];
      counts.push(...row);
    }
    return counts;
  }

  async countBy(filter: EventFilter, dimension: CountDimension, limit: number): Promise<CountRow[]> {
    const where = compileFilter(filter);
    const bucket = BUCKETS[dimension];
    if (bucket !== undefined) {
      const rows = this.#stmt(
        `SELECT ts / ${bucket} AS b, count(*) AS count FROM events WHERE ${where.sql} GROUP BY b ORDER BY b DESC LIMIT ?`,
      ).all(...where.params, limit) as Array<{ b: number; count: number }>;
      return rows.reverse().map((r) => ({ key: new Date(r.b * bucket).toISOString(), count: r.count }));
    }
    if (dimension.startsWith("field:")) {
      // Any field, read from the stored JSON: a scan of the filter's rows, so callers bound it.
      const expr = `json_extract(body, '${jsonPath(dimension.slice("field:".length))}')`;
      const rows = this.#stmt(
        `SELECT ${expr} AS key, count(*) AS count FROM events WHERE ${where.sql} GROUP BY key ORDER BY count DESC, key LIMIT ?`,
      ).all(...where.params, limit) as Array<{ key: string | number | null; count: number }>;
      // A number and a string of the same text (5 and "5") are one group, as filters treat them.
      const merged = new Map<string | null, number>();
      for (const r of rows) {
        const key = r.key === null ? null : String(r.key);
        merged.set(key, (merged.get(key) ?? 0) + r.count);
      }
      return [...merged]
        .map(([key, count]) => ({ key, count }))
        .sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)));
    }
    const column = GROUP_COLUMN[dimension] as string;
    // Unfiltered, the column's own index counts fastest. Filtered, `+column` stops SQLite from
    // walking that index for the grouping (a full scan) instead of the filter's index: on a
    // million events, "count by action, last 7 days" drops from about a second to tens of ms.
    const group = where.sql === "1" ? column : `+${column}`;
    const rows = this.#stmt(
      `SELECT ${column} AS key, count(*) AS count FROM events WHERE ${where.sql} GROUP BY ${group} ORDER BY count DESC, key LIMIT ?`,
    ).all(...where.params, limit) as Array<{ key: string | number | null; count: number }>;
    return rows.map((r) => ({
      key:
        dimension === "severity" ? (SEVERITIES[r.key as number] ?? String(r.key)) : (r.key as string | null),
      count: r.count,
    }));
  }

  async readTile(level: number, index: number): Promise<Buffer | undefined> {
    return this.#stmt("SELECT hashes FROM tiles WHERE level = ? AND idx = ?").pluck().get(level, index) as
      | Buffer
      | undefined;
  }

  async putCheckpoint(checkpoint: SignedCheckpoint): Promise<void> {
    await this.#write(
      "INSERT INTO checkpoints (size, root, origin, note) VALUES (?,?,?,?) ON CONFLICT (size) DO NOTHING",
      checkpoint.size,
      checkpoint.root,
      checkpoint.origin,
      checkpoint.note,
    );
  }

  async latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    const row = this.#stmt(
      "SELECT size, root, origin, note FROM checkpoints ORDER BY size DESC LIMIT 1",
    ).get() as SignedCheckpoint | undefined;
    return row;
  }

  async listCheckpoints(): Promise<SignedCheckpoint[]> {
    return this.#stmt(
      "SELECT size, root, origin, note FROM checkpoints ORDER BY size",
    ).all() as SignedCheckpoint[];
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.#stmt("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#write(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  async getCursor(name: string): Promise<number> {
    return (
      (this.#stmt("SELECT next_seq FROM cursors WHERE name = ?").pluck().get(name) as number | undefined) ?? 0
    );
  }

  async setCursor(name: string, nextSeq: number): Promise<void> {
    await this.#write(
      "INSERT INTO cursors (name, next_seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET next_seq = excluded.next_seq",
      name,
      nextSeq,
    );
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

  /** Makes one consumer commit: on the writer thread when there is one; resolves with the revision stored. */
  async #commitConsumerRequest(request: ConsumerCommitRequest): Promise<number> {
    if (this.#useWriterThread) {
      this.#writer ??= new WriterThread(this.#db.name);
      return this.#writer.commitConsumer(request);
    }
    try {
      this.#commitConsumer ??= consumerCommitter(this.#db);
      return this.#commitConsumer(request);
    } catch (cause) {
      if (cause instanceof SealtrailError) throw cause;
      throw new SealtrailError("ST_ERR_STORE_IO", `consumer commit failed: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /**
   * A small write: on the writer thread when there is one, so the event loop never waits for the
   * lock. Resolves with the number of rows it changed.
   */
  async #write(sql: string, ...params: unknown[]): Promise<number> {
    if (!this.#useWriterThread) return this.#stmt(sql).run(...params).changes;
    this.#writer ??= new WriterThread(this.#db.name);
    return this.#writer.run(sql, params);
  }

  async close(): Promise<void> {
    await this.#writer?.close();
    if (this.#db.open) this.#db.close();
  }
}

/** The main-thread side of the writer thread (`sqlite-writer.ts`). */
class WriterThread {
  readonly #worker: Worker;
  readonly #checkpointer: Worker;
  readonly #pending = new Map<number, { resolve: (result: number) => void; reject: (e: unknown) => void }>();
  #nextId = 0;
  #failure: Error | undefined;
  #closed = false;

  /** Resolves once the thread has opened the store and can commit. */
  readonly ready: Promise<void>;

  constructor(path: string) {
    // Referenced until it is ready, so that whoever awaits `ready` cannot see the process end
    // under it for want of anything else to wait on; afterwards only while commits are pending.
    this.#worker = new Worker(new URL("./sqlite-writer.js", import.meta.url), { workerData: { path } });
    this.ready = new Promise((resolve, reject) => {
      this.#worker.once("message", () => resolve());
      this.#worker.once("error", reject);
      this.#worker.once("exit", (code) =>
        reject(new Error(`SQLite writer thread exited (${code}) before it was ready`)),
      );
    });
    const idle = () => {
      if (!this.#closed && this.#pending.size === 0) this.#worker.unref();
    };
    this.ready.then(idle, idle);
    this.#worker.on("message", (response: WriterResponse | "ready") => {
      if (response === "ready") return;
      const waiter = this.#pending.get(response.id);
      this.#pending.delete(response.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (!waiter) return;
      if (response.ok) waiter.resolve(response.result);
      else if (response.mismatch)
        waiter.reject(new SizeMismatchError(response.mismatch.expected, response.mismatch.actual));
      else if (response.refusal) {
        const { code, details } = response.refusal;
        waiter.reject(new SealtrailError(code, response.message, details ? { details } : {}));
      } else {
        // The writer thread's SQLite error, rebuilt here as the cause (errors do not cross threads whole).
        const cause = Object.assign(new Error(response.message), { code: response.code });
        waiter.reject(new SealtrailError("ST_ERR_STORE_IO", `append failed: ${response.message}`, { cause }));
      }
    });
    this.#worker.on("error", (error) => this.#fail(error));
    this.#worker.on("exit", (code) => this.#fail(new Error(`SQLite writer thread exited (${code})`)));
    this.#checkpointer = new Worker(new URL("./wal-checkpointer.js", import.meta.url), {
      workerData: { path },
    });
    this.#checkpointer.unref();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) {
      waiter.reject(
        new SealtrailError("ST_ERR_STORE_IO", `append failed: ${error.message}`, { cause: error }),
      );
    }
    this.#pending.clear();
  }

  async append(expectedSize: number, rows: readonly SealedRow[], tiles: readonly Tile[]): Promise<void> {
    await this.#send((id) => toWriterRequest(id, expectedSize, rows, tiles));
  }

  /** Runs one small write statement on the writer's connection; resolves with the rows it changed. */
  run(sql: string, params: unknown[]): Promise<number> {
    return this.#send((id) => ({ kind: "run", id, sql, params }));
  }

  /** Makes one consumer commit on the writer's connection; resolves with the revision stored. */
  commitConsumer(commit: ConsumerCommitRequest): Promise<number> {
    return this.#send((id) => ({ ...commit, id }));
  }

  #send(request: (id: number) => WriterRequest): Promise<number> {
    if (this.#failure) {
      return Promise.reject(
        new SealtrailError("ST_ERR_STORE_IO", `append failed: ${this.#failure.message}`, {
          cause: this.#failure,
        }),
      );
    }
    const id = this.#nextId++;
    // Referenced while a commit is pending, so the process cannot exit before it is durable.
    this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(request(id));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const failed = this.#failure !== undefined;
    this.#failure ??= new Error("the store is closed");
    // A writer that already failed cannot answer "close"; it is ended. The checkpoint thread is
    // always asked, so its final checkpoint runs.
    const stopped = [this.#worker, this.#checkpointer].map(async (thread) => {
      if (failed && thread === this.#worker) {
        await thread.terminate();
        return;
      }
      thread.ref();
      const exited = new Promise((resolve) => thread.once("exit", resolve));
      thread.postMessage("close");
      await exited;
    });
    await Promise.all(stopped);
  }
}

/** The time window of `filter`, alone. */
function timeWindow(filter: EventFilter): { since?: number; until?: number } {
  return {
    ...(filter.since === undefined ? {} : { since: filter.since }),
    ...(filter.until === undefined ? {} : { until: filter.until }),
  };
}
