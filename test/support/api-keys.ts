import { ApiKeyStore } from "../../src/access/api-key-store.js";
import { SqliteApiKeyTable } from "../../src/storage/sqlite/sqlite-api-key-table.js";
import { homePaths } from "../../src/storage/sqlite/sqlite-home.js";

/**
 * The API keys of a SQLite home, opened on their own (beside a server that has the same home
 * open, as a second process would). Close it when done.
 */
export function openApiKeys(home: string): ApiKeyStore {
  return new ApiKeyStore(SqliteApiKeyTable.open(homePaths(home).apiKeys));
}
