import type Database from "better-sqlite3";
import { SizeMismatchError } from "../storage-driver.js";
import { INSERT_EVENT_SQL, UPSERT_TILE_SQL } from "./sqlite-schema.js";
import type { BatchRequest } from "./writer-protocol.js";

/**
 * The one way a batch is committed, on the writer thread or (without one) on the main
 * connection: a `BEGIN IMMEDIATE` transaction that first checks the store holds exactly
 * `expectedSize` events (else {@link SizeMismatchError}, nothing stored), then inserts the rows
 * and stores the tiles.
 */
export function batchCommitter(db: Database.Database): (batch: BatchRequest) => void {
  const insertEvent = db.prepare(INSERT_EVENT_SQL);
  const upsertTile = db.prepare(UPSERT_TILE_SQL);
  const currentSize = db.prepare("SELECT coalesce(max(seq) + 1, 0) FROM events").pluck();
  const commit = db.transaction((b: BatchRequest) => {
    const actual = currentSize.get() as number;
    if (actual !== b.expectedSize) throw new SizeMismatchError(b.expectedSize, actual);
    const c = b.columns;
    for (let i = 0; i < b.json.length; i++) {
      insertEvent.run(
        b.seq[i],
        c.ids[i],
        c.ts[i],
        c.actions[i],
        c.categories[i],
        c.outcomes[i],
        c.sev[i],
        c.actors[i],
        c.targets[i],
        c.tenants[i],
        b.json[i],
      );
    }
    // Tiles that crossed threads arrive as plain Uint8Arrays; better-sqlite3 binds a Buffer as a BLOB.
    for (const t of b.tiles) {
      upsertTile.run(
        t.level,
        t.index,
        Buffer.from(t.hashes.buffer, t.hashes.byteOffset, t.hashes.byteLength),
      );
    }
  });
  return (batch) => commit.immediate(batch);
}
