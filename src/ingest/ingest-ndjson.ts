import type { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { DEFAULT_EVENT_LIMITS, type EventLimits } from "../event/event-limits.js";
import type { PreparedEvent } from "../event/prepared-event.js";
import type { AppendReceipt } from "./appender.js";
import type { PrepareRequest, PrepareResponse } from "./prepare-thread.js";
import { unpackPrepared } from "./prepared-columns.js";

/** Totals of one ingest. */
export interface IngestSummary {
  /** Newly stored events. */
  accepted: number;
  /** Lines whose id was already stored (stored once, not again). */
  duplicates: number;
  /** Lines rejected, each reported through `onRejected`. */
  rejected: number;
}

/** Options of {@link ingestNdjson}. */
export interface IngestOptions {
  /** Event limits; default {@link DEFAULT_EVENT_LIMITS}. */
  readonly limits?: EventLimits;
  /** Longest line read; longer ones are rejected without being buffered. Default 4 MiB. */
  readonly maxLineBytes?: number;
  /** A line was rejected: its 1-based number and the reason. Called in line order. */
  onRejected(line: number, reason: string): void;
  /** Called as work completes. */
  onProgress?(summary: Readonly<IngestSummary>): void;
}

/** Input chunks being prepared at once, and prepared groups being committed at once. */
const MAX_PREPARING = 3;
const MAX_COMMITTING = 4;
/** Events handed to the log and not yet durable, at most: half the appender's default queue. */
const MAX_COMMITTING_EVENTS = 50_000;

/**
 * Ingests NDJSON from `input`: every valid line is stored through `submit`, every invalid one
 * rejected and reported by number; a bad line never costs a good one. Lines are split, parsed,
 * validated and canonicalized on a separate thread while this one sequences and hashes, so a
 * whole-process ingest keeps both cores busy. Resolves once every accepted event is durable.
 *
 * @example
 * ```ts
 * const summary = await ingestNdjson(createReadStream("events.ndjson"), (events) => log.submitPrepared(events), {
 *   onRejected: (line, reason) => console.error(`line ${line}: ${reason}`),
 * });
 * ```
 */
export async function ingestNdjson(
  input: Readable,
  submit: (events: readonly PreparedEvent[]) => Promise<AppendReceipt[]>,
  options: IngestOptions,
): Promise<IngestSummary> {
  const summary: IngestSummary = { accepted: 0, duplicates: 0, rejected: 0 };
  const worker = new Worker(new URL("./prepare-thread.js", import.meta.url), {
    workerData: {
      limits: options.limits ?? DEFAULT_EVENT_LIMITS,
      maxLineBytes: options.maxLineBytes ?? 4 * 1024 * 1024,
    },
  });
  let failure: unknown;
  const answers: Array<{ resolve: (r: PrepareResponse) => void; reject: (e: unknown) => void }> = [];
  worker.on("message", (response: PrepareResponse) => answers.shift()?.resolve(response));
  worker.on("error", (error) => {
    failure ??= error;
    for (const a of answers.splice(0)) a.reject(error);
  });
  const prepare = (request: PrepareRequest, transfer: ArrayBuffer[] = []): Promise<PrepareResponse> => {
    if (failure) return Promise.reject(failure);
    const answer = new Promise<PrepareResponse>((resolve, reject) => answers.push({ resolve, reject }));
    // Awaited in order later; until then a failure must not count as unhandled.
    answer.catch(() => {});
    worker.postMessage(request, transfer);
    return answer;
  };

  const preparing: Array<Promise<PrepareResponse>> = [];
  const committing = new Set<Promise<void>>();
  let committingEvents = 0;
  let commitFailure: unknown;
  const commit = async (response: PrepareResponse) => {
    for (const r of response.rejected) {
      summary.rejected++;
      options.onRejected(r.line, r.reason);
    }
    const events = unpackPrepared(response.prepared);
    // Bound the events waiting to commit (not the groups: a group of tiny events can be large),
    // well under the appender's queue, so a valid file never meets backpressure.
    while (committing.size > 0 && committingEvents + events.length > MAX_COMMITTING_EVENTS) {
      await Promise.race(committing);
    }
    if (commitFailure) throw commitFailure;
    committingEvents += events.length;
    const done: Promise<void> = submit(events).then(
      (receipts) => {
        for (const r of receipts) {
          if (r.duplicate) summary.duplicates++;
          else summary.accepted++;
        }
        options.onProgress?.(summary);
      },
      (error: unknown) => {
        // Kept, not thrown here: the loop rethrows it, and no rejection is left unhandled.
        commitFailure ??= error;
      },
    );
    void done.finally(() => {
      committing.delete(done);
      committingEvents -= events.length;
    });
    committing.add(done);
    if (committing.size >= MAX_COMMITTING) await Promise.race(committing);
    if (commitFailure) throw commitFailure;
  };

  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      // An own buffer, moved to the thread without copying again (a stream set to text gives strings).
      const copy =
        typeof chunk === "string" ? new Uint8Array(Buffer.from(chunk, "utf8")) : new Uint8Array(chunk);
      preparing.push(prepare({ chunk: copy }, [copy.buffer as ArrayBuffer]));
      if (preparing.length >= MAX_PREPARING)
        await commit(await (preparing.shift() as Promise<PrepareResponse>));
    }
    preparing.push(prepare({ end: true }));
    for (const pending of preparing.splice(0)) await commit(await pending);
    await Promise.all(committing);
    if (commitFailure) throw commitFailure;
  } finally {
    await worker.terminate();
  }
  options.onProgress?.(summary);
  return summary;
}
