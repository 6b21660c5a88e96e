import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { HttpDeliveryError, HttpTransport, type HttpTransportOptions } from "./http-transport.js";

/**
 * The transport against a real HTTP server on the loopback interface, whose answers each test
 * scripts: Retry-After in seconds and as a date, 5xx, connections reset before an answer,
 * answers that never come, and success. Waits are recorded by an injected sleep, not timed.
 */

type Step = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Seen {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

let script: Step[] = [];
let seen: Seen[] = [];
let base = "";
const hanging = new Set<ServerResponse>();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    const step = script.shift() ?? ok;
    step(req, res, body);
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const ok: Step = (_req, res, body) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ echoed: body }));
};

const status =
  (code: number, headers: Record<string, string> = {}, text = ""): Step =>
  (_req, res) => {
    res.writeHead(code, headers);
    res.end(text);
  };

/** Closes the connection without an answer. */
const reset: Step = (req) => {
  req.socket.destroy();
};

/** Never answers (until the test ends). */
const hang: Step = (_req, res) => {
  hanging.add(res);
};

function transport(options: HttpTransportOptions = {}) {
  const waits: number[] = [];
  const t = new HttpTransport({
    retry: { maxRetries: 5, baseMs: 8, maxMs: 64, random: () => 1 },
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  return { t, waits };
}

function reset$(steps: Step[]) {
  script = steps;
  seen = [];
}

test("429 and 503 with Retry-After in seconds are retried after that long, with the same request", async () => {
  reset$([status(429, { "retry-after": "3" }), status(503, { "retry-after": "1" }, "busy")]);
  const { t, waits } = transport();
  const answer = await t.send({
    method: "POST",
    url: `${base}/hook`,
    headers: { "content-type": "application/json", "webhook-id": "msg_1" },
    body: '{"n":1}',
  });
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.text), { echoed: '{"n":1}' });
  assert.deepEqual(waits, [3000, 1000]);
  assert.equal(seen.length, 3);
  for (const s of seen) {
    assert.deepEqual(
      [s.method, s.url, s.body, s.headers["webhook-id"]],
      ["POST", "/hook", '{"n":1}', "msg_1"],
    );
  }
});

test("a Retry-After HTTP date is honoured as the time until that date", async () => {
  const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
  reset$([status(503, { "retry-after": inTenSeconds })]);
  const { t, waits } = transport();
  await t.send({ method: "GET", url: `${base}/` });
  assert.equal(waits.length, 1);
  // The date has whole seconds: the wait is what is left of those ten seconds.
  assert.ok((waits[0] as number) > 8_000 && (waits[0] as number) <= 10_000, String(waits[0]));
});

test("500s and resets are retried with exponential backoff until the server answers", async () => {
  reset$([status(500), reset, status(502), reset, status(504)]);
  const { t, waits } = transport();
  const answer = await t.send({ method: "GET", url: `${base}/x` });
  assert.equal(answer.status, 200);
  assert.deepEqual(waits, [8, 16, 32, 64, 64]);
  assert.equal(seen.length, 6);
});

test("after maxRetries the last failure is thrown: an answer as status, a reset as network", async () => {
  reset$([status(500), status(500), status(503, {}, "still down")]);
  const down = transport({ retry: { maxRetries: 2, baseMs: 1, maxMs: 1 } });
  const err = await down.t.send({ method: "GET", url: `${base}/` }).catch((e: unknown) => e);
  assert.ok(err instanceof HttpDeliveryError);
  assert.deepEqual(
    [err.kind, err.answer?.status, err.answer?.text, err.attempts],
    ["status", 503, "still down", 3],
  );
  assert.equal(err.retryable, true);
  assert.equal(down.waits.length, 2);

  reset$([reset, reset]);
  const gone = transport({ retry: { maxRetries: 1 } });
  const net = await gone.t.send({ method: "GET", url: `${base}/` }).catch((e: unknown) => e);
  assert.ok(net instanceof HttpDeliveryError);
  assert.equal(net.kind, "network");
  assert.equal(net.answer, undefined);
  assert.ok(net.cause !== undefined);
  assert.equal(seen.length, 2);
});

test("4xx other than 429, and 501, are not retried", async () => {
  for (const code of [400, 401, 404, 413, 501]) {
    reset$([status(code, { "retry-after": "1" }, `no ${code}`)]);
    const { t, waits } = transport();
    const err = await t.send({ method: "POST", url: `${base}/`, body: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpDeliveryError, String(code));
    assert.deepEqual([err.kind, err.answer?.status, err.retryable, err.attempts], ["status", code, false, 1]);
    assert.equal(err.answer?.text, `no ${code}`);
    assert.deepEqual(waits, []);
    assert.equal(seen.length, 1);
  }
});

test("an attempt without an answer within timeoutMs fails as a timeout and is retried", async () => {
  reset$([hang]);
  const { t, waits } = transport({ timeoutMs: 50 });
  const answer = await t.send({ method: "GET", url: `${base}/slow` });
  assert.equal(answer.status, 200);
  assert.equal(waits.length, 1);

  reset$([hang, hang]);
  const once = transport({ timeoutMs: 50, retry: { maxRetries: 1 } });
  const err = await once.t.send({ method: "GET", url: `${base}/slow` }).catch((e: unknown) => e);
  assert.ok(err instanceof HttpDeliveryError);
  assert.equal(err.kind, "timeout");
});

test("onRetry is told of each wait; a custom retryableStatus decides what is retried", async () => {
  reset$([status(409), status(503, { "retry-after": "0" })]);
  const notices: Array<[number, number, number | undefined]> = [];
  const { t } = transport({
    retryableStatus: (s) => s === 409 || s === 503,
    onRetry: (n) => notices.push([n.attempt, n.delayMs, n.error.answer?.status]),
  });
  await t.send({ method: "GET", url: `${base}/` });
  assert.deepEqual(notices, [
    [0, 8, 409],
    [1, 0, 503],
  ]);
});

test("an aborted send stops retrying and rejects with the signal's reason", async () => {
  reset$([status(503), status(503), status(503)]);
  const stop = new AbortController();
  const t = new HttpTransport({
    retry: { maxRetries: 5, baseMs: 1, maxMs: 1 },
    onRetry: (n) => {
      if (n.attempt === 1) stop.abort(new Error("shutting down"));
    },
  });
  await assert.rejects(t.send({ method: "GET", url: `${base}/`, signal: stop.signal }), /shutting down/);
  assert.equal(seen.length, 2);
});

test("invalid options are refused", () => {
  assert.throws(() => new HttpTransport({ timeoutMs: 0 }), RangeError);
  assert.throws(() => new HttpTransport({ retry: { maxRetries: -1 } }), RangeError);
});
