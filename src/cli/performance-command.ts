import { type Command, Option } from "commander";
import { counted } from "../human/counted.js";
import { humanElapsed } from "../human/human-time.js";
import type { OperationPerformance, PerformanceSummary } from "../performance/operation-performance.js";
import { colorsFor, humanCell, paint, table } from "./output.js";

interface PerformanceCommandOptions {
  home?: string;
  since?: string;
  until?: string;
  by: string;
  json?: boolean;
}

const AFTER_HELP = `
Per group: the count, min, avg, p50, p95, p99 and max of duration_ms over the window [--since, --until),
by default the last 24 hours.
Percentiles are exact, by nearest rank: the p-th percentile of n durations is the one of rank ⌈p·n/100⌉
in ascending order, always a duration that was measured. Events without duration_ms are not measured;
how many were skipped is said. Each p95 is compared with the previous window of the same length
(--since 24h: the 24 hours before those): a group is flagged "degraded" when its p95 is at least 1.5
times the previous one with at least 20 timed events in both windows (below 20, a p95 is the maximum).
--json prints {"by", "window", "previousWindow", "degradation", "timed", "skipped", "previousTimed",
"overall", "operations": [{"key", "count", "min", "avg", "p50", "p95", "p99", "max", "slowestSeqs",
"previous", "p95Ratio", "degraded"}]}, times in RFC 3339 and durations in ms.`;

/** The p95 against the previous window, as the table shows it (`2.07×`, or `-` with nothing to compare). */
function ratioCell(o: OperationPerformance): string {
  return o.p95Ratio === null ? "-" : `${o.p95Ratio.toFixed(2)}×`;
}

/**
 * The human form of a performance summary: a line on the window, one on what was measured, an
 * aligned table of the groups, and the degraded ones with their figures.
 *
 * @example
 * ```ts
 * process.stdout.write(performanceText(await log.performance({ since: "24h" }), false));
 * ```
 */
export function performanceText(summary: PerformanceSummary, colors: boolean): string {
  const { window, previousWindow, degradation } = summary;
  const rule = `p95 ≥ ${degradation.factor}× the previous window's, with ≥ ${degradation.minSamples} timed events in both`;
  const lines = [
    `${paint(colors, "bold", `performance by ${summary.by}`)}, ${humanCell(window.since)} to ${humanCell(window.until)} (previous window from ${humanCell(previousWindow.since)})`,
    `${counted(summary.timed, "timed event")}; ${summary.skipped} without duration_ms skipped`,
  ];
  if (summary.operations.length === 0) {
    lines.push("no event with duration_ms in the window");
    return `${lines.join("\n")}\n`;
  }
  const rows = summary.operations.map((o) => [
    o.key ?? "(none)",
    String(o.count),
    humanElapsed(o.min),
    humanElapsed(o.avg),
    humanElapsed(o.p50),
    humanElapsed(o.p95),
    humanElapsed(o.p99),
    humanElapsed(o.max),
    o.previous ? humanElapsed(o.previous.p95) : "-",
    ratioCell(o),
    o.degraded ? "degraded" : "",
  ]);
  lines.push(
    "",
    table(
      [summary.by, "count", "min", "avg", "p50", "p95", "p99", "max", "prev p95", "p95 change", "flag"],
      rows,
    ),
    "",
  );
  const degraded = summary.operations.filter((o) => o.degraded);
  if (degraded.length === 0) lines.push(`no group degraded (${rule})`);
  else {
    lines.push(paint(colors, "red", `degraded (${rule}):`));
    for (const o of degraded) {
      lines.push(
        `  ${o.key ?? "(none)"}: p95 ${humanElapsed(o.p95)}, ${o.p95Ratio?.toFixed(2)}× the previous ${humanElapsed(o.previous?.p95 ?? 0)} ` +
          `(${counted(o.count, "timed event")} now, ${o.previous?.count ?? 0} before); slowest: seq ${o.slowestSeqs.join(", ")}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Adds `sealtrail performance` to the command; the store and the library load when it runs. */
export function addPerformanceCommand(program: Command): void {
  program
    .command("performance")
    .description(
      "per operation (or --by another field): count, min, avg, p50, p95, p99, max of duration_ms; flags p95 degradations against the previous window",
    )
    .argument("[filters...]", "filter expressions (as for query)")
    .addOption(new Option("--home <dir>", "store directory (default: $SEALTRAIL_HOME, else ./.sealtrail)"))
    .option("--since <time>", "window start: 24h, 7d, a date or RFC 3339 (default: 24 hours before --until)")
    .option("--until <time>", "window end (default: now)")
    .option(
      "--by <field>",
      "group by this field (any field path: actor.id, source.tool, context.workflow)",
      "action",
    )
    .option("--json", "print JSON (see below)")
    .addHelpText("after", AFTER_HELP)
    .action(async (filters: string[], options: PerformanceCommandOptions) => {
      const { AuditLog } = await import("../audit-log.js");
      const log = await AuditLog.open({
        ...(options.home ? { home: options.home } : {}),
        create: false,
        checkpointIntervalMs: 0,
        readMostly: true,
      });
      try {
        const summary = await log.performance({
          filter: filters,
          ...(options.since === undefined ? {} : { since: options.since }),
          ...(options.until === undefined ? {} : { until: options.until }),
          by: options.by,
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(summary, null, 2)}\n`
            : performanceText(summary, colorsFor(process.stdout)),
        );
      } finally {
        await log.close();
      }
    });
}
