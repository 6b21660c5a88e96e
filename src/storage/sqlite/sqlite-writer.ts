import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { SealtrailError } from "../../errors.js";
import { SizeMismatchError } from "../storage-driver.js";
import { batchCommitter } from "./batch-committer.js";
import { consumerCommitter } from "./consumer-committer.js";
import { applyWritePragmas } from "./sqlite-schema.js";
import type { WriterRequest, WriterResponse } from "./writer-protocol.js";

/**
 * The SQLite writer thread. It holds the write connection and commits each batch — events and
 * tiles in one `BEGIN IMMEDIATE` transaction, fsynced by `synchronous=FULL` — while the main
 * thread keeps validating, hashing and answering reads. Without it every commit would stall the
 * event loop for the duration of the index updates and the fsync. Consumer commits and the small
 * writes (checkpoints, settings, cursors, outbox updates) go through it too.
 */

const { path } = workerData as { path: string };
const db = new Database(path);
applyWritePragmas(db, "writer");
const commitBatch = batchCommitter(db);
let commitConsumer: ReturnType<typeof consumerCommitter> | undefined;

const statements = new Map<string, Database.Statement>();
function statement(sql: string): Database.Statement {
  let s = statements.get(sql);
  if (!s) {
    s = db.prepare(sql);
    statements.set(sql, s);
  }
  return s;
}

parentPort?.postMessage("ready");
parentPort?.on("message", (request: WriterRequest | "close") => {
  if (request === "close") {
    db.close();
    parentPort?.close();
    return;
  }
  let response: WriterResponse;
  try {
    let result = 0;
    if (request.kind === "batch") commitBatch(request);
    else if (request.kind === "consumer") {
      commitConsumer ??= consumerCommitter(db);
      result = commitConsumer(request);
    } else
      result = statement(request.sql).run(
        ...request.params.map((p) => (p instanceof Uint8Array ? Buffer.from(p) : p)),
      ).changes;
    response = { id: request.id, ok: true, result };
  } catch (error) {
    response =
      error instanceof SizeMismatchError
        ? {
            id: request.id,
            ok: false,
            mismatch: { expected: error.expected, actual: error.actual },
            message: error.message,
          }
        : error instanceof SealtrailError
          ? {
              id: request.id,
              ok: false,
              refusal: { code: error.code, details: error.details },
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
