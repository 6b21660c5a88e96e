import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { AuditEvent } from "../../event/audit-event.js";
import { HASH_SIZE, leafHash } from "../../ledger/rfc6962.js";
import { firstColumnMismatch, type IndexedColumns, indexedColumns } from "../indexed-columns.js";

/**
 * The leaf-hashing thread behind `SqliteDriver.scanLeafHashes`: it reads stored events on its
 * own read-only connection and hashes them, so `verify` uses both cores — this thread reads
 * and hashes leaves while the main thread rebuilds the tree from them. Each message asking for the
 * next run is answered with one run of consecutive seqs (or `done`).
 */

/** What the hasher sends back. */
export type LeafHasherMessage =
  | { done: true }
  | { done: false; firstSeq: number; hashes: Uint8Array; columnMismatch?: { seq: number; column: string } };

const { path, fromSeq, toSeq, chunk, checkColumns } = workerData as {
  path: string;
  fromSeq: number;
  toSeq: number;
  chunk: number;
  checkColumns: boolean;
};
const db = new Database(path, { readonly: true, fileMustExist: true });
const columns = checkColumns ? ", id, ts, action, category, outcome, sev, actor_id, target_id, tenant" : "";
const rows = db
  .prepare(`SELECT seq, body${columns} FROM events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?`)
  .raw();
let next = fromSeq;

type Row = [
  number,
  string,
  string,
  number,
  string,
  string,
  string,
  number,
  string | null,
  string | null,
  string | null,
];

/** The first indexed column of `row` that its JSON does not imply. */
function mismatch(row: Row): string | undefined {
  const [, body, id, ts, action, category, outcome, sev, actorId, targetId, tenant] = row;
  const stored = {
    id,
    timestampMs: ts,
    action,
    category,
    outcome,
    severityLevel: sev,
    actorId,
    targetId,
    tenant,
  };
  let implied: IndexedColumns;
  try {
    implied = indexedColumns(JSON.parse(body) as AuditEvent);
  } catch {
    return "body";
  }
  return firstColumnMismatch(stored, implied);
}

parentPort?.on("message", () => {
  const batch = rows.all(next, toSeq, chunk) as Row[];
  if (batch.length === 0) {
    parentPort?.postMessage({ done: true } satisfies LeafHasherMessage);
    return;
  }
  const firstSeq = (batch[0] as Row)[0];
  let count = 0;
  let columnMismatch: { seq: number; column: string } | undefined;
  while (count < batch.length && (batch[count] as Row)[0] === firstSeq + count) {
    const column = checkColumns ? mismatch(batch[count] as Row) : undefined;
    count++;
    if (column) {
      columnMismatch = { seq: firstSeq + count - 1, column };
      break;
    }
  }
  const hashes = new Uint8Array(count * HASH_SIZE);
  for (let i = 0; i < count; i++) hashes.set(leafHash((batch[i] as Row)[1]), i * HASH_SIZE);
  next = firstSeq + count;
  parentPort?.postMessage(
    {
      done: false,
      firstSeq,
      hashes,
      ...(columnMismatch ? { columnMismatch } : {}),
    } satisfies LeafHasherMessage,
    [hashes.buffer],
  );
});
