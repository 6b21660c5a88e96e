import { SealtrailError } from "../errors.js";

/**
 * Binds an event to the tenant of the key that writes it: an event without `tenant` gets it, an
 * event naming another tenant is refused. Anything that is not an event object passes unchanged
 * (validation rejects it next, with its own message).
 *
 * @example
 * ```ts
 * bindTenant({ action: "user.login" }, "acme"); // { action: "user.login", tenant: "acme" }
 * bindTenant({ action: "user.login", tenant: "globex" }, "acme"); // throws ST_ERR_EVENT_TENANT
 * ```
 */
export function bindTenant(input: unknown, tenant: string): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const given = (input as { tenant?: unknown }).tenant;
  if (given === undefined) return { ...input, tenant };
  if (given !== tenant) {
    throw new SealtrailError(
      "ST_ERR_EVENT_TENANT",
      `tenant: expected "${tenant}" (the tenant of the writing key) or no tenant`,
    );
  }
  return input;
}
