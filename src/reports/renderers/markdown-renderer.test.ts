import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ChartBlock } from "../report-model.js";
import {
  checkShowsReport,
  type ParsedBlock,
  type ParsedFinding,
  type ParsedReportText,
  type ParsedSection,
  reportRendererContract,
} from "../report-renderer.case.js";
import type { ReportRenderer } from "../report-renderer.js";
import { sampleReport } from "../sample-report.js";
import { markdownRenderer, markdownText, renderMarkdown } from "./markdown-renderer.js";

// No Markdown library is installed: this reader follows CommonMark's rules for the constructs the
// renderer writes (ATX headings, lists, GFM pipe tables, fenced code, backslash escapes, numeric
// character references, `<br>`), and rejects whatever it does not expect.

const PUNCTUATION = /[!-/:-@[-`{-~]/;

/** The index of the first `needle` in `text` from `from` that no backslash escapes; -1 if none. */
function indexOfUnescaped(text: string, needle: string, from = 0): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\" && PUNCTUATION.test(text[i + 1] ?? "")) i++;
    else if (text.startsWith(needle, i)) return i;
  }
  return -1;
}

/** Inline Markdown back to text: backslash escapes, `<br>`, numeric references; no other markup allowed. */
function inline(markdown: string): string {
  let out = "";
  for (let i = 0; i < markdown.length; i++) {
    const ch = markdown.charAt(i);
    const next = markdown.charAt(i + 1);
    const reference = /^&#(\d+);/.exec(markdown.slice(i));
    if (ch === "\\" && PUNCTUATION.test(next)) {
      out += next;
      i++;
    } else if (markdown.startsWith("<br>", i)) {
      out += "\n";
      i += 3;
    } else if (reference) {
      out += String.fromCodePoint(Number(reference[1]));
      i += reference[0].length - 1;
    } else {
      // Anything Markdown would act on must have been escaped.
      assert.ok(
        !/[*_`[\]<>|#~&$\\]/.test(ch),
        `unescaped ${JSON.stringify(ch)} in ${JSON.stringify(markdown)}`,
      );
      out += ch;
    }
  }
  return out;
}

/** The cells of a GFM table row: split at unescaped pipes, trimmed, not yet unescaped. */
function rowCells(line: string): string[] {
  assert.ok(line.startsWith("|") && line.endsWith("|"), `table row ${JSON.stringify(line)}`);
  const cells: string[] = [];
  let start = 1;
  for (let at = indexOfUnescaped(line, "|", 1); at !== -1; at = indexOfUnescaped(line, "|", at + 1)) {
    cells.push(line.slice(start, at).trim());
    start = at + 1;
  }
  assert.equal(start, line.length, `text after the last pipe in ${JSON.stringify(line)}`);
  return cells;
}

/** A GFM table: header cells and body rows (raw), checking the delimiter row and column counts. */
function gfmTable(lines: readonly string[]): { header: string[]; body: string[][] } {
  const [head, delimiter, ...rest] = lines;
  const header = rowCells(head ?? "");
  const delimiters = rowCells(delimiter ?? "");
  assert.equal(delimiters.length, header.length, "delimiter row width");
  for (const d of delimiters) assert.match(d, /^:?-+:?$/, "delimiter cell");
  const body = rest.map(rowCells);
  for (const row of body) assert.equal(row.length, header.length, "row width");
  return { header, body };
}

/** Splits `lines` into runs separated by blank lines. */
function paragraphs(lines: readonly string[]): string[][] {
  const runs: string[][] = [];
  let run: string[] = [];
  for (const line of lines) {
    if (line === "") {
      if (run.length > 0) runs.push(run);
      run = [];
    } else run.push(line);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

const CHARTS: Readonly<Record<string, ChartBlock["chart"]>> = {
  "Time series": "timeseries",
  "Bar chart": "bar",
  Breakdown: "breakdown",
};

/** A figures list item: `- label: **value** unit`. */
function figure(line: string): { label: string; value: string; unit: string } {
  assert.ok(line.startsWith("- "), `figure ${JSON.stringify(line)}`);
  const open = indexOfUnescaped(line, "**", 2);
  const close = indexOfUnescaped(line, "**", open + 2);
  assert.ok(
    open > 2 && close > open && line.slice(open - 2, open) === ": ",
    `figure ${JSON.stringify(line)}`,
  );
  const rest = line.slice(close + 2);
  assert.ok(rest === "" || rest.startsWith(" "), `figure unit ${JSON.stringify(line)}`);
  return {
    label: inline(line.slice(2, open - 2)),
    value: inline(line.slice(open + 2, close)),
    unit: inline(rest.slice(1)),
  };
}

function findingsList(lines: readonly string[]): ParsedFinding[] {
  const findings: { severity: string; title: string; detail?: string; evidenceSeqs: number[] }[] = [];
  for (const line of lines) {
    const head = /^- \*\*([a-z]+)\*\*: (.*)$/.exec(line);
    const last = findings.at(-1);
    if (head) {
      findings.push({ severity: head[1] ?? "", title: inline(head[2] ?? ""), evidenceSeqs: [] });
    } else if (last && line.startsWith("  - ") && last.detail === undefined) {
      last.detail = inline(line.slice(4));
    } else if (last && line.startsWith("  - evidence: seq ") && last.evidenceSeqs.length === 0) {
      last.evidenceSeqs = line
        .slice("  - evidence: seq ".length)
        .split(", ")
        .map((seq) => {
          assert.match(seq, /^\d+$/);
          return Number(seq);
        });
    } else assert.fail(`findings line ${JSON.stringify(line)}`);
  }
  return findings.map((f) => ({ ...f, detail: f.detail ?? assert.fail(`finding ${f.title} has no detail`) }));
}

/** A block: the lines under its `###` heading. */
function parseBlock(title: string, lines: readonly string[]): ParsedBlock {
  const runs = paragraphs(lines);
  const [first, ...others] = runs;
  const only = (run: string[] | undefined) => (run?.length === 1 ? run[0] : undefined);
  const chartHead = /^_(Time series|Bar chart|Breakdown)(?: \((.*)\))?_$/.exec(only(first) ?? "");
  if (chartHead) {
    const chart = CHARTS[chartHead[1] ?? ""] ?? assert.fail("chart kind");
    const unit = inline(chartHead[2] ?? "");
    if (only(others[0]) === "_No data points._" && others.length === 1) {
      return { kind: "chart", title, chart, unit, points: [] };
    }
    assert.equal(others.length, 1, `chart ${title}: one table`);
    const { header, body } = gfmTable(others[0] ?? []);
    assert.equal(header[1], markdownText(unit || "Value"));
    const points = body.map(([label, value, bar]) => {
      assert.match(bar ?? "", /^█*( \d+\.\d %)?$|^\d+\.\d %$/, "bar");
      return { label: inline(label ?? ""), value: inline(value ?? "") };
    });
    return { kind: "chart", title, chart, unit, points };
  }
  if (first?.[0]?.startsWith("|") || only(first) === "_No columns._") {
    let truncated = 0;
    const notes = others.map((run) => only(run) ?? assert.fail(`table ${title}: ${run.join("\n")}`));
    for (const note of notes) {
      const more = /^_(\d+) more rows? left out\._$/.exec(note);
      if (more) truncated = Number(more[1]);
      else assert.ok(note === "_No rows._", `table ${title}: ${note}`);
    }
    if (only(first) === "_No columns._") return { kind: "table", title, columns: [], rows: [], truncated };
    const { header, body } = gfmTable(first ?? []);
    assert.equal(notes.includes("_No rows._"), body.length === 0, `table ${title}: "No rows" note`);
    return {
      kind: "table",
      title,
      columns: header.map(inline),
      rows: body.map((row) => row.map(inline)),
      truncated,
    };
  }
  assert.ok(others.length === 0, `block ${title}: one list`);
  if (only(first) === "_No findings._") return { kind: "findings", title, findings: [] };
  if (only(first) === "_No figures._") return { kind: "figures", title, figures: [] };
  if (first?.[0]?.startsWith("- **")) return { kind: "findings", title, findings: findingsList(first) };
  return { kind: "figures", title, figures: (first ?? []).map(figure) };
}

/** The provenance list: `- Key: value` items, and the filter's sub-list. */
function provenanceItems(lines: readonly string[]): { items: Map<string, string>; filter: string[] } {
  const items = new Map<string, string>();
  const filter: string[] = [];
  let inFilter = false;
  for (const line of lines) {
    if (inFilter && line.startsWith("  - ")) {
      filter.push(inline(line.slice(4)));
      continue;
    }
    const item =
      /^- ([A-Z][a-z ]+):(?: (.*))?$/.exec(line) ?? assert.fail(`provenance line ${JSON.stringify(line)}`);
    const [, key = "", value = ""] = item;
    assert.ok(!items.has(key), `${key} given twice`);
    items.set(key, value);
    inFilter = key === "Filter" && value === "";
  }
  return { items, filter };
}

/** The parse adapter: reads the Markdown back line by line. */
function parseMarkdownReport(bytes: Buffer): ParsedReportText {
  const text = bytes.toString("utf8");
  assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"), "ends with one newline");
  const lines = text.slice(0, -1).split("\n");
  const title = /^# (.*)$/.exec(lines[0] ?? "") ?? assert.fail("title line");
  assert.equal(lines[1], "");
  // The provenance list, then the checkpoint note in a fence.
  const noteAt = lines.indexOf("Checkpoint note:");
  assert.ok(noteAt > 0, "checkpoint note");
  const { items, filter } = provenanceItems(lines.slice(2, noteAt - 1));
  assert.equal(lines[noteAt - 1], "");
  assert.equal(lines[noteAt + 1], "");
  const fence = lines[noteAt + 2] ?? "";
  assert.match(fence, /^`{3,}$/);
  const fenceEnd = lines.indexOf(fence, noteAt + 3);
  assert.ok(fenceEnd > 0, "the note's fence is closed");
  const note = `${lines.slice(noteAt + 3, fenceEnd).join("\n")}\n`;

  const item = (key: string) => items.get(key) ?? assert.fail(`provenance ${key} missing`);
  const period = /^(.*) to (.*) \(end excluded\)$/.exec(item("Period")) ?? assert.fail("period");
  const state = (key: string): boolean | undefined => {
    const value = item(key);
    if (value === "not checked") return undefined;
    assert.ok(value === "verified" || value === "**not verified**", `${key}: ${value}`);
    return value === "verified";
  };
  const level =
    /^(.*) — which event fields tables show$/.exec(item("Audit level")) ?? assert.fail("audit level line");
  const filterItem = item("Filter");
  assert.ok(
    filterItem === ""
      ? filter.length > 0
      : filterItem === "none (every event in the period)" && filter.length === 0,
    `filter: ${filterItem}`,
  );

  // Sections (`##`) of blocks (`###`).
  const sections: { title: string; blocks: ParsedBlock[]; lines: string[] }[] = [];
  let block: { title: string; lines: string[] } | undefined;
  const closeBlock = () => {
    const section = sections.at(-1);
    if (block && section) section.blocks.push(parseBlock(block.title, block.lines));
    block = undefined;
  };
  // A branding footer: a `---` rule, a blank line and one paragraph, at the very end.
  let footer = "";
  let body = lines.slice(fenceEnd + 1);
  const rule = body.lastIndexOf("---");
  if (rule >= 0) {
    assert.equal(body[rule - 1], "", "a blank line before the footer rule");
    assert.equal(body[rule + 1], "", "a blank line after the footer rule");
    assert.equal(body.length, rule + 3, "the footer is one line, at the end");
    footer = inline(body[rule + 2] ?? "");
    body = body.slice(0, rule - 1);
  }
  for (const line of body) {
    const heading = /^(#{2,3})(?: (.*))?$/.exec(line);
    if (heading?.[1] === "##") {
      closeBlock();
      sections.push({ title: inline(heading[2] ?? ""), blocks: [], lines: [] });
    } else if (heading?.[1] === "###") {
      closeBlock();
      assert.ok(sections.length > 0, "a block before any section");
      block = { title: inline(heading[2] ?? ""), lines: [] };
    } else if (block) block.lines.push(line);
    else {
      const section = sections.at(-1);
      if (section) section.lines.push(line);
      else assert.equal(line, "", "text between the note and the first section");
    }
  }
  closeBlock();
  for (const s of sections) {
    const said = paragraphs(s.lines);
    if (s.blocks.length === 0) assert.deepStrictEqual(said, [["_Nothing in this section._"]], s.title);
    else assert.deepStrictEqual(said, [], `text between ${s.title} and its first block`);
  }

  return {
    provenance: {
      type: inline(item("Type")),
      title: inline(title[1] ?? ""),
      generatedAt: inline(item("Generated")),
      since: inline(period[1] ?? ""),
      until: inline(period[2] ?? ""),
      filter,
      auditLevel: inline(level[1] ?? ""),
      origin: inline(item("Checkpoint origin")),
      treeSize: inline(item("Tree size")),
      rootHash: inline(item("Root hash")),
      signatureVerified: state("Signature") === true,
      storeVerified: state("Store"),
      note,
    },
    sections: sections.map((s): ParsedSection => ({ title: s.title, blocks: s.blocks })),
    branding: { organisation: items.has("Organisation") ? inline(item("Organisation")) : "", footer },
  };
}

reportRendererContract(() => markdownRenderer, parseMarkdownReport, { audience: "people" });

describe("markdownRenderer", () => {
  test("starts with the title and the provenance", () => {
    const text = renderMarkdown(sampleReport());
    const head = text.split("\n").slice(0, 16);
    assert.deepStrictEqual(head, [
      "# Activity — November 2026",
      "",
      "- Type: activity",
      "- Generated: 2026-12-01T00:00:05.123Z",
      "- Period: 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z (end excluded)",
      "- Filter:",
      "  - tenant=acme",
      '  - actor.id\\~"zoë, \\*"',
      "- Audit level: standard — which event fields tables show",
      "- Checkpoint origin: audit.example.com/sealtrail",
      "- Tree size: 48213",
      "- Root hash: 3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho=",
      "- Signature: verified",
      "- Store: verified",
      "",
      "Checkpoint note:",
    ]);
    const unchecked = renderMarkdown(
      sampleReport({ signatureVerified: false, storeVerified: "not-run", filter: [] }),
    );
    assert.ok(unchecked.includes("\n- Filter: none (every event in the period)\n"));
    assert.ok(unchecked.includes("\n- Signature: **not verified**\n- Store: not checked\n"));
    assert.ok(
      renderMarkdown(sampleReport({ storeVerified: false })).includes("\n- Store: **not verified**\n"),
    );
  });

  test("figures as a list, tables as GFM tables with escaped pipes and line breaks", () => {
    const text = renderMarkdown(sampleReport());
    assert.ok(
      text.includes(
        "\n## Overview\n\n### Totals\n\n- Events: **48213**\n- Failure rate: **0.30000000000000004** %\n",
      ),
    );
    assert.ok(text.includes('\n- Busiest tenant, by events: **acme, "inc." \\| \\*main\\***\n'));
    assert.ok(
      text.includes(
        '\n| Actor | Most frequent action | Outcome | Events | Share % | Verified | Last seen | Note, "quoted" \\| piped |\n' +
          "| --- | --- | --- | ---: | ---: | --- | --- | --- |\n",
      ),
    );
    assert.ok(text.includes("| line one<br>line two |"));
    assert.ok(text.includes("| crlf&#13;<br>line |"));
    assert.ok(text.includes("| pipe \\| in \\| cell |"));
    assert.ok(text.includes("| &#32;&#32;leading and trailing spaces&#32;&#32; |"));
    assert.ok(text.includes("\n_37 more rows left out._\n"));
  });

  test("charts as label and value tables with bars scaled to the largest value", () => {
    const text = renderMarkdown(sampleReport());
    assert.ok(
      text.includes(
        "### Events by action\n\n_Bar chart (events)_\n\n| Category | events |  |\n| --- | ---: | --- |\n" +
          "| user.login | 30112 | ████████████████████ |\n" +
          "| key\\|rotate \\*now\\* | 17 | █ |\n" +
          "| config, change | 5903.5 | ████ |\n",
      ),
      text,
    );
    assert.ok(text.includes("| success | 45210 | ████████████████████ 93.8 % |"));
    const edge = renderMarkdown(sampleReport({ variant: "edge-cases" }));
    assert.ok(
      edge.includes(
        "_Bar chart_\n\n| Category | Value |  |\n| --- | ---: | --- |\n| a | 0 |  |\n| b | 0 |  |\n",
      ),
    );
    assert.ok(edge.includes("| down | -4 |  |"));
    assert.ok(edge.includes("### No points\n\n_Time series (events)_\n\n_No data points._\n"));
  });

  test("findings with severity, title, detail and evidence seqs", () => {
    const text = renderMarkdown(sampleReport());
    assert.ok(
      text.includes(
        "- **high**: Burst of failed logins \\| bob\n" +
          "  - 14 failed logins within one minute from one address,<br>then a success.\n" +
          "  - evidence: seq 12, 13, 9007199254740991\n",
      ),
    );
    assert.ok(text.includes("- **medium**: Key rotated late: \\*k1\\*\n  - \\- The policy asks"));
    assert.ok(text.includes("- **low**: Unusual hour\n  - 1\\. A change at 03:12 UTC"));
    assert.ok(text.includes("- **info**: Retention\n  - Events older than 400 days were archived.\n"));
  });

  test("markdownText escapes what Markdown acts on, and the reader gets the text back", () => {
    assert.equal(markdownText("a | *b*\nc"), "a \\| \\*b\\*<br>c");
    assert.equal(markdownText("<script>&amp;"), "\\<script\\>\\&amp;");
    assert.equal(markdownText(" x\t"), "&#32;x&#9;");
    assert.equal(markdownText("\u0000\u001b"), "&#0;&#27;");
    for (const value of ["", "   ", "\\|", "a\\", "`x`", "[a](b)", "~~s~~ $m$ # h", "tab\tin", "🎉"]) {
      assert.equal(inline(markdownText(value)), value, JSON.stringify(value));
    }
  });

  test("the contract fails a renderer that forgets to escape pipes or drops a table line", async () => {
    const unescaped: ReportRenderer = {
      ...markdownRenderer,
      render: async (report, out) => {
        out.write(renderMarkdown(report).replaceAll("\\|", "|"));
      },
    };
    await assert.rejects(checkShowsReport(unescaped, parseMarkdownReport, sampleReport(), "people"));
    const dropped: ReportRenderer = {
      ...markdownRenderer,
      render: async (report, out) => {
        out.write(renderMarkdown(report).replace(/^\| user-24 \|.*\n/m, ""));
      },
    };
    assert.match(renderMarkdown(sampleReport()), /^\| user-24 \|/m);
    await assert.rejects(
      checkShowsReport(dropped, parseMarkdownReport, sampleReport(), "people"),
      /number of rows shown/,
    );
  });
});
