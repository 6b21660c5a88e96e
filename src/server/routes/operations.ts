import type { FastifyInstance } from "fastify";
import { SealtrailError } from "../../errors.js";
import type { ServerContext } from "../server-context.js";

/** Health, readiness, metrics and the OpenAPI document. */
export function registerOperationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    "/healthz",
    {
      config: { permission: "public" },
      schema: { summary: "The process is up", tags: ["operations"], security: [] },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      config: { permission: "public" },
      schema: {
        summary: "The store is open and accepts writes (503 while closing)",
        tags: ["operations"],
        security: [],
      },
    },
    async () => {
      if (ctx.closing() || ctx.log.closed)
        throw new SealtrailError("ST_ERR_INGEST_CLOSED", "the server is shutting down");
      return { status: "ready" };
    },
  );

  app.get(
    "/metrics",
    { config: { permission: "admin" }, schema: { summary: "Prometheus metrics", tags: ["operations"] } },
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
