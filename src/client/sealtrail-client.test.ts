import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuditEventInput } from "../event/audit-event.js";
import { parseRetryAfter, SealtrailClient, SealtrailClientError } from "./index.js";

/**
 * Unit tests of the client's batching, retry and error mapping, with a scripted `fetch`. The
 * end-to-end tests against the real server are in `test/client.test.ts`.
 */

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Call {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

type Reply = Response | Error | ((call: Call) => Response | Error);

/** A `fetch` that answers from `replies` in turn, then by storing the batch like the server. */
function scriptedFetch(replies: Reply[] = []) {
  const calls: Call[] = [];
  const stored = new Map<string, number>();
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const call: Call = {
      url: String(input),
      method: init?.method ?? "GET",
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === "string" ? init.body : "",
    };
    calls.push(call);
    const scripted = replies.shift();
    const reply = typeof scripted === "function" ? scripted(call) : (scripted ?? storeBatch(call, stored));
    if (reply instanceof Error) throw reply;
    return reply;
  }) as typeof fetch;
  return { fetchFn, calls, stored };
}

/** Stores each NDJSON line by id, as the server does: a known id answers its original seq. */
function storeBatch(call: Call, stored: Map<string, number>): Response {
  const lines = call.body.split("\n").filter((l) => l !== "");
  const results = lines.map((line, index) => {
    const event = JSON.parse(line) as { id: string; action?: string };
    if (!event.action) return { index, error: { code: "ST_ERR_EVENT_INVALID", detail: "action: required" } };
    const seen = stored.get(event.id);
    if (seen !== undefined) return { index, seq: seen, id: event.id, duplicate: true };
    stored.set(event.id, stored.size);
    return { index, seq: stored.size - 1, id: event.id };
  });
  return Response.json({ results });
}

function problem(status: number, code: string, detail: string, headers: Record<string, string> = {}) {
  return new Response(
    JSON.stringify({ status, code, detail, title: "x", type: `https://sealtrail.dev/errors/${code}` }),
    {
      status,
      headers: { "content-type": "application/problem+json", ...headers },
    },
  );
}

function client(
  fetchFn: typeof fetch,
  options: Partial<ConstructorParameters<typeof SealtrailClient>[0]> = {},
) {
  return new SealtrailClient({
    url: "http://sealtrail.test/base/",
    apiKey: "stk_0123456789abcdef_secret",
    retryBaseMs: 1,
    retryMaxMs: 5,
    flushOnExit: false,
    fetch: fetchFn,
    onError: () => {},
    ...options,
  });
}

/**
 * Settles `promises` after a flush: the client's interval timer never keeps the process alive by
 * itself, so a test must not just wait for it.
 */
async function settle<T>(c: SealtrailClient, promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  await c.flush();
  return Promise.allSettled(promises);
}

const lineCount = (body: string) => body.split("\n").filter((l) => l !== "").length;

test("record batches by batchSize as NDJSON, gives each event a UUIDv7 and keeps the caller's object", async () => {
  const { fetchFn, calls } = scriptedFetch();
  const c = client(fetchFn, { batchSize: 2, flushIntervalMs: 60_000 });
  const own: AuditEventInput = { action: "user.login" };
  const given = "01890a5d-ac96-774b-bcce-b302099a8057";
  const receipts = Promise.all([
    c.record(own),
    c.record({ action: "a.b", id: given }),
    c.record({ action: "a.c" }),
    c.record({ action: "a.d" }),
    c.record({ action: "a.e" }),
  ]);
  await c.close();
  const all = await receipts;
  assert.deepEqual(
    all.map((r) => r.seq),
    [0, 1, 2, 3, 4],
  );
  assert.equal(own.id, undefined);
  assert.equal(all[1]?.id, given);
  for (const r of all) assert.match(r.id, UUID_V7);
  assert.equal(new Set(all.map((r) => r.id)).size, 5);
  assert.deepEqual(
    calls.map((c) => lineCount(c.body)),
    [2, 2, 1],
  );
  const first = calls[0];
  assert.equal(first?.url, "http://sealtrail.test/base/v1/events");
  assert.equal(first?.method, "POST");
  assert.equal(first?.headers["content-type"], "application/x-ndjson");
  assert.equal(first?.headers.authorization, "Bearer stk_0123456789abcdef_secret");
});

test("a partial batch is sent once flushIntervalMs has passed, without flush()", async () => {
  const { fetchFn, calls } = scriptedFetch();
  const c = client(fetchFn, { flushIntervalMs: 30 });
  const started = Date.now();
  const alive = setInterval(() => {}, 1000); // the client's own timer is unref'd
  const receipt = await c.record({ action: "a.b" }).finally(() => clearInterval(alive));
  assert.ok(Date.now() - started >= 25, "sent before the interval");
  assert.equal(receipt.seq, 0);
  assert.equal(calls.length, 1);
  await c.close();
});

test("503, 500, 429 and network errors are retried with the same body; duplicates resolve with the original seq", async () => {
  const { fetchFn, calls, stored } = scriptedFetch([
    problem(503, "ST_ERR_INGEST_BACKPRESSURE", "queue full", { "retry-after": "0" }),
    new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect refused"), { code: "ECONNREFUSED" }),
    }),
    problem(500, "ST_ERR_HTTP_INTERNAL", "boom"),
    problem(429, "ST_ERR_HTTP_RATE_LIMITED", "slow down", { "retry-after": "0" }),
    // The server stored the batch, then the connection was lost before the answer.
    (call) => {
      storeBatch(call, stored);
      return new TypeError("fetch failed", {
        cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }),
      });
    },
  ]);
  const c = client(fetchFn);
  const pending = [c.record({ action: "a.one" }), c.record({ action: "a.two" })];
  await c.flush();
  const receipts = await Promise.all(pending);
  assert.equal(calls.length, 6);
  assert.ok(
    calls.every((call) => call.body === calls[0]?.body),
    "the retried body differs",
  );
  assert.deepEqual(
    receipts.map((r) => [r.seq, r.duplicate]),
    [
      [0, true],
      [1, true],
    ],
  );
  assert.equal(stored.size, 2);
  await c.close();
});

test("4xx other than 429, and 501, are not retried: every event of the batch rejects with the problem", async () => {
  for (const [status, code] of [
    [401, "ST_ERR_AUTH_INVALID"],
    [403, "ST_ERR_AUTH_FORBIDDEN"],
    [501, "ST_ERR_HTTP_NOT_IMPLEMENTED"],
  ] as const) {
    const { fetchFn, calls } = scriptedFetch([problem(status, code, "no")]);
    const errors: Array<[SealtrailClientError, number]> = [];
    const c = client(fetchFn, { onError: (err, events) => errors.push([err, events.length]) });
    const results = await settle(c, [c.record({ action: "a.b" }), c.record({ action: "a.c" })]);
    assert.equal(calls.length, 1, `${status} was retried`);
    for (const r of results) {
      assert.equal(r.status, "rejected");
      const err = (r as PromiseRejectedResult).reason;
      assert.ok(err instanceof SealtrailClientError);
      assert.deepEqual([err.status, err.code, err.detail], [status, code, "no"]);
    }
    assert.deepEqual(
      errors.map(([e, n]) => [e.code, n]),
      [[code, 2]],
    );
    await c.close();
  }
});

test("after maxRetries the batch rejects with the last failure; a non-problem answer is ST_ERR_CLIENT_HTTP", async () => {
  const down = new TypeError("fetch failed", {
    cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
  });
  const { fetchFn, calls } = scriptedFetch([down, down, down, down]);
  const c = client(fetchFn, { maxRetries: 2 });
  const [down1] = await settle(c, [c.record({ action: "a.b" })]);
  const downErr = (down1 as PromiseRejectedResult).reason;
  assert.ok(downErr instanceof SealtrailClientError && downErr.code === "ST_ERR_CLIENT_NETWORK");
  assert.match(downErr.detail, /ECONNREFUSED/);
  assert.equal(calls.length, 3);
  await c.close();

  const gateway = scriptedFetch([new Response("<html>bad gateway</html>", { status: 502 })]);
  const d = client(gateway.fetchFn, { maxRetries: 0 });
  const [bad] = await settle(d, [d.record({ action: "a.b" })]);
  const badErr = (bad as PromiseRejectedResult).reason;
  assert.ok(badErr instanceof SealtrailClientError);
  assert.deepEqual([badErr.code, badErr.status], ["ST_ERR_CLIENT_HTTP", 502]);
  await d.close();
});

test("an element's error rejects only its own promise, with the code's status", async () => {
  const { fetchFn } = scriptedFetch();
  const failed: AuditEventInput[][] = [];
  const c = client(fetchFn, { onError: (_err, events) => failed.push([...events]) });
  const results = await settle(c, [
    c.record({ action: "a.b" }),
    c.record({ actor: { id: "x" } } as unknown as AuditEventInput),
    c.record({ action: "a.c" }),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  const err = (results[1] as PromiseRejectedResult).reason as SealtrailClientError;
  assert.deepEqual([err.code, err.status, err.detail], ["ST_ERR_EVENT_INVALID", 400, "action: required"]);
  assert.equal(failed.length, 1);
  assert.deepEqual(failed[0]?.[0]?.actor, { id: "x" });
  await c.close();
});

test("a missing result, or a batch that failed part way, settles each event by what the server said", async () => {
  const { fetchFn } = scriptedFetch([
    Response.json({ results: [{ index: 0, seq: 7, id: "x" }] }),
    new Response(
      JSON.stringify({
        status: 400,
        code: "ST_ERR_EVENT_JSON",
        detail: "line 2: not JSON",
        results: [{ index: 0, seq: 8, id: "y" }],
      }),
      { status: 400, headers: { "content-type": "application/problem+json" } },
    ),
  ]);
  const c = client(fetchFn);
  const first = await settle(c, [c.record({ action: "a.b" }), c.record({ action: "a.c" })]);
  assert.equal(first[0]?.status, "fulfilled");
  assert.equal(
    ((first[1] as PromiseRejectedResult).reason as SealtrailClientError).code,
    "ST_ERR_CLIENT_RESPONSE",
  );
  const second = await settle(c, [c.record({ action: "a.d" }), c.record({ action: "a.e" })]);
  assert.equal((second[0] as PromiseFulfilledResult<{ seq: number }>).value.seq, 8);
  assert.equal(
    ((second[1] as PromiseRejectedResult).reason as SealtrailClientError).code,
    "ST_ERR_EVENT_JSON",
  );
  await c.close();
});

test("append sends one JSON object with an id; record and append reject after close", async () => {
  const { fetchFn, calls } = scriptedFetch([
    (call) =>
      Response.json(
        { seq: 3, id: (JSON.parse(call.body) as { id: string }).id, duplicate: false },
        { status: 201 },
      ),
  ]);
  const c = client(fetchFn);
  const receipt = await c.append({ action: "a.b" });
  assert.equal(receipt.seq, 3);
  assert.match(receipt.id, UUID_V7);
  assert.equal(calls[0]?.headers["content-type"], "application/json");
  assert.equal((JSON.parse(calls[0]?.body ?? "") as { id: string }).id, receipt.id);
  await c.close();
  await assert.rejects(
    c.record({ action: "a.b" }),
    (e) => (e as SealtrailClientError).code === "ST_ERR_CLIENT_CLOSED",
  );
  await assert.rejects(
    c.append({ action: "a.b" }),
    (e) => (e as SealtrailClientError).code === "ST_ERR_CLIENT_CLOSED",
  );
  await assert.rejects(
    c.record(null as unknown as AuditEventInput),
    (e) => (e as SealtrailClientError).code === "ST_ERR_CLIENT_CLOSED",
  );
});

test("an event that is not an object or not serializable rejects at once", async () => {
  const { fetchFn, calls } = scriptedFetch();
  const c = client(fetchFn);
  await assert.rejects(
    c.record([] as unknown as AuditEventInput),
    (e) => (e as SealtrailClientError).code === "ST_ERR_EVENT_INVALID",
  );
  await assert.rejects(
    c.record({ action: "a.b", details: { n: 1n } } as unknown as AuditEventInput),
    (e) => (e as SealtrailClientError).code === "ST_ERR_EVENT_JSON",
  );
  await c.close();
  assert.equal(calls.length, 0);
});

test("read helpers encode filters as bare parameters and map problems to SealtrailClientError", async () => {
  const { fetchFn, calls } = scriptedFetch([
    Response.json({ events: [] }),
    Response.json({ events: [] }),
    Response.json({ total: 0 }),
    new Response("origin\n0\nroot\n", { headers: { "content-type": "text/plain" } }),
    Response.json({ index: 1, tree_size: 2, leaf_hash: "", proof: [] }),
    Response.json({ from_size: 1, to_size: 2, proof: [] }),
    Response.json({ event: { id: "e/1", seq: 4 }, proof: { index: 4 }, checkpoint: "o\n5\nr\n" }),
    problem(404, "ST_ERR_EVENT_NOT_FOUND", "no event e/2"),
  ]);
  const c = client(fetchFn);
  await c.query(["actor.id=alice", "note=a+b c", "severity>=warning"], {
    since: "7d",
    limit: 5,
    order: "asc",
  });
  await c.query({ "actor.id": "bob&eve" }, { cursor: "abc=" });
  await c.stats(["outcome!=success"], { since: "24h" });
  assert.equal(await c.checkpoint(), "origin\n0\nroot\n");
  await c.proveInclusion(1, 2);
  await c.proveConsistency(1);
  const got = await c.getEvent("e/1", { proof: true });
  assert.deepEqual([got.event.seq, got.proof?.index, got.checkpoint], [4, 4, "o\n5\nr\n"]);
  await assert.rejects(
    c.getEvent("e/2"),
    (e) => e instanceof SealtrailClientError && e.status === 404 && e.code === "ST_ERR_EVENT_NOT_FOUND",
  );
  const base = "http://sealtrail.test/base";
  assert.deepEqual(
    calls.map((call) => call.url),
    [
      `${base}/v1/events?actor.id%3Dalice&note%3Da%2Bb%20c&severity%3E%3Dwarning&since=7d&limit=5&order=asc`,
      `${base}/v1/events?actor.id%3Dbob%26eve&cursor=abc%3D`,
      `${base}/v1/stats?outcome!%3Dsuccess&since=24h`,
      `${base}/v1/checkpoint`,
      `${base}/v1/proofs/inclusion?seq=1&size=2`,
      `${base}/v1/proofs/consistency?from=1`,
      `${base}/v1/events/e%2F1?proof=true`,
      `${base}/v1/events/e%2F2`,
    ],
  );
  assert.ok(calls.every((call) => call.method === "GET"));
  await c.close();
});

test("invalid options are refused", () => {
  const { fetchFn } = scriptedFetch();
  assert.throws(() => client(fetchFn, { url: "not a url" }), TypeError);
  assert.throws(() => client(fetchFn, { url: "ftp://x" }), TypeError);
  assert.throws(() => client(fetchFn, { apiKey: "" }), TypeError);
  assert.throws(() => client(fetchFn, { batchSize: 0 }), RangeError);
  assert.throws(() => client(fetchFn, { maxRetries: 1.5 }), RangeError);
});

test("parseRetryAfter reads seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter("0"), 0);
  assert.equal(parseRetryAfter(" 3 "), 3000);
  assert.equal(parseRetryAfter("soon"), undefined);
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now), 0);
});
