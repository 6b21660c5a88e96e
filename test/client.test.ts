/**
 * End-to-end: the `sealtrail/client` client against the real server on loopback. Concurrent
 * records are batched and all stored; retries through a failing proxy (503s, connections lost
 * after the server stored the batch) store every event exactly once; a bad event rejects only its
 * own promise; a process that just ends flushes on exit; the read helpers return what was written,
 * with proofs that verify.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Role } from "../src/access/roles.js";
import {
  type AuditEventInput,
  type ClientFilter,
  type RecordReceipt,
  SealtrailClient,
  SealtrailClientError,
  type SealtrailClientOptions,
} from "../src/client/index.js";
import { canonicalize } from "../src/event/canonical-json.js";
import { leafHash, parseVerifierKey, verifyCheckpoint, verifyInclusion } from "../src/ledger/index.js";
import { type RunningServer, startServer } from "../src/server/serve.js";
import { openApiKeys } from "./support/api-keys.js";

const run = promisify(execFile);
const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A server on a fresh home, and API keys of the given roles. */
async function serve(): Promise<RunningServer & { key(role: Role): Promise<string> }> {
  const home = tempDir("sealtrail-client-");
  const server = await startServer({ home, port: 0, host: "127.0.0.1" });
  return Object.assign(server, {
    async key(role: Role): Promise<string> {
      const keys = openApiKeys(home);
      try {
        return (await keys.create({ role, name: `client-test-${role}` })).key;
      } finally {
        keys.close();
      }
    },
  });
}

function newClient(url: string, apiKey: string, options: Partial<SealtrailClientOptions> = {}) {
  return new SealtrailClient({ url, apiKey, flushOnExit: false, ...options });
}

/** Every stored event matching `filter`, read from the store itself (not through the client). */
async function storedEvents(server: RunningServer, filter: string[]) {
  const page = await server.log.query(filter, { limit: 10_000, order: "asc" });
  assert.equal(page.nextCursor, undefined, "more stored events than one page holds");
  return page.events;
}

const b64 = (s: string) => Buffer.from(s, "base64");

test("1,000 concurrent records are batched and all stored once, with distinct seqs", async () => {
  const server = await serve();
  const client = newClient(server.url, await server.key("writer"));
  try {
    const receipts = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        client.record({ action: "client.bulk.write", actor: { id: `u-${i % 7}` }, details: { i } }),
      ),
    );
    assert.equal(new Set(receipts.map((r) => r.seq)).size, 1000);
    assert.equal(new Set(receipts.map((r) => r.id)).size, 1000);
    assert.ok(receipts.every((r) => !r.duplicate));
    assert.equal(await server.log.count(["action=client.bulk.write"]), 1000);
    // Each receipt names the stored event: same id at that seq, in the order recorded.
    const stored = await storedEvents(server, ["action=client.bulk.write"]);
    const bySeq = new Map(stored.map((e) => [e.seq, e]));
    receipts.forEach((r, i) => {
      const event = bySeq.get(r.seq);
      assert.equal(event?.id, r.id);
      assert.deepEqual(event?.details, { i });
    });
    assert.deepEqual(
      receipts.map((r) => r.seq),
      [...receipts.map((r) => r.seq)].sort((a, b) => a - b),
      "one client's events are stored in the order recorded",
    );
  } finally {
    await client.close();
    await server.close();
  }
});

/** What the proxy does with one `POST /v1/events`. */
type ProxyAction = "503" | "drop-before-forward" | "drop-after-forward" | "forward";

/**
 * A real HTTP proxy in front of the server that spoils the first `POST /v1/events` requests as
 * scripted: a 503 with `Retry-After: 0` (the server never sees it), a connection destroyed before
 * forwarding (not stored), or destroyed after the server answered (stored, but the client sees a
 * network error). It remembers the ids of every batch the server stored but the client never heard
 * about.
 */
async function failingProxy(upstream: string, script: ProxyAction[]) {
  const target = new URL(upstream);
  const seen: ProxyAction[] = [];
  const unacknowledged = new Set<string>();
  const proxy: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const action =
      req.method === "POST" && req.url === "/v1/events" ? (script.shift() ?? "forward") : "forward";
    seen.push(action);
    if (action === "503") {
      res.writeHead(503, { "content-type": "application/problem+json", "retry-after": "0" });
      res.end(
        JSON.stringify({
          type: "https://sealtrail.dev/errors/ST_ERR_INGEST_BACKPRESSURE",
          title: "Service Unavailable",
          status: 503,
          code: "ST_ERR_INGEST_BACKPRESSURE",
          detail: "proxy: try again",
        }),
      );
      return;
    }
    if (action === "drop-before-forward") {
      req.socket.destroy();
      return;
    }
    const answer = await forward(target, req, body);
    if (action === "drop-after-forward") {
      assert.equal(answer.status, 200, `the server refused the batch: ${answer.body.toString()}`);
      for (const line of body.toString("utf8").split("\n")) {
        if (line) unacknowledged.add((JSON.parse(line) as { id: string }).id);
      }
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  await new Promise<void>((ready) => proxy.listen(0, "127.0.0.1", ready));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    unacknowledged,
    close: () =>
      new Promise<void>((done) => {
        proxy.closeAllConnections();
        proxy.close(() => done());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(target: URL, req: IncomingMessage, body: Buffer) {
  return new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((done, fail) => {
    const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
    delete headers["transfer-encoding"];
    delete headers.connection;
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      (res) => {
        readBody(res).then(
          (answer) =>
            done({
              status: res.statusCode ?? 502,
              headers: { "content-type": res.headers["content-type"] ?? "application/octet-stream" },
              body: answer,
            }),
          fail,
        );
      },
    );
    upstream.on("error", fail);
    upstream.end(body);
  });
}

test("503s and connections lost after the server stored a batch are retried without storing any event twice", async () => {
  const server = await serve();
  const proxy = await failingProxy(server.url, [
    "503",
    "drop-after-forward",
    "503",
    "drop-before-forward",
    "forward",
    "drop-after-forward",
    "503",
    "drop-after-forward",
  ]);
  const errors: SealtrailClientError[] = [];
  const client = newClient(proxy.url, await server.key("writer"), {
    batchSize: 100,
    flushIntervalMs: 5,
    retryBaseMs: 5,
    retryMaxMs: 50,
    onError: (err) => errors.push(err),
  });
  try {
    const pending: Promise<RecordReceipt>[] = [];
    for (let i = 0; i < 450; i++) {
      pending.push(client.record({ action: "client.retry.write", details: { i } }));
      if (i % 150 === 149) await new Promise((r) => setTimeout(r, 2)); // not all in one burst
    }
    const receipts = await Promise.all(pending);
    assert.deepEqual(errors, []);

    const stored = await storedEvents(server, ["action=client.retry.write"]);
    assert.equal(stored.length, 450, "every recorded event is stored exactly once");
    assert.equal(new Set(stored.map((e) => e.id)).size, 450);
    assert.deepEqual(
      stored.map((e) => (e.details as { i: number }).i).sort((a, b) => a - b),
      Array.from({ length: 450 }, (_, i) => i),
    );
    const byId = new Map(stored.map((e) => [e.id, e.seq]));
    for (const r of receipts) assert.equal(byId.get(r.id), r.seq, `receipt of ${r.id} names another seq`);
    assert.equal(new Set(receipts.map((r) => r.seq)).size, 450);

    // The script was played out, and what the server stored unseen came back as duplicates.
    assert.equal(proxy.seen.filter((a) => a !== "forward").length, 7);
    const duplicates = new Set(receipts.filter((r) => r.duplicate).map((r) => r.id));
    assert.ok(duplicates.size >= 100, `only ${duplicates.size} duplicates`);
    assert.deepEqual([...duplicates].sort(), [...proxy.unacknowledged].sort());
  } finally {
    await client.close();
    await proxy.close();
    await server.close();
  }
});

test("a rejected event rejects only its own promise; the rest of its batch is stored", async () => {
  const server = await serve();
  const reported: Array<{ code: string; events: readonly AuditEventInput[] }> = [];
  const client = newClient(server.url, await server.key("writer"), {
    onError: (err, events) => reported.push({ code: err.code, events }),
  });
  try {
    const bad = { actor: { id: "mallory" }, details: { n: 2 } } as unknown as AuditEventInput;
    const pending = [
      client.record({ action: "client.partial.write", details: { n: 1 } }),
      client.record(bad),
      client.record({ action: "client.partial.write", details: { n: 3 } }),
      client.record({ action: "client.partial.write", outcome: "maybe" as never, details: { n: 4 } }),
    ];
    await client.flush();
    const results = await Promise.allSettled(pending);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled", "rejected"],
    );
    for (const index of [1, 3]) {
      const err = (results[index] as PromiseRejectedResult).reason;
      assert.ok(err instanceof SealtrailClientError, String(err));
      assert.equal(err.code, "ST_ERR_EVENT_INVALID");
      assert.equal(err.status, 400);
    }
    assert.match(((results[1] as PromiseRejectedResult).reason as SealtrailClientError).detail, /action/);
    assert.match(((results[3] as PromiseRejectedResult).reason as SealtrailClientError).detail, /outcome/);
    const stored = await storedEvents(server, ["action=client.partial.write"]);
    assert.deepEqual(
      stored.map((e) => e.details),
      [{ n: 1 }, { n: 3 }],
    );
    assert.deepEqual(
      reported.map((r) => [r.code, r.events.length]),
      [
        ["ST_ERR_EVENT_INVALID", 1],
        ["ST_ERR_EVENT_INVALID", 1],
      ],
    );
    assert.deepEqual(reported[0]?.events[0]?.actor, { id: "mallory" });

    // append: one event at once, as JSON; a bad one rejects with the server's problem.
    const one = await client.append({ action: "client.partial.write", details: { n: 5 } });
    assert.equal((await server.log.getEvent(one.id))?.seq, one.seq);
    await assert.rejects(
      client.append({ action: "client.partial.write", severity: "loud" as never }),
      (e) => e instanceof SealtrailClientError && e.code === "ST_ERR_EVENT_INVALID" && e.status === 400,
    );
    assert.equal(await server.log.count(["action=client.partial.write"]), 3);
  } finally {
    await client.close();
    await server.close();
  }
});

const clientModule = resolve(fileURLToPath(import.meta.url), "../../src/client/index.js");

test("a process that records and just ends flushes on exit; without flushOnExit the events are lost", async () => {
  const server = await serve();
  const key = await server.key("writer");
  const dir = tempDir("sealtrail-client-exit-");
  const script = join(dir, "record-and-end.mjs");
  writeFileSync(
    script,
    `import { SealtrailClient } from ${JSON.stringify(clientModule)};
const client = new SealtrailClient({
  url: process.env.SEALTRAIL_URL,
  apiKey: process.env.SEALTRAIL_KEY,
  flushIntervalMs: 600000,
  flushOnExit: process.env.FLUSH_ON_EXIT === "1",
});
for (let i = 0; i < 50; i++) client.record({ action: process.env.ACTION, details: { i } });
`,
  );
  try {
    for (const [flushOnExit, action, expected] of [
      ["1", "client.exit.flushed", 50],
      ["0", "client.exit.lost", 0],
    ] as const) {
      const started = Date.now();
      await run(process.execPath, [script], {
        env: {
          ...process.env,
          SEALTRAIL_URL: server.url,
          SEALTRAIL_KEY: key,
          ACTION: action,
          FLUSH_ON_EXIT: flushOnExit,
        },
        timeout: 60_000,
      });
      assert.ok(Date.now() - started < 30_000, "the client's timer kept the process alive");
      const stored = await storedEvents(server, [`action=${action}`]);
      assert.equal(stored.length, expected, `flushOnExit=${flushOnExit}`);
      assert.deepEqual(
        stored.map((e) => (e.details as { i: number }).i),
        Array.from({ length: expected }, (_, i) => i),
      );
    }
  } finally {
    await server.close();
  }
});

test("read helpers return what was written, with proofs that verify; errors carry the server's problem", async () => {
  const server = await serve();
  const [writerKey, readerKey, auditorKey] = await Promise.all([
    server.key("writer"),
    server.key("reader"),
    server.key("auditor"),
  ]);
  const writer = newClient(server.url, writerKey);
  const reader = newClient(server.url, readerKey);
  const auditor = newClient(server.url, auditorKey);
  try {
    const alice = `alice+${Date.now()} x`; // a plus and a space must survive the query string
    const pending = [
      ...Array.from({ length: 5 }, (_, i) =>
        writer.record({
          action: "client.read.login",
          actor: { id: alice },
          outcome: "success",
          details: { i },
        }),
      ),
      writer.record({
        action: "client.read.login",
        actor: { id: "bob" },
        outcome: "failure",
        severity: "warning",
      }),
    ];
    await writer.flush();
    const receipts = await Promise.all(pending);

    const page = await reader.query([`actor.id=${alice}`], { limit: 3, order: "asc" });
    assert.deepEqual(
      page.events.map((e) => e.id),
      receipts.slice(0, 3).map((r) => r.id),
    );
    assert.ok(page.next_cursor, "a next cursor");
    const rest = await reader.query([`actor.id=${alice}`], { limit: 3, cursor: page.next_cursor });
    assert.deepEqual(
      rest.events.map((e) => e.id),
      receipts.slice(3, 5).map((r) => r.id),
    );
    assert.equal(rest.next_cursor, undefined);
    // By event time: these events happened in the order they were recorded, so the orders agree,
    // and the page says which one it is.
    const byTime = await reader.query([`actor.id=${alice}`], { sort: "timestamp", order: "asc" });
    assert.deepEqual([byTime.sort, byTime.order], ["timestamp", "asc"]);
    assert.deepEqual([page.sort, page.order], ["seq", "asc"]);
    assert.deepEqual(
      byTime.events.map((e) => e.id),
      [...page.events, ...rest.events].map((e) => e.id),
    );

    const asObject: ClientFilter = { "actor.id": "bob" };
    const bob = await reader.query(asObject, { since: "1h" });
    assert.deepEqual(
      bob.events.map((e) => [e.id, e.outcome, e.severity]),
      [[receipts[5]?.id, "failure", "warning"]],
    );
    const failures = await reader.query(["action=client.read.*", "outcome!=success", "severity>=warning"]);
    assert.deepEqual(
      failures.events.map((e) => e.id),
      [receipts[5]?.id],
    );
    assert.equal((await reader.query([`actor.id=${alice}`], { until: "2000-01-01" })).events.length, 0);

    const stats = await reader.stats(["action=client.read.login"]);
    assert.equal(stats.total, 6);
    assert.deepEqual(stats.byOutcome.map((r) => [r.key, r.count]).sort(), [
      ["failure", 1],
      ["success", 5],
    ]);

    const target = receipts[2] as RecordReceipt;
    const plain = await reader.getEvent(target.id);
    assert.deepEqual([plain.event.id, plain.event.seq, plain.proof], [target.id, target.seq, undefined]);
    const proved = await auditor.getEvent(target.id, { proof: true });
    assert.equal(proved.event.seq, target.seq);
    const checkpointNote = proved.checkpoint ?? "";
    const checkpoint = verifyCheckpoint(checkpointNote, parseVerifierKey(server.log.verifierKey()));
    const proof = proved.proof;
    assert.ok(proof, "a proof");
    assert.equal(proof.index, target.seq);
    assert.equal(proof.tree_size, checkpoint.size);
    assert.equal(proof.leaf_hash, leafHash(canonicalize(proved.event)).toString("base64"));
    assert.ok(
      verifyInclusion(
        proof.index,
        proof.tree_size,
        b64(proof.leaf_hash),
        proof.proof.map(b64),
        checkpoint.root,
      ),
    );

    const text = await reader.checkpoint();
    assert.equal(text.split("\n")[0], server.log.origin);
    const latest = verifyCheckpoint(text, parseVerifierKey(server.log.verifierKey()));
    assert.ok(latest.size >= target.seq + 1);

    const inclusion = await auditor.proveInclusion(target.seq, proof.tree_size);
    assert.deepEqual(inclusion, proof);
    const consistency = await auditor.proveConsistency(1, latest.size);
    assert.deepEqual([consistency.from_size, consistency.to_size], [1, latest.size]);

    // Errors: the server's problem, as a SealtrailClientError.
    const problem = (status: number, code: string) => (e: unknown) =>
      e instanceof SealtrailClientError && e.status === status && e.code === code && e.detail.length > 0;
    await assert.rejects(
      reader.getEvent("01890a5d-ac96-774b-bcce-b302099a8057"),
      problem(404, "ST_ERR_EVENT_NOT_FOUND"),
    );
    await assert.rejects(reader.proveInclusion(target.seq), problem(403, "ST_ERR_AUTH_FORBIDDEN"));
    await assert.rejects(writer.query([]), problem(403, "ST_ERR_AUTH_FORBIDDEN"));
    await assert.rejects(reader.query(["actor.id~~alice"]), problem(400, "ST_ERR_QUERY_FILTER"));
    const stranger = newClient(server.url, `stk_0123456789abcdef_${"A".repeat(43)}`, { onError: () => {} });
    await assert.rejects(stranger.checkpoint(), problem(401, "ST_ERR_AUTH_INVALID"));
    await assert.rejects(
      stranger.record({ action: "client.read.login" }),
      problem(401, "ST_ERR_AUTH_INVALID"),
    );
  } finally {
    await Promise.all([writer.close(), reader.close(), auditor.close()]);
    await server.close();
  }
});
