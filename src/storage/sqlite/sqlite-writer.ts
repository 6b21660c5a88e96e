import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { Tile } from "../../ledger/tiles.js";
import type { SealedRow } from "../storage-driver.js";

/**
 * The SQLite writer thread. It holds the one write connection and commits each batch — events
 * and tiles in one `BEGIN IMMEDIATE` transaction, fsynced by `synchronous=FULL` — while the main
 * thread keeps validating, hashing and answering reads. Without it every commit would stall the
 * event loop for the duration of the index updates and the fsync.
 */

/** A request to the writer. */
export type WriterRequest = {
  id: number;
  expectedSize: number;
  rows: readonly SealedRow[];
  tiles: readonly Tile[];
};
/** The writer's answer. */
export type WriterResponse =
  | { id: number; ok: true }
  | { id: number; ok: false; mismatch?: { expected: number; actual: number }; message: string };

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma("busy_timeout = 10000");
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("cache_size = -65536");
db.pragma("wal_autocheckpoint = 8192");

const insertEvent = db.prepare(
  "INSERT INTO events (seq, id, ts, action, category, outcome, sev, actor_id, target_id, tenant, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
);
const upsertTile = db.prepare(
  "INSERT INTO tiles (level, idx, hashes) VALUES (?,?,?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
);
const currentSize = db.prepare("SELECT coalesce(max(seq) + 1, 0) FROM events").pluck();

class Mismatch extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`store holds ${actual} events, the appender expected ${expected}`);
  }
}

const append = db.transaction((expectedSize: number, rows: readonly SealedRow[], tiles: readonly Tile[]) => {
  const actual = currentSize.get() as number;
  if (actual !== expectedSize) throw new Mismatch(expectedSize, actual);
  for (const r of rows) {
    insertEvent.run(
      r.seq,
      r.id,
      r.timestampMs,
      r.action,
      r.category,
      r.outcome,
      r.severityLevel,
      r.actorId,
      r.targetId,
      r.tenant,
      r.json,
    );
  }
  for (const t of tiles)
    upsertTile.run(t.level, t.index, Buffer.from(t.hashes.buffer, t.hashes.byteOffset, t.hashes.byteLength));
});

parentPort?.on("message", (request: WriterRequest | "close") => {
  if (request === "close") {
    db.close();
    parentPort?.close();
    return;
  }
  let response: WriterResponse;
  try {
    append.immediate(request.expectedSize, request.rows, request.tiles);
    response = { id: request.id, ok: true };
  } catch (error) {
    response =
      error instanceof Mismatch
        ? {
            id: request.id,
            ok: false,
            mismatch: { expected: error.expected, actual: error.actual },
            message: error.message,
          }
        : { id: request.id, ok: false, message: (error as Error).message };
  }
  parentPort?.postMessage(response);
});
