/**
 * A consumer for the follower crash test, run as its own process:
 * `node follower-child.js HOME OUT TOTAL SEED`. It follows the store at HOME under the name
 * "crash-consumer" and writes every seq it sees, with its position, into its own SQLite file OUT
 * in one transaction per batch (so its output and its position never disagree), pausing at
 * random between batches. It resumes from the position in OUT, acknowledges it in the store too,
 * and exits once it has processed TOTAL events.
 */
import Database from "better-sqlite3";
import { AuditLog } from "../../src/audit-log.js";

const [home, out, totalText, seedText] = process.argv.slice(2) as [string, string, string, string];
const total = Number(totalText);
let seed = Number(seedText) >>> 0;
const random = () => {
  seed = (seed * 1_664_525 + 1_013_904_223) >>> 0;
  return seed / 2 ** 32;
};

const db = new Database(out);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.exec(`CREATE TABLE IF NOT EXISTS seen (n INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS position (id INTEGER PRIMARY KEY CHECK (id = 0), next_seq INTEGER NOT NULL);`);
const fromSeq =
  (db.prepare("SELECT next_seq FROM position WHERE id = 0").pluck().get() as number | undefined) ?? 0;
const insert = db.prepare("INSERT INTO seen (seq) VALUES (?)");
const move = db.prepare(
  "INSERT INTO position (id, next_seq) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET next_seq = excluded.next_seq",
);
const commit = db.transaction((seqs: number[], nextSeq: number) => {
  for (const seq of seqs) insert.run(seq);
  move.run(nextSeq);
});

const log = await AuditLog.open({ home, create: false, readMostly: true, checkpointIntervalMs: 0 });
const follower = log.follow("crash-consumer", {
  fromSeq,
  batchSize: 1 + Math.floor(random() * 700),
  pollMs: 20,
});
process.stdout.write(`resuming at ${fromSeq}\n`);
for await (const batch of follower.batches()) {
  if (random() < 0.3) await new Promise((r) => setTimeout(r, random() * 40));
  commit(
    batch.events.map((e) => e.seq),
    batch.nextSeq,
  );
  await follower.ack(batch.nextSeq);
  if (batch.nextSeq >= total) break;
}
await log.close();
db.close();
