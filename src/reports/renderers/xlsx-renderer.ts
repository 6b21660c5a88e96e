import { EventEmitter, once } from "node:events";
import { PassThrough, type Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type ExcelJS from "exceljs";
import { counted } from "../../human/counted.js";
import type {
  Cell,
  ChartBlock,
  FiguresBlock,
  FindingsBlock,
  Report,
  ReportBlock,
  ReportSection,
  TableBlock,
} from "../report-model.js";
import type { ReportRenderer } from "../report-renderer.js";
import { CHART_NAMES } from "./chart-names.js";
import { forPeople } from "./for-people.js";
import { argb, COLORS } from "./palette.js";
import { AUDIT_LEVEL_MEANING } from "./render-output.js";

/**
 * Layout of the workbook (what `xlsx-renderer.test.ts` reads back with openpyxl):
 *
 * - Sheet "Report": A1 the report title; from row 3 one `label | value` row per provenance fact
 *   ({@link XLSX_PROVENANCE_LABELS}), times as people read them (no zero milliseconds), one
 *   "Filter" row per expression (or one whose value is {@link XLSX_NO_FILTER}), an "Audit level"
 *   row whose value says what it decides ("standard — which event fields tables show"),
 *   verification as "verified" / "NOT verified" / "not checked".
 *   With branding, A1 is "organisation — title", "Organisation" and "Footer" rows follow the
 *   note, and every sheet prints the organisation in its header and the footer beside the page
 *   number.
 * - One sheet per section, in order ({@link xlsxSheetNames}): A1 the section title; then each
 *   block, after one empty row, as a title row — the title in bold, then what the block holds in
 *   words ({@link xlsxBlockSummary}: "3 figures", "25 rows, 8 columns", "Time series of events,
 *   30 points", "1 finding") — a bold header row and the item rows:
 *   - figures: `Figure | Value | Unit`;
 *   - table: the column labels, then the cells, numbers and booleans as typed cells, null as an
 *     empty cell, `timestamp` columns as people read them; when rows were left out, a
 *     `Rows left out | n` row follows;
 *   - chart: `Time | <unit>` for a time series, `Category | <unit>` otherwise (the unit
 *     capitalised, or "Value"): exceljs cannot draw charts, so a chart is shown as its data table;
 *   - findings: `Severity | Finding | Detail | Evidence (seqs)`, the seqs separated by spaces.
 *
 * Text is written exactly: characters XML cannot carry in a cell (CR, other control characters)
 * use the OOXML `_xHHHH_` escape, as Excel writes them, and a literal `_xHHHH_` is escaped as
 * `_x005F_xHHHH_`.
 */

const BOLD = { bold: true } as const;
const TITLE_FONT = { bold: true, size: 14 } as const;
const KIND_FONT = { italic: true, color: { argb: argb(COLORS.muted) } } as const;
/** Rows between two waits for the output: keeps the zip and the destination in step with the rows. */
const YIELD_EVERY = 512;
/** Rows of a table looked at to size its columns. */
const WIDTH_SAMPLE = 1_000;
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
/** Excel's limit on a sheet name, in UTF-16 code units. */
const SHEET_NAME_MAX = 31;

/**
 * The labels of the "Report" sheet's provenance rows, in order.
 *
 * @example
 * ```ts
 * XLSX_PROVENANCE_LABELS.rootHash; // "Root hash"
 * ```
 */
export const XLSX_PROVENANCE_LABELS = {
  type: "Report type",
  title: "Title",
  generatedAt: "Generated at",
  since: "Period since",
  until: "Period until (exclusive)",
  filter: "Filter",
  auditLevel: "Audit level",
  origin: "Checkpoint origin",
  treeSize: "Tree size",
  rootHash: "Root hash",
  signatureVerified: "Signature verified",
  storeVerified: "Store verified",
  note: "Checkpoint note",
  organisation: "Organisation",
  footer: "Footer",
} as const;

/** Text for an Excel header or footer: `&` doubled (a single one starts a code), one line. */
function headerFooterText(text: string): string {
  return xlsxText(text.replace(/[\r\n]+/g, " ")).replaceAll("&", "&&");
}

/**
 * Every sheet's printed header and footer: the organisation on the left of the header, the
 * footer text on the left of the footer and "Page N of M" on its right (none without branding).
 */
function printHeaderFooter(report: Report): Partial<ExcelJS.HeaderFooter> {
  const b = report.branding;
  if (!b?.organisation && !b?.footer) return {};
  return {
    ...(b.organisation ? { oddHeader: `&L${headerFooterText(b.organisation)}` } : {}),
    oddFooter: `${b.footer ? `&L${headerFooterText(b.footer)}` : ""}&RPage &P of &N`,
  };
}

/** The label of the line under a truncated table. */
export const XLSX_ROWS_LEFT_OUT = "Rows left out";

/** Whether XML cannot carry the UTF-16 unit `code` in a cell as is (CR, other controls, DEL). */
function needsEscape(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0x7f;
}

/** `_xHHHH_`: OOXML's escape of one UTF-16 unit. */
const escapeUnit = (code: number) => `_x${code.toString(16).toUpperCase().padStart(4, "0")}_`;

/** Text as a cell carries it: CR, control characters and literal `_xHHHH_` escaped the OOXML way. */
function xlsxText(text: string): string {
  let escaped = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (needsEscape(code)) escaped += escapeUnit(code);
    else if (code === 0x5f && /^x[0-9A-Fa-f]{4}_/.test(text.slice(i + 1, i + 7))) escaped += escapeUnit(code);
    else escaped += text[i];
  }
  return escaped;
}

/** A model value as an exceljs cell value: numbers and booleans typed, null empty. */
function cellValue(value: Cell | undefined): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return xlsxText(value);
  // A spreadsheet cannot hold NaN or ±Infinity as a number: keep their text.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

/**
 * Sheet names for `sections`, in order: from each title (or id), without `[]:*?/\`, not starting
 * or ending with `'`, at most 31 UTF-16 code units, unique (case-insensitively, as Excel compares
 * them) and never "Report" or Excel's reserved "History".
 *
 * @example
 * ```ts
 * xlsxSheetNames([{ id: "a", title: "Errors: by *host*", blocks: [] }]); // ["Errors by host"]
 * ```
 */
export function xlsxSheetNames(sections: readonly Pick<ReportSection, "id" | "title">[]): string[] {
  const taken = new Set(["report", "history"]);
  return sections.map((section, i) => {
    const clean = (text: string) =>
      text
        .replace(/[[\]:*?/\\]/g, " ")
        .split("")
        .map((c) => (needsEscape(c.charCodeAt(0)) ? " " : c))
        .join("")
        .replace(/\s+/g, " ")
        .trim()
        .replace(/^'+|'+$/g, "")
        .trim();
    const base = clean(section.title) || clean(section.id) || `Section ${i + 1}`;
    for (let n = 1; ; n++) {
      const suffix = n === 1 ? "" : ` (${n})`;
      const name = `${cut(base, SHEET_NAME_MAX - suffix.length).trim()}${suffix}`;
      if (!taken.has(name.toLowerCase())) {
        taken.add(name.toLowerCase());
        return name;
      }
    }
  });
}

/** The first `max` UTF-16 code units of `text`, without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max).replace(/'+$/, "");
}

/** A rough display width of a value, in characters (longest line). */
function widthOf(value: Cell | undefined): number {
  if (value === null || value === undefined) return 0;
  const text = typeof value === "number" ? value.toLocaleString("en-US") : String(value);
  return Math.max(...text.split(/\r\n|\r|\n/).map((line) => [...line].length));
}

/** Column widths of a section sheet: widest content per column, sampled, clamped. */
function columnWidths(section: ReportSection): number[] {
  const widths: number[] = [];
  const see = (column: number, value: Cell | undefined) => {
    widths[column] = Math.max(widths[column] ?? MIN_WIDTH, Math.min(MAX_WIDTH, widthOf(value) + 2));
  };
  see(0, section.title.length > MAX_WIDTH ? "" : section.title);
  for (const block of section.blocks) {
    switch (block.kind) {
      case "figures":
        see(0, "Figure");
        for (const f of block.figures) {
          see(0, f.label);
          see(1, f.value);
          see(2, f.unit ?? "");
        }
        break;
      case "table":
        block.columns.forEach((c, i) => {
          see(i, `${c.label}  `); // room for the autofilter button
          for (const row of block.rows.slice(0, WIDTH_SAMPLE)) see(i, row[c.key]);
        });
        break;
      case "chart":
        for (const p of block.points) {
          see(0, p.label);
          see(1, p.value);
        }
        break;
      case "findings":
        see(0, "Severity");
        for (const f of block.findings) {
          see(1, f.title);
          see(2, f.detail);
          see(3, (f.evidenceSeqs ?? []).join(" "));
        }
        break;
    }
  }
  return Array.from(widths, (w) => w ?? MIN_WIDTH);
}

/** What "no filter" reads as in the "Report" sheet's Filter row. */
export const XLSX_NO_FILTER = "none (every event in the period)";

/**
 * What a block holds, in words, beside its title: "3 figures", "25 rows, 8 columns", "Time series
 * of events, 30 points", "1 finding".
 *
 * @example
 * ```ts
 * xlsxBlockSummary({ kind: "findings", title: "Findings", findings: [finding] }); // "1 finding"
 * ```
 */
export function xlsxBlockSummary(block: ReportBlock): string {
  switch (block.kind) {
    case "figures":
      return counted(block.figures.length, "figure");
    case "table":
      return `${counted(block.rows.length, "row")}, ${counted(block.columns.length, "column")}`;
    case "chart":
      return `${CHART_NAMES[block.chart]}${block.unit ? ` of ${block.unit}` : ""}, ${counted(block.points.length, "point")}`;
    case "findings":
      return counted(block.findings.length, "finding");
  }
}

/** The header of a chart's data: what its labels are, and its unit (capitalised) or "Value". */
export function xlsxChartHeader(block: ChartBlock): [string, string] {
  const unit = block.unit ? block.unit.charAt(0).toUpperCase() + block.unit.slice(1) : "Value";
  return [block.chart === "timeseries" ? "Time" : "Category", unit];
}

/** Writes rows to one worksheet, committing each as it goes; waits for the output now and then. */
class SheetWriter {
  /** The number of the next row (1-based). */
  next = 1;
  private sinceYield = 0;

  constructor(
    private readonly sheet: ExcelJS.Worksheet,
    private readonly drained: (sheet: ExcelJS.Worksheet) => Promise<void>,
  ) {}

  /** Adds and commits a row; `style` applies to each of its cells that has a value. */
  async row(values: readonly ExcelJS.CellValue[], style?: (cell: ExcelJS.Cell, column: number) => void) {
    const row = this.sheet.getRow(this.next++);
    values.forEach((value, i) => {
      if (value === null || value === undefined) return;
      const cell = row.getCell(i + 1);
      cell.value = value;
      style?.(cell, i);
    });
    row.commit();
    if (++this.sinceYield >= YIELD_EVERY) {
      this.sinceYield = 0;
      await this.drained(this.sheet);
    }
  }

  /** Skips a row (left empty). */
  skip(): void {
    this.next++;
  }
}

const bold = (cell: ExcelJS.Cell) => {
  cell.font = BOLD;
};

async function writeBlockTitle(w: SheetWriter, block: ReportBlock) {
  await w.row([xlsxText(block.title), xlsxText(xlsxBlockSummary(block))], (cell, i) => {
    cell.font = i === 0 ? BOLD : KIND_FONT;
  });
}

async function writeFigures(w: SheetWriter, block: FiguresBlock) {
  await writeBlockTitle(w, block);
  await w.row(["Figure", "Value", "Unit"], bold);
  for (const f of block.figures) await w.row([xlsxText(f.label), cellValue(f.value), xlsxText(f.unit ?? "")]);
}

/** Returns the autofilter range of the table's header and rows. */
async function writeTable(w: SheetWriter, block: TableBlock): Promise<string | undefined> {
  await writeBlockTitle(w, block);
  const header = w.next;
  await w.row(
    block.columns.map((c) => xlsxText(c.label)),
    bold,
  );
  for (const row of block.rows) await w.row(block.columns.map((c) => cellValue(row[c.key])));
  const last = w.next - 1;
  if (block.truncated) {
    await w.row([XLSX_ROWS_LEFT_OUT, block.truncated], (cell, i) => {
      if (i === 0) cell.font = { italic: true };
    });
  }
  if (block.columns.length === 0) return undefined;
  const column = columnName(block.columns.length);
  return `A${header}:${column}${last}`;
}

/** The letters of the 1-based column `n` (1 → A, 27 → AA). */
function columnName(n: number): string {
  let name = "";
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) name = String.fromCharCode(65 + ((k - 1) % 26)) + name;
  return name;
}

async function writeChart(w: SheetWriter, block: ChartBlock) {
  // exceljs cannot draw charts (it has no chart parts), so a chart is shown as its data table.
  await writeBlockTitle(w, block);
  await w.row(xlsxChartHeader(block).map(xlsxText), bold);
  for (const p of block.points) await w.row([xlsxText(p.label), cellValue(p.value)]);
}

async function writeFindings(w: SheetWriter, block: FindingsBlock) {
  await writeBlockTitle(w, block);
  await w.row(["Severity", "Finding", "Detail", "Evidence (seqs)"], bold);
  for (const f of block.findings) {
    await w.row(
      [f.severity, xlsxText(f.title), xlsxText(f.detail), (f.evidenceSeqs ?? []).join(" ")],
      (cell) => {
        cell.alignment = { wrapText: true, vertical: "top" };
      },
    );
  }
}

function verification(value: boolean | undefined): string {
  return value === undefined ? "not checked" : value ? "verified" : "NOT verified";
}

async function writeProvenance(w: SheetWriter, report: Report) {
  const p = report.provenance;
  const L = XLSX_PROVENANCE_LABELS;
  const fact = (label: string, value: ExcelJS.CellValue, style?: (cell: ExcelJS.Cell) => void) =>
    w.row([label, value], (cell, i) => (i === 0 ? bold(cell) : style?.(cell)));
  const organisation = report.branding?.organisation;
  await w.row([xlsxText(organisation ? `${organisation} — ${p.title}` : p.title)], (cell) => {
    cell.font = TITLE_FONT;
  });
  w.skip();
  await fact(L.type, xlsxText(p.type));
  await fact(L.title, xlsxText(p.title));
  await fact(L.generatedAt, xlsxText(p.generatedAt));
  await fact(L.since, xlsxText(p.period.since));
  await fact(L.until, xlsxText(p.period.until));
  if (p.filter.length === 0) {
    await fact(L.filter, XLSX_NO_FILTER, (cell) => {
      cell.font = { italic: true };
    });
  }
  for (const expression of p.filter) await fact(L.filter, xlsxText(expression));
  await fact(L.auditLevel, xlsxText(`${p.auditLevel} — ${AUDIT_LEVEL_MEANING}`));
  const c = p.checkpoint;
  await fact(L.origin, xlsxText(c.origin));
  await fact(L.treeSize, c.treeSize, (cell) => {
    cell.numFmt = "0";
  });
  await fact(L.rootHash, xlsxText(c.rootHash));
  await fact(L.signatureVerified, verification(c.signatureVerified));
  await fact(L.storeVerified, verification(c.storeVerified));
  await fact(L.note, xlsxText(c.note), (cell) => {
    cell.alignment = { wrapText: true, vertical: "top" };
  });
  const b = report.branding;
  if (b?.organisation) await fact(L.organisation, xlsxText(b.organisation));
  if (b?.footer) await fact(L.footer, xlsxText(b.footer));
}

async function writeSection(w: SheetWriter, section: ReportSection): Promise<string | undefined> {
  await w.row([xlsxText(section.title)], (cell) => {
    cell.font = TITLE_FONT;
  });
  let filter: string | undefined;
  for (const block of section.blocks) {
    w.skip();
    switch (block.kind) {
      case "figures":
        await writeFigures(w, block);
        break;
      case "table": {
        const range = await writeTable(w, block);
        // A sheet has one autofilter: it goes on the sheet's first table.
        filter ??= range;
        break;
      }
      case "chart":
        await writeChart(w, block);
        break;
      case "findings":
        await writeFindings(w, block);
        break;
    }
  }
  return filter;
}

/** A writable stream as archiver builds it (readable-stream's, not node's: no `writableNeedDrain`). */
interface ZipInput extends EventEmitter {
  readonly writableNeedDrain?: boolean;
  readonly _writableState?: { readonly needDrain?: boolean };
}

/**
 * The stream the zip is reading `sheet`'s XML into, when it is full (the zip has started on the
 * sheet and has fallen behind). exceljs's sheet buffer writes into it without heeding
 * backpressure, so rows would pile up uncompressed in front of the deflater whenever they come
 * faster than it compresses them: waiting for this stream to drain is what keeps a big table flat
 * in memory. It is exceljs's internal `_stream.pipes[0]`; should a later exceljs have no such
 * thing, this returns undefined and rendering only yields between rows.
 */
function fullZipInput(sheet: ExcelJS.Worksheet): ZipInput | undefined {
  const buffer = (sheet as unknown as { _stream?: { pipes?: unknown[] } })._stream;
  const sink = buffer?.pipes?.[0];
  if (!(sink instanceof EventEmitter)) return undefined;
  const input = sink as ZipInput;
  return (input.writableNeedDrain ?? input._writableState?.needDrain) ? input : undefined;
}

let fixedTimeWriter: Promise<typeof ExcelJS.stream.xlsx.WorkbookWriter> | undefined;

/**
 * An exceljs streaming writer whose zip entries all carry the workbook's `created` time, so the
 * same report gives the same bytes (archiver stamps each entry with the current time otherwise).
 * The constructor appends its first entries from `addThemes`, which is why the zip is wrapped there.
 * exceljs is loaded by the first workbook, not by listing the renderers.
 */
function fixedTimeWorkbookWriter(): Promise<typeof ExcelJS.stream.xlsx.WorkbookWriter> {
  fixedTimeWriter ??= import("exceljs").then(
    ({ default: exceljs }) =>
      class FixedTimeWorkbookWriter extends exceljs.stream.xlsx.WorkbookWriter {
        override addThemes(): Promise<void> {
          const self = this as unknown as {
            created: Date;
            zip: { append(source: unknown, data: Record<string, unknown>): unknown };
          };
          const zip = self.zip;
          if (!(zip as { fixedTime?: boolean }).fixedTime) {
            const append = zip.append.bind(zip);
            zip.append = (source, data) => append(source, { ...data, date: self.created });
            (zip as { fixedTime?: boolean }).fixedTime = true;
          }
          return super.addThemes();
        }
      },
  );
  return fixedTimeWriter;
}

/**
 * Renders a report as an XLSX workbook with exceljs's streaming writer: a "Report" sheet with the
 * provenance, then one sheet per section (see the layout above). Rows are committed as they are
 * written and the writer waits for the destination, so a big table does not pile up in memory;
 * the zip entries and document properties carry the report's `generatedAt`, so output is
 * deterministic.
 *
 * @example
 * ```ts
 * await xlsxRenderer.render(report, createWriteStream("report.xlsx"));
 * ```
 */
export const xlsxRenderer: ReportRenderer = {
  format: "xlsx",
  mediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  extension: "xlsx",
  async render(stored: Report, out: Writable): Promise<void> {
    const report = forPeople(stored);
    const time = new Date(report.provenance.generatedAt);
    const when = Number.isNaN(time.getTime()) ? new Date(0) : time;
    const zipped = new PassThrough();
    let failed: Error | undefined;
    const fail = (error: Error) => {
      failed ??= error;
      zipped.destroy(error);
    };
    out.on("error", fail);
    // Forwards the zip to `out` (never ending it), pausing while `out` is full; `lastWrite`
    // settles once `out` has taken the last chunk, which is when `render` may resolve.
    let lastWrite = Promise.resolve();
    const resume = () => zipped.resume();
    zipped.on("data", (chunk: Buffer) => {
      lastWrite = new Promise((resolve) => {
        out.write(chunk, (error) => {
          if (error) fail(error);
          resolve();
        });
      });
      if (out.writableNeedDrain) {
        zipped.pause();
        out.once("drain", resume);
      }
    });
    const done = finished(zipped);
    // Awaited below; this only keeps an early failure from being an unhandled rejection meanwhile.
    done.catch(() => undefined);
    // Waits while the destination is behind, and lets the zip catch up with the rows.
    const drained = async (sheet?: ExcelJS.Worksheet) => {
      if (failed) throw failed;
      await new Promise<void>((resolve) => setImmediate(resolve));
      const full = sheet && fullZipInput(sheet);
      if (full) await once(full, "drain");
      if (zipped.writableNeedDrain) await once(zipped, "drain");
    };
    try {
      const FixedTimeWorkbookWriter = await fixedTimeWorkbookWriter();
      const workbook = new FixedTimeWorkbookWriter({
        stream: zipped,
        useStyles: true,
        useSharedStrings: false,
        created: when,
        modified: when,
        creator: "Sealtrail",
        lastModifiedBy: "Sealtrail",
      } as Partial<ExcelJS.stream.xlsx.WorkbookStreamWriterOptions>);
      const headerFooter = printHeaderFooter(report);
      const provenance = workbook.addWorksheet("Report", { headerFooter });
      provenance.columns = [{ width: 26 }, { width: 72 }, { width: 20 }];
      await writeProvenance(new SheetWriter(provenance, drained), report);
      provenance.commit();
      const names = xlsxSheetNames(report.sections);
      for (const [i, section] of report.sections.entries()) {
        const sheet = workbook.addWorksheet(names[i], { headerFooter });
        sheet.columns = columnWidths(section).map((width) => ({ width }));
        const filter = await writeSection(new SheetWriter(sheet, drained), section);
        if (filter) sheet.autoFilter = filter;
        sheet.commit();
        await drained();
      }
      await workbook.commit();
      await done;
      await lastWrite;
      if (failed) throw failed;
    } finally {
      out.off("error", fail);
      out.off("drain", resume);
    }
  },
};
