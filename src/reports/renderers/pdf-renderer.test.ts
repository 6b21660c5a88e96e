import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { describe, test } from "node:test";
import type { ChartBlock, FindingSeverity, Report } from "../report-model.js";
import {
  checkShowsReport,
  type ParsedBlock,
  type ParsedFinding,
  type ParsedReportText,
  type ParsedSection,
  renderBytes,
  reportRendererContract,
} from "../report-renderer.case.js";
import { sampleReport } from "../sample-report.js";
import { drawableText, FIELD_END, FIELD_START, FIELD_TAG_END, pdfRenderer } from "./pdf-renderer.js";

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

/** The tagged fields in extracted text. */
function fields(extracted: string): { tag: string; value: string }[] {
  // Poppler writes right-to-left runs in visual order between U+202B and U+202C: reverse them
  // back to logical order (by code point), then drop the marks.
  const clean = extracted
    .replace(/\u202b([^\u202c]*)\u202c/g, (_, run: string) => [...run].reverse().join(""))
    .replace(/[\u202a-\u202e]/g, "");
  const found: { tag: string; value: string }[] = [];
  const pattern = new RegExp(`${FIELD_START}([a-zA-Z.]+)${FIELD_TAG_END}([^${FIELD_END}]*)${FIELD_END}`, "g");
  for (const match of clean.matchAll(pattern)) found.push({ tag: match[1] ?? "", value: match[2] ?? "" });
  // Nothing of a field may be left outside a match.
  const rest = clean.replace(pattern, "");
  assert.ok(!/[\ue000-\ue002]/.test(rest), "a field poppler did not read back whole");
  return found;
}

const SEVERITIES = new Set<FindingSeverity>(["info", "low", "medium", "high", "critical"]);
const CHART_KINDS = new Set<ChartBlock["chart"]>(["timeseries", "bar", "breakdown"]);

type Draft =
  | { kind: "figures"; title: string; figures: { label: string; value: string; unit: string }[] }
  | { kind: "table"; title: string; columns: string[]; cells: string[]; truncated: number }
  | {
      kind: "chart";
      title: string;
      chart: ChartBlock["chart"];
      unit: string;
      points: { label: string; value: string }[];
    }
  | { kind: "findings"; title: string; findings: ParsedFinding[] };

/** The parse adapter: the PDF's text through pdftotext, its fields read in order. */
function parsePdfReport(bytes: Buffer): ParsedReportText {
  assert.ok(bytes.subarray(0, 5).toString("latin1") === "%PDF-", "starts with %PDF-");
  const all = fields(pdfText(bytes));
  const provenance = new Map<string, string>();
  const filter: string[] = [];
  const footers: string[] = [];
  const sections: { title: string; blocks: Draft[] }[] = [];
  let current: Draft | undefined;
  const inBlock = <K extends Draft["kind"]>(kind: K, tag: string): Extract<Draft, { kind: K }> => {
    if (current?.kind !== kind) assert.fail(`${tag} outside a ${kind} block`);
    return current as Extract<Draft, { kind: K }>;
  };
  for (const { tag, value } of all) {
    switch (tag) {
      case "section":
        sections.push({ title: value, blocks: [] });
        current = undefined;
        break;
      case "figures":
      case "table":
      case "chart":
      case "findings": {
        const section = sections.at(-1) ?? assert.fail(`${tag} before any section`);
        current =
          tag === "figures"
            ? { kind: tag, title: value, figures: [] }
            : tag === "table"
              ? { kind: tag, title: value, columns: [], cells: [], truncated: 0 }
              : tag === "chart"
                ? { kind: tag, title: value, chart: "bar", unit: "", points: [] }
                : { kind: tag, title: value, findings: [] };
        section.blocks.push(current);
        break;
      }
      case "figure.label":
        inBlock("figures", tag).figures.push({ label: value, value: "", unit: "" });
        break;
      case "figure.value":
      case "figure.unit": {
        const figure = inBlock("figures", tag).figures.at(-1) ?? assert.fail(`${tag} before a label`);
        if (tag === "figure.value") figure.value = value;
        else figure.unit = value;
        break;
      }
      case "col": {
        const t = inBlock("table", tag);
        assert.equal(t.cells.length, 0, "a header cell after the first row");
        t.columns.push(value);
        break;
      }
      case "col.repeat": {
        const t = inBlock("table", tag);
        // A repeated header starts a row, and repeats the header exactly.
        assert.equal(t.cells.length % t.columns.length, 0, "repeated header inside a row");
        break;
      }
      case "cell":
        inBlock("table", tag).cells.push(value);
        break;
      case "truncated":
        assert.match(value, /^\d+$/);
        inBlock("table", tag).truncated = Number(value);
        break;
      case "chart.kind": {
        const c = inBlock("chart", tag);
        assert.ok(CHART_KINDS.has(value as ChartBlock["chart"]), `chart kind ${value}`);
        c.chart = value as ChartBlock["chart"];
        break;
      }
      case "chart.unit":
        inBlock("chart", tag).unit = value;
        break;
      case "point.label":
        inBlock("chart", tag).points.push({ label: value, value: "" });
        break;
      case "point.value": {
        const point = inBlock("chart", tag).points.at(-1) ?? assert.fail("point value before its label");
        point.value = value;
        break;
      }
      case "finding.severity":
        assert.ok(SEVERITIES.has(value as FindingSeverity), `severity ${value}`);
        inBlock("findings", tag).findings.push({ severity: value, title: "", detail: "", evidenceSeqs: [] });
        break;
      case "finding.title":
      case "finding.detail":
      case "finding.evidence": {
        const list = inBlock("findings", tag).findings;
        const last = list.at(-1) ?? assert.fail(`${tag} before a severity`);
        let next: ParsedFinding = last;
        if (tag === "finding.title") next = { ...last, title: value };
        else if (tag === "finding.detail") next = { ...last, detail: value };
        else {
          const seqs = value === "" ? [] : value.split(", ");
          for (const seq of seqs) assert.match(seq, /^\d+$/, "evidence seq");
          next = { ...last, evidenceSeqs: seqs.map(Number) };
        }
        list[list.length - 1] = next;
        break;
      }
      case "filter":
        filter.push(value);
        break;
      case "footer":
        // On every page, each the same.
        assert.ok(
          footers.every((f) => f === value),
          "every page has the same footer",
        );
        footers.push(value);
        break;
      default:
        assert.ok(sections.length === 0, `provenance field ${tag} after the first section`);
        assert.ok(!provenance.has(tag), `${tag} given twice`);
        provenance.set(tag, value);
    }
  }
  const item = (key: string) => provenance.get(key) ?? assert.fail(`provenance ${key} missing`);
  const state = (key: string): boolean | undefined => {
    const value = item(key);
    if (value === "not checked") return undefined;
    assert.ok(value === "verified" || value === "not verified", `${key}: ${value}`);
    return value === "verified";
  };
  const block = (d: Draft): ParsedBlock => {
    if (d.kind !== "table") return d;
    const width = d.columns.length;
    assert.ok(width > 0 || d.cells.length === 0, `table ${d.title}: cells without columns`);
    assert.equal(width === 0 ? 0 : d.cells.length % width, 0, `table ${d.title}: a row cut short`);
    const rows: string[][] = [];
    for (let i = 0; i < d.cells.length; i += width) rows.push(d.cells.slice(i, i + width));
    return { kind: "table", title: d.title, columns: d.columns, rows, truncated: d.truncated };
  };
  return {
    provenance: {
      type: item("type"),
      title: item("title"),
      generatedAt: item("generated"),
      since: item("since"),
      until: item("until"),
      filter,
      auditLevel: item("auditLevel"),
      origin: item("origin"),
      treeSize: item("treeSize"),
      rootHash: item("rootHash"),
      signatureVerified: state("signature") === true,
      storeVerified: state("store"),
      note: item("note"),
    },
    sections: sections.map((s): ParsedSection => ({ title: s.title, blocks: s.blocks.map(block) })),
    branding: { organisation: provenance.get("organisation") ?? "", footer: footers[0] ?? "" },
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

if (POPPLER) reportRendererContract(() => pdfRenderer, parsePdfReport);
else test("ReportRenderer contract: pdf", { skip: SKIP }, () => {});

describe("pdfRenderer", { skip: SKIP }, () => {
  test("draws text the built-in fonts lack as '?', keeps WinAnsi text", () => {
    assert.equal(drawableText("Zürich 🎉 日本 — “ok” €"), "Zürich ? ?? — “ok” €");
    assert.equal(drawableText("a\r\nb\rc\u2028d\te\u0000"), "a\nb\nc\nd e?");
    assert.equal(drawableText("e\u0301\u200b"), "e??");
  });

  test("is a PDF that poppler renders, with 'Page N of M' on every page", async () => {
    const bytes = await renderBytes(pdfRenderer, sampleReport());
    assert.equal(bytes.subarray(0, 8).toString("latin1"), "%PDF-1.3");
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

  test("a 2,000-row table fills many pages, repeats its header and stays in bounded time", async () => {
    const report = sampleReport({ tableRows: 2000 });
    const started = performance.now();
    const bytes = await renderBytes(pdfRenderer, report);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 20_000, `rendering took ${Math.round(elapsed)} ms`);
    const text = pdfText(bytes);
    const count = checkPageNumbers(text);
    assert.ok(count > 40, `${count} pages`);
    // Every page the table runs through starts with the header.
    const tablePages = pages(text).filter((p) => fields(p).some((f) => f.tag === "cell"));
    assert.ok(tablePages.length > 40, `the table runs through ${tablePages.length} pages`);
    for (const page of tablePages.slice(1, -1)) {
      assert.deepStrictEqual(
        fields(page)
          .slice(0, 8)
          .map((f) => f.tag),
        Array(8).fill("col.repeat"),
      );
    }
    await checkShowsReport(pdfRenderer, parsePdfReport, report);
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
    await assert.rejects(checkShowsReport(broken, parsePdfReport, report), /number of rows shown/);
  });
});
