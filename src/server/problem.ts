import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, SealtrailError } from "../errors.js";
import { PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, type Problem } from "../wire/problem.js";

/**
 * RFC 9457 problem details for every error the server answers with (their shape is
 * `wire/problem.ts`): `type` is a stable URI per registry code, `code` the code itself, `detail`
 * the message naming the field or line.
 */

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Fastify's own error codes, as registry codes. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "ST_ERR_HTTP_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "ST_ERR_HTTP_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "ST_ERR_HTTP_BODY",
  FST_ERR_CTP_EMPTY_JSON_BODY: "ST_ERR_HTTP_BODY",
  FST_ERR_CTP_INVALID_JSON_BODY: "ST_ERR_HTTP_BODY",
  FST_ERR_VALIDATION: "ST_ERR_USAGE",
};

/**
 * The registry error an error thrown while serving stands for: ours as they are, Fastify's
 * mapped by code, anything else an internal error (whose message is not shown to the client).
 */
export function asSealtrailError(error: unknown): SealtrailError {
  if (error instanceof SealtrailError) return error;
  const fastify = error as Partial<FastifyError>;
  const mapped = fastify.code ? FASTIFY_CODES[fastify.code] : undefined;
  if (mapped) return new SealtrailError(mapped, fastify.message ?? mapped, { cause: error });
  const code = (error as NodeJS.ErrnoException).code;
  if (
    code === "ECONNRESET" ||
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    (error as Error).message === "aborted"
  ) {
    return new SealtrailError("ST_ERR_HTTP_BODY", "body: the request was cut off before it ended", {
      cause: error,
    });
  }
  if (fastify.statusCode === 429)
    return new SealtrailError("ST_ERR_HTTP_RATE_LIMITED", fastify.message ?? "too many requests");
  if (fastify.statusCode !== undefined && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new SealtrailError("ST_ERR_HTTP_BODY", fastify.message ?? "the request could not be read", {
      cause: error,
    });
  }
  return new SealtrailError("ST_ERR_HTTP_INTERNAL", "the server failed; see its log", { cause: error });
}

/**
 * The problem document for `error` answering `request`.
 *
 * @example
 * ```ts
 * toProblem(new SealtrailError("ST_ERR_EVENT_INVALID", "action: expected a string"), "/v1/events");
 * // { type: "https://sealtrail.dev/errors/ST_ERR_EVENT_INVALID", status: 400, … }
 * ```
 */
export function toProblem(
  error: SealtrailError,
  instance: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title: TITLES[error.status] ?? "Error",
    status: error.status,
    code: error.code,
    detail: error.message,
    instance,
    ...extensions,
  };
}

/** Sends `error` as problem+json, with `Retry-After` on 503 and 429. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  let problem = asSealtrailError(error);
  if (problem.status >= 500) {
    // Server-side failures are logged with their cause; their detail (a driver's message, a
    // file path) is not the client's to read, except for the 503s that tell it to retry.
    const cause = (problem.cause ?? problem) as Error;
    if (problem.status === 503)
      request.log.warn({ err: cause, code: problem.code }, "request refused: %s", problem.message);
    else {
      request.log.error({ err: cause, code: problem.code }, "request failed");
      problem = new SealtrailError(
        problem.code,
        `the server failed (request ${request.id}); its log has the cause`,
      );
    }
  }
  if (problem.status === 503 || problem.status === 429) {
    const existing = reply.getHeader("retry-after");
    if (existing === undefined) reply.header("retry-after", "1");
  }
  const path = request.url.split("?")[0] ?? request.url;
  return reply
    .code(problem.status)
    .type(PROBLEM_MEDIA_TYPE)
    .send(toProblem(problem, path, extensions));
}
