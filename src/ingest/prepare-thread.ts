import { parentPort, workerData } from "node:worker_threads";
import type { EventLimits } from "../event/event-limits.js";
import { NdjsonSplitter } from "./ndjson-lines.js";
import { prepareLines, type RejectedLine } from "./prepare-lines.js";
import { type PreparedColumns, packPrepared, preparedTransferables } from "./prepared-columns.js";

/**
 * The NDJSON preparing thread behind {@link ingestNdjson}: it splits, parses, validates and
 * canonicalizes input chunks while the main thread hashes and sequences, and the writer thread
 * commits. Answers each chunk (and the end) with the prepared events and rejected lines, in order.
 */

/** A chunk of input bytes, or the end of input. */
export type PrepareRequest = { chunk: Uint8Array } | { end: true };
/** The answer to one {@link PrepareRequest}. */
export interface PrepareResponse {
  prepared: PreparedColumns;
  rejected: RejectedLine[];
}

const { limits, maxLineBytes } = workerData as { limits: EventLimits; maxLineBytes: number };
const splitter = new NdjsonSplitter(maxLineBytes);

parentPort?.on("message", (request: PrepareRequest) => {
  const lines =
    "chunk" in request
      ? splitter.push(Buffer.from(request.chunk.buffer, request.chunk.byteOffset, request.chunk.byteLength))
      : splitter.end();
  const { prepared, rejected } = prepareLines(lines, limits);
  const columns = packPrepared(prepared);
  parentPort?.postMessage(
    { prepared: columns, rejected } satisfies PrepareResponse,
    preparedTransferables(columns),
  );
});
