import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { describe, test } from "node:test";
import { inflateSync } from "node:zlib";
import type { ChartBlock, FindingSeverity, Report } from "../report-model.js";
import {
  checkShowsReport,
  type DrawnText,
  type ParsedBlock,
  type ParsedFinding,
  type ParsedReportText,
  type ParsedSection,
  renderBytes,
  reportRendererContract,
} from "../report-renderer.case.js";
import { sampleReport } from "../sample-report.js";
import { COLORS, SEVERITY_COLORS, seriesColor } from "./palette.js";
import { chartAlt } from "./pdf/pdf-charts.js";
import { drawableText, linesOf } from "./pdf/pdf-text.js";
import { pdfRenderer } from "./pdf-renderer.js";

/** Poppler's tools, a PDF reader that is not ours; the tests skip without them. */
const POPPLER = ["pdftotext", "pdftoppm"].every((tool) => spawnSync(tool, ["-v"]).error === undefined);
const SKIP = POPPLER ? false : "poppler-utils (pdftotext, pdftoppm) not installed: PDF tests skipped";

/** Writes `bytes` to a temp file, runs `use` on its path, removes it. */
function withTempPdf<T>(bytes: Buffer, use: (path: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "sealtrail-pdf-"));
  try {
    const path = join(dir, "report.pdf");
    writeFileSync(path, bytes);
    return use(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text poppler extracts, in content order (`-raw`), pages separated by form feeds. */
function pdfText(bytes: Buffer): string {
  return withTempPdf(bytes, (path) =>
    execFileSync("pdftotext", ["-raw", "-enc", "UTF-8", path, "-"], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    }),
  );
}

/** The PDF's drawing operators: every Flate stream inflated (pdfkit compresses them all). */
function contentStreams(bytes: Buffer): string {
  const parts: string[] = [];
  for (let at = bytes.indexOf("stream\n"); at >= 0; ) {
    const end = bytes.indexOf("\nendstream", at);
    try {
      parts.push(inflateSync(bytes.subarray(at + 7, end)).toString("latin1"));
    } catch {
      // Not a Flate stream.
    }
    at = bytes.indexOf("stream\n", end + 10);
  }
  return parts.join("\n");
}

/** The operator that makes `#rrggbb` the fill colour, as pdfkit writes it. */
function fillOperator(color: string): string {
  return `${[1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16) / 255).join(" ")} scn`;
}

/** An element of the structure tree as `pdfinfo -struct-text` prints it. */
interface StructNode {
  readonly type: string;
  readonly children: StructNode[];
  /** The text of each of its own marked-content sequences as drawn (glyphs), in order. */
  readonly shown: string[];
  /** The same texts as text extraction gives them (ActualText where the PDF has it). */
  readonly exact: string[];
  /** Whether it is, or is inside, a Figure. */
  readonly inFigure: boolean;
}

/** Poppler's structure tree of the PDF at `path`: `pdfinfo -struct-text`, two spaces per level. */
function structTree(path: string): StructNode {
  const printed = execFileSync("pdfinfo", ["-struct-text", path], { encoding: "utf8", maxBuffer: 1 << 28 });
  const root: StructNode = { type: "(root)", children: [], shown: [], exact: [], inFigure: false };
  const stack: { node: StructNode; indent: number }[] = [{ node: root, indent: -1 }];
  for (const line of printed.split("\n")) {
    if (line.trim() === "") continue;
    const indent = line.length - line.trimStart().length;
    while ((stack.at(-1)?.indent ?? -1) >= indent) stack.pop();
    const parent = stack.at(-1)?.node ?? root;
    const rest = line.trimStart();
    if (rest.startsWith('"')) {
      assert.ok(rest.endsWith('"'), `a text line: ${line}`);
      parent.shown.push(rest.slice(1, -1));
    } else if (rest.startsWith("/")) {
      // An attribute of the element above.
    } else {
      const type = /^[A-Za-z0-9]+/.exec(rest)?.[0] ?? assert.fail(`an element line: ${line}`);
      const node: StructNode = {
        type,
        children: [],
        shown: [],
        exact: [],
        inFigure: parent.inFigure || type === "Figure",
      };
      parent.children.push(node);
      stack.push({ node, indent });
    }
  }
  return root;
}

/** The glyph the built-in fonts draw for a character of extracted text ("" for a line break). */
function glyphOf(ch: string): string {
  if (/^[\r\n\u2028\u2029]$/.test(ch)) return "";
  if (ch === "\t") return " ";
  return drawableText(ch);
}

/**
 * The parse adapter's reading of a PDF: poppler's structure tree (`pdfinfo -struct-text`: element
 * types, order, and the text drawn in each) and its text extraction (`pdftotext -raw`: content
 * order, ActualText in place of the glyphs). Each text of the tree is found in the extracted text,
 * in order, as the stretch whose glyphs are the ones the tree shows; that stretch is its exact
 * text. What is left between is page furniture: an optional footer and "Page N of M" at the end
 * of each page. Returns the tree (with `exact` filled in) and each page's footer.
 */
function readPdf(bytes: Buffer): { tree: StructNode; footers: string[] } {
  return withTempPdf(bytes, (path) => {
    const tree = structTree(path);
    const raw = execFileSync("pdftotext", ["-raw", "-enc", "UTF-8", path, "-"], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    })
      // Poppler writes right-to-left runs in visual order between U+202B and U+202C: reverse them
      // back to logical order (by code point), then drop the marks.
      .replace(/\u202b([^\u202c]*)\u202c/g, (_, run: string) => [...run].reverse().join(""))
      .replace(/[\u202a-\u202e]/g, "");
    const chars = [...raw];
    const pageCount = raw.split("\f").length - 1;
    const footers: string[] = [];
    let at = 0;
    let pageStart = true;
    /** The end of `shown` drawn from `start` on, exact (undefined: it is not there). */
    const exactEnd = (start: number, shown: string): number | undefined => {
      const want = [...shown];
      let i = start;
      let j = 0;
      while (j < want.length) {
        const ch = chars[i];
        if (ch === undefined || ch === "\f") return undefined;
        const glyph = glyphOf(ch);
        // A text is one line (with line breaks at its start or end): a line break inside it
        // is where the line wrapped, and the glyphs the tree shows say what the text is.
        if (glyph === "" && j > 0) return undefined;
        if (glyph === "") i++;
        else if (glyph === want[j]) {
          i++;
          j++;
        } else return undefined;
      }
      // Line breaks after the text are its own, but for the last: the line break before the next
      // text (so a text that ends with a line break must be followed by one on another line).
      let k = i;
      while (/^[\r\n\u2028\u2029]$/.test(chars[k] ?? "")) k++;
      if (k > i && chars[k - 1] === "\n") k--;
      return k;
    };
    /** The end of a Figure's text from `start` on, white space aside (it has no ActualText). */
    const looseEnd = (start: number, shown: string): number | undefined => {
      const want = [...shown.replace(/\s/g, "")];
      let i = start;
      for (const w of want) {
        while (/^\s$/.test(chars[i] ?? "") && chars[i] !== "\f") i++;
        if (chars[i] !== w) return undefined;
        i++;
      }
      return i;
    };
    /** Reads the furniture at the end of the page `at` is on, if that is all that is left of it. */
    const furniture = (): boolean => {
      const end = chars.indexOf("\f", at);
      if (end < 0) return false;
      const rest = chars.slice(at, end).join("");
      const page = footers.length + 1;
      const m = /^[ \n]?(?:([\s\S]*?)[ \n])?Page (\d+) of (\d+)\n$/.exec(rest);
      if (!m || Number(m[2]) !== page || Number(m[3]) !== pageCount) return false;
      footers.push(m[1] ?? "");
      at = end + 1;
      pageStart = true;
      return true;
    };
    const place = (node: StructNode): void => {
      for (const shown of node.shown) {
        let placed = false;
        while (!placed) {
          const starts = !pageStart && (chars[at] === " " || chars[at] === "\n") ? [at + 1, at] : [at];
          // Text with ActualText reads back as exactly what it says; text without (a Figure's, or
          // text that is its glyphs on one line) as its glyphs, wherever extraction broke lines.
          const ways = node.inFigure
            ? []
            : starts.map((start) => ({ start, end: exactEnd(start, shown), loose: false }));
          ways.push(...starts.map((start) => ({ start, end: looseEnd(start, shown), loose: true })));
          for (const { start, end, loose } of ways) {
            if (end === undefined) continue;
            node.exact.push(loose ? shown : chars.slice(start, end).join(""));
            at = end;
            pageStart = false;
            placed = true;
            break;
          }
          if (!placed && !furniture()) {
            assert.fail(
              `text ${JSON.stringify(shown)} not found at ${JSON.stringify(raw.slice(at, at + 80))}`,
            );
          }
        }
      }
      for (const child of node.children) place(child);
    };
    place(tree);
    while (at < chars.length && furniture()) {}
    assert.equal(at, chars.length, `text outside the structure: ${JSON.stringify(raw.slice(at, at + 80))}`);
    assert.equal(footers.length, pageCount, "furniture on every page");
    return { tree, footers };
  });
}

/**
 * The exact text of an element: its own content, then its children's. Its content is a
 * marked-content sequence per line; a line that does not end with a line break was ended by one
 * "\n".
 */
function textOf(node: StructNode | undefined): string {
  if (node === undefined) return "";
  const own = node.exact.map((line, i) =>
    i < node.exact.length - 1 && !/[\r\n\u2028\u2029]$/.test(line) ? `${line}\n` : line,
  );
  return own.join("") + node.children.map(textOf).join("");
}

/** Checks that `node` is a `type` element and returns it. */
function expect(node: StructNode | undefined, type: string, where: string): StructNode {
  assert.ok(node, `${where}: expected ${type}, found nothing`);
  assert.equal(node.type, type, `${where}: element type`);
  return node;
}
const SEVERITIES = new Set<FindingSeverity>(["info", "low", "medium", "high", "critical"]);
const CHART_NAMES: Readonly<Record<string, ChartBlock["chart"]>> = {
  "Time series": "timeseries",
  "Bar chart": "bar",
  Breakdown: "breakdown",
};

/** Provenance keys (the TH text without its colon) and their fields. */
const PROVENANCE_KEYS: Readonly<Record<string, string>> = {
  Type: "type",
  Generated: "generatedAt",
  "Period from": "since",
  "Period until": "until",
  Filter: "filter",
  "Audit level": "auditLevel",
  "Checkpoint origin": "origin",
  "Tree size": "treeSize",
  "Root hash": "rootHash",
  Signature: "signature",
  Store: "store",
  "Checkpoint note": "note",
};

/** The provenance Table: a row per key, the key in a TH, the value in a TD (a TH left empty continues the key above). */
function parseProvenance(table: StructNode): { fields: Map<string, string>; filter: string[] } {
  const fields = new Map<string, string>();
  const filter: string[] = [];
  let key = "";
  for (const row of table.children) {
    expect(row, "TR", "provenance");
    const [th, td, ...more] = row.children;
    assert.equal(more.length, 0, "provenance: a row of key and value");
    const label = textOf(expect(th, "TH", "provenance"));
    const value = textOf(expect(td, "TD", "provenance"));
    if (label !== "") {
      assert.ok(label.endsWith(":"), `provenance key ${label}`);
      key = PROVENANCE_KEYS[label.slice(0, -1)] ?? assert.fail(`provenance key ${label}`);
    } else assert.equal(key, "filter", "only filter expressions continue a key");
    if (key === "filter") {
      if (label !== "" && value === "none (every event in the period)") continue;
      filter.push(value);
      continue;
    }
    assert.ok(!fields.has(key), `${key} given twice`);
    fields.set(key, value);
  }
  return { fields, filter };
}

function parseFigures(d: StructNode[], title: string): ParsedBlock {
  const figures: { label: string; value: string; unit: string }[] = [];
  for (const node of d) {
    if (node.type === "P") {
      assert.equal(textOf(node), "No figures.", "a note in figures");
      assert.equal(figures.length, 0, "'No figures.' with figures");
      continue;
    }
    for (const row of expect(node, "Table", "figures").children) {
      expect(row, "TR", "figure");
      const [th, value, unit, ...more] = row.children;
      assert.equal(more.length, 0, "a figure: label, value, unit");
      figures.push({
        label: textOf(expect(th, "TH", "figure label")),
        value: textOf(expect(value, "TD", "figure value")),
        unit: unit === undefined ? "" : textOf(expect(unit, "TD", "figure unit")),
      });
    }
  }
  return { kind: "figures", title, figures };
}

function parseTable(d: StructNode[], title: string): ParsedBlock {
  let columns: string[] | undefined;
  const rows: string[][] = [];
  let truncated = 0;
  for (const node of d) {
    if (node.type === "P") {
      const note = textOf(node);
      const left = /^(\d+) more rows? left out\.$/.exec(note);
      if (left) truncated = Number(left[1]);
      else if (note === "No columns.") assert.equal(columns, undefined, "'No columns.' with columns");
      else if (note === "No rows.") assert.equal(rows.length, 0, "'No rows.' with rows");
      else assert.fail(`a note in a table: ${note}`);
      continue;
    }
    for (const row of expect(node, "Table", "table").children) {
      expect(row, "TR", "table row");
      const types = [...new Set(row.children.map((c) => c.type))];
      const cells = row.children.map(textOf);
      if (columns === undefined) {
        assert.deepStrictEqual(types, ["TH"], "the header row");
        columns = cells;
      } else if (types.includes("TH")) {
        // The header, again at the top of another page.
        assert.deepStrictEqual(types, ["TH"], "a repeated header row");
        assert.deepStrictEqual(cells, columns, "a repeated header row repeats the header");
      } else {
        assert.deepStrictEqual(types, ["TD"], "a row of cells");
        assert.equal(cells.length, columns.length, `table ${title}: a row cut short`);
        rows.push(cells);
      }
    }
  }
  return { kind: "table", title, columns: columns ?? [], rows, truncated };
}

function parseChart(kindLine: string, d: StructNode[], title: string): ParsedBlock {
  const m = /^(Time series|Bar chart|Breakdown)(?: \(([\s\S]*)\))?$/.exec(kindLine) ?? assert.fail(kindLine);
  const chart = CHART_NAMES[m[1] ?? ""] ?? assert.fail(kindLine);
  const unit = m[2] ?? "";
  const points: { label: string; value: string }[] = [];
  for (const node of d) {
    if (node.type === "Figure") continue;
    if (node.type === "P") {
      assert.equal(textOf(node), "No data points.", "a note in a chart");
      continue;
    }
    for (const row of expect(node, "Table", "chart data").children) {
      expect(row, "TR", "chart point");
      const [label, value, ...more] = row.children;
      assert.equal(more.length, 0, "a point: label and value");
      let shown = textOf(expect(value, "TD", "point value"));
      if (unit !== "") {
        assert.ok(shown.endsWith(` ${unit}`), `point value ${shown} in ${unit}`);
        shown = shown.slice(0, -unit.length - 1);
      }
      points.push({ label: textOf(expect(label, "TD", "point label")), value: shown });
    }
  }
  return { kind: "chart", title, chart, unit, points };
}

function parseFindings(d: StructNode[], title: string): ParsedBlock {
  const findings: ParsedFinding[] = [];
  for (const node of d) {
    if (node.type === "P") {
      assert.equal(textOf(node), "No findings.", "a note in findings");
      continue;
    }
    for (const item of expect(node, "L", "findings").children) {
      expect(item, "LI", "finding");
      const [lbl, body, ...more] = item.children;
      assert.equal(more.length, 0, "a finding: badge and body");
      const severity = textOf(expect(lbl, "Lbl", "severity")).toLowerCase();
      assert.ok(SEVERITIES.has(severity as FindingSeverity), `severity ${severity}`);
      const [t, detail, evidence, ...rest] = expect(body, "LBody", "finding body").children;
      assert.equal(rest.length, 0, "a finding: title, detail, evidence");
      const seqs = textOf(expect(evidence, "P", "evidence"));
      const listed =
        seqs === "Evidence: none given" ? "" : (/^Evidence: seq (.+)$/s.exec(seqs)?.[1] ?? assert.fail(seqs));
      const evidenceSeqs = listed === "" ? [] : listed.split(", ");
      for (const seq of evidenceSeqs) assert.match(seq, /^\d+$/, "evidence seq");
      findings.push({
        severity,
        title: textOf(expect(t, "P", "finding title")),
        detail: textOf(expect(detail, "P", "finding detail")),
        evidenceSeqs: evidenceSeqs.map(Number),
      });
    }
  }
  return { kind: "findings", title, findings };
}

/** A block's Div: its title (H3), then what its content's structure says it is. */
function parseBlock(div: StructNode): ParsedBlock {
  expect(div, "Div", "block");
  const [h3, ...content] = div.children;
  const title = textOf(expect(h3, "H3", "block title"));
  const first = content[0];
  if (content.some((n) => n.type === "L")) return parseFindings(content, title);
  if (first?.type === "P" && /^(Time series|Bar chart|Breakdown)\b/.test(textOf(first)))
    return parseChart(textOf(first), content.slice(1), title);
  // Figures are a Table of rows that start with a row header (or of none); a table's first row is all headers.
  const grid = content.find((n) => n.type === "Table");
  const firstRow = grid?.children[0];
  if (grid && (firstRow === undefined || firstRow.children.slice(1).some((c) => c.type === "TD")))
    return parseFigures(content, title);
  return parseTable(content, title);
}

/**
 * The parse adapter: the PDF read back through poppler ({@link readPdf}). Fields come from the
 * structure: the organisation is the P before the title (H1); the provenance a Table of TH and TD
 * rows; each section a Sect of its title (H2) and a Div per block (H3 and its content).
 */
function parsePdfReport(bytes: Buffer): ParsedReportText {
  assert.ok(bytes.subarray(0, 5).toString("latin1") === "%PDF-", "starts with %PDF-");
  const { tree, footers } = readPdf(bytes);
  assert.equal(tree.children.length, 1, "one structure tree root");
  const doc = expect(tree.children[0], "Document", "root");
  let i = 0;
  let organisation = "";
  if (doc.children[0]?.type === "P") organisation = textOf(doc.children[i++]);
  const title = textOf(expect(doc.children[i++], "H1", "title"));
  const { fields, filter } = parseProvenance(expect(doc.children[i++], "Table", "provenance"));
  const sections: ParsedSection[] = doc.children.slice(i).map((sect) => {
    expect(sect, "Sect", "section");
    const [h2, ...content] = sect.children;
    const blocks = content.filter((n) => {
      if (n.type !== "P") return true;
      assert.equal(textOf(n), "Nothing in this section.", "a note in a section");
      return false;
    });
    return { title: textOf(expect(h2, "H2", "section title")), blocks: blocks.map(parseBlock) };
  });
  assert.ok(
    footers.every((f) => f === footers[0]),
    "every page has the same footer",
  );
  const item = (key: string) => fields.get(key) ?? assert.fail(`provenance ${key} missing`);
  const state = (key: string): boolean | undefined => {
    const value = item(key).toLowerCase();
    if (value === "not checked") return undefined;
    assert.ok(value === "verified" || value === "not verified", `${key}: ${value}`);
    return value === "verified";
  };
  const until = /^([\s\S]*) \(excluded\)$/.exec(item("until")) ?? assert.fail("the period's end, excluded");
  const level = /^([\s\S]*?) — /.exec(item("auditLevel")) ?? assert.fail("the audit level and its meaning");
  return {
    provenance: {
      type: item("type"),
      title,
      generatedAt: item("generatedAt"),
      since: item("since"),
      until: until[1] ?? "",
      filter,
      auditLevel: level[1] ?? "",
      origin: item("origin"),
      treeSize: item("treeSize"),
      rootHash: item("rootHash"),
      signatureVerified: state("signature") === true,
      storeVerified: state("store"),
      note: item("note"),
    },
    sections,
    branding: { organisation, footer: footers[0] ?? "" },
  };
}

/** Each page's text (pdftotext ends every page with a form feed). */
function pages(extracted: string): string[] {
  const split = extracted.split("\f");
  assert.equal(split.at(-1)?.trim(), "", "text after the last page");
  return split.slice(0, -1);
}

/** Checks that every page says "Page N of M" with N its number and M the page count. */
function checkPageNumbers(extracted: string): number {
  const all = pages(extracted);
  all.forEach((page, i) => {
    const said = [...page.matchAll(/Page (\d+) of (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.deepStrictEqual(said, [[i + 1, all.length]], `page ${i + 1}'s footer`);
  });
  return all.length;
}

/**
 * The lines the PDF draws, as glyphs (poppler's pdftohtml, which reads the glyphs and not the
 * ActualText that stands for them), grouped into texts: a line that starts where the one before
 * it started, just below it, goes on the same text.
 */
function readDrawnTexts(bytes: Buffer): DrawnText[] {
  const xml = withTempPdf(bytes, (path) =>
    execFileSync("pdftohtml", ["-xml", "-i", "-stdout", "-q", path], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    }),
  );
  const entity = (text: string) =>
    text
      .replace(/<[^>]*>/g, "")
      .replace(/&(lt|gt|quot|apos|amp|#\d+);/g, (_, e: string) =>
        e === "lt"
          ? "<"
          : e === "gt"
            ? ">"
            : e === "quot"
              ? '"'
              : e === "apos"
                ? "'"
                : e === "amp"
                  ? "&"
                  : String.fromCodePoint(Number(e.slice(1))),
      );
  const texts: { lines: string[]; page: number; left: number; top: number; height: number }[] = [];
  let page = 0;
  for (const m of xml.matchAll(
    /<page |<text top="(\d+)" left="(\d+)" width="\d+" height="(\d+)"[^>]*>(.*?)<\/text>/g,
  )) {
    if (m[1] === undefined) {
      page++;
      continue;
    }
    const [top, left, height] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const line = entity(m[4] ?? "");
    const last = texts.at(-1);
    if (
      last &&
      last.page === page &&
      last.left === left &&
      top > last.top &&
      top - last.top <= last.height * 1.6
    ) {
      last.lines.push(line);
      last.top = top;
    } else texts.push({ lines: [line], page, left, top, height });
  }
  return texts.map(({ lines }) => ({ lines }));
}

if (POPPLER) {
  reportRendererContract(() => pdfRenderer, parsePdfReport, {
    audience: "people",
    drawnTexts: readDrawnTexts,
  });
} else test("ReportRenderer contract: pdf", { skip: SKIP }, () => {});

describe("pdfRenderer", { skip: SKIP }, () => {
  test("draws text the built-in fonts lack as '?', keeps WinAnsi text", () => {
    assert.equal(drawableText("Zürich 🎉 日本 — “ok” €"), "Zürich ? ?? — “ok” €");
    assert.equal(drawableText("a\r\nb\rc\u2028d\te\u0000"), "a\nb\nc\nd e?");
    assert.equal(drawableText("e\u0301\u200b"), "e??");
  });

  test("cuts text into lines, each with the line breaks that end it", () => {
    assert.deepStrictEqual(linesOf("a\r\n\nb\n"), ["a\r\n\n", "b\n"]);
    assert.deepStrictEqual(linesOf("\n\nx\ry\u2028z"), ["\n\nx\r", "y\u2028", "z"]);
    assert.deepStrictEqual(linesOf(""), []);
    assert.deepStrictEqual(linesOf("one line"), ["one line"]);
  });

  test("is a PDF that poppler renders, with 'Page N of M' on every page", async () => {
    const bytes = await renderBytes(pdfRenderer, sampleReport());
    assert.equal(bytes.subarray(0, 8).toString("latin1"), "%PDF-1.7");
    const count = checkPageNumbers(pdfText(bytes));
    assert.ok(count >= 2, `${count} pages`);
    withTempPdf(bytes, (path, dir) => {
      execFileSync("pdftoppm", ["-r", "50", "-png", path, join(dir, "page")]);
      const images = readdirSync(dir).filter((f) => f.endsWith(".png"));
      assert.equal(images.length, count, "one image per page");
      for (const image of images) {
        const size = statSync(join(dir, image)).size;
        assert.ok(size > 0, `${image} is empty`);
      }
    });
  });

  test("text the fonts cannot draw is still extracted exactly, through ActualText", async () => {
    const text = pdfText(await renderBytes(pdfRenderer, sampleReport()));
    assert.ok(text.includes("Zürich 🎉 日本語"), "the exact text is extractable");
  });

  test("text extraction gives the report's own text: no field tags, no private-use characters", async () => {
    const bytes = await renderBytes(pdfRenderer, sampleReport({ branded: true }));
    for (const mode of [["-raw"], ["-layout"], []]) {
      const text = withTempPdf(bytes, (path) =>
        execFileSync("pdftotext", [...mode, "-enc", "UTF-8", path, "-"], { encoding: "utf8" }),
      );
      const where = `pdftotext ${mode.join(" ")}`;
      assert.ok(!/[\ue000-\uf8ff]/u.test(text), `${where}: private-use characters`);
      assert.ok(
        !/figure\.label|point\.label|finding\.|col\.repeat|chart\.kind|\bcell[A-Z0-9]|\btitleActivity/.test(
          text,
        ),
        `${where}: field tags`,
      );
      for (const shown of [
        "Activity — November 2026",
        "Type:",
        "activity",
        "Top actors, by events",
        "Page 1 of",
      ]) {
        assert.ok(text.includes(shown), `${where}: ${shown}`);
      }
    }
  });

  test("is a tagged PDF: a structure tree of standard types, page furniture left out of it", async () => {
    const bytes = await renderBytes(pdfRenderer, sampleReport({ branded: true }));
    withTempPdf(bytes, (path) => {
      const info = execFileSync("pdfinfo", [path], { encoding: "utf8" });
      assert.match(info, /^Tagged:\s+yes$/m);
      assert.match(info, /^PDF version:\s+1\.7$/m);
      assert.match(info, /^Title:\s+Activity — November 2026$/m);
      const struct = execFileSync("pdfinfo", ["-struct-text", path], { encoding: "utf8" });
      const types = new Set(struct.split("\n").flatMap((l) => /^\s*([A-Za-z0-9]+)\b/.exec(l)?.[1] ?? []));
      for (const type of [
        "Document",
        "H1",
        "H2",
        "H3",
        "Sect",
        "Div",
        "P",
        "Table",
        "TR",
        "TH",
        "TD",
        "L",
        "LI",
        "Lbl",
        "LBody",
        "Figure",
      ]) {
        assert.ok(types.has(type), `a ${type} element`);
      }
      assert.ok(!struct.includes("Page 1 of"), "page numbers are Artifacts");
      assert.ok(!struct.includes("Confidential"), "the footer is an Artifact");
    });
    // Each chart with points is a Figure whose alternative text describes it.
    const charts = sampleReport().sections.flatMap((sec) =>
      sec.blocks.flatMap((b) => (b.kind === "chart" && b.points.length > 0 ? [b] : [])),
    );
    const pdf = bytes.toString("latin1");
    assert.equal(pdf.match(/\/S \/Figure\n\/Alt \(/g)?.length, charts.length);
    const outcomes = charts.find((c) => c.chart === "breakdown") ?? assert.fail("a breakdown");
    assert.equal(
      chartAlt(outcomes),
      "Breakdown: Outcomes: success 45210 events, failure 2803 events, unknown 200 events",
    );
    assert.ok(pdf.includes(`/Alt (${chartAlt(outcomes)})`));
  });

  test("draws in the shared palette: chart series, severity badges, verification states", async () => {
    const content = contentStreams(await renderBytes(pdfRenderer, sampleReport()));
    for (const color of [0, 1, 2].map(seriesColor)) {
      assert.ok(content.includes(fillOperator(color)), `series colour ${color}`);
    }
    assert.ok(content.includes(fillOperator(SEVERITY_COLORS.high)), "the badge of a high finding");
    assert.ok(content.includes(fillOperator(COLORS.ok)), "the verified signature");
  });

  test("a 2,000-row table fills many pages, repeats its header and stays in bounded time", async () => {
    const report = sampleReport({ tableRows: 2000 });
    const started = performance.now();
    const bytes = await renderBytes(pdfRenderer, report);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 20_000, `rendering took ${Math.round(elapsed)} ms`);
    const text = pdfText(bytes);
    const count = checkPageNumbers(text);
    assert.ok(count > 40, `${count} pages`);
    // Every page the table runs through starts with the header (the text) and has it as a row of
    // THs (the structure).
    const header =
      'Actor Most frequent action Outcome Events Share % Verified Last seen Note, "quoted" | piped';
    const tablePages = pages(text).filter((p) => /\buser-\d\d/.test(p));
    assert.ok(tablePages.length > 40, `the table runs through ${tablePages.length} pages`);
    for (const page of tablePages.slice(1, -1)) {
      assert.ok(page.replace(/\s+/g, " ").startsWith(`${header} `), page.slice(0, 200));
    }
    const { tree } = readPdf(bytes);
    const grid = tree.children[0]?.children[3]?.children[1]?.children[1];
    const headerRows = (grid?.children ?? []).filter((row) => row.children.every((c) => c.type === "TH"));
    assert.equal(headerRows.length, tablePages.length, "a header row on each page of the table");
    await checkShowsReport(pdfRenderer, parsePdfReport, report, "people");
  });

  test("a cell taller than a page goes on on the next pages and reads back whole", async () => {
    const report = sampleReport({ variant: "edge-cases" });
    const tall = Array.from({ length: 150 }, (_, i) => `line ${i}`).join("\n");
    const withTall: Report = {
      ...report,
      sections: [
        ...report.sections,
        {
          id: "tall",
          title: "Tall",
          blocks: [
            {
              kind: "table",
              title: "Tall cell",
              columns: [
                { key: "a", label: "A" },
                { key: "b", label: "B" },
              ],
              rows: [
                { a: "x", b: tall },
                { a: "y", b: "after" },
              ],
            },
          ],
        },
      ],
    };
    const count = checkPageNumbers(pdfText(await renderBytes(pdfRenderer, withTall)));
    assert.ok(count < 10, `${count} pages`);
    await checkShowsReport(pdfRenderer, parsePdfReport, withTall, "people");
  });

  test("the contract fails a renderer that drops a table row", async () => {
    const report = sampleReport();
    const table = report.sections[1]?.blocks[0];
    assert.ok(table?.kind === "table");
    const broken = {
      ...pdfRenderer,
      render: (r: Report, out: Writable) =>
        pdfRenderer.render(
          {
            ...r,
            sections: r.sections.map((s, i) =>
              i === 1
                ? {
                    ...s,
                    blocks: s.blocks.map((b, j) =>
                      j === 0 && b.kind === "table" ? { ...b, rows: b.rows.slice(1) } : b,
                    ),
                  }
                : s,
            ),
          },
          out,
        ),
    };
    await assert.rejects(checkShowsReport(broken, parsePdfReport, report, "people"), /number of rows shown/);
  });
});
