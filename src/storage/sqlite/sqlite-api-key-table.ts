import { chmodSync, existsSync } from "node:fs";
import Database from "better-sqlite3";
import type { ApiKeyRow, ApiKeyTable } from "../../access/api-key-table.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  tenant TEXT,
  name TEXT,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
`;

/**
 * The API keys of a SQLite home, in their own file (`api-keys.db`, mode 0600) beside the store,
 * so that the event store stays append-only.
 *
 * @example
 * ```ts
 * const keys = new ApiKeyStore(SqliteApiKeyTable.open("./.sealtrail/api-keys.db"));
 * ```
 */
export class SqliteApiKeyTable implements ApiKeyTable {
  readonly #db: Database.Database;
  readonly #byId: Database.Statement<[string], ApiKeyRow>;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#byId = db.prepare<[string], ApiKeyRow>("SELECT * FROM api_keys WHERE id = ?");
  }

  /** Opens (creating if needed, mode 0600) the key file at `path`. */
  static open(path: string): SqliteApiKeyTable {
    const fresh = !existsSync(path);
    const db = new Database(path);
    if (fresh) chmodSync(path, 0o600);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
    return new SqliteApiKeyTable(db);
  }

  insert(row: ApiKeyRow): void {
    this.#db
      .prepare(
        "INSERT INTO api_keys (id, role, tenant, name, secret_hash, created_at, revoked_at) VALUES (@id, @role, @tenant, @name, @secret_hash, @created_at, @revoked_at)",
      )
      .run(row);
  }

  all(): ApiKeyRow[] {
    return this.#db.prepare<[], ApiKeyRow>("SELECT * FROM api_keys ORDER BY created_at, id").all();
  }

  byId(id: string): ApiKeyRow | undefined {
    return this.#byId.get(id);
  }

  revoke(id: string, at: string): void {
    this.#db.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
