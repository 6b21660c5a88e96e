import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { HASH_SIZE, leafHash } from "../../ledger/rfc6962.js";

/**
 * The leaf-hashing thread behind `SqliteDriver.scanLeafHashes`: it reads stored events on its
 * own read-only connection and hashes them, so `verify` uses both cores — this thread reads
 * and hashes leaves while the main thread rebuilds the tree from them. Each message asking for the
 * next run is answered with one run of consecutive seqs (or `done`).
 */

/** What the hasher sends back. */
export type LeafHasherMessage = { done: true } | { done: false; firstSeq: number; hashes: Uint8Array };

const { path, fromSeq, toSeq, chunk } = workerData as {
  path: string;
  fromSeq: number;
  toSeq: number;
  chunk: number;
};
const db = new Database(path, { readonly: true, fileMustExist: true });
const rows = db.prepare("SELECT seq, body FROM events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?").raw();
let next = fromSeq;

parentPort?.on("message", () => {
  const batch = rows.all(next, toSeq, chunk) as Array<[number, string]>;
  if (batch.length === 0) {
    parentPort?.postMessage({ done: true } satisfies LeafHasherMessage);
    return;
  }
  const firstSeq = (batch[0] as [number, string])[0];
  let count = 0;
  while (count < batch.length && (batch[count] as [number, string])[0] === firstSeq + count) count++;
  const hashes = new Uint8Array(count * HASH_SIZE);
  for (let i = 0; i < count; i++) hashes.set(leafHash((batch[i] as [number, string])[1]), i * HASH_SIZE);
  next = firstSeq + count;
  parentPort?.postMessage({ done: false, firstSeq, hashes } satisfies LeafHasherMessage, [hashes.buffer]);
});
