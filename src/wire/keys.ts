import type { FromSchema, JsonSchema } from "./json-schema.js";

/** API keys as the server and `sealtrail keys … --json` show them: never a secret or its hash, but the new key once. */

/** The roles a key can have (the same as `access/roles.ts`'s, which a test keeps in step). */
export const API_KEY_ROLES = ["writer", "reader", "auditor", "admin"] as const;

/** A key's record. */
export const API_KEY_SCHEMA = {
  type: "object",
  properties: {
    id: { type: "string", description: "The key id: the part of the key between stk_ and the secret" },
    role: { type: "string", enum: API_KEY_ROLES },
    tenant: { type: ["string", "null"], description: "The tenant the key is bound to" },
    name: { type: ["string", "null"] },
    created_at: { type: "string", description: "RFC 3339" },
    revoked_at: { type: ["string", "null"], description: "RFC 3339; null while the key works" },
  },
  required: ["id", "role", "tenant", "name", "created_at", "revoked_at"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * A key's record on the wire.
 *
 * @example
 * ```ts
 * const key: ApiKeyJson = {
 *   id: "0123456789abcdef", role: "reader", tenant: null, name: "dashboard",
 *   created_at: "2026-11-01T10:00:00.000Z", revoked_at: null,
 * };
 * ```
 */
export type ApiKeyJson = FromSchema<typeof API_KEY_SCHEMA>;

/**
 * A key's record as the store keeps it: what {@link apiKeyJson} reads.
 *
 * @example
 * ```ts
 * const record: ApiKeyFields = { id, role: "reader", tenant: null, name: null, createdAt, revokedAt: null };
 * ```
 */
export interface ApiKeyFields {
  readonly id: string;
  readonly role: ApiKeyJson["role"];
  readonly tenant: string | null;
  readonly name: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/**
 * A key's record on the wire: never its secret or hash.
 *
 * @example
 * ```ts
 * apiKeyJson(keys.list()[0]); // { id: "0123456789abcdef", role: "reader", tenant: null, … }
 * ```
 */
export function apiKeyJson(record: ApiKeyFields): ApiKeyJson {
  return {
    id: record.id,
    role: record.role,
    tenant: record.tenant,
    name: record.name,
    created_at: record.createdAt,
    revoked_at: record.revokedAt,
  };
}

/** `POST /v1/keys` (201) and `sealtrail keys create --json`: the record and the key itself, shown this once. */
export const CREATED_API_KEY_SCHEMA = {
  ...API_KEY_SCHEMA,
  properties: {
    ...API_KEY_SCHEMA.properties,
    key: { type: "string", description: "stk_<key id>_<secret>: shown in this answer only" },
  },
  required: [...API_KEY_SCHEMA.required, "key"],
} as const satisfies JsonSchema;

/**
 * A new key.
 *
 * @example
 * ```ts
 * const created: CreatedApiKey = await (await fetch(`${base}/v1/keys`, { method: "POST", headers, body })).json();
 * store(created.key);
 * ```
 */
export type CreatedApiKey = FromSchema<typeof CREATED_API_KEY_SCHEMA>;

/** `GET /v1/keys` and `sealtrail keys list --json`. */
export const API_KEY_LIST_SCHEMA = {
  type: "object",
  properties: { keys: { type: "array", items: API_KEY_SCHEMA } },
  required: ["keys"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * Every key.
 *
 * @example
 * ```ts
 * const { keys }: ApiKeyList = await (await fetch(`${base}/v1/keys`, { headers })).json();
 * ```
 */
export type ApiKeyList = FromSchema<typeof API_KEY_LIST_SCHEMA>;

/** The body of `POST /v1/keys`. */
export const NEW_API_KEY_SCHEMA = {
  type: "object",
  properties: {
    role: { type: "string", enum: API_KEY_ROLES },
    tenant: { type: "string", minLength: 1, maxLength: 128 },
    name: { type: "string", minLength: 1, maxLength: 256 },
  },
  required: ["role"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * What a new key is asked for with.
 *
 * @example
 * ```ts
 * const body: NewApiKeyRequest = { role: "writer", tenant: "acme", name: "billing service" };
 * ```
 */
export type NewApiKeyRequest = FromSchema<typeof NEW_API_KEY_SCHEMA>;
