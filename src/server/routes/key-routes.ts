import type { FastifyInstance } from "fastify";
import { createRecordedKey, recordKeyChange } from "../../access/key-changes.js";
import { isRole } from "../../access/roles.js";
import { SealtrailError } from "../../errors.js";
import {
  API_KEY_LIST_SCHEMA,
  API_KEY_SCHEMA,
  type ApiKeyJson,
  type ApiKeyList,
  apiKeyJson,
  CREATED_API_KEY_SCHEMA,
  type CreatedApiKey,
  NEW_API_KEY_SCHEMA,
  type NewApiKeyRequest,
} from "../../wire/keys.js";
import { actorOf } from "../access-recorder.js";
import { keyOf } from "../authenticate.js";
import type { ServerContext } from "../server-context.js";
import { responses } from "../wire-responses.js";

/** Key management for admins: create (the secret is answered once), list, revoke; each change recorded. */
export function registerKeyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: NewApiKeyRequest }>(
    "/v1/keys",
    {
      config: { permission: "admin", asksTo: "create API keys", accepts: ["application/json"] },
      schema: {
        summary: "Create an API key (its secret is shown in this answer only)",
        tags: ["keys"],
        body: NEW_API_KEY_SCHEMA,
        response: responses({ 201: CREATED_API_KEY_SCHEMA }),
      },
    },
    async (request, reply) => {
      const { role, tenant, name } = request.body;
      if (!isRole(role))
        throw new SealtrailError("ST_ERR_USAGE", "role: expected writer, reader, auditor or admin");
      const created = await createRecordedKey(
        ctx.keys,
        ctx.log,
        {
          role,
          ...(typeof tenant === "string" ? { tenant } : {}),
          ...(typeof name === "string" ? { name } : {}),
        },
        actorOf(keyOf(request), request),
        { component: "server", requestId: String(request.id) },
      );
      const answer: CreatedApiKey = { ...apiKeyJson(created.record), key: created.key };
      return reply.code(201).send(answer);
    },
  );

  app.get(
    "/v1/keys",
    {
      config: { permission: "admin", asksTo: "list API keys" },
      schema: {
        summary: "List API keys (never their secrets)",
        tags: ["keys"],
        response: responses({ 200: API_KEY_LIST_SCHEMA }),
      },
    },
    async (): Promise<ApiKeyList> => ({ keys: ctx.keys.list().map(apiKeyJson) }),
  );

  app.delete<{ Params: { id: string } }>(
    "/v1/keys/:id",
    {
      config: { permission: "admin", asksTo: "revoke API keys" },
      schema: {
        summary: "Revoke an API key at once",
        tags: ["keys"],
        params: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
        response: responses({ 200: API_KEY_SCHEMA }),
      },
    },
    async (request): Promise<ApiKeyJson> => {
      const record = ctx.keys.revoke(request.params.id);
      await recordKeyChange(ctx.log, "revoke", record, actorOf(keyOf(request), request), {
        component: "server",
        requestId: String(request.id),
      });
      return apiKeyJson(record);
    },
  );
}
