/**
 * End-to-end: a follower in a child process, killed with SIGKILL three times at random points
 * while 100,000 events are appended, ends with every seq processed exactly once and in order,
 * because it commits what it saw and its position together and resumes from that position.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { AuditLog } from "../src/audit-log.js";
import { sampleEvents } from "../src/demo/sample-events.js";

const TOTAL = 100_000;
/** The events of the store: its own init (seq 0) and the TOTAL appended. */
const STORED = TOTAL + 1;
const CHILD = resolve(import.meta.dirname, "support/follower-child.js");
const dir = mkdtempSync(join(tmpdir(), "sealtrail-follower-crash-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function start(
  home: string,
  out: string,
  seed: number,
): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CHILD, home, out, String(STORED), String(seed)], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, exited };
}

function processed(out: string): number {
  if (!existsSync(out)) return 0;
  const db = new Database(out, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT coalesce(max(next_seq), 0) FROM position").pluck().get() as number) ?? 0;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

test("a follower killed three times while 100,000 events arrive processes each seq exactly once, in order", async () => {
  const home = join(dir, "store");
  const out = join(dir, "consumer.db");
  const log = await AuditLog.open({ home, origin: "follower.crash/test", checkpointIntervalMs: 0 });
  const events = sampleEvents(TOTAL, { seed: 77 });
  let appended = 0;
  const appending = (async () => {
    for (let i = 0; i < TOTAL; i += 500) {
      await log.append(events.slice(i, i + 500));
      appended = i + 500;
      if (i % 5_000 === 0) await sleep(Math.random() * 30);
    }
  })();

  let kills = 0;
  let run = start(home, out, 1);
  for (const fraction of [
    0.15 + Math.random() * 0.1,
    0.4 + Math.random() * 0.1,
    0.65 + Math.random() * 0.1,
  ]) {
    // Kill once the consumer is past a random point, then start it again.
    while (processed(out) < TOTAL * fraction) await sleep(5 + Math.random() * 20);
    await sleep(Math.random() * 50);
    run.child.kill("SIGKILL");
    assert.equal(await run.exited, null, "the consumer was killed, not finished");
    kills++;
    run = start(home, out, kills + 1);
  }
  await appending;
  assert.equal(appended, TOTAL);
  assert.equal(await run.exited, 0, "the last consumer ran to the end");
  assert.equal(kills, 3);

  const db = new Database(out, { readonly: true });
  const seqs = db.prepare("SELECT seq FROM seen ORDER BY n").pluck().all() as number[];
  db.close();
  assert.equal(seqs.length, STORED, "no seq lost, none seen twice");
  for (let i = 0; i < STORED; i++) {
    if (seqs[i] !== i) assert.fail(`position ${i} holds seq ${seqs[i]}`);
  }
  // The store holds the consumer's acknowledged position too: opened by name, it goes on from there.
  await log.append({ action: "follower.test" });
  const first = await log.follow("crash-consumer").batches().next();
  assert.deepEqual(
    first.value?.events.map((e: { seq: number }) => e.seq),
    [STORED],
  );
  await log.close();
});
