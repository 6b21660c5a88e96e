import type { Readable } from "node:stream";
import type { AuditLog } from "../audit-log.js";
import { SealtrailError } from "../errors.js";
import type { PreparedEvent } from "../event/prepared-event.js";
import type { AppendReceipt } from "../ingest/appender.js";
import { ndjsonLines } from "./ndjson-lines.js";

/** Totals of one ingest. */
export interface IngestSummary {
  /** Newly stored events. */
  accepted: number;
  /** Lines whose id was already stored (stored once, not again). */
  duplicates: number;
  /** Lines rejected, each reported through `onRejected`. */
  rejected: number;
}

/** Callbacks of {@link ingestStream}. */
export interface IngestCallbacks {
  /** A line was rejected: its 1-based number and the reason. */
  onRejected(line: number, reason: string): void;
  /** Called after each group of lines is handed to the log. */
  onProgress?(summary: Readonly<IngestSummary>): void;
}

/** Groups in flight at once: enough to keep the appender's batches full, bounded in memory. */
const MAX_IN_FLIGHT = 4;

/**
 * Ingests NDJSON from `input`: every valid line is stored, every invalid one rejected and
 * reported by number; nothing already accepted is lost when a later line is bad. Resolves once
 * every accepted event is durable.
 *
 * @example
 * ```ts
 * const summary = await ingestStream(log, createReadStream("events.ndjson"), {
 *   onRejected: (line, reason) => console.error(`line ${line}: ${reason}`),
 * });
 * ```
 */
export async function ingestStream(
  log: AuditLog,
  input: Readable,
  callbacks: IngestCallbacks,
): Promise<IngestSummary> {
  const summary: IngestSummary = { accepted: 0, duplicates: 0, rejected: 0 };
  const inFlight = new Set<Promise<void>>();
  const reject = (line: number, reason: string) => {
    summary.rejected++;
    callbacks.onRejected(line, reason);
  };
  const maxLineBytes = 4 * 1024 * 1024;
  for await (const group of ndjsonLines(input, maxLineBytes)) {
    const prepared: PreparedEvent[] = [];
    for (const line of group) {
      if (line.problem) {
        reject(line.number, line.problem);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(line.text);
      } catch (error) {
        reject(line.number, `invalid JSON: ${(error as Error).message}`);
        continue;
      }
      try {
        prepared.push(log.prepare(parsed));
      } catch (error) {
        if (!(error instanceof SealtrailError)) throw error;
        reject(line.number, error.message);
      }
    }
    const done: Promise<void> = log.submitPrepared(prepared).then((receipts: AppendReceipt[]) => {
      for (const r of receipts) {
        if (r.duplicate) summary.duplicates++;
        else summary.accepted++;
      }
      inFlight.delete(done);
    });
    inFlight.add(done);
    if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    callbacks.onProgress?.(summary);
  }
  await Promise.all(inFlight);
  callbacks.onProgress?.(summary);
  return summary;
}
