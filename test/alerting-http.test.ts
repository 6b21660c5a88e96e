/**
 * Alerts over HTTP: `GET /v1/alerts` lists what the log recorded, for readers bound to no tenant;
 * `POST /v1/alerts/silences` records a silence, for admins; everything else is refused.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { alertEvent } from "../src/alerting/alert-events.js";
import { sampleNotice } from "./receivers/sample-notices.js";
import { startTestServer, type TestServer } from "./server-harness.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
  const fired = sampleNotice({ rule: "failed-logins" });
  await server.log.append(alertEvent(fired, ["soc"]));
  await server.log.append(alertEvent({ ...fired, type: "alert.resolved" }, ["soc"]));
  await server.log.append(
    alertEvent(sampleNotice({ id: "6f1d2c3b-4a59-8876-9a5b-4c3d2e1f0a9b", rule: "crm-errors" }), []),
  );
});
after(() => server.close());

test("a reader lists the recorded alerts, oldest first, of one rule with rule=", async () => {
  const reader = await server.key("reader");
  const res = await server.app.inject({ method: "GET", url: "/v1/alerts?since=1h", headers: reader.headers });
  assert.equal(res.statusCode, 200, res.body);
  const { alerts } = res.json() as {
    alerts: Array<{ type: string; seq: number; alert: { rule: string; channels: string[] } }>;
  };
  assert.deepEqual(
    alerts.map((a) => [a.type, a.alert.rule]),
    [
      ["alert.fired", "failed-logins"],
      ["alert.resolved", "failed-logins"],
      ["alert.fired", "crm-errors"],
    ],
  );
  assert.deepEqual(alerts[0]?.alert.channels, ["soc"]);
  assert.ok((alerts[0]?.seq ?? -1) < (alerts[1]?.seq ?? -1));
  const one = await server.app.inject({
    method: "GET",
    url: "/v1/alerts?rule=crm-errors",
    headers: reader.headers,
  });
  assert.deepEqual(
    (one.json() as { alerts: Array<{ alert: { rule: string } }> }).alerts.map((a) => a.alert.rule),
    ["crm-errors"],
  );
  const none = await server.app.inject({
    method: "GET",
    url: "/v1/alerts?since=2000-01-01&until=2000-01-02",
    headers: reader.headers,
  });
  assert.deepEqual(none.json(), { alerts: [] });
});

test("alerts span tenants: a tenant-bound key is refused, and so is a writer", async () => {
  const bound = await server.key("reader", "acme");
  const res = await server.app.inject({ method: "GET", url: "/v1/alerts", headers: bound.headers });
  assert.equal(res.statusCode, 403);
  assert.match((res.json() as { detail: string }).detail, /bound to tenant "acme".*alerts span tenants/);
  const writer = await server.key("writer");
  assert.equal(
    (await server.app.inject({ method: "GET", url: "/v1/alerts", headers: writer.headers })).statusCode,
    403,
  );
});

test("an admin silences a rule for a group; the silence is in the log; others are refused", async () => {
  const admin = await server.key("admin");
  const res = await server.app.inject({
    method: "POST",
    url: "/v1/alerts/silences",
    headers: admin.headers,
    payload: { rule: "failed-logins", group: { "actor.id": "mallory" }, for: "2h", reason: "pen test" },
  });
  assert.equal(res.statusCode, 201, res.body);
  const { seq, until } = res.json() as { seq: number; until: string };
  const untilMs = Date.parse(until);
  assert.ok(Math.abs(untilMs - (Date.now() + 7_200_000)) < 60_000);
  const event = await server.log.getEventBySeq(seq);
  assert.equal(event?.action, "alert.silence");
  assert.deepEqual(event?.details, {
    rule: "failed-logins",
    group: { "actor.id": "mallory" },
    until,
    reason: "pen test",
  });
  assert.equal(event?.actor?.id, `api-key:${admin.id}`);
  const reader = await server.key("reader");
  const refused = await server.app.inject({
    method: "POST",
    url: "/v1/alerts/silences",
    headers: reader.headers,
    payload: { rule: "failed-logins", for: "2h", reason: "x" },
  });
  assert.equal(refused.statusCode, 403);
  const bad = await server.app.inject({
    method: "POST",
    url: "/v1/alerts/silences",
    headers: admin.headers,
    payload: { rule: "failed-logins", for: "2 hours", reason: "x" },
  });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /for/);
});
