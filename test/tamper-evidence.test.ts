/**
 * End-to-end: tampering with a store's database behind Sealtrail's back (editing, deleting,
 * restoring an old copy, forging checkpoints) is caught by `sealtrail verify`, which exits 1 and
 * names the first bad seq. Each test works on a fresh copy of one base store.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { sampleEvents } from "../src/demo/sample-events.js";
import {
  type CliResult,
  cli,
  describeRun,
  ingestFile,
  initStore,
  removeTempDirs,
  runCli,
  tempDir,
  writeNdjson,
} from "./cli-harness.js";

const origin = "e2e.example/tamper";
let work = "";
/** The base store after 300 events and a checkpoint. */
let base300 = "";
/** The base store after 600 events and a checkpoint. */
let base600 = "";
/** The signed checkpoint of base600, kept outside the store. */
let trusted600 = "";
/** A checkpoint of base300, kept outside the store. */
let trusted300 = "";

after(removeTempDirs);

before(() => {
  work = tempDir();
  const home = join(work, "base");
  initStore(home, origin);
  // The store's own init event (seq 0) and 299 events make 300; 300 more make 600.
  const events = sampleEvents(599, { withIds: true, seed: 21 });
  writeNdjson(join(work, "first.ndjson"), events.slice(0, 299));
  writeNdjson(join(work, "second.ndjson"), events.slice(299));
  assert.equal(ingestFile(home, join(work, "first.ndjson")).accepted, 299);
  trusted300 = join(work, "trusted300.txt");
  writeFileSync(trusted300, cli(["checkpoint", "--home", home]).stdout);
  base300 = join(work, "base300");
  cpSync(home, base300, { recursive: true });
  assert.equal(ingestFile(home, join(work, "second.ndjson")).accepted, 300);
  trusted600 = join(work, "trusted600.txt");
  writeFileSync(trusted600, cli(["checkpoint", "--home", home]).stdout);
  base600 = home;
});

let copies = 0;
/** A fresh copy of a base store (the whole home directory). */
function copyOf(base: string): string {
  const home = join(work, `copy-${copies++}`);
  cpSync(base, home, { recursive: true });
  return home;
}

function withDb<T>(home: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(home, "sealtrail.db"));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function verify(home: string, ...extra: string[]): CliResult & { args: string[] } {
  const args = ["verify", "--home", home, ...extra];
  return { ...runCli(args), args };
}

/** Asserts `verify` failed (exit 1) and, when given, named `seq` as the first bad one. */
function assertFails(r: CliResult & { args: string[] }, seq?: number, mention?: RegExp): void {
  assert.equal(r.code, 1, describeRun(r.args, r));
  assert.match(r.stdout, /FAILED/, describeRun(r.args, r));
  if (seq !== undefined)
    assert.match(r.stdout, new RegExp(`first bad seq ${seq}\\b`), describeRun(r.args, r));
  if (mention) assert.match(r.stdout, mention, describeRun(r.args, r));
}

/** Changes one character inside the body of event `seq` (the last millisecond digit of its timestamp). */
function editBody(db: Database.Database, seq: number): string {
  const body = db.prepare("SELECT body FROM events WHERE seq = ?").pluck().get(seq) as string;
  const at = body.indexOf('"timestamp":"') + '"timestamp":"'.length + "2026-11-22T10:15:00.00".length;
  const digit = Number(body[at]);
  assert.ok(Number.isInteger(digit), `expected a digit at ${at} in ${body}`);
  const edited = `${body.slice(0, at)}${(digit + 1) % 10}${body.slice(at + 1)}`;
  assert.equal(edited.length, body.length);
  assert.notEqual(edited, body);
  JSON.parse(edited); // still valid JSON: only the bytes changed
  assert.equal(db.prepare("UPDATE events SET body = ? WHERE seq = ?").run(edited, seq).changes, 1);
  return edited;
}

test("(f) the untouched store verifies, alone and with its own trusted checkpoint", () => {
  const plain = verify(base600);
  assert.equal(plain.code, 0, describeRun(plain.args, plain));
  assert.match(plain.stdout, /OK: 600 events verified/);
  const trusted = verify(base600, "--trusted", trusted600);
  assert.equal(trusted.code, 0, describeRun(trusted.args, trusted));
  assert.match(trusted.stdout, /extends the trusted checkpoint at size 600/);
  const older = verify(base600, "--trusted", trusted300);
  assert.equal(older.code, 0, describeRun(older.args, older));
  assert.match(older.stdout, /extends the trusted checkpoint at size 300/);
  const json = JSON.parse(verify(base600, "--json").stdout);
  assert.equal(json.ok, true);
  assert.equal(json.checked, 600);
});

test("(a) one character edited in a stored event's body: verify exits 1 naming that seq", () => {
  const home = copyOf(base600);
  withDb(home, (db) => editBody(db, 123));
  assertFails(verify(home), 123);
  const report = JSON.parse(verify(home, "--json").stdout);
  assert.equal(report.ok, false);
  assert.equal(report.firstBadSeq, 123);
});

test("(b) body edited and its level-0 tile entry patched to match: verify still exits 1 (checkpoint root)", () => {
  const home = copyOf(base600);
  withDb(home, (db) => {
    const edited = editBody(db, 123);
    const newLeaf = createHash("sha256")
      .update(Buffer.from([0]))
      .update(edited, "utf8")
      .digest();
    const tile = Buffer.from(
      db.prepare("SELECT hashes FROM tiles WHERE level = 0 AND idx = 0").pluck().get() as Buffer,
    );
    assert.equal(tile.length, 256 * 32, "tile 0/0 holds 256 leaf hashes");
    const oldLeaf = createHash("sha256")
      .update(Buffer.from([0]))
      .update(db.prepare("SELECT body FROM events WHERE seq = 122").pluck().get() as string);
    assert.deepEqual(tile.subarray(122 * 32, 123 * 32), oldLeaf.digest(), "tile entries are the leaf hashes");
    newLeaf.copy(tile, 123 * 32);
    assert.equal(db.prepare("UPDATE tiles SET hashes = ? WHERE level = 0 AND idx = 0").run(tile).changes, 1);
  });
  // The leaf-by-leaf check passes now; the level-1 tile (the recorded root of events 0…255) or
  // the signed checkpoint's root catches it, whichever the rebuild reaches first.
  assertFails(
    verify(home),
    undefined,
    /tile 1\/0 disagrees with the tree rebuilt from events 0…255|checkpoint/,
  );
  const report = JSON.parse(verify(home, "--json").stdout);
  assert.equal(report.ok, false);
  assert.ok(
    report.firstBadSeq === undefined || report.firstBadSeq <= 123,
    `first bad seq ${report.firstBadSeq}`,
  );
});

test("(c) an event row deleted in the middle: verify exits 1 naming it", () => {
  const home = copyOf(base600);
  withDb(home, (db) => assert.equal(db.prepare("DELETE FROM events WHERE seq = 200").run().changes, 1));
  assertFails(verify(home), 200, /missing/);
});

test("(c) the last event row deleted: verify exits 1 naming it, even with the checkpoints deleted too", () => {
  const home = copyOf(base600);
  withDb(home, (db) => assert.equal(db.prepare("DELETE FROM events WHERE seq = 599").run().changes, 1));
  assertFails(verify(home), 599);
  // Covering the tracks by also deleting the checkpoint that covers it: the tiles still remember.
  withDb(home, (db) => assert.ok(db.prepare("DELETE FROM checkpoints WHERE size > 599").run().changes >= 1));
  assertFails(verify(home), 599);
});

test("(d) an older copy restored: verify alone passes, verify --trusted exits 1 naming the first missing seq", () => {
  const home = copyOf(base300);
  const alone = verify(home);
  assert.equal(alone.code, 0, `the old copy is self-consistent: ${describeRun(alone.args, alone)}`);
  assert.match(alone.stdout, /OK: 300 events verified/);
  assertFails(verify(home, "--trusted", trusted600), 300);
});

test("(d') a rewritten history signed with the real key: verify alone passes, --trusted names the first rewritten seq", () => {
  // Whoever holds the signing key restores the 300-event copy and appends other events.
  const home = copyOf(base300);
  writeNdjson(join(work, "fork.ndjson"), sampleEvents(300, { withIds: true, seed: 99 }));
  assert.equal(ingestFile(home, join(work, "fork.ndjson")).accepted, 300);
  cli(["checkpoint", "--home", home]);
  const alone = verify(home);
  assert.equal(alone.code, 0, describeRun(alone.args, alone));
  assertFails(verify(home, "--trusted", trusted600), 300);
});

test("(e) a stored checkpoint whose note was altered: verify exits 1", () => {
  for (const alter of ["root", "signature", "size"] as const) {
    const home = copyOf(base600);
    withDb(home, (db) => {
      const note = db.prepare("SELECT note FROM checkpoints WHERE size = 600").pluck().get() as string;
      const lines = note.split("\n");
      if (alter === "root") {
        const root = lines[2] as string;
        lines[2] = `${root.slice(0, 5)}${root[5] === "A" ? "B" : "A"}${root.slice(6)}`;
      } else if (alter === "signature") {
        const sigLine = lines[4] as string;
        const at = sigLine.length - 10;
        lines[4] = `${sigLine.slice(0, at)}${sigLine[at] === "A" ? "B" : "A"}${sigLine.slice(at + 1)}`;
      } else {
        lines[1] = "599";
      }
      const altered = lines.join("\n");
      assert.notEqual(altered, note);
      assert.equal(db.prepare("UPDATE checkpoints SET note = ? WHERE size = 600").run(altered).changes, 1);
    });
    assertFails(verify(home), undefined, /checkpoint/);
  }
});

test("(g) checks against the key or checkpoints of another store, or a forged trusted checkpoint, fail", () => {
  const otherHome = join(work, "other");
  const otherKey = initStore(otherHome, "e2e.example/other");
  writeNdjson(join(work, "other.ndjson"), sampleEvents(600, { withIds: true, seed: 21 }));
  ingestFile(otherHome, join(work, "other.ndjson"));
  const otherCheckpoint = join(work, "other-checkpoint.txt");
  writeFileSync(otherCheckpoint, cli(["checkpoint", "--home", otherHome]).stdout);
  // The stored checkpoints are not signed by another key.
  assertFails(verify(base600, "--key", otherKey));
  // A trusted checkpoint of another log is not evidence about this one.
  assertFails(verify(base600, "--trusted", otherCheckpoint));
  // A forged trusted checkpoint (right text, altered root) fails too.
  const forged = join(work, "forged.txt");
  const text = cli(["checkpoint", "--home", base600]).stdout.split("\n");
  text[2] = Buffer.alloc(32, 7).toString("base64");
  writeFileSync(forged, text.join("\n"));
  assertFails(verify(base600, "--trusted", forged));
  // The untouched store with its own trusted checkpoint still passes.
  assert.equal(verify(base600, "--trusted", trusted600).code, 0);
});
