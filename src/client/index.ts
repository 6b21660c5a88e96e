/**
 * `sealtrail/client`: the HTTP client of a Sealtrail server. It loads neither the store nor any
 * native module, only `fetch`.
 *
 * @example
 * ```ts
 * import { SealtrailClient, SealtrailClientError } from "sealtrail/client";
 *
 * const client = new SealtrailClient({ url: "http://127.0.0.1:7469", apiKey: process.env.SEALTRAIL_API_KEY! });
 * try {
 *   await client.record({ action: "user.login", actor: { id: "alice" }, outcome: "success" });
 * } catch (e) {
 *   if (e instanceof SealtrailClientError) console.error(e.code, e.detail);
 * }
 * await client.close();
 * ```
 */

export { parseRetryAfter } from "../delivery/retry-policy.js";
export type { AuditEvent, AuditEventInput } from "../event/audit-event.js";
export {
  CLIENT_ERROR_CODES,
  type ClientErrorCode,
  SealtrailClientError,
  type SealtrailClientErrorInit,
} from "./client-errors.js";
export type {
  ClientConsistencyProof,
  ClientCountRow,
  ClientEvent,
  ClientFilter,
  ClientInclusionProof,
  ClientQueryOptions,
  ClientQueryPage,
  ClientStats,
  RecordReceipt,
} from "./client-types.js";
export { SealtrailClient, type SealtrailClientOptions } from "./sealtrail-client.js";
