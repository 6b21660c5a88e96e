import type { FastifyReply, FastifyRequest } from "fastify";
import { SealtrailError } from "../errors.js";
import { asSealtrailError } from "./problem.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The media types the route takes as a body; a route without them takes none. */
    accepts?: readonly string[];
  }
}

/**
 * Refusals of a request body in words that help: a `415` lists the media types the route
 * takes (and says them in `Accept-Post` on a POST, RFC 9110 §15.5.16 asks the answer to say what
 * is accepted), a `413` names the limit and what to send instead.
 */

/** The media type of `request`'s body as sent, without parameters; undefined when it has none. */
function sentType(request: FastifyRequest): string | undefined {
  const header = request.headers["content-type"];
  const type = typeof header === "string" ? header.split(";")[0]?.trim().toLowerCase() : undefined;
  return type === "" ? undefined : type;
}

/** `415` when the route does not take the body's media type (also a type the server parses for other routes). */
export function checkBodyType(request: FastifyRequest): void {
  const accepts = request.routeOptions.config.accepts;
  if (accepts === undefined) return;
  const type = sentType(request);
  if (type !== undefined && !accepts.includes(type)) throw unsupportedType(request);
}

function unsupportedType(request: FastifyRequest): SealtrailError {
  const accepts = request.routeOptions.config.accepts ?? [];
  const path = request.url.split("?")[0] ?? request.url;
  const route = `${request.method} ${path}`;
  const type = sentType(request);
  const got = type === undefined ? "no Content-Type" : `Content-Type ${type}`;
  const message =
    accepts.length === 0
      ? `${route} takes no body, got one with ${got}`
      : `${route} takes ${accepts.join(" or ")}, got ${got}`;
  return new SealtrailError("ST_ERR_HTTP_MEDIA_TYPE", message, { details: { accepts } });
}

/**
 * `error` made to say what the route accepts, when it refuses a body's type or size; any other
 * error as it is. Sets `Accept-Post` on a `415` answering a POST.
 *
 * @example
 * ```ts
 * app.setErrorHandler((error, request, reply) => sendProblem(request, reply, explainBodyRefusal(error, request, reply, 4 << 20)));
 * ```
 */
export function explainBodyRefusal(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  jsonBodyBytes: number,
): unknown {
  if (!(error instanceof Error)) return error;
  const known = asSealtrailError(error);
  if (known.code === "ST_ERR_HTTP_MEDIA_TYPE") {
    const refusal = error instanceof SealtrailError ? error : unsupportedType(request);
    const accepts = request.routeOptions.config.accepts ?? [];
    if (request.method === "POST" && accepts.length > 0) reply.header("accept-post", accepts.join(", "));
    return refusal;
  }
  if (known.code === "ST_ERR_HTTP_BODY_TOO_LARGE" && !(error instanceof SealtrailError)) {
    const ndjson = request.routeOptions.config.accepts?.includes("application/x-ndjson");
    return new SealtrailError(
      "ST_ERR_HTTP_BODY_TOO_LARGE",
      `body: larger than the limit of ${jsonBodyBytes} bytes for a JSON body (server.limits.json_body_bytes)` +
        (ndjson ? "; send many events as application/x-ndjson, which is read as it arrives" : ""),
      { cause: error, details: { limit: jsonBodyBytes } },
    );
  }
  return error;
}
