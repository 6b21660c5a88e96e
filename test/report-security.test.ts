/**
 * End to end: the access and security-incidents reports over a seeded store with known,
 * deliberate findings (a burst of failed sign-ins, denied access, privileged actions, reads of
 * the audit log, an integrity failure, a tampered store), each flagged exactly.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import type { FiguresBlock, Finding, Report, TableBlock } from "../src/reports/report-model.js";
import { cli, initStore, removeTempDirs, tempDir, writeNdjson } from "./cli-harness.js";
import { assertHumanWording } from "./support/report-wording.js";

const HOUR = 3_600_000;
const now = Date.now();
const burstHour = Math.floor((now - 3 * HOUR) / HOUR) * HOUR;
const at = (ms: number) => new Date(ms).toISOString();

const SEED: Array<Record<string, unknown>> = [
  ...Array.from({ length: 6 }, (_, i) => ({
    action: "user.login",
    outcome: "failure",
    timestamp: at(burstHour + (10 + i) * 60_000),
    actor: { id: "mallory", ip: "203.0.113.5" },
    error: { code: "BAD_PASSWORD" },
  })),
  {
    action: "user.login",
    outcome: "failure",
    timestamp: at(now - 30 * HOUR),
    actor: { id: "bob", ip: "198.51.100.7" },
  },
  {
    action: "user.login",
    outcome: "failure",
    timestamp: at(now - 20 * HOUR),
    actor: { id: "bob", ip: "198.51.100.7" },
  },
  { action: "user.login", outcome: "success", timestamp: at(now - 5 * HOUR), actor: { id: "alice" } },
  {
    action: "access.document",
    outcome: "failure",
    timestamp: at(now - 4 * HOUR),
    actor: { id: "bob" },
    target: { type: "document", id: "D-7" },
  },
  {
    action: "access.document",
    outcome: "success",
    timestamp: at(now - 4 * HOUR),
    actor: { id: "alice" },
    target: { type: "document", id: "D-7" },
  },
  {
    action: "role.grant",
    outcome: "success",
    timestamp: at(now - 6 * HOUR),
    actor: { id: "admin-1" },
    target: { type: "user", id: "bob" },
  },
  { action: "config.change", outcome: "success", timestamp: at(now - 7 * HOUR), actor: { id: "admin-1" } },
  {
    action: "apikey.create",
    category: "authentication",
    outcome: "success",
    timestamp: at(now - 8 * HOUR),
    actor: { id: "local:root" },
  },
  {
    action: "audit_log.query",
    category: "access",
    outcome: "success",
    timestamp: at(now - 2 * HOUR),
    actor: { id: "apikey:abc" },
  },
  {
    action: "integrity.check",
    outcome: "failure",
    timestamp: at(now - 9 * HOUR),
    target: { type: "package", id: "left-pad" },
  },
  { action: "key.rotate", outcome: "success", timestamp: at(now - 10 * HOUR), crypto: { key_id: "k1" } },
  { action: "key.rotate", outcome: "success", timestamp: at(now - 11 * HOUR), crypto: { key_id: "k2" } },
  { action: "service.crash", severity: "critical", outcome: "failure", timestamp: at(now - HOUR) },
];

let home: string;
const seqOf = new Map<string, number[]>();

before(() => {
  home = tempDir("sealtrail-security-report-");
  initStore(home);
  const file = `${home}.seed.ndjson`;
  writeNdjson(file, SEED);
  cli(["ingest", file, "--home", home]);
  for (const line of cli(["export", "--home", home, "--format", "ndjson"]).stdout.trim().split("\n")) {
    const e = JSON.parse(line) as { seq: number; action: string; actor?: { id?: string } };
    const key = `${e.action}/${e.actor?.id ?? ""}`;
    seqOf.set(key, [...(seqOf.get(key) ?? []), e.seq]);
  }
});
after(removeTempDirs);

function report(type: string, homeDir = home, ...extra: string[]): Report {
  const r = JSON.parse(
    cli(["report", "--home", homeDir, "--type", type, "--format", "json", ...extra]).stdout,
  ) as Report;
  assertHumanWording(r);
  return r;
}
function figure(r: Report, label: string): number | string | undefined {
  return r.sections
    .flatMap((s) => s.blocks)
    .filter((b): b is FiguresBlock => b.kind === "figures")
    .flatMap((b) => b.figures)
    .find((f) => f.label === label)?.value;
}
function findings(r: Report): Finding[] {
  return r.sections.flatMap((s) => s.blocks).flatMap((b) => (b.kind === "findings" ? b.findings : []));
}
function table(r: Report, section: string, title: string): TableBlock {
  const t = r.sections
    .find((s) => s.id === section)
    ?.blocks.find((b): b is TableBlock => b.kind === "table" && b.title === title);
  assert.ok(t, `${section} / ${title}`);
  return t;
}

describe("security-incidents report", () => {
  test("flags exactly the burst of failed sign-ins, with its events as evidence", () => {
    const r = report("security-incidents");
    assert.equal(figure(r, "Failed sign-ins"), 8);
    assert.equal(figure(r, "Bursts of failed sign-ins"), 1);
    const bursts = findings(r).filter((f) => f.title.startsWith("Burst of"));
    assert.equal(bursts.length, 1, JSON.stringify(findings(r)));
    assert.match(bursts[0]?.title ?? "", /Burst of 6 failed sign-ins by mallory/);
    assert.deepEqual(bursts[0]?.evidenceSeqs, seqOf.get("user.login/mallory"));
    const byIp = Object.fromEntries(
      table(r, "failed-logins", "By address").rows.map((row) => [row.key, row.events]),
    );
    assert.deepEqual(byIp, { "203.0.113.5": 6, "198.51.100.7": 2 });
  });

  test("the recorded integrity failure, key management and configuration changes are counted", () => {
    const r = report("security-incidents");
    assert.equal(figure(r, "Integrity failures recorded"), 1);
    assert.equal(figure(r, "Key management events"), 2);
    assert.equal(figure(r, "Configuration changes"), 1);
    assert.equal(figure(r, "Store verification"), "not checked");
    const integrity = findings(r).find((f) => f.title === "1 integrity check failure recorded");
    assert.deepEqual(integrity?.evidenceSeqs, seqOf.get("integrity.check/"));
    assert.ok(!findings(r).some((f) => f.severity === "critical"), "no critical finding on an intact store");
  });

  test("a tampered store is a critical finding when verified", () => {
    const copy = tempDir("sealtrail-security-tampered-");
    for (const f of ["sealtrail.db", "signing.key", "verifier.key"]) {
      if (existsSync(join(home, f))) copyFileSync(join(home, f), join(copy, f));
    }
    for (const f of ["sealtrail.db-wal", "sealtrail.db-shm"]) {
      if (existsSync(join(home, f))) copyFileSync(join(home, f), join(copy, f));
    }
    const db = new Database(join(copy, "sealtrail.db"));
    // The first seeded event (seq 0 is the store's init).
    const changed = db
      .prepare("UPDATE events SET body = replace(body, 'mallory', 'malloRy') WHERE seq = 1")
      .run();
    assert.equal(changed.changes, 1);
    db.close();
    const r = report("security-incidents", copy, "--verify");
    assert.equal(figure(r, "Store verification"), "FAILED");
    assert.equal(r.provenance.checkpoint.storeVerified, false);
    assert.ok(findings(r).some((f) => f.severity === "critical" && f.title.includes("failed verification")));
  });
});

describe("access report", () => {
  test("failed and denied access, privileged actions and reads of the audit log", () => {
    const r = report("access");
    assert.equal(figure(r, "Failed or denied"), 9);
    assert.equal(figure(r, "Reads of the audit log"), 1);
    const privileged = table(r, "privileged", "Privileged actions (newest first by event time)").rows.map(
      (row) => row.action,
    );
    assert.deepEqual([...privileged].sort(), ["apikey.create", "config.change", "role.grant"]);
    const readers = table(r, "audit-log", "Readers of the audit log").rows;
    assert.deepEqual(
      readers.map((row) => [row.key, row.events]),
      [["apikey:abc", 1]],
    );
    const denied = table(r, "denied", "By actor").rows.map((row) => [row.key, row.events]);
    assert.deepEqual(denied, [
      ["mallory", 6],
      ["bob", 3],
    ]);
  });
});
