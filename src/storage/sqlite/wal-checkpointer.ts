import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/**
 * The WAL checkpoint thread that runs beside the writer thread. Copying the WAL back into the
 * database and fsyncing it takes tens of milliseconds once the WAL is large; run inside a commit
 * (SQLite's automatic checkpoint), it would hold up every append waiting on that commit. Here,
 * passive checkpoints every 200 ms proceed while the writer keeps committing, and a final one
 * runs on close.
 */

const CHECKPOINT_INTERVAL_MS = 200;

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma("busy_timeout = 10000");
db.pragma("synchronous = FULL");

function checkpoint(): void {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or interrupted: the next round catches up; the writer keeps a backstop of its own.
  }
}

const timer = setInterval(checkpoint, CHECKPOINT_INTERVAL_MS);
parentPort?.on("message", (message: "close") => {
  if (message !== "close") return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort?.close();
});
