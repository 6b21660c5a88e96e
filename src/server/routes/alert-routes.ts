import type { FastifyInstance } from "fastify";
import { silenceEvent } from "../../alerting/alert-events.js";
import { recordedAlerts } from "../../alerting/recorded-alerts.js";
import { SealtrailError } from "../../errors.js";
import { parseDuration } from "../../query/time-range.js";
import {
  ALERT_LIST_SCHEMA,
  type AlertList,
  SILENCE_RECEIPT_SCHEMA,
  SILENCE_REQUEST_SCHEMA,
  type SilenceReceipt,
  type SilenceRequest,
} from "../../wire/alerts.js";
import { keyOf } from "../authenticate.js";
import { parseReadQuery } from "../read-scope.js";
import type { ServerContext } from "../server-context.js";
import { responses } from "../wire-responses.js";

/** Alerts span tenants: a tenant-bound key may neither list them nor silence them. */
function requireUnbound(tenant: string | null, what: string): void {
  if (tenant !== null) {
    throw new SealtrailError(
      "ST_ERR_AUTH_FORBIDDEN",
      `this key is bound to tenant "${tenant}"; ${what} needs a key bound to no tenant, since alerts span tenants`,
    );
  }
}

/**
 * The alerts the rules raised, as the log recorded them (readers), and silences (admins), each
 * recorded in the log itself.
 */
export function registerAlertRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    "/v1/alerts",
    {
      config: { permission: "events:read", asksTo: "list alerts" },
      schema: {
        summary: "The alerts recorded in the log (alert.fired, alert.resolved), oldest first",
        description:
          "since (default 24h), until, rule=ID. Keys bound to a tenant are refused: alerts span tenants.",
        tags: ["alerts"],
        response: responses({ 200: ALERT_LIST_SCHEMA }),
      },
    },
    async (request): Promise<AlertList> => {
      requireUnbound(keyOf(request).tenant, "listing alerts");
      const query = parseReadQuery(request.url, ["since", "until", "rule"]);
      const since = query.params.get("since") ?? "24h";
      const until = query.params.get("until");
      const rule = query.params.get("rule");
      await ctx.access.recordRead(request, "alerts", {
        since,
        ...(rule ? { filter: [`rule=${rule}`] } : {}),
      });
      const alerts = await recordedAlerts(ctx.log, {
        since,
        ...(until === undefined ? {} : { until }),
        ...(rule === undefined ? {} : { rule }),
      });
      return { alerts } as AlertList;
    },
  );

  app.post<{ Body: SilenceRequest }>(
    "/v1/alerts/silences",
    {
      config: { permission: "admin", asksTo: "silence alerts", accepts: ["application/json"] },
      schema: {
        summary: "Hold a rule's notifications back for a while (recorded in the log as alert.silence)",
        tags: ["alerts"],
        body: SILENCE_REQUEST_SCHEMA,
        response: responses({ 201: SILENCE_RECEIPT_SCHEMA }),
      },
    },
    async (request, reply): Promise<SilenceReceipt> => {
      const key = keyOf(request);
      requireUnbound(key.tenant, "silencing alerts");
      const body = request.body;
      const until = new Date(Date.now() + (parseDuration(body.for) as number)).toISOString();
      const receipt = await ctx.log.append(
        silenceEvent(
          {
            rule: body.rule,
            group: (body.group ?? {}) as Record<string, string>,
            until,
            reason: body.reason,
          },
          { type: "service", id: `api-key:${key.id}`, ...(key.name ? { name: key.name } : {}) },
        ),
      );
      reply.code(201);
      return { seq: receipt.seq, until };
    },
  );
}
