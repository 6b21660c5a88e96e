import type Database from "better-sqlite3";
import { consumerConflict } from "../consumer-store.js";
import type { ConsumerCommitRequest } from "./writer-protocol.js";

/**
 * The one way a consumer commit is made, on the writer thread or (without one) on the main
 * connection: a `BEGIN IMMEDIATE` transaction that first checks the stored revision is the
 * expected one (else `ST_ERR_STORE_CONSUMER_CONFLICT`, nothing stored), then stores the position
 * and state under the next revision and inserts the messages. Returns that revision.
 */
export function consumerCommitter(db: Database.Database): (commit: ConsumerCommitRequest) => number {
  const storedRevision = db.prepare("SELECT revision FROM consumers WHERE name = ?").pluck();
  const upsertConsumer = db.prepare(
    "INSERT INTO consumers (name, position, state, revision) VALUES (?,?,?,?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state, revision = excluded.revision",
  );
  const insertMessage = db.prepare(
    "INSERT INTO outbox (consumer, lane, key, payload, status, attempts, next_attempt_at, created_at, updated_at, last_error) VALUES (?,?,?,?,'pending',0,?,?,?,NULL)",
  );
  const commit = db.transaction((c: ConsumerCommitRequest): number => {
    const stored = (storedRevision.get(c.name) as number | undefined) ?? 0;
    if (stored !== c.expectedRevision) throw consumerConflict(c.name, c.expectedRevision, stored);
    const revision = stored + 1;
    upsertConsumer.run(c.name, c.position, c.state, revision);
    for (const m of c.messages) {
      insertMessage.run(c.name, m.lane, m.key, m.payload, m.notBefore ?? c.now, c.now, c.now);
    }
    return revision;
  });
  return (c) => commit.immediate(c);
}
