import type { Tile } from "../../ledger/tiles.js";
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
  ts: Float64Array;
  sev: Uint8Array;
  ids: string[];
  actions: string[];
  categories: string[];
  outcomes: string[];
  actors: (string | null)[];
  targets: (string | null)[];
  tenants: (string | null)[];
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
 * A request to the writer thread. Every write goes through it: a write on the main connection
 * would wait, blocking the event loop, whenever the writer holds the lock.
 */
export type WriterRequest = BatchRequest | StatementRequest;

/** The writer's answer to one {@link WriterRequest}. */
export type WriterResponse =
  | { id: number; ok: true }
  | {
      id: number;
      ok: false;
      mismatch?: { expected: number; actual: number };
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
  const n = rows.length;
  const request: BatchRequest = {
    kind: "batch",
    id,
    expectedSize,
    seq: new Float64Array(n),
    ts: new Float64Array(n),
    sev: new Uint8Array(n),
    ids: new Array(n),
    actions: new Array(n),
    categories: new Array(n),
    outcomes: new Array(n),
    actors: new Array(n),
    targets: new Array(n),
    tenants: new Array(n),
    json: new Array(n),
    tiles,
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i] as SealedRow;
    request.seq[i] = r.seq;
    request.ts[i] = r.timestampMs;
    request.sev[i] = r.severityLevel;
    request.ids[i] = r.id;
    request.actions[i] = r.action;
    request.categories[i] = r.category;
    request.outcomes[i] = r.outcome;
    request.actors[i] = r.actorId;
    request.targets[i] = r.targetId;
    request.tenants[i] = r.tenant;
    request.json[i] = r.json;
  }
  return request;
}
