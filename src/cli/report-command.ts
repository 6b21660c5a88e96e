import type { Command } from "commander";
import { Option } from "commander";
import { SealtrailError } from "../errors.js";
import type { ReportInput, ReportPlan } from "../report-pipeline/index.js";
import type { HtmlRendererOptions } from "../reports/renderers/html-renderer.js";
import type { Report } from "../reports/report-model.js";
import { closeOutput, openOutput, readInputText } from "./cli-files.js";
import { inFlagWords } from "./flag-wording.js";

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
  days?: string;
  rotationDays?: string;
  bundle?: string;
  template?: string;
  htmlCss?: string;
  htmlLayout?: string;
  framework?: string;
}

/** The pipeline's fields that are flags of `sealtrail report` (`rotation_days` is `--rotation-days`). */
const REPORT_FIELDS = [
  "type",
  "template",
  "format",
  "period",
  "since",
  "until",
  "level",
  "framework",
  "policy",
  "days",
  "rotation_days",
];

/** `--html-css` and `--html-layout`, read: only with `--format html`. */
function htmlOptions(options: ReportOptions): HtmlRendererOptions | undefined {
  if (!options.htmlCss && !options.htmlLayout) return undefined;
  if (options.format !== "html") {
    const option = options.htmlCss ? "--html-css" : "--html-layout";
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `${option}: only for --format html, got --format ${options.format}`,
    );
  }
  return {
    ...(options.htmlCss
      ? {
          css: readInputText("--html-css", options.htmlCss, "a CSS file"),
          cssFile: `--html-css ${options.htmlCss}`,
        }
      : {}),
    ...(options.htmlLayout
      ? {
          layout: readInputText("--html-layout", options.htmlLayout, "an HTML page layout file"),
          layoutFile: `--html-layout ${options.htmlLayout}`,
        }
      : {}),
  };
}

/** The command's options as the pipeline's input. */
function reportInput(filters: string[], options: ReportOptions): ReportInput {
  return {
    type: options.type,
    template: options.template,
    format: options.format,
    period: options.period,
    since: options.since,
    until: options.until,
    level: options.level,
    verify: options.verify,
    framework: options.framework,
    policy: options.policy,
    days: options.days,
    rotationDays: options.rotationDays,
    filter: filters,
    html: htmlOptions(options),
  };
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
    .option("--days <n>", "certificate-expiry: days ahead (default 30)")
    .option("--rotation-days <n>", "key-usage: the rotation period in days (default 90)")
    .action(async (filters: string[], options: ReportOptions) => {
      // The pipeline, the renderers and the store are loaded when the command runs, not when it is defined.
      const { buildReport, planReport, renderReport, reportTypes } = await import(
        "../report-pipeline/index.js"
      );
      if (options.list) {
        const { RENDERERS } = await import("../reports/renderers/index.js");
        const types = reportTypes().map(
          (t) => `${t.id}  (default period ${t.defaultPeriod})\n${wrap(t.description, 96, "    ")}\n`,
        );
        process.stdout.write(
          `${types.join("\n")}\nformats: ${Object.keys(RENDERERS).join(", ")}\n\n${wrap(TEMPLATES_HELP, 100, "")}\n`,
        );
        return;
      }
      // Everything is checked before the store is opened.
      let plan: ReportPlan;
      try {
        plan = planReport(reportInput(filters, options), { files: true });
      } catch (error) {
        throw inFlagWords(error, REPORT_FIELDS);
      }
      const { AuditLog } = await import("../audit-log.js");
      const log = await AuditLog.open({
        ...(options.home ? { home: options.home } : {}),
        create: false,
        checkpointIntervalMs: 0,
      });
      try {
        // Outputs are opened before the work: one that cannot be written costs nothing.
        const out = options.out ? await openOutput("--out", options.out, "the report") : undefined;
        const bundle = options.bundle
          ? await openOutput("--bundle", options.bundle, "the evidence bundle")
          : undefined;
        let report: Report;
        try {
          report = await buildReport(log, plan);
        } catch (error) {
          throw inFlagWords(error, REPORT_FIELDS);
        }
        if (bundle && options.bundle) {
          const { renderToBuffer, writeEvidenceBundle } = await import("../reports/evidence-bundle.js");
          const rendered = await renderToBuffer(plan.renderer, report);
          const target = out ?? process.stdout;
          await new Promise<void>((resolve, reject) =>
            target.write(rendered, (error) => (error ? reject(error) : resolve())),
          );
          await writeEvidenceBundle({
            log,
            report,
            rendered,
            extension: plan.renderer.extension,
            out: bundle,
          });
          await closeOutput(bundle, "--bundle", options.bundle, "the evidence bundle");
        } else {
          await renderReport(plan, report, out ?? process.stdout);
        }
        if (out && options.out) await closeOutput(out, "--out", options.out, "the report");
      } finally {
        await log.close();
      }
    });
}
