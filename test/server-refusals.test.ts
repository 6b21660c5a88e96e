/**
 * Refusals say what was asked for: every 401 and 403 names the request (what it asks to do, the
 * method and the path) and a 403 who may; every 415 lists the media types the route takes (in
 * `Accept-Post` too on a POST), and those are indeed taken.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { allows, type Permission, type Role } from "../src/access/roles.js";
import { startTestServer, type TestKey, type TestServer } from "./server-harness.js";

/** What each route asks to do, as its refusals must say it, and the permission it needs. */
const ROUTES: Readonly<Record<string, readonly [string, Permission]>> = {
  "POST /v1/events": ["append events", "events:write"],
  "GET /v1/events": ["query events", "events:read"],
  "GET /v1/events/{id}": ["read an event", "events:read"],
  "GET /v1/stats": ["read event statistics", "events:read"],
  "GET /v1/performance": ["read operation durations", "events:read"],
  "GET /v1/export": ["export events", "log:audit"],
  "GET /v1/stream": ["follow the live tail of events", "events:read"],
  "GET /v1/checkpoint": ["read the latest checkpoint", "events:read"],
  "GET /checkpoint": ["read the latest checkpoint", "events:read"],
  "GET /v1/proofs/inclusion": ["read inclusion proofs", "log:audit"],
  "GET /v1/proofs/consistency": ["read consistency proofs", "log:audit"],
  "GET /tile/{*}": ["read tiles of the log", "log:audit"],
  "GET /v1/reports": ["list the report types", "log:audit"],
  "GET /v1/reports/{type}": ["read reports", "log:audit"],
  "POST /v1/keys": ["create API keys", "admin"],
  "GET /v1/keys": ["list API keys", "admin"],
  "DELETE /v1/keys/{id}": ["revoke API keys", "admin"],
  "GET /metrics": ["read the server's metrics", "admin"],
  "GET /v1/alerts": ["list alerts", "events:read"],
  "POST /v1/alerts/silences": ["silence alerts", "admin"],
};
const PUBLIC = ["GET /healthz", "GET /readyz", "GET /v1/openapi.json"];

/** Who may, as a 403 says it. */
const MAY: Readonly<Record<Permission, string>> = {
  "events:write": "writer and admin keys may",
  "events:read": "reader, auditor and admin keys may",
  "log:audit": "auditor and admin keys may",
  admin: "only admin keys may",
};

async function routes(server: TestServer): Promise<string[]> {
  const answer = await server.app.inject({ method: "GET", url: "/v1/openapi.json" });
  const paths = (JSON.parse(answer.body) as { paths: Record<string, Record<string, unknown>> }).paths;
  return Object.entries(paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** A path of `template` to ask for: a report type, a hash tile, an id. */
function fill(template: string): string {
  return template
    .replace("{type}", "activity-daily")
    .replace("{*}", "0/000")
    .replace(/\{[^}]+\}/g, () => randomUUID());
}

function detail(body: string): string {
  return String((JSON.parse(body) as { detail?: unknown }).detail);
}

describe("refusals say what was asked for", () => {
  let server: TestServer;
  const keys = new Map<Role, TestKey>();

  before(async () => {
    server = await startTestServer();
    for (const role of ["writer", "reader", "auditor", "admin"] as const)
      keys.set(role, await server.key(role));
    await server.log.append({ action: "user.login", actor: { id: "alice" } });
  });
  after(() => server.close());

  test("every route that needs a key is named here with what it asks to do", async () => {
    const needKeys = (await routes(server)).filter((r) => !PUBLIC.includes(r)).sort();
    assert.deepEqual(needKeys, Object.keys(ROUTES).sort());
  });

  test("a 401 (no key, a bad key) names what the request asked to do, its method and path", async () => {
    const wrong: string[] = [];
    let sources = 0;
    for (const [route, [asks]] of Object.entries(ROUTES)) {
      const [method, template] = route.split(" ") as [string, string];
      const path = fill(template);
      for (const authorization of [undefined, "Bearer stk_0123456789abcdef_wrong", "Basic eDp5"]) {
        const answer = await server.app.inject({
          method: method as "GET",
          url: path,
          headers: authorization === undefined ? {} : { authorization },
          // Each from an address of its own: twenty failed authentications from one are throttled.
          remoteAddress: `10.0.0.${++sources}`,
        });
        const text = detail(answer.body);
        if (answer.statusCode !== 401 || !text.startsWith(`${asks} (${method} ${path}) needs `)) {
          wrong.push(`${route} with ${authorization ?? "no key"} → ${answer.statusCode}: ${text}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  test("a 403 names the key, what it asked to do, the method and path, and the roles that may", async () => {
    const wrong: string[] = [];
    let refused = 0;
    for (const [route, [asks, permission]] of Object.entries(ROUTES)) {
      const [method, template] = route.split(" ") as [string, string];
      const path = fill(template);
      for (const [role, key] of keys) {
        if (allows(role, permission)) continue;
        const answer = await server.app.inject({
          method: method as "GET",
          url: path,
          headers: {
            ...key.headers,
            ...(method === "POST" ? { "content-type": "application/json" } : {}),
          },
          ...(method === "POST" ? { payload: "{}" } : {}),
        });
        refused++;
        const text = detail(answer.body);
        if (
          answer.statusCode !== 403 ||
          text !== `the ${role} key ${key.id} may not ${asks} (${method} ${path}): ${MAY[permission]}`
        ) {
          wrong.push(`${role} ${route} → ${answer.statusCode}: ${text}`);
        }
      }
    }
    assert.ok(refused >= 30, `only ${refused} refusals seen`);
    assert.deepEqual(wrong, []);
  });

  test("a reader asking for a report is refused in words about reports, not proofs or tiles", async () => {
    const reader = keys.get("reader") as TestKey;
    const answer = await server.app.inject({
      method: "GET",
      url: "/v1/reports/activity-daily",
      headers: reader.headers,
    });
    assert.equal(answer.statusCode, 403);
    assert.equal(
      detail(answer.body),
      `the reader key ${reader.id} may not read reports (GET /v1/reports/activity-daily): auditor and admin keys may`,
    );
  });

  test("a reader asking for an event with its proof is refused in words about proofs", async () => {
    const reader = keys.get("reader") as TestKey;
    const url = `/v1/events/${randomUUID()}`;
    const answer = await server.app.inject({
      method: "GET",
      url: `${url}?proof=true`,
      headers: reader.headers,
    });
    assert.equal(answer.statusCode, 403);
    assert.match(
      detail(answer.body),
      /may not read inclusion proofs \(GET \/v1\/events\/[^)]+\): auditor and admin/,
    );
  });

  test("a 415 lists the media types the route takes (Accept-Post on a POST), and each listed one is taken", async () => {
    const admin = keys.get("admin") as TestKey;
    const bodies: Readonly<Record<string, Record<string, string>>> = {
      "/v1/events": {
        "application/json": '{"action":"user.login"}',
        "application/x-ndjson": '{"action":"user.login"}\n',
      },
      "/v1/keys": { "application/json": '{"role":"reader"}' },
      "/v1/alerts/silences": { "application/json": '{"rule":"any-rule","for":"1m","reason":"415 check"}' },
    };
    const withBodies = (await routes(server)).filter((r) => /^(POST|PUT|PATCH|DELETE) /.test(r));
    assert.ok(withBodies.length >= 3, withBodies.join(", "));
    for (const route of withBodies) {
      const [method, template] = route.split(" ") as [string, string];
      const path = fill(template);
      for (const contentType of ["text/plain", "application/xml", undefined]) {
        const answer = await server.app.inject({
          method: method as "POST",
          url: path,
          headers: {
            ...admin.headers,
            ...(contentType === undefined ? {} : { "content-type": contentType }),
          },
          payload: "role=admin",
        });
        const what = `${route} with ${contentType ?? "no Content-Type"}`;
        assert.equal(answer.statusCode, 415, `${what}: ${answer.body}`);
        const text = detail(answer.body);
        const takes = Object.keys(bodies[template] ?? {});
        const got = contentType === undefined ? "no Content-Type" : `Content-Type ${contentType}`;
        assert.equal(
          text,
          takes.length === 0
            ? `${method} ${path} takes no body, got one with ${got}`
            : `${method} ${path} takes ${takes.join(" or ")}, got ${got}`,
          what,
        );
        assert.equal(answer.headers["accept-post"], method === "POST" ? takes.join(", ") : undefined, what);
      }
      for (const [contentType, payload] of Object.entries(bodies[template] ?? {})) {
        const answer = await server.app.inject({
          method: method as "POST",
          url: path,
          headers: { ...admin.headers, "content-type": contentType },
          payload,
        });
        assert.ok(
          answer.statusCode < 300,
          `${route} with ${contentType}: ${answer.statusCode} ${answer.body}`,
        );
      }
    }
  });
});
