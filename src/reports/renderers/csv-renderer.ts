import { stringify } from "csv-stringify/sync";
import type { Cell, Report, ReportBlock } from "../report-model.js";
import type { ReportRenderer } from "../report-renderer.js";
import { cellText, writeText } from "./render-output.js";

/**
 * The columns of every report CSV, in order.
 *
 * @example
 * ```ts
 * REPORT_CSV_COLUMNS.join(","); // "section,block,kind,row,column,value"
 * ```
 */
export const REPORT_CSV_COLUMNS = ["section", "block", "kind", "row", "column", "value"] as const;

/**
 * One record of a report CSV (see {@link csvRenderer} for what each kind holds).
 *
 * @example
 * ```ts
 * const cell: ReportCsvRecord = { section: "actors", block: "0", kind: "table", row: "3", column: "events", value: "3547" };
 * ```
 */
export type ReportCsvRecord = Record<(typeof REPORT_CSV_COLUMNS)[number], string>;

/** Text a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, TAB, CR first), after any `'`. */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * How text cells are kept from being read as formulas, stated in every report CSV's provenance
 * (`column` `formula_escaping`).
 *
 * @example
 * ```ts
 * csvCellText("=HYPERLINK(\"http://x\")"); // "'=HYPERLINK(\"http://x\")", as CSV_FORMULA_ESCAPING says
 * ```
 */
export const CSV_FORMULA_ESCAPING =
  "text cells starting with = + - @ TAB CR (after any ') are prefixed with '";

/**
 * A cell as CSV text that a spreadsheet does not run (OWASP's advice on CSV injection): text
 * starting with `=`, `+`, `-`, `@`, TAB or CR gets a `'` in front, so that a hostile event field
 * like `=HYPERLINK(…)` or `+cmd|…` shows as text. Text that already starts with `'` followed by
 * one of those gets one more, so that removing exactly one `'` from any cell matching
 * `/^'+[=+\-@\t\r]/` gives back the original. Numbers stay numbers (`-5` is not prefixed; the
 * text `"-5"` is); booleans and null as {@link cellText}.
 *
 * @example
 * ```ts
 * csvCellText("@SUM(A1)"); // "'@SUM(A1)"
 * csvCellText(-5); // "-5"
 * csvCellText("-5"); // "'-5"
 * csvCellText("plain"); // "plain"
 * ```
 */
export function csvCellText(value: Cell | undefined): string {
  return typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : cellText(value);
}

function blockRecords(section: string, index: number, block: ReportBlock): ReportCsvRecord[] {
  const record = (
    row: number | "" | "header" | "unit",
    column: string,
    value: Cell | undefined,
  ): ReportCsvRecord => ({
    section: csvCellText(section),
    block: String(index),
    kind: block.kind,
    row: String(row),
    column: csvCellText(column),
    value: csvCellText(value),
  });
  const records = [record("", "title", block.title)];
  switch (block.kind) {
    case "figures":
      block.figures.forEach((f, i) => {
        records.push(record(i, f.label, f.value));
      });
      for (const f of block.figures) if (f.unit) records.push(record("unit", f.label, f.unit));
      break;
    case "table":
      if (block.truncated) records.push(record("", "truncated", block.truncated));
      for (const c of block.columns) records.push(record("header", c.key, c.label));
      block.rows.forEach((row, i) => {
        for (const c of block.columns) records.push(record(i, c.key, row[c.key]));
      });
      break;
    case "chart":
      records.push(record("", "chart", block.chart), record("", "unit", block.unit));
      block.points.forEach((p, i) => {
        records.push(record(i, p.label, p.value));
      });
      break;
    case "findings":
      block.findings.forEach((f, i) => {
        records.push(
          record(i, "severity", f.severity),
          record(i, "title", f.title),
          record(i, "detail", f.detail),
          record(i, "evidence_seqs", (f.evidenceSeqs ?? []).join(" ")),
        );
      });
      break;
  }
  return records;
}

/** The branding's records: organisation, colour, logo media type, footer (those given). */
function brandingFacts(
  report: Report,
  fact: (column: string, value: Cell) => ReportCsvRecord,
): ReportCsvRecord[] {
  const b = report.branding;
  if (!b) return [];
  return [
    ...(b.organisation === undefined ? [] : [fact("branding.organisation", b.organisation)]),
    ...(b.color === undefined ? [] : [fact("branding.color", b.color)]),
    ...(b.logo === undefined ? [] : [fact("branding.logo", b.logo.mediaType)]),
    ...(b.footer === undefined ? [] : [fact("branding.footer", b.footer)]),
  ];
}

/**
 * The report's records, in order: provenance, then each section's title and blocks, every text
 * field as {@link csvCellText} writes it. See {@link csvRenderer} for what each kind of record holds.
 *
 * @example
 * ```ts
 * reportCsvRecords(report)[0]; // { section: "provenance", block: "", kind: "provenance", row: "", column: "type", value: "activity" }
 * ```
 */
export function reportCsvRecords(report: Report): ReportCsvRecord[] {
  const p = report.provenance;
  const { checkpoint } = p;
  const fact = (column: string, value: Cell, row: number | "" = ""): ReportCsvRecord => ({
    section: "provenance",
    block: "",
    kind: "provenance",
    row: String(row),
    column,
    value: csvCellText(value),
  });
  const records = [
    fact("type", p.type),
    fact("title", p.title),
    fact("generated_at", p.generatedAt),
    fact("period.since", p.period.since),
    fact("period.until", p.period.until),
    ...p.filter.map((expression, i) => fact("filter", expression, i)),
    fact("audit_level", p.auditLevel),
    fact("checkpoint.origin", checkpoint.origin),
    fact("checkpoint.tree_size", checkpoint.treeSize),
    fact("checkpoint.root_hash", checkpoint.rootHash),
    fact("checkpoint.signature_verified", checkpoint.signatureVerified),
    fact("checkpoint.store_verified", checkpoint.storeVerified ?? "not checked"),
    fact("checkpoint.note", checkpoint.note),
    fact("formula_escaping", CSV_FORMULA_ESCAPING),
    ...brandingFacts(report, fact),
  ];
  for (const section of report.sections) {
    records.push({
      section: csvCellText(section.id),
      block: "",
      kind: "section",
      row: "",
      column: "title",
      value: csvCellText(section.title),
    });
    section.blocks.forEach((block, i) => {
      records.push(...blockRecords(section.id, i, block));
    });
  }
  return records;
}

/**
 * The report as one long-format CSV text (RFC 4180: CRLF line ends, fields with a comma, quote
 * or line break quoted).
 *
 * @example
 * ```ts
 * renderCsv(report).split("\r\n")[0]; // "section,block,kind,row,column,value"
 * ```
 */
export function renderCsv(report: Report): string {
  return stringify(reportCsvRecords(report), {
    header: true,
    columns: [...REPORT_CSV_COLUMNS],
    record_delimiter: "windows",
    // csv-stringify quotes only the configured record delimiter (CRLF); a lone LF or CR must be
    // quoted too, or readers split the record there.
    quoted_match: /[\r\n]/,
  });
}

/**
 * Renders a report as one long-format CSV that any CSV reader opens (a spreadsheet filters it by
 * `section` and `kind`). Columns `section,block,kind,row,column,value`; every value is text
 * (numbers as `String(n)`, booleans `true`/`false`, null empty), and text that a spreadsheet
 * would run as a formula (`=`, `+`, `-`, `@`, TAB, CR first) is prefixed with `'`
 * ({@link csvCellText}), as the `formula_escaping` provenance record says.
 * - Provenance: `section` and `kind` `provenance`, `column` the field (`period.since`,
 *   `checkpoint.root_hash`, `checkpoint.store_verified` = true, false or `not checked`…); one
 *   `filter` record per expression, `row` its index; `audit_level`; `formula_escaping`
 *   ({@link CSV_FORMULA_ESCAPING}) after `checkpoint.note`. Branding, when the report has it, follows
 *   as `branding.organisation`, `branding.color`, `branding.logo` (the logo's media type only)
 *   and `branding.footer`.
 * - A section's title: `section` its id, `kind` `section`, `column` `title`.
 * - A block's records: `section` the section id, `block` the block's index in it, `kind` the
 *   block's kind (`figures`, `table`, `chart`, `findings`). `row` empty: a fact of the block
 *   (`title`; a table's `truncated` count; a chart's `chart` kind and `unit`). `row` a number:
 *   an item, with `column` the figure's label, the table cell's column key, the chart point's
 *   label, or the finding's part (`severity`, `title`, `detail`, `evidence_seqs` = seqs separated
 *   by spaces). `row` `header`: a table column's label (`column` its key, in column order);
 *   `row` `unit`: a figure's unit (`column` its label).
 *
 * @example
 * ```ts
 * await csvRenderer.render(report, createWriteStream("report.csv"));
 * ```
 */
export const csvRenderer: ReportRenderer = {
  format: "csv",
  mediaType: "text/csv; charset=utf-8",
  extension: "csv",
  async render(report, out) {
    await writeText(out, renderCsv(report));
  },
};
