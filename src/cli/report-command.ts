import { createWriteStream, readFileSync } from "node:fs";
import { finished } from "node:stream/promises";
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { AuditLog } from "../audit-log.js";
import { SealtrailError } from "../errors.js";
import { parseFilter } from "../query/filter-syntax.js";
import { parseInstant } from "../query/time-range.js";
import { parseAuditLevel } from "../reports/audit-level.js";
import { renderToBuffer, writeEvidenceBundle } from "../reports/evidence-bundle.js";
import { type HtmlRendererOptions, htmlRendererWith } from "../reports/renderers/html-renderer.js";
import { RENDERERS, rendererFor } from "../reports/renderers/index.js";
import type { ReportRenderer } from "../reports/report-renderer.js";
import { reportScope } from "../reports/report-source.js";
import { loadReportTemplate, type ReportTemplate, templateReportType } from "../reports/report-template.js";
import { REPORT_TYPES, type ReportType, reportType } from "../reports/report-types.js";

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
  policy?: string;
  days?: number;
  rotationDays?: number;
  bundle?: string;
  template?: string;
  htmlCss?: string;
  htmlLayout?: string;
  framework?: string;
}

/** A file named by an option, as text; `ST_ERR_USAGE` naming the option when it cannot be read. */
function readOptionFile(option: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new SealtrailError("ST_ERR_USAGE", `${option}: expected a readable file, got "${file}"`);
  }
}

/**
 * The renderer of `format`; for html, with the template's CSS and layout, replaced by
 * `--html-css` / `--html-layout` when given.
 */
function chooseRenderer(options: ReportOptions, template: ReportTemplate | undefined): ReportRenderer {
  if (options.format !== "html") {
    if (options.htmlCss || options.htmlLayout) {
      const option = options.htmlCss ? "--html-css" : "--html-layout";
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `${option}: only for --format html, got --format ${options.format}`,
      );
    }
    return rendererFor(options.format);
  }
  const html: HtmlRendererOptions = {
    ...template?.html,
    ...(options.htmlCss
      ? { css: readOptionFile("--html-css", options.htmlCss), cssFile: `--html-css ${options.htmlCss}` }
      : {}),
    ...(options.htmlLayout
      ? {
          layout: readOptionFile("--html-layout", options.htmlLayout),
          layoutFile: `--html-layout ${options.htmlLayout}`,
        }
      : {}),
  };
  return html.css === undefined && html.layout === undefined ? rendererFor("html") : htmlRendererWith(html);
}

const TEMPLATES_HELP =
  "templates: --template FILE (.yaml, .yml or .json) builds a report of your own: title, description, period, branding (organisation, color #rrggbb, logo png/jpeg/svg, footer), html (css, layout with {{title}} {{style}} {{header}} {{sections}} {{footer}}) and sections, each a section of a type above as <type>.<section id> (such as security-incidents.failed-logins; a report's section ids are the ids in its JSON output) with an optional title and filter. See the README.";

/** `text` broken into lines of at most `width` characters, each after `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => `${indent}${l}`).join("\n");
}

function positive(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name}: expected a positive integer, got "${text}"`);
    }
    return n;
  };
}

/** Adds `sealtrail report` to the command. */
export function addReportCommand(program: Command): void {
  program
    .command("report")
    .description(
      "compute a report over a period and render it (json, csv, markdown, html, pdf, xlsx), of a built-in type or a template; --list describes them",
    )
    .argument("[filters...]", "filter expressions on top of the period (as for query)")
    .addOption(new Option("--home <dir>", "store directory (default: $SEALTRAIL_HOME, else ./.sealtrail)"))
    .option("--list", "describe the report types")
    .option("--type <type>", "the report type (see --list)")
    .option("--template <file>", "a report template (YAML or JSON) instead of --type; see --list")
    .option("--html-css <file>", "html: CSS added after the built-in style sheet")
    .option(
      "--html-layout <file>",
      "html: a page layout with {{title}} {{style}} {{header}} {{sections}} {{footer}} placeholders",
    )
    .option("--framework <name>", "compliance: the framework whose control map is checked")
    .option("--format <format>", "output format", "markdown")
    .option("--period <duration>", "the period back from now (24h, 7d); default: the type's own")
    .option("--since <time>", "period start: a date or RFC 3339 (instead of --period)")
    .option("--until <time>", "period end (default: now)")
    .option("--out <file>", "write to FILE instead of standard output")
    .option("--verify", "verify the whole store too and state the result on the report")
    .option(
      "--bundle <file>",
      "also write an evidence bundle (.tar.gz): the report, the cited events with their inclusion proofs, the checkpoint and the verifier key; check it with verify-bundle",
    )
    .option("--level <level>", "which event fields tables show: minimal, standard or detailed", "standard")
    .option("--policy <file>", "crypto-compliance: the crypto policy (JSON)")
    .option("--days <n>", "certificate-expiry: days ahead (default 30)", positive("--days"))
    .option(
      "--rotation-days <n>",
      "key-usage: the rotation period in days (default 90)",
      positive("--rotation-days"),
    )
    .action(async (filters: string[], options: ReportOptions) => {
      if (options.list) {
        const types = REPORT_TYPES.map(
          (t) => `${t.id}  (default period ${t.defaultPeriod})\n${wrap(t.description, 96, "    ")}\n`,
        );
        process.stdout.write(
          `${types.join("\n")}\nformats: ${Object.keys(RENDERERS).join(", ")}\n\n${wrap(TEMPLATES_HELP, 100, "")}\n`,
        );
        return;
      }
      if (options.type && options.template) {
        throw new SealtrailError("ST_ERR_USAGE", "--type and --template: give one of them");
      }
      let type: ReportType;
      let template: ReportTemplate | undefined;
      if (options.template) {
        template = loadReportTemplate(options.template);
        type = templateReportType(template);
      } else if (options.type) type = reportType(options.type);
      else {
        throw new SealtrailError(
          "ST_ERR_USAGE",
          "--type: expected a report type or --template FILE (see --list)",
        );
      }
      const renderer = chooseRenderer(options, template);
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
        const report = await type.build(log, scope, {
          policy: options.policy,
          days: options.days,
          rotationDays: options.rotationDays,
          framework: options.framework,
        });
        const out = options.out ? createWriteStream(options.out) : process.stdout;
        if (options.bundle) {
          const rendered = await renderToBuffer(renderer, report);
          await new Promise<void>((resolve, reject) =>
            out.write(rendered, (error) => (error ? reject(error) : resolve())),
          );
          await writeEvidenceBundle({
            log,
            report,
            rendered,
            extension: renderer.extension,
            out: options.bundle,
          });
        } else {
          await renderer.render(report, out);
        }
        if (options.out) {
          out.end();
          await finished(out);
        }
      } finally {
        await log.close();
      }
    });
}
