/**
 * The SQLite schema, version 1. `events.body` is the canonical JSON exactly as hashed; the other
 * columns copy fields out of it for indexes. Tiles replace per-node rows. Indexes
 * only where queries need them; every index ends in the rowid (= seq), so `col = ? ORDER BY
 * seq` walks one index in log order.
 *
 * `consumers` and `outbox` (durable consumers, `consumer-store.ts`) came later, within version 1:
 * they are new tables that nothing else reads, made by the `CREATE … IF NOT EXISTS` that every
 * writable open runs, so a store made before them gains them when it is next opened for writing,
 * and an older Sealtrail still opens a store that has them. The version changes only when
 * existing tables change meaning, which an older Sealtrail must then refuse.
 */
export const SCHEMA_VERSION = 1;

/** Creates the tables and indexes of schema version {@link SCHEMA_VERSION} (idempotent). */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  action TEXT NOT NULL,
  category TEXT NOT NULL,
  outcome TEXT NOT NULL,
  sev INTEGER NOT NULL,
  actor_id TEXT,
  target_id TEXT,
  tenant TEXT,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events(id);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE INDEX IF NOT EXISTS events_action ON events(action);
CREATE INDEX IF NOT EXISTS events_outcome ON events(outcome);
CREATE INDEX IF NOT EXISTS events_actor ON events(actor_id) WHERE actor_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_target ON events(target_id) WHERE target_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_tenant ON events(tenant) WHERE tenant IS NOT NULL;
CREATE TABLE IF NOT EXISTS tiles (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hashes BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  origin TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, next_seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumers (
  name TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  state TEXT,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  consumer TEXT NOT NULL,
  lane TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_consumer ON outbox(consumer);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(consumer, lane) WHERE status = 'pending';
`;

/** The columns of an outbox row, named as `OutboxMessage` names them. */
export const OUTBOX_COLUMNS =
  "id, consumer, lane, key, payload, status, attempts, next_attempt_at AS nextAttemptAt, created_at AS createdAt, updated_at AS updatedAt, last_error AS lastError";

/** Inserts one event row. */
export const INSERT_EVENT_SQL =
  "INSERT INTO events (seq, id, ts, action, category, outcome, sev, actor_id, target_id, tenant, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)";

/** Stores a tile, replacing a narrower partial one. */
export const UPSERT_TILE_SQL =
  "INSERT INTO tiles (level, idx, hashes) VALUES (?,?,?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes";

/** What a connection is for, which decides its settings. */
export type ConnectionRole =
  /** The writer thread's connection: commits every batch. */
  | "writer"
  /** The main connection when a writer thread commits: reads, and small writes (checkpoints, meta). */
  | "main"
  /** The only connection (no writer thread): commits batches itself. */
  | "single";

/**
 * Settings of every connection that may write: WAL and `synchronous=FULL` (a committed batch
 * survives power loss). The connection that commits batches gets a 64 MiB page cache so a large
 * batch's index pages stay in memory; the main connection keeps SQLite's small default, so scans
 * and exports stay flat in memory. With a writer thread, WAL checkpoints run on a thread of their
 * own (`wal-checkpointer.ts`) so no commit waits for one: the writer keeps only a 256 MiB backstop
 * and the main connection never checkpoints. Alone, a connection checkpoints every 8 192 pages.
 */
export function applyWritePragmas(db: { pragma(source: string): unknown }, role: ConnectionRole): void {
  db.pragma("busy_timeout = 10000");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma(`wal_autocheckpoint = ${role === "writer" ? 65536 : role === "main" ? 0 : 8192}`);
  if (role !== "main") db.pragma("cache_size = -65536");
}
