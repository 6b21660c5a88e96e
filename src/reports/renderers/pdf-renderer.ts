import { once } from "node:events";
import type { Writable } from "node:stream";
import PDFDocument from "pdfkit";
import type {
  ChartBlock,
  FiguresBlock,
  FindingSeverity,
  FindingsBlock,
  Report,
  ReportBlock,
  TableBlock,
} from "../report-model.js";
import type { ReportRenderer } from "../report-renderer.js";
import { AUDIT_LEVEL_MEANING, cellText } from "./render-output.js";

/**
 * Marks the start of a field's exact text in its ActualText (Unicode private use, never shown).
 * Every value the report shows is drawn inside a marked-content span whose `/ActualText` is
 * `FIELD_START + tag + FIELD_TAG_END + exact value + FIELD_END`: text extraction (copy and
 * paste, screen readers, poppler's `pdftotext`) gets the exact value, even where the glyphs drawn
 * had to replace characters the built-in fonts lack, and a reader can tell fields apart.
 */
export const FIELD_START = "\uE000";
/** Separates a field's tag from its value; see {@link FIELD_START}. */
export const FIELD_TAG_END = "\uE002";
/** Ends a field; see {@link FIELD_START}. */
export const FIELD_END = "\uE001";

/** The characters of Windows-1252 above 0x7f that are not Latin-1 (what Helvetica's WinAnsi encoding adds). */
const WIN_ANSI_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

/**
 * The text to draw for `value` with the built-in Helvetica fonts: line breaks (`\r\n`, `\r`,
 * U+2028, U+2029) become `\n`, tabs a space, and every character outside WinAnsi (emoji, CJK,
 * Greek, Hebrew, combining marks, zero-width and control characters) `?`, since the standard 14
 * fonts have no glyph for them and embedding fonts is out of scope. The exact value is still in
 * the span's ActualText, so nothing is lost to a reader that extracts text.
 *
 * @example
 * ```ts
 * drawableText("Zürich 🎉\r\nok"); // "Zürich ?\nok"
 * ```
 */
export function drawableText(value: string): string {
  let out = "";
  for (const ch of value.replace(/\r\n|[\r\u2028\u2029]/g, "\n")) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\n") out += ch;
    else if (ch === "\t") out += " ";
    else if ((code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch))
      out += ch;
    else out += "?";
  }
  return out;
}

const PAGE_MARGIN = 50;
/** Space kept free at the bottom of each page for the footer. */
const FOOTER_SPACE = 24;
const BODY_SIZE = 9;
const TABLE_SIZE = 7.5;
const CELL_PAD = 3;
const CHART_HEIGHT = 110;
const PALETTE = ["#2f6fb0", "#e07b28", "#3a9a5b", "#c23b3b", "#7d5ab5", "#8c6d3f", "#c2579a", "#6b7b8c"];
const SEVERITY_COLOR: Readonly<Record<FindingSeverity, string>> = {
  critical: "#8b0000",
  high: "#c23b3b",
  medium: "#e07b28",
  low: "#2f6fb0",
  info: "#6b7b8c",
};

type Doc = PDFKit.PDFDocument;

/** Lays the report out page by page; `y` is the cursor. */
class Layout {
  readonly doc: Doc;
  readonly left: number;
  readonly width: number;
  readonly top: number;
  readonly bottom: number;
  y: number;

  constructor(doc: Doc) {
    this.doc = doc;
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
    this.top = doc.page.margins.top;
    this.bottom = doc.page.height - doc.page.margins.bottom - FOOTER_SPACE;
    this.y = this.top;
  }

  /** Starts a new page when `height` does not fit below the cursor; true when it did. */
  ensure(height: number): boolean {
    if (this.y + height <= this.bottom || this.y === this.top) return false;
    this.doc.addPage();
    this.y = this.top;
    return true;
  }

  font(bold: boolean, size: number, color = "#000000"): void {
    this.doc
      .font(bold ? "Helvetica-Bold" : "Helvetica")
      .fontSize(size)
      .fillColor(color);
  }

  /** Height of `value` drawn in `width` with the current font. */
  measure(value: string, width: number): number {
    const shown = drawableText(value);
    return this.doc.heightOfString(shown === "" ? " " : shown, { width });
  }

  /** Draws plain text (not a field) at (x, y). */
  plain(
    value: string,
    x: number,
    y: number,
    width: number,
    align: "left" | "right" | "center" = "left",
  ): void {
    this.doc.text(drawableText(value), x, y, { width, align, lineBreak: true });
  }

  /**
   * Draws a field: `shown` (default: the value) at (x, y), inside a span whose ActualText is the
   * tagged exact value. Returns the height drawn.
   */
  field(tag: string, value: string, x: number, y: number, width: number, shown = value): number {
    const drawn = drawableText(shown);
    this.doc.markContent("Span", { actual: `${FIELD_START}${tag}${FIELD_TAG_END}${value}${FIELD_END}` });
    // At least one glyph, or readers drop the span (an empty value shows as a blank).
    this.doc.text(drawn === "" ? " " : drawn, x, y, { width, lineBreak: true });
    this.doc.endMarkedContent();
    return this.doc.heightOfString(drawn === "" ? " " : drawn, { width });
  }

  /** A label in the left column and a field beside it, wrapped. */
  keyValue(key: string, tag: string, value: string, shown = value, color = "#000000"): void {
    const keyWidth = 110;
    this.font(false, BODY_SIZE);
    const height = Math.max(this.measure(shown, this.width - keyWidth), this.measure(key, keyWidth));
    this.ensure(height);
    this.font(true, BODY_SIZE, "#444444");
    if (key !== "") this.plain(`${key}:`, this.left, this.y, keyWidth - 6);
    this.font(false, BODY_SIZE, color);
    this.field(tag, value, this.left + keyWidth, this.y, this.width - keyWidth, shown);
    this.y += height + 3;
  }

  /** A line of grey plain text (a placeholder like "No rows."). */
  note(value: string): void {
    this.font(false, BODY_SIZE, "#666666");
    const height = this.measure(value, this.width);
    this.ensure(height);
    this.doc.font("Helvetica-Oblique");
    this.plain(value, this.left, this.y, this.width);
    this.y += height + 4;
  }
}

/** The branding's accent colour when it is a valid `#rrggbb`. */
function accentOf(report: Report): string | undefined {
  const color = report.branding?.color;
  return color && /^#[0-9a-fA-F]{6}$/.test(color) ? color : undefined;
}

/** The branding's organisation (left) and PNG or JPEG logo (right), above the title. */
function brand(layout: Layout, report: Report): void {
  const b = report.branding;
  const logoWidth = 120;
  const logoHeight = 40;
  let logoDrawn = false;
  if (b?.logo && (b.logo.mediaType === "image/png" || b.logo.mediaType === "image/jpeg")) {
    try {
      layout.doc.image(
        Buffer.from(b.logo.base64, "base64"),
        layout.left + layout.width - logoWidth,
        layout.y,
        {
          fit: [logoWidth, logoHeight],
          align: "right",
        },
      );
      logoDrawn = true;
    } catch {
      // An image pdfkit cannot read is left out; the organisation still says whose report it is.
    }
  }
  let height = logoDrawn ? logoHeight : 0;
  if (b?.organisation) {
    layout.font(true, 11, accentOf(report) ?? "#333333");
    const width = layout.width - (logoDrawn ? logoWidth + 10 : 0);
    height = Math.max(height, layout.field("organisation", b.organisation, layout.left, layout.y, width));
  }
  if (height > 0) layout.y += height + 8;
}

function provenance(layout: Layout, report: Report): void {
  const p = report.provenance;
  const c = p.checkpoint;
  brand(layout, report);
  layout.font(true, 18, accentOf(report));
  const titleHeight = layout.measure(p.title, layout.width);
  layout.field("title", p.title, layout.left, layout.y, layout.width);
  layout.y += titleHeight + 10;
  layout.keyValue("Type", "type", p.type);
  layout.keyValue("Generated", "generated", p.generatedAt);
  layout.keyValue("Period from", "since", p.period.since);
  layout.keyValue("Period until", "until", p.period.until, `${p.period.until} (excluded)`);
  if (p.filter.length === 0) {
    layout.font(false, BODY_SIZE);
    layout.ensure(12);
    layout.font(true, BODY_SIZE, "#444444");
    layout.plain("Filter:", layout.left, layout.y, 104);
    layout.font(false, BODY_SIZE);
    layout.plain("none (every event in the period)", layout.left + 110, layout.y, layout.width - 110);
    layout.y += layout.measure("x", layout.width) + 3;
  } else {
    p.filter.forEach((expression, i) => {
      layout.keyValue(i === 0 ? "Filter" : "", "filter", expression);
    });
  }
  layout.keyValue("Audit level", "auditLevel", p.auditLevel, `${p.auditLevel} — ${AUDIT_LEVEL_MEANING}`);
  layout.keyValue("Checkpoint origin", "origin", c.origin);
  layout.keyValue("Tree size", "treeSize", cellText(c.treeSize));
  layout.keyValue("Root hash", "rootHash", c.rootHash);
  const signature = c.signatureVerified ? "verified" : "not verified";
  layout.keyValue(
    "Signature",
    "signature",
    signature,
    c.signatureVerified ? "verified" : "NOT VERIFIED",
    c.signatureVerified ? "#1e7a3c" : "#c23b3b",
  );
  const store = c.storeVerified === undefined ? "not checked" : c.storeVerified ? "verified" : "not verified";
  layout.keyValue(
    "Store",
    "store",
    store,
    store === "not verified" ? "NOT VERIFIED" : store,
    store === "verified" ? "#1e7a3c" : store === "not verified" ? "#c23b3b" : "#666666",
  );
  layout.keyValue("Checkpoint note", "note", c.note, c.note.replace(/\n$/, ""));
  layout.y += 6;
}

function blockTitle(layout: Layout, kind: ReportBlock["kind"], title: string, following: number): void {
  layout.font(true, 11);
  const height = layout.measure(title, layout.width);
  layout.ensure(height + following);
  layout.field(kind, title, layout.left, layout.y, layout.width);
  layout.y += height + 5;
}

function figures(layout: Layout, block: FiguresBlock): void {
  blockTitle(layout, "figures", block.title, 30);
  if (block.figures.length === 0) {
    layout.note("No figures.");
    return;
  }
  const perRow = 3;
  const gap = 8;
  const boxWidth = (layout.width - gap * (perRow - 1)) / perRow;
  for (let start = 0; start < block.figures.length; start += perRow) {
    const row = block.figures.slice(start, start + perRow);
    const heights = row.map((f) => {
      layout.font(false, 7.5);
      const label = layout.measure(f.label, boxWidth - 8);
      layout.font(true, 13);
      const value = layout.measure(cellText(f.value), boxWidth - 8);
      layout.font(false, 8);
      const unit = f.unit ? layout.measure(f.unit, boxWidth - 8) : 0;
      return { label, value, unit };
    });
    const height = Math.max(...heights.map((h) => h.label + h.value + h.unit)) + 12;
    layout.ensure(height);
    row.forEach((f, i) => {
      const h = heights[i] ?? { label: 0, value: 0, unit: 0 };
      const x = layout.left + i * (boxWidth + gap);
      layout.doc.rect(x, layout.y, boxWidth, height).fillAndStroke("#f3f5f8", "#d0d5dc");
      layout.font(false, 7.5, "#555555");
      layout.field("figure.label", f.label, x + 4, layout.y + 4, boxWidth - 8);
      layout.font(true, 13);
      layout.field("figure.value", cellText(f.value), x + 4, layout.y + 6 + h.label, boxWidth - 8);
      if (f.unit) {
        layout.font(false, 8, "#555555");
        layout.field("figure.unit", f.unit, x + 4, layout.y + 6 + h.label + h.value, boxWidth - 8);
      }
    });
    layout.y += height + gap;
  }
}

/** Column widths: shares of the page width by the (capped) length of their longest text. */
function columnWidths(block: TableBlock, total: number): number[] {
  const sample = block.rows.slice(0, 200);
  const weights = block.columns.map((c) => {
    const longest = Math.max(
      c.label.length,
      ...sample.map((r) =>
        Math.max(
          ...cellText(r[c.key])
            .split("\n")
            .map((line) => line.length),
        ),
      ),
    );
    return Math.min(Math.max(longest, 9), 30) + 3;
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (total * w) / sum);
}

function table(layout: Layout, block: TableBlock): void {
  blockTitle(layout, "table", block.title, 30);
  if (block.columns.length === 0) {
    layout.note("No columns.");
    if ((block.truncated ?? 0) > 0) truncatedNote(layout, block.truncated ?? 0);
    return;
  }
  const widths = columnWidths(block, layout.width);
  const xs = widths.map((_, i) => layout.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const cellHeight = (values: readonly string[], bold: boolean): number => {
    layout.font(bold, TABLE_SIZE);
    return (
      Math.max(...values.map((v, i) => layout.measure(v, (widths[i] ?? 0) - 2 * CELL_PAD))) + 2 * CELL_PAD
    );
  };
  const labels = block.columns.map((c) => c.label);
  const headerHeight = cellHeight(labels, true);
  const header = (tag: "col" | "col.repeat") => {
    layout.doc.rect(layout.left, layout.y, layout.width, headerHeight).fill("#dde3ea");
    layout.font(true, TABLE_SIZE);
    labels.forEach((label, i) => {
      layout.field(tag, label, (xs[i] ?? 0) + CELL_PAD, layout.y + CELL_PAD, (widths[i] ?? 0) - 2 * CELL_PAD);
    });
    layout.y += headerHeight;
  };
  // The header never sits alone at the foot of a page.
  const first = block.rows[0];
  layout.ensure(
    headerHeight +
      (first
        ? cellHeight(
            block.columns.map((c) => cellText(first[c.key])),
            false,
          )
        : 0),
  );
  header("col");
  block.rows.forEach((row, r) => {
    const values = block.columns.map((c) => cellText(row[c.key]));
    const height = cellHeight(values, false);
    if (layout.ensure(height)) header("col.repeat");
    if (r % 2 === 1) layout.doc.rect(layout.left, layout.y, layout.width, height).fill("#f5f7f9");
    layout.font(false, TABLE_SIZE);
    values.forEach((value, i) => {
      layout.field(
        "cell",
        value,
        (xs[i] ?? 0) + CELL_PAD,
        layout.y + CELL_PAD,
        (widths[i] ?? 0) - 2 * CELL_PAD,
      );
    });
    layout.doc
      .moveTo(layout.left, layout.y + height)
      .lineTo(layout.left + layout.width, layout.y + height)
      .lineWidth(0.3)
      .stroke("#c0c6ce");
    layout.y += height;
  });
  layout.y += 4;
  if (block.rows.length === 0) layout.note("No rows.");
  if ((block.truncated ?? 0) > 0) truncatedNote(layout, block.truncated ?? 0);
}

function truncatedNote(layout: Layout, count: number): void {
  layout.font(false, BODY_SIZE, "#666666");
  layout.ensure(12);
  const shown = `${count} more ${count === 1 ? "row" : "rows"} left out.`;
  layout.y += layout.field("truncated", String(count), layout.left, layout.y, layout.width, shown) + 4;
}

const CHART_NAMES: Readonly<Record<ChartBlock["chart"], string>> = {
  timeseries: "Time series",
  bar: "Bar chart",
  breakdown: "Breakdown",
};

function axisLabel(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function timeseries(layout: Layout, block: ChartBlock, top: number): void {
  const doc = layout.doc;
  const axisX = layout.left + 50;
  const plotWidth = layout.width - 60;
  const bottom = top + CHART_HEIGHT - 14;
  const values = block.points.map((p) => p.value);
  const min = Math.min(0, ...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  doc
    .lineWidth(0.8)
    .moveTo(axisX, top)
    .lineTo(axisX, bottom)
    .lineTo(axisX + plotWidth, bottom)
    .stroke("#333333");
  layout.font(false, 6.5, "#555555");
  layout.plain(axisLabel(max), layout.left, top - 3, 46, "right");
  layout.plain(axisLabel(min), layout.left, bottom - 4, 46, "right");
  const first = block.points[0]?.label ?? "";
  const last = block.points.at(-1)?.label ?? "";
  layout.plain(first, axisX, bottom + 3, plotWidth / 2);
  if (block.points.length > 1) layout.plain(last, axisX + plotWidth / 2, bottom + 3, plotWidth / 2, "right");
  const step = block.points.length > 1 ? plotWidth / (block.points.length - 1) : 0;
  const at = (i: number, v: number): [number, number] => [
    axisX + (block.points.length > 1 ? i * step : plotWidth / 2),
    bottom - ((v - min) / span) * (bottom - top),
  ];
  values.forEach((v, i) => {
    const [x, y] = at(i, v);
    if (i === 0) doc.moveTo(x, y);
    else doc.lineTo(x, y);
  });
  if (values.length > 1) doc.lineWidth(1.2).stroke(PALETTE[0] ?? "#000000");
  values.forEach((v, i) => {
    const [x, y] = at(i, v);
    doc.circle(x, y, 1.8).fill(PALETTE[0] ?? "#000000");
  });
}

function bars(layout: Layout, block: ChartBlock, top: number): void {
  const doc = layout.doc;
  const labelWidth = 110;
  const rowHeight = Math.min(16, (CHART_HEIGHT - 4) / block.points.length);
  const plotX = layout.left + labelWidth + 4;
  const plotWidth = layout.width - labelWidth - 60;
  const values = block.points.map((p) => p.value);
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  const span = max - min || 1;
  const zeroX = plotX + ((0 - min) / span) * plotWidth;
  block.points.forEach((p, i) => {
    const y = top + i * rowHeight;
    layout.font(false, Math.min(7.5, rowHeight - 2), "#333333");
    doc.text(drawableText(p.label), layout.left, y + 1, {
      width: labelWidth,
      height: rowHeight,
      ellipsis: true,
      lineBreak: false,
    });
    const end = plotX + ((p.value - min) / span) * plotWidth;
    const x = Math.min(zeroX, end);
    const w = Math.abs(end - zeroX);
    if (w > 0) doc.rect(x, y + 1, w, rowHeight - 3).fill(PALETTE[i % PALETTE.length] ?? "#000000");
    layout.font(false, Math.min(7.5, rowHeight - 2), "#333333");
    doc.text(axisLabel(p.value), Math.max(x + w, zeroX) + 3, y + 1, { width: 55, lineBreak: false });
  });
  doc
    .lineWidth(0.8)
    .moveTo(zeroX, top)
    .lineTo(zeroX, top + block.points.length * rowHeight)
    .stroke("#333333");
}

function breakdown(layout: Layout, block: ChartBlock, top: number): void {
  const doc = layout.doc;
  // Parts of a whole: only positive parts take space; percentages are of the positive total.
  const total = block.points.reduce((sum, p) => sum + Math.max(0, p.value), 0);
  let x = layout.left;
  block.points.forEach((p, i) => {
    const w = total > 0 ? (Math.max(0, p.value) / total) * layout.width : 0;
    if (w > 0) doc.rect(x, top, w, 22).fill(PALETTE[i % PALETTE.length] ?? "#000000");
    x += w;
  });
  doc.lineWidth(0.5).rect(layout.left, top, layout.width, 22).stroke("#333333");
  const perRow = 3;
  const legendWidth = layout.width / perRow;
  block.points.forEach((p, i) => {
    const lx = layout.left + (i % perRow) * legendWidth;
    const ly = top + 30 + Math.floor(i / perRow) * 12;
    doc.rect(lx, ly, 8, 8).fill(PALETTE[i % PALETTE.length] ?? "#000000");
    const share = total > 0 && p.value > 0 ? `${((p.value / total) * 100).toFixed(1)} %` : "0.0 %";
    layout.font(false, 7.5, "#333333");
    doc.text(`${drawableText(p.label)} (${share})`, lx + 11, ly, {
      width: legendWidth - 14,
      height: 10,
      ellipsis: true,
      lineBreak: false,
    });
  });
}

function chartHeight(block: ChartBlock): number {
  if (block.chart !== "breakdown") return CHART_HEIGHT;
  return 34 + Math.ceil(block.points.length / 3) * 12;
}

function chart(layout: Layout, block: ChartBlock): void {
  blockTitle(layout, "chart", block.title, 16 + (block.points.length > 0 ? chartHeight(block) : 0));
  layout.font(false, 8, "#555555");
  const kindWidth = layout.doc.widthOfString(`${CHART_NAMES[block.chart]} `);
  layout.field("chart.kind", block.chart, layout.left, layout.y, kindWidth + 2, CHART_NAMES[block.chart]);
  layout.field(
    "chart.unit",
    block.unit,
    layout.left + kindWidth + 4,
    layout.y,
    layout.width - kindWidth - 4,
    block.unit ? `(${block.unit})` : "",
  );
  layout.y += 14;
  if (block.points.length === 0) {
    layout.note("No data points.");
    return;
  }
  const top = layout.y + 4;
  if (block.chart === "timeseries") timeseries(layout, block, top);
  else if (block.chart === "bar") bars(layout, block, top);
  else breakdown(layout, block, top);
  layout.y = top + chartHeight(block) + 6;
  // The data, as text under the chart: label and value per line.
  const labelWidth = layout.width * 0.6;
  for (const p of block.points) {
    layout.font(false, 7.5);
    const height = Math.max(
      layout.measure(p.label, labelWidth - 4),
      layout.measure(cellText(p.value), layout.width - labelWidth),
    );
    layout.ensure(height);
    layout.font(false, 7.5, "#333333");
    layout.field("point.label", p.label, layout.left, layout.y, labelWidth - 4);
    layout.field(
      "point.value",
      cellText(p.value),
      layout.left + labelWidth,
      layout.y,
      layout.width - labelWidth,
      block.unit ? `${cellText(p.value)} ${block.unit}` : cellText(p.value),
    );
    layout.y += height + 1;
  }
  layout.y += 6;
}

function findings(layout: Layout, block: FindingsBlock): void {
  blockTitle(layout, "findings", block.title, 30);
  if (block.findings.length === 0) {
    layout.note("No findings.");
    return;
  }
  const badgeWidth = 52;
  const bodyX = layout.left + badgeWidth + 8;
  const bodyWidth = layout.width - badgeWidth - 8;
  for (const f of block.findings) {
    const evidence = (f.evidenceSeqs ?? []).join(", ");
    layout.font(true, BODY_SIZE);
    const titleHeight = layout.measure(f.title, bodyWidth);
    layout.font(false, BODY_SIZE);
    const detailHeight = layout.measure(f.detail, bodyWidth);
    layout.font(false, 7.5);
    const evidenceHeight = layout.measure(`Evidence: seq ${evidence}`, bodyWidth);
    layout.ensure(titleHeight + detailHeight + evidenceHeight + 8);
    const color = SEVERITY_COLOR[f.severity];
    layout.doc.roundedRect(layout.left, layout.y, badgeWidth, 13, 2).fill(color);
    layout.font(true, 7, "#ffffff");
    layout.field(
      "finding.severity",
      f.severity,
      layout.left + 2,
      layout.y + 3.5,
      badgeWidth - 4,
      f.severity.toUpperCase(),
    );
    layout.font(true, BODY_SIZE);
    layout.field("finding.title", f.title, bodyX, layout.y + 2, bodyWidth);
    layout.y += Math.max(titleHeight + 2, 13) + 2;
    layout.font(false, BODY_SIZE);
    layout.field("finding.detail", f.detail, bodyX, layout.y, bodyWidth);
    layout.y += detailHeight + 2;
    layout.font(false, 7.5, "#555555");
    layout.field(
      "finding.evidence",
      evidence,
      bodyX,
      layout.y,
      bodyWidth,
      evidence === "" ? "Evidence: none given" : `Evidence: seq ${evidence}`,
    );
    layout.y += evidenceHeight + 8;
  }
}

function block(layout: Layout, b: ReportBlock): void {
  switch (b.kind) {
    case "figures":
      figures(layout, b);
      return;
    case "table":
      table(layout, b);
      return;
    case "chart":
      chart(layout, b);
      return;
    case "findings":
      findings(layout, b);
      return;
  }
}

/** Lays out the whole report into `doc` (pages buffered), then writes the page footers. */
function layoutReport(doc: Doc, report: Report): void {
  const layout = new Layout(doc);
  const accent = accentOf(report);
  provenance(layout, report);
  for (const section of report.sections) {
    layout.font(true, 14, accent);
    const height = layout.measure(section.title, layout.width);
    layout.ensure(height + 40);
    layout.y += 6;
    layout.field("section", section.title, layout.left, layout.y, layout.width);
    layout.y += height + 2;
    doc
      .moveTo(layout.left, layout.y)
      .lineTo(layout.left + layout.width, layout.y)
      .lineWidth(0.8)
      .stroke(accent ?? "#2f6fb0");
    layout.y += 6;
    if (section.blocks.length === 0) layout.note("Nothing in this section.");
    for (const b of section.blocks) {
      block(layout, b);
      layout.y += 6;
    }
  }
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin: lift the margin while writing it, or pdfkit would
    // start another page.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    layout.font(false, 8, "#666666");
    const footer = report.branding?.footer;
    const y = doc.page.height - margin + 14;
    if (footer) {
      // The footer text on the left, one line, the page number on the right.
      const shown = drawableText(footer).replace(/\n/g, " ");
      doc.markContent("Span", { actual: `${FIELD_START}footer${FIELD_TAG_END}${footer}${FIELD_END}` });
      doc.text(shown === "" ? " " : shown, layout.left, y, {
        width: layout.width - 90,
        lineBreak: false,
        ellipsis: true,
        height: 10,
      });
      doc.endMarkedContent();
      doc.text(`Page ${i + 1} of ${range.count}`, layout.left + layout.width - 90, y, {
        width: 90,
        align: "right",
        lineBreak: false,
      });
    } else {
      doc.text(`Page ${i + 1} of ${range.count}`, layout.left, y, {
        width: layout.width,
        align: "center",
        lineBreak: false,
      });
    }
    doc.page.margins.bottom = margin;
  }
}

/**
 * Renders a report as an A4 PDF with pdfkit and the built-in Helvetica fonts: the title and the
 * provenance, each section with its blocks (figures as boxes, tables with a repeated header row
 * and wrapped cells, charts as vector graphics with their data as text, findings with severity
 * badges and evidence seqs), and "Page N of M" in every footer. Branding: the organisation and a
 * PNG or JPEG logo above the title, the accent colour on the title, section headings and rules,
 * and the footer text on every page beside the page number. Output is deterministic: the
 * document's creation date is the report's `generatedAt` (pdfkit derives the file ID from it).
 * Every value is also in its span's ActualText, exactly (see {@link FIELD_START}).
 *
 * @example
 * ```ts
 * const out = createWriteStream("report.pdf");
 * await pdfRenderer.render(report, out);
 * out.end();
 * ```
 */
export const pdfRenderer: ReportRenderer = {
  format: "pdf",
  mediaType: "application/pdf",
  extension: "pdf",
  async render(report: Report, out: Writable): Promise<void> {
    const created = new Date(report.provenance.generatedAt);
    const doc = new PDFDocument({
      size: "A4",
      margins: { top: PAGE_MARGIN, bottom: PAGE_MARGIN, left: PAGE_MARGIN, right: PAGE_MARGIN },
      bufferPages: true,
      autoFirstPage: true,
      info: {
        Title: report.provenance.title,
        Subject: `Sealtrail ${report.provenance.type} report`,
        Producer: "Sealtrail",
        Creator: "Sealtrail",
        CreationDate: Number.isNaN(created.getTime()) ? new Date(0) : created,
      },
    });
    layoutReport(doc, report);
    doc.end();
    // Hand pdfkit's output to `out` chunk by chunk, waiting when it is full; never end it.
    for await (const chunk of doc as AsyncIterable<Buffer>) {
      if (out.destroyed) throw new Error("pdf: the destination was destroyed");
      if (!out.write(chunk)) await once(out, "drain");
    }
  },
};
