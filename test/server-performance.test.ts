/**
 * `GET /v1/performance` over a real server: for reader keys, exactly `log.performance()` with
 * the filter, window and `by` of the query string, in the wire shape; a tenant-bound key measures
 * its tenant's events only; writers are refused; bad parameters are a 400 naming them; the read
 * is recorded like every read of audit data.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Ajv } from "ajv";
import type { AuditEventInput } from "../src/event/audit-event.js";
import { PERFORMANCE_SCHEMA, type Performance } from "../src/wire/performance.js";
import { startTestServer, type TestKey, type TestServer } from "./server-harness.js";

const HOUR = 3_600_000;
const UNTIL = Date.UTC(2026, 10, 22, 12);
const SINCE = UNTIL - 2 * HOUR;
const at = (ms: number) => new Date(ms).toISOString();
const WINDOW = `since=${at(SINCE)}&until=${at(UNTIL)}`;

/** `n` events of `action` for `tenant`, `ms` to `ms + n - 1` ms, in the window or (`previous`) before it. */
function timed(action: string, tenant: string, ms: number, n: number, previous = false): AuditEventInput[] {
  const start = (previous ? SINCE - 2 * HOUR : SINCE) + 1000;
  return Array.from({ length: n }, (_, i) => ({
    action,
    tenant,
    outcome: "success" as const,
    timestamp: at(start + i * 1000),
    duration_ms: ms + i,
    actor: { id: `user-${i % 3}` },
  }));
}

describe("GET /v1/performance", () => {
  let server: TestServer;
  let reader: TestKey;
  let acme: TestKey;

  before(async () => {
    server = await startTestServer();
    reader = await server.key("reader");
    acme = await server.key("reader", "acme");
    await server.log.append([
      ...timed("api.get", "acme", 10, 20, true),
      ...timed("api.get", "acme", 30, 20),
      ...timed("api.get", "globex", 100, 20, true),
      ...timed("api.get", "globex", 100, 20),
      { action: "user.login", tenant: "acme", timestamp: at(SINCE + HOUR) },
    ]);
  });
  after(() => server.close());

  const get = (url: string, key: TestKey) => server.app.inject({ method: "GET", url, headers: key.headers });

  test("is log.performance() with the query's window, filter and by, in the wire shape", async () => {
    for (const [query, options] of [
      [WINDOW, {}],
      [`${WINDOW}&by=tenant`, { by: "tenant" }],
      [`${WINDOW}&by=actor.id&tenant=globex`, { by: "actor.id", filter: ["tenant=globex"] }],
    ] as const) {
      const res = await get(`/v1/performance?${query}`, reader);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as Performance;
      const ajv = new Ajv({ strict: true });
      assert.equal(ajv.validate(PERFORMANCE_SCHEMA, body), true, ajv.errorsText(ajv.errors));
      assert.deepEqual(body, await server.log.performance({ since: SINCE, until: UNTIL, ...options }));
    }
    const byTenant = (await get(`/v1/performance?${WINDOW}&by=tenant`, reader)).json() as Performance;
    assert.deepEqual(
      byTenant.operations.map((o) => [o.key, o.count, o.p95, o.previous?.p95, o.p95Ratio, o.degraded]),
      [
        ["acme", 20, 48, 28, 1.714, true],
        ["globex", 20, 118, 118, 1, false],
      ],
    );
    assert.equal(byTenant.skipped, 1);
  });

  test("a tenant-bound reader measures its tenant's events only", async () => {
    const res = await get(`/v1/performance?${WINDOW}`, acme);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as Performance;
    assert.deepEqual(
      body.operations.map((o) => [o.key, o.count, o.min, o.max]),
      [["api.get", 20, 30, 49]],
    );
    assert.equal(body.timed, 20);
    assert.equal(body.previousTimed, 20);
    // Asking for another tenant's events finds none.
    const other = (await get(`/v1/performance?${WINDOW}&tenant=globex`, acme)).json() as Performance;
    assert.deepEqual([other.timed, other.operations], [0, []]);
  });

  test("writers are refused; bad parameters are a 400 naming them", async () => {
    const writer = await server.key("writer");
    assert.equal((await get("/v1/performance", writer)).statusCode, 403);
    const bad = await get("/v1/performance?by=no.such.field", reader);
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal(bad.json().code, "ST_ERR_USAGE");
    assert.match(bad.json().detail, /^by: expected an event field path/);
    const backwards = await get(`/v1/performance?since=${at(UNTIL)}&until=${at(SINCE)}`, reader);
    assert.equal(backwards.statusCode, 400, backwards.body);
    assert.match(backwards.json().detail, /^since: expected an instant before until/);
  });

  test("each read is recorded as audit_log.performance", async () => {
    const before = await server.log.count(["action=audit_log.performance"]);
    await get(`/v1/performance?${WINDOW}&by=tenant`, reader);
    const page = await server.log.query(["action=audit_log.performance"], { limit: 1 });
    assert.equal(await server.log.count(["action=audit_log.performance"]), before + 1);
    assert.equal(page.events[0]?.details?.by, "tenant");
    assert.equal(page.events[0]?.actor?.id, `apikey:${reader.id}`);
  });
});
