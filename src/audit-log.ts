import { hostname, userInfo } from "node:os";
import { ApiKeyStore } from "./access/api-key-store.js";
import { SealtrailError } from "./errors.js";
import type { Actor, AuditEvent, AuditEventInput } from "./event/audit-event.js";
import type { EventLimits } from "./event/event-limits.js";
import { type EventTransform, prepareEvent } from "./event/prepare-event.js";
import type { PreparedEvent } from "./event/prepared-event.js";
import { Appender, type AppendReceipt, type BatchCommitted } from "./ingest/appender.js";
import { Checkpointer } from "./ingest/checkpointer.js";
import { CommitFeed } from "./ingest/commit-feed.js";
import { Follower, type FollowOptions } from "./ingest/follower.js";
import { buildTransforms, type TransformSpec } from "./ingest/transform-spec.js";
import type { SignedCheckpoint } from "./ledger/checkpoint.js";
import { defaultOrigin } from "./ledger/origin.js";
import { consistencyProof, inclusionProof } from "./ledger/proofs.js";
import { leafHash } from "./ledger/rfc6962.js";
import { type NoteVerifier, parseVerifierKey } from "./ledger/signed-note.js";
import { nodeFromTiles } from "./ledger/tiles.js";
import {
  operationPerformance,
  type PerformanceOptions,
  type PerformanceSummary,
  resolvePerformanceOptions,
} from "./performance/operation-performance.js";
import {
  type CursorPosition,
  decodeCursor,
  encodeCursor,
  PAGE_SORTS,
  type PageOrder,
  type PageSort,
} from "./query/cursor.js";
import { parseFilter } from "./query/filter-syntax.js";
import { type Condition, type EventFilter, MATCH_ALL } from "./read-model/event-filter.js";
import { type ConsumerStore, consumerStoreOf } from "./storage/consumer-store.js";
import { sqliteStorage } from "./storage/sqlite/sqlite-storage.js";
import type { Storage, StorageFactory } from "./storage/storage.js";
import type { CountDimension, CountRow, StorageDriver, StoredEvent } from "./storage/storage-driver.js";
import { type VerifyReport, verifyStore } from "./verify/verify-store.js";
import { sealtrailVersion } from "./version.js";

/** Options for {@link AuditLog.open}. */
export interface AuditLogOptions {
  /**
   * Where the store lives, as a storage factory (`sqliteStorage({ home })`, `memoryStorage()`).
   * Default: `sqliteStorage({ home })`.
   */
  storage?: StorageFactory;
  /** Home directory of the default SQLite storage; else `$SEALTRAIL_HOME`, else `./.sealtrail`. */
  home?: string;
  /** Create the store when the home holds none (default true). */
  create?: boolean;
  /** Origin (log name) for a store created now; default `<host>/sealtrail/<random>`. */
  origin?: string;
  /** Event limits. */
  limits?: EventLimits;
  /**
   * The log's transform stage, run on every event between normalization and sealing (before
   * any per-call transforms), described as data so that preparing threads build the same.
   */
  transforms?: readonly TransformSpec[];
  /** Most events per committed batch. */
  maxBatch?: number;
  /** Most events waiting before appends fail fast with backpressure. */
  maxQueue?: number;
  /** Sign a checkpoint this often (ms) while events arrive; 0 disables. Default 1 000. */
  checkpointIntervalMs?: number;
  /** Called after every committed batch. */
  onCommit?: (batch: BatchCommitted) => void;
  /** Called after every newly signed checkpoint is stored and published. */
  onCheckpoint?: (checkpoint: SignedCheckpoint) => void;
  /**
   * Mostly reading (queries, exports, proofs): the threads only writes need start on the first
   * write instead of at open. Default false: a log that takes appends has them ready.
   */
  readMostly?: boolean;
  /**
   * A few appends, then close (one event from a command line or a script step): writes are
   * committed on the calling thread and no thread is started for them, which would take longer
   * than the appends. Default false: a log that keeps taking appends commits on a thread of its
   * own, so that preparing the next batch never waits for a commit.
   */
  fewWrites?: boolean;
}

/** One event's result in {@link AuditLog.appendSettled}. */
export type AppendOutcome = ({ ok: true } & AppendReceipt) | { ok: false; error: SealtrailError };

/** A page of query results, and the order its events are in. */
export interface QueryPage {
  readonly events: AuditEvent[];
  /** What the events are ordered by: `seq` (as received) or `timestamp` (as happened, ties by seq). */
  readonly sort: PageSort;
  /** `desc`: newest first; `asc`: oldest first. */
  readonly order: PageOrder;
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

/**
 * Options for {@link AuditLog.query}. Unknown options are refused, never ignored. A cursor
 * carries the sort and order of the walk it continues: giving others with it is refused.
 */
export interface QueryOptions {
  /** Most events in the page (1 to 10,000; default 100). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /**
   * `seq` (the default): the order the log received events in, so a backfilled or late event
   * counts as newest; `timestamp`: the order they happened in, ties broken by seq.
   */
  sort?: PageSort;
  /** `desc` (newest first, the default) or `asc`. */
  order?: PageOrder;
  /** Only events whose `timestamp` is at or after this: a duration back from now (`24h`), a date or RFC 3339. */
  since?: string;
  /** Only events whose `timestamp` is before this (same forms as `since`). */
  until?: string;
}

const QUERY_OPTIONS = ["limit", "cursor", "sort", "order", "since", "until"] as const;
const OPEN_OPTIONS = [
  "storage",
  "home",
  "create",
  "origin",
  "limits",
  "transforms",
  "maxBatch",
  "maxQueue",
  "checkpointIntervalMs",
  "onCommit",
  "onCheckpoint",
  "readMostly",
  "fewWrites",
] as const;
const VERIFY_OPTIONS = ["trusted", "verifierKey", "deep", "onProgress"] as const;
const PERFORMANCE_OPTIONS = ["since", "until", "by", "filter", "factor", "minSamples"] as const;
/** Events per page when a window is read whole, in event-time order. */
const SCAN_PAGE = 8_192;
const FOLLOW_OPTIONS = ["filter", "fromSeq", "batchSize", "bodies", "pollMs", "signal", "keepAlive"] as const;

/**
 * Refuses options a method does not know (a misspelt `sinse` must not be silently ignored).
 *
 * @example
 * ```ts
 * checkOptions("query", { sinse: "1h" }, QUERY_OPTIONS); // throws ST_ERR_USAGE: unknown option "sinse"
 * ```
 */
function checkOptions(where: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new SealtrailError("ST_ERR_USAGE", `${where}: expected an options object`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `${where}: unknown option "${key}"; expected one of ${known.join(", ")}`,
        { details: { option: key } },
      );
    }
  }
}

/**
 * The sort and order of a page: the cursor's when one is given (an option that differs from it
 * is refused: it would silently not apply), else the options' (default `seq`, `desc`).
 */
function pageOrder(options: QueryOptions): { sort: PageSort; order: PageOrder; position?: CursorPosition } {
  if (options.sort !== undefined && !PAGE_SORTS.includes(options.sort)) {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `query: sort: expected ${PAGE_SORTS.join(" or ")}, got ${JSON.stringify(options.sort)}`,
      { details: { field: "sort" } },
    );
  }
  if (options.order !== undefined && options.order !== "asc" && options.order !== "desc") {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `query: order: expected desc or asc, got ${JSON.stringify(options.order)}`,
      { details: { field: "order" } },
    );
  }
  if (!options.cursor) return { sort: options.sort ?? "seq", order: options.order ?? "desc" };
  const position = decodeCursor(options.cursor);
  for (const field of ["sort", "order"] as const) {
    const given = options[field];
    if (given !== undefined && given !== position[field]) {
      throw new SealtrailError(
        "ST_ERR_QUERY_CURSOR",
        `${field}: ${given} differs from the cursor's (sort ${position.sort}, order ${position.order}): leave it out to continue its walk, or start a new walk without the cursor`,
        { details: { field } },
      );
    }
  }
  return { sort: position.sort, order: position.order, position };
}

/** The cursor position just after `last`, a stored event of a page in `sort` order. */
function positionAfter(last: StoredEvent, sort: PageSort, order: PageOrder): CursorPosition {
  if (sort === "seq") return { afterSeq: last.seq, order, sort };
  const afterTimestampMs = Date.parse((JSON.parse(last.json) as { timestamp: string }).timestamp);
  return { afterSeq: last.seq, order, sort, afterTimestampMs };
}

/** `filter` narrowed to the window [since, until) given as text. */
function withWindow(filter: EventFilter, since: string | undefined, until: string | undefined): EventFilter {
  if (since === undefined && until === undefined) return filter;
  const window = parseFilter([], { since, until });
  const later = (a: number | undefined, b: number | undefined) =>
    a === undefined ? b : b === undefined ? a : Math.max(a, b);
  const earlier = (a: number | undefined, b: number | undefined) =>
    a === undefined ? b : b === undefined ? a : Math.min(a, b);
  const from = later(filter.since, window.since);
  const to = earlier(filter.until, window.until);
  return {
    conditions: filter.conditions,
    ...(from === undefined ? {} : { since: from }),
    ...(to === undefined ? {} : { until: to }),
  };
}

/** Statistics over the events matching a filter. */
export interface LogStats {
  readonly total: number;
  /** Most groups listed in each of `byAction` … `bySeverity`. */
  readonly top: number;
  /**
   * Events in the groups beyond the `top` listed ones, per dimension: 0 when a list is complete.
   * Events without the field (an event without an actor) count in a `null` group, never here.
   */
  readonly others: {
    readonly byAction: number;
    readonly byOutcome: number;
    readonly byActor: number;
    readonly byCategory: number;
    readonly bySeverity: number;
  };
  readonly byAction: CountRow[];
  readonly byOutcome: CountRow[];
  readonly byActor: CountRow[];
  readonly byCategory: CountRow[];
  readonly bySeverity: CountRow[];
  /** Counts per hour, the latest 48 hours that have events. */
  readonly perHour: CountRow[];
  /** Counts per day, the latest 31 days that have events. */
  readonly perDay: CountRow[];
}

/** An inclusion proof in the CLI/HTTP JSON shape (standard base64 hashes). */
export interface InclusionProofJson {
  index: number;
  tree_size: number;
  leaf_hash: string;
  proof: string[];
}

/** A consistency proof in the CLI/HTTP JSON shape. */
export interface ConsistencyProofJson {
  from_size: number;
  to_size: number;
  proof: string[];
}

const b64 = (b: Buffer) => b.toString("base64");

/** The longest delay a Node.js timer keeps (longer ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The largest event an entry bundle can carry (a 16-bit length). */
const MAX_ENTRY_BYTES = 0xffff;

/** A filter, or filter expressions in the CLI syntax (`["actor.id=alice", "outcome=failure"]`). */
export type FilterInput = EventFilter | readonly string[];

function toFilter(input: FilterInput): EventFilter {
  return isExpressionList(input) ? parseFilter(input) : input;
}

function isExpressionList(input: FilterInput): input is readonly string[] {
  return Array.isArray(input);
}

/**
 * The audit log: the one facade the library, the CLI and the server use.
 *
 * @example
 * ```ts
 * import { AuditLog } from "sealtrail";
 *
 * const log = await AuditLog.open({ home: "./.sealtrail" });
 * const { seq } = await log.append({ action: "user.login", actor: { id: "alice" }, outcome: "success" });
 * const page = await log.query(["actor.id=alice"], { limit: 20 });
 * const report = await log.verify();
 * await log.close();
 * ```
 */
export class AuditLog {
  readonly #storage: Storage;
  readonly #driver: StorageDriver;
  #apiKeys: ApiKeyStore | undefined;
  #consumers: ConsumerStore | undefined;
  /** Absent when the stored tree could not be rebuilt: then only reading and `verify` work. */
  readonly #appender: Appender | undefined;
  readonly #treeError: SealtrailError | undefined;
  readonly #checkpointer: Checkpointer;
  readonly #origin: string;
  readonly #limits: EventLimits | undefined;
  readonly #transformSpecs: readonly TransformSpec[];
  readonly #transforms: readonly EventTransform[];
  readonly #feed: CommitFeed;
  readonly #stopBackground = new AbortController();
  readonly #publisher: Promise<void> | undefined;
  readonly #sizeAtOpen: number;
  #closed = false;
  readonly #commitListeners = new Set<(batch: BatchCommitted) => void>();

  private constructor(
    storage: Storage,
    appender: Appender | SealtrailError,
    origin: string,
    options: AuditLogOptions,
  ) {
    this.#storage = storage;
    const driver = storage.driver;
    this.#driver = driver;
    this.#appender = appender instanceof Appender ? appender : undefined;
    this.#treeError = appender instanceof SealtrailError ? appender : undefined;
    this.#origin = origin;
    this.#limits = options.limits;
    this.#transformSpecs = Object.freeze([...(options.transforms ?? [])]);
    this.#transforms = buildTransforms(this.#transformSpecs);
    this.#sizeAtOpen = this.#appender?.size ?? 0;
    this.#checkpointer = new Checkpointer(
      driver,
      origin,
      () => storage.signer(),
      async (cp) => {
        storage.publishCheckpoint(cp.note);
        options.onCheckpoint?.(cp);
      },
    );
    this.#feed = new CommitFeed(this.#sizeAtOpen);
    if (options.onCommit) this.#commitListeners.add(options.onCommit);
    this.#appender?.onCommit((batch) => {
      this.#feed.grew(batch.treeSize);
      for (const listener of this.#commitListeners) listener(batch);
    });
    const interval = options.checkpointIntervalMs ?? 1000;
    if (interval > 0 && this.#appender) this.#publisher = this.#publishCheckpoints(interval);
  }

  /**
   * The checkpoint publisher: a follower that reads no event, woken as the log grows, signing
   * (and publishing) a checkpoint of the tree at most once per `intervalMs`.
   */
  async #publishCheckpoints(intervalMs: number): Promise<void> {
    const signal = this.#stopBackground.signal;
    let lastSigned = 0;
    try {
      // From 0, not from the size at open: a tail committed but never signed (a process that
      // ended between a commit and its checkpoint) is signed at once, not when the log next grows.
      const growth = this.follow(null, {
        bodies: false,
        fromSeq: 0,
        pollMs: intervalMs,
        keepAlive: false,
        signal,
      });
      for await (const _ of growth.batches()) {
        const due = lastSigned + intervalMs - performance.now();
        if (due > 0) await pause(due, signal);
        if (signal.aborted) return;
        lastSigned = performance.now();
        await this.#checkpointIfGrown().catch((error: Error) =>
          process.emitWarning(`Sealtrail could not sign a checkpoint: ${error.message}`),
        );
      }
    } catch (error) {
      if (!signal.aborted)
        process.emitWarning(`Sealtrail stopped publishing checkpoints: ${(error as Error).message}`);
    }
  }

  /**
   * Creates a store (in `home`, an existing empty directory being fine, or in `storage`) with a
   * new signing key, and records its creation as its first event (seq 0, `audit_log.init`: the
   * origin, the storage engine and Sealtrail's version, by `actor`, else the system user running
   * it), signed by a first checkpoint; returns the verifier key. Fails when the location already
   * holds a store.
   *
   * @example
   * ```ts
   * const { verifierKey } = await AuditLog.init({ home: "./.sealtrail", origin: "audit.example.com/prod" });
   * ```
   */
  static async init(
    options: { home?: string; storage?: StorageFactory; origin?: string; actor?: Actor } = {},
  ): Promise<{ home: string; origin: string; verifierKey: string; signingKey: string }> {
    checkOptions("AuditLog.init", options, ["home", "storage", "origin", "actor"]);
    const storage = storageOf(options);
    const origin = options.origin ?? defaultOrigin();
    const init = initEvent(origin, storage.engine, options.actor);
    // Refused before anything is created: a store must not begin without its init event.
    prepareEvent(init);
    const { verifierKey, signingKey } = await storage.create(origin);
    const log = await AuditLog.open({ storage, create: false, fewWrites: true, checkpointIntervalMs: 0 });
    try {
      await log.append(init);
    } finally {
      await log.close();
    }
    return { home: storage.location, origin, verifierKey, signingKey };
  }

  /** Opens the store in `options.home`, creating it first unless `create` is false. */
  static async open(options: AuditLogOptions = {}): Promise<AuditLog> {
    checkOptions("AuditLog.open", options, OPEN_OPTIONS);
    const interval = options.checkpointIntervalMs ?? 1000;
    if (!(Number.isSafeInteger(interval) && interval >= 0 && interval <= MAX_TIMER_MS)) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `checkpointIntervalMs: expected an integer from 0 to ${MAX_TIMER_MS} (0: never on a timer), got ${interval}`,
      );
    }
    const maxBytes = options.limits?.maxEventBytes;
    if (
      maxBytes !== undefined &&
      !(Number.isSafeInteger(maxBytes) && maxBytes > 0 && maxBytes <= MAX_ENTRY_BYTES)
    ) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `limits.maxEventBytes: expected an integer from 1 to ${MAX_ENTRY_BYTES} (the largest C2SP entry), got ${maxBytes}`,
      );
    }
    const factory = storageOf(options);
    if (!factory.initialized()) {
      if (options.create === false) {
        throw new SealtrailError(
          "ST_ERR_STORE_NOT_INITIALIZED",
          `no store in ${factory.location}; run \`sealtrail init\` first`,
        );
      }
      await AuditLog.init({ storage: factory, ...(options.origin ? { origin: options.origin } : {}) });
    }
    const storage = await factory.open({
      readMostly: options.readMostly === true,
      fewWrites: options.fewWrites === true,
    });
    const driver = storage.driver;
    try {
      const origin = await driver.getMeta("origin");
      if (!origin)
        throw new SealtrailError("ST_ERR_STORE_CORRUPT", `${storage.location} has no origin recorded`);
      await driver.ready();
      let appender: Appender | SealtrailError;
      try {
        appender = await Appender.open(driver, {
          ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
          ...(options.maxQueue ? { maxQueue: options.maxQueue } : {}),
        });
      } catch (cause) {
        if (!(cause instanceof RangeError)) throw cause;
        // A damaged tree must still open for reading and, above all, for `verify` to name the damage.
        appender = new SealtrailError(
          "ST_ERR_STORE_CORRUPT",
          `the stored tree cannot be rebuilt (${cause.message}); run \`sealtrail verify\``,
          { cause },
        );
      }
      return new AuditLog(storage, appender, origin, options);
    } catch (error) {
      await storage.close();
      throw error;
    }
  }

  /** The appender, or the error that kept the stored tree from being rebuilt. */
  get #tree(): Appender {
    if (!this.#appender) throw this.#treeError as SealtrailError;
    return this.#appender;
  }

  /** The log's origin (its name in checkpoints). */
  get origin(): string {
    return this.#origin;
  }

  /** The event limits this log enforces (`undefined`: the defaults). */
  get limits(): EventLimits | undefined {
    return this.#limits;
  }

  /** Where the store lives: its home directory for SQLite, `memory` for the in-memory storage. */
  get home(): string {
    return this.#storage.location;
  }

  /**
   * The store's API keys (for `sealtrail serve`), kept by the storage apart from the events.
   *
   * @example
   * ```ts
   * const { key } = await log.apiKeys.create({ role: "reader", tenant: "acme" });
   * ```
   */
  get apiKeys(): ApiKeyStore {
    this.#apiKeys ??= new ApiKeyStore(this.#storage.apiKeys);
    return this.#apiKeys;
  }

  /**
   * The store's durable consumers and their outbox (see {@link ConsumerStore}): a consumer of the
   * log (the alert evaluator, an event stream) commits its position, its own state and the
   * messages it decided to send in one transaction, so a crash neither loses nor repeats a
   * decision; the messages are then delivered lane by lane from the outbox. Kept beside the log,
   * never in it: `verify` does not read them.
   *
   * @example
   * ```ts
   * const consumers = log.consumers;
   * let current = await consumers.getConsumerState("alerts");
   * current = await consumers.commitConsumer("alerts", {
   *   expected: current,
   *   position: 42,
   *   state: JSON.stringify(windows),
   *   messages: [{ lane: "email:security", key: alertId, payload: JSON.stringify(notice) }],
   * });
   * for (const message of await consumers.laneHeads("alerts", Date.now())) await deliver(message);
   * ```
   */
  get consumers(): ConsumerStore {
    this.#consumers ??= consumerStoreOf(this.#driver);
    return this.#consumers;
  }

  /** Number of committed events this process knows of ({@link AuditLog.refresh} looks again). */
  get size(): number {
    return this.#tree.size;
  }

  /** The verifier key (`<name>+<hex id>+<base64 key>`), from `verifier.key` or the signing key. */
  verifierKey(): string {
    return this.#storage.verifierKey();
  }

  /** The log's own transforms (see {@link AuditLogOptions.transforms}). */
  get transforms(): readonly TransformSpec[] {
    return this.#transformSpecs;
  }

  /**
   * Runs the prepare pipeline (validate → normalize → the log's transforms, then `transforms`
   * → seal) without storing the event; throws on invalid input.
   */
  prepare(input: unknown, transforms: readonly TransformSpec[] = []): PreparedEvent {
    return this.#prepareWith(input, transforms.length === 0 ? this.#transforms : this.#stage(transforms));
  }

  #stage(transforms: readonly TransformSpec[]): readonly EventTransform[] {
    return [...this.#transforms, ...buildTransforms(transforms)];
  }

  #prepareWith(input: unknown, transforms: readonly EventTransform[]): PreparedEvent {
    return prepareEvent(input, {
      ...(this.#limits ? { limits: this.#limits } : {}),
      ...(transforms.length > 0 ? { transforms } : {}),
    });
  }

  /**
   * Appends one event, or several (all valid or none stored); resolves once durable with the
   * receipt(s). The same `id` again resolves with the original seq and `duplicate: true`.
   *
   * @example
   * ```ts
   * const { seq, id } = await log.append({ action: "key.rotate", crypto: { key_id: "kms-1" } });
   * ```
   */
  append(event: AuditEventInput): Promise<AppendReceipt>;
  append(events: readonly AuditEventInput[]): Promise<AppendReceipt[]>;
  async append(
    input: AuditEventInput | readonly AuditEventInput[],
  ): Promise<AppendReceipt | AppendReceipt[]> {
    if (!Array.isArray(input)) return (await this.#tree.submit([this.prepare(input)]))[0] as AppendReceipt;
    const prepared = input.map((event, index) => {
      try {
        return this.prepare(event);
      } catch (error) {
        if (error instanceof SealtrailError) {
          throw new SealtrailError(error.code, `event ${index}: ${error.message}`, {
            cause: error,
            details: { index, ...error.details },
          });
        }
        throw error;
      }
    });
    return this.#tree.submit(prepared);
  }

  /**
   * Appends every valid event and reports each one's outcome: a receipt, or the error that
   * rejected it. Invalid events never block valid ones. `transforms` run after the log's own
   * (a writing key's tenant binding).
   *
   * @example
   * ```ts
   * const outcomes = await log.appendSettled(events, { transforms: [{ kind: "bind-tenant", tenant: "acme" }] });
   * ```
   */
  async appendSettled(
    inputs: readonly unknown[],
    options: { transforms?: readonly TransformSpec[] } = {},
  ): Promise<AppendOutcome[]> {
    const stage = options.transforms?.length ? this.#stage(options.transforms) : this.#transforms;
    const outcomes: AppendOutcome[] = new Array(inputs.length);
    const prepared: PreparedEvent[] = [];
    const positions: number[] = [];
    inputs.forEach((input, i) => {
      try {
        prepared.push(this.#prepareWith(input, stage));
        positions.push(i);
      } catch (error) {
        if (!(error instanceof SealtrailError)) throw error;
        outcomes[i] = { ok: false, error };
      }
    });
    const receipts = await this.submitPrepared(prepared);
    receipts.forEach((r, k) => {
      outcomes[positions[k] as number] = { ok: true, ...r };
    });
    return outcomes;
  }

  /** Appends already prepared events (see {@link AuditLog.prepare}). */
  submitPrepared(events: readonly PreparedEvent[]): Promise<AppendReceipt[]> {
    return this.#tree.submit(events);
  }

  /**
   * Runs `fn`, then records its duration as an event named `action` (outcome and error filled
   * in), and returns what `fn` returned (or rethrows what it threw). When `fn` succeeded but its
   * event cannot be recorded, `track` rejects with the recording error: `fn` ran once and must
   * not simply be retried.
   *
   * @example
   * ```ts
   * const lead = await log.track("lead.route", () => router.route(input), { context: { workflow: "sales" } });
   * ```
   */
  async track<T>(
    action: string,
    fn: () => T | Promise<T>,
    fields: Partial<AuditEventInput> = {},
  ): Promise<T> {
    const started = performance.now();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      const e = error as Error;
      try {
        await this.append({
          outcome: "failure",
          severity: "error",
          ...fields,
          action,
          duration_ms: round(performance.now() - started),
          error: {
            code: String((e as { code?: unknown }).code ?? e.name ?? "Error"),
            message: String(e.message ?? e),
          },
        });
      } catch (recording) {
        // The operation's own error matters more to the caller; the lost record is reported.
        process.emitWarning(
          `Sealtrail could not record the failure of ${action}: ${(recording as Error).message}`,
        );
      }
      throw error;
    }
    // Outside the try: a failure to record a success must not be recorded as the operation failing.
    await this.append({
      outcome: "success",
      ...fields,
      action,
      duration_ms: round(performance.now() - started),
    });
    return result;
  }

  /**
   * A page of events matching `filter`, newest first unless `order` is `asc`.
   *
   * @example
   * ```ts
   * const first = await log.query(["outcome=failure", "action=user.*"], { limit: 50 });
   * const second = await log.query(["outcome=failure", "action=user.*"], { cursor: first.nextCursor });
   * ```
   */
  async query(input: FilterInput = MATCH_ALL, options: QueryOptions = {}): Promise<QueryPage> {
    const page = await this.queryStored(input, options);
    return { ...page, events: page.events.map((r) => JSON.parse(r.json) as AuditEvent) };
  }

  /**
   * {@link AuditLog.query}, with each event exactly as stored and hashed (canonical JSON). Parsing
   * it can reorder keys (JavaScript puts integer-like keys first), so whoever must hand on the
   * exact bytes — the server, exports — uses this.
   */
  async queryStored(
    input: FilterInput = MATCH_ALL,
    options: QueryOptions = {},
  ): Promise<Omit<QueryPage, "events"> & { events: StoredEvent[] }> {
    checkOptions("query", options, QUERY_OPTIONS);
    const filter = withWindow(toFilter(input), options.since, options.until);
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 10_000);
    const { sort, order, position } = pageOrder(options);
    const rows = await this.#driver.queryEvents(filter, {
      order,
      sort,
      limit: limit + 1,
      ...(position ? { afterSeq: position.afterSeq } : {}),
      ...(position?.sort === "timestamp" ? { afterTimestampMs: position.afterTimestampMs } : {}),
    });
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      events: page,
      sort,
      order,
      ...(more && last ? { nextCursor: encodeCursor(positionAfter(last, sort, order)) } : {}),
    };
  }

  /** Number of events matching `filter`. */
  count(filter: FilterInput = MATCH_ALL): Promise<number> {
    return this.#driver.countEvents(toFilter(filter));
  }

  /**
   * For each set of conditions, the number of events matching `filter` and that set, computed
   * in one pass over `filter`'s events.
   *
   * @example
   * ```ts
   * const [failures, anonymous] = await log.countEach(parseFilter([], { since: "7d" }), [
   *   [{ field: "outcome", op: "eq", value: "failure" }],
   *   [{ field: "actor.id", op: "absent" }],
   * ]);
   * ```
   */
  countEach(filter: FilterInput, narrowings: readonly (readonly Condition[])[]): Promise<number[]> {
    return this.#driver.countEach(toFilter(filter), narrowings);
  }

  /** Counts of events matching `filter` grouped by `dimension`. */
  countBy(filter: FilterInput, dimension: CountDimension, limit = 20): Promise<CountRow[]> {
    return this.#driver.countBy(toFilter(filter), dimension, limit);
  }

  /**
   * Statistics: totals by action, outcome, actor, category, severity (the `top` largest groups
   * of each, with the count of the rest in `others`), per hour and per day.
   */
  async stats(input: FilterInput = MATCH_ALL, top = 10): Promise<LogStats> {
    const filter = toFilter(input);
    const by = (d: CountDimension, n = top) => this.#driver.countBy(filter, d, n);
    const [total, byAction, byOutcome, byActor, byCategory, bySeverity, perHour, perDay] = await Promise.all([
      this.#driver.countEvents(filter),
      by("action"),
      by("outcome"),
      by("actor"),
      by("category"),
      by("severity"),
      by("hour", 48),
      by("day", 31),
    ]);
    const beyond = (rows: readonly CountRow[]) => total - rows.reduce((sum, row) => sum + row.count, 0);
    const others = {
      byAction: beyond(byAction),
      byOutcome: beyond(byOutcome),
      byActor: beyond(byActor),
      byCategory: beyond(byCategory),
      bySeverity: beyond(bySeverity),
    };
    return { total, top, others, byAction, byOutcome, byActor, byCategory, bySeverity, perHour, perDay };
  }

  /**
   * A page of failures (outcome `failure`) matching `filter`, with their error details: a
   * {@link AuditLog.query} narrowed to failures, newest first unless `options` say otherwise.
   *
   * @example
   * ```ts
   * const latest = await log.errors(["action=crm.*"], { limit: 20, sort: "timestamp" });
   * ```
   */
  async errors(input: FilterInput = MATCH_ALL, options: QueryOptions = {}): Promise<QueryPage> {
    if (typeof input === "number") {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `errors: expected a filter (expressions or an EventFilter) first, got the number ${input}; the limit is an option: errors(filter, { limit: ${input} })`,
      );
    }
    const filter = toFilter(input);
    const withFailure: EventFilter = {
      ...filter,
      conditions: [...filter.conditions, { field: "outcome", op: "eq", value: "failure" }],
    };
    return this.query(withFailure, options);
  }

  /**
   * How long operations took: per operation (`action`, or the field `by` names) the count, min,
   * mean, nearest-rank p50, p95 and p99 and max of `duration_ms` over the window (default: the
   * 24 hours before now), each p95 compared with the previous window of the same length and
   * flagged `degraded` at 1.5 times or more with at least 20 timed events in both windows
   * (`factor`, `minSamples`). Events without `duration_ms` are counted as `skipped`. The events
   * are read in pages, as the store holds them when the call starts.
   *
   * @example
   * ```ts
   * const summary = await log.performance({ since: "24h", by: "source.tool", filter: ["tenant=acme"] });
   * const slower = summary.operations.filter((op) => op.degraded);
   * ```
   */
  async performance(options: PerformanceOptions = {}): Promise<PerformanceSummary> {
    checkOptions("performance", options, PERFORMANCE_OPTIONS);
    const request = resolvePerformanceOptions(options);
    // The pages read the store as it is now, however many events arrive meanwhile.
    const size = await this.#driver.size();
    const bounded = {
      ...request,
      conditions: [...request.conditions, { field: "seq", op: "lt", value: size } as const],
    };
    return operationPerformance({ scan: (filter) => this.#scanByTime(filter) }, bounded);
  }

  /**
   * The events of `filter` in pages in (timestamp, seq) order: for a time window, the time index
   * holds that order, so each page continues where the last one stopped.
   */
  async *#scanByTime(filter: EventFilter): AsyncIterable<StoredEvent[]> {
    let after: { afterSeq: number; afterTimestampMs: number } | undefined;
    for (;;) {
      const rows = await this.#driver.queryEvents(filter, {
        order: "asc",
        sort: "timestamp",
        limit: SCAN_PAGE,
        ...after,
      });
      if (rows.length > 0) yield rows;
      const last = rows[rows.length - 1];
      if (!last || rows.length < SCAN_PAGE) return;
      const { timestamp } = JSON.parse(last.json) as { timestamp: string };
      after = { afterSeq: last.seq, afterTimestampMs: Date.parse(timestamp) };
    }
  }

  /**
   * Stored events matching `filter` in seq order, exactly as hashed (canonical JSON including
   * `seq`), in chunks: memory stays flat however large the store.
   */
  exportEvents(filter: FilterInput = MATCH_ALL): AsyncIterable<StoredEvent[]> {
    return this.#driver.scanEvents(toFilter(filter));
  }

  /** The stored event with `id`, parsed. */
  async getEvent(id: string): Promise<AuditEvent | undefined> {
    const row = await this.getStoredEvent(id);
    return row ? (JSON.parse(row.json) as AuditEvent) : undefined;
  }

  /** The stored event with `id`, exactly as hashed. */
  getStoredEvent(id: string): Promise<StoredEvent | undefined> {
    return this.#driver.getEventById(id.toLowerCase());
  }

  /** The stored event at `seq`, parsed. */
  async getEventBySeq(seq: number): Promise<AuditEvent | undefined> {
    const row = await this.#driver.getEventBySeq(seq);
    return row ? (JSON.parse(row.json) as AuditEvent) : undefined;
  }

  /**
   * Stored events `firstSeq` … `firstSeq + count - 1` exactly as hashed, in seq order; fewer when
   * the log ends sooner. This is what a C2SP entry bundle carries.
   */
  async readEntries(firstSeq: number, count: number): Promise<StoredEvent[]> {
    return this.#driver.queryEvents(
      { conditions: [{ field: "seq", op: "lt", value: firstSeq + count }] },
      { order: "asc", limit: count, ...(firstSeq > 0 ? { afterSeq: firstSeq - 1 } : {}) },
    );
  }

  /**
   * The stored C2SP tile of hashes at `level`, `index` (256 hashes of 32 bytes when full, fewer
   * for the right edge), if any.
   */
  readTile(level: number, index: number): Promise<Buffer | undefined> {
    return this.#driver.readTile(level, index);
  }

  /**
   * Calls `listener` after every committed batch (metrics, live tails); returns a function that
   * removes it. Listeners run on the commit path: keep them quick, and never throw.
   */
  onCommit(listener: (batch: BatchCommitted) => void): () => void {
    this.#commitListeners.add(listener);
    return () => this.#commitListeners.delete(listener);
  }

  /**
   * Follows committed events in seq order: see {@link Follower}. `name` makes it durable (its
   * acknowledged position is stored in the store, and a follower opened again under the same
   * name resumes there); `null` keeps the position in memory only (a live tail). Followers never
   * sit on the write path: a stalled one costs the appender nothing. Closing the log ends them.
   *
   * @example
   * ```ts
   * const follower = log.follow("siem-export", { filter: parseFilter(["severity>=warning"]) });
   * for await (const batch of follower.batches()) {
   *   await forward(batch.events);
   *   await follower.ack(batch.nextSeq);
   * }
   * ```
   */
  follow(
    name: string | null,
    options: Omit<FollowOptions, "filter"> & { filter?: FilterInput } = {},
  ): Follower {
    checkOptions("follow", options, FOLLOW_OPTIONS);
    if (this.#closed) throw new SealtrailError("ST_ERR_INGEST_CLOSED", "the log is closed");
    const { filter, ...rest } = options;
    // Closing the log ends its followers (their loops end; they never read a closed store).
    const closing = this.#stopBackground.signal;
    return new Follower(name, this.#driver, this.#feed, {
      ...rest,
      signal: rest.signal ? AbortSignal.any([rest.signal, closing]) : closing,
      ...(filter === undefined ? {} : { filter: toFilter(filter) }),
    });
  }

  /** True once {@link AuditLog.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Events accepted and not yet committed. */
  get queueDepth(): number {
    return this.#appender?.queued ?? 0;
  }

  /**
   * Signs (if needed), stores and publishes a checkpoint covering every committed event, those
   * other processes committed to the same store included.
   */
  async checkpoint(): Promise<SignedCheckpoint> {
    const tree = this.#tree;
    await tree.catchUp();
    return this.#checkpointer.sign(tree.size, tree.root());
  }

  /**
   * The number of committed events in the store, those other processes committed included
   * ({@link AuditLog.size} counts what this process has seen).
   */
  refresh(): Promise<number> {
    return this.#tree.catchUp();
  }

  /** The newest signed checkpoint, without signing a new one. */
  latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    return this.#checkpointer.latest();
  }

  /**
   * The inclusion proof of event `seq` in the tree of `size` events (default: the newest
   * checkpoint, signed now if the log grew).
   */
  async proveInclusion(seq: number, size?: number): Promise<InclusionProofJson> {
    const treeSize = size ?? (await this.checkpoint()).size;
    this.#requireTreeSize(treeSize);
    if (!(Number.isSafeInteger(seq) && seq >= 0 && seq < treeSize)) {
      throw new SealtrailError(
        "ST_ERR_LEDGER_RANGE",
        `seq ${seq}: expected an integer from 0 to ${treeSize - 1}`,
      );
    }
    const event = await this.#driver.getEventBySeq(seq);
    if (!event) throw new SealtrailError("ST_ERR_STORE_CORRUPT", `event ${seq} is missing from the store`);
    const proof = await inclusionProof((h, i) => nodeFromTiles(this.#driver, h, i), seq, treeSize);
    return { index: seq, tree_size: treeSize, leaf_hash: b64(leafHash(event.json)), proof: proof.map(b64) };
  }

  /** The consistency proof from tree size `from` to `to` (default: the newest checkpoint). */
  async proveConsistency(from: number, to?: number): Promise<ConsistencyProofJson> {
    const toSize = to ?? (await this.checkpoint()).size;
    this.#requireTreeSize(toSize);
    if (!(Number.isSafeInteger(from) && from >= 1 && from <= toSize)) {
      throw new SealtrailError(
        "ST_ERR_LEDGER_RANGE",
        `from size ${from}: expected an integer from 1 to ${toSize}`,
      );
    }
    const proof = await consistencyProof((h, i) => nodeFromTiles(this.#driver, h, i), from, toSize);
    return { from_size: from, to_size: toSize, proof: proof.map(b64) };
  }

  #requireTreeSize(size: number): void {
    const logSize = this.#tree.size;
    if (!(Number.isSafeInteger(size) && size >= 1 && size <= logSize)) {
      throw new SealtrailError(
        "ST_ERR_LEDGER_RANGE",
        `tree size ${size}: expected an integer from 1 to ${logSize}`,
      );
    }
  }

  /**
   * Verifies the whole store (see {@link verifyStore}); `trusted` is a signed checkpoint kept
   * elsewhere that the store must extend; `verifierKey` overrides the home's verifier key; `deep`
   * also checks the indexed columns against each event's JSON.
   */
  async verify(
    options: {
      trusted?: string;
      verifierKey?: string;
      deep?: boolean;
      onProgress?: (checked: number, total: number) => void;
    } = {},
  ): Promise<VerifyReport> {
    checkOptions("verify", options, VERIFY_OPTIONS);
    await this.#appender?.flush();
    const verifier: NoteVerifier = parseVerifierKey(options.verifierKey ?? this.verifierKey());
    return verifyStore(this.#driver, {
      origin: this.#origin,
      verifier,
      ...(options.trusted === undefined ? {} : { trusted: options.trusted }),
      ...(options.deep ? { deep: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }

  async #checkpointIfGrown(): Promise<void> {
    const latest = await this.#checkpointer.latest();
    const tree = this.#tree;
    if (tree.size > (latest?.size ?? 0)) await this.#checkpointer.sign(tree.size, tree.root());
  }

  /** Flushes queued events, signs a final checkpoint if the log grew, and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopBackground.abort();
    try {
      // The publisher reports its own failures; closing must go on to flush and sign regardless.
      await this.#publisher?.catch(() => {});
      if (this.#appender) {
        await this.#appender.close();
        if (this.#appender.size > this.#sizeAtOpen) await this.#checkpointIfGrown();
      }
    } finally {
      await this.#storage.close();
    }
  }
}

/**
 * The event a store begins with (PCI DSS 10.2.1.6: initialization of audit logs): what was
 * created, on which engine, by which version of Sealtrail, and by whom.
 */
function initEvent(origin: string, engine: string, actor: Actor | undefined): AuditEventInput {
  const version = sealtrailVersion();
  return {
    action: "audit_log.init",
    category: "system",
    outcome: "success",
    severity: "notice",
    actor: actor ?? processActor(),
    target: { type: "audit_log", id: origin },
    source: { tool: "sealtrail", tool_version: version, host: hostname() },
    details: { origin, storage: engine, version, pid: process.pid },
  };
}

/** The system user this process runs as, as the actor of what it does unasked (creating a store). */
function processActor(): Actor {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid still says who it was.
  }
  return { type: "system", id: `local:${name}`, name: `${name} (uid ${process.getuid?.() ?? "?"})` };
}

function storageOf(options: { home?: string; storage?: StorageFactory }): StorageFactory {
  return options.storage ?? sqliteStorage({ home: options.home });
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (or has aborted already: an abort event
 * that came before would never come again, and the timer keeps no process running); never keeps
 * the process running.
 */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
  });
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
