import { PassThrough } from "node:stream";
import type { FastifyInstance } from "fastify";
import { SealtrailError } from "../../errors.js";
import type { AuditEvent } from "../../event/audit-event.js";
import {
  EXPORT_FORMATS,
  ExportAbortedError,
  type ExportFormat,
  exportEvents,
} from "../../export/export-events.js";
import { PAGE_SORTS, type PageOrder, type PageSort } from "../../query/cursor.js";
import { EVENT_PAGE_SCHEMA, EVENT_WITH_PROOF_SCHEMA, STATS_SCHEMA, type Stats } from "../../wire/events.js";
import { PERFORMANCE_SCHEMA, type Performance } from "../../wire/performance.js";
import { keyOf, requirePermission } from "../authenticate.js";
import { integerParam, parseReadQuery, scopeToKey, visibleTo } from "../read-scope.js";
import type { ServerContext } from "../server-context.js";
import { responses } from "../wire-responses.js";

const EXPORT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: "application/x-ndjson; charset=utf-8",
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

const JSON_TYPE = "application/json; charset=utf-8";

const filterDescription =
  "Filter expressions of the command line as bare query parameters (actor.id=alice, severity>=warning, action=user.*), or repeated filter=…; since/until take 24h, 7d, dates or RFC 3339.";

/**
 * Reads of events: cursor pages, one event (with its inclusion proof for auditors), stats,
 * durations of operations and streamed exports. Every one is scoped to the key's tenant and recorded before it is answered.
 */
export function registerReadRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    "/v1/events",
    {
      config: { permission: "events:read", asksTo: "query events" },
      schema: {
        summary:
          "Query events by cursor pages: newest received first, or by event time with sort=timestamp; the page says its order",
        description: filterDescription,
        tags: ["read"],
        response: responses({ 200: EVENT_PAGE_SCHEMA }),
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      const query = parseReadQuery(request.url, ["limit", "cursor", "order", "sort"]);
      const limit = integerParam(query.params, "limit", { min: 1, max: 1000 }, 100) as number;
      const order = query.params.get("order");
      if (order !== undefined && order !== "asc" && order !== "desc") {
        throw new SealtrailError("ST_ERR_USAGE", `order: expected asc or desc, got "${order}"`);
      }
      const sort = query.params.get("sort");
      if (sort !== undefined && !(PAGE_SORTS as readonly string[]).includes(sort)) {
        throw new SealtrailError("ST_ERR_USAGE", `sort: expected ${PAGE_SORTS.join(" or ")}, got "${sort}"`);
      }
      const cursor = query.params.get("cursor");
      await ctx.access.recordRead(request, "query", { filter: query.expressions, ...window(query.params) });
      // Sort and order only when given: a cursor carries its own, and refuses others.
      const page = await ctx.log.queryStored(scopeToKey(query.filter, key), {
        limit,
        ...(order === undefined ? {} : { order: order as PageOrder }),
        ...(sort === undefined ? {} : { sort: sort as PageSort }),
        ...(cursor ? { cursor } : {}),
      });
      // Events go out exactly as stored and hashed, not re-serialized (see AuditLog.queryStored).
      const events = page.events.map((e) => e.json).join(",");
      const next = page.nextCursor ? `,"next_cursor":${JSON.stringify(page.nextCursor)}` : "";
      return reply
        .type(JSON_TYPE)
        .send(`{"sort":"${page.sort}","order":"${page.order}","events":[${events}]${next}}`);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/events/:id",
    {
      config: { permission: "events:read", asksTo: "read an event" },
      schema: {
        summary:
          "One event by id; ?proof=true adds its inclusion proof against the latest checkpoint (auditors)",
        tags: ["read"],
        params: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
        response: responses({ 200: EVENT_WITH_PROOF_SCHEMA }),
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      const query = parseReadQuery(request.url, ["proof"]);
      const withProof = query.params.get("proof") === "true";
      if (withProof) requirePermission(request, "log:audit", "read inclusion proofs");
      await ctx.access.recordRead(request, withProof ? "proof" : "get", { id: request.params.id });
      const stored = await ctx.log.getStoredEvent(request.params.id);
      if (!stored || !visibleTo(JSON.parse(stored.json) as AuditEvent, key)) {
        throw new SealtrailError("ST_ERR_EVENT_NOT_FOUND", `no event with id "${request.params.id}"`);
      }
      reply.type(JSON_TYPE);
      if (!withProof) return reply.send(`{"event":${stored.json}}`);
      let checkpoint = await ctx.log.latestCheckpoint();
      if (!checkpoint || checkpoint.size <= stored.seq) checkpoint = await ctx.log.checkpoint();
      const proof = await ctx.log.proveInclusion(stored.seq, checkpoint.size);
      return reply.send(
        `{"event":${stored.json},"proof":${JSON.stringify(proof)},"checkpoint":${JSON.stringify(checkpoint.note)}}`,
      );
    },
  );

  app.get(
    "/v1/stats",
    {
      config: { permission: "events:read", asksTo: "read event statistics" },
      schema: {
        summary: "Counts by action, outcome, actor, category, severity, hour and day",
        description: filterDescription,
        tags: ["read"],
        response: responses({ 200: STATS_SCHEMA }),
      },
    },
    async (request): Promise<Stats> => {
      const key = keyOf(request);
      const query = parseReadQuery(request.url, ["top"]);
      const top = integerParam(query.params, "top", { min: 1, max: 1000 }, 10) as number;
      await ctx.access.recordRead(request, "stats", { filter: query.expressions, ...window(query.params) });
      return ctx.log.stats(scopeToKey(query.filter, key), top);
    },
  );

  app.get(
    "/v1/performance",
    {
      config: { permission: "events:read", asksTo: "read operation durations" },
      schema: {
        summary:
          "Per operation (by=FIELD: per value of any field) the count, min, avg, p50, p95, p99 and max of duration_ms over the window (default the last 24 hours), each p95 against the previous window of the same length",
        description: `${filterDescription} by=FIELD groups by another field (default action).`,
        tags: ["read"],
        response: responses({ 200: PERFORMANCE_SCHEMA }),
      },
    },
    async (request): Promise<Performance> => {
      const key = keyOf(request);
      const query = parseReadQuery(request.url, ["by"]);
      const by = query.params.get("by");
      await ctx.access.recordRead(request, "performance", {
        filter: query.expressions,
        ...window(query.params),
        ...(by === undefined ? {} : { by }),
      });
      return ctx.log.performance({
        filter: scopeToKey(query.filter, key),
        ...(by === undefined ? {} : { by }),
      });
    },
  );

  app.get(
    "/v1/export",
    {
      config: { permission: "log:audit", asksTo: "export events" },
      schema: {
        summary: "Stream every matching event in seq order (ndjson: the exact leaf bytes, one per line)",
        description: `${filterDescription} format=ndjson|csv|json (default ndjson).`,
        tags: ["read"],
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      const query = parseReadQuery(request.url, ["format"]);
      const format = (query.params.get("format") ?? "ndjson") as ExportFormat;
      if (!EXPORT_FORMATS.includes(format)) {
        throw new SealtrailError(
          "ST_ERR_USAGE",
          `format: expected ${EXPORT_FORMATS.join(", ")}, got "${format}"`,
        );
      }
      await ctx.access.recordRead(request, "export", {
        filter: query.expressions,
        format,
        ...window(query.params),
      });
      const body = new PassThrough();
      exportEvents(ctx.log, scopeToKey(query.filter, key), format, body).then(
        () => body.end(),
        (error: unknown) => {
          if (error instanceof ExportAbortedError) request.log.info("export ended: the client went away");
          else request.log.error({ err: error }, "export failed part-way");
          body.destroy(error as Error);
        },
      );
      return reply
        .type(EXPORT_TYPES[format])
        .header("content-disposition", `attachment; filename="sealtrail-export.${format}"`)
        .send(body);
    },
  );
}

function window(params: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["since", "until"]) {
    const value = params.get(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
