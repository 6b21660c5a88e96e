/**
 * End to end: the performance report over a seeded store with known duration distributions in
 * the period and the previous one: exact percentiles, a p95 degradation (at least 1.5 times, 20
 * timed events in both periods) flagged with its slowest events, an unchanged operation and a
 * small one not flagged. The figures are AuditLog.performance's (test/performance.test.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AuditLog } from "../src/audit-log.js";
import type { AuditEventInput } from "../src/event/audit-event.js";
import type { ChartBlock, FiguresBlock, Finding, Report, TableBlock } from "../src/reports/report-model.js";
import { reportScope } from "../src/reports/report-source.js";
import { performanceReport } from "../src/reports/types/performance-report.js";
import { removeTempDirs, tempDir } from "./cli-harness.js";
import { assertHumanWording } from "./support/report-wording.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const until = Math.floor(Date.now() / HOUR) * HOUR;
const since = until - DAY;
const at = (ms: number) => new Date(ms).toISOString();
/** A time inside the period (`previous`: inside the day before it). */
const when = (i: number, previous = false) => at((previous ? since - DAY : since) + 60_000 + i * 1000);

const timed = (action: string, durations: readonly number[], previous = false): AuditEventInput[] =>
  durations.map((duration_ms, i) => ({
    action,
    outcome: "success",
    timestamp: when(i, previous),
    duration_ms,
  }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const SEED: AuditEventInput[] = [
  // api.get: 1..100 ms in both periods, shuffled so that seq order is not duration order.
  ...timed("api.get", [...range(51, 100), ...range(1, 50)].reverse()),
  ...timed("api.get", range(1, 100), true),
  // db.query: 10..29 ms before, 40..59 ms now: a degradation (p95 28 → 58 ms).
  ...timed("db.query", range(10, 29), true),
  ...timed("db.query", range(40, 59)),
  // cache.get: 60 events at 7 ms in both periods (more equal values than one page): unchanged.
  ...timed("cache.get", Array(60).fill(7)),
  ...timed("cache.get", Array(60).fill(7), true),
  // report.render: few, fractional and one large duration, nothing before: no finding.
  ...timed("report.render", [0.5, 1.25, 123_456.789]),
  // Not timed, or outside both periods: not counted.
  { action: "user.login", outcome: "success", timestamp: when(1) },
  ...timed("db.query", [999_999], false).map((e) => ({ ...e, timestamp: at(since - 3 * DAY) })),
  ...timed("db.query", [999_999], false).map((e) => ({ ...e, timestamp: at(until + HOUR) })),
];

let log: AuditLog;
let report: Report;
const seqs: number[] = [];

before(async () => {
  log = await AuditLog.open({ home: tempDir("sealtrail-performance-report-"), checkpointIntervalMs: 0 });
  for (const receipt of await log.append(SEED)) seqs.push(receipt.seq);
  const scope = await reportScope(log, { since, until, expressions: [], filter: { conditions: [] } });
  report = await performanceReport(log, scope);
  assertHumanWording(report);
});
after(async () => {
  await log.close();
  removeTempDirs();
});

function figure(label: string): number | string | undefined {
  return report.sections
    .flatMap((s) => s.blocks)
    .filter((b): b is FiguresBlock => b.kind === "figures")
    .flatMap((b) => b.figures)
    .find((f) => f.label === label)?.value;
}
function findings(): Finding[] {
  return report.sections.flatMap((s) => s.blocks).flatMap((b) => (b.kind === "findings" ? b.findings : []));
}
function row(action: string): Readonly<Record<string, unknown>> {
  const table = report.sections
    .flatMap((s) => s.blocks)
    .find((b): b is TableBlock => b.kind === "table" && b.title === "Duration by operation (ms)");
  const r = table?.rows.find((x) => x.action === action);
  assert.ok(r, action);
  return r;
}
/** The seq of the `index`-th seeded event. */
const seqAt = (index: number): number => seqs[index] as number;

describe("performance report", () => {
  test("summary figures", () => {
    assert.equal(report.provenance.type, "performance");
    assert.equal(figure("Timed events"), 100 + 20 + 60 + 3);
    assert.equal(figure("Timed events, previous period"), 100 + 20 + 60);
    assert.equal(figure("Events without duration_ms (not measured)"), 1);
    assert.equal(figure("Operations"), 4);
    assert.equal(figure("Operations whose p95 rose 1.5 times or more"), 1);
    assert.equal(figure("Percentiles"), "exact (nearest rank)");
    // 183 timed events: rank ceil(0.95 * 183) = 174 is 92 ms.
    assert.equal(figure("Overall p95"), 92);
  });

  test("exact percentiles of 1..100 ms", () => {
    assert.deepEqual(row("api.get"), {
      action: "api.get",
      count: 100,
      min: 1,
      max: 100,
      mean: 50.5,
      p50: 50,
      p95: 95,
      p99: 99,
      previousCount: 100,
      previousP95: 95,
      p95Ratio: 1,
    });
  });

  test("a slower operation is a degradation with its slowest events as evidence", () => {
    assert.deepEqual(row("db.query"), {
      action: "db.query",
      count: 20,
      min: 40,
      max: 59,
      mean: 49.5,
      p50: 49,
      p95: 58,
      p99: 59,
      previousCount: 20,
      previousP95: 28,
      p95Ratio: 2.071,
    });
    const found = findings();
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]?.title, "db.query: p95 58 ms, 2.07 times the previous period's 28 ms");
    assert.equal(found[0]?.severity, "medium");
    // db.query now: seeded at indexes 220..239 with 40..59 ms; the slowest are the last five.
    assert.deepEqual(found[0]?.evidenceSeqs, [239, 238, 237, 236, 235].map(seqAt));
  });

  test("many equal durations are exact, and unchanged: no finding", () => {
    assert.deepEqual(row("cache.get"), {
      action: "cache.get",
      count: 60,
      min: 7,
      max: 7,
      mean: 7,
      p50: 7,
      p95: 7,
      p99: 7,
      previousCount: 60,
      previousP95: 7,
      p95Ratio: 1,
    });
  });

  test("fractional and large durations; nothing to compare with", () => {
    assert.deepEqual(row("report.render"), {
      action: "report.render",
      count: 3,
      min: 0.5,
      max: 123_456.789,
      mean: 41_152.846,
      p50: 1.25,
      p95: 123_456.789,
      p99: 123_456.789,
      previousCount: 0,
      previousP95: null,
      p95Ratio: null,
    });
  });

  test("a bar chart of p95 by operation", () => {
    const chart = report.sections.flatMap((s) => s.blocks).find((b): b is ChartBlock => b.kind === "chart");
    assert.equal(chart?.chart, "bar");
    assert.equal(chart?.unit, "ms");
    assert.deepEqual(Object.fromEntries(chart?.points.map((p) => [p.label, p.value]) ?? []), {
      "api.get": 95,
      "db.query": 58,
      "cache.get": 7,
      "report.render": 123_456.789,
    });
  });
});
