import { ERROR_CODES } from "../errors.js";
import type { AuditEvent, AuditEventInput } from "../event/audit-event.js";
import { uuidv7 } from "../event/uuid-v7.js";

/**
 * The HTTP client of a Sealtrail server (`sealtrail serve`, see `docs/http-api.md`).
 *
 * Writes are batched: {@link SealtrailClient.record} gives each event an id (a UUIDv7) before it
 * is queued, so a batch that is sent again after a 503, a 429, another 5xx or a network error is
 * stored once: the server answers an event it already holds with its original seq and
 * `duplicate: true`. One batch is in flight at a time, so the events of one client are stored in
 * the order they were recorded. The client only needs the global `fetch` of Node 20; it does not
 * load the store.
 */

/** The client's own error codes (in the one registry, `errors.ts`), with their descriptions. */
export const CLIENT_ERROR_CODES = {
  ST_ERR_CLIENT_NETWORK: ERROR_CODES.ST_ERR_CLIENT_NETWORK.description,
  ST_ERR_CLIENT_HTTP: ERROR_CODES.ST_ERR_CLIENT_HTTP.description,
  ST_ERR_CLIENT_RESPONSE: ERROR_CODES.ST_ERR_CLIENT_RESPONSE.description,
  ST_ERR_CLIENT_CLOSED: ERROR_CODES.ST_ERR_CLIENT_CLOSED.description,
} as const;

/**
 * A code of {@link CLIENT_ERROR_CODES}.
 *
 * @example
 * ```ts
 * const code: ClientErrorCode = "ST_ERR_CLIENT_NETWORK";
 * ```
 */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;

/** What {@link SealtrailClientError} is made of. */
export interface SealtrailClientErrorInit {
  /** The HTTP status; `0` when there was no answer. */
  readonly status: number;
  /** The server's error code (`ST_ERR_EVENT_INVALID`, …) or one of {@link CLIENT_ERROR_CODES}. */
  readonly code: string;
  /** What went wrong, as the server said it. */
  readonly detail: string;
  /** The problem's `type` URI, when the server sent one. */
  readonly type?: string | undefined;
  /** The problem's `instance` (the request path), when the server sent one. */
  readonly instance?: string | undefined;
  /** The whole problem+json body, extensions included. */
  readonly problem?: Readonly<Record<string, unknown>> | undefined;
  /** The underlying error (for network failures, the `fetch` error). */
  readonly cause?: unknown;
}

/**
 * An error of the client: the server's RFC 9457 problem (`status`, `code`, `detail`), the problem
 * of one element of a batch, or a client-side failure (`ST_ERR_CLIENT_*`, status `0` when there
 * was no answer).
 *
 * @example
 * ```ts
 * try {
 *   await client.record({ action: "" });
 * } catch (e) {
 *   if (e instanceof SealtrailClientError && e.code === "ST_ERR_EVENT_INVALID") console.error(e.detail);
 * }
 * ```
 */
export class SealtrailClientError extends Error {
  /** The HTTP status; `0` when there was no answer. For an element of a batch, the status the server gives that code. */
  readonly status: number;
  /** The server's error code or one of {@link CLIENT_ERROR_CODES}. */
  readonly code: string;
  /** What went wrong. */
  readonly detail: string;
  /** The problem's `type` URI, if any. */
  readonly type: string | undefined;
  /** The problem's `instance`, if any. */
  readonly instance: string | undefined;
  /** The whole problem+json body (with its extensions, such as a failed batch's `results`), if any. */
  readonly problem: Readonly<Record<string, unknown>> | undefined;

  constructor(init: SealtrailClientErrorInit) {
    super(
      `${init.code}${init.status ? ` (${init.status})` : ""}: ${init.detail}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = "SealtrailClientError";
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.type = init.type;
    this.instance = init.instance;
    this.problem = init.problem;
  }
}

/**
 * Options of {@link SealtrailClient}.
 *
 * @example
 * ```ts
 * const options: SealtrailClientOptions = {
 *   url: "http://127.0.0.1:7469",
 *   apiKey: process.env.SEALTRAIL_API_KEY ?? "",
 *   batchSize: 200,
 *   onError: (err, events) => console.error(`${events.length} audit events lost: ${err.message}`),
 * };
 * ```
 */
export interface SealtrailClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7469` (a path prefix is kept). */
  readonly url: string | URL;
  /** An API key, `stk_<key id>_<secret>`, sent as `Authorization: Bearer`. */
  readonly apiKey: string;
  /** Events per request; a batch is sent as soon as this many are queued. Default 500. */
  readonly batchSize?: number;
  /** The longest a recorded event waits in the queue before its batch is sent. Default 200 ms. */
  readonly flushIntervalMs?: number;
  /** Retries of one request after the first attempt (503, 429, other 5xx but 501, network errors). Default 8. */
  readonly maxRetries?: number;
  /** The backoff's base: retry `n` (from 0) waits a random time up to `min(retryMaxMs, retryBaseMs · 2ⁿ)`. Default 100 ms. */
  readonly retryBaseMs?: number;
  /** The backoff's cap. Default 10 000 ms. A `Retry-After` from the server is honoured as it is. */
  readonly retryMaxMs?: number;
  /** One attempt's time limit; a request that takes longer counts as a network error. Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Send what is queued when the process is about to exit (`beforeExit`). Default true. */
  readonly flushOnExit?: boolean;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /**
   * Called with every failure of recorded events, once per failed batch or rejected element,
   * besides the rejection of their promises. Default: a process warning (`SealtrailClientWarning`),
   * so that events recorded without awaiting their promise are never lost silently.
   */
  readonly onError?: (err: SealtrailClientError, events: readonly AuditEventInput[]) => void;
}

/**
 * The server's acknowledgement of one stored event.
 *
 * @example
 * ```ts
 * const receipt: RecordReceipt = await client.record({ action: "user.login" });
 * console.log(receipt.seq, receipt.id, receipt.duplicate);
 * ```
 */
export interface RecordReceipt {
  /** The event's position in the log. */
  readonly seq: number;
  /** The event's id. */
  readonly id: string;
  /** True when the server already held an event with this id (a retried send): `seq` is the original one. */
  readonly duplicate: boolean;
}

/**
 * Filters of the read helpers: the command line's filter expressions (`["actor.id=alice",
 * "severity>=warning"]`), or an object whose entries are `key=value` expressions
 * (`{ "actor.id": "alice" }`).
 *
 * @example
 * ```ts
 * const failures: ClientFilter = ["outcome=failure", "action=user.*"];
 * const alice: ClientFilter = { "actor.id": "alice" };
 * ```
 */
export type ClientFilter = readonly string[] | Readonly<Record<string, string>>;

/**
 * Options of {@link SealtrailClient.query}.
 *
 * @example
 * ```ts
 * const options: ClientQueryOptions = { since: "24h", limit: 50, order: "asc" };
 * ```
 */
export interface ClientQueryOptions {
  /** A duration (`7d`), a date or an RFC 3339 time. */
  readonly since?: string;
  /** A duration, a date or an RFC 3339 time. */
  readonly until?: string;
  /** 1 to 1 000; the server's default is 100. */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly cursor?: string;
  /** `desc` (the default, newest first) or `asc`. */
  readonly order?: "asc" | "desc";
}

/**
 * A page of {@link SealtrailClient.query}, as the server sends it.
 *
 * @example
 * ```ts
 * const page: ClientQueryPage = await client.query(["actor.id=alice"]);
 * if (page.next_cursor) await client.query(["actor.id=alice"], { cursor: page.next_cursor });
 * ```
 */
export interface ClientQueryPage {
  readonly events: AuditEvent[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly next_cursor?: string;
}

/**
 * An RFC 9162 inclusion proof as the server sends it (standard base64 hashes).
 *
 * @example
 * ```ts
 * const proof: ClientInclusionProof = await client.proveInclusion(41);
 * console.log(proof.index, proof.tree_size, proof.proof.length);
 * ```
 */
export interface ClientInclusionProof {
  readonly index: number;
  readonly tree_size: number;
  readonly leaf_hash: string;
  readonly proof: string[];
}

/**
 * An RFC 9162 consistency proof as the server sends it.
 *
 * @example
 * ```ts
 * const proof: ClientConsistencyProof = await client.proveConsistency(10);
 * console.log(proof.from_size, proof.to_size);
 * ```
 */
export interface ClientConsistencyProof {
  readonly from_size: number;
  readonly to_size: number;
  readonly proof: string[];
}

/**
 * An event read by id; with `{ proof: true }`, also its inclusion proof against the latest
 * checkpoint and that checkpoint (the signed note). The event is kept apart from the proof, as
 * stored, so that its leaf hash can be recomputed.
 *
 * @example
 * ```ts
 * const { event, proof, checkpoint }: ClientEvent = await client.getEvent(id, { proof: true });
 * console.log(event.seq, proof?.tree_size, checkpoint?.split("\n")[0]);
 * ```
 */
export interface ClientEvent {
  readonly event: AuditEvent;
  readonly proof?: ClientInclusionProof;
  readonly checkpoint?: string;
}

/**
 * One count of {@link ClientStats}: a value of the dimension (`null` when events lack it) and how
 * many events have it.
 *
 * @example
 * ```ts
 * const row: ClientCountRow = { key: "user.login", count: 42 };
 * ```
 */
export interface ClientCountRow {
  readonly key: string | null;
  readonly count: number;
}

/**
 * Statistics over the events matching a filter, as the server sends them.
 *
 * @example
 * ```ts
 * const stats: ClientStats = await client.stats(["outcome=failure"]);
 * console.log(stats.total, stats.byAction[0]?.key);
 * ```
 */
export interface ClientStats {
  readonly total: number;
  readonly byAction: ClientCountRow[];
  readonly byOutcome: ClientCountRow[];
  readonly byActor: ClientCountRow[];
  readonly byCategory: ClientCountRow[];
  readonly bySeverity: ClientCountRow[];
  /** Counts per hour, the latest 48 hours that have events. */
  readonly perHour: ClientCountRow[];
  /** Counts per day, the latest 31 days that have events. */
  readonly perDay: ClientCountRow[];
}

/** One queued event. */
interface Pending {
  readonly event: AuditEventInput;
  readonly line: string;
  /** `Date.now()` when it was queued. */
  readonly queuedAt: number;
  readonly resolve: (receipt: RecordReceipt) => void;
  readonly reject: (err: SealtrailClientError) => void;
}

/** The outcome of one attempt of a request. */
type Attempt =
  | { readonly ok: true; readonly text: string }
  | {
      readonly ok: false;
      readonly error: SealtrailClientError;
      readonly retryable: boolean;
      readonly retryAfterMs: number | undefined;
    };

interface RequestInit_ {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly accept: string;
}

const DEFAULTS = {
  batchSize: 500,
  flushIntervalMs: 200,
  maxRetries: 8,
  retryBaseMs: 100,
  retryMaxMs: 10_000,
  requestTimeoutMs: 30_000,
} as const;

const noop = () => {};

/**
 * A client of a Sealtrail server: batched, retried writes that are never stored twice, and thin
 * read helpers.
 *
 * Timers (the batch interval, retry backoff) never keep the process alive by themselves; while
 * {@link SealtrailClient.flush} or {@link SealtrailClient.close} is waiting (including the flush on
 * exit) the backoff timers do, so that the events get delivered. The flush on exit runs on
 * `beforeExit`, which Node does not emit on `process.exit()` or a signal: call
 * {@link SealtrailClient.close} first in those paths.
 *
 * @example
 * ```ts
 * import { SealtrailClient } from "sealtrail/client";
 *
 * const client = new SealtrailClient({ url: "http://127.0.0.1:7469", apiKey: process.env.SEALTRAIL_API_KEY! });
 * const { seq } = await client.record({ action: "user.login", actor: { id: "alice" }, outcome: "success" });
 * client.record({ action: "document.read", actor: { id: "alice" } }); // fire and forget: sent within 200 ms
 * await client.close(); // sends what is queued
 * ```
 */
export class SealtrailClient {
  readonly #base: string;
  readonly #authorization: string;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxRetries: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #requestTimeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #onError: (err: SealtrailClientError, events: readonly AuditEventInput[]) => void;
  readonly #exitFlush: (() => void) | undefined;

  readonly #queue: Pending[] = [];
  /** Events ever queued, taken from the queue, and whose batch has finished (in queue order). */
  #queued = 0;
  #taken = 0;
  #settled = 0;
  /** Everything queued up to this count is sent without waiting for the interval. */
  #flushThrough = 0;
  #sending = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters: { readonly through: number; readonly resolve: () => void }[] = [];
  readonly #sleeps = new Set<NodeJS.Timeout>();
  #closed = false;

  /**
   * @throws TypeError or RangeError when an option is invalid.
   *
   * @example
   * ```ts
   * const client = new SealtrailClient({ url: "http://127.0.0.1:7469", apiKey: key, flushIntervalMs: 50 });
   * ```
   */
  constructor(options: SealtrailClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch (cause) {
      throw new TypeError(`url: expected an absolute http(s) URL, got ${String(options.url)}`, { cause });
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new TypeError(`url: expected an http: or https: URL, got ${base.protocol}`);
    }
    this.#base = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
    if (typeof options.apiKey !== "string" || options.apiKey.length === 0) {
      throw new TypeError("apiKey: expected a non-empty string");
    }
    this.#authorization = `Bearer ${options.apiKey}`;
    this.#batchSize = intOption("batchSize", options.batchSize, DEFAULTS.batchSize, 1, 1_000_000);
    this.#flushIntervalMs = intOption(
      "flushIntervalMs",
      options.flushIntervalMs,
      DEFAULTS.flushIntervalMs,
      0,
    );
    this.#maxRetries = intOption("maxRetries", options.maxRetries, DEFAULTS.maxRetries, 0);
    this.#retryBaseMs = intOption("retryBaseMs", options.retryBaseMs, DEFAULTS.retryBaseMs, 0);
    this.#retryMaxMs = intOption("retryMaxMs", options.retryMaxMs, DEFAULTS.retryMaxMs, 0);
    this.#requestTimeoutMs = intOption(
      "requestTimeoutMs",
      options.requestTimeoutMs,
      DEFAULTS.requestTimeoutMs,
      1,
    );
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("fetch: no global fetch; pass one in the options");
    this.#fetch = f;
    this.#onError = options.onError ?? warn;
    if (options.flushOnExit ?? true) {
      this.#exitFlush = () => {
        if (this.#settled < this.#queued) void this.flush();
      };
      registerExitFlush(this.#exitFlush);
    }
  }

  /**
   * Queues `event` (with a new UUIDv7 `id` if it has none; the caller's object is not changed) and
   * resolves when the server has stored it durably. It rejects with a {@link SealtrailClientError}:
   * the server's problem for this event (`ST_ERR_EVENT_INVALID`, …) — the other events of its batch
   * are not affected — or the failure of its whole batch once retries are exhausted.
   *
   * The returned promise may be left unawaited: a failure then only reaches `onError`, never an
   * unhandled rejection.
   *
   * @example
   * ```ts
   * const { seq, id, duplicate } = await client.record({ action: "user.login", actor: { id: "alice" } });
   * ```
   */
  record(event: AuditEventInput): Promise<RecordReceipt> {
    let withId: AuditEventInput;
    let line: string;
    try {
      withId = this.#prepare(event);
      line = serialize(withId);
    } catch (e) {
      const err = asClientError(e);
      const rejected = Promise.reject(err);
      rejected.catch(noop);
      return rejected;
    }
    const promise = new Promise<RecordReceipt>((resolve, reject) => {
      this.#queue.push({ event: withId, line, queuedAt: Date.now(), resolve, reject });
    });
    promise.catch(noop);
    this.#queued++;
    this.#pump();
    return promise;
  }

  /**
   * Sends one event now, on its own, as `application/json` (with a new UUIDv7 `id` if it has
   * none), retrying like a batch, and resolves with the server's answer.
   *
   * @example
   * ```ts
   * const { seq } = await client.append({ action: "config.update", actor: { id: "ops" } });
   * ```
   */
  async append(event: AuditEventInput): Promise<RecordReceipt> {
    const withId = this.#prepare(event);
    const answer = await this.#request({
      method: "POST",
      path: "/v1/events",
      body: serialize(withId),
      contentType: "application/json",
      accept: "application/json",
    });
    const receipt = asReceipt(parseJson(answer, "/v1/events"));
    if (!receipt) throw responseError("POST /v1/events: expected {seq, id} in the answer");
    return receipt;
  }

  /**
   * Sends everything queued so far and resolves when the server has answered for all of it
   * (each event's own promise tells whether it was stored). It never rejects.
   *
   * @example
   * ```ts
   * for (const e of events) client.record(e);
   * await client.flush();
   * ```
   */
  flush(): Promise<void> {
    const through = this.#queued;
    if (this.#settled >= through) return Promise.resolve();
    this.#flushThrough = Math.max(this.#flushThrough, through);
    const done = new Promise<void>((resolve) => this.#waiters.push({ through, resolve }));
    this.#keepAlive(true);
    this.#pump();
    return done;
  }

  /**
   * Flushes, stops the timers and the flush on exit. Afterwards {@link SealtrailClient.record} and
   * {@link SealtrailClient.append} reject with `ST_ERR_CLIENT_CLOSED`; the read helpers still work.
   * Calling it again is harmless.
   *
   * @example
   * ```ts
   * process.once("SIGTERM", () => void client.close().then(() => process.exit(0)));
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#exitFlush) unregisterExitFlush(this.#exitFlush);
    }
    await this.flush();
    this.#clearTimer();
  }

  /**
   * Events matching `filters` (the command line's filter syntax), newest first unless
   * `order: "asc"`: `GET /v1/events`. Needs a reader key.
   *
   * @example
   * ```ts
   * const page = await client.query(["actor.id=alice", "outcome!=success"], { since: "7d", limit: 20 });
   * for (const e of page.events) console.log(e.seq, e.action);
   * ```
   */
  async query(filters: ClientFilter = [], options: ClientQueryOptions = {}): Promise<ClientQueryPage> {
    const params = filterParams(filters);
    for (const key of ["since", "until", "limit", "cursor", "order"] as const) {
      const value = options[key];
      if (value !== undefined) params.push(param(key, String(value)));
    }
    return this.#getJson<ClientQueryPage>("/v1/events", params);
  }

  /**
   * The event with `id` (`GET /v1/events/{id}`); with `proof: true` (an auditor key), also its
   * inclusion proof and the checkpoint it is proved against. A missing event (or one of another
   * tenant) rejects with status 404.
   *
   * @example
   * ```ts
   * const { event, proof, checkpoint } = await client.getEvent(id, { proof: true });
   * ```
   */
  async getEvent(id: string, options: { readonly proof?: boolean } = {}): Promise<ClientEvent> {
    const answer = await this.#getJson<unknown>(
      `/v1/events/${encodeURIComponent(id)}`,
      options.proof ? ["proof=true"] : [],
    );
    if (!isRecord(answer)) throw responseError(`GET /v1/events/{id}: expected an object in the answer`);
    if (isRecord(answer.event)) return answer as unknown as ClientEvent;
    // The event itself, with proof and checkpoint beside its fields.
    const { proof, checkpoint, ...event } = answer;
    return {
      event: event as unknown as AuditEvent,
      ...(proof === undefined ? {} : { proof: proof as ClientInclusionProof }),
      ...(typeof checkpoint === "string" ? { checkpoint } : {}),
    };
  }

  /**
   * Statistics over the events matching `filters`: `GET /v1/stats` (`top`: how many values per
   * dimension; the server's default is 10).
   *
   * @example
   * ```ts
   * const { total } = await client.stats(["severity>=warning"], { since: "24h" });
   * ```
   */
  async stats(
    filters: ClientFilter = [],
    options: Pick<ClientQueryOptions, "since" | "until"> & { readonly top?: number } = {},
  ): Promise<ClientStats> {
    const params = filterParams(filters);
    for (const key of ["since", "until", "top"] as const) {
      const value = options[key];
      if (value !== undefined) params.push(param(key, String(value)));
    }
    return this.#getJson<ClientStats>("/v1/stats", params);
  }

  /**
   * The latest signed checkpoint (C2SP tlog-checkpoint text): `GET /v1/checkpoint`.
   *
   * @example
   * ```ts
   * const [origin, size, root] = (await client.checkpoint()).split("\n");
   * ```
   */
  async checkpoint(): Promise<string> {
    return this.#request({ method: "GET", path: "/v1/checkpoint", accept: "text/plain" });
  }

  /**
   * The inclusion proof of event `seq` in the tree of `size` events (default: the latest
   * checkpoint): `GET /v1/proofs/inclusion`. Needs an auditor key.
   *
   * @example
   * ```ts
   * const { tree_size, proof } = await client.proveInclusion(41);
   * ```
   */
  async proveInclusion(seq: number, size?: number): Promise<ClientInclusionProof> {
    const params = [param("seq", String(seq))];
    if (size !== undefined) params.push(param("size", String(size)));
    return this.#getJson<ClientInclusionProof>("/v1/proofs/inclusion", params);
  }

  /**
   * The consistency proof from tree size `from` to `to` (default: the latest checkpoint):
   * `GET /v1/proofs/consistency`. Needs an auditor key.
   *
   * @example
   * ```ts
   * const { proof } = await client.proveConsistency(100, 250);
   * ```
   */
  async proveConsistency(from: number, to?: number): Promise<ClientConsistencyProof> {
    const params = [param("from", String(from))];
    if (to !== undefined) params.push(param("to", String(to)));
    return this.#getJson<ClientConsistencyProof>("/v1/proofs/consistency", params);
  }

  /** The event with an id, or a {@link SealtrailClientError} when it cannot be taken. */
  #prepare(event: AuditEventInput): AuditEventInput {
    if (this.#closed) {
      throw new SealtrailClientError({
        status: 0,
        code: "ST_ERR_CLIENT_CLOSED",
        detail: CLIENT_ERROR_CODES.ST_ERR_CLIENT_CLOSED,
      });
    }
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      throw new SealtrailClientError({
        status: 400,
        code: "ST_ERR_EVENT_INVALID",
        detail: `event: expected an object, got ${Array.isArray(event) ? "an array" : typeof event}`,
      });
    }
    return event.id == null ? { ...event, id: uuidv7() } : event;
  }

  /** Sends a batch when one is due, or arms the interval timer for the oldest queued event. */
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
    const batch = this.#queue.splice(0, this.#batchSize);
    this.#taken += batch.length;
    this.#sending = true;
    void this.#sendBatch(batch).finally(() => {
      this.#sending = false;
      this.#settled += batch.length;
      this.#wakeWaiters();
      this.#pump();
    });
  }

  /** Sends one batch (with retries) and settles each event's promise. Never rejects. */
  async #sendBatch(batch: readonly Pending[]): Promise<void> {
    let results: Map<number, unknown>;
    try {
      const answer = await this.#request({
        method: "POST",
        path: "/v1/events",
        body: `${batch.map((p) => p.line).join("\n")}\n`,
        contentType: "application/x-ndjson",
        accept: "application/json",
      });
      results = batchResults(parseJson(answer, "/v1/events"));
    } catch (e) {
      const err = asClientError(e);
      // A batch that failed part way (for example the server began closing) says which events it stored.
      const partial =
        err.problem && Array.isArray(err.problem.results) ? batchResults(err.problem) : undefined;
      const failed: AuditEventInput[] = [];
      batch.forEach((p, index) => {
        const result = partial?.get(index);
        const receipt = asReceipt(result);
        if (receipt) {
          p.resolve(receipt);
          return;
        }
        p.reject(result === undefined ? err : elementError(result, index));
        failed.push(p.event);
      });
      if (failed.length > 0) this.#report(err, failed);
      return;
    }
    batch.forEach((p, index) => {
      const result = results.get(index);
      const receipt = asReceipt(result);
      if (receipt) {
        p.resolve(receipt);
        return;
      }
      const err = elementError(result, index);
      p.reject(err);
      this.#report(err, [p.event]);
    });
  }

  #report(err: SealtrailClientError, events: readonly AuditEventInput[]): void {
    try {
      this.#onError(err, events);
    } catch (e) {
      process.emitWarning(`Sealtrail client: onError threw: ${String(e)}`, "SealtrailClientWarning");
    }
  }

  #wakeWaiters(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i];
      if (waiter && waiter.through <= this.#settled) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
    if (this.#waiters.length === 0) this.#keepAlive(false);
  }

  /** While someone waits for a flush, backoff timers keep the process alive; otherwise they do not. */
  #keepAlive(on: boolean): void {
    for (const t of this.#sleeps) {
      if (on) t.ref();
      else t.unref();
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#sleeps.delete(t);
        resolve();
      }, ms);
      if (this.#waiters.length === 0) t.unref();
      this.#sleeps.add(t);
    });
  }

  #clearTimer(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  async #getJson<T>(path: string, params: readonly string[]): Promise<T> {
    const query = params.length > 0 ? `?${params.join("&")}` : "";
    const text = await this.#request({ method: "GET", path: `${path}${query}`, accept: "application/json" });
    return parseJson(text, path) as T;
  }

  /**
   * One request with retries: network errors, 503, 429 and other 5xx but 501 are retried with
   * full-jitter exponential backoff (or the server's `Retry-After`); a success answers its body.
   */
  async #request(init: RequestInit_): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(init);
      if (outcome.ok) return outcome.text;
      if (!outcome.retryable || attempt >= this.#maxRetries) throw outcome.error;
      await this.#sleep(outcome.retryAfterMs ?? this.#backoff(attempt));
    }
  }

  /** One attempt: the body of a success, or the failure and whether it may be retried. */
  async #attempt(init: RequestInit_): Promise<Attempt> {
    const headers: Record<string, string> = { authorization: this.#authorization, accept: init.accept };
    if (init.contentType) headers["content-type"] = init.contentType;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.#base}${init.path}`, {
        method: init.method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(this.#requestTimeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      return { ok: false, error: networkError(init, cause), retryable: true, retryAfterMs: undefined };
    }
    if (response.ok) return { ok: true, text };
    const retryable = retryableStatus(response.status);
    return {
      ok: false,
      error: problemError(response, text),
      retryable,
      retryAfterMs: retryable ? parseRetryAfter(response.headers.get("retry-after")) : undefined,
    };
  }

  /** Full jitter: a random wait up to `min(retryMaxMs, retryBaseMs · 2^attempt)`. */
  #backoff(attempt: number): number {
    return Math.random() * Math.min(this.#retryMaxMs, this.#retryBaseMs * 2 ** attempt);
  }
}

/** The default `onError`: a process warning, so that unawaited failures are not silent. */
function warn(err: SealtrailClientError, events: readonly AuditEventInput[]): void {
  process.emitWarning(
    `Sealtrail client: ${events.length} event(s) not recorded: ${err.message}`,
    "SealtrailClientWarning",
  );
}

/** One `beforeExit` listener for every open client with `flushOnExit`. */
const exitFlushes = new Set<() => void>();

function onBeforeExit(): void {
  for (const flush of exitFlushes) flush();
}

function registerExitFlush(flush: () => void): void {
  if (exitFlushes.size === 0) process.on("beforeExit", onBeforeExit);
  exitFlushes.add(flush);
}

function unregisterExitFlush(flush: () => void): void {
  exitFlushes.delete(flush);
  if (exitFlushes.size === 0) process.off("beforeExit", onBeforeExit);
}

function intOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = 2 ** 31 - 1,
) {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function serialize(event: AuditEventInput): string {
  try {
    return JSON.stringify(event);
  } catch (cause) {
    throw new SealtrailClientError({
      status: 400,
      code: "ST_ERR_EVENT_JSON",
      detail: `event cannot be serialized as JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
}

/** A filter as bare query parameters: each expression percent-encoded whole. */
function filterParams(filters: ClientFilter): string[] {
  const expressions = isExpressionList(filters)
    ? filters
    : Object.entries(filters).map(([key, value]) => `${key}=${value}`);
  return expressions.map((e) => encodeURIComponent(e));
}

function isExpressionList(filters: ClientFilter): filters is readonly string[] {
  return Array.isArray(filters);
}

function param(key: string, value: string): string {
  return `${key}=${encodeURIComponent(value)}`;
}

/** 503, 429 and the other 5xx but 501 (Not Implemented will not change on a retry). */
function retryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501);
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (never negative); undefined when
 * absent or malformed.
 *
 * @example
 * ```ts
 * parseRetryAfter("2"); // 2000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"); // 0 (in the past)
 * ```
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw responseError(`${path}: the answer is not JSON: ${text.slice(0, 200)}`, cause);
  }
}

function responseError(detail: string, cause?: unknown): SealtrailClientError {
  return new SealtrailClientError({ status: 0, code: "ST_ERR_CLIENT_RESPONSE", detail, cause });
}

function networkError(init: RequestInit_, cause: unknown): SealtrailClientError {
  return new SealtrailClientError({
    status: 0,
    code: "ST_ERR_CLIENT_NETWORK",
    detail: `${init.method} ${init.path}: ${describeNetworkError(cause)}`,
    cause,
  });
}

/** `fetch failed: ECONNREFUSED …`: the message with the causes' codes or messages. */
function describeNetworkError(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(typeof code === "string" ? `${code} ${current.message}` : current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(": ");
}

/** The problem+json of an error answer, or an `ST_ERR_CLIENT_HTTP` when it has none. */
function problemError(response: Response, text: string): SealtrailClientError {
  const status = response.status;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body) && typeof body.code === "string") {
    return new SealtrailClientError({
      status,
      code: body.code,
      detail: typeof body.detail === "string" ? body.detail : String(body.title ?? response.statusText),
      type: typeof body.type === "string" ? body.type : undefined,
      instance: typeof body.instance === "string" ? body.instance : undefined,
      problem: body,
    });
  }
  return new SealtrailClientError({
    status,
    code: "ST_ERR_CLIENT_HTTP",
    detail: `HTTP ${status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ""}`,
  });
}

/** The batch answer's results by index. */
function batchResults(answer: unknown): Map<number, unknown> {
  if (!isRecord(answer) || !Array.isArray(answer.results)) {
    throw responseError("POST /v1/events: expected {results: [...]} in the answer");
  }
  const byIndex = new Map<number, unknown>();
  for (const result of answer.results) {
    if (isRecord(result) && typeof result.index === "number") byIndex.set(result.index, result);
  }
  return byIndex;
}

function asReceipt(result: unknown): RecordReceipt | undefined {
  if (!isRecord(result) || typeof result.seq !== "number" || typeof result.id !== "string") return undefined;
  return { seq: result.seq, id: result.id, duplicate: result.duplicate === true };
}

function elementError(result: unknown, index: number): SealtrailClientError {
  const error = isRecord(result) ? result.error : undefined;
  if (isRecord(error) && typeof error.code === "string") {
    return new SealtrailClientError({
      status: (ERROR_CODES as Readonly<Record<string, { status: number }>>)[error.code]?.status ?? 400,
      code: error.code,
      detail: typeof error.detail === "string" ? error.detail : error.code,
    });
  }
  return responseError(`POST /v1/events: no result for element ${index} of the batch`);
}

function asClientError(e: unknown): SealtrailClientError {
  if (e instanceof SealtrailClientError) return e;
  return new SealtrailClientError({
    status: 0,
    code: "ST_ERR_CLIENT_RESPONSE",
    detail: e instanceof Error ? e.message : String(e),
    cause: e,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
