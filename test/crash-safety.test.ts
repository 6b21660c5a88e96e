/**
 * End-to-end: `sealtrail ingest` killed with SIGKILL half-way through a large file leaves a store
 * that verifies and holds an exact prefix of the file; re-running the same ingest completes it
 * with every event stored exactly once (ids are idempotency keys).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { sampleEvents } from "../src/demo/sample-events.js";
import { CLI, cli, describeRun, initStore, removeTempDirs, runCli, tempDir } from "./cli-harness.js";

const TOTAL = 150_000;
let work = "";
let file = "";
let ids: string[] = [];

after(removeTempDirs);

before(() => {
  work = tempDir();
  file = join(work, "events.ndjson");
  const events = sampleEvents(TOTAL, { withIds: true, seed: 31 });
  ids = events.map((e) => e.id as string);
  assert.equal(new Set(ids).size, TOTAL, "the sample ids are distinct");
  const fd = openSync(file, "w");
  try {
    for (let i = 0; i < TOTAL; i += 10_000) {
      writeSync(
        fd,
        events
          .slice(i, i + 10_000)
          .map((e) => `${JSON.stringify(e)}\n`)
          .join(""),
      );
    }
  } finally {
    closeSync(fd);
  }
});

/** The events of the file a store holds: every event but its own init (seq 0). */
function countEvents(home: string): number {
  const db = new Database(join(home, "sealtrail.db"), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT count(*) FROM events").pluck().get() as number) - 1;
  } finally {
    db.close();
  }
}

interface KillAttempt {
  readonly killed: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly seenBeforeKill: number;
  readonly stderr: string;
}

/**
 * Starts `ingest FILE` and SIGKILLs it once the store holds at least `killAt` committed events
 * (polled through a read-only connection); reports whether the kill happened before it ended.
 */
async function ingestAndKill(home: string, killAt: number): Promise<KillAttempt> {
  const child = spawn(process.execPath, [CLI, "ingest", file, "--home", home, "--json"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  const db = new Database(join(home, "sealtrail.db"), { readonly: true, fileMustExist: true });
  let seen = 0;
  let killed = false;
  try {
    // The file's events: the store's init event (seq 0) is not one of them.
    const count = db.prepare("SELECT count(*) - 1 FROM events").pluck();
    const deadline = Date.now() + 120_000;
    while (exit === undefined && Date.now() < deadline) {
      seen = count.get() as number;
      if (seen >= killAt) {
        killed = child.kill("SIGKILL");
        break;
      }
      await sleep(10);
    }
  } finally {
    db.close();
  }
  if (exit === undefined && !killed) child.kill("SIGKILL");
  const { code, signal } = await exited;
  return { killed: killed && signal === "SIGKILL", code, signal, seenBeforeKill: seen, stderr };
}

test("an ingest killed with SIGKILL mid-way leaves a verifiable prefix; re-running completes it exactly once", async (t) => {
  // Kill after a fifth of the events; if the ingest outran the poll, kill earlier on a fresh store.
  let home = "";
  let attempt: KillAttempt | undefined;
  for (const killAt of [Math.floor(TOTAL / 5), Math.floor(TOTAL / 20), 1]) {
    home = join(tempDir(), "home");
    initStore(home, "e2e.example/crash");
    attempt = await ingestAndKill(home, killAt);
    if (attempt.killed) break;
  }
  assert.ok(attempt?.killed, `the ingest was never killed mid-way: ${JSON.stringify(attempt)}`);

  // The killed store verifies, and holds an exact prefix of the file, with no gap.
  const afterKill = runCli(["verify", "--home", home]);
  assert.equal(afterKill.code, 0, describeRun(["verify"], afterKill));
  const stored = countEvents(home);
  assert.ok(stored > 0, "some events were committed before the kill");
  assert.ok(stored >= (attempt?.seenBeforeKill ?? 0), "no committed event was lost");
  assert.ok(stored < TOTAL, `the kill happened mid-way (${stored} of ${TOTAL} stored)`);
  assert.match(afterKill.stdout, new RegExp(`OK: ${stored + 1} events verified`), "the init event too");
  t.diagnostic(
    `killed after ${stored} of ${TOTAL} events were committed (polled ${attempt?.seenBeforeKill})`,
  );
  {
    const db = new Database(join(home, "sealtrail.db"), { readonly: true });
    const rows = db.prepare("SELECT seq, id FROM events WHERE seq > 0 ORDER BY seq").all() as {
      seq: number;
      id: string;
    }[];
    db.close();
    rows.forEach((row, i) => {
      assert.equal(row.seq, i + 1);
      assert.equal(row.id, ids[i], `seq ${i + 1} holds line ${i + 1}'s event`);
    });
  }

  // Re-running the same ingest stores the rest, and nothing twice.
  const rerun = cli(["ingest", file, "--home", home, "--json"]);
  const summary = JSON.parse(rerun.stdout) as { accepted: number; duplicates: number; rejected: number };
  assert.ok(summary.duplicates > 0);
  assert.equal(summary.duplicates, stored, "every event stored before the kill is reported as a duplicate");
  assert.equal(summary.accepted, TOTAL - stored);
  assert.equal(summary.accepted + summary.duplicates, TOTAL);
  assert.equal(summary.rejected, 0);

  const db = new Database(join(home, "sealtrail.db"), { readonly: true });
  try {
    // The init event (seq 0), then the file.
    assert.equal(db.prepare("SELECT count(*) FROM events").pluck().get(), TOTAL + 1);
    assert.equal(db.prepare("SELECT count(DISTINCT id) FROM events").pluck().get(), TOTAL + 1);
    assert.equal(db.prepare("SELECT max(seq) FROM events").pluck().get(), TOTAL);
    const rows = db.prepare("SELECT id FROM events WHERE seq > 0 ORDER BY seq").pluck().all() as string[];
    assert.ok(
      rows.every((id, i) => id === ids[i]),
      "the store holds the file's events in file order",
    );
  } finally {
    db.close();
  }
  const final = runCli(["verify", "--home", home]);
  assert.equal(final.code, 0, describeRun(["verify"], final));
  assert.match(final.stdout, new RegExp(`OK: ${TOTAL + 1} events verified`));
});
