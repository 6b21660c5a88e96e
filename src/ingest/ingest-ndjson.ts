import type { Readable } from "node:stream";
import { type ErrorCode, SealtrailError } from "../errors.js";
import type { EventLimits } from "../event/event-limits.js";
import type { PreparedEvent } from "../event/prepared-event.js";
import type { AppendReceipt } from "./appender.js";
import { PreparePool, type PrepareSession } from "./prepare-pool.js";
import type { PrepareResponse } from "./prepare-thread.js";
import { unpackPrepared } from "./prepared-columns.js";
import type { TransformSpec } from "./transform-spec.js";

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
  /** A running preparing thread to share; else one is started for this ingest (with the next two options). */
  readonly pool?: PreparePool;
  /** Event limits of an own thread; default {@link DEFAULT_EVENT_LIMITS}. */
  readonly limits?: EventLimits;
  /** Longest line an own thread reads; longer ones are rejected without being buffered. Default 4 MiB. */
  readonly maxLineBytes?: number;
  /** Transforms of an own thread, run on every event (the log's: `log.transforms`). */
  readonly logTransforms?: readonly TransformSpec[];
  /** This input's transforms, run after the log's (a writing key's tenant binding). */
  readonly transforms?: readonly TransformSpec[];
  /** Most non-blank lines read; the ingest fails with `ST_ERR_INGEST_BATCH_TOO_LARGE` beyond (events before it stay stored). */
  readonly maxLines?: number;
  /** A line was rejected: its 1-based number, the reason and the registry code. Called in line order. */
  onRejected(line: number, reason: string, code: ErrorCode): void;
  /** Lines were stored durably: their numbers and receipts, index by index. */
  onStored?(lines: Uint32Array, receipts: readonly AppendReceipt[]): void;
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
  const pool =
    options.pool ??
    PreparePool.start({
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
      ...(options.logTransforms ? { transforms: options.logTransforms } : {}),
    });
  const session: PrepareSession = pool.session(options.transforms);
  let ended = false;
  let lines = 0;

  const preparing: Array<Promise<PrepareResponse>> = [];
  const committing = new Set<Promise<void>>();
  let committingEvents = 0;
  let commitFailure: unknown;
  const commit = async (response: PrepareResponse) => {
    for (const r of response.rejected) {
      summary.rejected++;
      options.onRejected(r.line, r.reason, r.code);
    }
    const events = unpackPrepared(response.prepared);
    lines += events.length + response.rejected.length;
    if (options.maxLines !== undefined && lines > options.maxLines) {
      throw new SealtrailError(
        "ST_ERR_INGEST_BATCH_TOO_LARGE",
        `more than ${options.maxLines} lines in one request; send the rest in another`,
      );
    }
    // Bound the events waiting to commit (not the groups: a group of tiny events can be large),
    // well under the appender's queue, so a valid file never meets backpressure.
    while (committing.size > 0 && committingEvents + events.length > MAX_COMMITTING_EVENTS) {
      await Promise.race(committing);
    }
    if (commitFailure) throw commitFailure;
    committingEvents += events.length;
    const done: Promise<void> = submit(events).then(
      (receipts) => {
        options.onStored?.(response.lines, receipts);
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
    // Not destroyed when a failure ends the loop: the caller still answers over the same socket.
    for await (const chunk of input.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
      // An own buffer, moved to the thread without copying again (a stream set to text gives strings).
      const copy =
        typeof chunk === "string" ? new Uint8Array(Buffer.from(chunk, "utf8")) : new Uint8Array(chunk);
      preparing.push(session.push(copy));
      if (preparing.length >= MAX_PREPARING)
        await commit(await (preparing.shift() as Promise<PrepareResponse>));
    }
    ended = true;
    preparing.push(session.end());
    for (const pending of preparing.splice(0)) await commit(await pending);
    await Promise.all(committing);
    if (commitFailure) throw commitFailure;
  } catch (error) {
    // Whatever was already handed to the log finishes (and is reported) before the failure is.
    await Promise.allSettled(committing);
    throw error;
  } finally {
    // A failed input still ends its session, so the thread forgets its partial line.
    if (!ended) session.end().catch(() => {});
    if (!options.pool) await pool.close();
  }
  options.onProgress?.(summary);
  return summary;
}
