/**
 * Functional tests of the HTTP API (docs/http-api.md) through `app.inject()`: writes (single,
 * idempotent, arrays, NDJSON streams, backpressure), reads with the command line's filter
 * expressions, cursor pages, proofs checked with our own RFC 9162 code, stats and exports against
 * the library, checkpoints, C2SP tiles and entry bundles, API keys over HTTP and from the CLI,
 * operations routes, problem+json errors, and a graceful SIGTERM of `sealtrail serve`.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, test } from "node:test";
import { parse as parseCsv } from "csv-parse/sync";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import type { ApiKeyStore } from "../src/access/api-key-store.js";
import type { Role } from "../src/access/roles.js";
import { AuditLog } from "../src/audit-log.js";
import { canonicalize } from "../src/event/canonical-json.js";
import { parseVerifierKey, verifyCheckpoint } from "../src/ledger/index.js";
import { parseFilter } from "../src/query/filter-syntax.js";
import { buildApp } from "../src/server/build-app.js";
import { eventIdForIdempotencyKey } from "../src/server/idempotency-key.js";
import type { ServerLimits } from "../src/server/server-context.js";
import { CLI, cli, initStore, removeTempDirs, tempDir } from "./cli-harness.js";
import { openApiKeys } from "./support/api-keys.js";
import { referenceRoot } from "./support/rfc6962-reference.js";

after(removeTempDirs);

// biome-ignore lint/suspicious/noExplicitAny: events and answers are free-form JSON here
type Json = Record<string, any>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PROBLEM_KEYS = ["code", "detail", "instance", "status", "title", "type"];

// ---------------------------------------------------------------------------------------------
// RFC 9162 by hand (node:crypto only), to check what the server serves without trusting its code.

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}
const leafOf = (bytes: string | Uint8Array) =>
  sha256(Buffer.from([0]), typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes);
const nodeOf = (left: Uint8Array, right: Uint8Array) => sha256(Buffer.from([1]), left, right);

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or undefined when it is malformed. */
function rootFromInclusion(index: number, size: number, leaf: Buffer, path: readonly Buffer[]) {
  if (index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeOf(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeOf(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** Verifies a consistency proof (RFC 9162 §2.1.4.2) between two known roots. */
function consistent(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: Buffer[]) {
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (proof.length === 0) return false;
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Buffer;
  let sr = path[0] as Buffer;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeOf(c, fr);
      sr = nodeOf(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeOf(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

/** The checkpoint body of a signed note: origin, size, root (C2SP tlog-checkpoint). */
function parseNote(note: string): { origin: string; size: number; root: Buffer; signatures: string[] } {
  const split = note.indexOf("\n\n");
  assert.ok(split > 0, `a signed note has a blank line before its signatures:\n${note}`);
  const lines = note.slice(0, split + 1).split("\n");
  assert.equal(lines.length, 4, "origin, size and root lines");
  const [origin, size, root] = lines as [string, string, string];
  assert.match(size, /^(0|[1-9]\d*)$/);
  const rootBytes = Buffer.from(root, "base64");
  assert.equal(rootBytes.length, 32);
  assert.equal(rootBytes.toString("base64"), root, "standard base64, canonical");
  const signatures = note
    .slice(split + 2)
    .split("\n")
    .filter((l) => l !== "");
  for (const s of signatures) assert.match(s, /^\u2014 \S+ [A-Za-z0-9+/]+=*$/);
  return { origin, size: Number(size), root: rootBytes, signatures };
}

const b64 = (text: string) => Buffer.from(text, "base64");

// ---------------------------------------------------------------------------------------------
// A server over a fresh home.

interface TestServer {
  readonly home: string;
  readonly log: AuditLog;
  readonly keys: ApiKeyStore;
  readonly admin: string;
  key(role: Role, tenant?: string): Promise<string>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  get(url: string, key?: string): Promise<LightMyRequestResponse>;
  post(payload: unknown, key?: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  ndjson(body: string | Readable, key?: string): Promise<LightMyRequestResponse>;
  /** Begins closing the app (not the log), for readiness checks. */
  closeApp(): Promise<void>;
  close(): Promise<void>;
}

async function startServer(
  options: { maxQueue?: number; limits?: Partial<ServerLimits> } = {},
): Promise<TestServer> {
  const home = tempDir("sealtrail-http-");
  const log = await AuditLog.open({ home, ...(options.maxQueue ? { maxQueue: options.maxQueue } : {}) });
  const keys = openApiKeys(home);
  const admin = (await keys.create({ role: "admin", name: "test-admin" })).key;
  const built = await buildApp({ log, keys, ...(options.limits ? { limits: options.limits } : {}) });
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  let appClosed: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  const server: TestServer = {
    home,
    log,
    keys,
    admin,
    async key(role, tenant) {
      return (await keys.create({ role, name: `test-${role}`, ...(tenant ? { tenant } : {}) })).key;
    },
    inject: (o) => built.app.inject(o),
    get: (url, key = admin) => built.app.inject({ method: "GET", url, headers: auth(key) }),
    post: (payload, key = admin, headers = {}) =>
      built.app.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...auth(key), "content-type": "application/json", ...headers },
        payload: JSON.stringify(payload),
      }),
    ndjson: (body, key = admin) =>
      built.app.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...auth(key), "content-type": "application/x-ndjson" },
        payload: body,
      }),
    closeApp() {
      appClosed ??= built.close();
      return appClosed;
    },
    close() {
      closed ??= (async () => {
        await server.closeApp();
        keys.close();
        await log.close();
      })();
      return closed;
    },
  };
  return server;
}

async function withServer(
  fn: (s: TestServer) => Promise<void>,
  options: Parameters<typeof startServer>[0] = {},
): Promise<void> {
  const s = await startServer(options);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** Asserts an RFC 9457 problem answer and returns its body. */
function assertProblem(res: LightMyRequestResponse, status: number, code: string, instance?: string): Json {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode}: ${res.body}`);
  assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
  const body = res.json() as Json;
  for (const k of PROBLEM_KEYS) assert.ok(k in body, `problem has "${k}": ${res.body}`);
  assert.equal(body.status, status);
  assert.equal(body.code, code, res.body);
  assert.equal(body.type, `https://sealtrail.dev/errors/${code}`);
  assert.equal(typeof body.title, "string");
  assert.ok(body.title.length > 0);
  assert.equal(typeof body.detail, "string");
  if (instance !== undefined) assert.equal(body.instance, instance);
  if (status === 503 || status === 429) assert.match(String(res.headers["retry-after"]), /^\d+$/);
  return body;
}

/** Waits until `condition` holds (denied attempts are recorded in the background). */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every stored event's exact bytes, in seq order. */
async function storedLines(log: AuditLog, filter: readonly string[] = []): Promise<string[]> {
  const lines: string[] = [];
  for await (const chunk of log.exportEvents(filter)) for (const e of chunk) lines.push(e.json);
  return lines;
}

// ---------------------------------------------------------------------------------------------

describe("writes", () => {
  test("one JSON event → 201 {seq,id,duplicate:false}, durable; the same id again → 200 duplicate", async () => {
    const s = await startServer();
    const writer = await s.key("writer");
    let id: string;
    try {
      const res = await s.post({ action: "user.login", actor: { id: "alice" }, outcome: "success" }, writer);
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json() as Json;
      assert.deepEqual(Object.keys(body).sort(), ["duplicate", "id", "seq"]);
      // Seq 0 is the store's own init event: the first event written is seq 1.
      assert.equal(body.seq, 1);
      assert.equal(body.duplicate, false);
      assert.match(body.id, UUID);
      id = body.id;
      const stored = await s.log.getEvent(id);
      assert.equal(stored?.seq, 1);
      assert.equal(stored?.action, "user.login");
      assert.equal(stored?.actor?.id, "alice");
      assert.equal(s.log.size, 2, "answered only once committed");

      const second = await s.post({ action: "user.logout", actor: { id: "bob" } }, writer);
      assert.equal(second.statusCode, 201);
      assert.equal(second.json().seq, 2);

      const again = await s.post({ id, action: "user.login.retry", actor: { id: "mallory" } }, writer);
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(again.json(), { seq: 1, id, duplicate: true });
      // An upper-case spelling of the same id is the same event.
      const upper = await s.post({ id: id.toUpperCase(), action: "user.login" }, writer);
      assert.equal(upper.statusCode, 200, upper.body);
      assert.deepEqual(upper.json(), { seq: 1, id, duplicate: true });
      assert.equal(s.log.size, 3, "duplicates are not stored again");
      assert.equal((await s.log.getEvent(id))?.action, "user.login", "the original is kept");
    } finally {
      await s.close();
    }
    // Durable: a reopened store has it.
    const reopened = await AuditLog.open({ home: s.home, create: false, checkpointIntervalMs: 0 });
    try {
      assert.equal(reopened.size, 3);
      assert.equal((await reopened.getEvent(id))?.actor?.id, "alice");
    } finally {
      await reopened.close();
    }
  });

  test("Idempotency-Key: the same key twice stores one event; a UUID key is the id; conflicts → 409", async () => {
    await withServer(async (s) => {
      const writer = await s.key("writer");
      const first = await s.post({ action: "order.paid", details: { order: 17 } }, writer, {
        "idempotency-key": "order-17",
      });
      assert.equal(first.statusCode, 201, first.body);
      const { id, seq } = first.json() as Json;
      assert.match(id, UUID_V8, "a name-based (version 8) UUID");
      assert.equal(id, eventIdForIdempotencyKey("order-17", null));
      assert.notEqual(id, eventIdForIdempotencyKey("order-18", null));

      const retry = await s.post({ action: "order.paid", details: { order: 17, retry: true } }, writer, {
        "idempotency-key": "order-17",
      });
      assert.equal(retry.statusCode, 200, retry.body);
      assert.deepEqual(retry.json(), { seq, id, duplicate: true });
      assert.equal(await s.log.count(["action=order.paid"]), 1);
      assert.deepEqual((await s.log.getEvent(id))?.details, { order: 17 });

      // Another tenant's writer with the same header names another event.
      const acme = await s.key("writer", "acme");
      const tenantWrite = await s.post({ action: "order.paid" }, acme, { "idempotency-key": "order-17" });
      assert.equal(tenantWrite.statusCode, 201, tenantWrite.body);
      assert.equal(tenantWrite.json().id, eventIdForIdempotencyKey("order-17", "acme"));
      assert.notEqual(tenantWrite.json().id, id);
      assert.equal((await s.log.getEvent(tenantWrite.json().id))?.tenant, "acme");

      // A UUID key is used as the id (lower-cased); the body may repeat it.
      const uuid = "0190F5A2-1234-7ABC-8DEF-0123456789AB";
      const withUuid = await s.post({ action: "order.refunded" }, writer, { "idempotency-key": uuid });
      assert.equal(withUuid.statusCode, 201, withUuid.body);
      assert.equal(withUuid.json().id, uuid.toLowerCase());
      const same = await s.post({ id: uuid.toLowerCase(), action: "order.refunded" }, writer, {
        "idempotency-key": uuid,
      });
      assert.equal(same.statusCode, 200, same.body);
      assert.equal(same.json().duplicate, true);

      // A body id that differs from the header's → 409, nothing stored.
      const size = s.log.size;
      const other = "0190f5a2-0000-7000-8000-000000000001";
      const conflict = await s.post({ id: other, action: "order.paid" }, writer, {
        "idempotency-key": "order-99",
      });
      const problem = assertProblem(conflict, 409, "ST_ERR_EVENT_ID_CONFLICT", "/v1/events");
      assert.match(problem.detail, new RegExp(other));
      assert.equal(s.log.size, size);
      assert.equal(await s.log.getEvent(other), undefined);

      // An empty or over-long key is a usage error.
      assertProblem(await s.post({ action: "a.b" }, writer, { "idempotency-key": " " }), 400, "ST_ERR_USAGE");
      assertProblem(
        await s.post({ action: "a.b" }, writer, { "idempotency-key": "k".repeat(257) }),
        400,
        "ST_ERR_USAGE",
      );
      assert.equal(s.log.size, size);
    });
  });

  test("a JSON array with invalid elements → 200, results by index naming the field; valid ones stored", async () => {
    await withServer(async (s) => {
      const writer = await s.key("writer");
      const existing = (await s.post({ action: "seed.event" }, writer)).json() as Json;
      const res = await s.post(
        [
          { action: "batch.ok", details: { n: 0 } },
          { action: "batch.bad", outcome: "maybe" },
          "not an event",
          { action: "batch.ok", details: { n: 3 } },
          { actor: { id: "no-action" } },
          { action: "batch.bad", actor: { id: 42 } },
          { id: existing.id, action: "seed.event" },
        ],
        writer,
      );
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as Json;
      assert.equal(body.accepted, 2);
      assert.equal(body.duplicates, 1);
      assert.equal(body.rejected, 4);
      assert.deepEqual(
        body.results.map((r: Json) => r.index),
        [0, 1, 2, 3, 4, 5, 6],
      );
      const [ok0, bad1, bad2, ok3, bad4, bad5, dup6] = body.results as Json[];
      assert.deepEqual(Object.keys(ok0 as Json).sort(), ["id", "index", "seq"]);
      // After the store's init (seq 0) and the seed (seq 1).
      assert.equal(ok0?.seq, 2);
      assert.equal(ok3?.seq, 3);
      assert.deepEqual(dup6, { index: 6, seq: existing.seq, id: existing.id, duplicate: true });
      for (const bad of [bad1, bad2, bad4, bad5]) assert.equal(bad?.error?.code, "ST_ERR_EVENT_INVALID");
      assert.match(bad1?.error.detail, /^outcome: /);
      assert.match(bad2?.error.detail, /^\(event\): /);
      assert.match(bad4?.error.detail, /action/);
      assert.match(bad5?.error.detail, /^actor\.id: /);
      assert.deepEqual((await s.log.getEvent(ok0?.id))?.details, { n: 0 });
      assert.deepEqual((await s.log.getEvent(ok3?.id))?.details, { n: 3 });
      assert.equal(s.log.size, 4);
      assert.equal(await s.log.count(["action=batch.bad"]), 0);
    });
  });

  test("a JSON array with only invalid elements → 4xx problem+json carrying the results", async () => {
    await withServer(async (s) => {
      const res = await s.post([{ action: "x.y", severity: "loud" }, 7, { nope: true }]);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `got ${res.statusCode}`);
      const body = assertProblem(res, 400, "ST_ERR_EVENT_INVALID", "/v1/events");
      assert.match(body.detail, /severity/, "the detail names the first refusal's field");
      assert.equal(body.accepted, 0);
      assert.equal(body.duplicates, 0);
      assert.equal(body.rejected, 3);
      assert.deepEqual(
        body.results.map((r: Json) => [r.index, r.error.code]),
        [
          [0, "ST_ERR_EVENT_INVALID"],
          [1, "ST_ERR_EVENT_INVALID"],
          [2, "ST_ERR_EVENT_INVALID"],
        ],
      );
      assert.match(body.results[0].error.detail, /^severity: /);
      assert.equal(s.log.size, 1, "only the store's init event");
    });
  });

  test("JSON bodies: over the body limit → 413, over the array limit → 413, bad JSON → 400; nothing stored", async () => {
    await withServer(
      async (s) => {
        const big = Array.from({ length: 100 }, (_, i) => ({
          action: "big.event",
          details: { pad: "x".repeat(200), i },
        }));
        const tooBig = await s.post(big);
        assertProblem(tooBig, 413, "ST_ERR_HTTP_BODY_TOO_LARGE");
        const many = Array.from({ length: 11 }, () => ({ action: "many.event" }));
        const tooMany = await s.post(many);
        const problem = assertProblem(tooMany, 413, "ST_ERR_INGEST_BATCH_TOO_LARGE");
        assert.match(problem.detail, /10/);
        const broken = await s.inject({
          method: "POST",
          url: "/v1/events",
          headers: { authorization: `Bearer ${s.admin}`, "content-type": "application/json" },
          payload: '{"action": "x.y",',
        });
        assertProblem(broken, 400, "ST_ERR_HTTP_BODY");
        const text = await s.inject({
          method: "POST",
          url: "/v1/events",
          headers: { authorization: `Bearer ${s.admin}`, "content-type": "text/plain" },
          payload: "action=x.y",
        });
        assertProblem(text, 415, "ST_ERR_HTTP_MEDIA_TYPE");
        assert.equal(s.log.size, 1, "only the store's init event");
        // Within the limits, the same kind of body is fine.
        const fine = await s.post(many.slice(0, 10));
        assert.equal(fine.statusCode, 200, fine.body);
        assert.equal(fine.json().accepted, 10);
      },
      { limits: { jsonBodyBytes: 16 * 1024, jsonBatchEvents: 10 } },
    );
  });

  test("NDJSON with blank, invalid, duplicate and valid lines → results indexed by line − 1, exact counts", async () => {
    await withServer(async (s) => {
      const writer = await s.key("writer");
      const seed = (await s.post({ action: "seed.event" }, writer)).json() as Json;
      const fresh = "0190f5a2-0000-7000-8000-00000000abcd";
      const lines = [
        JSON.stringify({ action: "nd.ok", details: { line: 1 } }), // 1
        "", // 2
        "   ", // 3
        '{"action": "nd.broken"', // 4
        JSON.stringify({ id: fresh, action: "nd.ok", details: { line: 5 } }), // 5
        JSON.stringify({ action: 5 }), // 6
        JSON.stringify({ id: fresh, action: "nd.ok", details: { line: 7 } }), // 7
        JSON.stringify({ id: seed.id, action: "seed.event" }), // 8
        "[1, 2]", // 9
        "", // 10
        JSON.stringify({ action: "nd.ok", details: { line: 11 } }), // 11
      ];
      const res = await s.ndjson(`${lines.join("\n")}\n`, writer);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as Json;
      assert.equal(body.accepted, 3);
      assert.equal(body.duplicates, 2);
      assert.equal(body.rejected, 3);
      assert.deepEqual(
        body.results.map((r: Json) => r.index),
        [0, 3, 4, 5, 6, 7, 8, 10],
      );
      const at = (index: number) => body.results.find((r: Json) => r.index === index) as Json;
      // After the store's init (seq 0) and the seed (seq 1).
      assert.equal(at(0).seq, 2);
      assert.equal(at(3).error.code, "ST_ERR_EVENT_JSON");
      assert.match(at(3).error.detail, /^line 4: /);
      assert.deepEqual(at(4), { index: 4, seq: 3, id: fresh });
      assert.equal(at(5).error.code, "ST_ERR_EVENT_INVALID");
      assert.match(at(5).error.detail, /^line 6: action: /);
      assert.deepEqual(at(6), { index: 6, seq: 3, id: fresh, duplicate: true });
      assert.deepEqual(at(7), { index: 7, seq: seed.seq, id: seed.id, duplicate: true });
      assert.match(at(8).error.detail, /^line 9: /);
      assert.equal(at(10).seq, 4);
      assert.equal(s.log.size, 5);
      assert.deepEqual((await s.log.getEvent(fresh))?.details, { line: 5 }, "the first of two same ids wins");
      assert.deepEqual((await s.log.getEvent(at(10).id))?.details, { line: 11 });

      // A last line without a newline, and CRLF line ends.
      const crlf = await s.ndjson(
        `${JSON.stringify({ action: "nd.crlf", details: { n: 1 } })}\r\n\r\n${JSON.stringify({ action: "nd.crlf", details: { n: 2 } })}`,
        writer,
      );
      assert.equal(crlf.statusCode, 200, crlf.body);
      assert.deepEqual(
        crlf.json().results.map((r: Json) => [r.index, r.seq]),
        [
          [0, 5],
          [2, 6],
        ],
      );
      assert.equal(await s.log.count(["action=nd.crlf"]), 2);

      // Only invalid lines → a problem with the results.
      const none = await s.ndjson('{"nope": 1}\n\nnot json\n', writer);
      const problem = assertProblem(none, 400, "ST_ERR_EVENT_INVALID");
      assert.equal(problem.rejected, 2);
      assert.deepEqual(
        problem.results.map((r: Json) => r.index),
        [0, 2],
      );
    });
  });

  test("NDJSON over the line limit → 413 whose results name exactly the stored events", async () => {
    await withServer(
      async (s) => {
        async function* body() {
          for (let i = 0; i < 40; i++) yield `${JSON.stringify({ action: "limit.line", details: { i } })}\n`;
        }
        const res = await s.ndjson(Readable.from(body()));
        const problem = assertProblem(res, 413, "ST_ERR_INGEST_BATCH_TOO_LARGE", "/v1/events");
        assert.match(problem.detail, /25/);
        const stored = (problem.results as Json[]).filter((r) => "seq" in r);
        assert.equal(s.log.size, 1 + stored.length, "the answer names every stored event (and the init)");
        assert.ok(stored.length <= 25);
        for (const r of stored) {
          assert.deepEqual((await s.log.getEvent(r.id))?.details, { i: r.index });
          assert.equal((await s.log.getEvent(r.id))?.seq, r.seq);
        }
        const exact = Array.from({ length: 25 }, (_, i) =>
          JSON.stringify({ action: "limit.ok", details: { i } }),
        );
        const fits = await s.ndjson(`${exact.join("\n")}\n\n\n`);
        assert.equal(fits.statusCode, 200, "blank lines do not count");
        assert.equal(fits.json().accepted, 25);
      },
      { limits: { ndjsonLines: 25 } },
    );
  });

  test("media types: parameters are ignored; non-UTF-8 JSON → 400; NDJSON lines that are not UTF-8 are rejected", async () => {
    await withServer(async (s) => {
      const auth = { authorization: `Bearer ${s.admin}` };
      const json = await s.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...auth, "content-type": "application/json; charset=utf-8" },
        payload: JSON.stringify({ action: "media.json" }),
      });
      assert.equal(json.statusCode, 201, json.body);
      const nd = await s.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...auth, "content-type": "application/x-ndjson; charset=utf-8" },
        payload: `${JSON.stringify({ action: "media.nd" })}\n${JSON.stringify({ action: "media.nd" })}\n`,
      });
      assert.equal(nd.statusCode, 200, nd.body);
      assert.equal(nd.json().accepted, 2);
      const latin1 = await s.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...auth, "content-type": "application/json" },
        payload: Buffer.from('{"action":"media.latin1","details":{"name":"Zo\xeb"}}', "latin1"),
      });
      assertProblem(latin1, 400, "ST_ERR_HTTP_BODY");
      const badLine = await s.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...auth, "content-type": "application/x-ndjson" },
        payload: Buffer.concat([
          Buffer.from(`${JSON.stringify({ action: "media.ok" })}\n`),
          Buffer.from('{"action":"media.bad","details":{"name":"Zo\xeb"}}\n', "latin1"),
        ]),
      });
      assert.equal(badLine.statusCode, 200, badLine.body);
      assert.deepEqual(
        badLine.json().results.map((r: Json) => [r.index, r.error?.code ?? "stored"]),
        [
          [0, "stored"],
          [1, "ST_ERR_EVENT_JSON"],
        ],
      );
      assert.equal(await s.log.count(["action=media.*"]), 4);
    });
  });

  test("per-key rate limit → 429 problem with Retry-After; other keys are unaffected", async () => {
    await withServer(
      async (s) => {
        const writer = await s.key("writer");
        for (let i = 0; i < 3; i++)
          assert.equal((await s.post({ action: "rate.ok" }, writer)).statusCode, 201);
        const limited = await s.post({ action: "rate.over" }, writer);
        const problem = assertProblem(limited, 429, "ST_ERR_HTTP_RATE_LIMITED", "/v1/events");
        assert.equal(problem.title, "Too Many Requests");
        assert.ok(Number(limited.headers["retry-after"]) >= 1);
        assert.equal(await s.log.count(["action=rate.over"]), 0);
        assert.equal(
          (await s.post({ action: "rate.admin" })).statusCode,
          201,
          "another key has its own budget",
        );
      },
      { limits: { requestsPerMinute: 3 } },
    );
  });

  test("NDJSON of 50,000 events streamed in one request → all stored, distinct seqs; then a level-1 tile", async () => {
    await withServer(async (s) => {
      const writer = await s.key("writer");
      const total = 50_000;
      let produced = 0;
      async function* body() {
        for (let start = 0; start < total; start += 1000) {
          let chunk = "";
          for (let i = start; i < start + 1000; i++) {
            chunk += `${JSON.stringify({ action: "bulk.ndjson", actor: { id: `u-${i % 13}` }, details: { i } })}\n`;
          }
          produced += 1000;
          yield Buffer.from(chunk);
        }
      }
      const res = await s.ndjson(Readable.from(body()), writer);
      assert.equal(produced, total);
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      const answer = res.json() as Json;
      assert.equal(answer.accepted, total);
      assert.equal(answer.duplicates, 0);
      assert.equal(answer.rejected, 0);
      assert.equal(answer.results.length, total);
      const seqs = new Set<number>();
      answer.results.forEach((r: Json, i: number) => {
        assert.equal(r.index, i);
        seqs.add(r.seq);
      });
      assert.equal(seqs.size, total, "distinct seqs");
      // After the store's own init event, seq 0.
      assert.equal(Math.min(...seqs), 1);
      assert.equal(Math.max(...seqs), total);
      assert.equal(s.log.size, 1 + total, "every event is durable before the answer");
      assert.equal(await s.log.count(["action=bulk.ndjson"]), total);
      const sample = answer.results[31_337] as Json;
      assert.deepEqual((await s.log.getEvent(sample.id))?.details, { i: 31_337 });
      assert.equal((await s.log.getEventBySeq(sample.seq))?.id, sample.id);

      // 15,535 more make 65,536 leaves (with the init event): the first level-1 tile is full.
      const rest = 65_536 - 1 - total;
      const more = Array.from({ length: rest }, (_, i) =>
        JSON.stringify({ action: "bulk.more", details: { i } }),
      );
      const second = await s.ndjson(`${more.join("\n")}\n`, writer);
      assert.equal(second.statusCode, 200);
      assert.equal(second.json().accepted, rest);
      assert.equal(s.log.size, 65_536);
      const leaves = (await storedLines(s.log)).map((l) => leafOf(l));
      const auditor = await s.key("auditor");
      const level1 = await s.get("/tile/1/000", auditor);
      assert.equal(level1.statusCode, 200);
      assert.equal(level1.rawPayload.length, 256 * 32);
      for (const k of [0, 1, 128, 255]) {
        assert.deepEqual(
          level1.rawPayload.subarray(k * 32, (k + 1) * 32),
          referenceRoot(leaves.slice(k * 256, (k + 1) * 256)),
          `level-1 hash ${k}`,
        );
      }
      const level2 = await s.get("/tile/2/000.p/1", auditor);
      assert.equal(level2.statusCode, 200);
      assert.deepEqual(level2.rawPayload, referenceRoot(leaves));
    });
  });

  test("a full append queue → 503 with Retry-After; every acknowledged event is stored", async () => {
    await withServer(
      async (s) => {
        const writer = await s.key("writer");
        assert.equal((await s.post({ action: "warm.up" }, writer)).statusCode, 201);
        const responses = await Promise.all(
          Array.from({ length: 400 }, (_, i) =>
            i % 2 === 0
              ? s.post({ action: "pressure.one", details: { i } }, writer)
              : s.post(
                  Array.from({ length: 5 }, (_, k) => ({ action: "pressure.many", details: { i, k } })),
                  writer,
                ),
          ),
        );
        const refused = responses.filter((r) => r.statusCode === 503);
        const stored = responses.filter((r) => r.statusCode === 200 || r.statusCode === 201);
        assert.equal(refused.length + stored.length, responses.length, "only 2xx and 503 answers");
        assert.ok(refused.length > 0, "the queue of 10 overflowed");
        assert.ok(stored.length > 0, "some requests got through");
        for (const r of refused) {
          assertProblem(r, 503, "ST_ERR_INGEST_BACKPRESSURE", "/v1/events");
          assert.ok(Number(r.headers["retry-after"]) >= 1);
        }
        const ids: string[] = [];
        for (const r of stored) {
          const body = r.json() as Json;
          if (r.statusCode === 201) ids.push(body.id);
          else for (const result of body.results) ids.push(result.id);
        }
        assert.equal(new Set(ids).size, ids.length);
        assert.equal(
          s.log.size,
          2 + ids.length,
          "exactly the acknowledged events are stored (and init, warm-up)",
        );
        for (const id of ids.slice(0, 50)) assert.ok(await s.log.getEvent(id));
        // Once the queue drained, writes succeed again.
        assert.equal((await s.post({ action: "after.pressure" }, writer)).statusCode, 201);
      },
      { maxQueue: 10 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Events with known fields; `details.n` is the index. */
function readFixture(now: number): Json[] {
  return [
    {
      action: "user.login",
      actor: { id: "alice" },
      severity: "info",
      timestamp: "2024-03-01T09:30:00Z",
      details: { source: "webinar" },
    },
    {
      action: "user.login",
      actor: { id: "bob" },
      severity: "warning",
      timestamp: "2024-03-01T10:30:00Z",
      details: { source: "a&b c" },
    },
    {
      action: "user.logout",
      actor: { id: "alice" },
      severity: "error",
      timestamp: iso(now - 10 * 60_000),
      details: { source: "webinar" },
    },
    { action: "doc.read", actor: { id: "alice" }, severity: "critical", timestamp: iso(now - 20 * 60_000) },
    {
      action: "doc.read",
      actor: { id: "carol" },
      severity: "debug",
      timestamp: iso(now - 30 * 60_000),
      details: { source: "x+y" },
    },
    { action: "user.delete", actor: { id: "carol" }, severity: "notice", timestamp: iso(now - 3 * HOUR) },
  ].map((e, n) => ({ ...e, category: "data", details: { ...(e.details ?? {}), n } }));
}

describe("reads", () => {
  test("GET /v1/events takes bare filter expressions, decoded, with a literal +", async () => {
    await withServer(async (s) => {
      const reader = await s.key("reader");
      const fixture = readFixture(Date.now());
      for (const e of fixture) assert.equal((await s.post(e)).statusCode, 201);
      const ns = async (query: string) => {
        const res = await s.get(`/v1/events?${query}`, reader);
        assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
        const body = res.json() as Json;
        assert.deepEqual(Object.keys(body), ["sort", "order", "events"], "no next_cursor on a single page");
        assert.deepEqual([body.sort, body.order], ["seq", "desc"], "the page says its order");
        const seqs = body.events.map((e: Json) => e.seq);
        assert.deepEqual(
          seqs,
          [...seqs].sort((a: number, b: number) => b - a),
          "newest first",
        );
        return body.events.map((e: Json) => e.details?.n);
      };
      assert.deepEqual(await ns("actor.id=alice"), [3, 2, 0]);
      assert.deepEqual(await ns("severity>=warning"), [3, 2, 1]);
      assert.deepEqual(await ns("severity%3E%3Dwarning"), [3, 2, 1], "an encoded operator");
      assert.deepEqual(await ns("action=user.*"), [5, 2, 1, 0]);
      assert.deepEqual(await ns("details.source=webinar"), [2, 0]);
      assert.deepEqual(await ns("since=1h&category=data"), [4, 3, 2]);
      assert.deepEqual(await ns("since=4h&until=15m&category=data"), [5, 4, 3]);
      assert.deepEqual(await ns("details.source=a%26b%20c"), [1], "an encoded & and space");
      assert.deepEqual(await ns("details.source=x+y"), [4], "a + is a plus");
      assert.deepEqual(await ns("details.source=x%2By"), [4]);
      assert.deepEqual(await ns("details.source=x%20y"), []);
      assert.deepEqual(await ns("timestamp>=2024-03-01T12:00:00+02:00&category=data"), [5, 4, 3, 2, 1]);
      assert.deepEqual(await ns("timestamp<2024-03-01T12:00:00+02:00&category=data"), [0]);
      assert.deepEqual(await ns("until=2024-03-01T11:00:00+01:00&category=data"), [0]);
      assert.deepEqual(await ns("since=2024-03-01T11:00:00+01:00&until=2024-03-02"), [1]);
      assert.deepEqual(await ns("actor.id=alice&severity>=warning"), [3, 2]);
      assert.deepEqual(await ns("filter=actor.id%3Dbob"), [1]);
      assert.deepEqual(await ns("filter=actor.id=carol&filter=action=doc.*"), [4]);
      assert.deepEqual(await ns("actor.id=alice,carol&category=data"), [5, 4, 3, 2, 0]);
      assert.deepEqual(await ns("actor.id!=alice&category=data"), [5, 4, 1]);
      const limited = (await s.get("/v1/events?action=user.*&limit=2", reader)).json() as Json;
      assert.deepEqual(
        limited.events.map((e: Json) => e.details.n),
        [5, 2],
      );
      assert.equal(typeof limited.next_cursor, "string");
    });
  });

  test("cursor pages walk every matching event exactly once, in both orders", async () => {
    await withServer(async (s) => {
      const reader = await s.key("reader");
      const events: Json[] = [];
      for (let n = 0; n < 57; n++) {
        events.push({ action: "page.view", details: { n } });
        if (n % 4 === 0) events.push({ action: "noise.event", details: { n } });
      }
      assert.equal((await s.post(events)).statusCode, 200);
      for (const order of ["desc", "asc"] as const) {
        const seen: number[] = [];
        const sizes: number[] = [];
        let url = `/v1/events?action=page.*&limit=10&order=${order}`;
        for (let pages = 0; pages < 20; pages++) {
          const res = await s.get(url, reader);
          assert.equal(res.statusCode, 200, res.body);
          const body = res.json() as Json;
          sizes.push(body.events.length);
          for (const e of body.events) {
            assert.equal(e.action, "page.view");
            seen.push(e.details.n);
          }
          if (!body.next_cursor) break;
          assert.match(body.next_cursor, /^[A-Za-z0-9_-]+$/, "a URL-safe cursor");
          url = `/v1/events?action=page.*&limit=10&cursor=${body.next_cursor}`;
        }
        const expected = Array.from({ length: 57 }, (_, n) => n);
        assert.deepEqual(seen, order === "asc" ? expected : expected.reverse(), order);
        assert.deepEqual(sizes, [10, 10, 10, 10, 10, 7]);
      }
      // A page size of exactly the matching count has no next cursor.
      const exact = await s.get("/v1/events?action=page.*&limit=57", reader);
      assert.equal(exact.json().events.length, 57);
      assert.equal(exact.json().next_cursor, undefined);
      // The default page is 100, newest first.
      const all = (await s.get("/v1/events?action=noise.*", reader)).json() as Json;
      assert.deepEqual(
        all.events.map((e: Json) => e.details.n),
        [56, 52, 48, 44, 40, 36, 32, 28, 24, 20, 16, 12, 8, 4, 0],
      );
    });
  });

  test("sort=timestamp pages by event time, ties by seq; the page says so; a cursor keeps its order", async () => {
    await withServer(async (s) => {
      const reader = await s.key("reader");
      for (const e of readFixture(Date.now())) assert.equal((await s.post(e)).statusCode, 201);
      // Two more at the instant of n = 3, received after it: ties are broken by seq.
      const tie = iso(
        Date.parse(((await s.get("/v1/events?details.n=3", reader)).json() as Json).events[0].timestamp),
      );
      assert.equal(
        (
          await s.post([
            { action: "tie.one", category: "data", timestamp: tie },
            { action: "tie.two", category: "data", timestamp: tie },
          ])
        ).statusCode,
        200,
      );
      /** Each event of a walk by its fixture number, or its action for the two ties. */
      const walk = async (first: string) => {
        const seen: Array<number | string> = [];
        let url = first;
        for (let pages = 0; pages < 20; pages++) {
          const body = (await s.get(url, reader)).json() as Json;
          assert.deepEqual(
            [body.sort, body.order],
            ["timestamp", first.includes("order=asc") ? "asc" : "desc"],
          );
          seen.push(...body.events.map((e: Json) => e.details?.n ?? e.action));
          if (!body.next_cursor) return seen;
          url = `/v1/events?category=data&limit=2&cursor=${body.next_cursor}`;
        }
        throw new Error("paging did not end");
      };
      // Reads are recorded as events too: category=data keeps to the fixture. By time: n = 2
      // (10 min ago), 3 and the two ties (20 min), 4, 5, then 1 and 0 (2024).
      const newestFirst = [2, "tie.two", "tie.one", 3, 4, 5, 1, 0];
      assert.deepEqual(await walk("/v1/events?category=data&limit=2&sort=timestamp"), newestFirst);
      assert.deepEqual(
        await walk("/v1/events?category=data&limit=2&sort=timestamp&order=asc"),
        [...newestFirst].reverse(),
      );
      const first = (await s.get("/v1/events?limit=2&sort=timestamp", reader)).json() as Json;
      const conflict = await s.get(`/v1/events?limit=2&sort=seq&cursor=${first.next_cursor}`, reader);
      assert.match(
        assertProblem(conflict, 400, "ST_ERR_QUERY_CURSOR").detail,
        /^sort: seq differs from the cursor's/,
      );
      const same = await s.get(`/v1/events?limit=2&sort=timestamp&cursor=${first.next_cursor}`, reader);
      assert.equal(same.statusCode, 200, same.body);
      assert.match(
        assertProblem(await s.get("/v1/events?sort=time", reader), 400, "ST_ERR_USAGE").detail,
        /^sort: expected seq or timestamp, got "time"$/,
      );
    });
  });

  test("bad filters, windows and parameters → 400 problems naming them", async () => {
    await withServer(async (s) => {
      const reader = await s.key("reader");
      const unknown = assertProblem(
        await s.get("/v1/events?nosuch.field=1", reader),
        400,
        "ST_ERR_QUERY_FILTER",
        "/v1/events",
      );
      assert.match(unknown.detail, /nosuch\.field=1/);
      const severity = assertProblem(
        await s.get("/v1/events?severity>=loud", reader),
        400,
        "ST_ERR_QUERY_FILTER",
      );
      assert.match(severity.detail, /severity>=loud/);
      const noOp = assertProblem(await s.get("/v1/events?actor.id", reader), 400, "ST_ERR_QUERY_FILTER");
      assert.match(noOp.detail, /"actor\.id"/);
      const percent = assertProblem(
        await s.get("/v1/events?actor.id=%E0%A4%A", reader),
        400,
        "ST_ERR_QUERY_FILTER",
      );
      assert.match(percent.detail, /%E0%A4%A/);
      const time = assertProblem(await s.get("/v1/events?since=yesterday", reader), 400, "ST_ERR_QUERY_TIME");
      assert.match(time.detail, /yesterday/);
      // A space-decoded + would be a bad time; an RFC 3339 offset with + is fine (above), a broken one is not.
      assertProblem(
        await s.get("/v1/events?until=2024-03-01T11:00:00%2001:00", reader),
        400,
        "ST_ERR_QUERY_TIME",
      );
      for (const limit of ["0", "1001", "ten", "1.5"]) {
        const p = assertProblem(await s.get(`/v1/events?limit=${limit}`, reader), 400, "ST_ERR_USAGE");
        assert.match(p.detail, /^limit: /);
      }
      assertProblem(await s.get("/v1/events?order=sideways", reader), 400, "ST_ERR_USAGE");
      assertProblem(await s.get("/v1/events?cursor=bm9wZQ", reader), 400, "ST_ERR_QUERY_CURSOR");
      assert.equal((await s.get("/v1/events?limit=1000", reader)).statusCode, 200);
      assert.equal((await s.get("/v1/events?limit=1", reader)).statusCode, 200);
    });
  });

  test("GET /v1/events/{id}?proof=true: the served event's leaf and audit path lead to the checkpoint's root", async () => {
    await withServer(async (s) => {
      const reader = await s.key("reader");
      const auditor = await s.key("auditor");
      const res = await s.post(
        Array.from({ length: 37 }, (_, i) => ({
          action: "proof.event",
          actor: { id: `u${i}`, name: "Zoë" },
          details: { i, nested: { b: [1, "two", null], a: true } },
          tags: ["z", "a"],
        })),
      );
      const ids = (res.json() as Json).results.map((r: Json) => r.id) as string[];
      const lines = await storedLines(s.log);
      for (const index of [0, 20, 36]) {
        const id = ids[index] as string;
        const got = await s.get(`/v1/events/${id}?proof=true`, auditor);
        assert.equal(got.statusCode, 200, got.body);
        const body = got.json() as Json;
        assert.deepEqual(Object.keys(body).sort(), ["checkpoint", "event", "proof"]);
        assert.equal(body.event.id, id);
        const json = JSON.stringify(body.event);
        assert.equal(json, lines[body.event.seq], "the served event is its canonical leaf bytes");
        const leaf = leafOf(json);
        assert.equal(body.proof.index, body.event.seq);
        assert.equal(body.proof.leaf_hash, leaf.toString("base64"));
        const note = parseNote(body.checkpoint);
        assert.equal(note.origin, s.log.origin);
        assert.equal(note.size, body.proof.tree_size);
        assert.ok(note.size > body.event.seq);
        const root = rootFromInclusion(body.event.seq, note.size, leaf, body.proof.proof.map(b64));
        assert.ok(root, "a well-formed audit path");
        assert.deepEqual(root, note.root, `event ${index}: the path leads to the checkpoint's root`);
        // The root is the root of the log's first `size` leaves, and the note is signed by the log.
        assert.deepEqual(
          referenceRoot((await storedLines(s.log)).slice(0, note.size).map((l) => leafOf(l))),
          note.root,
        );
        verifyCheckpoint(body.checkpoint, parseVerifierKey(s.log.verifierKey()));
        // A wrong leaf does not verify.
        const wrong = rootFromInclusion(
          body.event.seq,
          note.size,
          leafOf(`${json} `),
          body.proof.proof.map(b64),
        );
        assert.notDeepEqual(wrong, note.root);
      }
      // Readers get the event, not proofs.
      const plain = await s.get(`/v1/events/${ids[3]}`, reader);
      assert.equal(plain.statusCode, 200);
      assert.deepEqual(Object.keys(plain.json()), ["event"]);
      assert.equal(JSON.stringify(plain.json().event), lines[plain.json().event.seq]);
      assertProblem(await s.get(`/v1/events/${ids[3]}?proof=true`, reader), 403, "ST_ERR_AUTH_FORBIDDEN");
      assertProblem(
        await s.get("/v1/events/0190f5a2-0000-7000-8000-0000000000ff", reader),
        404,
        "ST_ERR_EVENT_NOT_FOUND",
      );
    });
  });

  test("an event with integer-like detail keys still proves: its RFC 8785 form is the leaf", async () => {
    await withServer(async (s) => {
      const res = await s.post({ action: "proof.digits", details: { b: 1, "10": "ten", "9": "nine", a: 0 } });
      const { id, seq } = res.json() as Json;
      const line = (await storedLines(s.log))[seq] as string;
      const got = (await s.get(`/v1/events/${id}?proof=true`)).json() as Json;
      assert.equal(canonicalize(got.event), line);
      const leaf = leafOf(canonicalize(got.event));
      assert.equal(got.proof.leaf_hash, leaf.toString("base64"));
      assert.deepEqual(
        rootFromInclusion(seq, got.proof.tree_size, leaf, got.proof.proof.map(b64)),
        parseNote(got.checkpoint).root,
      );
    });
  });

  test("GET /v1/stats equals log.stats(), filtered or not", async () => {
    await withServer(async (s) => {
      const reader = await s.key("reader");
      for (const e of readFixture(Date.now())) await s.post(e);
      const res = await s.get("/v1/stats", reader);
      assert.equal(res.statusCode, 200, res.body);
      const all = res.json() as Json;
      assert.deepEqual(all, JSON.parse(JSON.stringify(await s.log.stats())));
      assert.equal(all.total, s.log.size, "every event, this read's access record included");
      const filtered = await s.get("/v1/stats?action=user.*&top=2", reader);
      const body = filtered.json() as Json;
      assert.deepEqual(body, JSON.parse(JSON.stringify(await s.log.stats(["action=user.*"], 2))));
      assert.equal(body.total, 4);
      assert.equal(body.byAction.length, 2, "top=2");
      assert.deepEqual(body.byAction[0], { key: "user.login", count: 2 });
      assert.equal(body.byAction[1].count, 1);
      const windowed = (await s.get("/v1/stats?since=1h&category=data", reader)).json() as Json;
      assert.equal(windowed.total, 3);
      assertProblem(await s.get("/v1/stats?top=0", reader), 400, "ST_ERR_USAGE");
    });
  });

  test("GET /v1/export: ndjson byte-identical to log.exportEvents and the CLI, csv and json agree", async () => {
    const s = await startServer();
    const auditor = await s.key("auditor");
    let userLines: string;
    try {
      for (const e of readFixture(Date.now())) await s.post(e);
      await s.post({
        action: "user.note",
        details: { text: 'quote " comma , newline \n é' },
        category: "data",
      });
      const reader = await s.key("reader");
      assertProblem(await s.get("/v1/export", reader), 403, "ST_ERR_AUTH_FORBIDDEN");

      const nd = await s.get("/v1/export?format=ndjson", auditor);
      assert.equal(nd.statusCode, 200);
      assert.match(String(nd.headers["content-type"]), /^application\/x-ndjson/);
      const lines = await storedLines(s.log);
      assert.equal(nd.body, lines.map((l) => `${l}\n`).join(""));
      assert.ok(
        lines.some((l) => l.includes('"action":"audit_log.export"')),
        "the export itself is recorded",
      );

      const deflt = await s.get("/v1/export", auditor);
      assert.equal(deflt.body, (await storedLines(s.log)).map((l) => `${l}\n`).join(""), "ndjson by default");

      const user = await s.get("/v1/export?action=user.*", auditor);
      userLines = user.body;
      assert.equal(user.body, (await storedLines(s.log, ["action=user.*"])).map((l) => `${l}\n`).join(""));
      assert.equal(user.body.split("\n").length - 1, 5);

      const json = await s.get("/v1/export?format=json&category=data", auditor);
      assert.match(String(json.headers["content-type"]), /^application\/json/);
      assert.deepEqual(
        JSON.parse(json.body),
        (await storedLines(s.log, ["category=data"])).map((l) => JSON.parse(l)),
      );

      const csv = await s.get("/v1/export?format=csv&category=data", auditor);
      assert.match(String(csv.headers["content-type"]), /^text\/csv/);
      const rows = parseCsv(csv.body, { columns: true }) as Json[];
      const expected = (await storedLines(s.log, ["category=data"])).map((l) => JSON.parse(l));
      assert.equal(rows.length, expected.length);
      rows.forEach((row, i) => {
        assert.equal(row.id, expected[i]?.id);
        assert.equal(row.action, expected[i]?.action);
        assert.equal(row["actor.id"] ?? "", expected[i]?.actor?.id ?? "");
        assert.equal(Number(row.seq), expected[i]?.seq);
      });
      assert.equal(rows.at(-1)?.["details.text"], 'quote " comma , newline \n é');

      assertProblem(await s.get("/v1/export?format=xml", auditor), 400, "ST_ERR_USAGE");
    } finally {
      await s.close();
    }
    const fromCli = cli(["export", "--home", s.home, "--format", "ndjson", "action=user.*"]).stdout;
    assert.equal(fromCli, userLines, "the CLI export and the HTTP export are the same bytes");
  });

  test("checkpoint verifies; inclusion and consistency proofs match the library and our own RFC 9162 check", async () => {
    await withServer(async (s) => {
      const reader = await s.key("reader");
      const auditor = await s.key("auditor");
      // The store's init event and 299 more: a tree of 300.
      const events = Array.from({ length: 299 }, (_, i) => ({ action: "tree.leaf", details: { i } }));
      assert.equal((await s.post(events)).statusCode, 200);

      const res = await s.get("/v1/checkpoint", reader);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers["content-type"]), /^text\/plain/);
      const note = parseNote(res.body);
      assert.equal(note.origin, s.log.origin);
      assert.equal(note.size, 300);
      assert.equal(note.signatures.length, 1);
      const leaves = (await storedLines(s.log)).map((l) => leafOf(l));
      assert.deepEqual(note.root, referenceRoot(leaves.slice(0, note.size)));
      const verified = verifyCheckpoint(res.body, parseVerifierKey(s.log.verifierKey()));
      assert.equal(verified.size, 300);
      assert.equal((await s.get("/checkpoint", auditor)).body, res.body, "/checkpoint is the same note");

      const rootAt = (size: number) => referenceRoot(leaves.slice(0, size));
      for (const [from, to] of [
        [1, 300],
        [7, 8],
        [64, 300],
        [255, 256],
        [256, 300],
        [299, 300],
        [300, 300],
        [3, 5],
      ] as const) {
        const got = await s.get(`/v1/proofs/consistency?from=${from}&to=${to}`, auditor);
        assert.equal(got.statusCode, 200, got.body);
        const body = got.json() as Json;
        assert.deepEqual(body, await s.log.proveConsistency(from, to));
        assert.equal(body.from_size, from);
        assert.equal(body.to_size, to);
        assert.ok(
          consistent(from, to, rootAt(from), rootAt(to), body.proof.map(b64)),
          `consistency ${from} → ${to}`,
        );
        if (from !== to)
          assert.ok(
            !consistent(from, to, rootAt(from), rootAt(to - 1), body.proof.map(b64)),
            "against a wrong root",
          );
      }
      const toLatest = (await s.get("/v1/proofs/consistency?from=10", auditor)).json() as Json;
      assert.equal(toLatest.to_size, 300);

      for (const [seq, size] of [
        [0, 1],
        [0, 300],
        [5, 300],
        [255, 256],
        [256, 257],
        [299, 300],
        [100, 150],
      ] as const) {
        const got = await s.get(`/v1/proofs/inclusion?seq=${seq}&size=${size}`, auditor);
        assert.equal(got.statusCode, 200, got.body);
        const body = got.json() as Json;
        assert.deepEqual(body, await s.log.proveInclusion(seq, size));
        assert.equal(body.index, seq);
        assert.equal(body.tree_size, size);
        assert.equal(body.leaf_hash, leaves[seq]?.toString("base64"));
        assert.deepEqual(
          rootFromInclusion(seq, size, leaves[seq] as Buffer, body.proof.map(b64)),
          rootAt(size),
        );
      }
      const noSize = (await s.get("/v1/proofs/inclusion?seq=42", auditor)).json() as Json;
      assert.ok(noSize.tree_size > 42);
      assert.deepEqual(
        rootFromInclusion(42, noSize.tree_size, leaves[42] as Buffer, noSize.proof.map(b64)),
        referenceRoot((await storedLines(s.log)).slice(0, noSize.tree_size).map((l) => leafOf(l))),
      );

      assertProblem(await s.get("/v1/proofs/inclusion?seq=5", reader), 403, "ST_ERR_AUTH_FORBIDDEN");
      assertProblem(await s.get("/v1/proofs/inclusion", auditor), 400, "ST_ERR_USAGE");
      assertProblem(await s.get("/v1/proofs/inclusion?seq=x", auditor), 400, "ST_ERR_USAGE");
      assertProblem(await s.get("/v1/proofs/inclusion?seq=100000", auditor), 404, "ST_ERR_EVENT_NOT_FOUND");
      assertProblem(
        await s.get("/v1/proofs/inclusion?seq=5&size=100000", auditor),
        400,
        "ST_ERR_LEDGER_RANGE",
      );
      assertProblem(await s.get("/v1/proofs/inclusion?seq=5&size=5", auditor), 400, "ST_ERR_LEDGER_RANGE");
      assertProblem(await s.get("/v1/proofs/consistency?from=0&to=5", auditor), 400, "ST_ERR_USAGE");
      assertProblem(await s.get("/v1/proofs/consistency?from=9&to=5", auditor), 400, "ST_ERR_LEDGER_RANGE");
    });
  });

  test("a tenant-bound reader sees only its tenant: others' events are 404, filters and stats never count them", async () => {
    await withServer(async (s) => {
      const acmeWriter = await s.key("writer", "acme");
      const acmeReader = await s.key("reader", "acme");
      const acmeAuditor = await s.key("auditor", "acme");
      const mine = (await s.post({ action: "t.event", details: { who: "acme" } }, acmeWriter)).json() as Json;
      const theirs = (await s.post({ action: "t.event", tenant: "globex" })).json() as Json;
      const refused = await s.post({ action: "t.event", tenant: "globex" }, acmeWriter);
      assertProblem(refused, 403, "ST_ERR_EVENT_TENANT");
      assert.equal((await s.log.getEvent(mine.id))?.tenant, "acme", "the key's tenant is filled in");
      assert.equal((await s.get(`/v1/events/${mine.id}`, acmeReader)).statusCode, 200);
      assertProblem(await s.get(`/v1/events/${theirs.id}`, acmeReader), 404, "ST_ERR_EVENT_NOT_FOUND");
      const page = (await s.get("/v1/events?action=t.event", acmeReader)).json() as Json;
      assert.deepEqual(
        page.events.map((e: Json) => e.id),
        [mine.id],
      );
      assert.equal((await s.get("/v1/stats?action=t.event", acmeReader)).json().total, 1);
      assertProblem(await s.get("/tile/entries/000.p/1", acmeAuditor), 403, "ST_ERR_AUTH_FORBIDDEN");
      assertProblem(
        await s.get(`/v1/proofs/inclusion?seq=${theirs.seq}`, acmeAuditor),
        404,
        "ST_ERR_EVENT_NOT_FOUND",
      );
      // Another tenant's id sent by this tenant is not answered as a duplicate (which would leak its seq).
      const probe = await s.post({ id: theirs.id, action: "t.event" }, acmeWriter);
      const problem = assertProblem(probe, 409, "ST_ERR_EVENT_ID_CONFLICT");
      assert.ok(!JSON.stringify(problem).includes(`"seq":${theirs.seq}`));
    });
  });
});

// ---------------------------------------------------------------------------------------------

/** Parses a C2SP entry bundle into its entries. */
function parseBundle(bytes: Buffer): Buffer[] {
  const entries: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    assert.ok(at + 2 <= bytes.length, "a whole length prefix");
    const length = bytes.readUInt16BE(at);
    assert.ok(at + 2 + length <= bytes.length, "a whole entry");
    entries.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}

describe("tiles", () => {
  test("hash tiles, partial tiles and entry bundles hold the log's leaves; non-canonical paths are 404", async () => {
    await withServer(async (s) => {
      const auditor = await s.key("auditor");
      const reader = await s.key("reader");
      // The store's init event and 299 more: 300 leaves.
      const events = Array.from({ length: 299 }, (_, i) => ({
        action: "tile.leaf",
        details: { i, text: "é".repeat(i % 7) },
      }));
      assert.equal((await s.post(events)).statusCode, 200);
      const lines = await storedLines(s.log);
      assert.equal(lines.length, 300);
      const leaves = lines.map((l) => leafOf(l));

      const full = await s.get("/tile/0/000", auditor);
      assert.equal(full.statusCode, 200);
      assert.match(String(full.headers["content-type"]), /^application\/octet-stream/);
      assert.equal(full.headers["cache-control"], "private, max-age=31536000, immutable");
      assert.equal(full.rawPayload.length, 256 * 32);
      assert.deepEqual(full.rawPayload, Buffer.concat(leaves.slice(0, 256)));

      const partial = await s.get("/tile/0/001.p/44", auditor);
      assert.equal(partial.statusCode, 200);
      assert.equal(partial.rawPayload.length, 44 * 32);
      assert.deepEqual(partial.rawPayload, Buffer.concat(leaves.slice(256, 300)));
      assert.notEqual(partial.headers["cache-control"], "private, max-age=31536000, immutable");
      const narrower = await s.get("/tile/0/001.p/3", auditor);
      assert.equal(narrower.statusCode, 200);
      assert.deepEqual(narrower.rawPayload, Buffer.concat(leaves.slice(256, 259)));
      const fullPrefix = await s.get("/tile/0/000.p/255", auditor);
      assert.deepEqual(fullPrefix.rawPayload, Buffer.concat(leaves.slice(0, 255)));

      const level1 = await s.get("/tile/1/000.p/1", auditor);
      assert.equal(level1.statusCode, 200);
      assert.deepEqual(level1.rawPayload, referenceRoot(leaves.slice(0, 256)));

      for (const beyond of [
        "/tile/0/001",
        "/tile/0/001.p/45",
        "/tile/0/002.p/1",
        "/tile/1/000",
        "/tile/1/001.p/1",
        "/tile/3/000.p/1",
      ]) {
        assertProblem(await s.get(beyond, auditor), 404, "ST_ERR_HTTP_NOT_FOUND", beyond);
      }
      for (const bad of [
        "/tile/0/x000/001",
        "/tile/0/1",
        "/tile/0/01",
        "/tile/0/0000",
        "/tile/0/000.p/256",
        "/tile/0/000.p/0",
        "/tile/0/000.p/007",
        "/tile/0/000.p/",
        "/tile/0/000/",
        "/tile/00/000",
        "/tile/64/000",
        "/tile/-1/000",
        "/tile/0/x1/000",
        "/tile/0/X001/000",
        "/tile/entries",
        "/tile/entries/1",
        "/tile/data/000",
      ]) {
        const res = await s.get(bad, auditor);
        assert.equal(res.statusCode, 404, `${bad} → ${res.statusCode} ${res.body.slice(0, 200)}`);
        assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
      }
      assertProblem(await s.get("/tile/0/000", reader), 403, "ST_ERR_AUTH_FORBIDDEN");

      const bundle = await s.get("/tile/entries/000.p/5", auditor);
      assert.equal(bundle.statusCode, 200, bundle.body);
      const five = parseBundle(bundle.rawPayload);
      assert.equal(five.length, 5);
      five.forEach((entry, i) => {
        assert.equal(entry.toString("utf8"), lines[i]);
        assert.deepEqual(leafOf(entry), leaves[i]);
      });
      const fullBundle = await s.get("/tile/entries/000", auditor);
      assert.equal(fullBundle.headers["cache-control"], "private, max-age=31536000, immutable");
      assert.deepEqual(
        parseBundle(fullBundle.rawPayload).map((e) => e.toString("utf8")),
        lines.slice(0, 256),
      );
      const edge = await s.get("/tile/entries/001.p/44", auditor);
      assert.deepEqual(
        parseBundle(edge.rawPayload).map((e) => e.toString("utf8")),
        lines.slice(256, 300),
      );
      assert.equal((await s.get("/tile/entries/002.p/1", auditor)).statusCode, 404);
      // Entry bundles are audited reads.
      assert.equal(await s.log.count(["action=audit_log.entries"]), 4);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe("API keys", () => {
  test("POST/GET/DELETE /v1/keys: the secret is shown once, works, is never listed; revocation is immediate", async () => {
    await withServer(async (s) => {
      const created = await s.inject({
        method: "POST",
        url: "/v1/keys",
        headers: { authorization: `Bearer ${s.admin}` },
        payload: { role: "reader", name: "dashboard", tenant: "acme" },
      });
      assert.equal(created.statusCode, 201, created.body);
      const body = created.json() as Json;
      assert.match(body.key, /^stk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      assert.equal(body.key.slice(4, 20), body.id);
      assert.equal(body.role, "reader");
      assert.equal(body.tenant, "acme");
      assert.equal(body.name, "dashboard");
      assert.equal(body.revoked_at, null);
      assert.ok(!Number.isNaN(Date.parse(body.created_at)));
      const secret = (body.key as string).slice(21);

      assert.equal((await s.get("/v1/events", body.key)).statusCode, 200, "the new key works");
      assertProblem(await s.post({ action: "a.b" }, body.key), 403, "ST_ERR_AUTH_FORBIDDEN");

      const listed = await s.get("/v1/keys");
      assert.equal(listed.statusCode, 200);
      const keys = (listed.json() as Json).keys as Json[];
      assert.equal(keys.length, 2);
      for (const k of keys) {
        assert.deepEqual(Object.keys(k).sort(), ["created_at", "id", "name", "revoked_at", "role", "tenant"]);
      }
      assert.ok(!listed.body.includes(secret), "no secret");
      assert.ok(!listed.body.includes("scrypt"), "no hash");
      assert.ok(!listed.body.includes(s.admin.slice(21)));
      assert.deepEqual(keys.find((k) => k.id === body.id)?.role, "reader");

      const revoked = await s.inject({
        method: "DELETE",
        url: `/v1/keys/${body.id}`,
        headers: { authorization: `Bearer ${s.admin}` },
      });
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.equal(revoked.json().id, body.id);
      assert.ok(!Number.isNaN(Date.parse(revoked.json().revoked_at)));
      assert.ok(!revoked.body.includes(secret));
      assertProblem(await s.get("/v1/events", body.key), 401, "ST_ERR_AUTH_INVALID");
      const relisted = (await s.get("/v1/keys")).json() as Json;
      assert.equal(relisted.keys.find((k: Json) => k.id === body.id).revoked_at, revoked.json().revoked_at);

      const unknown = await s.inject({
        method: "DELETE",
        url: "/v1/keys/0123456789abcdef",
        headers: { authorization: `Bearer ${s.admin}` },
      });
      assertProblem(unknown, 404, "ST_ERR_AUTH_KEY_UNKNOWN", "/v1/keys/0123456789abcdef");

      const badRole = await s.inject({
        method: "POST",
        url: "/v1/keys",
        headers: { authorization: `Bearer ${s.admin}` },
        payload: { role: "root" },
      });
      assertProblem(badRole, 400, "ST_ERR_USAGE");
      const auditor = await s.key("auditor");
      assertProblem(await s.get("/v1/keys", auditor), 403, "ST_ERR_AUTH_FORBIDDEN");

      const changes = (await s.log.query(["action=apikey.*"], { order: "asc" })).events;
      assert.deepEqual(
        changes.map((e) => [e.action, e.target?.id, e.actor?.id]),
        [
          ["apikey.create", body.id, `apikey:${s.admin.slice(4, 20)}`],
          ["apikey.revoke", body.id, `apikey:${s.admin.slice(4, 20)}`],
        ],
      );
      assert.ok(!(await storedLines(s.log)).some((l) => l.includes(secret)), "the secret is not in the log");
    });
  });

  test("POST /v1/keys refuses unknown members: a misspelt tenant must not create an unbound key", async () => {
    await withServer(async (s) => {
      const before = s.keys.list().length;
      const typo = await s.inject({
        method: "POST",
        url: "/v1/keys",
        headers: { authorization: `Bearer ${s.admin}` },
        payload: { role: "reader", tenat: "acme" },
      });
      // The schema says additionalProperties: false; a key that silently sees every tenant is the
      // worst outcome of a typo.
      assertProblem(typo, 400, "ST_ERR_USAGE", "/v1/keys");
      assert.equal(s.keys.list().length, before, "no key was created");
    });
  });

  test("sealtrail keys create|list|revoke work, are recorded, and revocation reaches a running server", async () => {
    const home = tempDir("sealtrail-keys-");
    initStore(home, "keys.test/log");
    const created = JSON.parse(
      cli(["keys", "create", "--home", home, "--role", "writer", "--name", "ci", "--json"]).stdout,
    ) as Json;
    assert.match(created.key, /^stk_[0-9a-f]{16}_/);
    assert.equal(created.role, "writer");
    assert.equal(created.name, "ci");
    const plain = cli(["keys", "create", "--home", home, "--role", "reader", "--tenant", "acme"]).stdout;
    const readerKey = /^(stk_\S+)$/m.exec(plain)?.[1];
    assert.ok(readerKey, plain);

    const listed = cli(["keys", "list", "--home", home, "--json"]).stdout;
    const keys = (JSON.parse(listed) as Json).keys as Json[];
    assert.deepEqual(keys.map((k) => k.id).sort(), [created.id, readerKey.slice(4, 20)].sort());
    assert.ok(!listed.includes(created.key.slice(21)));
    assert.ok(!listed.includes(readerKey.slice(21)));
    const table = cli(["keys", "list", "--home", home]).stdout;
    assert.match(table, new RegExp(created.id));
    assert.ok(!table.includes(created.key.slice(21)));

    const log = await AuditLog.open({ home, create: false });
    const store = openApiKeys(home);
    const { app, close } = await buildApp({ log, keys: store });
    try {
      const write = await app.inject({
        method: "POST",
        url: "/v1/events",
        headers: { authorization: `Bearer ${created.key}` },
        payload: { action: "cli.key.works" },
      });
      assert.equal(write.statusCode, 201, write.body);
      cli(["keys", "revoke", created.id, "--home", home]);
      const after = await app.inject({
        method: "POST",
        url: "/v1/events",
        headers: { authorization: `Bearer ${created.key}` },
        payload: { action: "cli.key.revoked" },
      });
      assert.equal(after.statusCode, 401, "revoked by another process, refused at once");
      const unknown = cli(["keys", "revoke", "0123456789abcdef", "--home", home], 2);
      assert.match(unknown.stderr, /ST_ERR_AUTH_KEY_UNKNOWN/);
      // The server's own appends continue after the CLI appended to the same store.
      const more = await app.inject({
        method: "POST",
        url: "/v1/events",
        headers: { authorization: `Bearer ${readerKey}` },
        payload: { action: "cli.reader.cannot.write" },
      });
      assert.equal(more.statusCode, 403);
    } finally {
      await close();
      store.close();
      await log.close();
    }
    const reopened = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
    try {
      const changes = (await reopened.query(["action=apikey.*"], { order: "asc" })).events;
      assert.deepEqual(
        changes.map((e) => [e.action, e.target?.id, e.details?.role]),
        [
          ["apikey.create", created.id, "writer"],
          ["apikey.create", readerKey.slice(4, 20), "reader"],
          ["apikey.revoke", created.id, "writer"],
        ],
      );
      for (const e of changes) {
        assert.equal(e.actor?.type, "user");
        assert.match(e.actor?.id ?? "", /^local:/);
        assert.equal(e.category, "authentication");
      }
      assert.equal(changes[1]?.details?.tenant, "acme");
      assert.equal(await reopened.count(["action=cli.key.works"]), 1);
      assert.equal(await reopened.count(["action=cli.key.revoked"]), 0);
      assert.equal((await reopened.verify()).ok, true);
    } finally {
      await reopened.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("operations", () => {
  test("/healthz and /readyz need no key; /readyz is 503 once closing begins", async () => {
    const s = await startServer();
    try {
      const health = await s.inject({ method: "GET", url: "/healthz" });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json(), { status: "ok" });
      await s.post({ action: "ready.check" });
      const ready = await s.inject({ method: "GET", url: "/readyz" });
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().status, "ready");
      assert.deepEqual(
        ready.json(),
        { status: "ready" },
        "says nothing about the log to callers without a key",
      );
      const closing = s.closeApp();
      const during = await s.inject({ method: "GET", url: "/readyz" });
      assertProblem(during, 503, "ST_ERR_INGEST_CLOSED");
      await closing;
    } finally {
      await s.close();
    }
  });

  test("/metrics (admin) counts appended events, batches, commit time and queue depth", async () => {
    await withServer(async (s) => {
      const writer = await s.key("writer");
      const one = (await s.post({ action: "m.one" }, writer)).json() as Json;
      await s.post(
        Array.from({ length: 5 }, (_, i) => ({ action: "m.many", details: { i } })),
        writer,
      );
      await s.ndjson(
        `${Array.from({ length: 4 }, () => JSON.stringify({ action: "m.nd" })).join("\n")}\n`,
        writer,
      );
      await s.post({ id: one.id, action: "m.one" }, writer);
      assertProblem(await s.get("/metrics", await s.key("auditor")), 403, "ST_ERR_AUTH_FORBIDDEN");
      await waitFor("the denied attempt's record", () => s.log.size === 11);
      const before = s.log.size;
      const res = await s.get("/metrics");
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers["content-type"]), /^text\/plain/);
      const text = res.body;
      const value = (name: string) => {
        const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
        assert.ok(m, `${name} in\n${text.slice(0, 3000)}`);
        return Number(m[1]);
      };
      assert.equal(before, 11, "10 events and the denied attempt's record");
      assert.equal(value("sealtrail_events_appended_total"), before);
      assert.equal(value("sealtrail_events_duplicate_total"), 1);
      assert.equal(value("sealtrail_batch_events_sum"), before + 1);
      assert.ok(value("sealtrail_batch_events_count") >= 4);
      assert.ok(value("sealtrail_batch_events_count") <= before + 1);
      assert.equal(value("sealtrail_commit_seconds_count"), value("sealtrail_batch_events_count"));
      assert.ok(value("sealtrail_commit_seconds_sum") > 0);
      assert.equal(value("sealtrail_append_queue_depth"), 0);
      assert.match(text, /^# TYPE sealtrail_batch_events histogram$/m);
      assert.match(text, /^# TYPE sealtrail_commit_seconds histogram$/m);
      assert.match(text, /^sealtrail_batch_events_bucket\{le="\+Inf"\} \d+$/m);
      assert.match(
        text,
        /^sealtrail_http_requests_total\{[^}]*route="\/v1\/events"[^}]*status="201"[^}]*\} 1$/m,
      );
      assert.match(text, /^sealtrail_http_request_seconds_count\{[^}]*route="\/v1\/events"[^}]*\} 4$/m);
      assert.match(text, /^sealtrail_process_cpu_seconds_total /m, "the process's own metrics");
    });
  });

  test("/v1/openapi.json is OpenAPI 3 and lists every route", async () => {
    await withServer(async (s) => {
      const res = await s.inject({ method: "GET", url: "/v1/openapi.json" });
      assert.equal(res.statusCode, 200);
      const doc = res.json() as Json;
      assert.match(doc.openapi, /^3\.\d+\.\d+$/);
      assert.equal(typeof doc.info.title, "string");
      const routes = Object.entries(doc.paths as Json)
        .flatMap(([path, item]) => Object.keys(item as Json).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      const expected = [
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
        "GET /v1/openapi.json",
        "POST /v1/events",
        "GET /v1/events",
        "GET /v1/events/{id}",
        "GET /v1/stats",
        "GET /v1/export",
        "GET /v1/checkpoint",
        "GET /checkpoint",
        "GET /v1/proofs/inclusion",
        "GET /v1/proofs/consistency",
        "GET /v1/stream",
        "POST /v1/keys",
        "GET /v1/keys",
        "DELETE /v1/keys/{id}",
      ];
      for (const route of expected) assert.ok(routes.includes(route), `${route} in ${routes.join(", ")}`);
      assert.ok(
        routes.some((r) => r.startsWith("GET /tile/")),
        `the tile route in ${routes.join(", ")}`,
      );
      for (const path of Object.values(doc.paths as Json)) {
        for (const op of Object.values(path as Json)) assert.equal(typeof (op as Json).summary, "string");
      }
      assert.equal(doc.components.securitySchemes.apiKey.scheme, "bearer");
    });
  });

  test("errors are problem+json; missing and bad keys → 401, unknown routes → 404", async () => {
    await withServer(async (s) => {
      const missing = await s.inject({ method: "GET", url: "/v1/events?actor.id=alice" });
      const problem = assertProblem(missing, 401, "ST_ERR_AUTH_MISSING", "/v1/events");
      assert.deepEqual(Object.keys(problem).sort(), PROBLEM_KEYS);
      assert.equal(problem.title, "Unauthorized");
      assert.match(String(missing.headers["www-authenticate"]), /^Bearer /);
      const bogus = await s.inject({
        method: "GET",
        url: "/v1/stats",
        headers: { authorization: "Bearer stk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
      });
      assertProblem(bogus, 401, "ST_ERR_AUTH_INVALID", "/v1/stats");
      const wrongSecret = `${s.admin.slice(0, 21)}${"A".repeat(43)}`;
      assertProblem(
        await s.inject({
          method: "GET",
          url: "/v1/stats",
          headers: { authorization: `Bearer ${wrongSecret}` },
        }),
        401,
        "ST_ERR_AUTH_INVALID",
      );
      const nowhere = await s.get("/v1/nowhere?x=1");
      const notFound = assertProblem(nowhere, 404, "ST_ERR_HTTP_NOT_FOUND", "/v1/nowhere");
      assert.equal(notFound.title, "Not Found");
      assert.match(notFound.detail, /GET \/v1\/nowhere/);
      const noKeyNowhere = await s.inject({ method: "GET", url: "/nope" });
      assertProblem(noKeyNowhere, 404, "ST_ERR_HTTP_NOT_FOUND", "/nope");
      assertProblem(
        await s.inject({
          method: "DELETE",
          url: "/v1/stats",
          headers: { authorization: `Bearer ${s.admin}` },
        }),
        404,
        "ST_ERR_HTTP_NOT_FOUND",
      );
      // Denied attempts are recorded.
      await waitFor(
        "three denied attempts",
        async () => (await s.log.count(["action=auth.api_key_rejected"])) === 3,
      );
      const denied = (await s.log.query(["action=auth.api_key_rejected"], { order: "asc" })).events;
      assert.equal(denied.length, 3);
      // A key id merely presented is recorded as a claim, not as the actor.
      assert.equal(denied[1]?.actor?.id, undefined);
      assert.equal(denied[1]?.details?.claimed_key_id, "0123456789abcdef");
      assert.ok(!JSON.stringify(denied).includes("A".repeat(43)), "no secret in the record");
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe("graceful shutdown", () => {
  test("SIGTERM during an NDJSON upload: exit 0, every acknowledged event stored, final checkpoint, verify passes", async () => {
    const home = tempDir("sealtrail-serve-");
    initStore(home, "shutdown.test/log");
    const keys = openApiKeys(home);
    const writer = (await keys.create({ role: "writer" })).key;
    keys.close();

    const env = { ...process.env };
    delete env.SEALTRAIL_HOME;
    delete env.SEALTRAIL_SIGNING_KEY;
    const child = spawn(process.execPath, [CLI, "serve", "--home", home, "--port", "0"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stdout} ${stderr}`)), 20_000);
        const check = () => {
          const m = /listening on (http:\/\/\S+)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        };
        child.stdout.on("data", check);
        child.on("exit", () => reject(new Error(`serve exited early: ${stderr}`)));
      });

      const acknowledged: string[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${url}/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${writer}`, "content-type": "application/json" },
          body: JSON.stringify({ action: "shutdown.single", details: { i } }),
        });
        assert.equal(res.status, 201);
        acknowledged.push(((await res.json()) as Json).id);
      }

      // An NDJSON upload of 20,000 events, sent in pieces; SIGTERM arrives half-way.
      const total = 20_000;
      const lines = Array.from(
        { length: total },
        (_, i) => `${JSON.stringify({ action: "shutdown.bulk", details: { i } })}\n`,
      );
      const target = new URL("/v1/events", url);
      const upload = httpRequest({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { authorization: `Bearer ${writer}`, "content-type": "application/x-ndjson" },
      });
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        upload.on("response", (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => {
            body += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          res.on("error", reject);
        });
        upload.on("error", reject);
      });
      const piece = 1000;
      const pause = () => new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < total / 2; i += piece) {
        upload.write(lines.slice(i, i + piece).join(""));
        await pause();
      }
      await pause();
      child.kill("SIGTERM");
      await pause();
      for (let i = total / 2; i < total; i += piece) {
        upload.write(lines.slice(i, i + piece).join(""));
        await pause();
      }
      upload.end();
      const result = await answer;
      assert.equal(result.status, 200, `the upload in flight is answered: ${result.body.slice(0, 500)}`);
      const body = JSON.parse(result.body) as Json;
      assert.equal(body.accepted, total);
      for (const r of body.results) acknowledged.push(r.id);

      const [code, signal] = await exited;
      assert.equal(signal, null, stderr);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /SIGTERM/);

      // A new connection is refused once the server is gone.
      await assert.rejects(fetch(`${url}/healthz`));

      const log = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0, readMostly: true });
      try {
        // Every acknowledged event, and the log's own records (PCI DSS 10.2.1.6): its creation,
        // the server's start, the configuration in force, and its stop.
        assert.equal(log.size, 1 + 2 + 10 + total + 1);
        const lifecycle = await log.query(
          parseFilter(["action=audit_log.init,audit_log.start,audit_log.config_loaded,audit_log.stop"]),
          { limit: 10, order: "asc" },
        );
        assert.deepEqual(
          lifecycle.events.map((e) => [e.seq, e.action]),
          [
            [0, "audit_log.init"],
            [1, "audit_log.start"],
            [2, "audit_log.config_loaded"],
            [log.size - 1, "audit_log.stop"],
          ],
        );
        assert.equal(lifecycle.events[1]?.actor?.id, "sealtrail");
        assert.equal(lifecycle.events[3]?.actor?.id, "sealtrail");
        for (const id of acknowledged) assert.ok(await log.getEvent(id), `acknowledged ${id} is stored`);
        const note = parseNote(readFileSync(join(home, "checkpoint"), "utf8"));
        assert.equal(note.origin, "shutdown.test/log");
        assert.equal(note.size, log.size, "the final checkpoint covers the store");
        assert.deepEqual(note.root, referenceRoot((await storedLines(log)).map((l) => leafOf(l))));
        const latest = await log.latestCheckpoint();
        assert.equal(latest?.size, log.size);
      } finally {
        await log.close();
      }
      const verify = cli(["verify", "--home", home]);
      assert.equal(verify.code, 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});

test("an NDJSON upload refused part-way still gets its answer over the socket, listing what was stored", async () => {
  const home = tempDir("sealtrail-ndjson-cut-");
  const { startServer } = await import("../src/server/serve.js");
  const server = await startServer({ home, port: 0, limits: { ndjsonLines: 1000 } });
  const keys = openApiKeys(home);
  const { key } = await keys.create({ role: "writer" });
  keys.close();
  try {
    // 20 chunks of 250 lines, sent with pauses: the limit is met while the body is still arriving.
    async function* body() {
      for (let c = 0; c < 20; c++) {
        yield Buffer.from(
          Array.from({ length: 250 }, (_, i) =>
            JSON.stringify({ action: "cut.upload", details: { n: c * 250 + i } }),
          )
            .join("\n")
            .concat("\n"),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const res = await fetch(`${server.url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
      body: Readable.toWeb(Readable.from(body())) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.match(String(res.headers.get("content-type")), /application\/problem\+json/);
    const problem = (await res.json()) as { code: string; results: Array<{ index: number; seq?: number }> };
    assert.equal(problem.code, "ST_ERR_INGEST_BATCH_TOO_LARGE");
    const stored = problem.results.filter((r) => r.seq !== undefined);
    assert.ok(stored.length > 0 && stored.length <= 1000, `stored ${stored.length}`);
    assert.equal(
      await server.log.count(["action=cut.upload"]),
      stored.length,
      "the answer lists exactly what was stored",
    );
  } finally {
    await server.close();
  }
});
