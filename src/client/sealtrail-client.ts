import type { HttpDeliveryError } from "../delivery/http-transport.js";
import { HttpTransport } from "../delivery/http-transport.js";
import { retryPolicy } from "../delivery/retry-policy.js";
import type { AuditEvent, AuditEventInput } from "../event/audit-event.js";
import { uuidv7 } from "../event/uuid-v7.js";
import { BackoffTimers } from "./backoff-timers.js";
import { BatchQueue } from "./batch-queue.js";
import {
  asClientError,
  CLIENT_ERROR_CODES,
  deliveryError,
  elementError,
  isRecord,
  responseError,
  SealtrailClientError,
} from "./client-errors.js";
import type {
  ClientConsistencyProof,
  ClientEvent,
  ClientFilter,
  ClientInclusionProof,
  ClientQueryOptions,
  ClientQueryPage,
  ClientStats,
  RecordReceipt,
} from "./client-types.js";
import { registerExitFlush, unregisterExitFlush } from "./exit-flush.js";

/**
 * The HTTP client of a Sealtrail server (`sealtrail serve`, see `docs/http-api.md`).
 *
 * Writes are batched ({@link BatchQueue}): {@link SealtrailClient.record} gives each event an id
 * (a UUIDv7) before it is queued, so a batch that is sent again after a 503, a 429, another 5xx
 * or a network error is stored once: the server answers an event it already holds with its
 * original seq and `duplicate: true`. One batch is in flight at a time, so the events of one
 * client are stored in the order they were recorded. Requests are retried by the shared
 * {@link HttpTransport}. The client only needs the global `fetch` of Node 20; it does not load
 * the store.
 */

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

/** One queued event. */
interface Pending {
  readonly event: AuditEventInput;
  readonly line: string;
  readonly resolve: (receipt: RecordReceipt) => void;
  readonly reject: (err: SealtrailClientError) => void;
}

/** One request to the server. */
interface ClientRequest {
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
  readonly #transport: HttpTransport;
  readonly #onError: (err: SealtrailClientError, events: readonly AuditEventInput[]) => void;
  readonly #exitFlush: (() => void) | undefined;
  readonly #queue: BatchQueue<Pending>;
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
    const batchSize = intOption("batchSize", options.batchSize, DEFAULTS.batchSize, 1, 1_000_000);
    const flushIntervalMs = intOption(
      "flushIntervalMs",
      options.flushIntervalMs,
      DEFAULTS.flushIntervalMs,
      0,
    );
    const timers = new BackoffTimers();
    this.#transport = new HttpTransport({
      retry: retryPolicy({
        maxRetries: intOption("maxRetries", options.maxRetries, DEFAULTS.maxRetries, 0),
        baseMs: intOption("retryBaseMs", options.retryBaseMs, DEFAULTS.retryBaseMs, 0),
        maxMs: intOption("retryMaxMs", options.retryMaxMs, DEFAULTS.retryMaxMs, 0),
      }),
      timeoutMs: intOption("requestTimeoutMs", options.requestTimeoutMs, DEFAULTS.requestTimeoutMs, 1),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      sleep: (ms, signal) => timers.sleep(ms, signal),
    });
    this.#onError = options.onError ?? warn;
    this.#queue = new BatchQueue<Pending>({
      batchSize,
      flushIntervalMs,
      send: (batch) => this.#sendBatch(batch),
      // While someone waits for a flush, backoff timers keep the process alive; otherwise they do not.
      onWaiting: (waiting) => timers.hold(waiting),
    });
    if (options.flushOnExit ?? true) {
      this.#exitFlush = () => {
        if (this.#queue.pending) void this.flush();
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
      this.#queue.push({ event: withId, line, resolve, reject });
    });
    promise.catch(noop);
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
    return this.#queue.flush();
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
    this.#queue.stop();
  }

  /**
   * Events matching `filters` (the command line's filter syntax), newest received first, or by
   * the time they happened with `sort: "timestamp"`, oldest first with `order: "asc"`:
   * `GET /v1/events`. The page says its order (`sort`, `order`). Needs a reader key.
   *
   * @example
   * ```ts
   * const page = await client.query(["actor.id=alice", "outcome!=success"], { since: "7d", limit: 20 });
   * for (const e of page.events) console.log(e.seq, e.action);
   * ```
   */
  async query(filters: ClientFilter = [], options: ClientQueryOptions = {}): Promise<ClientQueryPage> {
    const params = filterParams(filters);
    for (const key of ["since", "until", "limit", "cursor", "sort", "order"] as const) {
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

  async #getJson<T>(path: string, params: readonly string[]): Promise<T> {
    const query = params.length > 0 ? `?${params.join("&")}` : "";
    const text = await this.#request({ method: "GET", path: `${path}${query}`, accept: "application/json" });
    return parseJson(text, path) as T;
  }

  /**
   * One request through the transport (network errors, 503, 429 and other 5xx but 501 retried
   * with full-jitter backoff or the server's `Retry-After`); a success answers its body.
   */
  async #request(init: ClientRequest): Promise<string> {
    const headers: Record<string, string> = { authorization: this.#authorization, accept: init.accept };
    if (init.contentType) headers["content-type"] = init.contentType;
    try {
      const answer = await this.#transport.send({
        method: init.method,
        url: `${this.#base}${init.path}`,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
      });
      return answer.text;
    } catch (e) {
      throw deliveryError(init.method, init.path, e as HttpDeliveryError);
    }
  }
}

/** The default `onError`: a process warning, so that unawaited failures are not silent. */
function warn(err: SealtrailClientError, events: readonly AuditEventInput[]): void {
  process.emitWarning(
    `Sealtrail client: ${events.length} event(s) not recorded: ${err.message}`,
    "SealtrailClientWarning",
  );
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

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw responseError(`${path}: the answer is not JSON: ${text.slice(0, 200)}`, cause);
  }
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
