import { SealtrailError } from "../../errors.js";
import type {
  ChartBlock,
  FiguresBlock,
  FindingsBlock,
  Report,
  ReportBlock,
  ReportSection,
  TableBlock,
} from "../report-model.js";
import type { ReportRenderer } from "../report-renderer.js";
import { AUDIT_LEVEL_MEANING, cellText, writeText } from "./render-output.js";

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  // A browser turns a raw CR (and CRLF) into LF; a reference keeps it.
  "\r": "&#13;",
  // HTML cannot carry U+0000 at all: it shows as the replacement character.
  "\u0000": "&#65533;",
};

/**
 * Report text as HTML text or attribute value that a browser reads back as the same text and
 * never as markup: `& < > " '` as entities, CR as `&#13;` (a browser would turn it into LF).
 * Safe in element content, quoted attributes and inline SVG.
 *
 * @example
 * ```ts
 * htmlText('<script>alert("x")</script>'); // "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
 * ```
 */
export function htmlText(value: string): string {
  return value
    .replace(/[&<>"'\r]/g, (ch) => ENTITIES[ch] ?? ch)
    .replaceAll("\u0000", ENTITIES["\u0000"] ?? "");
}

/** A coordinate with one decimal, so that the output is the same everywhere. */
function coord(n: number): string {
  return (Math.round(n * 10) / 10).toFixed(1);
}

/** Chart colours (Okabe–Ito, readable for colour-blind readers and in greyscale print). */
const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

const SEVERITIES = new Set(["info", "low", "medium", "high", "critical"]);

const CHART_NAMES: Readonly<Record<ChartBlock["chart"], string>> = {
  timeseries: "Time series",
  bar: "Bar chart",
  breakdown: "Breakdown",
};

/**
 * The default style sheet: system fonts, a header card, zebra tables with right-aligned numbers,
 * coloured badges, and print rules (a page per section, rows never split, no backgrounds needed).
 */
const CSS = `
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--zebra:#f6f8fa;--card:#f6f8fa;--accent:#0969da;
--ok:#1a7f37;--bad:#cf222e;--none:#59636e;
--sev-critical:#82071e;--sev-high:#cf222e;--sev-medium:#bc4c00;--sev-low:#9a6700;--sev-info:#0969da;--sev-unknown:#59636e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:1100px;padding:24px;color:var(--ink);background:#fff;
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
h1{font-size:1.7em;margin:0 0 12px}
h2{font-size:1.35em;margin:32px 0 12px;padding-bottom:4px;border-bottom:2px solid var(--line)}
.brand{display:flex;align-items:center;gap:12px;margin:0 0 10px;color:var(--accent);font-weight:600}
.brand img{max-height:48px;max-width:200px}
.branded h1,.branded h2{color:var(--accent)}
.branded h2{border-bottom-color:var(--accent)}
.brand-footer{margin:0 0 4px;color:var(--ink)}
h3{font-size:1.05em;margin:20px 0 8px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em}
.card{border:1px solid var(--line);border-radius:8px;background:var(--card);padding:16px 20px}
.prov{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
.prov dt{color:var(--muted);font-weight:600}
.prov dd{margin:0;overflow-wrap:anywhere}
.prov ul{margin:0;padding-left:18px}
.note{margin:12px 0 0;padding:10px 12px;background:#fff;border:1px solid var(--line);border-radius:6px;
white-space:pre-wrap;overflow-wrap:anywhere}
.muted,.empty,.truncated{color:var(--muted);font-style:italic}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:.85em;font-weight:600;color:#fff;
background:var(--none);-webkit-print-color-adjust:exact;print-color-adjust:exact}
.badge.ok{background:var(--ok)}.badge.bad{background:var(--bad)}.badge.none{background:var(--none)}
.sev-critical{background:var(--sev-critical)}.sev-high{background:var(--sev-high)}
.sev-medium{background:var(--sev-medium)}.sev-low{background:var(--sev-low)}.sev-info{background:var(--sev-info)}
.sev-unknown{background:var(--sev-unknown)}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:0;padding:0;list-style:none}
.figure{flex:1 1 160px;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.figure .label{display:block;color:var(--muted);font-size:.85em}
.figure .value{font-size:1.45em;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.figure .unit{margin-left:4px;color:var(--muted)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9em}
caption{text-align:left;color:var(--muted);padding:4px 0}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}
td{white-space:pre-wrap;overflow-wrap:anywhere}
tbody tr:nth-child(even){background:var(--zebra)}
.num{text-align:right;font-variant-numeric:tabular-nums}
figure.chart{margin:0}
.chart svg{display:block;width:100%;max-width:720px;height:auto}
.chart svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--ink)}
.chart .axis{stroke:var(--muted);stroke-width:1}
.chart .grid{stroke:var(--line);stroke-dasharray:3 3}
.points{max-width:720px;margin-top:6px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.findings{list-style:none;margin:0;padding:0}
.finding{border:1px solid var(--line);border-left-width:4px;border-radius:6px;padding:8px 12px;margin:0 0 8px}
.finding-title{font-weight:600;margin-left:6px}
.finding-detail{margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.evidence{margin:0;color:var(--muted);font-size:.9em}
footer{margin-top:32px;color:var(--muted);font-size:.8em}
@media print{
body{max-width:none;padding:0;font-size:10.5pt}
.card,.note,th{background:none}
tbody tr:nth-child(even){background:none}
section.report-section{break-before:page}
h2,h3{break-after:avoid}
tr,.figure,.finding,figure.chart svg,.block-figures{break-inside:avoid}
thead{display:table-header-group}
.table-wrap{overflow:visible}
a{color:inherit;text-decoration:none}
}
`;

function badge(ok: boolean | undefined, field: string): string {
  const [cls, state, words] =
    ok === undefined
      ? ["none", "not-checked", "not checked"]
      : ok
        ? ["ok", "verified", "verified"]
        : ["bad", "not-verified", "not verified"];
  return `<span class="badge ${cls}" data-prov="${field}" data-state="${state}">${words}</span>`;
}

const COLOR = /^#[0-9a-fA-F]{6}$/;
const LOGO_TYPES = new Set(["image/png", "image/jpeg", "image/svg+xml"]);

/** The branding's organisation and logo above the title (nothing when there is neither). */
function brand(report: Report): string {
  const b = report.branding;
  const logo =
    b?.logo && LOGO_TYPES.has(b.logo.mediaType) && /^[A-Za-z0-9+/]*={0,2}$/.test(b.logo.base64)
      ? `<img data-brand="logo" alt="" src="data:${b.logo.mediaType};base64,${b.logo.base64}">`
      : "";
  const organisation = b?.organisation
    ? `<span data-brand="organisation">${htmlText(b.organisation)}</span>`
    : "";
  return logo || organisation ? `<div class="brand">${logo}${organisation}</div>\n` : "";
}

function header(report: Report): string {
  const p = report.provenance;
  const c = p.checkpoint;
  const filter =
    p.filter.length === 0
      ? `<span class="muted" data-filter-none>none (every event in the period)</span>`
      : `<ul>${p.filter.map((f) => `<li><code data-prov="filter">${htmlText(f)}</code></li>`).join("")}</ul>`;
  return [
    `<header class="card" data-provenance>`,
    `${brand(report)}<h1 data-prov="title">${htmlText(p.title)}</h1>`,
    `<dl class="prov">`,
    `<dt>Type</dt><dd data-prov="type">${htmlText(p.type)}</dd>`,
    `<dt>Generated</dt><dd><time data-prov="generatedAt">${htmlText(p.generatedAt)}</time></dd>`,
    `<dt>Period</dt><dd><time data-prov="since">${htmlText(p.period.since)}</time> to ` +
      `<time data-prov="until">${htmlText(p.period.until)}</time> <span class="muted">(end excluded)</span></dd>`,
    `<dt>Filter</dt><dd>${filter}</dd>`,
    `<dt>Audit level</dt><dd><span data-prov="auditLevel">${htmlText(p.auditLevel)}</span> ` +
      `<span class="muted">— ${AUDIT_LEVEL_MEANING}</span></dd>`,
    `<dt>Checkpoint origin</dt><dd data-prov="origin">${htmlText(c.origin)}</dd>`,
    `<dt>Tree size</dt><dd class="mono" data-prov="treeSize">${htmlText(cellText(c.treeSize))}</dd>`,
    `<dt>Root hash</dt><dd><code data-prov="rootHash">${htmlText(c.rootHash)}</code></dd>`,
    `<dt>Signature</dt><dd>${badge(c.signatureVerified, "signature")}</dd>`,
    `<dt>Store</dt><dd>${badge(c.storeVerified, "store")}</dd>`,
    `</dl>`,
    // A browser drops one newline right after <pre>: this one, not the note's own.
    `<pre class="note" data-prov="note" aria-label="Checkpoint note">\n${htmlText(c.note)}</pre>`,
    `</header>`,
  ].join("\n");
}

function figures(block: FiguresBlock): string {
  if (block.figures.length === 0) return `<p class="empty">No figures.</p>`;
  const items = block.figures.map(
    (f) =>
      `<li class="figure" data-figure><span class="label" data-figure-label>${htmlText(f.label)}</span>` +
      `<span class="value" data-figure-value>${htmlText(cellText(f.value))}</span>` +
      (f.unit ? `<span class="unit" data-figure-unit>${htmlText(f.unit)}</span>` : "") +
      `</li>`,
  );
  return `<ul class="figures">\n${items.join("\n")}\n</ul>`;
}

function table(block: TableBlock): string {
  const parts: string[] = [];
  if (block.columns.length === 0) parts.push(`<p class="empty">No columns.</p>`);
  else {
    // Columns of numbers only are aligned right.
    const numeric = block.columns.map((c) => {
      const values = block.rows.map((r) => r[c.key]).filter((v) => v !== null && v !== undefined);
      return values.length > 0 && values.every((v) => typeof v === "number");
    });
    const cls = (i: number) => (numeric[i] ? ` class="num"` : "");
    const head = block.columns
      .map((c, i) => `<th scope="col"${cls(i)} data-column>${htmlText(c.label)}</th>`)
      .join("");
    const rows = block.rows.map(
      (row) =>
        `<tr data-row>${block.columns.map((c, i) => `<td${cls(i)} data-cell>${htmlText(cellText(row[c.key]))}</td>`).join("")}</tr>`,
    );
    if (rows.length === 0) {
      rows.push(`<tr><td class="empty" colspan="${block.columns.length}">No rows.</td></tr>`);
    }
    parts.push(
      `<div class="table-wrap"><table data-table>`,
      `<thead><tr>${head}</tr></thead>`,
      `<tbody>\n${rows.join("\n")}\n</tbody>`,
      `</table></div>`,
    );
  }
  if (block.truncated) {
    const n = block.truncated;
    parts.push(`<p class="truncated" data-truncated>${n} more ${n === 1 ? "row" : "rows"} left out.</p>`);
  }
  return parts.join("\n");
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
    `${svgOpen(block, id, 60)}<rect x="0.5" y="0.5" width="${W - 1}" height="59" fill="none" stroke="#d1d9e0"/>` +
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
      `<circle data-mark cx="${coord(x(i))}" cy="${coord(y(p.value))}" r="3" fill="#0072b2">` +
      `<title>${htmlText(`${p.label}: ${cellText(p.value)}`)}</title></circle>`,
  );
  return [
    svgOpen(block, id, H),
    `<line class="grid" x1="${left}" y1="${coord(y(hi))}" x2="${W - right}" y2="${coord(y(hi))}"/>`,
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}"/>`,
    `<line class="axis" x1="${left}" y1="${base}" x2="${W - right}" y2="${base}"/>`,
    `<path d="${area}" fill="#0072b2" fill-opacity="0.15" stroke="none"/>`,
    `<polyline points="${line}" fill="none" stroke="#0072b2" stroke-width="2" stroke-linejoin="round"/>`,
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
      `fill="${PALETTE[0]}"><title>${htmlText(`${p.label}: ${cellText(p.value)}`)}</title></rect>` +
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
          `fill="${PALETTE[i % PALETTE.length]}"><title>${htmlText(`${p.label}: ${cellText(p.value)} (${(share[i] ?? 0).toFixed(1)} %)`)}</title></rect>`,
      );
      at += w;
    });
  } else {
    marks.push(
      `<rect x="${left}" y="${barTop}" width="${width}" height="${barHeight}" fill="none" stroke="#d1d9e0"/>` +
        `<text x="${W / 2}" y="${barTop + 19}" text-anchor="middle">Not all parts are positive: no shares</text>`,
    );
  }
  const legend = block.points.map((p, i) => {
    const y0 = barTop + barHeight + 14 + i * 22;
    const pct = share ? ` — ${(share[i] ?? 0).toFixed(1)} %` : "";
    return (
      `<rect ${share ? "" : "data-mark "}x="${left}" y="${y0}" width="12" height="12" rx="2" fill="${PALETTE[i % PALETTE.length]}"/>` +
      `<text x="${left + 18}" y="${y0 + 11}">${htmlText(`${short(p.label, 40)}: ${cellText(p.value)}${pct}`)}</text>`
    );
  });
  return [svgOpen(block, id, H), ...marks, ...legend, `</svg>`].join("");
}

function chart(block: ChartBlock, id: string): string {
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
        ? `<td class="num"><span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>${(share[i] ?? 0).toFixed(1)} %</td>`
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

function findings(block: FindingsBlock): string {
  if (block.findings.length === 0) return `<p class="empty">No findings.</p>`;
  const items = block.findings.map((f) => {
    const sev = SEVERITIES.has(f.severity) ? f.severity : "unknown";
    const seqs = f.evidenceSeqs ?? [];
    const evidence =
      seqs.length === 0
        ? ""
        : `<p class="evidence">Evidence: seq ${seqs.map((s) => `<span class="mono" data-seq>${htmlText(cellText(s))}</span>`).join(", ")}</p>`;
    return (
      `<li class="finding" style="border-left-color:var(--sev-${sev})" data-finding>` +
      `<span class="badge sev-${sev}" data-finding-severity>${htmlText(f.severity)}</span>` +
      `<span class="finding-title" data-finding-title>${htmlText(f.title)}</span>` +
      `<p class="finding-detail" data-finding-detail>${htmlText(f.detail)}</p>${evidence}</li>`
    );
  });
  return `<ul class="findings">\n${items.join("\n")}\n</ul>`;
}

function block(b: ReportBlock, id: string): string {
  const body = (() => {
    switch (b.kind) {
      case "figures":
        return figures(b);
      case "table":
        return table(b);
      case "chart":
        return chart(b, id);
      case "findings":
        return findings(b);
    }
  })();
  const tag = b.kind === "chart" ? "figure" : "div";
  return `<${tag} class="block block-${b.kind}${b.kind === "chart" ? " chart" : ""}" data-block="${b.kind}">\n<h3 data-block-title>${htmlText(b.title)}</h3>\n${body}\n</${tag}>`;
}

function section(s: ReportSection, index: number): string {
  const blocks = s.blocks.map((b, j) => block(b, `c${index}-${j}`));
  return [
    `<section class="report-section" data-section>`,
    `<h2 data-section-title>${htmlText(s.title)}</h2>`,
    ...(blocks.length === 0 ? [`<p class="empty">Nothing in this section.</p>`] : blocks),
    `</section>`,
  ].join("\n");
}

/**
 * Options of {@link htmlRendererWith}.
 *
 * @example
 * ```ts
 * const options: HtmlRendererOptions = { css: "body{max-width:none}", title: (r) => `Audit: ${r.provenance.title}` };
 * ```
 */
export interface HtmlRendererOptions {
  /** Extra CSS, added after the default style sheet (so it overrides it). */
  readonly css?: string;
  /**
   * A whole HTML page to lay the report out in, with the placeholders `{{title}}` (the document
   * title, escaped), `{{style}}` (the `<style>` element), `{{header}}` (the provenance card,
   * with the organisation and logo), `{{sections}}` and `{{footer}}`; `{{header}}` and
   * `{{sections}}` are required, each placeholder at most once (see {@link checkHtmlLayout}).
   */
  readonly layout?: string;
  /** Where `layout` and `css` came from, named in their errors (default `layout` / `css`). */
  readonly layoutFile?: string;
  readonly cssFile?: string;
  /** The document title (the browser tab, the PDF's title); default: the report's title. */
  readonly title?: (report: Report) => string;
}

/** The `<style>` element: the default sheet, the branding's accent colour, the extra CSS. */
function style(report: Report, options: HtmlRendererOptions): string {
  const color = report.branding?.color;
  const accent = color && COLOR.test(color) ? `\n:root{--accent:${color}}` : "";
  // Extra CSS must not close the <style> element early.
  const extra = options.css ? `\n${options.css.replace(/<\/(style)/gi, "<\\/$1")}` : "";
  return `<style>${CSS}${accent}${extra}</style>`;
}

/** The document title, escaped. */
function documentTitle(report: Report, options: HtmlRendererOptions): string {
  return htmlText(options.title ? options.title(report) : report.provenance.title);
}

/** The page footer: the branding's footer, then what generated the report. */
function footer(report: Report): string {
  const p = report.provenance;
  const brandFooter = report.branding?.footer
    ? `<p class="brand-footer" data-brand="footer">${htmlText(report.branding.footer)}</p>`
    : "";
  return `<footer>${brandFooter}Sealtrail report ${htmlText(p.type)}, generated ${htmlText(p.generatedAt)}.</footer>`;
}

/** The document head, ready to write. */
function head(report: Report, options: HtmlRendererOptions): string {
  return [
    "<!DOCTYPE html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="sealtrail">`,
    `<title>${documentTitle(report, options)}</title>`,
    style(report, options),
    "</head>",
    `<body${report.branding?.color && COLOR.test(report.branding.color) ? ` class="branded"` : ""}>`,
  ].join("\n");
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_-]*)\s*\}\}/g;
const PLACEHOLDERS = ["title", "style", "header", "sections", "footer"] as const;
const REQUIRED_PLACEHOLDERS = new Set(["header", "sections"]);

/** What a layout or extra CSS must not contain: anything that loads from outside the file, or runs. */
const LOADS_FROM_OUTSIDE: readonly [RegExp, string][] = [
  [/<\s*(script|link|iframe|frame|object|embed|base|meta\s+http-equiv)\b/i, "a <$1> element"],
  [/@import\b/i, "@import"],
  [/\burl\(\s*(?!["']?\s*(?:data:|#))[^)]*\)/i, "url() of anything but a data: URI"],
  [
    /<[^>]*\s(?:src|srcset|poster|background|data)\s*=\s*(?!["']?\s*(?:data:|#))/i,
    "a src attribute outside data: URIs",
  ],
  [/<[^>]*\son[a-z]+\s*=/i, "an event handler attribute"],
];

function checkSelfContained(
  text: string,
  where: string,
  patterns: readonly [RegExp, string][] = LOADS_FROM_OUTSIDE,
): void {
  for (const [pattern, what] of patterns) {
    const m = pattern.exec(text);
    if (m) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${where}: expected a self-contained page (no scripts, nothing loaded from elsewhere), got ${what.replace("$1", (m[1] ?? "").toLowerCase())}`,
      );
    }
  }
}

/**
 * Checks an HTML layout ({@link HtmlRendererOptions.layout}): only known placeholders, each at
 * most once, `{{header}}` and `{{sections}}` present, nothing that loads from outside the file
 * or runs (scripts, links, `src` other than `data:` URIs, event handlers). Throws
 * `ST_ERR_CONFIG_INVALID` naming `source` and what was expected.
 *
 * @example
 * ```ts
 * checkHtmlLayout("<html><body>{{header}}{{sections}}</body></html>", "layout.html"); // passes
 * checkHtmlLayout("<html><body>{{header}}</body></html>", "layout.html"); // throws: {{sections}} missing
 * ```
 */
export function checkHtmlLayout(layout: string, source = "layout"): void {
  const seen = new Map<string, number>();
  for (const m of layout.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? "";
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${source}: expected placeholders ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}, got {{${name}}}`,
      );
    }
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  for (const name of PLACEHOLDERS) {
    const count = seen.get(name) ?? 0;
    if (count > 1) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${source}: expected {{${name}}} once, got it ${count} times`,
      );
    }
    if (count === 0 && REQUIRED_PLACEHOLDERS.has(name)) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${source}: expected a {{${name}}} placeholder (where the ${name === "header" ? "provenance" : "report's sections"} go), got none`,
      );
    }
  }
  checkSelfContained(layout.replace(PLACEHOLDER, ""), source);
}

/**
 * Checks extra CSS: nothing that loads from outside the file (`@import`, `url()` other than
 * `data:` URIs). Throws `ST_ERR_CONFIG_INVALID` naming `source`.
 *
 * @example
 * ```ts
 * checkHtmlCss("h1{color:#0b5cad}", "extra.css"); // passes
 * checkHtmlCss("@import url(https://x.example/a.css);", "extra.css"); // throws
 * ```
 */
export function checkHtmlCss(css: string, source = "css"): void {
  // Markup inside the CSS is inert: `</style` is escaped where the CSS is inserted.
  checkSelfContained(css, source, LOADS_FROM_OUTSIDE.slice(1, 3));
}

/** The document in parts (head, provenance, each section, end), written one by one. */
function htmlParts(report: Report, options: HtmlRendererOptions): string[] {
  const sections = report.sections.map((s, i) => `${section(s, i)}\n`);
  if (options.layout === undefined) {
    return [
      `${head(report, options)}\n${header(report)}\n<main>\n`,
      ...sections,
      `</main>\n${footer(report)}\n</body>\n</html>\n`,
    ];
  }
  const values: Readonly<Record<string, string>> = {
    title: documentTitle(report, options),
    style: style(report, options),
    header: header(report),
    footer: footer(report),
  };
  // Split at {{sections}}, then fill the other placeholders in each half (the report's text
  // never goes through the placeholder pattern).
  const fill = (text: string) => text.replace(PLACEHOLDER, (_, name: string) => values[name] ?? "");
  const [before = "", after = ""] = options.layout.split(/\{\{\s*sections\s*\}\}/);
  return [fill(before), ...sections, fill(after)];
}

/**
 * The report as one self-contained HTML document: no scripts, fonts, images or any other resource
 * from outside the file.
 *
 * @example
 * ```ts
 * renderHtml(report).startsWith("<!DOCTYPE html>"); // true
 * ```
 */
export function renderHtml(report: Report, options: HtmlRendererOptions = {}): string {
  return htmlParts(report, options).join("");
}

/**
 * An HTML renderer with layout overrides: extra CSS, a whole-page layout with placeholders, and
 * the document title. The layout and the CSS are checked at once (`ST_ERR_CONFIG_INVALID`):
 * the output stays one self-contained file.
 *
 * @example
 * ```ts
 * const renderer = htmlRendererWith({
 *   css: "h1{color:#0969da}",
 *   layout: "<!DOCTYPE html><html><head>{{style}}<title>{{title}}</title></head><body>{{header}}<main>{{sections}}</main>{{footer}}</body></html>",
 * });
 * await renderer.render(report, file);
 * ```
 */
export function htmlRendererWith(options: HtmlRendererOptions): ReportRenderer {
  if (options.layout !== undefined) checkHtmlLayout(options.layout, options.layoutFile);
  if (options.css !== undefined) checkHtmlCss(options.css, options.cssFile);
  return {
    format: "html",
    mediaType: "text/html; charset=utf-8",
    extension: "html",
    async render(report, out) {
      // One write per part, each awaited: a slow destination is never flooded.
      for (const part of htmlParts(report, options)) await writeText(out, part);
    },
  };
}

/**
 * Renders a report as one self-contained HTML file for people and for print: inline CSS (system
 * fonts, zebra tables, right-aligned numbers, print rules with a page per section), a header card
 * with the provenance (period, filter, audit level, checkpoint origin, tree size, root hash, the signature and
 * store states as coloured badges, the checkpoint note), figures as cards, tables, charts drawn as
 * inline SVG (a line chart for a time series, horizontal bars, a stacked 100 % bar for a
 * breakdown) each followed by a table of its points, and findings with severity badges and
 * evidence seqs. No scripts and nothing loaded from elsewhere; every text is escaped
 * ({@link htmlText}) and every number shown exactly (`String(n)`).
 *
 * @example
 * ```ts
 * await htmlRenderer.render(report, createWriteStream("report.html"));
 * ```
 */
export const htmlRenderer: ReportRenderer = htmlRendererWith({});
