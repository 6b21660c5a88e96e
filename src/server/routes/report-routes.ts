import { PassThrough } from "node:stream";
import type { FastifyInstance } from "fastify";
import { FRAMEWORKS } from "../../compliance/control-map.js";
import { SealtrailError } from "../../errors.js";
import { parseInstant } from "../../query/time-range.js";
import { parseAuditLevel } from "../../reports/audit-level.js";
import { rendererFor } from "../../reports/renderers/index.js";
import { reportScope } from "../../reports/report-source.js";
import { REPORT_TYPES, reportType } from "../../reports/report-types.js";
import { keyOf } from "../authenticate.js";
import { integerParam, parseReadQuery, scopeToKey } from "../read-scope.js";
import type { ServerContext } from "../server-context.js";

/**
 * Reports over HTTP, as `sealtrail report` computes them: `GET /v1/reports` lists the types,
 * `GET /v1/reports/{type}?format=…&period=…|since=…&until=…&verify=true&framework=…&<filters>` renders one
 * (auditors; a tenant-bound key's report covers its tenant only, and says so in its filter).
 */
export function registerReportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    "/v1/reports",
    { config: { permission: "log:audit" }, schema: { summary: "The report types", tags: ["reports"] } },
    async () => ({
      types: REPORT_TYPES.map((t) => ({
        id: t.id,
        title: t.title,
        description: t.description,
        default_period: t.defaultPeriod,
      })),
    }),
  );

  app.get<{ Params: { type: string } }>(
    "/v1/reports/:type",
    {
      config: { permission: "log:audit" },
      schema: {
        summary:
          "Compute and render a report (format=json|csv|markdown|…, period=7d or since/until, verify=true, framework=soc2 for compliance)",
        tags: ["reports"],
        params: { type: "object", properties: { type: { type: "string" } }, required: ["type"] },
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      const type = reportType(request.params.type);
      const query = parseReadQuery(request.url, [
        "format",
        "period",
        "verify",
        "level",
        "days",
        "rotation_days",
        "framework",
      ]);
      const framework = query.params.get("framework");
      // Over HTTP only the built-in control maps: a path would let a client make the server
      // read (and quote, in parse errors) any file it can.
      if (framework !== undefined && !FRAMEWORKS.has(framework)) {
        throw new SealtrailError(
          "ST_ERR_USAGE",
          `framework: expected one of ${[...FRAMEWORKS.keys()].join(", ")}, got "${framework.slice(0, 100)}"`,
        );
      }
      const auditLevel = parseAuditLevel(query.params.get("level") ?? "standard");
      const renderer = rendererFor(query.params.get("format") ?? "json");
      const now = Date.now();
      const period = query.params.get("period");
      if (period !== undefined && query.filter.since !== undefined) {
        throw new SealtrailError("ST_ERR_USAGE", "period and since: give one of them");
      }
      const until = query.filter.until ?? now;
      const since = query.filter.since ?? parseInstant(period ?? type.defaultPeriod, "period", until);
      if (!(since < until)) throw new SealtrailError("ST_ERR_USAGE", "since: expected a time before until");
      const expressions =
        key.tenant === null ? [...query.expressions] : [...query.expressions, `tenant=${key.tenant}`];
      await ctx.access.recordRead(request, "report", {
        type: type.id,
        filter: expressions,
        since: new Date(since).toISOString(),
      });
      const scope = await reportScope(ctx.log, {
        since,
        until,
        expressions,
        filter: scopeToKey({ conditions: query.filter.conditions }, key),
        ...(query.params.get("verify") === "true" ? { verifyStore: true } : {}),
        auditLevel,
      });
      const report = await type.build(ctx.log, scope, {
        days: integerParam(query.params, "days", { min: 1, max: 36_500 }),
        rotationDays: integerParam(query.params, "rotation_days", { min: 1, max: 36_500 }),
        framework,
      });
      const body = new PassThrough();
      renderer.render(report, body).then(
        () => body.end(),
        (error: unknown) => {
          request.log.error({ err: error }, "report rendering failed part-way");
          body.destroy(error as Error);
        },
      );
      return reply
        .type(renderer.mediaType)
        .header("content-disposition", `attachment; filename="sealtrail-${type.id}.${renderer.extension}"`)
        .send(body);
    },
  );
}
