import type { ApiKeyRow, ApiKeyTable } from "../../access/api-key-table.js";

/**
 * API keys kept in process memory, for the in-memory storage.
 *
 * @example
 * ```ts
 * const keys = new ApiKeyStore(new MemoryApiKeyTable());
 * ```
 */
export class MemoryApiKeyTable implements ApiKeyTable {
  readonly #rows = new Map<string, ApiKeyRow>();

  insert(row: ApiKeyRow): void {
    if (this.#rows.has(row.id)) throw new Error(`API key ${row.id} already exists`);
    this.#rows.set(row.id, { ...row });
  }

  all(): ApiKeyRow[] {
    return [...this.#rows.values()].sort(
      (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
    );
  }

  byId(id: string): ApiKeyRow | undefined {
    const row = this.#rows.get(id);
    return row ? { ...row } : undefined;
  }

  revoke(id: string, at: string): void {
    const row = this.#rows.get(id);
    if (row && row.revoked_at === null) this.#rows.set(id, { ...row, revoked_at: at });
  }

  close(): void {
    // Nothing to release: the rows live as long as the storage that made this table.
  }
}
