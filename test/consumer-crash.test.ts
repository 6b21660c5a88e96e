/**
 * End-to-end: a consumer in a child process commits position, state and outbox messages in a
 * tight loop against a real SQLite home and is killed with SIGKILL at random points, six times.
 * After each kill the store holds exactly the commits up to one revision — every commit the
 * child had seen durable, and at most the one in flight — with that commit's state and the
 * messages of every commit up to it and of none after (no partial commit); message ids are never
 * reused, also after delivered messages are pruned between runs.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { AuditLog } from "../src/audit-log.js";
import type { OutboxMessage } from "../src/index.js";
import { CONSUMER, messagesOf, stateOf } from "./support/consumer-crash-plan.js";

const ROUNDS = 6;
const CHILD = resolve(import.meta.dirname, "support/consumer-child.js");
const dir = mkdtempSync(join(tmpdir(), "sealtrail-consumer-crash-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A running child and the commits it has reported durable so far. */
interface Run {
  readonly child: ChildProcess;
  /** The numbers of the commits reported, in order. */
  readonly committed: number[];
  /** When each was reported (ms, monotonic). */
  readonly times: number[];
  /** Resolves once `count` commits were reported (or the child ended). */
  reported(count: number): Promise<void>;
  /** Resolves once the child has exited and all it wrote has been read. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(home: string): Run {
  const child = spawn(process.execPath, [CHILD, home], { stdio: ["ignore", "pipe", "inherit"] });
  const committed: number[] = [];
  const times: number[] = [];
  let waiting: { count: number; done: () => void } | undefined;
  let rest = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (text: string) => {
    const lines = (rest + text).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const match = /^committed (\d+)$/.exec(line);
      if (match) {
        committed.push(Number(match[1]));
        times.push(performance.now());
      }
    }
    if (waiting && committed.length >= waiting.count) waiting.done();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on("exit", (code, signal) => done({ code, signal })),
  );
  const drained = new Promise<void>((done) => child.stdout?.on("close", () => done()));
  const ended = Promise.all([exited, drained]).then(([e]) => e);
  const reported = (count: number) =>
    committed.length >= count
      ? Promise.resolve()
      : Promise.race([new Promise<void>((done) => (waiting = { count, done })), ended.then(() => {})]);
  return { child, committed, times, reported, ended };
}

/** The expected messages of commits 1 … `revision`, by key. */
function expectedMessages(revision: number): Map<string, { lane: string; payload: string }> {
  const expected = new Map<string, { lane: string; payload: string }>();
  for (let k = 1; k <= revision; k++) {
    for (const m of messagesOf(k)) expected.set(m.key, { lane: m.lane, payload: m.payload });
  }
  return expected;
}

function keyOrder(key: string): [number, number] {
  const [k, i] = key.split(".").map(Number) as [number, number];
  return [k, i];
}

test(`a consumer killed ${ROUNDS} times mid-loop leaves whole commits only: state, position and messages agree`, async () => {
  const home = join(dir, "store");
  const created = await AuditLog.open({ home, origin: "consumer.crash/test", checkpointIntervalMs: 0 });
  await created.append({ action: "consumer.test" });
  await created.close();

  /** Keys of messages pruned between runs: delivered, then deleted on purpose. */
  const pruned = new Set<string>();
  let lastRevision = 0;
  /** The highest message id seen in any earlier round: a new message must get a larger one. */
  let highestId = 0;

  for (let round = 1; round <= ROUNDS; round++) {
    const run = start(home);
    // Let it commit for a while (a random number of commits), then kill it at a random instant
    // of the next commit or two: within twice the time a commit has taken on average.
    const target = 20 + Math.floor(Math.random() * 150);
    await run.reported(target);
    const span = (run.times.at(-1) ?? 0) - (run.times[0] ?? 0);
    await sleep(Math.random() * 2 * (span / Math.max(1, run.times.length - 1)));
    run.child.kill("SIGKILL");
    const { signal } = await run.ended;
    assert.equal(signal, "SIGKILL", `round ${round}: the child was killed, not ended otherwise`);
    const acknowledged = run.committed.at(-1) ?? lastRevision;
    assert.ok(run.committed.length >= target, `round ${round}: the child committed ${run.committed.length}`);

    const db = new Database(join(home, "sealtrail.db"), { readonly: true });
    try {
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok", `round ${round}: integrity`);
    } finally {
      db.close();
    }

    const log = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
    try {
      const stored = await log.consumers.getConsumerState(CONSUMER);
      assert.ok(stored, `round ${round}: the consumer's state is stored`);
      const revision = stored.revision;
      assert.ok(
        revision === acknowledged || revision === acknowledged + 1,
        `round ${round}: stored revision ${revision}, the child had seen ${acknowledged} durable (at most one more may have landed)`,
      );
      assert.equal(stored.position, revision, `round ${round}: position and revision of one commit`);
      assert.equal(stored.state, stateOf(revision), `round ${round}: the state of commit ${revision}`);

      const messages: OutboxMessage[] = await log.consumers.listMessages(CONSUMER, { limit: 1_000_000 });
      const expected = expectedMessages(revision);
      const seen = new Set<string>();
      for (const m of messages) {
        const want = expected.get(m.key);
        assert.ok(want, `round ${round}: message ${m.key} belongs to no commit up to ${revision}`);
        assert.ok(!seen.has(m.key), `round ${round}: message ${m.key} stored twice`);
        assert.ok(!pruned.has(m.key), `round ${round}: message ${m.key} was pruned, yet is back`);
        seen.add(m.key);
        assert.deepEqual([m.lane, m.payload], [want.lane, want.payload], `round ${round}: message ${m.key}`);
        assert.ok(
          (m.status === "pending" && m.attempts === 0) || (m.status === "delivered" && m.attempts === 1),
          `round ${round}: message ${m.key} is ${m.status} after ${m.attempts} attempts`,
        );
        const [k] = keyOrder(m.key);
        if (k > lastRevision) {
          assert.ok(m.id > highestId, `round ${round}: new message ${m.key} has id ${m.id} ≤ ${highestId}`);
        }
      }
      for (const key of expected.keys()) {
        assert.ok(
          seen.has(key) || pruned.has(key),
          `round ${round}: message ${key} of a stored commit is missing`,
        );
      }
      // Ids follow commit order: listed by id, the keys are in (commit, index) order.
      const keys = messages.map((m) => keyOrder(m.key));
      const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(keys, sorted, `round ${round}: ids follow commit order`);
      assert.equal(new Set(messages.map((m) => m.id)).size, messages.length, `round ${round}: ids unique`);

      assert.ok(revision >= lastRevision, `round ${round}: the revision never goes back`);
      lastRevision = revision;
      highestId = Math.max(highestId, ...messages.map((m) => m.id));

      // Delivered messages are pruned between runs; their ids must not come back.
      const delivered = messages.filter((m) => m.status === "delivered");
      assert.equal(await log.consumers.pruneMessages(CONSUMER, Date.now() + 1), delivered.length);
      for (const m of delivered) pruned.add(m.key);

      // The log itself is untouched by all of it.
      assert.equal(log.size, 2, "the store's audit_log.init and the one event appended");
      assert.equal((await log.verify()).ok, true, `round ${round}: the log verifies`);
    } finally {
      await log.close();
    }
  }
  assert.ok(lastRevision >= ROUNDS * 20, `the child made ${lastRevision} commits over ${ROUNDS} runs`);
  assert.ok(pruned.size > 0, "some messages were delivered and pruned along the way");
});
