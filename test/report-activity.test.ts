/**
 * End to end: `sealtrail report --type activity-*` over a seeded store with known contents,
 * checked against numbers computed here from the seed, and through readers that are not ours
 * (JSON.parse, csv-parse).
 */
import assert from "node:assert/strict";
import { createPublicKey, verify as verifySignature } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { parse as parseCsv } from "csv-parse/sync";
import type {
  ChartBlock,
  FiguresBlock,
  FindingsBlock,
  Report,
  TableBlock,
} from "../src/reports/report-model.js";
import { cli, initStore, removeTempDirs, runCli, tempDir, writeNdjson } from "./cli-harness.js";

const HOUR = 3_600_000;
const now = Date.now();

/** The seed: 60 events over the last 3 days, known failures, workflows, codes and one critical event. */
function seed(): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 60; i++) {
    const failed = i % 6 === 0; // 10 failures
    events.push({
      action: i % 3 === 0 ? "lead.route" : i % 3 === 1 ? "user.login" : "crm.update",
      timestamp: new Date(now - (i + 1) * HOUR).toISOString(),
      outcome: failed ? "failure" : "success",
      severity: i === 7 ? "critical" : failed ? "error" : "info",
      actor: { id: `user-${i % 4}` },
      context: i % 2 === 0 ? { workflow: "sales" } : { workflow: "support" },
      ...(failed ? { error: { code: i % 12 === 0 ? "E_TIMEOUT" : "E_DENIED", message: "x" } } : {}),
    });
  }
  // One event outside the weekly period: it must not count.
  events.push({
    action: "old.thing",
    timestamp: new Date(now - 30 * 24 * HOUR).toISOString(),
    outcome: "failure",
  });
  return events;
}

let home: string;
let verifierKey: string;

before(() => {
  home = tempDir("sealtrail-report-");
  verifierKey = initStore(home, "reports.example/log");
  const file = join(home, "..", `${home.split("/").pop()}-seed.ndjson`);
  writeNdjson(file, seed());
  cli(["ingest", file, "--home", home]);
});
after(removeTempDirs);

function blocks<T extends { kind: string }>(report: Report, kind: T["kind"]): T[] {
  return report.sections.flatMap((s) => s.blocks).filter((b) => b.kind === kind) as unknown as T[];
}
function tableNamed(report: Report, title: string): TableBlock {
  const found = blocks<TableBlock>(report, "table").find((t) => t.title === title);
  assert.ok(found, `table "${title}"`);
  return found;
}
function figure(report: Report, label: string): number | string | undefined {
  return blocks<FiguresBlock>(report, "figures")
    .flatMap((b) => b.figures)
    .find((f) => f.label === label)?.value;
}

describe("sealtrail report --type activity-weekly", () => {
  let report: Report;
  before(() => {
    report = JSON.parse(
      cli(["report", "--home", home, "--type", "activity-weekly", "--format", "json", "--verify"]).stdout,
    ) as Report;
  });

  // The period holds the 60 seeded events and the store's own init event (made just now).
  test("figures match the seed: only events in the period count", () => {
    assert.equal(figure(report, "Events"), 61);
    assert.equal(figure(report, "Failures"), 10);
    assert.equal(figure(report, "Failure rate"), 16.39);
  });

  test("failures by error code and per-workflow figures are computed by the store", () => {
    const codes = Object.fromEntries(
      tableNamed(report, "Failures by error code").rows.map((r) => [r.key, r.events]),
    );
    assert.deepEqual(codes, { E_TIMEOUT: 5, E_DENIED: 5 });
    const workflows = Object.fromEntries(
      tableNamed(report, "Per workflow (context.workflow)").rows.map((r) => [
        r.workflow,
        [r.events, r.failures],
      ]),
    );
    assert.deepEqual(workflows, { sales: [30, 10], support: [30, 0], "(none)": [1, 0] });
  });

  test("the daily timeline covers the week and adds up to the total", () => {
    const chart = blocks<ChartBlock>(report, "chart").find((c) => c.chart === "timeseries");
    assert.ok(chart);
    assert.ok(chart.points.length >= 7 && chart.points.length <= 8, `${chart.points.length} days`);
    assert.equal(
      chart.points.reduce((sum, p) => sum + p.value, 0),
      61,
    );
  });

  test("findings: the failure rate and the critical event, with its seq as evidence", () => {
    const findings = blocks<FindingsBlock>(report, "findings").flatMap((b) => b.findings);
    assert.ok(findings.some((f) => f.title.startsWith("Failure rate 16.4")));
    const critical = findings.find((f) => f.severity === "high");
    assert.ok(critical, "a high finding for the critical event");
    assert.equal(critical.evidenceSeqs?.length, 1);
    const [line] = cli(["query", "--home", home, "severity>=critical", "--format", "ndjson"])
      .stdout.trim()
      .split("\n");
    assert.equal(critical.evidenceSeqs?.[0], (JSON.parse(line ?? "{}") as { seq: number }).seq);
  });

  test("the provenance names the period, the checkpoint, and that it verified", () => {
    const p = report.provenance;
    assert.equal(p.type, "activity-weekly");
    assert.equal(p.checkpoint.origin, "reports.example/log");
    assert.equal(p.checkpoint.treeSize, 62);
    assert.equal(p.checkpoint.signatureVerified, true);
    assert.equal(p.checkpoint.storeVerified, true);
    assert.ok(Date.parse(p.period.until) - Date.parse(p.period.since) === 7 * 24 * HOUR);
    // The note really is signed by the log's key, checked here with node:crypto alone.
    const [body, signatures] = p.checkpoint.note.split("\n\n") as [string, string];
    assert.equal(body.split("\n")[2], p.checkpoint.rootHash);
    // <name>+<hex key id>+<base64(0x01 ‖ key)>: the base64 part may itself hold "+".
    const encodedKey = /^[^+]+\+[0-9a-f]{8}\+(.+)$/.exec(verifierKey)?.[1] as string;
    const keyBytes = Buffer.from(encodedKey, "base64").subarray(1);
    const publicKey = createPublicKey({
      key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), keyBytes]),
      format: "der",
      type: "spki",
    });
    const signature = Buffer.from(signatures.trim().split(" ").pop() as string, "base64").subarray(4);
    assert.ok(verifySignature(null, Buffer.from(`${body}\n`), publicKey, signature));
  });
});

test("a filter on top of the period narrows every figure", () => {
  const report = JSON.parse(
    cli(["report", "--home", home, "--type", "activity-weekly", "--format", "json", "actor.id=user-1"])
      .stdout,
  ) as Report;
  assert.deepEqual(report.provenance.filter, ["actor.id=user-1"]);
  assert.equal(figure(report, "Events"), 15);
});

test("the CSV report is read by a standard CSV parser, figure for figure", () => {
  const out = cli(["report", "--home", home, "--type", "activity-weekly", "--format", "csv"]).stdout;
  const rows = parseCsv(out, { columns: true }) as Array<Record<string, string>>;
  const events = rows.find((r) => r.kind === "figures" && r.column === "Events");
  assert.equal(events?.value, "61");
  assert.ok(rows.some((r) => r.section === "provenance" && r.value === "reports.example/log"));
});

test("a tampered store is stated on the report: store not verified", () => {
  const tampered = tempDir("sealtrail-report-tampered-");
  initStore(tampered);
  cli(["append", "--home", tampered, "--json", '{"action":"user.login","outcome":"success"}']);
  cli(["append", "--home", tampered, "--json", '{"action":"user.login","outcome":"failure"}']);
  const db = new Database(join(tampered, "sealtrail.db"));
  // seq 0 is the store's init event: the failed login is seq 2.
  db.prepare("UPDATE events SET body = replace(body, 'failure', 'success') WHERE seq = 2").run();
  db.close();
  const report = JSON.parse(
    cli(["report", "--home", tampered, "--type", "activity-daily", "--format", "json", "--verify"]).stdout,
  ) as Report;
  assert.equal(report.provenance.checkpoint.storeVerified, false);
});

test("report --list describes the types; a bad type or format is a usage error", () => {
  const list = cli(["report", "--list"]).stdout;
  assert.match(list, /activity-daily/);
  assert.match(list, /activity-weekly/);
  assert.equal(runCli(["report", "--home", home, "--type", "nope"]).code, 2);
  assert.match(
    runCli(["report", "--home", home, "--type", "activity-daily", "--format", "docx"]).stderr,
    /--format|format/,
  );
  assert.equal(runCli(["report", "--home", home, "--type", "activity-daily", "--format", "docx"]).code, 2);
});

test("audit levels decide which event fields the tables show", () => {
  const columnsAt = (level: string) => {
    const r = JSON.parse(
      cli(["report", "--home", home, "--type", "activity-weekly", "--format", "json", "--level", level])
        .stdout,
    ) as Report;
    return tableNamed(r, "The 20 most recent events (newest first by event time)").columns.map((c) => c.key);
  };
  assert.deepEqual(columnsAt("minimal"), ["seq", "timestamp", "action", "outcome"]);
  const standard = columnsAt("standard");
  assert.ok(standard.includes("actor") && !standard.includes("ip") && !standard.includes("details"));
  const detailed = columnsAt("DETAILED");
  for (const field of ["actor", "ip", "tenant", "source", "request_id", "details"])
    assert.ok(detailed.includes(field), field);
  assert.equal(runCli(["report", "--home", home, "--type", "activity-weekly", "--level", "verbose"]).code, 2);
});
