import { PassThrough } from "node:stream";
import type { FastifyInstance } from "fastify";
import { buildReport, planReport, renderReport, reportTypeList } from "../../report-pipeline/index.js";
import { REPORT_TYPE_LIST_SCHEMA, type ReportTypeList } from "../../wire/reports.js";
import { keyOf } from "../authenticate.js";
import { parseReadQuery } from "../read-scope.js";
import type { ServerContext } from "../server-context.js";
import { responses } from "../wire-responses.js";

/** The query parameters of a report besides its filter (and since/until). */
const REPORT_PARAMS = ["format", "period", "verify", "level", "days", "rotation_days", "framework"];

/**
 * Reports over HTTP, through the same pipeline as `sealtrail report`: `GET /v1/reports` lists
 * the types, `GET /v1/reports/{type}?format=…&period=…|since=…&until=…&verify=true&framework=…&<filters>`
 * renders one (auditors; a tenant-bound key's report covers its tenant only, and says so in its
 * filter). No option names a file on the server: control maps are the built-in ones.
 */
export function registerReportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    "/v1/reports",
    {
      config: { permission: "log:audit", asksTo: "list the report types" },
      schema: {
        summary: "The report types",
        tags: ["reports"],
        response: responses({ 200: REPORT_TYPE_LIST_SCHEMA }),
      },
    },
    async (): Promise<ReportTypeList> => reportTypeList(),
  );

  app.get<{ Params: { type: string } }>(
    "/v1/reports/:type",
    {
      config: { permission: "log:audit", asksTo: "read reports" },
      schema: {
        summary:
          "Compute and render a report (format=json|csv|markdown|…, period=7d or since/until, verify=true, framework=soc2 for compliance)",
        tags: ["reports"],
        params: { type: "object", properties: { type: { type: "string" } }, required: ["type"] },
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      const query = parseReadQuery(request.url, REPORT_PARAMS);
      const param = (name: string) => query.params.get(name);
      const plan = planReport(
        {
          type: request.params.type,
          format: param("format") ?? "json",
          period: param("period"),
          since: param("since"),
          until: param("until"),
          level: param("level"),
          verify: param("verify") === "true",
          framework: param("framework"),
          days: param("days"),
          rotationDays: param("rotation_days"),
          filter: query.expressions,
          tenant: key.tenant,
        },
        { files: false },
      );
      await ctx.access.recordRead(request, "report", {
        type: plan.type.id,
        filter: plan.request.expressions,
        since: new Date(plan.request.since).toISOString(),
      });
      const report = await buildReport(ctx.log, plan);
      const body = new PassThrough();
      renderReport(plan, report, body).then(
        () => body.end(),
        (error: unknown) => {
          request.log.error({ err: error }, "report rendering failed part-way");
          body.destroy(error as Error);
        },
      );
      return reply
        .type(plan.renderer.mediaType)
        .header(
          "content-disposition",
          `attachment; filename="sealtrail-${plan.type.id}.${plan.renderer.extension}"`,
        )
        .send(body);
    },
  );
}
