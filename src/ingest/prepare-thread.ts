import { parentPort, workerData } from "node:worker_threads";
import type { EventLimits } from "../event/event-limits.js";
import type { EventTransform } from "../event/prepare-event.js";
import { NdjsonSplitter } from "./ndjson-lines.js";
import { prepareLines, type RejectedLine } from "./prepare-lines.js";
import { type PreparedColumns, packPrepared, preparedTransferables } from "./prepared-columns.js";
import { buildTransforms, type TransformSpec } from "./transform-spec.js";

/**
 * The NDJSON preparing thread behind {@link PreparePool}: it splits, parses, validates and
 * canonicalizes input chunks while the main thread hashes and sequences, and the writer thread
 * commits. Any number of inputs (sessions) share it; each keeps its own partial line and line
 * numbers. Answers every request, in the order received, with the prepared events and rejected lines.
 */

/**
 * A chunk of one session's input bytes, or the end of that input. The first request of a
 * session carries its own transforms (run after the pool's).
 */
export type PrepareRequest =
  | { session: number; chunk: Uint8Array; transforms?: readonly TransformSpec[] }
  | { session: number; end: true; transforms?: readonly TransformSpec[] };
/** The answer to one {@link PrepareRequest}. */
export interface PrepareResponse {
  prepared: PreparedColumns;
  /** The line number of each prepared event. */
  lines: Uint32Array;
  rejected: RejectedLine[];
}

const { limits, maxLineBytes, transforms } = workerData as {
  limits: EventLimits;
  maxLineBytes: number;
  transforms: readonly TransformSpec[];
};
const poolTransforms = buildTransforms(transforms);
const splitters = new Map<number, NdjsonSplitter>();
const sessionTransforms = new Map<number, readonly EventTransform[]>();

parentPort?.on("message", (request: PrepareRequest) => {
  let splitter = splitters.get(request.session);
  if (!splitter) {
    splitter = new NdjsonSplitter(maxLineBytes);
    splitters.set(request.session, splitter);
    sessionTransforms.set(request.session, [...poolTransforms, ...buildTransforms(request.transforms ?? [])]);
  }
  const stage = sessionTransforms.get(request.session) ?? poolTransforms;
  let lines: ReturnType<NdjsonSplitter["end"]>;
  if ("chunk" in request) {
    lines = splitter.push(
      Buffer.from(request.chunk.buffer, request.chunk.byteOffset, request.chunk.byteLength),
    );
  } else {
    lines = splitter.end();
    splitters.delete(request.session);
    sessionTransforms.delete(request.session);
  }
  const { prepared, lines: numbers, rejected } = prepareLines(lines, limits, stage);
  const columns = packPrepared(prepared);
  const lineNumbers = Uint32Array.from(numbers);
  parentPort?.postMessage({ prepared: columns, lines: lineNumbers, rejected } satisfies PrepareResponse, [
    ...preparedTransferables(columns),
    lineNumbers.buffer as ArrayBuffer,
  ]);
});
