import { SealtrailError } from "../../errors.js";
import type { EventTransform } from "../../event/prepare-event.js";

/** Binds events to the tenant of the key that writes them. */
export interface BindTenantSpec {
  readonly kind: "bind-tenant";
  readonly tenant: string;
}

/**
 * The tenant binding of a writing key: an event without `tenant` gets it, an event naming
 * another tenant is refused with `ST_ERR_EVENT_TENANT`.
 *
 * @example
 * ```ts
 * const bind = bindTenant({ kind: "bind-tenant", tenant: "acme" });
 * bind(normalizeEvent({ action: "user.login" })).tenant; // "acme"
 * bind(normalizeEvent({ action: "user.login", tenant: "globex" })); // throws ST_ERR_EVENT_TENANT
 * ```
 */
export function bindTenant(spec: BindTenantSpec): EventTransform {
  const { tenant } = spec;
  return (event) => {
    if (event.tenant === undefined) return { ...event, tenant };
    if (event.tenant !== tenant) {
      throw new SealtrailError(
        "ST_ERR_EVENT_TENANT",
        `tenant: expected "${tenant}" (the tenant of the writing key) or no tenant`,
        { details: { path: "tenant" } },
      );
    }
    return event;
  };
}
