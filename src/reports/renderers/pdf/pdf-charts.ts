import type { ChartBlock } from "../../report-model.js";
import { CHART_NAMES } from "../chart-names.js";
import { COLORS, seriesColor } from "../palette.js";
import { cellText } from "../render-output.js";
import { blockTitle, type Layout, type Struct } from "./pdf-layout.js";
import { drawableText } from "./pdf-text.js";

/** The height of a time series or bar chart's drawing. */
const CHART_HEIGHT = 110;

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
    .stroke(COLORS.muted);
  layout.font(false, 6.5, COLORS.muted);
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
  if (values.length > 1) doc.lineWidth(1.2).stroke(seriesColor(0));
  values.forEach((v, i) => {
    const [x, y] = at(i, v);
    doc.circle(x, y, 1.8).fill(seriesColor(0));
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
    layout.font(false, Math.min(7.5, rowHeight - 2), COLORS.ink);
    doc.text(drawableText(p.label), layout.left, y + 1, {
      width: labelWidth,
      height: rowHeight,
      ellipsis: true,
      lineBreak: false,
    });
    const end = plotX + ((p.value - min) / span) * plotWidth;
    const x = Math.min(zeroX, end);
    const w = Math.abs(end - zeroX);
    if (w > 0) doc.rect(x, y + 1, w, rowHeight - 3).fill(seriesColor(i));
    layout.font(false, Math.min(7.5, rowHeight - 2), COLORS.ink);
    doc.text(axisLabel(p.value), Math.max(x + w, zeroX) + 3, y + 1, { width: 55, lineBreak: false });
  });
  doc
    .lineWidth(0.8)
    .moveTo(zeroX, top)
    .lineTo(zeroX, top + block.points.length * rowHeight)
    .stroke(COLORS.muted);
}

function breakdown(layout: Layout, block: ChartBlock, top: number): void {
  const doc = layout.doc;
  // Parts of a whole: only positive parts take space; percentages are of the positive total.
  const total = block.points.reduce((sum, p) => sum + Math.max(0, p.value), 0);
  let x = layout.left;
  block.points.forEach((p, i) => {
    const w = total > 0 ? (Math.max(0, p.value) / total) * layout.width : 0;
    if (w > 0) doc.rect(x, top, w, 22).fill(seriesColor(i));
    x += w;
  });
  doc.lineWidth(0.5).rect(layout.left, top, layout.width, 22).stroke(COLORS.muted);
  const perRow = 3;
  const legendWidth = layout.width / perRow;
  block.points.forEach((p, i) => {
    const lx = layout.left + (i % perRow) * legendWidth;
    const ly = top + 30 + Math.floor(i / perRow) * 12;
    doc.rect(lx, ly, 8, 8).fill(seriesColor(i));
    const share = total > 0 && p.value > 0 ? `${((p.value / total) * 100).toFixed(1)} %` : "0.0 %";
    layout.font(false, 7.5, COLORS.ink);
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

/**
 * The alternative text of a chart: its kind, title and data (the first 100 points).
 *
 * @example
 * ```ts
 * chartAlt(block); // "Bar chart: Events by action: user.login 12, user.logout 3"
 * ```
 */
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
 *
 * @example
 * ```ts
 * chart(layout, div, { kind: "chart", chart: "bar", title: "Events by action", points });
 * ```
 */
export function chart(layout: Layout, parent: Struct, block: ChartBlock): void {
  blockTitle(layout, parent, block.title, 16 + (block.points.length > 0 ? chartHeight(block) : 0));
  layout.font(false, 8, COLORS.muted);
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
    layout.font(false, 7.5, COLORS.ink);
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
