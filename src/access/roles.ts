/**
 * Roles and what they permit. A key has exactly one role; the server checks every route's
 * permission against it before anything else runs.
 */

/** The roles an API key can have. */
export const ROLES = ["writer", "reader", "auditor", "admin"] as const;
/** An API key's role. */
export type Role = (typeof ROLES)[number];

/** What a route needs. */
export type Permission =
  /** Append events. */
  | "events:write"
  /** Query, get by id, stats, live tail, the latest checkpoint (within the key's tenant). */
  | "events:read"
  /** Proofs of events, exports and tiles. */
  | "log:audit"
  /** Create, list and revoke keys; read metrics. */
  | "admin";

const GRANTS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  writer: new Set(["events:write"]),
  reader: new Set(["events:read"]),
  auditor: new Set(["events:read", "log:audit"]),
  admin: new Set(["events:write", "events:read", "log:audit", "admin"]),
};

/**
 * True when `role` carries `permission`.
 *
 * @example
 * ```ts
 * allows("auditor", "log:audit"); // true
 * allows("writer", "events:read"); // false
 * ```
 */
export function allows(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/**
 * The roles that carry `permission`, in the order of {@link ROLES}.
 *
 * @example
 * ```ts
 * rolesWith("log:audit"); // ["auditor", "admin"]
 * ```
 */
export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((role) => allows(role, permission));
}

/** True when `text` names a role. */
export function isRole(text: unknown): text is Role {
  return typeof text === "string" && (ROLES as readonly string[]).includes(text);
}
