/**
 * End-to-end: `sealtrail serve` killed with SIGKILL under write load (single events and NDJSON
 * batches from several concurrent clients). Afterwards every event whose request was answered
 * 2xx is stored exactly once, at the seq it was answered with, no id is stored twice, and the
 * store verifies. Restarting the server on the same home and re-sending every request that died
 * with the connection stores each of their events exactly once (what the killed server had
 * already stored comes back as `duplicate: true`, at its stored seq).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { cli, describeRun, exportLines, initStore, removeTempDirs, runCli, tempDir } from "./cli-harness.js";
import { type ServeProcess, startServeProcess } from "./support/serve-process.js";

after(removeTempDirs);

/** Concurrent load loops of each kind, and events per NDJSON batch. */
const SINGLE_LOOPS = 4;
const BATCH_LOOPS = 3;
const BATCH_SIZE = 200;
/** How long the load runs at least before the kill (longer until MIN_ACKED are acknowledged). */
const LOAD_MS = 2_000;
/** Acknowledged events the load must have reached for the kill to mean something. */
const MIN_ACKED = 2_000;

/** Starts `sealtrail serve` on a free port and waits for its `listening on` line. */
async function startServe(home: string, processes: ServeProcess[]): Promise<ServeProcess> {
  const server = await startServeProcess([
    "--home",
    home,
    "--port",
    "0",
    "--rate-limit",
    "0",
    "--log-level",
    "error",
  ]);
  processes.push(server);
  return server;
}

function createKey(home: string, role: string): string {
  const r = cli(["keys", "create", "--home", home, "--role", role, "--name", `crash-${role}`, "--json"]);
  return (JSON.parse(r.stdout) as { key: string }).key;
}

/** One request of the load: its events (each with its own id), and how it is sent. */
interface LoadRequest {
  readonly kind: "single" | "ndjson";
  readonly events: ReadonlyArray<{ id: string; action: string; actor: { id: string }; details: object }>;
}

function bodyOf(request: LoadRequest): { body: string; contentType: string } {
  if (request.kind === "single") {
    return { body: JSON.stringify(request.events[0]), contentType: "application/json" };
  }
  return {
    body: request.events.map((e) => `${JSON.stringify(e)}\n`).join(""),
    contentType: "application/x-ndjson",
  };
}

/** A receipt as the server answers it, for a single event or a batch element. */
interface Receipt {
  readonly seq: number;
  readonly id: string;
  readonly duplicate: boolean;
}

type SendResult =
  | {
      readonly kind: "answered";
      readonly status: number;
      readonly receipts: Receipt[];
      readonly body: unknown;
    }
  | { readonly kind: "network-error"; readonly error: unknown };

/** Sends one load request; a 2xx answer is parsed into one receipt per event, in order. */
async function send(url: string, key: string, request: LoadRequest): Promise<SendResult> {
  const { body, contentType } = bodyOf(request);
  let status: number;
  let parsed: unknown;
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": contentType },
      body,
    });
    status = res.status;
    // A body lost with the connection leaves the outcome unknown: a network error like any other.
    parsed = await res.json();
  } catch (error) {
    return { kind: "network-error", error };
  }
  if (status < 200 || status > 299) return { kind: "answered", status, receipts: [], body: parsed };
  if (request.kind === "single") {
    const r = parsed as { seq: number; id: string; duplicate: boolean };
    return {
      kind: "answered",
      status,
      receipts: [{ seq: r.seq, id: r.id, duplicate: r.duplicate }],
      body: parsed,
    };
  }
  const batch = parsed as {
    results: Array<{ index: number; seq?: number; id?: string; duplicate?: true; error?: unknown }>;
  };
  const receipts = batch.results.map((r, i) => {
    assert.equal(r.index, i, "batch results are in line order");
    assert.equal(r.error, undefined, `line ${i + 1} was rejected: ${JSON.stringify(r.error)}`);
    return { seq: r.seq as number, id: r.id as string, duplicate: r.duplicate === true };
  });
  return { kind: "answered", status, receipts, body: parsed };
}

/** A stored event's id and seq, from the NDJSON export (the leaf bytes). */
function storedEvents(home: string): Array<{ seq: number; id: string; action: string }> {
  return exportLines(home).map((line) => JSON.parse(line) as { seq: number; id: string; action: string });
}

function seqsById(events: ReadonlyArray<{ seq: number; id: string }>): Map<string, number[]> {
  const byId = new Map<string, number[]>();
  for (const e of events) {
    const seqs = byId.get(e.id);
    if (seqs) seqs.push(e.seq);
    else byId.set(e.id, [e.seq]);
  }
  return byId;
}

/** No id is stored twice, and the seqs are exactly 0 … n-1 in order. */
function assertStoreShape(events: ReadonlyArray<{ seq: number; id: string }>, when: string): void {
  events.forEach((e, i) => {
    assert.equal(e.seq, i, `${when}: the export's line ${i + 1} has seq ${e.seq}`);
  });
  const byId = seqsById(events);
  const twice = [...byId].filter(([, seqs]) => seqs.length > 1);
  assert.deepEqual(twice, [], `${when}: ids stored more than once`);
}

function verifyStore(home: string, when: string): void {
  const r = runCli(["verify", "--home", home]);
  assert.equal(r.code, 0, `${when}: ${describeRun(["verify", "--home", home], r)}`);
  assert.match(r.stdout, /^OK: \d+ events verified/m);
}

test("kill -9 of the server under load: every acknowledged event is stored once, the store verifies, and re-sent requests complete it exactly once", async (t) => {
  const started = performance.now();
  const home = join(tempDir("sealtrail-server-crash-"), "home");
  initStore(home, "e2e.example/server-crash");
  const writer = createKey(home, "writer");
  const auditor = createKey(home, "auditor");

  const processes: ServeProcess[] = [];
  t.after(async () => {
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      await p.exited;
    }
  });

  const first = await startServe(home, processes);

  // The load: several loops, each sending its next request as soon as the last was answered.
  let killed = false;
  let inFlight = 0;
  /** Event id → the seq a 2xx answer gave it. */
  const acked = new Map<string, number>();
  const failed: LoadRequest[] = [];
  const refused: Array<{ status: number; body: unknown }> = [];
  let requests = 0;
  const loop = async (kind: LoadRequest["kind"], loopNo: number) => {
    for (let n = 0; !killed; n++) {
      const count = kind === "single" ? 1 : BATCH_SIZE;
      const request: LoadRequest = {
        kind,
        events: Array.from({ length: count }, (_, i) => ({
          id: randomUUID(),
          action: kind === "single" ? "load.single" : "load.batch",
          actor: { id: `${kind}-loop-${loopNo}` },
          details: { request: n, line: i },
        })),
      };
      inFlight++;
      requests++;
      const result = await send(first.url, writer, request);
      inFlight--;
      if (result.kind === "network-error") {
        failed.push(request);
        continue;
      }
      if (result.status < 200 || result.status > 299) {
        refused.push({ status: result.status, body: result.body });
        continue;
      }
      assert.equal(result.receipts.length, request.events.length);
      result.receipts.forEach((r, i) => {
        const sent = request.events[i] as { id: string };
        assert.equal(r.id, sent.id, "each receipt names the event sent at its position");
        assert.equal(r.duplicate, false, "a fresh id is never a duplicate");
        assert.equal(acked.has(r.id), false, "an id is acknowledged once");
        acked.set(r.id, r.seq);
      });
    }
  };
  const loopErrors: unknown[] = [];
  const loops = [
    ...Array.from({ length: SINGLE_LOOPS }, (_, i) => loop("single", i)),
    ...Array.from({ length: BATCH_LOOPS }, (_, i) => loop("ndjson", i)),
  ].map((running) =>
    running.catch((error: unknown) => {
      loopErrors.push(error);
    }),
  );

  await sleep(LOAD_MS);
  // On a busy machine the load may need longer to reach MIN_ACKED: the kill waits for it.
  const loaded = Date.now() + 60_000;
  while (acked.size < MIN_ACKED && Date.now() < loaded) await sleep(10);
  // Kill while several requests are on the wire.
  const deadline = Date.now() + 5_000;
  while (inFlight < 3 && Date.now() < deadline) await sleep(1);
  const inFlightAtKill = inFlight;
  const ackedBeforeKill = acked.size;
  assert.ok(first.child.kill("SIGKILL"), "the server was signalled");
  killed = true;
  const exit = await first.exited;
  await Promise.all(loops);
  const loadSeconds = (performance.now() - started) / 1000;

  if (loopErrors.length > 0) throw loopErrors[0];
  assert.equal(exit.signal, "SIGKILL", `the server died of the kill: ${JSON.stringify(exit)}`);
  assert.deepEqual(refused, [], "no request was refused while the server was up");
  assert.ok(
    ackedBeforeKill >= MIN_ACKED,
    `the load reached ${MIN_ACKED} acknowledged events before the kill (got ${ackedBeforeKill})`,
  );
  assert.ok(inFlightAtKill >= 1, "requests were in flight at the kill");
  assert.ok(failed.length >= 1, "some requests died with the server (the kill hit mid-load)");
  const failedEvents = failed.reduce((n, r) => n + r.events.length, 0);
  t.diagnostic(
    `${requests} requests, ${acked.size} events acknowledged; killed with ${inFlightAtKill} in flight, ` +
      `${failed.length} requests (${failedEvents} events) lost their answer; load phase ${loadSeconds.toFixed(1)} s`,
  );

  // After the kill: the store verifies, every acknowledged event is there once at its answered seq.
  verifyStore(home, "after the kill");
  const afterKill = storedEvents(home);
  assertStoreShape(afterKill, "after the kill");
  const storedAfterKill = seqsById(afterKill);
  const missing: string[] = [];
  const moved: string[] = [];
  for (const [id, seq] of acked) {
    const seqs = storedAfterKill.get(id);
    if (!seqs) missing.push(id);
    else if (seqs[0] !== seq) moved.push(`${id}: answered seq ${seq}, stored at ${seqs.join(",")}`);
  }
  assert.deepEqual(
    missing.slice(0, 10),
    [],
    `${missing.length} acknowledged events are missing after the kill`,
  );
  assert.deepEqual(moved.slice(0, 10), [], `${moved.length} acknowledged events are stored at another seq`);
  const failedIds = failed.flatMap((r) => r.events.map((e) => e.id));
  const storedUnanswered = failedIds.filter((id) => storedAfterKill.has(id)).length;
  const loadStored = afterKill.filter((e) => e.action.startsWith("load.")).length;
  assert.equal(loadStored, acked.size + storedUnanswered, "nothing but the sent events was stored");
  t.diagnostic(
    `after the kill: ${afterKill.length} events stored, ${storedUnanswered} of the ${failedIds.length} unanswered ones among them`,
  );

  // Restart on the same home and re-send every request that lost its answer, with the same ids.
  const second = await startServe(home, processes);
  const resent = await Promise.all(failed.map((request) => send(second.url, writer, request)));
  const answeredSeq = new Map<string, number>();
  resent.forEach((result, k) => {
    const request = failed[k] as LoadRequest;
    assert.equal(result.kind, "answered", `re-sent request ${k} reached the restarted server`);
    if (result.kind !== "answered") return;
    assert.ok(
      result.status >= 200 && result.status <= 299,
      `re-sent request ${k}: ${result.status} ${JSON.stringify(result.body)}`,
    );
    assert.equal(result.receipts.length, request.events.length);
    result.receipts.forEach((r, i) => {
      const id = (request.events[i] as { id: string }).id;
      assert.equal(r.id, id);
      const before = storedAfterKill.get(id);
      if (before) {
        assert.equal(r.duplicate, true, `${id} was stored before the kill, so it is a duplicate`);
        assert.equal(r.seq, before[0], `${id} is answered with the seq it was stored at`);
      } else {
        assert.equal(r.duplicate, false, `${id} was not stored before the kill`);
        assert.ok(r.seq >= afterKill.length, `${id} is stored after the events stored before the kill`);
      }
      answeredSeq.set(id, r.seq);
    });
  });

  // Sending a few acknowledged events again changes nothing either.
  const someAcked = [...acked].slice(0, 5);
  for (const [id, seq] of someAcked) {
    const again = await send(second.url, writer, {
      kind: "single",
      events: [{ id, action: "load.single", actor: { id: "replay" }, details: {} }],
    });
    assert.equal(again.kind, "answered");
    if (again.kind === "answered") {
      assert.equal(again.status, 200, "a duplicate single event is answered 200");
      assert.deepEqual(again.receipts, [{ seq, id, duplicate: true }]);
    }
  }
  // The restarted server serves what the killed one acknowledged.
  for (const [id, seq] of someAcked) {
    const res = await fetch(`${second.url}/v1/events/${id}`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { event: { seq: number } }).event.seq, seq);
  }

  // A graceful stop, then: every event sent is stored exactly once, and the store verifies.
  second.child.kill("SIGTERM");
  const stopped = await second.exited;
  assert.equal(
    stopped.code,
    0,
    `the restarted server stopped cleanly: ${JSON.stringify(stopped)}\n${second.stderr()}`,
  );
  verifyStore(home, "after the re-send");
  const final = storedEvents(home);
  assertStoreShape(final, "after the re-send");
  const storedFinal = seqsById(final);
  for (const [id, seq] of acked) assert.deepEqual(storedFinal.get(id), [seq], `acknowledged ${id}`);
  for (const id of failedIds) {
    assert.deepEqual(
      storedFinal.get(id),
      [answeredSeq.get(id)],
      `re-sent ${id} is stored once, where answered`,
    );
  }
  const loadFinal = final.filter((e) => e.action.startsWith("load.")).length;
  assert.equal(loadFinal, acked.size + failedIds.length, "every sent event is stored, and nothing else");
  t.diagnostic(
    `final: ${final.length} events, ${loadFinal} of them the load's; total ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
});
