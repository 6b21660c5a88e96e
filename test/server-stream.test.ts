/**
 * End-to-end: the live tail (`GET /v1/stream`, Server-Sent Events) over a real socket, read with
 * the `eventsource` package and with raw fetch streaming. Matching events arrive in seq order
 * with `id: <seq>`; a reconnect with `Last-Event-ID` (sent by hand, or by `eventsource` itself
 * after the connection is cut) resumes with exactly the missed events; `?after=-1` replays the
 * log; a consumer that stops reading holds up neither writers nor other consumers; closing the
 * server ends open streams and leaves a store that verifies.
 *
 * Every stream opened is itself recorded in the log (`audit_log.stream`): unfiltered streams see
 * those events too, so most tests filter on their own actions.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EventSource } from "eventsource";
import type { Role } from "../src/access/roles.js";
import { AuditLog } from "../src/audit-log.js";
import type { AuditEvent } from "../src/event/audit-event.js";
import { type RunningServer, startServer } from "../src/server/serve.js";
import { openApiKeys } from "./support/api-keys.js";

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

interface Served {
  readonly server: RunningServer;
  readonly home: string;
  readonly reader: string;
  readonly writer: string;
  /** Raw streams opened by the test, dropped after it. */
  readonly opened: RawStream[];
  /** EventSources of the test, closed after it. */
  readonly sources: EventSource[];
}

async function createKey(home: string, role: Role): Promise<string> {
  const keys = openApiKeys(home);
  try {
    return (await keys.create({ role, name: `stream-test-${role}` })).key;
  } finally {
    keys.close();
  }
}

/**
 * A server on a fresh home, with a reader and a writer key. After the test (also after a
 * timeout) its clients go away first, then the server is closed.
 */
async function serve(t: { after(fn: () => Promise<void> | void): void }): Promise<Served> {
  const home = mkdtempSync(join(tmpdir(), "sealtrail-stream-"));
  tempDirs.push(home);
  const server = await startServer({ home, port: 0, host: "127.0.0.1" });
  const served: Served = {
    server,
    home,
    reader: await createKey(home, "reader"),
    writer: await createKey(home, "writer"),
    opened: [],
    sources: [],
  };
  t.after(async () => {
    for (const source of served.sources) source.close();
    for (const stream of served.opened) stream.disconnect();
    await server.close();
  });
  return served;
}

/** Every stored event, in seq order. */
async function allStored(log: AuditLog): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await log.query([], { order: "asc", limit: 1000, ...(cursor ? { cursor } : {}) });
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

/** Appends events through `POST /v1/events` (a JSON array); returns their seqs in order. */
async function post(
  served: Served,
  events: ReadonlyArray<{ action: string } & Record<string, unknown>>,
): Promise<number[]> {
  const res = await fetch(`${served.server.url}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${served.writer}`, "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  const body = (await res.json()) as { accepted: number; results: Array<{ seq?: number; error?: unknown }> };
  assert.equal(res.status, 200, JSON.stringify(body).slice(0, 500));
  assert.equal(body.accepted, events.length, JSON.stringify(body).slice(0, 500));
  return body.results.map((r) => r.seq as number);
}

/** One Server-Sent Event as received. */
interface SseMessage {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

/**
 * A live tail read with fetch: parses the `text/event-stream` body as it arrives, and reads only
 * when asked (so a test can stop reading and let the server meet backpressure).
 */
class RawStream {
  readonly status: number;
  readonly contentType: string | null;
  comments = 0;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #abort: AbortController;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  #queue: SseMessage[] = [];
  #head = 0;
  #ended = false;
  /** The body of a non-200 answer. */
  readonly problem: unknown;

  private constructor(res: Response, abort: AbortController, problem: unknown) {
    this.status = res.status;
    this.contentType = res.headers.get("content-type");
    this.#abort = abort;
    this.problem = problem;
    if (res.status === 200 && res.body) this.#reader = res.body.getReader();
  }

  /** Opens `GET /v1/stream?<query>`; resolves once the answer's head has arrived. */
  static async open(
    url: string,
    key: string,
    query = "",
    headers: Record<string, string> = {},
    opened?: RawStream[],
  ): Promise<RawStream> {
    const abort = new AbortController();
    const res = await fetch(`${url}/v1/stream${query}`, {
      headers: { authorization: `Bearer ${key}`, accept: "text/event-stream", ...headers },
      signal: abort.signal,
    });
    const problem = res.status === 200 ? undefined : await res.json();
    const stream = new RawStream(res, abort, problem);
    opened?.push(stream);
    return stream;
  }

  /** True once the server ended the stream. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next event, or `undefined` when the server ended the stream. */
  async next(): Promise<SseMessage | undefined> {
    while (this.#head >= this.#queue.length) {
      if (this.#ended || !this.#reader) return undefined;
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#ended = true;
        this.#buffer += this.#decoder.decode();
      } else this.#buffer += this.#decoder.decode(value, { stream: true });
      this.#parse();
    }
    const message = this.#queue[this.#head++] as SseMessage;
    if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  /** The next `count` events; fails if the stream ends first. */
  async take(count: number): Promise<SseMessage[]> {
    const messages: SseMessage[] = [];
    while (messages.length < count) {
      const message = await this.next();
      assert.ok(message, `the stream ended after ${messages.length} of ${count} events`);
      messages.push(message);
    }
    return messages;
  }

  /** Reads events until one satisfies `last` (included). */
  async until(last: (message: SseMessage) => boolean): Promise<SseMessage[]> {
    const messages: SseMessage[] = [];
    for (;;) {
      const message = await this.next();
      assert.ok(message, `the stream ended after ${messages.length} events, before the awaited one`);
      messages.push(message);
      if (last(message)) return messages;
    }
  }

  /** Drops the connection (the client going away). */
  disconnect(): void {
    this.#abort.abort();
  }

  #parse(): void {
    let start = 0;
    for (;;) {
      const end = this.#buffer.indexOf("\n\n", start);
      if (end < 0) break;
      const block = this.#buffer.slice(start, end);
      start = end + 2;
      let id: string | undefined;
      let event: string | undefined;
      const data: string[] = [];
      let fields = 0;
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        fields++;
        if (name === "id") id = value;
        else if (name === "event") event = value;
        else if (name === "data") data.push(value);
      }
      if (fields > 0) this.#queue.push({ id, event, data: data.join("\n") });
    }
    this.#buffer = this.#buffer.slice(start);
  }
}

/** The events of `messages`, checked to be `audit-event`s whose `id` is their seq. */
function eventsOf(messages: readonly SseMessage[]): AuditEvent[] {
  return messages.map((m) => {
    assert.equal(m.event, "audit-event");
    const event = JSON.parse(m.data) as AuditEvent;
    assert.equal(m.id, String(event.seq), "the SSE id is the event's seq");
    return event;
  });
}

/** Asserts strictly increasing seqs. */
function assertSeqOrder(seqs: readonly number[], what: string): void {
  for (let i = 1; i < seqs.length; i++) {
    assert.ok((seqs[i] as number) > (seqs[i - 1] as number), `${what}: seq ${seqs[i]} after ${seqs[i - 1]}`);
  }
}

/** An `EventSource` that sends the API key, collecting `audit-event`s. */
/** An `EventSource` that sends the API key, collecting `audit-event`s; closed after the test. */
function eventSource(served: Served, url: string) {
  const received: Array<{ lastEventId: string; event: AuditEvent }> = [];
  const errors: Array<{ code: number | undefined; message: string | undefined }> = [];
  const waiters: Array<() => void> = [];
  const es = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers ?? {}), authorization: `Bearer ${served.reader}` },
      }),
  });
  served.sources.push(es);
  const wake = () => {
    for (const resolve of waiters.splice(0)) resolve();
  };
  es.addEventListener("audit-event", (message) => {
    received.push({
      lastEventId: message.lastEventId,
      event: JSON.parse(message.data as string) as AuditEvent,
    });
    wake();
  });
  es.addEventListener("error", (error) => {
    errors.push({ code: error.code, message: error.message });
    wake();
  });
  const opened = new Promise<void>((resolve) => es.addEventListener("open", () => resolve(), { once: true }));
  return {
    es,
    received,
    errors,
    opened,
    /** Resolves once `ready()` holds (checked after every event and error). */
    async until(ready: () => boolean): Promise<void> {
      while (!ready()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/** A TCP proxy to `target` whose connections can be cut; it keeps each request's head. */
async function cuttableProxy(target: URL) {
  const pairs = new Set<[Socket, Socket]>();
  const heads: string[] = [];
  const proxy: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    let head = "";
    const sniff = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end >= 0) {
        heads.push(head.slice(0, end));
        client.off("data", sniff);
      }
    };
    client.on("data", sniff);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const cut = () => {
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    heads,
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        proxy.close(() => resolve());
      }),
  };
}

const TIMEOUT = { timeout: 60_000 };

test(
  "events appended after connecting arrive in seq order, id = seq, only those matching the filter",
  TIMEOUT,
  async (t) => {
    const served = await serve(t);
    const tail = eventSource(served, `${served.server.url}/v1/stream?action=user.*`);
    await tail.opened;

    const actions = [
      "user.login",
      "key.rotate",
      "user.logout",
      "package.scan",
      "user.password_change",
      "users.list", // not user.*: the prefix includes the dot
      "user.mfa.enroll",
    ];
    const sent: Array<{ seq: number; action: string }> = [];
    for (let round = 0; round < 5; round++) {
      const batch = actions.map((action, i) => ({ action, actor: { id: `u-${round}-${i}` } }));
      const seqs = await post(served, batch);
      seqs.forEach((seq, i) => {
        sent.push({ seq, action: actions[i] as string });
      });
      // Appends of the embedding process itself, interleaved.
      const single = await served.server.log.append({
        action: "user.session.refresh",
        actor: { id: `r-${round}` },
      });
      sent.push({ seq: single.seq, action: "user.session.refresh" });
    }
    const last = await post(served, [{ action: "user.sentinel" }]);
    sent.push({ seq: last[0] as number, action: "user.sentinel" });

    await tail.until(() => tail.received.some((r) => r.event.action === "user.sentinel"));
    const expected = sent.filter((s) => s.action.startsWith("user.")).sort((a, b) => a.seq - b.seq);
    assert.equal(expected.length, 5 * 5 + 1);
    assert.deepEqual(
      tail.received.map((r) => ({ seq: r.event.seq, action: r.event.action })),
      expected,
      "exactly the matching events, in seq order",
    );
    for (const r of tail.received) assert.equal(r.lastEventId, String(r.event.seq), "id: <seq>");
    // The stream's opening was recorded, with its filter.
    const recorded = await served.server.log.query(["action=audit_log.stream"], { order: "asc" });
    assert.equal(recorded.events.length, 1);
    assert.equal(recorded.events[0]?.category, "access");
    assert.deepEqual(recorded.events[0]?.details?.filter, ["action=user.*"]);
  },
);

test(
  "a stream starts with events committed from its opening on; its own opening is the first an unfiltered one sees",
  TIMEOUT,
  async (t) => {
    const served = await serve(t);
    const early = await post(served, [{ action: "user.login", actor: { id: "early" } }]);
    const stream = await RawStream.open(served.server.url, served.reader, "", {}, served.opened);
    assert.equal(stream.status, 200);
    const later = await post(served, [{ action: "user.login", actor: { id: "later" } }]);
    const got = eventsOf(await stream.take(2));
    assert.equal(got[0]?.action, "audit_log.stream", "the stream's own access event");
    assert.ok((got[0]?.seq as number) > (early[0] as number));
    assert.equal(got[1]?.seq, later[0]);
    assert.equal(got[1]?.actor?.id, "later");
  },
);

test(
  "resume by hand: a reconnect with Last-Event-ID (or ?after=) gets exactly the missed matching events",
  TIMEOUT,
  async (t) => {
    const served = await serve(t);
    const { url } = served.server;

    const first = await RawStream.open(url, served.reader, "?action=order.*", {}, served.opened);
    assert.equal(first.status, 200);
    assert.match(first.contentType ?? "", /^text\/event-stream/);
    const seqs1 = await post(
      served,
      Array.from({ length: 10 }, (_, i) => ({
        action: i % 2 === 0 ? "order.create" : "invoice.create",
        details: { i },
      })),
    );
    const got1 = eventsOf(await first.take(5));
    assert.deepEqual(
      got1.map((e) => e.seq),
      seqs1.filter((_, i) => i % 2 === 0),
    );
    const lastSeen = got1.at(-1)?.seq as number;
    first.disconnect();

    // While disconnected: more events, matching and not, some appended by the log itself.
    const missed: number[] = [];
    for (let round = 0; round < 3; round++) {
      const seqs = await post(
        served,
        Array.from({ length: 50 }, (_, i) => ({ action: i % 3 === 0 ? "order.update" : "cart.update" })),
      );
      missed.push(...seqs.filter((_, i) => i % 3 === 0));
      missed.push((await served.server.log.append({ action: "order.ship" })).seq);
      await served.server.log.append({ action: "shipment.track" });
    }

    const resumed = await RawStream.open(
      url,
      served.reader,
      "?action=order.*",
      { "last-event-id": String(lastSeen) },
      served.opened,
    );
    assert.equal(resumed.status, 200);
    const sentinel = (await post(served, [{ action: "order.sentinel" }]))[0] as number;
    const got2 = eventsOf(await resumed.until((m) => m.id === String(sentinel)));
    assert.deepEqual(
      got2.map((e) => e.seq),
      [...missed, sentinel],
      "exactly the missed matching events, then the new one: no gap, no repeat",
    );
    assert.ok(got2.every((e) => e.action.startsWith("order.")));

    // ?after= does the same as the header; the header wins over it.
    const byParam = await RawStream.open(
      url,
      served.reader,
      `?action=order.*&after=${lastSeen}`,
      {},
      served.opened,
    );
    assert.deepEqual(
      eventsOf(await byParam.take(missed.length + 1)).map((e) => e.seq),
      [...missed, sentinel],
    );
    const headerWins = await RawStream.open(
      url,
      served.reader,
      "?action=order.*&after=-1",
      { "last-event-id": String(missed.at(-1)) },
      served.opened,
    );
    assert.deepEqual(
      eventsOf(await headerWins.take(1)).map((e) => e.seq),
      [sentinel],
    );

    // A Last-Event-ID that is not a seq is refused.
    for (const bad of ["abc", "-2", "1.5"]) {
      const refused = await RawStream.open(url, served.reader, "", { "last-event-id": bad }, served.opened);
      assert.equal(refused.status, 400, `Last-Event-ID: ${bad}`);
      assert.equal((refused.problem as { code: string }).code, "ST_ERR_USAGE");
    }
  },
);

test(
  "resume by eventsource itself: after the connection is cut it reconnects with Last-Event-ID and misses nothing",
  TIMEOUT,
  async (t) => {
    const served = await serve(t);
    const proxy = await cuttableProxy(new URL(served.server.url));
    t.after(() => proxy.close());
    const tail = eventSource(served, `${proxy.url}/v1/stream?action=job.*`);
    await tail.opened;

    const expected: number[] = [];
    const batch = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({
        action: i % 2 === 0 ? `job.${tag}` : `task.${tag}`,
        details: { i },
      }));
    const append = async (events: Array<{ action: string }>) => {
      const seqs = await post(served, events);
      expected.push(...seqs.filter((_, i) => events[i]?.action.startsWith("job.")));
    };

    await append(batch(40, "start"));
    await tail.until(() => tail.received.length === expected.length);
    const lastBeforeCut = tail.received.at(-1)?.event.seq as number;
    assert.equal(lastBeforeCut, expected.at(-1));

    proxy.cut();
    await tail.until(() => tail.errors.length > 0);
    // Appended while the client is away (it retries after its reconnection delay, 3 s by default).
    for (let round = 0; round < 5; round++) await append(batch(30, `gap${round}`));
    await tail.until(() => tail.received.length >= expected.length);
    await append(batch(20, "end"));
    await tail.until(() => tail.received.length >= expected.length);

    assert.deepEqual(
      tail.received.map((r) => r.event.seq),
      expected,
      "every matching event exactly once, in seq order, across the reconnect",
    );
    for (const r of tail.received) assert.equal(r.lastEventId, String(r.event.seq));
    assert.equal(proxy.heads.length, 2, "one reconnect");
    assert.doesNotMatch(
      proxy.heads[0] as string,
      /^last-event-id:/im,
      "the first request has no Last-Event-ID",
    );
    assert.match(
      proxy.heads[1] as string,
      new RegExp(`^last-event-id: ${lastBeforeCut}\\r?$`, "im"),
      "eventsource reconnected with the last seq it had",
    );
  },
);

test("?after=-1 replays the log from the start, then goes on live", TIMEOUT, async (t) => {
  const served = await serve(t);
  const { log } = served.server;
  for (let i = 0; i < 7; i++) await log.append({ action: `setup.step${i}`, details: { i } });
  await post(
    served,
    Array.from({ length: 1200 }, (_, i) => ({ action: "bulk.load", details: { i } })),
  );
  const replay = await RawStream.open(served.server.url, served.reader, "?after=-1", {}, served.opened);
  assert.equal(replay.status, 200);
  // The log as it stood once the stream answered: its creation (seq 0) and the stream's own
  // opening are recorded.
  const stored = await allStored(log);
  assert.equal(stored.length, 1 + 7 + 1200 + 1);
  assert.equal(stored[0]?.action, "audit_log.init");
  const replayed = eventsOf(await replay.take(stored.length));
  assert.deepEqual(
    replayed.map((e) => e.seq),
    stored.map((_, i) => i),
    "seq 0 onwards, every one, in order (across the tail's pages)",
  );
  assert.deepEqual(replayed, stored, "each event as stored");
  const own = replayed.at(-1);
  assert.equal(own?.action, "audit_log.stream", "the stream's own opening is in the log it streams");
  assert.equal(own?.details?.after, -1);

  // Then live.
  const live = await log.append({ action: "after.replay" });
  assert.deepEqual(
    eventsOf(await replay.take(1)).map((e) => e.seq),
    [live.seq],
  );
});

test("a consumer that stops reading holds up neither the writers nor other consumers", TIMEOUT, async (t) => {
  const served = await serve(t);
  const { url } = served.server;
  const TOTAL = 20_000;
  const PER_POST = 1_000;
  // About 1.2 KB per event: 20,000 of them are far more than the socket buffers hold.
  const pad = "x".repeat(1_000);

  const paused = await RawStream.open(url, served.reader, "?action=slow.*", {}, served.opened);
  const active = await RawStream.open(url, served.reader, "?action=slow.*", {}, served.opened);
  assert.equal(paused.status, 200);
  assert.equal(active.status, 200);
  const activeDone = active.take(TOTAL);

  const started = performance.now();
  const seqs: number[] = [];
  for (let n = 0; n < TOTAL / PER_POST; n++) {
    seqs.push(
      ...(await post(
        served,
        Array.from({ length: PER_POST }, (_, i) => ({
          action: "slow.append",
          actor: { id: `writer-${n}` },
          details: { n, i, pad },
        })),
      )),
    );
  }
  const appendMs = performance.now() - started;
  assert.equal(seqs.length, TOTAL);
  assertSeqOrder(seqs, "appends");

  // The active consumer gets everything while the paused one has not read a byte.
  const activeEvents = eventsOf(await activeDone);
  const activeMs = performance.now() - started;
  assert.deepEqual(
    activeEvents.map((e) => e.seq),
    seqs,
  );
  await sleep(500);
  // Writers go on while it is paused, too.
  seqs.push(...(await post(served, [{ action: "slow.more" }])));

  const resumedAt = performance.now();
  const pausedEvents = eventsOf(await paused.take(TOTAL + 1));
  assert.deepEqual(
    pausedEvents.map((e) => e.seq),
    seqs,
    "the paused consumer gets every event, in order, once it reads again",
  );
  t.diagnostic(
    `${TOTAL} appends in ${appendMs.toFixed(0)} ms with a paused consumer; the active consumer had all at ${activeMs.toFixed(0)} ms; ` +
      `the paused one drained in ${(performance.now() - resumedAt).toFixed(0)} ms`,
  );
});

test(
  "a stream whose consumer is slow does not pile up listeners (one per time its socket fills)",
  TIMEOUT,
  async (t) => {
    const served = await serve(t);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === "MaxListenersExceededWarning") warnings.push(warning.message);
    };
    process.on("warning", onWarning);
    t.after(() => {
      process.off("warning", onWarning);
    });
    const stream = await RawStream.open(
      served.server.url,
      served.reader,
      "?action=leak.*",
      {},
      served.opened,
    );
    assert.equal(stream.status, 200);
    const pad = "z".repeat(1_000);
    const seqs: number[] = [];
    for (let n = 0; n < 10; n++) {
      seqs.push(
        ...(await post(
          served,
          Array.from({ length: 1_000 }, (_, i) => ({ action: "leak.append", details: { n, i, pad } })),
        )),
      );
    }
    // Reading 10,000 events of 1.2 KB after they piled up: the server waits for 'drain' many times.
    assert.deepEqual(
      eventsOf(await stream.take(seqs.length)).map((e) => e.seq),
      seqs,
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      warnings,
      [],
      "each wait for the socket to drain adds an abort listener to the stream's signal and never removes it",
    );
  },
);

test(
  "close() ends open streams and leaves a store that verifies, with a final checkpoint",
  TIMEOUT,
  async (t) => {
    const served = await serve(t);
    const { server, home } = served;

    const idle = await RawStream.open(server.url, served.reader, "?action=never.*", {}, served.opened);
    const busy = await RawStream.open(server.url, served.reader, "?action=close.*", {}, served.opened);
    const all = await RawStream.open(server.url, served.reader, "?after=-1", {}, served.opened);
    const tail = eventSource(served, `${server.url}/v1/stream?action=close.*`);
    await tail.opened;
    const seqs = await post(
      served,
      Array.from({ length: 100 }, (_, i) => ({ action: "close.before", details: { i } })),
    );
    assert.deepEqual(
      eventsOf(await busy.take(100)).map((e) => e.seq),
      seqs,
    );
    await tail.until(() => tail.received.length === 100);

    const started = performance.now();
    await server.close(); // must resolve: a hang fails the test by its timeout
    const closeMs = performance.now() - started;

    // Every open stream was ended by the server.
    for (const [name, stream] of [
      ["idle", idle],
      ["busy", busy],
      ["unfiltered", all],
    ] as const) {
      while ((await stream.next()) !== undefined) {
        // what was still on the way
      }
      assert.ok(stream.ended, `the ${name} stream was ended`);
    }
    await tail.until(() => tail.errors.length > 0);
    tail.es.close();
    assert.deepEqual(
      tail.received.map((r) => r.event.seq),
      seqs,
    );

    // Reopened: the store verifies, and the final checkpoint covers it all.
    const log = await AuditLog.open({ home });
    try {
      const report = await log.verify();
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.equal(report.size, log.size);
      assert.equal((await log.latestCheckpoint())?.size, log.size, "close() signed a final checkpoint");
      t.diagnostic(
        `close() with 4 open streams took ${closeMs.toFixed(0)} ms; store of ${log.size} verified`,
      );
    } finally {
      await log.close();
    }
  },
);

/** `POST /v1/events` through `agent` (node:http, so the test owns the keep-alive connections). */
function postThrough(
  agent: Agent,
  url: string,
  key: string,
  events: unknown[],
): Promise<{ status: number; seqs: number[] } | { status: 0; error: Error }> {
  return new Promise((resolve) => {
    const body = JSON.stringify(events);
    const req = httpRequest(
      `${url}/v1/events`,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => {
          const parsed = JSON.parse(text) as { results?: Array<{ seq: number }> };
          resolve({ status: res.statusCode ?? 0, seqs: (parsed.results ?? []).map((r) => r.seq) });
        });
        res.on("error", (error) => resolve({ status: 0, error }));
      },
    );
    req.on("error", (error) => resolve({ status: 0, error }));
    req.end(body);
  });
}

test("close() answers the writes in flight and then resolves promptly, although their clients keep the connections alive", {
  timeout: 20_000,
}, async (t) => {
  // Keep-alive connections, as any HTTP client keeps them; destroyed after the test (before the
  // server is closed), which lets a close() that waits for them finish.
  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const served = await serve(t);
  const { server, home } = served;

  const sizeBefore = server.log.size;
  const writes = Array.from({ length: 10 }, (_, n) =>
    postThrough(
      agent,
      server.url,
      served.writer,
      Array.from({ length: 200 }, (_, i) => ({ action: "close.during", details: { n, i } })),
    ),
  );
  // Close once the first of them is being stored.
  while (server.log.size === sizeBefore) await sleep(1);
  const started = performance.now();
  const closing = server.close();
  const answered = await Promise.all(writes);
  const answeredMs = performance.now() - started;
  for (const w of answered) {
    assert.ok(
      w.status === 200 || w.status === 503,
      `a write in flight is answered 200 or 503 (got ${w.status}${"error" in w ? `: ${w.error.message}` : ""})`,
    );
  }
  const okWrites = answered.filter((w): w is { status: number; seqs: number[] } => w.status === 200);
  assert.ok(okWrites.length >= 1, "the writes being stored when close() began were answered");
  t.diagnostic(
    `${okWrites.length} of 10 writes answered 200, ${10 - okWrites.length} 503, within ${answeredMs.toFixed(0)} ms of close()`,
  );

  // The answered connections are idle now: close() must not wait for their keep-alive timeout.
  // A hang fails the test by its timeout (and the test stops here, before its clients are dropped).
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new Error("close() had not resolved when the test timed out"));
    t.signal.addEventListener("abort", onAbort, { once: true });
    closing.then(
      () => {
        t.signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (error: unknown) => {
        t.signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
  t.diagnostic(`close() resolved ${(performance.now() - started).toFixed(0)} ms after it was called`);

  const log = await AuditLog.open({ home });
  try {
    for (const seq of okWrites.flatMap((w) => w.seqs)) {
      assert.equal(
        (await log.getEventBySeq(seq))?.action,
        "close.during",
        `acknowledged seq ${seq} is stored`,
      );
    }
    assert.equal((await log.verify()).ok, true);
  } finally {
    await log.close();
  }
});

test(
  "close() also ends a stream whose consumer stopped reading (the server blocked on its socket)",
  TIMEOUT,
  async (t) => {
    const served = await serve(t);
    const { server, home } = served;
    const stalled = await RawStream.open(server.url, served.reader, "?action=stall.*", {}, served.opened);
    assert.equal(stalled.status, 200);
    const pad = "y".repeat(1_000);
    const seqs: number[] = [];
    for (let n = 0; n < 10; n++) {
      seqs.push(
        ...(await post(
          served,
          Array.from({ length: 1_000 }, (_, i) => ({ action: "stall.append", details: { n, i, pad } })),
        )),
      );
    }
    // Give the tail time to fill the socket and wait for it to drain.
    await sleep(300);
    const started = performance.now();
    await server.close(); // must resolve although the consumer never reads: a hang fails by the timeout
    const closeMs = performance.now() - started;

    // What the consumer still gets is a gap-free start of the events: it resumes from its last seq.
    const got: SseMessage[] = [];
    let cut = "";
    try {
      for (let m = await stalled.next(); m; m = await stalled.next()) got.push(m);
    } catch (error) {
      cut = ` (then: ${(error as Error).message})`;
    }
    assert.deepEqual(
      eventsOf(got).map((e) => e.seq),
      seqs.slice(0, got.length),
    );
    t.diagnostic(
      `close() with a stalled consumer took ${closeMs.toFixed(0)} ms; the consumer then read ${got.length} of ${seqs.length} events${cut}`,
    );
    const log = await AuditLog.open({ home });
    try {
      assert.equal((await log.verify()).ok, true);
    } finally {
      await log.close();
    }
  },
);

test("a live tail sees events another process appends to the same store", async (t) => {
  const served = await serve(t);
  const stream = await RawStream.open(
    served.server.url,
    served.reader,
    "?action=other.process",
    {},
    served.opened,
  );
  assert.equal(stream.status, 200);
  // A second writer on the same file, as `sealtrail append` or `keys create` would be: the
  // server does not hear its commits, and finds them by polling.
  const other = await AuditLog.open({ home: served.home, checkpointIntervalMs: 0 });
  let seq: number;
  try {
    ({ seq } = await other.append({ action: "other.process", actor: { id: "cli" } }));
  } finally {
    await other.close();
  }
  const [message] = await stream.take(1);
  assert.equal(message?.id, String(seq));
  assert.equal((JSON.parse(message?.data ?? "{}") as AuditEvent).action, "other.process");
});

test("a key may hold 16 live tails at once; the 17th is refused with 429", async (t) => {
  const served = await serve(t);
  const streams: RawStream[] = [];
  for (let i = 0; i < 16; i++) {
    const stream = await RawStream.open(served.server.url, served.reader, "", {}, served.opened);
    assert.equal(stream.status, 200, `stream ${i + 1}`);
    streams.push(stream);
  }
  const refused = await RawStream.open(served.server.url, served.reader, "", {}, served.opened);
  assert.equal(refused.status, 429);
  assert.equal((refused.problem as { code?: string }).code, "ST_ERR_HTTP_RATE_LIMITED");
  // Closing one frees a place.
  streams[0]?.disconnect();
  let again: RawStream | undefined;
  for (let attempt = 0; attempt < 50 && again?.status !== 200; attempt++) {
    await sleep(20);
    again = await RawStream.open(served.server.url, served.reader, "", {}, served.opened);
  }
  assert.equal(again?.status, 200);
});
