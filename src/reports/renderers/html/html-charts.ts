import type { ChartBlock } from "../../report-model.js";
import { CHART_NAMES } from "../chart-names.js";
import { COLORS, seriesColor } from "../palette.js";
import { cellText } from "../render-output.js";
import { htmlText } from "./html-text.js";

/** A coordinate with one decimal, so that the output is the same everywhere. */
function coord(n: number): string {
  return (Math.round(n * 10) / 10).toFixed(1);
}

/** Chart geometry (SVG user units). */
const W = 640;

/** The SVG opening tag, its title and a description listing every point. */
function svgOpen(block: ChartBlock, id: string, height: number): string {
  const desc = block.points.map((p) => `${p.label}: ${cellText(p.value)}`).join("; ");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" data-chart="${block.chart}" viewBox="0 0 ${W} ${height}" ` +
    `width="${W}" height="${height}" aria-labelledby="${id}-t ${id}-d">` +
    `<title id="${id}-t">${htmlText(`${CHART_NAMES[block.chart]}: ${block.title}`)}</title>` +
    `<desc id="${id}-d">${htmlText(desc || "No data points.")}</desc>`
  );
}

/** Shortens a label drawn inside a chart (the table under it has the whole label). */
function short(label: string, max: number): string {
  const chars = [...label];
  return chars.length <= max ? label : `${chars.slice(0, max - 1).join("")}…`;
}

function emptyChart(block: ChartBlock, id: string): string {
  return (
    `${svgOpen(block, id, 60)}<rect x="0.5" y="0.5" width="${W - 1}" height="59" fill="none" stroke="${COLORS.line}"/>` +
    `<text x="${W / 2}" y="34" text-anchor="middle">No data points.</text></svg>`
  );
}

function timeseries(block: ChartBlock, id: string): string {
  const H = 240;
  const [left, right, top, bottom] = [70, 16, 16, 40];
  const values = block.points.map((p) => p.value);
  const hi = Math.max(0, ...values);
  const lo = Math.min(0, ...values);
  const span = hi - lo || 1;
  const n = block.points.length;
  const x = (i: number) => (n === 1 ? (left + W - right) / 2 : left + (i * (W - left - right)) / (n - 1));
  const y = (v: number) => top + ((hi - v) * (H - top - bottom)) / span;
  const line = block.points.map((p, i) => `${coord(x(i))},${coord(y(p.value))}`).join(" ");
  const base = coord(y(0));
  const area = `M${coord(x(0))},${base} L${line.replaceAll(" ", " L")} L${coord(x(n - 1))},${base} Z`;
  const first = block.points[0]?.label ?? "";
  const last = block.points.at(-1)?.label ?? "";
  const marks = block.points.map(
    (p, i) =>
      `<circle data-mark cx="${coord(x(i))}" cy="${coord(y(p.value))}" r="3" fill="${seriesColor(0)}">` +
      `<title>${htmlText(`${p.label}: ${cellText(p.value)}`)}</title></circle>`,
  );
  return [
    svgOpen(block, id, H),
    `<line class="grid" x1="${left}" y1="${coord(y(hi))}" x2="${W - right}" y2="${coord(y(hi))}"/>`,
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}"/>`,
    `<line class="axis" x1="${left}" y1="${base}" x2="${W - right}" y2="${base}"/>`,
    `<path d="${area}" fill="${seriesColor(0)}" fill-opacity="0.15" stroke="none"/>`,
    `<polyline points="${line}" fill="none" stroke="${seriesColor(0)}" stroke-width="2" stroke-linejoin="round"/>`,
    ...marks,
    `<text x="${left - 6}" y="${coord(y(hi) + 4)}" text-anchor="end">${htmlText(cellText(hi))}</text>`,
    `<text x="${left - 6}" y="${coord(y(lo) + 4)}" text-anchor="end">${htmlText(cellText(lo))}</text>`,
    `<text x="${left}" y="${H - 12}" text-anchor="start">${htmlText(short(first, 40))}</text>`,
    n > 1 ? `<text x="${W - right}" y="${H - 12}" text-anchor="end">${htmlText(short(last, 40))}</text>` : "",
    block.unit
      ? `<text x="${left + 6}" y="${top + 4}" fill-opacity="0.7" dominant-baseline="hanging">${htmlText(short(block.unit, 30))}</text>`
      : "",
    `</svg>`,
  ].join("");
}

function bars(block: ChartBlock, id: string): string {
  const row = 26;
  const [left, right, top] = [170, 90, 8];
  const H = top * 2 + row * block.points.length;
  const values = block.points.map((p) => p.value);
  const hi = Math.max(0, ...values);
  const lo = Math.min(0, ...values);
  const span = hi - lo || 1;
  const x = (v: number) => left + ((v - lo) * (W - left - right)) / span;
  const zero = x(0);
  const marks = block.points.map((p, i) => {
    const y0 = top + i * row;
    const end = x(p.value);
    const from = Math.min(zero, end);
    const width = Math.abs(end - zero);
    return (
      `<text x="${left - 8}" y="${coord(y0 + row / 2 + 4)}" text-anchor="end">${htmlText(short(p.label, 24))}</text>` +
      `<rect data-mark x="${coord(from)}" y="${coord(y0 + 4)}" width="${coord(width)}" height="${row - 8}" ` +
      `fill="${seriesColor(0)}"><title>${htmlText(`${p.label}: ${cellText(p.value)}`)}</title></rect>` +
      `<text x="${coord(Math.max(zero, end) + 6)}" y="${coord(y0 + row / 2 + 4)}">${htmlText(cellText(p.value))}</text>`
    );
  });
  return [
    svgOpen(block, id, H),
    `<line class="axis" x1="${coord(zero)}" y1="${top}" x2="${coord(zero)}" y2="${H - top}"/>`,
    ...marks,
    `</svg>`,
  ].join("");
}

/** Shares of the whole (percent), or undefined when the parts are not all positive parts of a positive whole. */
function shares(block: ChartBlock): number[] | undefined {
  const total = block.points.reduce((sum, p) => sum + p.value, 0);
  if (block.chart !== "breakdown" || total <= 0 || block.points.some((p) => p.value < 0)) return undefined;
  return block.points.map((p) => (p.value / total) * 100);
}

function breakdown(block: ChartBlock, id: string): string {
  const share = shares(block);
  const H = 44 + 22 * block.points.length;
  const [left, right, barTop, barHeight] = [8, 8, 8, 28];
  const width = W - left - right;
  const marks: string[] = [];
  if (share) {
    let at = left;
    block.points.forEach((p, i) => {
      const w = ((share[i] ?? 0) * width) / 100;
      marks.push(
        `<rect data-mark x="${coord(at)}" y="${barTop}" width="${coord(w)}" height="${barHeight}" ` +
          `fill="${seriesColor(i)}"><title>${htmlText(`${p.label}: ${cellText(p.value)} (${(share[i] ?? 0).toFixed(1)} %)`)}</title></rect>`,
      );
      at += w;
    });
  } else {
    marks.push(
      `<rect x="${left}" y="${barTop}" width="${width}" height="${barHeight}" fill="none" stroke="${COLORS.line}"/>` +
        `<text x="${W / 2}" y="${barTop + 19}" text-anchor="middle">Not all parts are positive: no shares</text>`,
    );
  }
  const legend = block.points.map((p, i) => {
    const y0 = barTop + barHeight + 14 + i * 22;
    const pct = share ? ` — ${(share[i] ?? 0).toFixed(1)} %` : "";
    return (
      `<rect ${share ? "" : "data-mark "}x="${left}" y="${y0}" width="12" height="12" rx="2" fill="${seriesColor(i)}"/>` +
      `<text x="${left + 18}" y="${y0 + 11}">${htmlText(`${short(p.label, 40)}: ${cellText(p.value)}${pct}`)}</text>`
    );
  });
  return [svgOpen(block, id, H), ...marks, ...legend, `</svg>`].join("");
}

/**
 * A chart: its caption (kind and unit), the drawing as inline SVG (a line for a time series,
 * horizontal bars, a stacked 100 % bar for a breakdown) with a title and a description listing
 * every point, and a table of its points (with each part's share for a breakdown).
 *
 * @example
 * ```ts
 * chart({ kind: "chart", chart: "bar", title: "Events by action", points }, "c0-1");
 * ```
 */
export function chart(block: ChartBlock, id: string): string {
  const svg =
    block.points.length === 0
      ? emptyChart(block, id)
      : block.chart === "timeseries"
        ? timeseries(block, id)
        : block.chart === "bar"
          ? bars(block, id)
          : breakdown(block, id);
  const caption =
    `<figcaption class="muted">${CHART_NAMES[block.chart]}` +
    (block.unit ? ` (<span data-unit>${htmlText(block.unit)}</span>)` : "") +
    `</figcaption>`;
  if (block.points.length === 0) return `${caption}\n${svg}\n<p class="empty">No data points.</p>`;
  const share = shares(block);
  const head =
    `<thead><tr><th scope="col">${block.chart === "timeseries" ? "Time" : "Category"}</th>` +
    `<th scope="col" class="num">${htmlText(block.unit || "Value")}</th>` +
    (share ? `<th scope="col" class="num">Share</th>` : "") +
    `</tr></thead>`;
  const rows = block.points.map(
    (p, i) =>
      `<tr data-point><td data-point-label>${htmlText(p.label)}</td>` +
      `<td class="num" data-point-value>${htmlText(cellText(p.value))}</td>` +
      (share
        ? `<td class="num"><span class="swatch" style="background:${seriesColor(i)}"></span>${(share[i] ?? 0).toFixed(1)} %</td>`
        : "") +
      `</tr>`,
  );
  return [
    caption,
    svg,
    `<div class="table-wrap"><table class="points" data-points>${head}`,
    `<tbody>\n${rows.join("\n")}\n</tbody></table></div>`,
  ].join("\n");
}
