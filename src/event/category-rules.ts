import type { Category } from "./audit-event.js";

/**
 * How a category is derived from an action when the producer gives none: first by the action's
 * domain (the part before the first dot), then by its verb (the last part), else `other`: an
 * unknown domain is not guessed to be any category that means something (a compliance control
 * counting `system` events must not be met by an action nobody classified).
 */

const BY_DOMAIN: Readonly<Record<string, Category>> = {
  auth: "authentication",
  authn: "authentication",
  login: "authentication",
  logout: "authentication",
  session: "authentication",
  mfa: "authentication",
  sso: "authentication",
  password: "authentication",
  token: "authentication",
  user: "account",
  account: "account",
  group: "account",
  role: "authorization",
  permission: "authorization",
  authz: "authorization",
  grant: "authorization",
  access: "access",
  config: "configuration",
  configuration: "configuration",
  settings: "configuration",
  feature_flag: "configuration",
  data: "data",
  record: "data",
  file: "data",
  lead: "data",
  crm: "data",
  email: "data",
  document: "data",
  export: "data",
  key: "key_management",
  kms: "key_management",
  secret: "key_management",
  certificate: "certificate",
  cert: "certificate",
  tls: "certificate",
  package: "package",
  pkg: "package",
  npm: "package",
  dependency: "package",
  vulnerability: "package",
  scan: "package",
  integrity: "package",
  policy: "policy",
  compliance: "policy",
  incident: "incident",
  alert: "incident",
  intrusion: "incident",
  threat: "incident",
  system: "system",
  service: "system",
  process: "system",
  audit: "system",
  workflow: "system",
  performance: "performance",
  perf: "performance",
  metric: "performance",
  timing: "performance",
};

/** Authentication verbs win over the domain (`user.login` is authentication, not account). */
const AUTHENTICATION_VERBS = new Set([
  "login",
  "logout",
  "login_failed",
  "authenticate",
  "mfa_challenge",
  "password_reset",
]);
const ACCESS_VERBS = new Set(["read", "view", "access", "download", "list", "search", "open"]);

/**
 * Derives the category of an action.
 *
 * @example
 * ```ts
 * categoryOf("user.login"); // "authentication"
 * categoryOf("key.rotate"); // "key_management"
 * categoryOf("widget.frobnicate"); // "other"
 * ```
 */
export function categoryOf(action: string): Category {
  const dot = action.indexOf(".");
  const domain = (dot < 0 ? action : action.slice(0, dot)).toLowerCase();
  const verb = action.slice(action.lastIndexOf(".") + 1).toLowerCase();
  if (AUTHENTICATION_VERBS.has(verb)) return "authentication";
  // Own keys only: "constructor.x" or "__proto__.x" must not find Object.prototype's members.
  const byDomain = Object.hasOwn(BY_DOMAIN, domain) ? BY_DOMAIN[domain] : undefined;
  if (byDomain) return byDomain;
  if (ACCESS_VERBS.has(verb)) return "access";
  return "other";
}
