/**
 * The API-key table role: where a store keeps its API keys' records. Keys are mutable
 * configuration (revocation), the event store is append-only, so each storage keeps them apart
 * from the events (SQLite: `api-keys.db` beside the store). {@link ApiKeyStore} holds the rules
 * (hashing, validation, authentication); a table only keeps rows.
 *
 * Contract:
 * - `insert` MUST store the row durably before it resolves, and MUST reject a second row with
 *   the same id.
 * - `byId` MUST read the current row on every call (a key revoked by another process stops
 *   working at once).
 * - `revoke` MUST set `revoked_at` only when it is still `null`.
 */

/** A stored API key: never its secret, only a salted hash of it. */
export interface ApiKeyRow {
  readonly id: string;
  readonly role: string;
  readonly tenant: string | null;
  readonly name: string | null;
  /** `scrypt$N$r$p$<base64 salt>$<base64 hash>`. */
  readonly secret_hash: string;
  readonly created_at: string;
  readonly revoked_at: string | null;
}

/** Where a store keeps its API keys. */
export interface ApiKeyTable {
  insert(row: ApiKeyRow): void;
  /** Every row, oldest first (by `created_at`, then `id`). */
  all(): ApiKeyRow[];
  byId(id: string): ApiKeyRow | undefined;
  /** Sets `revoked_at` to `at` unless the key is already revoked. */
  revoke(id: string, at: string): void;
  close(): void;
}
