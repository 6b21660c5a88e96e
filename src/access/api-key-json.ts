import type { ApiKeyJson } from "../wire/keys.js";
import type { ApiKeyRecord } from "./api-key-store.js";

/**
 * A key's record as the server and `sealtrail keys … --json` show it: never its secret or hash.
 *
 * @example
 * ```ts
 * apiKeyJson(store.list()[0]); // { id: "0123456789abcdef", role: "reader", tenant: null, … }
 * ```
 */
export function apiKeyJson(record: ApiKeyRecord): ApiKeyJson {
  return {
    id: record.id,
    role: record.role,
    tenant: record.tenant,
    name: record.name,
    created_at: record.createdAt,
    revoked_at: record.revokedAt,
  };
}
