import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { applyWritePragmas, INSERT_EVENT_SQL, UPSERT_TILE_SQL } from "./sqlite-schema.js";
import type { BatchRequest, WriterRequest, WriterResponse } from "./writer-protocol.js";

/**
 * The SQLite writer thread. It holds the write connection and commits each batch — events and
 * tiles in one `BEGIN IMMEDIATE` transaction, fsynced by `synchronous=FULL` — while the main
 * thread keeps validating, hashing and answering reads. Without it every commit would stall the
 * event loop for the duration of the index updates and the fsync.
 */

const { path } = workerData as { path: string };
const db = new Database(path);
applyWritePragmas(db, "writer");
const insertEvent = db.prepare(INSERT_EVENT_SQL);
const upsertTile = db.prepare(UPSERT_TILE_SQL);
const currentSize = db.prepare("SELECT coalesce(max(seq) + 1, 0) FROM events").pluck();

const statements = new Map<string, Database.Statement>();
function statement(sql: string): Database.Statement {
  let s = statements.get(sql);
  if (!s) {
    s = db.prepare(sql);
    statements.set(sql, s);
  }
  return s;
}

class Mismatch extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`store holds ${actual} events, the appender expected ${expected}`);
  }
}

const append = db.transaction((b: BatchRequest) => {
  const actual = currentSize.get() as number;
  if (actual !== b.expectedSize) throw new Mismatch(b.expectedSize, actual);
  for (let i = 0; i < b.json.length; i++) {
    insertEvent.run(
      b.seq[i],
      b.ids[i],
      b.ts[i],
      b.actions[i],
      b.categories[i],
      b.outcomes[i],
      b.sev[i],
      b.actors[i],
      b.targets[i],
      b.tenants[i],
      b.json[i],
    );
  }
  // Buffers arrive as plain Uint8Arrays; better-sqlite3 binds a Buffer as a BLOB.
  for (const t of b.tiles) {
    upsertTile.run(t.level, t.index, Buffer.from(t.hashes.buffer, t.hashes.byteOffset, t.hashes.byteLength));
  }
});

parentPort?.postMessage("ready");
parentPort?.on("message", (request: WriterRequest | "close") => {
  if (request === "close") {
    db.close();
    parentPort?.close();
    return;
  }
  let response: WriterResponse;
  try {
    if (request.kind === "batch") append.immediate(request);
    else
      statement(request.sql).run(
        ...request.params.map((p) => (p instanceof Uint8Array ? Buffer.from(p) : p)),
      );
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
        : {
            id: request.id,
            ok: false,
            message: (error as Error).message,
            code: (error as { code?: string }).code,
          };
  }
  parentPort?.postMessage(response);
});
