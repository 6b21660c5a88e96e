import { hostname } from "node:os";
import type { AuditEventInput } from "../event/audit-event.js";
import type { ApiKeyRecord, ApiKeyStore, NewApiKey } from "./api-key-store.js";

/**
 * Key changes recorded in the audit log (PCI DSS 10.2.1.5: changes to credentials), by whoever
 * makes them: the server's key routes, `sealtrail keys`, the demo.
 */

/** What recording a key change needs of the log: appending one event durably. */
export interface KeyChangeLog {
  append(event: AuditEventInput): Promise<unknown>;
}

/** Who made a key change. */
export type KeyChangeActor = NonNullable<AuditEventInput["actor"]>;

/** Where a key change was made: the command line, or a server request (named by its id). */
export type KeyChangeOrigin =
  | { readonly component: "cli" }
  | { readonly component: "server"; readonly requestId: string };

/**
 * Records a key being created or revoked by `by` (an admin key, or a local user), durably.
 *
 * @example
 * ```ts
 * await recordKeyChange(log, "revoke", record, { type: "user", id: "local:alice" });
 * ```
 */
export async function recordKeyChange(
  log: KeyChangeLog,
  change: "create" | "revoke",
  key: ApiKeyRecord,
  by: KeyChangeActor,
  origin: KeyChangeOrigin = { component: "cli" },
): Promise<void> {
  await log.append({
    action: `apikey.${change}`,
    category: "authentication",
    outcome: "success",
    severity: "notice",
    actor: by,
    target: { type: "api_key", id: key.id, ...(key.name ? { name: key.name } : {}) },
    // Where it happened (PCI DSS 10.2.2 asks for the origination of every entry).
    source: { tool: "sealtrail", host: hostname(), component: origin.component },
    ...(origin.component === "server" ? { context: { request_id: origin.requestId } } : {}),
    details: { role: key.role, ...(key.tenant === null ? {} : { tenant: key.tenant }) },
  });
}

/**
 * Creates a key and records its creation; when the record cannot be stored the key is revoked
 * at once, so no working key exists whose creation the log does not show.
 *
 * @example
 * ```ts
 * const { key } = await createRecordedKey(keys, log, { role: "reader" }, { type: "user", id: "local:alice" });
 * ```
 */
export async function createRecordedKey(
  keys: ApiKeyStore,
  log: KeyChangeLog,
  request: NewApiKey,
  by: KeyChangeActor,
  origin: KeyChangeOrigin = { component: "cli" },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const created = await keys.create(request);
  try {
    await recordKeyChange(log, "create", created.record, by, origin);
  } catch (error) {
    keys.revoke(created.record.id);
    throw error;
  }
  return created;
}
