import type { FastifyInstance } from "fastify";
import { SealtrailError } from "../../errors.js";
import { HEALTH_SCHEMA, type Health, READINESS_SCHEMA, type Readiness } from "../../wire/operations.js";
import type { ServerContext } from "../server-context.js";
import { responses } from "../wire-responses.js";

/** Health, readiness, metrics and the OpenAPI document. */
export function registerOperationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    "/healthz",
    {
      config: { permission: "public" },
      schema: {
        summary: "The process is up",
        tags: ["operations"],
        security: [],
        response: responses({ 200: HEALTH_SCHEMA }),
      },
    },
    async (): Promise<Health> => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      config: { permission: "public" },
      schema: {
        summary: "The store is open and accepts writes (503 while closing)",
        tags: ["operations"],
        security: [],
        response: responses({ 200: READINESS_SCHEMA }),
      },
    },
    async (): Promise<Readiness> => {
      if (ctx.closing() || ctx.log.closed)
        throw new SealtrailError("ST_ERR_INGEST_CLOSED", "the server is shutting down");
      return { status: "ready" };
    },
  );

  app.get(
    "/metrics",
    {
      config: { permission: "admin", asksTo: "read the server's metrics" },
      schema: { summary: "Prometheus metrics", tags: ["operations"] },
    },
    async (_request, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.exposition()),
  );

  app.get(
    "/v1/openapi.json",
    {
      config: { permission: "public" },
      schema: { summary: "This OpenAPI 3 document", tags: ["operations"], security: [] },
    },
    async () => app.swagger(),
  );
}
