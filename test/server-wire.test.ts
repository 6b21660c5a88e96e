/**
 * End to end: every JSON answer of the server is what the wire definitions (`src/wire/`) say,
 * checked with Ajv against the same schemas the routes declare, and the OpenAPI document shows
 * those schemas. A field added to an answer without its schema, or a schema the server does not
 * keep, fails here.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Ajv } from "ajv";
import type { LightMyRequestResponse } from "fastify";
import * as wire from "../src/wire/index.js";
import { startTestServer, type TestKey, type TestServer } from "./server-harness.js";

const ajv = new Ajv({ strict: true, allErrors: true });

function assertWire(res: LightMyRequestResponse, status: number, schema: wire.JsonSchema): unknown {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json() as unknown;
  const validate = ajv.compile(schema);
  assert.equal(validate(body), true, `${ajv.errorsText(validate.errors)}\n${res.body.slice(0, 500)}`);
  return body;
}

function assertProblem(res: LightMyRequestResponse, status: number, code: string): wire.Problem {
  assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
  const problem = assertWire(res, status, wire.PROBLEM_SCHEMA) as wire.Problem;
  assert.equal(problem.code, code);
  return problem;
}

const event = (action: string, extra: Record<string, unknown> = {}) => ({
  action,
  actor: { id: "alice", type: "user" },
  outcome: "success",
  ...extra,
});

describe("the server's answers follow the wire schemas", () => {
  let server: TestServer;
  let writer: TestKey;
  let auditor: TestKey;
  let admin: TestKey;
  let storedId = "";

  before(async () => {
    server = await startTestServer();
    writer = await server.key("writer");
    auditor = await server.key("auditor");
    admin = await server.key("admin");
  });
  after(() => server.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    server.app.inject({
      method: "POST",
      url: "/v1/events",
      headers: { ...writer.headers, ...headers },
      payload: payload as string,
    });

  test("one event: 201 with its receipt, 200 with duplicate when sent again", async () => {
    const id = "01890a5d-ac96-774b-bcce-b302099a8057";
    const first = assertWire(await post(event("wire.one", { id })), 201, wire.EVENT_RECEIPT_SCHEMA);
    // Seq 0 is the store's own init event.
    assert.deepEqual(first, { seq: 1, id, duplicate: false });
    const again = assertWire(await post(event("wire.one", { id })), 200, wire.EVENT_RECEIPT_SCHEMA);
    assert.deepEqual(again, { seq: 1, id, duplicate: true });
    storedId = id;
  });

  test("a JSON array: every element's result, stored, duplicate and refused", async () => {
    const summary = assertWire(
      await post([event("wire.batch"), event("wire.one", { id: storedId }), { outcome: "success" }]),
      200,
      wire.BATCH_SUMMARY_SCHEMA,
    ) as wire.BatchSummary;
    assert.deepEqual([summary.accepted, summary.duplicates, summary.rejected], [1, 1, 1]);
    assert.deepEqual(
      summary.results.map((r) => ("error" in r ? r.error.code : r.duplicate === true)),
      [false, true, "ST_ERR_EVENT_INVALID"],
    );
  });

  test("NDJSON: the same summary, a bad line named by its number", async () => {
    const body = `${JSON.stringify(event("wire.ndjson"))}\nnot json\n`;
    const summary = assertWire(
      await post(body, { "content-type": "application/x-ndjson" }),
      200,
      wire.BATCH_SUMMARY_SCHEMA,
    ) as wire.BatchSummary;
    const refused = summary.results.find((r) => "error" in r);
    assert.ok(refused && "error" in refused);
    assert.match(refused.error.detail, /^line 2: /);
  });

  test("a batch with nothing stored is a problem that still carries every result", async () => {
    const problem = assertProblem(await post([{ outcome: "success" }]), 400, "ST_ERR_EVENT_INVALID");
    const results = ajv.compile({ type: "array", items: wire.BATCH_RESULT_SCHEMA, minItems: 1 });
    assert.equal(results(problem.results), true, ajv.errorsText(results.errors));
  });

  test("a page of events, with the next cursor", async () => {
    const res = await server.app.inject({
      method: "GET",
      url: "/v1/events?limit=1",
      headers: auditor.headers,
    });
    const page = assertWire(res, 200, wire.EVENT_PAGE_SCHEMA) as wire.EventPage;
    assert.equal(page.events.length, 1);
    assert.equal(typeof page.next_cursor, "string");
  });

  test("one event, alone and with its proof and checkpoint", async () => {
    const url = `/v1/events/${storedId}`;
    const plain = assertWire(
      await server.app.inject({ method: "GET", url, headers: auditor.headers }),
      200,
      wire.EVENT_WITH_PROOF_SCHEMA,
    ) as wire.EventWithProof;
    assert.equal(plain.proof, undefined);
    const proved = assertWire(
      await server.app.inject({ method: "GET", url: `${url}?proof=true`, headers: auditor.headers }),
      200,
      wire.EVENT_WITH_PROOF_SCHEMA,
    ) as wire.EventWithProof;
    assert.equal(proved.event.id, storedId);
    assert.equal(proved.proof?.index, proved.event.seq);
    assert.equal(typeof proved.checkpoint, "string");
  });

  test("stats", async () => {
    const res = await server.app.inject({ method: "GET", url: "/v1/stats", headers: auditor.headers });
    const stats = assertWire(res, 200, wire.STATS_SCHEMA) as wire.Stats;
    assert.ok(stats.total >= 3);
  });

  test("inclusion and consistency proofs", async () => {
    const inclusion = await server.app.inject({
      method: "GET",
      url: "/v1/proofs/inclusion?seq=0",
      headers: auditor.headers,
    });
    assertWire(inclusion, 200, wire.INCLUSION_PROOF_SCHEMA);
    const consistency = await server.app.inject({
      method: "GET",
      url: "/v1/proofs/consistency?from=1",
      headers: auditor.headers,
    });
    assertWire(consistency, 200, wire.CONSISTENCY_PROOF_SCHEMA);
  });

  test("keys: created (with the key, once), listed and revoked (never with a secret)", async () => {
    const created = assertWire(
      await server.app.inject({
        method: "POST",
        url: "/v1/keys",
        headers: admin.headers,
        payload: { role: "reader", tenant: "acme", name: "wire test" },
      }),
      201,
      wire.CREATED_API_KEY_SCHEMA,
    ) as wire.CreatedApiKey;
    assert.match(created.key, /^stk_/);
    const list = assertWire(
      await server.app.inject({ method: "GET", url: "/v1/keys", headers: admin.headers }),
      200,
      wire.API_KEY_LIST_SCHEMA,
    ) as wire.ApiKeyList;
    assert.ok(list.keys.some((k) => k.id === created.id));
    const revoked = assertWire(
      await server.app.inject({ method: "DELETE", url: `/v1/keys/${created.id}`, headers: admin.headers }),
      200,
      wire.API_KEY_SCHEMA,
    ) as wire.ApiKeyJson;
    assert.equal(typeof revoked.revoked_at, "string");
  });

  test("the report types", async () => {
    const res = await server.app.inject({ method: "GET", url: "/v1/reports", headers: auditor.headers });
    const list = assertWire(res, 200, wire.REPORT_TYPE_LIST_SCHEMA) as wire.ReportTypeList;
    assert.ok(list.types.some((t) => t.id === "activity-daily"));
  });

  test("health and readiness", async () => {
    assertWire(await server.app.inject({ method: "GET", url: "/healthz" }), 200, wire.HEALTH_SCHEMA);
    assertWire(await server.app.inject({ method: "GET", url: "/readyz" }), 200, wire.READINESS_SCHEMA);
  });

  test("errors are problems: no such route, no key, a bad parameter", async () => {
    assertProblem(
      await server.app.inject({ method: "GET", url: "/v1/nope", headers: auditor.headers }),
      404,
      "ST_ERR_HTTP_NOT_FOUND",
    );
    assertProblem(await server.app.inject({ method: "GET", url: "/v1/stats" }), 401, "ST_ERR_AUTH_MISSING");
    assertProblem(
      await server.app.inject({ method: "GET", url: "/v1/events?limit=0", headers: auditor.headers }),
      400,
      "ST_ERR_USAGE",
    );
  });

  test("the OpenAPI document shows the wire schemas as the routes' answers", async () => {
    const res = await server.app.inject({ method: "GET", url: "/v1/openapi.json" });
    const doc = res.json() as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content: Record<string, unknown> }> }>
      >;
    };
    const schemaOf = (path: string, method: string, status: string, type = "application/json") =>
      (doc.paths[path]?.[method]?.responses[status]?.content[type] as { schema?: { required?: string[] } })
        ?.schema;
    assert.deepEqual(schemaOf("/v1/keys", "post", "201")?.required, [
      ...wire.CREATED_API_KEY_SCHEMA.required,
    ]);
    assert.deepEqual(schemaOf("/v1/stats", "get", "200")?.required, [...wire.STATS_SCHEMA.required]);
    assert.deepEqual(schemaOf("/v1/events", "post", "201")?.required, [
      ...wire.EVENT_RECEIPT_SCHEMA.required,
    ]);
    assert.deepEqual(schemaOf("/v1/events", "get", "4XX", "application/problem+json")?.required, [
      ...wire.PROBLEM_SCHEMA.required,
    ]);
  });
});
