import type { FiguresBlock, FindingsBlock, ReportBlock, TableBlock } from "../../report-model.js";
import { COLORS, SEVERITY_COLORS } from "../palette.js";
import { cellText } from "../render-output.js";
import { chart } from "./pdf-charts.js";
import { BODY_SIZE, blockTitle, CELL_PAD, type Layout, type Struct, TABLE_SIZE } from "./pdf-layout.js";
import { drawableText } from "./pdf-text.js";

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
        layout.doc.rect(x, layout.y, boxWidth, height).fillAndStroke(COLORS.card, COLORS.line),
      );
      const tr = layout.doc.struct("TR");
      list.add(tr);
      layout.font(false, 7.5, COLORS.muted);
      layout.field(tr, "TH", f.label, x + 4, layout.y + 4, boxWidth - 8);
      layout.font(true, 13);
      layout.field(tr, "TD", cellText(f.value), x + 4, layout.y + 6 + h.label, boxWidth - 8);
      if (f.unit) {
        layout.font(false, 8, COLORS.muted);
        layout.field(tr, "TD", f.unit, x + 4, layout.y + 6 + h.label + h.value, boxWidth - 8);
      }
      tr.end();
    });
    layout.y += height + gap;
  }
  list.end();
}

/** Rows looked at to size a table's columns. */
const WIDTH_SAMPLE = 200;

/**
 * Widths between `floor` and `ceiling` (each column its own) that add up to `total` where they
 * can: every column is raised to one level, clamped to its own bounds (water-filling), so that
 * narrow columns get all they want before wide ones share the rest; when the ceilings fit, the
 * ceilings.
 */
function fill(floor: readonly number[], ceiling: readonly number[], total: number): number[] {
  const at = (level: number) => ceiling.map((c, i) => Math.max(floor[i] ?? 0, Math.min(c, level)));
  const sum = (ws: readonly number[]) => ws.reduce((a, b) => a + b, 0);
  if (sum(ceiling) <= total) return [...ceiling];
  let low = 0;
  let high = Math.max(...ceiling);
  for (let i = 0; i < 50; i++) {
    const mid = (low + high) / 2;
    if (sum(at(mid)) > total) high = mid;
    else low = mid;
  }
  return at(low);
}

/**
 * Column widths from the text measured in the table's fonts: each column gets at least its
 * widest word (header in bold, cells in regular type) so that words break only when even that
 * does not fit the page; the room left goes to the columns whose lines are longer than that, in
 * proportion to how much longer, and any room after that in proportion to the natural widths.
 */
function columnWidths(layout: Layout, block: TableBlock, total: number): number[] {
  const sample = block.rows.slice(0, WIDTH_SAMPLE);
  const measure = (bold: boolean, texts: readonly string[]) => {
    layout.font(bold, TABLE_SIZE);
    let word = 0;
    let line = 0;
    for (const text of texts) {
      for (const l of drawableText(text).split("\n")) {
        line = Math.max(line, layout.doc.widthOfString(l));
        for (const w of l.split(/\s+/)) if (w !== "") word = Math.max(word, layout.doc.widthOfString(w));
      }
    }
    return { word, line };
  };
  const pad = 2 * CELL_PAD + 1;
  const sizes = block.columns.map((c) => {
    const head = measure(true, [c.label]);
    const cells = measure(
      false,
      sample.map((r) => cellText(r[c.key])),
    );
    return { least: Math.max(head.word, cells.word) + pad, natural: Math.max(head.line, cells.line) + pad };
  });
  // First every column's widest word, as far as the page has room (a word wider than a quarter of
  // the page, a hash or a key, is one that cannot fit: it breaks); then its longest line.
  const least = fill(
    sizes.map(() => 0),
    sizes.map((x) => Math.min(x.least, total / 4)),
    total,
  );
  const widths = fill(
    least,
    sizes.map((x, i) => Math.max(x.natural, least[i] ?? 0)),
    total,
  );
  // Room left over goes to every column in proportion.
  const used = widths.reduce((a, b) => a + b, 0);
  return widths.map((w) => w + (used > 0 ? ((total - used) * w) / used : (total - used) / widths.length));
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
  const widths = columnWidths(layout, block, layout.width);
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
    layout.artifact(() => layout.doc.rect(layout.left, top, layout.width, headerHeight).fill(COLORS.head));
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
      layout.artifact(() => layout.doc.rect(layout.left, top, layout.width, height).fill(COLORS.zebra));
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
        .stroke(COLORS.line),
    );
    layout.y += height;
  });
  grid.end();
  layout.y += 4;
  if (block.rows.length === 0) layout.note(parent, "No rows.");
  if ((block.truncated ?? 0) > 0) truncatedNote(layout, parent, block.truncated ?? 0);
}

function truncatedNote(layout: Layout, parent: Struct, count: number): void {
  layout.font(false, BODY_SIZE, COLORS.muted);
  layout.ensure(12);
  const shown = `${count} more ${count === 1 ? "row" : "rows"} left out.`;
  layout.y += layout.field(parent, "P", shown, layout.left, layout.y, layout.width) + 4;
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
    const color = SEVERITY_COLORS[f.severity];
    const top = layout.y;
    layout.artifact(() => layout.doc.roundedRect(layout.left, top, badgeWidth, 13, 2).fill(color));
    const item = layout.doc.struct("LI");
    list.add(item);
    layout.font(true, 7, COLORS.paper);
    layout.field(item, "Lbl", f.severity.toUpperCase(), layout.left + 2, layout.y + 3.5, badgeWidth - 4);
    const body = layout.doc.struct("LBody");
    item.add(body);
    layout.font(true, BODY_SIZE);
    layout.field(body, "P", f.title, bodyX, layout.y + 2, bodyWidth);
    layout.y += Math.max(titleHeight + 2, 13) + 2;
    layout.font(false, BODY_SIZE);
    layout.field(body, "P", f.detail, bodyX, layout.y, bodyWidth);
    layout.y += detailHeight + 2;
    layout.font(false, 7.5, COLORS.muted);
    layout.field(body, "P", evidence, bodyX, layout.y, bodyWidth);
    layout.y += evidenceHeight + 8;
    body.end();
    item.end();
  }
  list.end();
}

/**
 * A block: a Div of its title (H3) and content (figures, a table, a chart or findings).
 *
 * @example
 * ```ts
 * for (const b of section.blocks) block(layout, sect, b);
 * ```
 */
export function block(layout: Layout, section: Struct, b: ReportBlock): void {
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
