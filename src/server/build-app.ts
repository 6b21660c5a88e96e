import { isUtf8 } from "node:buffer";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { ApiKeyStore } from "../access/api-key-store.js";
import type { AuditLog } from "../audit-log.js";
import { SealtrailError } from "../errors.js";
import { PreparePool } from "../ingest/prepare-pool.js";
import { ServerMetrics } from "../metrics/server-metrics.js";
import { AccessRecorder } from "./access-recorder.js";
import { deniedAttempt, registerAuthentication } from "./authenticate.js";
import { checkBodyType, explainBodyRefusal } from "./body-refusals.js";
import { sendProblem } from "./problem.js";
import { registerAlertRoutes } from "./routes/alert-routes.js";
import { registerKeyRoutes } from "./routes/key-routes.js";
import { type OpenStreams, registerLiveTail } from "./routes/live-tail.js";
import { registerLogRoutes } from "./routes/log-routes.js";
import { registerOperationRoutes } from "./routes/operations.js";
import { registerReadRoutes } from "./routes/read-events.js";
import { registerReportRoutes } from "./routes/report-routes.js";
import { registerWriteRoutes } from "./routes/write-events.js";
import { DEFAULT_SERVER_LIMITS, type ServerContext, type ServerLimits } from "./server-context.js";
import { serializeAsIs } from "./wire-responses.js";

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** The open log the server serves; the caller opens and closes it. */
  readonly log: AuditLog;
  /** The home's API keys; the caller opens and closes them. */
  readonly keys: ApiKeyStore;
  readonly limits?: Partial<ServerLimits>;
  /** Fastify's logger setting; default off. */
  readonly logger?: FastifyServerOptions["logger"];
  /**
   * Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed, so that
   * access records, throttles and rate limits see the client's address; default none.
   */
  readonly trustProxy?: readonly string[];
}

/** The limits a running app can change (the body size is fixed when the app is built). */
export type LiveLimits = Omit<ServerLimits, "jsonBodyBytes">;

/** A built server: the Fastify app and what shutdown must end. */
export interface SealtrailApp {
  readonly app: FastifyInstance;
  /** The server's Prometheus metrics (what `/metrics` exposes). */
  readonly metrics: ServerMetrics;
  /** The limits requests are held to now. */
  readonly limits: ServerLimits;
  /** Holds requests that arrive from now on to `limits` (a configuration reload); each one given replaces the current. */
  setLimits(limits: Partial<LiveLimits>): void;
  /** Ends live tails, stops taking requests and waits for those in flight; the log stays open. */
  close(): Promise<void>;
}

/**
 * Builds the HTTP server over an open {@link AuditLog} without listening: routes are tested with
 * `app.inject()`, and `serve` adds the socket and signals.
 *
 * @example
 * ```ts
 * const { app } = await buildApp({ log, keys: log.apiKeys });
 * const res = await app.inject({ method: "GET", url: "/healthz" });
 * ```
 */
export async function buildApp(options: AppOptions): Promise<SealtrailApp> {
  let limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const app = Fastify({
    logger: options.logger ?? false,
    ...(options.trustProxy && options.trustProxy.length > 0 ? { trustProxy: [...options.trustProxy] } : {}),
    bodyLimit: limits.jsonBodyBytes,
    requestTimeout: 300_000,
    // Refused by our own hook instead, as problem+json with Retry-After.
    return503OnClosing: false,
    forceCloseConnections: "idle",
    // Unknown members are refused, not silently dropped: a misspelt `tenant` must not widen a key.
    ajv: { customOptions: { removeAdditional: false } },
  });
  let closing = false;
  const pool = PreparePool.start({
    ...(options.log.limits ? { limits: options.log.limits } : {}),
    transforms: options.log.transforms,
  });
  const metrics = new ServerMetrics(() => options.log.queueDepth);
  const stopListening = options.log.onCommit((batch) => {
    metrics.observeCommit(batch);
  });
  const ctx: ServerContext = {
    log: options.log,
    keys: options.keys,
    access: new AccessRecorder(options.log),
    pool,
    metrics,
    get limits() {
      return limits;
    },
    closing: () => closing,
  };
  const streams: OpenStreams = new Set();

  try {
    // Response schemas (the wire definitions) document the answers; they are sent as they are.
    app.setSerializerCompiler(serializeAsIs);
    app.setErrorHandler((error, request, reply) => {
      // Every refusal is recorded, whether authentication or a route decided it (PCI DSS 10.2.1.4).
      const denied = deniedAttempt(request, error);
      if (denied) ctx.access.recordDenied(denied);
      return sendProblem(request, reply, explainBodyRefusal(error, request, reply, limits.jsonBodyBytes));
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        request,
        reply,
        new SealtrailError(
          "ST_ERR_HTTP_NOT_FOUND",
          `${request.method} ${request.url.split("?")[0]}: no such route`,
        ),
      ),
    );
    app.addHook("onSend", async (_request, reply) => {
      if (closing) reply.header("connection", "close");
    });
    app.addHook("onResponse", async (request, reply) => {
      metrics.observeRequest(
        request.method,
        request.routeOptions.url ?? "(unmatched)",
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    });

    // Bodies: JSON (checked to be UTF-8, within the body limit) and NDJSON streams; nothing else.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
      const bytes = body as Buffer;
      if (!isUtf8(bytes))
        return done(new SealtrailError("ST_ERR_HTTP_BODY", "body: not valid UTF-8"), undefined);
      try {
        done(null, JSON.parse(bytes.toString("utf8")));
      } catch (error) {
        done(
          new SealtrailError("ST_ERR_HTTP_BODY", `body: invalid JSON: ${(error as Error).message}`),
          undefined,
        );
      }
    });

    await app.register(swagger, {
      openapi: {
        openapi: "3.0.3",
        info: {
          title: "Sealtrail",
          version: "1",
          description:
            "A tamper-evident audit trail: append events, query and export them, and audit the log with C2SP checkpoints, RFC 9162 proofs and tlog-tiles. Errors are RFC 9457 problem+json.",
        },
        components: {
          securitySchemes: { apiKey: { type: "http", scheme: "bearer", bearerFormat: "stk_<id>_<secret>" } },
        },
        security: [{ apiKey: [] }],
      },
    });
    app.addHook("onRequest", async () => {
      if (closing)
        throw new SealtrailError(
          "ST_ERR_INGEST_CLOSED",
          "the server is shutting down; retry on another instance or later",
        );
    });
    registerAuthentication(app, options.keys);
    // After authentication: a body's type is judged only for a key that may send it.
    app.addHook("preValidation", async (request) => checkBodyType(request));
    // Registered even without a limit, and asked for the limit on each request, so that a
    // configuration reload can set, change or lift it on a running server.
    await app.register(rateLimit, {
      global: true,
      max: () => limits.requestsPerMinute,
      allowList: () => limits.requestsPerMinute === 0,
      timeWindow: 60_000,
      hook: "preHandler",
      keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.id}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new SealtrailError(
          "ST_ERR_HTTP_RATE_LIMITED",
          `more than ${context.max} requests in a minute with this key; retry after ${context.after}`,
        ),
    });

    registerOperationRoutes(app, ctx);
    registerWriteRoutes(app, ctx);
    registerReadRoutes(app, ctx);
    registerAlertRoutes(app, ctx);
    registerLogRoutes(app, ctx);
    registerLiveTail(app, ctx, streams);
    registerKeyRoutes(app, ctx);
    registerReportRoutes(app, ctx);
    await app.ready();
  } catch (error) {
    // A server that could not be built must not leave its preparing thread running.
    stopListening();
    await ctx.access.close();
    await pool.close();
    throw error;
  }

  return {
    app,
    metrics,
    get limits() {
      return limits;
    },
    setLimits(next) {
      limits = {
        ...limits,
        ...Object.fromEntries(
          Object.entries(next).filter(([key, value]) => value !== undefined && key !== "jsonBodyBytes"),
        ),
      };
    },
    async close() {
      closing = true;
      for (const stream of streams) stream.stop.abort();
      // Keep-alive connections would outlive the requests in flight (until their keep-alive
      // timeout): answers now say `Connection: close`, and idle ones are closed as they appear.
      const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(reaper);
      }
      stopListening();
      await ctx.access.close();
      await pool.close();
    },
  };
}
