/**
 * Every report lists its newest events by the time they happened, not by the order the log
 * received them in, and says so: over a store whose events arrived out of time order (late and
 * backfilled ones, several at the same instant), each event table of each report type is in
 * (timestamp, seq) order, newest first, and its title states that order.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AuditLog } from "../src/audit-log.js";
import { memoryStorage } from "../src/index.js";
import { buildReport, planReport, reportTypes } from "../src/report-pipeline/index.js";
import type { Report, TableBlock } from "../src/reports/report-model.js";

const HOUR = 3_600_000;
const COUNT = 60;
const ORDER_CAPTION = "(newest first by event time)";

/** Events of every kind the report types list, received in seq order, happened in another. */
function events(now: number) {
  const kinds = [
    { action: "user.login", outcome: "failure", severity: "warning" },
    { action: "key.rotate", outcome: "success", severity: "critical" },
    { action: "config.change", outcome: "failure", severity: "warning" },
    { action: "integrity.check", outcome: "failure", severity: "error" },
    { action: "apikey.create", outcome: "success", severity: "notice" },
    { action: "audit_log.review", outcome: "success", severity: "info" },
  ] as const;
  return Array.from({ length: COUNT }, (_, i) => ({
    ...(kinds[i % kinds.length] as (typeof kinds)[number]),
    actor: { id: `user-${i % 4}`, type: "user" as const },
    policies: ["PCI-DSS-10.2.1"],
    // (i * 7) % 30 hours back: a permutation of 30 instants, each shared by two events.
    timestamp: new Date(now - 2 * HOUR - ((i * 7) % 30) * HOUR).toISOString(),
  }));
}

let log: AuditLog;
let reports: Array<[string, Report]>;

before(async () => {
  const now = Date.now();
  log = await AuditLog.open({ storage: memoryStorage(), origin: "order.test/log", checkpointIntervalMs: 0 });
  await log.append(events(now));
  // A late event: it happened first of all, and arrived last.
  await log.append({
    action: "user.login",
    outcome: "failure",
    severity: "critical",
    policies: ["PCI-DSS-10.2.1"],
    actor: { id: "late", type: "user" },
    timestamp: new Date(now - 5 * 24 * HOUR).toISOString(),
  });
  reports = [];
  for (const type of reportTypes()) {
    const input = type.id === "compliance" ? { type: type.id, framework: "pci-dss" } : { type: type.id };
    const plan = planReport({ ...input, period: "7d" }, { files: true, now });
    reports.push([type.id, await buildReport(log, plan)]);
  }
});
after(() => log.close());

/** The tables of `report` that list events: those with both a seq and a timestamp column. */
function eventTables(report: Report): TableBlock[] {
  return report.sections
    .flatMap((s) => s.blocks)
    .filter((b): b is TableBlock => b.kind === "table")
    .filter((t) => t.columns.some((c) => c.key === "seq") && t.columns.some((c) => c.key === "timestamp"));
}

test("every event table of every report type is newest first by event time, ties by seq, and says so", () => {
  let checked = 0;
  let differFromSeqOrder = 0;
  for (const [type, report] of reports) {
    for (const table of eventTables(report)) {
      assert.ok(table.title.endsWith(ORDER_CAPTION), `${type}: "${table.title}" states its order`);
      const rows = table.rows.map((r) => ({ seq: r.seq as number, at: Date.parse(String(r.timestamp)) }));
      const expected = [...rows].sort((a, b) => b.at - a.at || b.seq - a.seq);
      assert.deepEqual(rows, expected, `${type}: "${table.title}" in (timestamp, seq) order, newest first`);
      if (rows.length > 1) checked++;
      const bySeq = [...rows].sort((a, b) => b.seq - a.seq);
      if (JSON.stringify(bySeq) !== JSON.stringify(rows)) differFromSeqOrder++;
    }
  }
  assert.ok(checked >= 8, `event tables with rows to order: ${checked}`);
  assert.ok(differFromSeqOrder >= 8, `tables whose order differs from seq order: ${differFromSeqOrder}`);
});

test("the activity report's most recent events are the latest to happen, not the latest received", () => {
  const [, report] = reports.find(([type]) => type === "activity-weekly") as [string, Report];
  const recent = eventTables(report).find((t) => t.title.startsWith("The 20 most recent events"));
  assert.ok(recent);
  const seqs = recent.rows.map((r) => r.seq as number);
  // Event i is seq i + 1 (seq 0 is the store's init, made after the period's end).
  assert.ok(
    !seqs.includes(COUNT + 1),
    "the late event, received last but oldest, is not among the most recent",
  );
  // The two events of the latest instant, 2 hours back: i * 7 % 30 = 0, so i = 0 and 30.
  assert.deepEqual(seqs.slice(0, 2), [31, 1]);
});
