import type {
  ChartBlock,
  FiguresBlock,
  FindingsBlock,
  Report,
  ReportBlock,
  TableBlock,
} from "../report-model.js";
import type { ReportRenderer } from "../report-renderer.js";
import { CHART_NAMES } from "./chart-names.js";
import { forPeople } from "./for-people.js";
import { AUDIT_LEVEL_MEANING, cellText, writeText } from "./render-output.js";

/** The widest chart bar, in characters. */
const BAR_WIDTH = 20;

/** ASCII punctuation that Markdown (CommonMark, GFM, GitHub math) would act on. */
const ACTIVE = new Set(["\\", "`", "*", "_", "[", "]", "<", ">", "|", "#", "~", "&", "$"]);

/**
 * Report text as Markdown inline text that reads back as the same text: markup characters
 * backslash-escaped, line breaks as `<br>`, other control characters and leading or trailing
 * blanks (which tables and lists would drop) as numeric character references.
 *
 * @example
 * ```ts
 * markdownText("a | *b*\nc"); // "a \\| \\*b\\*<br>c"
 * ```
 */
export function markdownText(value: string): string {
  const lead = /^[ \t]*/.exec(value)?.[0].length ?? 0;
  const trail = lead === value.length ? 0 : (/[ \t]*$/.exec(value)?.[0].length ?? 0);
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    const code = value.charCodeAt(i);
    if (i < lead || i >= value.length - trail) out += `&#${code};`;
    else if (ch === "\n") out += "<br>";
    else if (ACTIVE.has(ch)) out += `\\${ch}`;
    else if ((code < 0x20 && ch !== "\t") || code === 0x7f) out += `&#${code};`;
    else out += ch;
  }
  return out;
}

/** {@link markdownText} for text that starts a block (a list item): list and heading markers escaped too. */
function startText(value: string): string {
  const escaped = markdownText(value);
  if (/^[-+=]/.test(escaped)) return `\\${escaped}`;
  return escaped.replace(/^(\d+)([.)])/, "$1\\$2");
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function figures(block: FiguresBlock): string[] {
  if (block.figures.length === 0) return ["_No figures._"];
  return block.figures.map(
    (f) =>
      `- ${startText(f.label)}: **${markdownText(cellText(f.value))}**${f.unit ? ` ${markdownText(f.unit)}` : ""}`,
  );
}

function table(block: TableBlock): string[] {
  if (block.columns.length === 0) return ["_No columns._"];
  // Columns of numbers only are aligned right.
  const numeric = block.columns.map((c) => {
    const values = block.rows.map((r) => r[c.key]).filter((v) => v !== null && v !== undefined);
    return values.length > 0 && values.every((v) => typeof v === "number");
  });
  const lines = [
    tableRow(block.columns.map((c) => markdownText(c.label))),
    tableRow(numeric.map((right) => (right ? "---:" : "---"))),
    ...block.rows.map((row) => tableRow(block.columns.map((c) => markdownText(cellText(row[c.key]))))),
  ];
  if (block.rows.length === 0) lines.push("", "_No rows._");
  if (block.truncated) {
    lines.push("", `_${block.truncated} more ${block.truncated === 1 ? "row" : "rows"} left out._`);
  }
  return lines;
}

function chart(block: ChartBlock): string[] {
  const lines = [`_${CHART_NAMES[block.chart]}${block.unit ? ` (${markdownText(block.unit)})` : ""}_`, ""];
  if (block.points.length === 0) return [...lines, "_No data points._"];
  const max = Math.max(0, ...block.points.map((p) => p.value));
  const total = block.points.reduce((sum, p) => sum + p.value, 0);
  const shares = block.chart === "breakdown" && total > 0 && block.points.every((p) => p.value >= 0);
  const bar = (value: number): string => {
    const width = value > 0 && max > 0 ? Math.max(1, Math.round((value / max) * BAR_WIDTH)) : 0;
    const share = shares ? ` ${((value / total) * 100).toFixed(1)} %` : "";
    return `${"█".repeat(width)}${share}`.trim();
  };
  return [
    ...lines,
    tableRow([block.chart === "timeseries" ? "Time" : "Category", markdownText(block.unit || "Value"), ""]),
    tableRow(["---", "---:", "---"]),
    ...block.points.map((p) => tableRow([markdownText(p.label), cellText(p.value), bar(p.value)])),
  ];
}

function findings(block: FindingsBlock): string[] {
  if (block.findings.length === 0) return ["_No findings._"];
  return block.findings.flatMap((f) => {
    const evidence = f.evidenceSeqs ?? [];
    return [
      `- **${markdownText(f.severity)}**: ${markdownText(f.title)}`,
      `  - ${startText(f.detail)}`,
      ...(evidence.length > 0 ? [`  - evidence: seq ${evidence.join(", ")}`] : []),
    ];
  });
}

function blockLines(block: ReportBlock): string[] {
  switch (block.kind) {
    case "figures":
      return figures(block);
    case "table":
      return table(block);
    case "chart":
      return chart(block);
    case "findings":
      return findings(block);
  }
}

/** A fence of backticks longer than any run of backticks in `body` (and at least three). */
function fence(body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  return "`".repeat(Math.max(3, longest + 1));
}

/**
 * The report as Markdown (CommonMark with GFM tables) text.
 *
 * @example
 * ```ts
 * renderMarkdown(report).split("\n")[0]; // "# Activity — November 2026"
 * ```
 */
export function renderMarkdown(stored: Report): string {
  const report = forPeople(stored);
  const p = report.provenance;
  const { checkpoint } = p;
  const verified = (ok: boolean | undefined): string =>
    ok === undefined ? "not checked" : ok ? "verified" : "**not verified**";
  const note = checkpoint.note.endsWith("\n") ? checkpoint.note : `${checkpoint.note}\n`;
  const noteFence = fence(note);
  const lines = [
    `# ${markdownText(p.title)}`,
    "",
    ...(report.branding?.organisation
      ? [`- Organisation: ${markdownText(report.branding.organisation)}`]
      : []),
    `- Type: ${markdownText(p.type)}`,
    `- Generated: ${markdownText(p.generatedAt)}`,
    `- Period: ${markdownText(p.period.since)} to ${markdownText(p.period.until)} (end excluded)`,
    ...(p.filter.length === 0
      ? ["- Filter: none (every event in the period)"]
      : ["- Filter:", ...p.filter.map((expression) => `  - ${startText(expression)}`)]),
    `- Audit level: ${markdownText(p.auditLevel)} — ${AUDIT_LEVEL_MEANING}`,
    `- Checkpoint origin: ${markdownText(checkpoint.origin)}`,
    `- Tree size: ${checkpoint.treeSize}`,
    `- Root hash: ${markdownText(checkpoint.rootHash)}`,
    `- Signature: ${verified(checkpoint.signatureVerified)}`,
    `- Store: ${verified(checkpoint.storeVerified)}`,
    "",
    "Checkpoint note:",
    "",
    noteFence,
    note + noteFence,
  ];
  for (const section of report.sections) {
    lines.push("", `## ${markdownText(section.title)}`);
    if (section.blocks.length === 0) lines.push("", "_Nothing in this section._");
    for (const block of section.blocks)
      lines.push("", `### ${markdownText(block.title)}`, "", ...blockLines(block));
  }
  if (report.branding?.footer) lines.push("", "---", "", startText(report.branding.footer));
  return `${lines.join("\n")}\n`;
}

/**
 * Renders a report as Markdown, for people: a title, the provenance as a list (the branding's
 * organisation when there is one, period, filter, "Audit level: standard — which event fields
 * tables show", checkpoint origin, tree size and root hash, "Signature: verified", "Store: verified", "not
 * verified" or "not checked") and the checkpoint note; each section a `##` heading and each
 * block a `###` one; figures as a list (`- Label: **value** unit`); tables as GFM pipe tables
 * (with the count of rows left out); charts as a table of label, value and a bar of █ scaled to
 * the largest value (shares of the whole for a breakdown); findings as a list of severity and
 * title with the detail and "evidence: seq 12, 40" beneath. Every number is shown exactly
 * (`String(n)`), and report text is escaped so that it shows as written
 * ({@link markdownText}). A branding footer ends the document, after a `---` rule.
 *
 * @example
 * ```ts
 * await markdownRenderer.render(report, process.stdout);
 * ```
 */
export const markdownRenderer: ReportRenderer = {
  format: "markdown",
  mediaType: "text/markdown; charset=utf-8",
  extension: "md",
  async render(report, out) {
    await writeText(out, renderMarkdown(report));
  },
};
