import { Worker } from "node:worker_threads";
import { DEFAULT_EVENT_LIMITS, type EventLimits } from "../event/event-limits.js";
import { DEFAULT_MAX_LINE_BYTES } from "./ndjson-lines.js";
import type { PrepareRequest, PrepareResponse } from "./prepare-thread.js";
import type { TransformSpec } from "./transform-spec.js";

/** Options of {@link PreparePool.start}. */
export interface PreparePoolOptions {
  /** Event limits; default {@link DEFAULT_EVENT_LIMITS}. */
  readonly limits?: EventLimits;
  /** Longest line read; longer ones are rejected without being buffered. Default 4 MiB. */
  readonly maxLineBytes?: number;
  /** The log's own transforms, run on every event before a session's. */
  readonly transforms?: readonly TransformSpec[];
}

/**
 * One input being prepared: chunks go in, prepared events and rejected lines come back in order.
 * Every event of a session goes through the pool's transforms, then the session's own.
 */
export interface PrepareSession {
  /** Prepares the lines `chunk` completes. The chunk's buffer is moved to the thread. */
  push(chunk: Uint8Array): Promise<PrepareResponse>;
  /** Prepares the last line and ends the session. */
  end(): Promise<PrepareResponse>;
}

/**
 * A long-lived preparing thread shared by many inputs (the server's NDJSON requests, or one
 * `sealtrail ingest`): starting a thread per request would cost more than preparing a batch.
 *
 * @example
 * ```ts
 * const pool = PreparePool.start();
 * const session = pool.session([{ kind: "bind-tenant", tenant: "acme" }]);
 * const { prepared, rejected } = await session.push(new TextEncoder().encode('{"action":"a.b"}\n'));
 * await pool.close();
 * ```
 */
export class PreparePool {
  readonly #worker: Worker;
  readonly #answers: Array<{ resolve: (r: PrepareResponse) => void; reject: (e: unknown) => void }> = [];
  #failure: unknown;
  #nextSession = 0;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on("message", (response: PrepareResponse) => this.#answers.shift()?.resolve(response));
    worker.on("error", (error) => this.#fail(error));
    worker.on("exit", (code) => this.#fail(new Error(`the preparing thread exited (code ${code})`)));
  }

  /** Starts the thread. */
  static start(options: PreparePoolOptions = {}): PreparePool {
    const worker = new Worker(new URL("./prepare-thread.js", import.meta.url), {
      workerData: {
        limits: options.limits ?? DEFAULT_EVENT_LIMITS,
        maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
        transforms: options.transforms ?? [],
      },
    });
    return new PreparePool(worker);
  }

  /** A new input; its events go through `transforms` after the pool's own. */
  session(transforms: readonly TransformSpec[] = []): PrepareSession {
    const session = this.#nextSession++;
    let first = true;
    // Only the first request carries the session's transforms: the thread builds them once.
    const extra = () => {
      const own = first && transforms.length > 0 ? { transforms } : {};
      first = false;
      return own;
    };
    return {
      push: (chunk) => this.#send({ session, chunk, ...extra() }, [chunk.buffer as ArrayBuffer]),
      end: () => this.#send({ session, end: true, ...extra() }),
    };
  }

  #send(request: PrepareRequest, transfer: ArrayBuffer[] = []): Promise<PrepareResponse> {
    if (this.#failure) return Promise.reject(this.#failure);
    const answer = new Promise<PrepareResponse>((resolve, reject) => this.#answers.push({ resolve, reject }));
    // Awaited in order by the session's owner; until then a failure must not count as unhandled.
    answer.catch(() => {});
    this.#worker.postMessage(request, transfer);
    return answer;
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    for (const a of this.#answers.splice(0)) a.reject(error);
  }

  /** Stops the thread; sessions still open fail. */
  async close(): Promise<void> {
    this.#failure ??= new Error("the preparing thread is closed");
    this.#worker.removeAllListeners("exit");
    await this.#worker.terminate();
    for (const a of this.#answers.splice(0)) a.reject(this.#failure);
  }
}
