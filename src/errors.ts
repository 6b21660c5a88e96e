/**
 * The one error registry of Sealtrail. Every error a caller can see carries a stable `code`
 * (`ST_ERR_<AREA>_<WHAT>`), the HTTP status a server maps it to, and, when it wraps a lower
 * layer's failure, that failure as `cause`. `docs/errors.md` documents every code; a test keeps
 * the two in step.
 *
 * @example
 * ```ts
 * throw new SealtrailError("ST_ERR_EVENT_INVALID", "actor.id: expected a string");
 * ```
 */

/**
 * Every error code with its HTTP status and a one-line description (mirrored in docs/errors.md).
 * `ST_ERR_CLIENT_*` codes are raised by `sealtrail/client` itself, never answered by a server:
 * their status is 0.
 */
export const ERROR_CODES = {
  ST_ERR_EVENT_INVALID: {
    status: 400,
    description: "An event failed validation; the message names the field path and what was expected.",
  },
  ST_ERR_EVENT_TOO_LARGE: {
    status: 413,
    description:
      "An event, or an NDJSON line, is larger than its limit (an event serialized, a line as read); the message names the limit and the size.",
  },
  ST_ERR_EVENT_KEY_MATERIAL: {
    status: 400,
    description:
      "An event carries key material (a PEM block, a private key or secret field); only key metadata is accepted.",
  },
  ST_ERR_EVENT_JSON: { status: 400, description: "Input is not valid JSON." },
  ST_ERR_INGEST_BACKPRESSURE: {
    status: 503,
    description: "The append queue is full; retry after a short wait.",
  },
  ST_ERR_INGEST_CLOSED: {
    status: 503,
    description: "The log is closing or closed and accepts no more events.",
  },
  ST_ERR_QUERY_FILTER: {
    status: 400,
    description:
      "A filter expression could not be parsed; the message names the expression and the expected form.",
  },
  ST_ERR_QUERY_TIME: {
    status: 400,
    description:
      "A time or duration could not be parsed (expected RFC 3339, a date, or a duration such as 24h or 7d).",
  },
  ST_ERR_QUERY_CURSOR: {
    status: 400,
    description: "A pagination cursor is malformed or belongs to another query.",
  },
  ST_ERR_LEDGER_RANGE: {
    status: 400,
    description: "A proof was requested for an index or tree size outside the log.",
  },
  ST_ERR_LEDGER_PROOF: { status: 422, description: "A proof or checkpoint does not verify." },
  ST_ERR_LEDGER_NOTE: { status: 400, description: "A signed note, checkpoint or key string is malformed." },
  ST_ERR_STORE_NOT_INITIALIZED: {
    status: 500,
    description: "The home directory holds no store; run `sealtrail init` first.",
  },
  ST_ERR_STORE_EXISTS: { status: 409, description: "`init` found a store already in the home directory." },
  ST_ERR_STORE_IO: {
    status: 500,
    description: "The storage driver failed; `cause` holds the driver's error.",
  },
  ST_ERR_STORE_CORRUPT: {
    status: 500,
    description:
      "The store's contents are inconsistent (for example the tree tiles disagree with the events).",
  },
  ST_ERR_KEY_INVALID: {
    status: 500,
    description: "The signing key file or variable is missing, unreadable or malformed.",
  },
  ST_ERR_EVENT_TENANT: {
    status: 403,
    description: "An event names a tenant other than the one the writing API key is bound to.",
  },
  ST_ERR_EVENT_ID_CONFLICT: {
    status: 409,
    description: "An `Idempotency-Key` header and the event's own `id` disagree.",
  },
  ST_ERR_EVENT_NOT_FOUND: {
    status: 404,
    description: "No event with this id or seq is visible to the caller.",
  },
  ST_ERR_INGEST_BATCH_TOO_LARGE: {
    status: 413,
    description:
      "A request holds more events than one batch may (by default 10 000 in a JSON array, 100 000 NDJSON lines).",
  },
  ST_ERR_AUTH_MISSING: {
    status: 401,
    description: "The request carries no API key (`Authorization: Bearer stk_…`).",
  },
  ST_ERR_AUTH_INVALID: { status: 401, description: "The API key is malformed, unknown or revoked." },
  ST_ERR_AUTH_FORBIDDEN: {
    status: 403,
    description: "The API key's role or tenant does not allow this request.",
  },
  ST_ERR_AUTH_KEY_UNKNOWN: { status: 404, description: "No API key has this id." },
  ST_ERR_ACCESS_UNRECORDED: {
    status: 503,
    description: "A read of audit data could not be recorded in the log, so it was refused.",
  },
  ST_ERR_HTTP_BODY: {
    status: 400,
    description: "A request body could not be read (invalid JSON, invalid UTF-8, or the wrong shape).",
  },
  ST_ERR_HTTP_BODY_TOO_LARGE: {
    status: 413,
    description:
      "A JSON request body is larger than the server accepts; the message names the limit (`server.limits.json_body_bytes`).",
  },
  ST_ERR_HTTP_MEDIA_TYPE: {
    status: 415,
    description:
      "A request body's `Content-Type` is not one the route takes; the message lists those it takes, as does `Accept-Post` on a POST.",
  },
  ST_ERR_HTTP_NOT_FOUND: { status: 404, description: "No route answers this method and path." },
  ST_ERR_HTTP_RATE_LIMITED: {
    status: 429,
    description:
      "The API key (or, before authentication, the client address) sent too many requests; see `Retry-After`.",
  },
  ST_ERR_HTTP_INTERNAL: {
    status: 500,
    description: "The server failed unexpectedly; the log names the request id.",
  },
  ST_ERR_CLIENT_NETWORK: {
    status: 0,
    description: "(client) The server could not be reached, or the connection failed, on every attempt.",
  },
  ST_ERR_CLIENT_HTTP: {
    status: 0,
    description: "(client) The server answered with an error status but without an RFC 9457 problem body.",
  },
  ST_ERR_CLIENT_RESPONSE: {
    status: 0,
    description: "(client) The server's answer could not be understood (not JSON, or a result is missing).",
  },
  ST_ERR_CLIENT_CLOSED: {
    status: 0,
    description: "(client) The client was closed; it records no more events.",
  },
  ST_ERR_USAGE: { status: 400, description: "A command or option was used wrongly." },
  ST_ERR_FILE_UNREADABLE: {
    status: 400,
    description:
      "A file named on the command line (events to ingest, a checkpoint, a bundle, a key, a style sheet…) does not exist, is a directory or cannot be read; the message names the option, the file and what was expected.",
  },
  ST_ERR_FILE_UNWRITABLE: {
    status: 400,
    description:
      "An output file named on the command line cannot be written (its directory does not exist, it is a directory, or permission is denied); the message names the option and the file.",
  },
  ST_ERR_CONFIG_INVALID: {
    status: 400,
    description:
      "A configuration file (sealtrail.yaml, report template, control map, crypto policy) could not be read or is not valid; the message names the file, the field and what was expected.",
  },
  ST_ERR_ALERT_RULE: {
    status: 400,
    description:
      "A detection rule (`alerting.rules`, a `--rules` file) is not valid; the message names the file, the rule's path and what was expected.",
  },
  ST_ERR_ALERT_STATE: {
    status: 500,
    description:
      "The saved state of the rule engine could not be read (not a snapshot this version wrote); the message says what is wrong with it.",
  },
} as const satisfies Record<string, { status: number; description: string }>;

/** A stable Sealtrail error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options for {@link SealtrailError}. */
export interface SealtrailErrorOptions {
  /** The lower-level error this one wraps. */
  cause?: unknown;
  /** Machine-readable particulars (field path, line number, first bad seq…). */
  details?: Record<string, unknown>;
}

/**
 * The error type of every failure Sealtrail reports on purpose.
 *
 * @example
 * ```ts
 * try { await log.append(input); } catch (e) {
 *   if (e instanceof SealtrailError && e.code === "ST_ERR_EVENT_INVALID") console.error(e.message);
 * }
 * ```
 */
export class SealtrailError extends Error {
  /** Stable code from {@link ERROR_CODES}. */
  readonly code: ErrorCode;
  /** HTTP status a server answers with. */
  readonly status: number;
  /** Machine-readable particulars. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: SealtrailErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SealtrailError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
  }
}

/** True when `e` is a {@link SealtrailError}, optionally with the given code. */
export function isSealtrailError(e: unknown, code?: ErrorCode): e is SealtrailError {
  return e instanceof SealtrailError && (code === undefined || e.code === code);
}

/**
 * Why a file operation failed, in plain words (`no such file`, `a directory`, `permission
 * denied`…), for messages that name the file themselves. `writing` words a missing path as a
 * missing directory, which is what it means when a file is created.
 *
 * @example
 * ```ts
 * try { readFileSync("events.ndjson"); } catch (e) { fileProblem(e); } // "no such file"
 * ```
 */
export function fileProblem(error: unknown, writing = false): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return writing ? "no such directory" : "no such file";
    case "EISDIR":
      return "a directory, not a file";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "a read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return code ? `${code}: ${(error as Error).message}` : String((error as Error)?.message ?? error);
  }
}
