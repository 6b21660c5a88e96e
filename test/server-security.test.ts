/**
 * End-to-end security of the HTTP server: every route refuses requests without a valid key (401),
 * every role is refused what docs/http-api.md does not grant it (403), a tenant-bound key sees
 * nothing of another tenant's events through any read, malformed bodies are refused with 4xx
 * problem+json while the server keeps serving, and every read, key change and refusal is
 * recorded in the log itself.
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parse as parseCsv } from "csv-parse/sync";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import type { Role } from "../src/access/roles.js";
import { AuditLog } from "../src/audit-log.js";
import type { AuditEvent, AuditEventInput } from "../src/event/audit-event.js";
import { buildApp } from "../src/server/build-app.js";
import { startTestServer, type TestKey, type TestServer } from "./server-harness.js";
import { openApiKeys } from "./support/api-keys.js";

const PROBLEM_TYPE = /^application\/problem\+json/;
const PUBLIC_ROUTES = ["GET /healthz", "GET /readyz", "GET /v1/openapi.json"];
const ROLES: readonly Role[] = ["writer", "reader", "auditor", "admin"];

// ---------------------------------------------------------------------------------------------
// Helpers

/** One HTTP answer, from `inject` or from a real socket. */
interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, unknown>>;
}

function fromInject(res: LightMyRequestResponse): Answer {
  return {
    status: res.statusCode,
    contentType: String(res.headers["content-type"] ?? ""),
    body: res.body,
    headers: res.headers,
  };
}

function describeAnswer(what: string, answer: Answer): string {
  return `${what} → ${answer.status} ${answer.contentType}: ${answer.body.slice(0, 600)}`;
}

/** Asserts `answer` is an RFC 9457 problem with `status` (and `code`), and returns it. */
function assertProblem(
  what: string,
  answer: Answer,
  status: number | "4xx",
  code?: string,
): Record<string, unknown> {
  const message = describeAnswer(what, answer);
  if (status === "4xx") assert.ok(answer.status >= 400 && answer.status < 500, message);
  else assert.equal(answer.status, status, message);
  assert.match(answer.contentType, PROBLEM_TYPE, message);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.equal(body.status, answer.status, message);
  assert.equal(typeof body.code, "string", message);
  assert.equal(body.type, `https://sealtrail.dev/errors/${String(body.code)}`, message);
  if (code !== undefined) assert.equal(body.code, code, message);
  return body;
}

async function inject(server: TestServer, options: InjectOptions): Promise<Answer> {
  return fromInject(await server.app.inject(options));
}

/** A GET with `key`. */
function get(server: TestServer, url: string, key?: TestKey): Promise<Answer> {
  return inject(server, { method: "GET", url, ...(key ? { headers: key.headers } : {}) });
}

/** A JSON POST of `body` with `key`. */
function postJson(server: TestServer, url: string, key: TestKey, body: unknown): Promise<Answer> {
  return inject(server, {
    method: "POST",
    url,
    headers: { ...key.headers, "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
}

/** An NDJSON POST of `lines` (strings or raw bytes, joined by newlines) to /v1/events. */
function postNdjson(
  server: TestServer,
  key: TestKey,
  lines: ReadonlyArray<string | Buffer>,
): Promise<Answer> {
  const parts: Buffer[] = [];
  for (const line of lines)
    parts.push(Buffer.isBuffer(line) ? line : Buffer.from(line, "utf8"), Buffer.from("\n"));
  return inject(server, {
    method: "POST",
    url: "/v1/events",
    headers: { ...key.headers, "content-type": "application/x-ndjson" },
    payload: Buffer.concat(parts),
  });
}

function json<T = Record<string, unknown>>(answer: Answer): T {
  return JSON.parse(answer.body) as T;
}

/** Server-Sent Events read from a stream's text. */
interface SseMessage {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

function parseSse(text: string): SseMessage[] {
  const messages: SseMessage[] = [];
  for (const block of text.split("\n\n")) {
    let id: string | undefined;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) id = line.slice(4);
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length > 0) messages.push({ id, event, data: data.join("\n") });
  }
  return messages;
}

/**
 * Opens `url` over a real socket, reads its body for `ms` while `during` runs, then aborts.
 * An answer that is not a stream is read to its end.
 */
async function readFor(
  url: string,
  headers: Record<string, string>,
  ms: number,
  during?: () => Promise<void>,
): Promise<Answer> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  let body = "";
  const decoder = new TextDecoder();
  const reader = res.body?.getReader();
  const pump = (async () => {
    if (!reader) return;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        body += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted
    }
  })();
  if (res.status === 200) {
    const work = during?.();
    await sleep(ms);
    await work;
    abort.abort();
  }
  await pump;
  const headerObject: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headerObject[name] = value;
  });
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    body,
    headers: headerObject,
  };
}

/** Events of an NDJSON text, one per non-blank line. */
function ndjsonEvents(text: string): AuditEvent[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** The events of an export answer in `format`; CSV rows as flat objects with `id` and `tenant`. */
function exported(format: string, text: string): Array<Partial<AuditEvent>> {
  if (format === "ndjson") return ndjsonEvents(text);
  if (format === "json") return JSON.parse(text) as AuditEvent[];
  return parseCsv(text, { columns: true }) as Array<Partial<AuditEvent>>;
}

/** Polls `find` until it returns something, for at most `ms`. */
async function eventually<T>(what: string, find: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) assert.fail(`${what}: not found within ${ms} ms`);
    await sleep(25);
  }
}

/** The events of the log matching `expressions`, newest first (up to 1 000). */
async function eventsWhere(server: TestServer, ...expressions: string[]): Promise<AuditEvent[]> {
  return (await server.log.query(expressions, { limit: 1000 })).events;
}

/** The operations of the served OpenAPI document, as "METHOD /path" with their `security`. */
async function openApiOperations(server: TestServer): Promise<Map<string, { security: unknown }>> {
  const doc = await get(server, "/v1/openapi.json");
  assert.equal(doc.status, 200, describeAnswer("GET /v1/openapi.json", doc));
  const paths = json<{ paths: Record<string, Record<string, { security?: unknown }>> }>(doc).paths;
  const operations = new Map<string, { security: unknown }>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      operations.set(`${method.toUpperCase()} ${path}`, { security: operation.security });
    }
  }
  return operations;
}

/** An OpenAPI path with its parameters filled in: `{id}` a random UUID, `{*}` a hash tile. */
function fillPath(path: string): string {
  return path.replaceAll("{*}", "0/000").replace(/\{[^}]+\}/g, () => randomUUID());
}

const loginEvent = (extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  action: "user.login",
  outcome: "success",
  actor: { id: "alice" },
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// 1. Authentication

describe("every route without a valid key is refused with 401", () => {
  let server: TestServer;
  let admin: TestKey;
  let operations: Map<string, { security: unknown }>;

  before(async () => {
    server = await startTestServer();
    admin = await server.key("admin");
    await server.log.append(loginEvent());
    operations = await openApiOperations(server);
  });
  after(() => server.close());

  test("the OpenAPI document lists the routes, the public ones without security", () => {
    for (const known of [
      "POST /v1/events",
      "GET /v1/events",
      "GET /v1/events/{id}",
      "GET /v1/stats",
      "GET /v1/performance",
      "GET /v1/export",
      "GET /v1/stream",
      "GET /v1/proofs/inclusion",
      "GET /v1/keys",
      "DELETE /v1/keys/{id}",
      "GET /metrics",
      ...PUBLIC_ROUTES,
    ]) {
      assert.ok(operations.has(known), `${known} missing from the OpenAPI document`);
    }
    const documentedPublic = [...operations]
      .filter(([, op]) => Array.isArray(op.security) && op.security.length === 0)
      .map(([name]) => name)
      .sort();
    assert.deepEqual(documentedPublic, [...PUBLIC_ROUTES].sort());
  });

  test("public routes answer 2xx without a key", async () => {
    for (const route of PUBLIC_ROUTES) {
      const [method, path] = route.split(" ") as [string, string];
      const answer = await inject(server, { method: method as "GET", url: path });
      assert.ok(answer.status >= 200 && answer.status < 300, describeAnswer(route, answer));
    }
  });

  test("every other route (and its HEAD) answers 401 ST_ERR_AUTH_MISSING without a key", async () => {
    let checked = 0;
    for (const [route] of operations) {
      if (PUBLIC_ROUTES.includes(route)) continue;
      const [method, template] = route.split(" ") as [string, string];
      const path = fillPath(template);
      const answer = await inject(server, {
        method: method as "GET",
        url: path,
        ...(method === "POST"
          ? { headers: { "content-type": "application/json" }, payload: JSON.stringify({ role: "admin" }) }
          : {}),
      });
      const body = assertProblem(`${method} ${path} without a key`, answer, 401, "ST_ERR_AUTH_MISSING");
      assert.equal(body.instance, path);
      assert.match(String(answer.headers["www-authenticate"]), /^Bearer /);
      if (method === "GET") {
        const head = await inject(server, { method: "HEAD", url: path });
        assert.equal(head.status, 401, `HEAD ${path} without a key → ${head.status}`);
      }
      checked++;
    }
    assert.ok(checked >= 14, `only ${checked} routes checked`);
    // Nothing was written by the refused POSTs (only the refusals' own records, if any): the
    // store holds its init event and the login appended before.
    const after = await eventsWhere(server, "action!=auth.api_key_rejected");
    assert.deepEqual(
      after.map((e) => e.action),
      ["user.login", "audit_log.init"],
      "a refused request stored something",
    );
    assert.equal(server.keys.list().length, 1, "a refused POST /v1/keys created a key");
  });

  test("malformed, unknown, wrong-secret and revoked keys answer 401 ST_ERR_AUTH_INVALID", async () => {
    const reader = await server.key("reader");
    const revoked = await server.key("admin");
    // The key works, then is revoked through the API and stops working at once.
    assert.equal((await get(server, "/v1/keys", revoked)).status, 200);
    const revocation = await inject(server, {
      method: "DELETE",
      url: `/v1/keys/${revoked.id}`,
      headers: admin.headers,
    });
    assert.equal(revocation.status, 200, describeAnswer("DELETE /v1/keys/…", revocation));
    const secret = reader.key.slice(`stk_${reader.id}_`.length);
    const flipped = (secret[0] === "A" ? "B" : "A") + secret.slice(1);
    const headers: Record<string, string> = {
      garbage: "Bearer garbage",
      "no token": "Bearer ",
      "basic auth": `Basic ${Buffer.from("admin:admin").toString("base64")}`,
      "no scheme": reader.key,
      "two tokens": `Bearer ${reader.key} ${reader.key}`,
      "unknown id": `Bearer stk_0123456789abcdef_${"A".repeat(43)}`,
      "wrong secret": `Bearer stk_${reader.id}_${flipped}`,
      "secret with a suffix": `Bearer ${reader.key}x`,
      "truncated secret": `Bearer ${reader.key.slice(0, -1)}`,
      "upper-case id": `Bearer stk_${reader.id.toUpperCase()}_${secret}`,
      revoked: `Bearer ${revoked.key}`,
    };
    let attempt = 0;
    for (const [route] of operations) {
      if (PUBLIC_ROUTES.includes(route)) continue;
      const [method, template] = route.split(" ") as [string, string];
      const path = fillPath(template);
      for (const [what, authorization] of Object.entries(headers)) {
        // Each from its own address: one address is refused unchecked after 20 failures a minute.
        const answer = await inject(server, {
          method: method as "GET",
          url: path,
          headers: { authorization },
          remoteAddress: `10.1.${(attempt >> 8) & 255}.${attempt++ & 255}`,
        });
        assertProblem(`${method} ${path} with a ${what} key`, answer, 401, "ST_ERR_AUTH_INVALID");
        assert.match(String(answer.headers["www-authenticate"]), /^Bearer .*invalid_token/);
      }
    }
    // The real reader key still works.
    assert.equal((await get(server, "/v1/events", reader)).status, 200);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Authorization: roles × routes

/** What a route needs, per docs/http-api.md (written out here, not read from the server). */
type Access = "public" | "write" | "read" | "audit" | "admin";

const MAY: Readonly<Record<Role, ReadonlySet<Access>>> = {
  writer: new Set(["public", "write"]),
  reader: new Set(["public", "read"]),
  auditor: new Set(["public", "read", "audit"]),
  admin: new Set(["public", "write", "read", "audit", "admin"]),
};

/** One request a role may or may not make. */
interface Call {
  readonly method: "GET" | "POST" | "DELETE";
  readonly url: string;
  readonly payload?: unknown;
  /** What this call needs, when it is not what its route needs. */
  readonly access?: Access;
  /** Read over a real socket (a live tail never ends). */
  readonly stream?: boolean;
  /** Checks, after a refusal, that the call changed nothing. */
  readonly unchanged?: () => Promise<void> | void;
}

interface MatrixRoute {
  readonly access: Access;
  /** Calls that succeed (2xx) for a role the route allows. */
  calls(server: TestServer, eventId: string): Promise<Call[]> | Call[];
}

/** Every route of the OpenAPI document, by "METHOD /path"; a route missing here fails the test. */
const ROUTE_MATRIX: Readonly<Record<string, MatrixRoute>> = {
  "GET /healthz": { access: "public", calls: () => [{ method: "GET", url: "/healthz" }] },
  "GET /readyz": { access: "public", calls: () => [{ method: "GET", url: "/readyz" }] },
  "GET /v1/openapi.json": { access: "public", calls: () => [{ method: "GET", url: "/v1/openapi.json" }] },
  "GET /metrics": { access: "admin", calls: () => [{ method: "GET", url: "/metrics" }] },
  "POST /v1/events": {
    access: "write",
    calls: (server) => {
      const id = randomUUID();
      return [
        {
          method: "POST",
          url: "/v1/events",
          payload: loginEvent({ id }),
          unchanged: async () =>
            assert.equal(await server.log.getEvent(id), undefined, "a refused write stored"),
        },
      ];
    },
  },
  "GET /v1/events": {
    access: "read",
    calls: () => [
      { method: "GET", url: "/v1/events" },
      { method: "GET", url: "/v1/events?actor.id=alice&limit=5" },
    ],
  },
  "GET /v1/events/{id}": {
    access: "read",
    calls: (_server, eventId) => [
      { method: "GET", url: `/v1/events/${eventId}` },
      { method: "GET", url: `/v1/events/${eventId}?proof=true`, access: "audit" },
    ],
  },
  "GET /v1/stats": { access: "read", calls: () => [{ method: "GET", url: "/v1/stats" }] },
  "GET /v1/performance": {
    access: "read",
    calls: () => [
      { method: "GET", url: "/v1/performance" },
      { method: "GET", url: "/v1/performance?since=7d&by=actor.id&action=user.*" },
    ],
  },
  "GET /v1/stream": {
    access: "read",
    calls: () => [{ method: "GET", url: "/v1/stream?after=-1", stream: true }],
  },
  "GET /v1/checkpoint": { access: "read", calls: () => [{ method: "GET", url: "/v1/checkpoint" }] },
  "GET /checkpoint": { access: "read", calls: () => [{ method: "GET", url: "/checkpoint" }] },
  "GET /v1/export": {
    access: "audit",
    calls: () => [
      { method: "GET", url: "/v1/export" },
      { method: "GET", url: "/v1/export?format=csv" },
      { method: "GET", url: "/v1/export?format=json" },
    ],
  },
  "GET /v1/reports": { access: "audit", calls: () => [{ method: "GET", url: "/v1/reports" }] },
  "GET /v1/reports/{type}": {
    access: "audit",
    calls: () => [{ method: "GET", url: "/v1/reports/activity-daily?format=json" }],
  },
  "GET /v1/proofs/inclusion": {
    access: "audit",
    calls: () => [{ method: "GET", url: "/v1/proofs/inclusion?seq=0" }],
  },
  "GET /v1/proofs/consistency": {
    access: "audit",
    calls: () => [{ method: "GET", url: "/v1/proofs/consistency?from=1" }],
  },
  "GET /tile/{*}": {
    access: "audit",
    calls: () => [
      { method: "GET", url: "/tile/0/000.p/1" },
      { method: "GET", url: "/tile/entries/000.p/1" },
    ],
  },
  "GET /v1/alerts": { access: "read", calls: () => [{ method: "GET", url: "/v1/alerts?since=1h" }] },
  "POST /v1/alerts/silences": {
    access: "admin",
    calls: () => [
      {
        method: "POST",
        url: "/v1/alerts/silences",
        payload: { rule: "matrix-rule", for: "1m", reason: "matrix" },
      },
    ],
  },
  "GET /v1/keys": { access: "admin", calls: () => [{ method: "GET", url: "/v1/keys" }] },
  "POST /v1/keys": {
    access: "admin",
    calls: (server) => {
      const name = `matrix-${randomUUID()}`;
      return [
        {
          method: "POST",
          url: "/v1/keys",
          payload: { role: "admin", name },
          unchanged: () =>
            assert.equal(
              server.keys.list().filter((k) => k.name === name).length,
              0,
              "a refused POST /v1/keys created a key",
            ),
        },
      ];
    },
  },
  "DELETE /v1/keys/{id}": {
    access: "admin",
    calls: async (server) => {
      const victim = await server.keys.create({ role: "admin" });
      return [
        {
          method: "DELETE",
          url: `/v1/keys/${victim.record.id}`,
          unchanged: () =>
            assert.equal(
              server.keys.get(victim.record.id)?.revokedAt,
              null,
              "a refused DELETE revoked a key",
            ),
        },
      ];
    },
  },
};

describe("each role may use exactly the routes docs/http-api.md grants it", () => {
  let server: TestServer;
  let eventId: string;
  const keys = new Map<Role, TestKey>();

  before(async () => {
    server = await startTestServer({ listen: true });
    for (const role of ROLES) keys.set(role, await server.key(role));
    eventId = (await server.log.append(loginEvent())).id;
    await server.log.append([loginEvent({ actor: { id: "bob" } }), loginEvent({ action: "user.logout" })]);
  });
  after(() => server.close());

  async function send(call: Call, key: TestKey): Promise<Answer> {
    if (call.stream) {
      return readFor(`${server.url}${call.url}`, key.headers, 150);
    }
    return inject(server, {
      method: call.method,
      url: call.url,
      headers: {
        ...key.headers,
        ...(call.payload === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(call.payload === undefined ? {} : { payload: JSON.stringify(call.payload) }),
    });
  }

  test("the matrix names every route of the OpenAPI document, and no other", async () => {
    const operations = await openApiOperations(server);
    assert.deepEqual([...operations.keys()].sort(), Object.keys(ROUTE_MATRIX).sort());
  });

  for (const role of ROLES) {
    test(`${role}: allowed routes answer 2xx, the others 403 ST_ERR_AUTH_FORBIDDEN and change nothing`, async () => {
      const key = keys.get(role) as TestKey;
      let allowed = 0;
      let refused = 0;
      for (const [route, spec] of Object.entries(ROUTE_MATRIX)) {
        for (const call of await spec.calls(server, eventId)) {
          const access = call.access ?? spec.access;
          const answer = await send(call, key);
          const what = `${role} ${call.method} ${call.url} (${route}, needs ${access})`;
          if (MAY[role].has(access)) {
            assert.ok(answer.status >= 200 && answer.status < 300, describeAnswer(what, answer));
            allowed++;
          } else {
            assertProblem(what, answer, 403, "ST_ERR_AUTH_FORBIDDEN");
            await call.unchanged?.();
            refused++;
          }
        }
      }
      const expectedRefused = { writer: 25, reader: 16, auditor: 6, admin: 0 }[role];
      assert.equal(refused, expectedRefused, `${role}: ${allowed} allowed, ${refused} refused`);
    });
  }

  test("a reader asking for an event's proof gets 403, and no proof", async () => {
    const answer = await get(server, `/v1/events/${eventId}?proof=true`, keys.get("reader"));
    const body = assertProblem("reader GET /v1/events/{id}?proof=true", answer, 403, "ST_ERR_AUTH_FORBIDDEN");
    assert.equal(body.proof, undefined);
    assert.doesNotMatch(answer.body, /"leaf_hash"|"event"/);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Tenant isolation

describe("a tenant-bound key sees nothing of another tenant's events", () => {
  let server: TestServer;
  let acmeReader: TestKey;
  let acmeAuditor: TestKey;
  let acmeWriter: TestKey;
  let globexReader: TestKey;
  const acmeIds: string[] = [];
  const globexIds: string[] = [];
  const globexSeqs: number[] = [];
  const untenantedIds: string[] = [];
  const untenantedSeqs: number[] = [];
  const acmeSeqs: number[] = [];

  /**
   * Actors, actions and targets of the globex and untenanted events. (Ids and filter texts an acme
   * key asked about may appear in the access records of its own requests, which are acme events.)
   */
  const FOREIGN_MARKERS = [
    "globex-ceo",
    "globex.secret_merger",
    "globex-deal-1",
    "globex-hr",
    "globex.layoffs",
    "globex-alice",
    "globex.user.login",
    "globex-live",
    "globex.live",
    "system.boot",
    "system.shutdown",
    "system.live",
  ];
  const FOREIGN_ACTORS = ["globex-ceo", "globex-hr", "globex-alice", "globex-live", "root-system"];
  const FOREIGN_ACTIONS = FOREIGN_MARKERS.filter((m) => m.includes("."));

  /** A problem answer shows nothing of the foreign events. */
  const assertNoMarkers = (what: string, text: string) => {
    for (const marker of FOREIGN_MARKERS) assert.ok(!text.includes(marker), `${what} shows ${marker}`);
  };

  /** Every event is an acme event, and none is one of the foreign events. */
  const assertOnlyAcme = (what: string, events: ReadonlyArray<Partial<AuditEvent>>) => {
    const foreign = new Set([...globexIds, ...untenantedIds]);
    for (const event of events) {
      assert.equal(event.tenant, "acme", `${what}: ${JSON.stringify(event)}`);
      assert.ok(!foreign.has(String(event.id)), `${what} holds the foreign event ${event.id}`);
    }
  };

  before(async () => {
    server = await startTestServer({ listen: true });
    acmeReader = await server.key("reader", "acme");
    acmeAuditor = await server.key("auditor", "acme");
    acmeWriter = await server.key("writer", "acme");
    globexReader = await server.key("reader", "globex");
    const stored = await server.log.append([
      { action: "invoice.paid", outcome: "success", actor: { id: "acme-alice" }, tenant: "acme" },
      {
        action: "globex.secret_merger",
        outcome: "failure",
        severity: "critical",
        actor: { id: "globex-ceo" },
        target: { type: "deal", id: "globex-deal-1" },
        tenant: "globex",
      },
      { action: "system.boot", actor: { id: "root-system" } },
      { action: "invoice.sent", outcome: "success", actor: { id: "acme-bob" }, tenant: "acme" },
      { action: "globex.layoffs", actor: { id: "globex-hr" }, tenant: "globex" },
      { action: "system.shutdown", actor: { id: "root-system" } },
      { action: "user.login", outcome: "failure", actor: { id: "acme-alice" }, tenant: "acme" },
      { action: "globex.user.login", actor: { id: "globex-alice" }, tenant: "globex" },
    ]);
    stored.forEach((receipt, i) => {
      const tenant = [0, 3, 6].includes(i) ? "acme" : [1, 4, 7].includes(i) ? "globex" : null;
      if (tenant === "acme") {
        acmeIds.push(receipt.id);
        acmeSeqs.push(receipt.seq);
      } else if (tenant === "globex") {
        globexIds.push(receipt.id);
        globexSeqs.push(receipt.seq);
      } else {
        untenantedIds.push(receipt.id);
        untenantedSeqs.push(receipt.seq);
      }
    });
    await server.log.checkpoint();
  });
  after(() => server.close());

  test("GET /v1/events/{another tenant's id} → 404 exactly like an id that does not exist", async () => {
    const globexId = globexIds[0] as string;
    const missing = randomUUID();
    // Control: the event exists and its own tenant sees it.
    const own = await get(server, `/v1/events/${globexId}`, globexReader);
    assert.equal(own.status, 200, describeAnswer("globex reader", own));
    for (const key of [acmeReader, acmeAuditor]) {
      for (const id of [globexId, untenantedIds[0] as string]) {
        for (const suffix of ["", "?proof=true"]) {
          if (suffix && key.role !== "auditor") continue;
          const foreign = await get(server, `/v1/events/${id}${suffix}`, key);
          const absent = await get(server, `/v1/events/${missing}${suffix}`, key);
          const foreignBody = assertProblem(`${key.role} acme GET foreign ${id}`, foreign, 404);
          const absentBody = assertProblem(`${key.role} acme GET missing`, absent, 404);
          assert.deepEqual(
            JSON.parse(JSON.stringify(foreignBody).replaceAll(id, "<id>")),
            JSON.parse(JSON.stringify(absentBody).replaceAll(missing, "<id>")),
          );
          assert.equal(foreign.contentType, absent.contentType);
          assertNoMarkers("404 body", foreign.body);
        }
      }
    }
    // The acme reader does see its own events.
    const mine = await get(server, `/v1/events/${acmeIds[0]}`, acmeReader);
    assert.equal(mine.status, 200);
    assert.equal(json<{ event: AuditEvent }>(mine).event.tenant, "acme");
  });

  test("queries return only the key's tenant, whatever the filter", async () => {
    const plain = await get(server, "/v1/events?limit=1000", acmeReader);
    assert.equal(plain.status, 200, describeAnswer("GET /v1/events", plain));
    const events = json<{ events: AuditEvent[] }>(plain).events;
    assert.ok(events.length >= acmeIds.length);
    assertOnlyAcme("GET /v1/events", events);
    for (const id of acmeIds)
      assert.ok(
        events.some((e) => e.id === id),
        `acme event ${id} missing`,
      );

    for (const query of [
      "tenant=globex",
      "tenant!=acme",
      "tenant=acme,globex&action=globex.*",
      "filter=tenant%3Dglobex",
      "action=globex.*",
      "actor.id=globex-ceo",
      "actor.id=root-system",
      "tenant=globex&order=asc",
    ]) {
      const answer = await get(server, `/v1/events?${query}`, acmeReader);
      assert.equal(answer.status, 200, describeAnswer(query, answer));
      assert.deepEqual(json<{ events: unknown[] }>(answer).events, [], `?${query} returned events`);
    }
    // Pages: a small limit walked to the end shows only acme events too.
    let cursor: string | undefined;
    const paged: AuditEvent[] = [];
    do {
      const page = await get(
        server,
        `/v1/events?limit=2&order=asc${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        acmeReader,
      );
      assert.equal(page.status, 200, describeAnswer("page", page));
      const body = json<{ events: AuditEvent[]; next_cursor?: string }>(page);
      paged.push(...body.events);
      cursor = body.next_cursor;
    } while (cursor);
    assert.ok(paged.length >= acmeIds.length);
    assertOnlyAcme("pages", paged);
  });

  test("stats count only the key's tenant and never show another's actors or actions", async () => {
    const answer = await get(server, "/v1/stats", acmeReader);
    assert.equal(answer.status, 200, describeAnswer("GET /v1/stats", answer));
    type Rows = Array<{ key: string | null; count: number }>;
    const stats = json<{
      total: number;
      byAction: Rows;
      byActor: Rows;
      byOutcome: Rows;
      bySeverity: Rows;
      perDay: Rows;
    }>(answer);
    // The stats request itself was recorded (as an acme event) before counting.
    const acmeCount = await server.log.count(["tenant=acme"]);
    assert.equal(stats.total, acmeCount);
    assert.ok(stats.total < server.log.size, "stats counted every tenant");
    const sum = (rows: Rows) => rows.reduce((n, r) => n + r.count, 0);
    assert.equal(sum(stats.byOutcome), acmeCount, "outcomes count other tenants");
    assert.equal(sum(stats.bySeverity), acmeCount, "severities count other tenants");
    assert.equal(sum(stats.perDay), acmeCount, "days count other tenants");
    assert.ok(!stats.bySeverity.some((r) => r.key === "critical"), "globex's critical event is counted");
    for (const row of stats.byActor) assert.ok(!FOREIGN_ACTORS.includes(String(row.key)), `actor ${row.key}`);
    for (const row of stats.byAction)
      assert.ok(!FOREIGN_ACTIONS.includes(String(row.key)), `action ${row.key}`);
    assertNoMarkers("GET /v1/stats", answer.body);
    assert.ok(stats.byAction.some((r) => r.key === "invoice.paid" && r.count === 1));
    assert.ok(stats.byActor.some((r) => r.key === "acme-alice" && r.count === 2));
    for (const query of ["tenant=globex", "action=globex.*", "actor.id=root-system"]) {
      const scoped = await get(server, `/v1/stats?${query}`, acmeReader);
      assert.equal(scoped.status, 200);
      assert.equal(json<{ total: number }>(scoped).total, 0, `/v1/stats?${query}`);
    }
  });

  test("exports (ndjson, csv, json) hold only the key's tenant", async () => {
    for (const format of ["ndjson", "csv", "json"]) {
      const answer = await get(server, `/v1/export?format=${format}`, acmeAuditor);
      assert.equal(answer.status, 200, describeAnswer(format, answer));
      const events = exported(format, answer.body);
      assert.ok(events.length >= acmeIds.length);
      assertOnlyAcme(`export ${format}`, events);
      for (const id of acmeIds)
        assert.ok(
          events.some((e) => e.id === id),
          `export ${format} lacks ${id}`,
        );
      assert.ok(events.length < server.log.size, `export ${format} holds every tenant`);
      const filtered = await get(server, `/v1/export?format=${format}&tenant=globex`, acmeAuditor);
      assert.equal(filtered.status, 200);
      assert.deepEqual(exported(format, filtered.body), [], `export ${format}?tenant=globex`);
    }
  });

  test("inclusion proofs of another tenant's seq → 404 like a seq beyond the log", async () => {
    const own = await get(server, `/v1/proofs/inclusion?seq=${acmeSeqs[0]}`, acmeAuditor);
    assert.equal(own.status, 200, describeAnswer("proof of acme seq 0", own));
    const beyond = 1_000_000;
    const absent = await get(server, `/v1/proofs/inclusion?seq=${beyond}`, acmeAuditor);
    const absentBody = assertProblem("proof beyond the log", absent, 404);
    for (const seq of [...globexSeqs, ...untenantedSeqs]) {
      const foreign = await get(server, `/v1/proofs/inclusion?seq=${seq}`, acmeAuditor);
      const body = assertProblem(`proof of foreign seq ${seq}`, foreign, 404);
      // Alike but for the number asked about.
      assert.deepEqual(
        JSON.parse(JSON.stringify(body).replaceAll(`seq ${seq}`, "seq <n>")),
        JSON.parse(JSON.stringify(absentBody).replaceAll(`seq ${beyond}`, "seq <n>")),
      );
      assertNoMarkers(`proof of seq ${seq}`, foreign.body);
    }
  });

  test("entry bundles are refused to tenant-bound keys; hash tiles are not", async () => {
    for (const url of ["/tile/entries/000", "/tile/entries/000.p/1", "/tile/entries/000.p/8"]) {
      const answer = await get(server, url, acmeAuditor);
      assertProblem(`acme auditor ${url}`, answer, 403, "ST_ERR_AUTH_FORBIDDEN");
      assertNoMarkers(url, answer.body);
    }
    const hashes = await get(server, "/tile/0/000.p/1", acmeAuditor);
    assert.equal(hashes.status, 200, describeAnswer("hash tile", hashes));
  });

  test("a live tail shows only the key's tenant, live and replayed", async () => {
    assert.ok(server.url);
    const acmeLive: string[] = [];
    const foreignLive: string[] = [];
    const live = await readFor(`${server.url}/v1/stream`, acmeReader.headers, 1000, async () => {
      for (let i = 0; i < 3; i++) {
        const [g, a, n] = await server.log.append([
          { action: "globex.live", actor: { id: "globex-live" }, tenant: "globex" },
          { action: "invoice.live", actor: { id: "acme-live" }, tenant: "acme" },
          { action: "system.live", actor: { id: "root-system" } },
        ]);
        foreignLive.push((g as { id: string }).id, (n as { id: string }).id);
        acmeLive.push((a as { id: string }).id);
        await sleep(100);
      }
    });
    assert.equal(live.status, 200, describeAnswer("stream", live));
    assert.match(live.contentType, /^text\/event-stream/);
    const messages = parseSse(live.body);
    const events = messages.map((m) => JSON.parse(m.data) as AuditEvent);
    for (const id of acmeLive)
      assert.ok(
        events.some((e) => e.id === id),
        `acme live event ${id} missing`,
      );
    untenantedIds.push(...foreignLive.filter((_, i) => i % 2 === 1));
    globexIds.push(...foreignLive.filter((_, i) => i % 2 === 0));
    assertOnlyAcme("live stream", events);
    assertNoMarkers("live stream", live.body);

    const replay = await readFor(`${server.url}/v1/stream?after=-1`, acmeReader.headers, 500);
    assert.equal(replay.status, 200);
    const replayed = parseSse(replay.body).map((m) => JSON.parse(m.data) as AuditEvent);
    for (const id of [...acmeIds, ...acmeLive])
      assert.ok(
        replayed.some((e) => e.id === id),
        `replay lacks ${id}`,
      );
    assertOnlyAcme("replayed stream", replayed);

    const filtered = await readFor(`${server.url}/v1/stream?after=-1&tenant=globex`, acmeReader.headers, 300);
    assert.equal(filtered.status, 200);
    assert.deepEqual(parseSse(filtered.body), []);
  });

  test("a writer bound to acme cannot write for globex", async () => {
    const before = await server.log.count(["tenant=globex"]);
    const single = await postJson(server, "/v1/events", acmeWriter, loginEvent({ tenant: "globex" }));
    assertProblem("single globex event", single, 403, "ST_ERR_EVENT_TENANT");

    const arrayIds = [randomUUID(), randomUUID(), randomUUID()];
    const array = await postJson(server, "/v1/events", acmeWriter, [
      loginEvent({ id: arrayIds[0] }),
      loginEvent({ id: arrayIds[1], tenant: "globex" }),
      loginEvent({ id: arrayIds[2], tenant: "acme" }),
    ]);
    assert.equal(array.status, 200, describeAnswer("array", array));
    const arrayBody = json<{
      accepted: number;
      rejected: number;
      results: Array<{ index: number; seq?: number; error?: { code: string } }>;
    }>(array);
    assert.equal(arrayBody.accepted, 2);
    assert.equal(arrayBody.rejected, 1);
    assert.equal(arrayBody.results[1]?.error?.code, "ST_ERR_EVENT_TENANT");
    assert.equal(typeof arrayBody.results[0]?.seq, "number");
    assert.equal(typeof arrayBody.results[2]?.seq, "number");
    assert.equal((await server.log.getEvent(arrayIds[0] as string))?.tenant, "acme");
    assert.equal(await server.log.getEvent(arrayIds[1] as string), undefined);
    assert.equal((await server.log.getEvent(arrayIds[2] as string))?.tenant, "acme");

    const lineIds = [randomUUID(), randomUUID(), randomUUID()];
    const ndjson = await postNdjson(server, acmeWriter, [
      JSON.stringify(loginEvent({ id: lineIds[0], tenant: "globex" })),
      JSON.stringify(loginEvent({ id: lineIds[1] })),
      JSON.stringify(loginEvent({ id: lineIds[2], tenant: "acme" })),
    ]);
    assert.equal(ndjson.status, 200, describeAnswer("ndjson", ndjson));
    const ndjsonBody = json<{
      accepted: number;
      results: Array<{ index: number; error?: { code: string } }>;
    }>(ndjson);
    assert.equal(ndjsonBody.accepted, 2);
    assert.deepEqual(
      ndjsonBody.results.map((r) => [r.index, r.error?.code]),
      [
        [0, "ST_ERR_EVENT_TENANT"],
        [1, undefined],
        [2, undefined],
      ],
    );
    assert.equal(await server.log.getEvent(lineIds[0] as string), undefined);
    assert.equal((await server.log.getEvent(lineIds[1] as string))?.tenant, "acme");
    assert.equal((await server.log.getEvent(lineIds[2] as string))?.tenant, "acme");

    const onlyForeign = await postNdjson(server, acmeWriter, [
      JSON.stringify(loginEvent({ tenant: "globex" })),
    ]);
    assertProblem("ndjson of only a globex event", onlyForeign, 403, "ST_ERR_EVENT_TENANT");

    assert.equal(await server.log.count(["tenant=globex"]), before, "a globex event was stored");
  });

  test("a writer bound to acme writing without a tenant stores it under acme", async () => {
    const answer = await postJson(server, "/v1/events", acmeWriter, loginEvent());
    assert.equal(answer.status, 201, describeAnswer("POST", answer));
    const { id } = json<{ id: string }>(answer);
    assert.equal((await server.log.getEvent(id))?.tenant, "acme");
  });

  test("a writer bound to acme sending a globex event's id does not learn its seq", async () => {
    const globexId = globexIds[0] as string;
    const globexSeq = globexSeqs[0] as number;
    const original = await server.log.getEvent(globexId);
    const attempts: Array<[string, Answer]> = [
      ["single", await postJson(server, "/v1/events", acmeWriter, loginEvent({ id: globexId }))],
      [
        "single, upper-case id",
        await postJson(server, "/v1/events", acmeWriter, loginEvent({ id: globexId.toUpperCase() })),
      ],
      [
        "Idempotency-Key",
        await inject(server, {
          method: "POST",
          url: "/v1/events",
          headers: { ...acmeWriter.headers, "content-type": "application/json", "idempotency-key": globexId },
          payload: JSON.stringify(loginEvent()),
        }),
      ],
      [
        "array",
        await postJson(server, "/v1/events", acmeWriter, [loginEvent({ id: globexId }), loginEvent()]),
      ],
      ["ndjson", await postNdjson(server, acmeWriter, [JSON.stringify(loginEvent({ id: globexId }))])],
    ];
    for (const [what, answer] of attempts) {
      const message = describeAnswer(what, answer);
      assert.ok(answer.status !== 201, message);
      const body = json<Record<string, unknown>>(answer);
      const results = (body.results as Array<Record<string, unknown>> | undefined) ?? [body];
      for (const result of results) {
        if (String(result.id ?? "").toLowerCase() !== globexId) continue;
        assert.notEqual(result.duplicate, true, message);
        assert.notEqual(result.seq, globexSeq, message);
      }
      assert.doesNotMatch(JSON.stringify(body), new RegExp(`"seq":${globexSeq}[,}]`), message);
    }
    assert.deepEqual(await server.log.getEvent(globexId), original);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Malformed bodies

describe("malformed bodies are refused with 4xx problem+json and the server keeps serving", () => {
  let server: TestServer;
  let writer: TestKey;
  let admin: TestKey;

  before(async () => {
    server = await startTestServer({ listen: true });
    writer = await server.key("writer");
    admin = await server.key("admin");
  });
  after(() => server.close());

  /** A valid JSON event and a valid NDJSON line are still stored. */
  async function stillServes(after: string): Promise<void> {
    const health = await get(server, "/healthz");
    assert.equal(health.status, 200, `after ${after}: ${describeAnswer("/healthz", health)}`);
    const id = randomUUID();
    const one = await postJson(server, "/v1/events", writer, loginEvent({ id }));
    assert.equal(one.status, 201, `after ${after}: ${describeAnswer("valid POST", one)}`);
    assert.equal((await server.log.getEvent(id))?.id, id);
    const lineId = randomUUID();
    const line = await postNdjson(server, writer, [JSON.stringify(loginEvent({ id: lineId }))]);
    assert.equal(line.status, 200, `after ${after}: ${describeAnswer("valid NDJSON", line)}`);
    assert.equal((await server.log.getEvent(lineId))?.id, lineId);
  }

  const TEN_MB = 10 * 1024 * 1024;
  const bigEvent = () => `{"action":"user.login","details":{"pad":"${"a".repeat(TEN_MB)}"}}`;
  const DEPTH = 100_000;
  const deepArray = () => `${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}`;
  const deepObject = () => `${'{"a":'.repeat(DEPTH)}1${"}".repeat(DEPTH)}`;
  const deepDetails = () =>
    `{"action":"user.login","details":${'{"a":'.repeat(DEPTH)}1${"}".repeat(DEPTH + 1)}`;
  const invalidUtf8 = [
    Buffer.from([0xff, 0xfe]),
    Buffer.from([0xc0, 0xaf]), // overlong "/"
    Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
    Buffer.from([0xe2, 0x82]), // truncated sequence
  ];
  const withBytes = (bytes: Buffer) =>
    Buffer.concat([Buffer.from('{"action":"user.login","actor":{"id":"al'), bytes, Buffer.from('ice"}}')]);

  /** Refused JSON bodies: [what, content type, body, status, code]. */
  const refusedJson: Array<[string, string | undefined, () => string | Buffer, number | "4xx", string?]> = [
    ["invalid JSON", "application/json", () => '{"action": "user.login",', 400, "ST_ERR_HTTP_BODY"],
    ["a bare word", "application/json", () => "hello", 400, "ST_ERR_HTTP_BODY"],
    ["a 10 MB JSON body", "application/json", bigEvent, 413, "ST_ERR_HTTP_BODY_TOO_LARGE"],
    ["100,000-deep arrays", "application/json", deepArray, "4xx"],
    ["100,000-deep objects", "application/json", deepObject, "4xx"],
    ["100,000-deep details", "application/json", deepDetails, "4xx"],
    ["text/plain", "text/plain", () => JSON.stringify(loginEvent()), 415, "ST_ERR_HTTP_MEDIA_TYPE"],
    [
      "application/xml",
      "application/xml",
      () => "<event><action>x</action></event>",
      415,
      "ST_ERR_HTTP_MEDIA_TYPE",
    ],
    ["a form", "application/x-www-form-urlencoded", () => "action=user.login", 415, "ST_ERR_HTTP_MEDIA_TYPE"],
    ...invalidUtf8.map((bytes, i): [string, string, () => Buffer, number, string] => [
      `invalid UTF-8 in JSON (${i})`,
      "application/json",
      () => withBytes(bytes),
      400,
      "ST_ERR_HTTP_BODY",
    ]),
    ["an empty JSON body", "application/json", () => "", 400, "ST_ERR_HTTP_BODY"],
    ["an empty body without a content type", undefined, () => "", "4xx"],
    [
      "a JSON body without a content type",
      undefined,
      () => JSON.stringify(loginEvent()),
      415,
      "ST_ERR_HTTP_MEDIA_TYPE",
    ],
    ["a JSON null", "application/json", () => "null", "4xx"],
    ["a JSON number", "application/json", () => "42", "4xx"],
    [
      "10,001 events in one array",
      "application/json",
      () => `[${Array.from({ length: 10_001 }, () => '{"action":"user.login"}').join(",")}]`,
      413,
      "ST_ERR_INGEST_BATCH_TOO_LARGE",
    ],
  ];

  for (const [what, contentType, body, status, code] of refusedJson) {
    test(`${what} → ${status}${code ? ` ${code}` : ""}, nothing stored`, async () => {
      const size = server.log.size;
      const answer = await inject(server, {
        method: "POST",
        url: "/v1/events",
        headers: { ...writer.headers, ...(contentType ? { "content-type": contentType } : {}) },
        payload: body(),
      });
      assertProblem(what, answer, status, code);
      assert.equal(server.log.size, size, `${what}: something was stored`);
      await stillServes(what);
    });
  }

  /** NDJSON with a bad line between two good ones: the bad line is refused, the others stored. */
  const badLines: Array<[string, () => string | Buffer, string?]> = [
    ["a 10 MB line", bigEvent],
    ["invalid JSON", () => '{"action":'],
    ["100,000-deep arrays", deepArray],
    ["100,000-deep objects", deepObject],
    ["100,000-deep details", deepDetails],
    ...invalidUtf8.map((bytes, i): [string, () => Buffer] => [
      `invalid UTF-8 (${i})`,
      () => withBytes(bytes),
    ]),
  ];

  for (const [what, line] of badLines) {
    test(`NDJSON: ${what} is refused as its line; the other lines are stored`, async () => {
      const ids = [randomUUID(), randomUUID()];
      const answer = await postNdjson(server, writer, [
        JSON.stringify(loginEvent({ id: ids[0] })),
        line(),
        JSON.stringify(loginEvent({ id: ids[1] })),
      ]);
      assert.equal(answer.status, 200, describeAnswer(what, answer));
      const body = json<{
        accepted: number;
        rejected: number;
        results: Array<{ index: number; id?: string; error?: { code: string; detail: string } }>;
      }>(answer);
      assert.equal(body.accepted, 2, describeAnswer(what, answer));
      assert.equal(body.rejected, 1);
      assert.deepEqual(
        body.results.map((r) => r.index),
        [0, 1, 2],
      );
      assert.ok(body.results[1]?.error, describeAnswer(what, answer));
      assert.match(body.results[1]?.error?.detail ?? "", /^line 2: /);
      for (const id of ids) assert.equal((await server.log.getEvent(id))?.id, id);
      assert.ok(answer.body.length < 100_000, "the answer echoes the bad line");
      await stillServes(`NDJSON ${what}`);
    });

    test(`NDJSON: ${what} alone → 4xx problem+json, nothing stored`, async () => {
      const size = server.log.size;
      const answer = await postNdjson(server, writer, [line()]);
      const body = assertProblem(what, answer, "4xx");
      assert.equal((body.results as unknown[] | undefined)?.length, 1);
      assert.equal(server.log.size, size);
      await stillServes(`NDJSON ${what} alone`);
    });
  }

  test("an empty NDJSON body stores nothing and is not a server error", async () => {
    const size = server.log.size;
    const answer = await postNdjson(server, writer, []);
    assert.ok(answer.status < 500, describeAnswer("empty NDJSON", answer));
    if (answer.status >= 400) assertProblem("empty NDJSON", answer, "4xx");
    else assert.equal(json<{ accepted: number }>(answer).accepted, 0);
    assert.equal(server.log.size, size);
  });

  test("a __proto__ member does not pollute the server's objects", async () => {
    const answer = await inject(server, {
      method: "POST",
      url: "/v1/events",
      headers: { ...writer.headers, "content-type": "application/json" },
      payload:
        '{"action":"user.login","__proto__":{"polluted":true},"details":{"__proto__":{"polluted":true}}}',
    });
    assert.ok(answer.status < 500, describeAnswer("__proto__", answer));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    await stillServes("__proto__");
  });

  test("malformed bodies to POST /v1/keys are refused too", async () => {
    const count = server.keys.list().length;
    for (const [what, contentType, payload, status] of [
      ["invalid JSON", "application/json", "{", 400],
      ["text/plain", "text/plain", "role=admin", 415],
      ["an unknown role", "application/json", '{"role":"root"}', 400],
      ["invalid UTF-8", "application/json", withBytes(Buffer.from([0xff])), 400],
    ] as const) {
      const answer = await inject(server, {
        method: "POST",
        url: "/v1/keys",
        headers: { ...admin.headers, "content-type": contentType },
        payload,
      });
      assertProblem(`POST /v1/keys ${what}`, answer, status);
    }
    assert.equal(server.keys.list().length, count);
  });

  test("POST /v1/keys with a misspelt member is refused, not answered with an unbound key", async () => {
    // A typo of "tenant" must not silently create a key that reads every tenant.
    const count = server.keys.list().length;
    const answer = await postJson(server, "/v1/keys", admin, { role: "reader", tennant: "acme" });
    assertProblem("POST /v1/keys {role, tennant}", answer, 400);
    assert.equal(server.keys.list().length, count, "a key was created");
  });

  test("over a real socket: 10 MB bodies, with and without a length, are refused and the server serves on", async () => {
    assert.ok(server.url);
    const size = server.log.size;
    const sized = await fetch(`${server.url}/v1/events`, {
      method: "POST",
      headers: { ...writer.headers, "content-type": "application/json" },
      body: bigEvent(),
    }).then(
      async (res) => ({
        status: res.status,
        contentType: res.headers.get("content-type") ?? "",
        body: await res.text(),
      }),
      (error: unknown) => ({ error }),
    );
    if ("status" in sized) assertProblem("10 MB with a length", { ...sized, headers: {} }, 413);
    // (A reset connection is an acceptable refusal too: what matters is that the server lives on.)

    const chunk = Buffer.alloc(64 * 1024, "[");
    let sent = 0;
    const chunked = await fetch(`${server.url}/v1/events`, {
      method: "POST",
      headers: { ...writer.headers, "content-type": "application/json" },
      duplex: "half",
      body: new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= TEN_MB) controller.close();
          else {
            controller.enqueue(new Uint8Array(chunk));
            sent += chunk.length;
          }
        },
      }),
    } as RequestInit).then(
      async (res) => ({
        status: res.status,
        contentType: res.headers.get("content-type") ?? "",
        body: await res.text(),
      }),
      (error: unknown) => ({ error }),
    );
    if ("status" in chunked) assertProblem("10 MB chunked", { ...chunked, headers: {} }, 413);

    const ndjsonLine = await fetch(`${server.url}/v1/events`, {
      method: "POST",
      headers: { ...writer.headers, "content-type": "application/x-ndjson" },
      body: `${bigEvent()}\n`,
    });
    assertProblem(
      "10 MB NDJSON line",
      {
        status: ndjsonLine.status,
        contentType: ndjsonLine.headers.get("content-type") ?? "",
        body: await ndjsonLine.text(),
        headers: {},
      },
      "4xx",
    );
    assert.equal(server.log.size, size);

    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    const id = randomUUID();
    const valid = await fetch(`${server.url}/v1/events`, {
      method: "POST",
      headers: { ...writer.headers, "content-type": "application/json" },
      body: JSON.stringify(loginEvent({ id })),
    });
    assert.equal(valid.status, 201, await valid.text());
    assert.equal((await server.log.getEvent(id))?.id, id);
  });

  test("after all of them the server is healthy, ready and the store verifies", async () => {
    assert.equal((await get(server, "/healthz")).status, 200);
    assert.equal((await get(server, "/readyz")).status, 200);
    await stillServes("everything");
    const report = await server.log.verify();
    assert.equal(report.ok, true, report.problem);
    assert.equal(report.problem, undefined);
    assert.equal(report.firstBadSeq, undefined);
    assert.equal(report.size, server.log.size);
    assert.equal(report.checked, report.size);
    assert.ok(report.size > 0);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Access is audited

describe("every read of audit data, key change and refusal is recorded in the log", () => {
  let server: TestServer;
  let reader: TestKey;
  let auditor: TestKey;
  let admin: TestKey;
  let writer: TestKey;
  let eventId: string;

  before(async () => {
    server = await startTestServer({ listen: true });
    reader = await server.key("reader");
    auditor = await server.key("auditor");
    admin = await server.key("admin");
    writer = await server.key("writer");
    eventId = (await server.log.append(loginEvent())).id;
  });
  after(() => server.close());

  const recordBy = async (action: string, key: TestKey) =>
    (await eventsWhere(server, `action=${action}`, `actor.id=apikey:${key.id}`))[0];

  test("a query is recorded, durably, before its answer is sent", async () => {
    const answer = await get(server, "/v1/events?actor.id!=nobody&limit=1000", reader);
    assert.equal(answer.status, 200, describeAnswer("GET /v1/events", answer));
    const records = (await server.log.query(["action=audit_log.query"], { limit: 1000 })).events;
    const record = records.find((e) => e.actor?.id === `apikey:${reader.id}`);
    assert.ok(record, "no audit_log.query record of the reader");
    assert.equal(record.category, "access");
    assert.equal(record.outcome, "success");
    assert.equal(record.target?.id, server.log.origin);
    assert.equal((record.details as Record<string, unknown>).path, "/v1/events");
    assert.equal((record.details as Record<string, unknown>).role, "reader");
    // The answer already holds the record of itself: it was stored before the data was read.
    const events = json<{ events: AuditEvent[] }>(answer).events;
    assert.ok(
      events.some((e) => e.id === record.id),
      "the query's own access record is not in its answer",
    );
  });

  test("get, stats, performance, export, stream, proofs and entry bundles are recorded", async () => {
    assert.ok(server.url);
    const reads: Array<[string, TestKey, () => Promise<Answer>]> = [
      ["audit_log.get", reader, () => get(server, `/v1/events/${eventId}`, reader)],
      ["audit_log.stats", reader, () => get(server, "/v1/stats", reader)],
      ["audit_log.performance", reader, () => get(server, "/v1/performance?by=actor.id", reader)],
      ["audit_log.export", auditor, () => get(server, "/v1/export?format=csv", auditor)],
      ["audit_log.proof", auditor, () => get(server, `/v1/events/${eventId}?proof=true`, auditor)],
      ["audit_log.entries", auditor, () => get(server, "/tile/entries/000.p/1", auditor)],
      ["audit_log.stream", reader, () => readFor(`${server.url}/v1/stream`, reader.headers, 100)],
    ];
    for (const [action, key, read] of reads) {
      const answer = await read();
      assert.equal(answer.status, 200, describeAnswer(action, answer));
      const record = await recordBy(action, key);
      assert.ok(record, `no ${action} record by apikey:${key.id}`);
      assert.equal(record.category, "access");
    }
    const proof = await get(server, "/v1/proofs/inclusion?seq=0", auditor);
    assert.equal(proof.status, 200);
    const proofRecords = await eventsWhere(server, "action=audit_log.proof", `actor.id=apikey:${auditor.id}`);
    assert.ok(proofRecords.some((e) => (e.details as Record<string, unknown>).seq === 0));
  });

  test("creating and revoking a key through the API is recorded, without its secret", async () => {
    const created = await postJson(server, "/v1/keys", admin, {
      role: "reader",
      tenant: "acme",
      name: "dash",
    });
    assert.equal(created.status, 201, describeAnswer("POST /v1/keys", created));
    const key = json<{ id: string; key: string; role: string; tenant: string }>(created);
    assert.match(key.key, new RegExp(`^stk_${key.id}_`));
    assert.equal(key.tenant, "acme");
    const creation = await recordBy("apikey.create", admin);
    assert.ok(creation, "no apikey.create record");
    assert.equal(creation.target?.id, key.id);
    assert.deepEqual([creation.source?.tool, creation.source?.component], ["sealtrail", "server"]);

    const listed = await get(server, "/v1/keys", admin);
    assert.equal(listed.status, 200);
    assert.ok(listed.body.includes(key.id));
    const secret = key.key.slice(`stk_${key.id}_`.length);
    assert.ok(!listed.body.includes(secret), "GET /v1/keys shows a secret");
    assert.doesNotMatch(listed.body, /scrypt/);

    const revoked = await inject(server, {
      method: "DELETE",
      url: `/v1/keys/${key.id}`,
      headers: admin.headers,
    });
    assert.equal(revoked.status, 200, describeAnswer("DELETE /v1/keys", revoked));
    assert.notEqual(json<{ revoked_at: unknown }>(revoked).revoked_at, null);
    const revocation = await recordBy("apikey.revoke", admin);
    assert.ok(revocation, "no apikey.revoke record");
    assert.equal(revocation.target?.id, key.id);
    const refused = await inject(server, {
      method: "GET",
      url: "/v1/events",
      headers: { authorization: `Bearer ${key.key}` },
    });
    assertProblem("revoked key", refused, 401, "ST_ERR_AUTH_INVALID");

    const unknown = await inject(server, {
      method: "DELETE",
      url: `/v1/keys/${"0".repeat(16)}`,
      headers: admin.headers,
    });
    assertProblem("revoking an unknown key", unknown, 404, "ST_ERR_AUTH_KEY_UNKNOWN");

    // No stored event holds a secret.
    const everything = await get(server, "/v1/export", admin);
    assert.equal(everything.status, 200);
    for (const k of [reader, auditor, admin, writer]) {
      assert.ok(
        !everything.body.includes(k.key.slice(`stk_${k.id}_`.length)),
        `the log holds ${k.role}'s secret`,
      );
    }
    assert.ok(!everything.body.includes(secret), "the log holds a created key's secret");
  });

  test("a 403 is recorded as authz.access_denied, a 401 as auth.api_key_rejected", async () => {
    const forbidden = await get(server, "/v1/events", writer);
    assertProblem("writer GET /v1/events", forbidden, 403, "ST_ERR_AUTH_FORBIDDEN");
    const denied = await eventually("authz.access_denied of the writer", () =>
      recordBy("authz.access_denied", writer),
    );
    assert.equal(denied.outcome, "failure");
    assert.equal(denied.error?.code, "ST_ERR_AUTH_FORBIDDEN");
    assert.equal((denied.details as Record<string, unknown>).path, "/v1/events");

    const missing = await inject(server, {
      method: "GET",
      url: "/v1/stats",
      headers: { "user-agent": "probe-401" },
    });
    assertProblem("no key", missing, 401, "ST_ERR_AUTH_MISSING");
    await eventually("auth.api_key_rejected", async () =>
      (await eventsWhere(server, "action=auth.api_key_rejected")).find(
        (e) => e.actor?.user_agent === "probe-401",
      ),
    );
  });

  test("a 403 decided inside a route (a reader's proof, a tenant's entry bundle) is recorded too", async () => {
    const proof = await get(server, `/v1/events/${eventId}?proof=true`, reader);
    assertProblem("reader ?proof=true", proof, 403, "ST_ERR_AUTH_FORBIDDEN");
    const tenantAuditor = await server.key("auditor", "acme");
    const bundle = await get(server, "/tile/entries/000.p/1", tenantAuditor);
    assertProblem("tenant auditor entry bundle", bundle, 403, "ST_ERR_AUTH_FORBIDDEN");
    const byReader = await eventually("authz.access_denied of the reader's proof", async () =>
      (await eventsWhere(server, "action=authz.access_denied", `actor.id=apikey:${reader.id}`)).find(
        (e) => (e.details as Record<string, unknown>).path === `/v1/events/${eventId}`,
      ),
    );
    assert.equal(byReader.error?.code, "ST_ERR_AUTH_FORBIDDEN");
    await eventually("authz.access_denied of the tenant's entry bundle", () =>
      recordBy("authz.access_denied", tenantAuditor),
    );
  });
});

describe("a flood of refused requests cannot fill the log", () => {
  test("each address gets 30 refusals recorded a minute (and 20 keys checked); the rest are summed up", async () => {
    const home = mkdtempSync(join(tmpdir(), "sealtrail-flood-"));
    const log = await AuditLog.open({ home });
    const keys = openApiKeys(home);
    const built = await buildApp({ log, keys });
    try {
      const bogus = `stk_${"0".repeat(16)}_${"A".repeat(43)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) {
        const res = await built.app.inject({
          method: "GET",
          url: "/v1/stats",
          headers: { authorization: `Bearer ${bogus}` },
        });
        statuses.push(res.statusCode);
      }
      // 20 failed authentications a minute are checked (401); after that the address is refused unchecked.
      assert.deepEqual(statuses, [...Array(20).fill(401), ...Array(180).fill(429)]);
      await built.close();
      assert.equal(await log.count(["action=auth.api_key_rejected"]), 20);
      assert.equal(await log.count(["action=auth.rate_limited"]), 10);
      const rejected = (await log.query(["action=auth.api_key_rejected"], { limit: 1 })).events[0];
      assert.equal(rejected?.actor?.id, undefined, "a key id merely presented is not named as the actor");
      assert.equal(rejected?.details?.claimed_key_id, "0".repeat(16));
      const summaries = (await log.query(["action=auth.denials_suppressed"])).events;
      assert.equal(summaries.length, 1);
      assert.equal(summaries[0]?.details?.suppressed, 170);
      assert.equal(summaries[0]?.actor?.ip, "127.0.0.1");
    } finally {
      keys.close();
      await log.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("client addresses behind a reverse proxy", () => {
  for (const trusted of [false, true]) {
    test(`X-Forwarded-For is ${trusted ? "believed from a trusted proxy" : "ignored without --trust-proxy"}`, async () => {
      const home = mkdtempSync(join(tmpdir(), "sealtrail-proxy-"));
      const log = await AuditLog.open({ home });
      const keys = openApiKeys(home);
      const built = await buildApp({ log, keys, ...(trusted ? { trustProxy: ["10.9.0.0/16"] } : {}) });
      try {
        const { key } = await keys.create({ role: "reader" });
        const res = await built.app.inject({
          method: "GET",
          url: "/v1/events",
          remoteAddress: "10.9.1.1",
          headers: { authorization: `Bearer ${key}`, "x-forwarded-for": "203.0.113.9" },
        });
        assert.equal(res.statusCode, 200);
        const [record] = (await log.query(["action=audit_log.query"])).events;
        assert.equal(record?.actor?.ip, trusted ? "203.0.113.9" : "10.9.1.1");
      } finally {
        await built.close();
        keys.close();
        await log.close();
        rmSync(home, { recursive: true, force: true });
      }
    });
  }
});

describe("reports over HTTP", () => {
  test("a tenant-bound auditor's report counts its tenant only, and says so in its filter", async () => {
    const server = await startTestServer();
    try {
      const writer = await server.key("writer");
      const events = [
        ...Array.from({ length: 3 }, () => loginEvent({ tenant: "acme" })),
        ...Array.from({ length: 5 }, () =>
          loginEvent({ tenant: "globex", actor: { id: "globex-secret-actor" } }),
        ),
      ];
      const posted = await server.app.inject({
        method: "POST",
        url: "/v1/events",
        headers: writer.headers,
        payload: events,
      });
      assert.equal(posted.statusCode, 200);
      const auditor = await server.key("auditor", "acme");
      const res = await server.app.inject({
        method: "GET",
        url: "/v1/reports/activity-daily?format=json",
        headers: auditor.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json() as {
        provenance: { filter: string[] };
        sections: Array<{
          blocks: Array<{ kind: string; figures?: Array<{ label: string; value: unknown }> }>;
        }>;
      };
      assert.deepEqual(report.provenance.filter, ["tenant=acme"]);
      const events$ = report.sections
        .flatMap((s) => s.blocks)
        .flatMap((b) => b.figures ?? [])
        .find((f) => f.label === "Events");
      assert.equal(events$?.value, 3);
      assert.ok(!res.body.includes("globex-secret-actor"));
      const markdown = await server.app.inject({
        method: "GET",
        url: "/v1/reports/access?format=markdown&period=1h",
        headers: auditor.headers,
      });
      assert.equal(markdown.statusCode, 200);
      assert.match(String(markdown.headers["content-type"]), /markdown/);

      // A compliance report: the tenant's events only, among them in its cited evidence.
      const pci = await server.app.inject({
        method: "GET",
        url: "/v1/reports/compliance?format=json&framework=pci-dss&period=1h",
        headers: auditor.headers,
      });
      assert.equal(pci.statusCode, 200, pci.body);
      assert.ok(!pci.body.includes("globex-secret-actor"));
      const controls = (
        pci.json() as {
          sections: Array<{ id: string; blocks: Array<{ rows?: Array<Record<string, unknown>> }> }>;
        }
      ).sections
        .find((s) => s.id === "controls")
        ?.blocks.flatMap((b) => b.rows ?? []);
      assert.equal(controls?.find((r) => r.control === "10.3")?.status, "met");
      // Over HTTP only built-in control maps: no file paths read on a client's behalf.
      for (const framework of ["/etc/passwd", "../api-keys.db", "iso9001"]) {
        const refused = await server.app.inject({
          method: "GET",
          url: `/v1/reports/compliance?framework=${encodeURIComponent(framework)}`,
          headers: auditor.headers,
        });
        assert.equal(refused.statusCode, 400, framework);
        assert.match(
          refused.json().detail as string,
          /^framework: expected one of soc2, hipaa, pci-dss, gdpr/,
        );
      }
    } finally {
      await server.close();
    }
  });
});
