import type {
  FiguresBlock,
  FindingsBlock,
  ReportBlock,
  ReportSection,
  TableBlock,
} from "../../report-model.js";
import { cellText } from "../render-output.js";
import { chart } from "./html-charts.js";
import { cellHtml, htmlText } from "./html-text.js";

const SEVERITIES = new Set(["info", "low", "medium", "high", "critical"]);

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
        `<tr data-row>${block.columns.map((c, i) => `<td${cls(i)} data-cell>${cellHtml(cellText(row[c.key]))}</td>`).join("")}</tr>`,
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

/**
 * A section: its title (h2) and each block (a div, or a figure for a chart, with its title in an
 * h3); charts are given ids from the section's `index`.
 *
 * @example
 * ```ts
 * report.sections.map((s, i) => section(s, i)).join("\n");
 * ```
 */
export function section(s: ReportSection, index: number): string {
  const blocks = s.blocks.map((b, j) => block(b, `c${index}-${j}`));
  return [
    `<section class="report-section" data-section>`,
    `<h2 data-section-title>${htmlText(s.title)}</h2>`,
    ...(blocks.length === 0 ? [`<p class="empty">Nothing in this section.</p>`] : blocks),
    `</section>`,
  ].join("\n");
}
