import { createHash } from "node:crypto";
import { SealtrailError } from "../errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The event id an `Idempotency-Key` header stands for: a UUID as it is (lowercased), any other
 * key a name-based UUID (RFC 9562 version 8, from SHA-256 of the key's tenant and the header), so
 * the same header from the same tenant always names the same event.
 *
 * @example
 * ```ts
 * eventIdForIdempotencyKey("order-1234-paid", "acme"); // "5b1e…-8…" (always the same)
 * ```
 */
export function eventIdForIdempotencyKey(header: string, tenant: string | null): string {
  const key = header.trim();
  if (key === "" || key.length > 256) {
    throw new SealtrailError("ST_ERR_USAGE", "Idempotency-Key: expected 1 to 256 characters");
  }
  if (UUID.test(key)) return key.toLowerCase();
  const bytes = createHash("sha256")
    .update(`sealtrail idempotency\0${tenant ?? ""}\0${key}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
