import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from "fastify";
import type { ApiKeyRecord, ApiKeyStore } from "../access/api-key-store.js";
import { allows, type Permission, rolesWith } from "../access/roles.js";
import { SealtrailError } from "../errors.js";
import { clientSource } from "./client-source.js";
import { FailedAuthLimiter } from "./failed-auth-limiter.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** What the route needs; `"public"` for the few routes that need no key. Routes without one are admin-only. */
    permission?: Permission | "public";
    /**
     * What a request to the route asks to do, in words that follow "may not" ("read reports"):
     * refusals (401, 403) say it. Every route that needs a key has one (checked as routes are added).
     */
    asksTo?: string;
  }
  interface FastifyRequest {
    /** The authenticated key (`undefined` on public routes). */
    apiKey: ApiKeyRecord | undefined;
  }
}

/** A refused request, for the log of denied attempts. */
export interface DeniedAttempt {
  readonly request: FastifyRequest;
  readonly error: SealtrailError;
  /** The key id the request presented, when it had a well-formed one (never its secret). */
  readonly keyId?: string | undefined;
}

const DENIALS = new Set([
  "ST_ERR_AUTH_MISSING",
  "ST_ERR_AUTH_INVALID",
  "ST_ERR_AUTH_FORBIDDEN",
  "ST_ERR_EVENT_TENANT",
  "ST_ERR_HTTP_RATE_LIMITED",
]);

/**
 * The denied attempt `error` stands for, if it is a refusal (401 or 403, whether the hook or a
 * route decided it), else `undefined`.
 */
export function deniedAttempt(request: FastifyRequest, error: unknown): DeniedAttempt | undefined {
  if (!(error instanceof SealtrailError) || !DENIALS.has(error.code)) return undefined;
  const keyId = request.apiKey?.id ?? (error.details?.keyId as string | undefined);
  return { request, error, keyId };
}

/** Failed authentications per client address and minute before it is refused unchecked. */
const FAILED_AUTHENTICATIONS_PER_MINUTE = 20;
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const KEY_ID = /^stk_([0-9a-f]{16})_/;

/**
 * Authenticates every request before its body is read: a route's `config.permission` names
 * what it needs, the `Authorization: Bearer` key's role must allow it. Missing, unknown or
 * revoked keys get 401, a role that does not allow the route 403 (see {@link deniedAttempt} to
 * record them). A client address with 20 failed authentications in a minute gets 429 without its
 * key being checked (checking costs a slow hash) until the minute ends.
 *
 * @example
 * ```ts
 * registerAuthentication(app, log.apiKeys);
 * app.get("/v1/stats", { config: { permission: "events:read" } }, handler);
 * ```
 */
export function registerAuthentication(app: FastifyInstance, keys: ApiKeyStore): void {
  const failures = new FailedAuthLimiter(FAILED_AUTHENTICATIONS_PER_MINUTE);
  app.decorateRequest("apiKey", undefined);
  app.addHook("onRoute", (route) => {
    const config = route.config as FastifyContextConfig | undefined;
    if (config?.permission !== "public" && !config?.asksTo) {
      throw new Error(
        `${route.method} ${route.url}: a route that needs a key says what it asks to do (config.asksTo)`,
      );
    }
  });
  app.addHook("onRequest", async (request, reply) => {
    if (request.is404) return;
    const permission: Permission | "public" = request.routeOptions.config.permission ?? "admin";
    if (permission === "public") return;
    const header = request.headers.authorization;
    if (header === undefined) {
      reply.header("www-authenticate", 'Bearer realm="sealtrail"');
      throw new SealtrailError(
        "ST_ERR_AUTH_MISSING",
        `${asked(request)} needs an API key: expected an Authorization header \`Bearer stk_…\``,
      );
    }
    const source = clientSource(request.ip);
    const wait = failures.retryAfter(source);
    if (wait !== undefined) {
      reply.header("retry-after", String(wait));
      throw new SealtrailError(
        "ST_ERR_HTTP_RATE_LIMITED",
        `too many failed authentications from this address; retry in ${wait} s`,
      );
    }
    const token = BEARER.exec(header)?.[1];
    const keyId = token === undefined ? undefined : KEY_ID.exec(token)?.[1];
    const key = token === undefined ? undefined : await keys.authenticate(token);
    if (!key) {
      failures.failed(source);
      reply.header("www-authenticate", 'Bearer realm="sealtrail", error="invalid_token"');
      throw new SealtrailError(
        "ST_ERR_AUTH_INVALID",
        `${asked(request)} needs a valid API key: the Authorization header's key is ${token === undefined ? "not `Bearer stk_…`" : "malformed, unknown or revoked"}`,
        { details: { keyId } },
      );
    }
    // Known before the role check, so that a refusal is recorded with the key's tenant.
    request.apiKey = key;
    if (!allows(key.role, permission)) throw forbidden(request, key, permission);
  });
}

/** The key of an authenticated route's request. */
export function keyOf(request: FastifyRequest): ApiKeyRecord {
  if (!request.apiKey)
    throw new SealtrailError("ST_ERR_HTTP_INTERNAL", "route reached without an authenticated key");
  return request.apiKey;
}

/**
 * Refuses the request unless its key's role carries `permission`, for what an option of a route
 * asks beyond the route itself (`asksTo`: "read inclusion proofs").
 */
export function requirePermission(request: FastifyRequest, permission: Permission, asksTo: string): void {
  const key = keyOf(request);
  if (!allows(key.role, permission)) throw forbidden(request, key, permission, asksTo);
}

/** What the request asked, for refusals: "read reports (GET /v1/reports/access)". */
function asked(request: FastifyRequest, asksTo = request.routeOptions.config.asksTo): string {
  const path = request.url.split("?")[0] ?? request.url;
  return `${asksTo ?? "this request"} (${request.method} ${path})`;
}

function forbidden(
  request: FastifyRequest,
  key: ApiKeyRecord,
  permission: Permission,
  asksTo?: string,
): SealtrailError {
  const roles = rolesWith(permission);
  const may =
    roles.length === 1
      ? `only ${roles[0]} keys may`
      : `${roles.slice(0, -1).join(", ")} and ${roles.at(-1)} keys may`;
  return new SealtrailError(
    "ST_ERR_AUTH_FORBIDDEN",
    `the ${key.role} key ${key.id} may not ${asked(request, asksTo)}: ${may}`,
  );
}
