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

/** The characters of Windows-1252 above 0x7f that are not Latin-1 (what Helvetica's WinAnsi encoding adds). */
const WIN_ANSI_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

/**
 * The text to draw for `value` with the built-in Helvetica fonts: line breaks (`\r\n`, `\r`,
 * U+2028, U+2029) become `\n`, tabs a space, and every character outside WinAnsi (emoji, CJK,
 * Greek, Hebrew, combining marks, zero-width and control characters) `?`, since the standard 14
 * fonts have no glyph for them and embedding fonts is out of scope. The exact value is still in
 * the ActualText of the text's marked content, so nothing is lost to a reader that extracts text.
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

/**
 * `text` cut into lines, each with the line breaks that end it (a line with nothing to draw joins
 * the next): drawn one by one, so that a reader places each line's ActualText on that line.
 *
 * @example
 * ```ts
 * linesOf("a\r\n\nb\n"); // ["a\r\n\n", "b\n"]
 * ```
 */
export function linesOf(text: string): string[] {
  const lines: string[] = [];
  let lead = "";
  for (const piece of text.match(/[^\r\n\u2028\u2029]*(?:\r\n|[\r\n\u2028\u2029])*/g) ?? []) {
    if (piece === "") continue;
    if (/^[\r\n\u2028\u2029]*$/.test(piece)) lead += piece;
    else {
      lines.push(lead + piece);
      lead = "";
    }
  }
  if (lead !== "") lines.push(lead);
  return lines;
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
type Struct = PDFKit.PDFStructureElement;

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

  /** Draws plain text at (x, y), outside any marked content (call inside a Figure or an Artifact). */
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
   * Draws `text` at (x, y) as the content of a new `type` structure element under `parent`, a
   * marked-content sequence per line. Where a line's glyphs are not its text (characters the fonts
   * lack, the line breaks that end it other than a single "\n") or it wraps, its ActualText is the
   * exact text, so text extraction gets the text whole, each line where it is drawn. An empty text draws nothing: the
   * element stays, empty. Returns the height drawn.
   */
  field(
    parent: Struct,
    type: string,
    text: string,
    x: number,
    y: number,
    width: number,
    align: "left" | "right" | "center" = "left",
  ): number {
    const element = this.doc.struct(type);
    parent.add(element);
    const lineHeight = this.doc.currentLineHeight(true);
    let top = y;
    const lines = linesOf(text);
    lines.forEach((line, i) => {
      // Text extraction ends each line with a line break of its own: a line ended by one "\n" (and
      // not the last line, after which extraction may put a space) leaves it out.
      const said = i < lines.length - 1 && /[^\r\n\u2028\u2029]\n$/.test(line) ? line.slice(0, -1) : line;
      const glyphs = drawableText(line);
      const drawn = glyphs.replace(/\n+$/, "");
      const height = this.doc.heightOfString(drawn, { width });
      // ActualText only where the glyphs are not the text: characters replaced, line breaks other
      // than the single "\n" extraction puts at the end of the line anyway, a word broken. (A line
      // has no line break inside, so a reader can tell that one inside its extracted text is a
      // wrap between words.)
      // A text taller than the page goes on on the next (a page break inside marked content or
      // pdfkit's text would leave both unbalanced).
      if (top > y && top + Math.min(height, lineHeight) > this.doc.page.maxY()) {
        this.doc.addPage();
        top = this.top;
      }
      // A word wider than the line is broken inside: ActualText keeps it whole.
      const broken = drawn.split(/\s+/).some((word) => this.doc.widthOfString(word) > width);
      const actual = drawn !== said || broken;
      const content = this.withActualText(
        actual,
        () => this.doc.markStructureContent("Span", actual ? { actual: said } : {}),
        () => this.doc.text(drawn, x, top, { width, align, lineBreak: true }),
      );
      element.add(content);
      // The line breaks after the first end empty lines.
      top = this.doc.y + Math.max(0, glyphs.length - drawn.length - 1) * lineHeight;
    });
    element.end();
    return Math.max(0, top - y);
  }

  /**
   * Opens marked content with `open`, runs `draw` in it and closes it. When it has ActualText
   * (`actual`), it is opened and closed in pdfkit's text coordinates (y up): readers like poppler
   * place the ActualText where the coordinates in effect at its end say, and pdfkit draws text in
   * coordinates of its own, flipped inside the text's own q/Q.
   */
  withActualText<T>(actual: boolean, open: () => T, draw: () => void): T {
    const flip = (): void => {
      this.doc.transform(1, 0, 0, -1, 0, this.doc.page.height);
    };
    if (actual) {
      this.doc.save();
      flip();
    }
    const opened = open();
    if (actual) {
      this.doc.save();
      flip();
    }
    draw();
    if (actual) this.doc.restore();
    this.doc.endMarkedContent();
    if (actual) this.doc.restore();
    return opened;
  }

  /** Draws `draw` as page furniture (an Artifact: not in the structure tree). */
  artifact(draw: () => void): void {
    this.doc.markContent("Artifact");
    draw();
    this.doc.endMarkedContent();
  }

  /** A row of `rows` (the provenance Table): the key in a TH, `shown` in a TD. */
  keyValue(rows: Struct, key: string, shown: string, color = "#000000"): void {
    const keyWidth = 110;
    this.font(false, BODY_SIZE);
    const height = Math.max(this.measure(shown, this.width - keyWidth), this.measure(key, keyWidth));
    this.ensure(height);
    const row = this.doc.struct("TR");
    rows.add(row);
    this.font(true, BODY_SIZE, "#444444");
    this.field(row, "TH", key === "" ? "" : `${key}:`, this.left, this.y, keyWidth - 6);
    this.font(false, BODY_SIZE, color);
    this.field(row, "TD", shown, this.left + keyWidth, this.y, this.width - keyWidth);
    row.end();
    this.y += height + 3;
  }

  /** A paragraph of grey text under `parent` (a placeholder like "No rows."). */
  note(parent: Struct, value: string): void {
    this.font(false, BODY_SIZE, "#666666");
    const height = this.measure(value, this.width);
    this.ensure(height);
    this.doc.font("Helvetica-Oblique");
    this.field(parent, "P", value, this.left, this.y, this.width);
    this.y += height + 4;
  }
}

/** The branding's accent colour when it is a valid `#rrggbb`. */
function accentOf(report: Report): string | undefined {
  const color = report.branding?.color;
  return color && /^#[0-9a-fA-F]{6}$/.test(color) ? color : undefined;
}

/** The branding's organisation (left, a P) and PNG or JPEG logo (right, an Artifact), above the title. */
function brand(layout: Layout, root: Struct, report: Report): void {
  const b = report.branding;
  const logoWidth = 120;
  const logoHeight = 40;
  let logoDrawn = false;
  if (b?.logo && (b.logo.mediaType === "image/png" || b.logo.mediaType === "image/jpeg")) {
    const logo = b.logo;
    try {
      layout.artifact(() =>
        layout.doc.image(
          Buffer.from(logo.base64, "base64"),
          layout.left + layout.width - logoWidth,
          layout.y,
          {
            fit: [logoWidth, logoHeight],
            align: "right",
          },
        ),
      );
      logoDrawn = true;
    } catch {
      // An image pdfkit cannot read is left out; the organisation still says whose report it is.
      layout.doc.endMarkedContent();
    }
  }
  let height = logoDrawn ? logoHeight : 0;
  if (b?.organisation) {
    layout.font(true, 11, accentOf(report) ?? "#333333");
    const width = layout.width - (logoDrawn ? logoWidth + 10 : 0);
    height = Math.max(height, layout.field(root, "P", b.organisation, layout.left, layout.y, width));
  }
  if (height > 0) layout.y += height + 8;
}

/** The title (H1) and the provenance, a Table of key (TH) and value (TD) rows. */
function provenance(layout: Layout, root: Struct, report: Report): void {
  const p = report.provenance;
  const c = p.checkpoint;
  brand(layout, root, report);
  layout.font(true, 18, accentOf(report));
  const titleHeight = layout.measure(p.title, layout.width);
  layout.field(root, "H1", p.title, layout.left, layout.y, layout.width);
  layout.y += titleHeight + 10;
  const rows = layout.doc.struct("Table");
  root.add(rows);
  layout.keyValue(rows, "Type", p.type);
  layout.keyValue(rows, "Generated", p.generatedAt);
  layout.keyValue(rows, "Period from", p.period.since);
  layout.keyValue(rows, "Period until", `${p.period.until} (excluded)`);
  if (p.filter.length === 0) layout.keyValue(rows, "Filter", "none (every event in the period)");
  p.filter.forEach((expression, i) => {
    layout.keyValue(rows, i === 0 ? "Filter" : "", expression);
  });
  layout.keyValue(rows, "Audit level", `${p.auditLevel} — ${AUDIT_LEVEL_MEANING}`);
  layout.keyValue(rows, "Checkpoint origin", c.origin);
  layout.keyValue(rows, "Tree size", cellText(c.treeSize));
  layout.keyValue(rows, "Root hash", c.rootHash);
  const signature = c.signatureVerified ? "verified" : "NOT VERIFIED";
  layout.keyValue(rows, "Signature", signature, c.signatureVerified ? "#1e7a3c" : "#c23b3b");
  const store = c.storeVerified === undefined ? "not checked" : c.storeVerified ? "verified" : "NOT VERIFIED";
  layout.keyValue(
    rows,
    "Store",
    store,
    store === "verified" ? "#1e7a3c" : store === "NOT VERIFIED" ? "#c23b3b" : "#666666",
  );
  layout.keyValue(rows, "Checkpoint note", c.note);
  rows.end();
  layout.y += 6;
}

/** The block's title, an H3 under `parent`, kept on a page with `following` points of what follows. */
function blockTitle(layout: Layout, parent: Struct, title: string, following: number): void {
  layout.font(true, 11);
  const height = layout.measure(title, layout.width);
  layout.ensure(height + following);
  layout.field(parent, "H3", title, layout.left, layout.y, layout.width);
  layout.y += height + 5;
}

/** Figures as boxes; tagged as a Table with a row per figure: label (TH), value (TD), unit (TD). */
function figures(layout: Layout, parent: Struct, block: FiguresBlock): void {
  blockTitle(layout, parent, block.title, 30);
  const list = layout.doc.struct("Table");
  parent.add(list);
  if (block.figures.length === 0) {
    list.end();
    layout.note(parent, "No figures.");
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
      layout.artifact(() =>
        layout.doc.rect(x, layout.y, boxWidth, height).fillAndStroke("#f3f5f8", "#d0d5dc"),
      );
      const tr = layout.doc.struct("TR");
      list.add(tr);
      layout.font(false, 7.5, "#555555");
      layout.field(tr, "TH", f.label, x + 4, layout.y + 4, boxWidth - 8);
      layout.font(true, 13);
      layout.field(tr, "TD", cellText(f.value), x + 4, layout.y + 6 + h.label, boxWidth - 8);
      if (f.unit) {
        layout.font(false, 8, "#555555");
        layout.field(tr, "TD", f.unit, x + 4, layout.y + 6 + h.label + h.value, boxWidth - 8);
      }
      tr.end();
    });
    layout.y += height + gap;
  }
  list.end();
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

/**
 * A table: a Table whose first row holds the column labels (TH) and each other row a report
 * row's cells (TD). On each page it runs on to, the header row is drawn again, as another row of
 * THs.
 */
function table(layout: Layout, parent: Struct, block: TableBlock): void {
  blockTitle(layout, parent, block.title, 30);
  if (block.columns.length === 0) {
    layout.note(parent, "No columns.");
    if ((block.truncated ?? 0) > 0) truncatedNote(layout, parent, block.truncated ?? 0);
    return;
  }
  const grid = layout.doc.struct("Table");
  parent.add(grid);
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
  const header = () => {
    const top = layout.y;
    layout.artifact(() => layout.doc.rect(layout.left, top, layout.width, headerHeight).fill("#dde3ea"));
    const tr = layout.doc.struct("TR");
    grid.add(tr);
    layout.font(true, TABLE_SIZE);
    labels.forEach((label, i) => {
      layout.field(
        tr,
        "TH",
        label,
        (xs[i] ?? 0) + CELL_PAD,
        layout.y + CELL_PAD,
        (widths[i] ?? 0) - 2 * CELL_PAD,
      );
    });
    tr.end();
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
  header();
  block.rows.forEach((row, r) => {
    const values = block.columns.map((c) => cellText(row[c.key]));
    const height = cellHeight(values, false);
    if (layout.ensure(height)) header();
    const top = layout.y;
    if (r % 2 === 1)
      layout.artifact(() => layout.doc.rect(layout.left, top, layout.width, height).fill("#f5f7f9"));
    const tr = layout.doc.struct("TR");
    grid.add(tr);
    layout.font(false, TABLE_SIZE);
    values.forEach((value, i) => {
      layout.field(
        tr,
        "TD",
        value,
        (xs[i] ?? 0) + CELL_PAD,
        layout.y + CELL_PAD,
        (widths[i] ?? 0) - 2 * CELL_PAD,
      );
    });
    tr.end();
    layout.artifact(() =>
      layout.doc
        .moveTo(layout.left, top + height)
        .lineTo(layout.left + layout.width, top + height)
        .lineWidth(0.3)
        .stroke("#c0c6ce"),
    );
    layout.y += height;
  });
  grid.end();
  layout.y += 4;
  if (block.rows.length === 0) layout.note(parent, "No rows.");
  if ((block.truncated ?? 0) > 0) truncatedNote(layout, parent, block.truncated ?? 0);
}

function truncatedNote(layout: Layout, parent: Struct, count: number): void {
  layout.font(false, BODY_SIZE, "#666666");
  layout.ensure(12);
  const shown = `${count} more ${count === 1 ? "row" : "rows"} left out.`;
  layout.y += layout.field(parent, "P", shown, layout.left, layout.y, layout.width) + 4;
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

/** The alternative text of a chart: its kind, title and data, e.g. "Bar chart: Events by action: …". */
export function chartAlt(block: ChartBlock): string {
  const unit = block.unit ? ` ${block.unit}` : "";
  const shown = block.points.slice(0, 100).map((p) => `${p.label} ${cellText(p.value)}${unit}`);
  const more = block.points.length > shown.length ? `, and ${block.points.length - shown.length} more` : "";
  const data = shown.length === 0 ? "no data points" : `${shown.join(", ")}${more}`;
  return `${CHART_NAMES[block.chart]}: ${block.title}: ${data}`;
}

/**
 * A chart: its kind and unit (a P), the drawing (a Figure, with {@link chartAlt} as its
 * alternative text) and its data as text (a Table of label and value rows).
 */
function chart(layout: Layout, parent: Struct, block: ChartBlock): void {
  blockTitle(layout, parent, block.title, 16 + (block.points.length > 0 ? chartHeight(block) : 0));
  layout.font(false, 8, "#555555");
  const kind = `${CHART_NAMES[block.chart]}${block.unit ? ` (${block.unit})` : ""}`;
  layout.field(parent, "P", kind, layout.left, layout.y, layout.width);
  layout.y += 14;
  if (block.points.length === 0) {
    layout.note(parent, "No data points.");
    return;
  }
  const top = layout.y + 4;
  const figure = layout.doc.struct("Figure", { alt: chartAlt(block) });
  parent.add(figure);
  const content = layout.doc.markStructureContent("Figure");
  if (block.chart === "timeseries") timeseries(layout, block, top);
  else if (block.chart === "bar") bars(layout, block, top);
  else breakdown(layout, block, top);
  layout.doc.endMarkedContent();
  figure.add(content);
  figure.end();
  layout.y = top + chartHeight(block) + 6;
  // The data, as text under the chart: label and value per line.
  const data = layout.doc.struct("Table");
  parent.add(data);
  const labelWidth = layout.width * 0.6;
  for (const p of block.points) {
    const value = block.unit ? `${cellText(p.value)} ${block.unit}` : cellText(p.value);
    layout.font(false, 7.5);
    const height = Math.max(
      layout.measure(p.label, labelWidth - 4),
      layout.measure(value, layout.width - labelWidth),
    );
    layout.ensure(height);
    layout.font(false, 7.5, "#333333");
    const tr = layout.doc.struct("TR");
    data.add(tr);
    layout.field(tr, "TD", p.label, layout.left, layout.y, labelWidth - 4);
    layout.field(tr, "TD", value, layout.left + labelWidth, layout.y, layout.width - labelWidth);
    tr.end();
    layout.y += height + 1;
  }
  data.end();
  layout.y += 6;
}

/**
 * Findings: a list (L) with an item (LI) per finding: the severity badge (Lbl) and a body (LBody)
 * of three paragraphs: title, detail and evidence.
 */
function findings(layout: Layout, parent: Struct, block: FindingsBlock): void {
  blockTitle(layout, parent, block.title, 30);
  const list = layout.doc.struct("L");
  parent.add(list);
  if (block.findings.length === 0) {
    list.end();
    layout.note(parent, "No findings.");
    return;
  }
  const badgeWidth = 52;
  const bodyX = layout.left + badgeWidth + 8;
  const bodyWidth = layout.width - badgeWidth - 8;
  for (const f of block.findings) {
    const seqs = (f.evidenceSeqs ?? []).join(", ");
    const evidence = seqs === "" ? "Evidence: none given" : `Evidence: seq ${seqs}`;
    layout.font(true, BODY_SIZE);
    const titleHeight = layout.measure(f.title, bodyWidth);
    layout.font(false, BODY_SIZE);
    const detailHeight = layout.measure(f.detail, bodyWidth);
    layout.font(false, 7.5);
    const evidenceHeight = layout.measure(evidence, bodyWidth);
    layout.ensure(titleHeight + detailHeight + evidenceHeight + 8);
    const color = SEVERITY_COLOR[f.severity];
    const top = layout.y;
    layout.artifact(() => layout.doc.roundedRect(layout.left, top, badgeWidth, 13, 2).fill(color));
    const item = layout.doc.struct("LI");
    list.add(item);
    layout.font(true, 7, "#ffffff");
    layout.field(item, "Lbl", f.severity.toUpperCase(), layout.left + 2, layout.y + 3.5, badgeWidth - 4);
    const body = layout.doc.struct("LBody");
    item.add(body);
    layout.font(true, BODY_SIZE);
    layout.field(body, "P", f.title, bodyX, layout.y + 2, bodyWidth);
    layout.y += Math.max(titleHeight + 2, 13) + 2;
    layout.font(false, BODY_SIZE);
    layout.field(body, "P", f.detail, bodyX, layout.y, bodyWidth);
    layout.y += detailHeight + 2;
    layout.font(false, 7.5, "#555555");
    layout.field(body, "P", evidence, bodyX, layout.y, bodyWidth);
    layout.y += evidenceHeight + 8;
    body.end();
    item.end();
  }
  list.end();
}

/** A block: a Div of its title (H3) and content. */
function block(layout: Layout, section: Struct, b: ReportBlock): void {
  const div = layout.doc.struct("Div");
  section.add(div);
  switch (b.kind) {
    case "figures":
      figures(layout, div, b);
      break;
    case "table":
      table(layout, div, b);
      break;
    case "chart":
      chart(layout, div, b);
      break;
    case "findings":
      findings(layout, div, b);
      break;
  }
  div.end();
}

/**
 * Lays out the whole report into `doc` (pages buffered) under a Document structure element,
 * then writes the page footers as Artifacts.
 */
function layoutReport(doc: Doc, report: Report): void {
  const layout = new Layout(doc);
  const accent = accentOf(report);
  const root = doc.struct("Document");
  doc.addStructure(root);
  provenance(layout, root, report);
  for (const section of report.sections) {
    const sect = doc.struct("Sect");
    root.add(sect);
    layout.font(true, 14, accent);
    const height = layout.measure(section.title, layout.width);
    layout.ensure(height + 40);
    layout.y += 6;
    layout.field(sect, "H2", section.title, layout.left, layout.y, layout.width);
    layout.y += height + 2;
    const ruleY = layout.y;
    layout.artifact(() =>
      doc
        .moveTo(layout.left, ruleY)
        .lineTo(layout.left + layout.width, ruleY)
        .lineWidth(0.8)
        .stroke(accent ?? "#2f6fb0"),
    );
    layout.y += 6;
    if (section.blocks.length === 0) layout.note(sect, "Nothing in this section.");
    for (const b of section.blocks) {
      block(layout, sect, b);
      layout.y += 6;
    }
    sect.end();
  }
  root.end();
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
    doc.markContent("Artifact", { type: "Pagination" });
    if (footer) {
      // The footer text on the left, one line (its ActualText the whole footer), the page number
      // on the right.
      const shown = drawableText(footer).replace(/\n/g, " ");
      const fits = doc.widthOfString(shown) <= layout.width - 90;
      const actual = shown !== footer || !fits;
      layout.withActualText(
        actual,
        () => doc.markContent("Span", actual ? { actual: footer } : {}),
        () =>
          doc.text(shown === "" ? " " : shown, layout.left, y, {
            width: layout.width - 90,
            lineBreak: false,
            ellipsis: true,
            height: 10,
          }),
      );
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
    doc.endMarkedContent();
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
 * The PDF is tagged (PDF 1.7, language `en`): a Document of the organisation (P), the title (H1),
 * the provenance (a Table of TH and TD rows) and a Sect per section (H2, then a Div per block: H3
 * and a Table, an L or a Figure); page numbers, footers, rules and backgrounds are Artifacts. The
 * ActualText of each text is the text itself, exactly, so copy and paste gets it whole.
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
      tagged: true,
      lang: "en",
      displayTitle: true,
      pdfVersion: "1.7",
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
