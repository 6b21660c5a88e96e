import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import type { Command } from "commander";
import { Option } from "commander";
import { AuditLog } from "../audit-log.js";
import { SealtrailError } from "../errors.js";
import { parseFilter } from "../query/filter-syntax.js";
import { parseInstant } from "../query/time-range.js";
import { parseAuditLevel } from "../reports/audit-level.js";
import { RENDERERS, rendererFor } from "../reports/renderers/index.js";
import { reportScope } from "../reports/report-source.js";
import { REPORT_TYPES, reportType } from "../reports/report-types.js";
import { table } from "./output.js";

interface ReportOptions {
  home?: string;
  list?: boolean;
  type?: string;
  format: string;
  period?: string;
  since?: string;
  until?: string;
  out?: string;
  verify?: boolean;
  level: string;
}

/** Adds `sealtrail report` to the command. */
export function addReportCommand(program: Command): void {
  program
    .command("report")
    .description(
      "compute a report over a period and render it (json, csv, markdown); --list describes the types",
    )
    .argument("[filters...]", "filter expressions on top of the period (as for query)")
    .addOption(new Option("--home <dir>", "store directory (default: $SEALTRAIL_HOME, else ./.sealtrail)"))
    .option("--list", "describe the report types")
    .option("--type <type>", "the report type (see --list)")
    .option("--format <format>", "output format", "markdown")
    .option("--period <duration>", "the period back from now (24h, 7d); default: the type's own")
    .option("--since <time>", "period start: a date or RFC 3339 (instead of --period)")
    .option("--until <time>", "period end (default: now)")
    .option("--out <file>", "write to FILE instead of standard output")
    .option("--verify", "verify the whole store too and state the result on the report")
    .option("--level <level>", "which event fields tables show: minimal, standard or detailed", "standard")
    .action(async (filters: string[], options: ReportOptions) => {
      if (options.list) {
        process.stdout.write(
          `${table(
            ["type", "default period", "what it shows"],
            REPORT_TYPES.map((t) => [t.id, t.defaultPeriod, t.description]),
            100,
          )}\n\nformats: ${Object.keys(RENDERERS).join(", ")}\n`,
        );
        return;
      }
      if (!options.type)
        throw new SealtrailError("ST_ERR_USAGE", "--type: expected a report type (see --list)");
      const type = reportType(options.type);
      const renderer = rendererFor(options.format);
      const auditLevel = parseAuditLevel(options.level);
      if (options.period && options.since) {
        throw new SealtrailError("ST_ERR_USAGE", "--period and --since: give one of them");
      }
      const now = Date.now();
      const until = options.until ? parseInstant(options.until, "--until", now) : now;
      const since = parseInstant(
        options.since ?? options.period ?? type.defaultPeriod,
        options.since ? "--since" : "--period",
        until,
      );
      if (!(since < until))
        throw new SealtrailError("ST_ERR_USAGE", "--since: expected a time before --until");
      const log = await AuditLog.open({
        ...(options.home ? { home: options.home } : {}),
        create: false,
        checkpointIntervalMs: 0,
      });
      try {
        const scope = await reportScope(log, {
          since,
          until,
          expressions: filters,
          filter: parseFilter(filters, {}, now),
          ...(options.verify ? { verifyStore: true } : {}),
          auditLevel,
        });
        const report = await type.build(log, scope);
        const out = options.out ? createWriteStream(options.out) : process.stdout;
        await renderer.render(report, out);
        if (options.out) {
          out.end();
          await finished(out);
        }
      } finally {
        await log.close();
      }
    });
}
