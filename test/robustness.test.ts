import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import Database from "better-sqlite3";
import { AuditLog, isSealtrailError, type JsonValue } from "../src/index.js";
import { cli, runCli } from "./cli-harness.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sealtrail-robust-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("verify while events are being appended checks the store as it was and passes", async () => {
  const log = await AuditLog.open({ home: dir, origin: "robust.test/log", checkpointIntervalMs: 0 });
  await log.append(Array.from({ length: 20_000 }, (_, i) => ({ action: "a.b", details: { i } })));
  await log.checkpoint();
  let appending = true;
  const writer = (async () => {
    while (appending) await log.append(Array.from({ length: 200 }, () => ({ action: "c.d" })));
  })();
  const report = await log.verify();
  appending = false;
  await writer;
  assert.equal(report.ok, true, report.problem);
  assert.ok(report.checked >= 20_000);
  assert.ok(log.size > report.checked || log.size === report.checked);
  await log.close();
});

test("ingest of many tiny events meets no backpressure and stores them all", () => {
  const home = join(dir, "home");
  cli(["init", "--home", home, "--origin", "robust.test/ingest"]);
  const file = join(dir, "tiny.ndjson");
  writeFileSync(file, '{"action":"user.login"}\n'.repeat(250_000));
  const r = cli(["ingest", file, "--home", home, "--json"]);
  assert.deepEqual(JSON.parse(r.stdout), {
    ...JSON.parse(r.stdout),
    accepted: 250_000,
    rejected: 0,
    duplicates: 0,
  });
  cli(["verify", "--home", home]);
});

test("track: a success it cannot record rejects with the recording error and stores no failure", async () => {
  const log = await AuditLog.open({
    home: dir,
    origin: "robust.test/log",
    checkpointIntervalMs: 0,
    maxQueue: 1,
  });
  let runs = 0;
  const occupying = log.append({ action: "queue.filler" });
  await assert.rejects(
    log.track("payment.charge", () => {
      runs++;
      return "charged";
    }),
    (e) => isSealtrailError(e, "ST_ERR_INGEST_BACKPRESSURE"),
  );
  await occupying;
  assert.equal(runs, 1);
  assert.equal(
    await log.count(["action=payment.charge"]),
    0,
    "no failure event for an operation that succeeded",
  );
  assert.equal(await log.track("payment.charge", () => "charged"), "charged");
  assert.equal(await log.count(["action=payment.charge", "outcome=success"]), 1);
  await log.close();
});

test("close releases the store even when its final checkpoint cannot be signed", async () => {
  const log = await AuditLog.open({ home: dir, origin: "robust.test/log", checkpointIntervalMs: 0 });
  await log.append({ action: "a.b" });
  rmSync(join(dir, "signing.key"));
  await assert.rejects(log.close(), (e) => isSealtrailError(e, "ST_ERR_KEY_INVALID"));
  await assert.rejects(log.query(), "the store is closed after a failed close");
});

test("a store whose tiles were damaged still opens, and verify names the damage instead of crashing", () => {
  const home = join(dir, "home");
  cli(["init", "--home", home, "--origin", "robust.test/tiles"]);
  cli(["append", "--home", home, "--json", '{"action":"a.b"}']);
  cli(["append", "--home", home, "--json", '{"action":"c.d"}']);
  const db = new Database(join(home, "sealtrail.db"));
  db.prepare("DELETE FROM tiles WHERE level = 0 AND idx = 0").run();
  db.close();
  const r = runCli(["verify", "--home", home]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /FAILED: first bad seq 0: event 0's stored bytes do not match/);
  const append = runCli(["append", "--home", home, "--json", '{"action":"e.f"}']);
  assert.equal(append.code, 1);
  assert.match(append.stderr, /ST_ERR_STORE_CORRUPT/);
  // The store's init event and the two appended.
  assert.equal(runCli(["query", "--home", home, "--format", "ndjson"]).stdout.trim().split("\n").length, 3);
});

test("secret-bearing compound names and symmetric JWKs are key material; references are not", async () => {
  const log = await AuditLog.open({ home: dir, origin: "robust.test/log", checkpointIntervalMs: 0 });
  const refused: Array<Record<string, JsonValue>> = [
    { aws_secret_access_key: "x" },
    { gpg_private_key: "x" },
    { private_key_pem: "x" },
    { signingKey: "x" },
    { jwk: { kty: "oct", k: "c2VjcmV0" } },
  ];
  for (const details of refused) {
    await assert.rejects(log.append({ action: "a.b", details }), (e) =>
      isSealtrailError(e, "ST_ERR_EVENT_KEY_MATERIAL"),
    );
  }
  const allowed: Array<Record<string, JsonValue>> = [
    { private_key_id: "k1" },
    { privateKeyId: "k1" },
    { has_private_key: true },
    { jwk: { kty: "EC", x: "y" } },
  ];
  for (const details of allowed) {
    assert.equal((await log.append({ action: "a.b", details })).duplicate, false);
  }
  await log.close();
});

test("a damaged higher tile is caught by verify, not only at the next checkpoint", async () => {
  const log = await AuditLog.open({ home: dir, origin: "robust.test/log", checkpointIntervalMs: 0 });
  await log.append(Array.from({ length: 600 }, (_, i) => ({ action: "a.b", details: { i } })));
  await log.checkpoint();
  await log.close();
  const db = new Database(join(dir, "sealtrail.db"));
  const tile = db.prepare("SELECT hashes FROM tiles WHERE level = 1 AND idx = 0").pluck().get() as Buffer;
  tile[40] = (tile[40] as number) ^ 1; // the second level-1 entry: the root of events 256…511
  db.prepare("UPDATE tiles SET hashes = ? WHERE level = 1 AND idx = 0").run(tile);
  db.close();
  const reopened = await AuditLog.open({ home: dir, create: false, checkpointIntervalMs: 0 });
  const report = await reopened.verify();
  await reopened.close();
  assert.equal(report.ok, false);
  assert.equal(report.firstBadSeq, 256);
  assert.match(report.problem ?? "", /tile 1\/0 disagrees with the tree rebuilt from events 256…511/);
});

test("a row slipped in outside the log's seqs (a negative seq) fails verify", async () => {
  const log = await AuditLog.open({ home: dir, origin: "robust.test/log", checkpointIntervalMs: 0 });
  await log.append(Array.from({ length: 10 }, () => ({ action: "a.b", actor: { id: "alice" } })));
  await log.close();
  const db = new Database(join(dir, "sealtrail.db"));
  db.prepare(
    "INSERT INTO events (seq, id, ts, action, category, outcome, sev, actor_id, body) VALUES (-1, 'forged', 0, 'admin.grant', 'authorization', 'success', 6, 'alice', '{}')",
  ).run();
  db.close();
  const reopened = await AuditLog.open({ home: dir, create: false, checkpointIntervalMs: 0 });
  const report = await reopened.verify();
  await reopened.close();
  assert.equal(report.ok, false);
  // The store's init event (seq 0) and ten more.
  assert.match(report.problem ?? "", /1 row\(s\) outside seqs 0…10/);
});

test("verify --deep catches an indexed column that no longer matches its event's JSON", () => {
  const home = join(dir, "home");
  cli(["init", "--home", home, "--origin", "robust.test/deep"]);
  const file = join(dir, "e.ndjson");
  writeFileSync(
    file,
    `${Array.from({ length: 40 }, (_, i) => JSON.stringify({ action: "user.login", actor: { id: i === 17 ? "mallory" : "alice" } })).join("\n")}\n`,
  );
  cli(["ingest", file, "--home", home]);
  cli(["verify", "--deep", "--home", home]);
  const db = new Database(join(home, "sealtrail.db"));
  // Line 18 (mallory) is seq 18: seq 0 is the store's init.
  db.prepare("UPDATE events SET actor_id = 'alice' WHERE seq = 18").run();
  db.close();
  // Hidden from a filtered query, yet every leaf still verifies: only --deep sees it.
  assert.equal(cli(["query", "actor.id=mallory", "--home", home, "--format", "ndjson"]).stdout, "");
  cli(["verify", "--home", home]);
  const deep = runCli(["verify", "--deep", "--home", home]);
  assert.equal(deep.code, 1, deep.stderr);
  assert.match(deep.stdout, /first bad seq 18: event 18's stored actorId column disagrees with its JSON/);
});
