import type { HttpAnswer, HttpDeliveryError } from "../delivery/http-transport.js";
import { describeFetchError } from "../delivery/http-transport.js";
import { ERROR_CODES } from "../errors.js";

/**
 * The client's errors: {@link SealtrailClientError}, and how each failure becomes one (a
 * server's RFC 9457 problem, a batch element's error, no answer, an answer not understood).
 */

/** The client's own error codes (in the one registry, `errors.ts`), with their descriptions. */
export const CLIENT_ERROR_CODES = {
  ST_ERR_CLIENT_NETWORK: ERROR_CODES.ST_ERR_CLIENT_NETWORK.description,
  ST_ERR_CLIENT_HTTP: ERROR_CODES.ST_ERR_CLIENT_HTTP.description,
  ST_ERR_CLIENT_RESPONSE: ERROR_CODES.ST_ERR_CLIENT_RESPONSE.description,
  ST_ERR_CLIENT_CLOSED: ERROR_CODES.ST_ERR_CLIENT_CLOSED.description,
} as const;

/**
 * A code of {@link CLIENT_ERROR_CODES}.
 *
 * @example
 * ```ts
 * const code: ClientErrorCode = "ST_ERR_CLIENT_NETWORK";
 * ```
 */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;

/** What {@link SealtrailClientError} is made of. */
export interface SealtrailClientErrorInit {
  /** The HTTP status; `0` when there was no answer. */
  readonly status: number;
  /** The server's error code (`ST_ERR_EVENT_INVALID`, …) or one of {@link CLIENT_ERROR_CODES}. */
  readonly code: string;
  /** What went wrong, as the server said it. */
  readonly detail: string;
  /** The problem's `type` URI, when the server sent one. */
  readonly type?: string | undefined;
  /** The problem's `instance` (the request path), when the server sent one. */
  readonly instance?: string | undefined;
  /** The whole problem+json body, extensions included. */
  readonly problem?: Readonly<Record<string, unknown>> | undefined;
  /** The underlying error (for network failures, the `fetch` error). */
  readonly cause?: unknown;
}

/**
 * An error of the client: the server's RFC 9457 problem (`status`, `code`, `detail`), the problem
 * of one element of a batch, or a client-side failure (`ST_ERR_CLIENT_*`, status `0` when there
 * was no answer).
 *
 * @example
 * ```ts
 * try {
 *   await client.record({ action: "" });
 * } catch (e) {
 *   if (e instanceof SealtrailClientError && e.code === "ST_ERR_EVENT_INVALID") console.error(e.detail);
 * }
 * ```
 */
export class SealtrailClientError extends Error {
  /** The HTTP status; `0` when there was no answer. For an element of a batch, the status the server gives that code. */
  readonly status: number;
  /** The server's error code or one of {@link CLIENT_ERROR_CODES}. */
  readonly code: string;
  /** What went wrong. */
  readonly detail: string;
  /** The problem's `type` URI, if any. */
  readonly type: string | undefined;
  /** The problem's `instance`, if any. */
  readonly instance: string | undefined;
  /** The whole problem+json body (with its extensions, such as a failed batch's `results`), if any. */
  readonly problem: Readonly<Record<string, unknown>> | undefined;

  constructor(init: SealtrailClientErrorInit) {
    super(
      `${init.code}${init.status ? ` (${init.status})` : ""}: ${init.detail}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = "SealtrailClientError";
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.type = init.type;
    this.instance = init.instance;
    this.problem = init.problem;
  }
}

/**
 * The client error for a request that failed on its last attempt: `ST_ERR_CLIENT_NETWORK` when
 * nothing came back, else the answer's problem ({@link problemError}).
 *
 * @example
 * ```ts
 * deliveryError("POST", "/v1/events", err); // SealtrailClientError ST_ERR_CLIENT_NETWORK: POST /v1/events: fetch failed: …
 * ```
 */
export function deliveryError(method: string, path: string, error: HttpDeliveryError): SealtrailClientError {
  if (error.kind === "status" && error.answer) return problemError(error.answer);
  const cause = error.cause ?? error;
  return new SealtrailClientError({
    status: 0,
    code: "ST_ERR_CLIENT_NETWORK",
    detail: `${method} ${path}: ${describeFetchError(cause)}`,
    cause,
  });
}

/**
 * The problem+json of an error answer, or an `ST_ERR_CLIENT_HTTP` when it has none.
 *
 * @example
 * ```ts
 * problemError({ status: 502, statusText: "Bad Gateway", headers: new Headers(), text: "<html>" }).code; // "ST_ERR_CLIENT_HTTP"
 * ```
 */
export function problemError(answer: HttpAnswer): SealtrailClientError {
  const { status, statusText, text } = answer;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body) && typeof body.code === "string") {
    return new SealtrailClientError({
      status,
      code: body.code,
      detail: typeof body.detail === "string" ? body.detail : String(body.title ?? statusText),
      type: typeof body.type === "string" ? body.type : undefined,
      instance: typeof body.instance === "string" ? body.instance : undefined,
      problem: body,
    });
  }
  return new SealtrailClientError({
    status,
    code: "ST_ERR_CLIENT_HTTP",
    detail: `HTTP ${status} ${statusText}${text ? `: ${text.slice(0, 200)}` : ""}`,
  });
}

/**
 * The error of one element of a batch answer (`{index, error: {code, detail}}`), with the status
 * the registry gives its code; `ST_ERR_CLIENT_RESPONSE` when the answer has no result for it.
 *
 * @example
 * ```ts
 * elementError({ index: 1, error: { code: "ST_ERR_EVENT_INVALID", detail: "action: required" } }, 1).status; // 400
 * ```
 */
export function elementError(result: unknown, index: number): SealtrailClientError {
  const error = isRecord(result) ? result.error : undefined;
  if (isRecord(error) && typeof error.code === "string") {
    return new SealtrailClientError({
      status: (ERROR_CODES as Readonly<Record<string, { status: number }>>)[error.code]?.status ?? 400,
      code: error.code,
      detail: typeof error.detail === "string" ? error.detail : error.code,
    });
  }
  return responseError(`POST /v1/events: no result for element ${index} of the batch`);
}

/**
 * An `ST_ERR_CLIENT_RESPONSE`: the server's answer could not be understood.
 *
 * @example
 * ```ts
 * throw responseError("GET /v1/stats: the answer is not JSON");
 * ```
 */
export function responseError(detail: string, cause?: unknown): SealtrailClientError {
  return new SealtrailClientError({ status: 0, code: "ST_ERR_CLIENT_RESPONSE", detail, cause });
}

/**
 * `e` as a {@link SealtrailClientError}: itself, or an `ST_ERR_CLIENT_RESPONSE` wrapping it.
 *
 * @example
 * ```ts
 * asClientError(new Error("boom")).code; // "ST_ERR_CLIENT_RESPONSE"
 * ```
 */
export function asClientError(e: unknown): SealtrailClientError {
  if (e instanceof SealtrailClientError) return e;
  return responseError(e instanceof Error ? e.message : String(e), e);
}

/** True for a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
