import { counted } from "../../human/counted.js";
import { humanElapsed } from "../../human/human-time.js";
import type { OperationPerformance } from "../../performance/operation-performance.js";
import type { Finding, Report, TableBlock } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { summarySection } from "./blocks.js";

/** How many operations (actions) the table and the chart show, the busiest first. */
const TOP = 50;
/** A degraded p95 at least this many times the previous one is a finding of medium severity. */
const MEDIUM = 2;

const ratioWords = (o: OperationPerformance): string =>
  o.p95Ratio === null ? "" : `${o.p95Ratio.toFixed(2)} times`;

/**
 * The performance report: per operation (action), the count, min, max, mean, p50, p95 and p99
 * of `duration_ms`, and the operations whose p95 is at least 1.5 times the previous period's
 * (the period of the same length just before, with at least 20 timed events in both), with
 * their slowest events. The figures are `AuditLog.performance`'s, as `sealtrail performance`
 * prints them: exact nearest-rank percentiles over every timed event of the period.
 *
 * @example
 * ```ts
 * const report = await performanceReport(log, scope);
 * ```
 */
export async function performanceReport(source: ReportSource, scope: ReportScope): Promise<Report> {
  const summary = await source.performance({ filter: scope.filter, by: "action" });
  const { factor, minSamples } = summary.degradation;
  const operations = summary.operations;
  const shown = operations.slice(0, TOP);
  const degraded = operations.filter((o) => o.degraded);

  const findings: Finding[] = degraded.map((o) => ({
    severity: (o.p95Ratio ?? 0) >= MEDIUM ? "medium" : "low",
    title: `${o.key}: p95 ${humanElapsed(o.p95)}, ${ratioWords(o)} the previous period's ${humanElapsed(o.previous?.p95 ?? 0)}`,
    detail: `The 95th percentile of duration_ms of ${o.key} is at least ${factor} times the previous period's (${counted(o.count, "timed event")} now, ${o.previous?.count ?? 0} before; at least ${minSamples} in both are needed to compare); its slowest events of the period are listed.`,
    evidenceSeqs: o.slowestSeqs,
  }));

  const table: TableBlock = {
    kind: "table",
    title: "Duration by operation (ms)",
    columns: [
      { key: "action", label: "Operation" },
      { key: "count", label: "Events" },
      { key: "min", label: "Min" },
      { key: "max", label: "Max" },
      { key: "mean", label: "Mean" },
      { key: "p50", label: "p50" },
      { key: "p95", label: "p95" },
      { key: "p99", label: "p99" },
      { key: "previousCount", label: "Previous events" },
      { key: "previousP95", label: "Previous p95" },
      { key: "p95Ratio", label: "p95 ÷ previous p95" },
    ],
    rows: shown.map((o) => ({
      action: o.key ?? "(none)",
      count: o.count,
      min: o.min,
      max: o.max,
      mean: o.avg,
      p50: o.p50,
      p95: o.p95,
      p99: o.p99,
      previousCount: o.previous?.count ?? 0,
      previousP95: o.previous?.p95 ?? null,
      p95Ratio: o.p95Ratio,
    })),
  };

  return {
    provenance: scope.provenance("performance", "Performance report"),
    sections: [
      summarySection(
        [
          { label: "Timed events", value: summary.timed },
          { label: "Timed events, previous period", value: summary.previousTimed },
          { label: "Events without duration_ms (not measured)", value: summary.skipped },
          {
            label: operations.length > TOP ? `Operations (the ${TOP} busiest shown)` : "Operations",
            value: operations.length,
          },
          { label: "Overall p95", value: summary.overall?.p95 ?? "n/a", unit: "ms" },
          { label: `Operations whose p95 rose ${factor} times or more`, value: degraded.length },
          { label: "Percentiles", value: "exact (nearest rank)" },
        ],
        findings,
      ),
      {
        id: "operations",
        title: "Operations",
        blocks: [
          table,
          {
            kind: "chart",
            title: "p95 by operation",
            chart: "bar",
            points: shown.map((o) => ({ label: o.key ?? "(none)", value: o.p95 })),
            unit: "ms",
          },
        ],
      },
    ],
  };
}
