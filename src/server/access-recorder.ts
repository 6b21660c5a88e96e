import type { FastifyRequest } from "fastify";
import type { ApiKeyRecord } from "../access/api-key-store.js";
import type { AuditLog } from "../audit-log.js";
import { SealtrailError } from "../errors.js";
import type { AuditEventInput, JsonValue } from "../event/audit-event.js";
import type { DeniedAttempt } from "./authenticate.js";
import { clientSource } from "./client-source.js";
import { DenialThrottle } from "./denial-throttle.js";

/**
 * Records access to the audit log in the log itself (PCI DSS 10.2.1.3: all access to audit
 * logs; 10.2.1.4: invalid logical access attempts; 10.2.1.5: changes to credentials). A read is
 * recorded, durably, before its data is sent: a read that cannot be recorded is refused.
 */

/** The actor an API key is recorded as. */
export function actorOf(key: ApiKeyRecord, request?: FastifyRequest): NonNullable<AuditEventInput["actor"]> {
  const agent = request?.headers["user-agent"];
  return {
    type: "service",
    id: `apikey:${key.id}`,
    ...(key.name ? { name: key.name } : {}),
    ...(request ? { ip: request.ip } : {}),
    ...(typeof agent === "string" && agent !== "" ? { user_agent: agent.slice(0, 512) } : {}),
  };
}

/** What each kind of refusal is recorded as. */
const DENIAL_KINDS: Readonly<
  Record<number, { action: string; category: "authentication" | "authorization" }>
> & {
  403: { action: string; category: "authorization" };
} = {
  401: { action: "auth.api_key_rejected", category: "authentication" },
  403: { action: "authz.access_denied", category: "authorization" },
  429: { action: "auth.rate_limited", category: "authentication" },
};

/** Longest string and list kept of what a request asked for: the record must always fit an event. */
const MAX_TEXT = 1024;
const MAX_ITEMS = 64;

/** `details` cut to sizes every event accepts (request parameters are the caller's to choose). */
function bounded(details: Record<string, unknown>): Record<string, JsonValue> {
  const cut = (value: unknown): unknown => {
    if (typeof value === "string") return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
    if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map(cut);
    return value;
  };
  return Object.fromEntries(Object.entries(details).map(([k, v]) => [k, cut(v)])) as Record<
    string,
    JsonValue
  >;
}

/**
 * The server's recorder of access events.
 *
 * @example
 * ```ts
 * const access = new AccessRecorder(log);
 * await access.recordRead(request, "query", { filter: ["actor.id=alice"] });
 * ```
 */
export class AccessRecorder {
  readonly #log: AuditLog;

  readonly #throttle: DenialThrottle;
  readonly #timer: NodeJS.Timeout;

  /** `deniedPerMinute`: refusals recorded one by one per client address and minute; the rest are summed up. */
  constructor(log: AuditLog, deniedPerMinute = 30) {
    this.#log = log;
    this.#throttle = new DenialThrottle(deniedPerMinute);
    this.#timer = setInterval(() => void this.#recordSuppressed(false), 15_000);
    this.#timer.unref();
  }

  /** Records what is still only counted, and stops the summary timer. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#recordSuppressed(true);
  }

  async #recordSuppressed(all: boolean): Promise<void> {
    for (const s of this.#throttle.drain(Date.now(), all)) {
      await this.#log
        .append({
          action: "auth.denials_suppressed",
          category: "authentication",
          outcome: "failure",
          severity: "warning",
          actor: {
            type: "service",
            ...(s.source.includes("(") || s.source.includes("/") ? {} : { ip: s.source }),
          },
          target: { type: "audit_log", id: this.#log.origin },
          details: {
            suppressed: s.suppressed,
            window_start: new Date(s.windowStart).toISOString(),
            source: s.source,
          },
        })
        .catch((cause: unknown) =>
          process.emitWarning(
            `Sealtrail could not record ${s.suppressed} suppressed refusals: ${(cause as Error).message}`,
          ),
        );
    }
  }

  /**
   * Records that the request's key read audit data (`what`: query, get, stats, export, stream,
   * proof, entries). Resolves once the record is durable; rejects with
   * `ST_ERR_ACCESS_UNRECORDED` when it cannot be stored.
   */
  async recordRead(
    request: FastifyRequest,
    what: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const key = request.apiKey;
    if (!key) throw new SealtrailError("ST_ERR_HTTP_INTERNAL", "read recorded without an authenticated key");
    try {
      await this.#log.append({
        action: `audit_log.${what}`,
        category: "access",
        outcome: "success",
        actor: actorOf(key, request),
        target: { type: "audit_log", id: this.#log.origin },
        ...(key.tenant === null ? {} : { tenant: key.tenant }),
        context: { request_id: String(request.id) },
        details: bounded({
          method: request.method,
          path: request.url.split("?")[0] ?? "",
          role: key.role,
          ...details,
        }),
      });
    } catch (cause) {
      throw new SealtrailError(
        "ST_ERR_ACCESS_UNRECORDED",
        "the read could not be recorded in the audit log, so it was refused",
        {
          cause,
        },
      );
    }
  }

  /**
   * Records a refused request (401, 403, 429), up to the per-address budget (beyond it, refusals are
   * counted and recorded as one `auth.denials_suppressed` summary per address and minute). Never
   * throws: a failure to record is logged.
   */
  recordDenied(attempt: DeniedAttempt): void {
    const { request, error, keyId } = attempt;
    if (!this.#throttle.admit(clientSource(request.ip))) return;
    const agent = request.headers["user-agent"];
    const key = request.apiKey;
    const kind = DENIAL_KINDS[error.status] ?? DENIAL_KINDS[403];
    const event: AuditEventInput = {
      action: kind.action,
      category: kind.category,
      outcome: "failure",
      severity: "warning",
      // Only an authenticated key is named as the actor; a key id merely presented is a claim.
      actor: {
        type: "service",
        ...(key ? { id: `apikey:${key.id}` } : {}),
        ip: request.ip,
        ...(typeof agent === "string" && agent !== "" ? { user_agent: agent.slice(0, 512) } : {}),
      },
      target: { type: "audit_log", id: this.#log.origin },
      ...(key?.tenant ? { tenant: key.tenant } : {}),
      context: { request_id: String(request.id) },
      error: { code: error.code, message: error.message },
      details: {
        method: request.method,
        path: (request.url.split("?")[0] ?? "").slice(0, 1024),
        ...(!key && keyId ? { claimed_key_id: keyId } : {}),
      },
    };
    this.#log
      .append(event)
      .catch((cause: unknown) => request.log.error({ err: cause }, "a denied request could not be recorded"));
  }
}
