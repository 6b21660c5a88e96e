import type { ErrorCode } from "../../errors.js";
import type { Tile } from "../../ledger/tiles.js";
import type { OutboxMessageInput } from "../consumer-store.js";
import { type IndexedColumnArrays, packIndexedColumns } from "../indexed-columns.js";
import type { SealedRow } from "../storage-driver.js";

/**
 * Messages between the SQLite driver and its writer thread. A batch travels as columns: typed
 * arrays and arrays of strings clone between threads far faster than one object per row.
 */
export interface BatchRequest {
  kind: "batch";
  id: number;
  expectedSize: number;
  seq: Float64Array;
  columns: IndexedColumnArrays;
  json: string[];
  tiles: readonly Tile[];
}

/** One small write (a checkpoint, a setting, a cursor) made on the writer's connection. */
export interface StatementRequest {
  kind: "run";
  id: number;
  sql: string;
  params: unknown[];
}

/**
 * One consumer commit (`consumer-committer.ts`): position, state and outbox messages in one
 * transaction, fenced by the revision the consumer expects (0: none stored).
 */
export interface ConsumerCommitRequest {
  kind: "consumer";
  id: number;
  name: string;
  expectedRevision: number;
  position: number;
  state: string | null;
  messages: OutboxMessageInput[];
  /** The commit's time (ms): the messages' `createdAt`, and their first attempt unless `notBefore`. */
  now: number;
}

/**
 * A request to the writer thread. Every write goes through it: a write on the main connection
 * would wait, blocking the event loop, whenever the writer holds the lock.
 */
export type WriterRequest = BatchRequest | StatementRequest | ConsumerCommitRequest;

/**
 * The writer's answer to one {@link WriterRequest}. `result`: the rows a statement changed, the
 * revision a consumer commit stored, 0 for a batch. `refusal`: a Sealtrail error the request
 * met (rebuilt on the main thread with its code; errors do not cross threads whole).
 */
export type WriterResponse =
  | { id: number; ok: true; result: number }
  | {
      id: number;
      ok: false;
      mismatch?: { expected: number; actual: number };
      refusal?: { code: ErrorCode; details: Record<string, unknown> | undefined };
      message: string;
      code?: string;
    };

/** Packs a batch into a {@link BatchRequest}. */
export function toWriterRequest(
  id: number,
  expectedSize: number,
  rows: readonly SealedRow[],
  tiles: readonly Tile[],
): BatchRequest {
  return {
    kind: "batch",
    id,
    expectedSize,
    // Rows are consecutive from expectedSize (the appender's contract), but carried as given.
    seq: new Float64Array(rows.map((r) => r.seq)),
    columns: packIndexedColumns(rows),
    json: rows.map((r) => r.json),
    tiles,
  };
}
