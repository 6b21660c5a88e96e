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

/** Every error code with its HTTP status and a one-line description (mirrored in docs/errors.md). */
export const ERROR_CODES = {
  ST_ERR_EVENT_INVALID: {
    status: 400,
    description: "An event failed validation; the message names the field path and what was expected.",
  },
  ST_ERR_EVENT_TOO_LARGE: {
    status: 413,
    description: "An event is larger than the configured limit once serialized.",
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
  ST_ERR_USAGE: { status: 400, description: "A command or option was used wrongly." },
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
