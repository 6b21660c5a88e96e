import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import ExcelJS from "exceljs";
import type { ChartBlock, Report } from "../report-model.js";
import {
  checkShowsReport,
  type ParsedBlock,
  type ParsedReportText,
  type ParsedSection,
  renderBytes,
  reportRendererContract,
  valueText,
} from "../report-renderer.case.js";
import { sampleReport } from "../sample-report.js";
import {
  XLSX_NO_FILTER,
  XLSX_PROVENANCE_LABELS,
  XLSX_ROWS_LEFT_OUT,
  xlsxRenderer,
  xlsxSheetNames,
} from "./xlsx-renderer.js";

/**
 * The second reader: Debian's Python with openpyxl (the `python3` on PATH may lack it), running
 * test/read-xlsx.py. The compiled test sits in dist/src/reports/renderers/, the script in test/.
 */
const PYTHON = "/usr/bin/python3";
const READER = fileURLToPath(new URL("../../../../test/read-xlsx.py", import.meta.url));

function openpyxlMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import openpyxl"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} cannot run: ${probe.error.message}`;
  if (probe.status !== 0) return `${PYTHON} cannot import openpyxl: ${probe.stderr.trim()}`;
  return undefined;
}
const missing = openpyxlMissing();

type RawCell = string | number | boolean | null;
interface RawSheet {
  readonly name: string;
  readonly rows: readonly (readonly RawCell[])[];
}

/** Every sheet's rows, as openpyxl (read-only) reads them. */
function readWorkbook(bytes: Buffer): RawSheet[] {
  const run = spawnSync(PYTHON, [READER], { input: bytes, maxBuffer: 1 << 30, encoding: "buffer" });
  assert.equal(run.status, 0, `read-xlsx.py failed: ${run.error?.message ?? run.stderr.toString("utf8")}`);
  return (JSON.parse(run.stdout.toString("utf8")) as { sheets: RawSheet[] }).sheets;
}

const text = (cell: RawCell | undefined): string => valueText(cell ?? null);

const CHART_KINDS: Readonly<Record<string, ChartBlock["chart"]>> = {
  "Time series": "timeseries",
  "Bar chart": "bar",
  Breakdown: "breakdown",
};

/** What a block's title row says it holds ("25 rows, 8 columns"…), read back. */
function summaryOf(
  text: string,
  what: string,
):
  | { kind: "figures" | "findings"; count: number }
  | { kind: "table"; count: number; columns: number }
  | { kind: "chart"; count: number; chart: ChartBlock["chart"]; unit: string } {
  const plural = (n: string, one: string, word: string) => {
    assert.equal(word, Number(n) === 1 ? one : `${one}s`, `${what}: "${text}" counts in words`);
    return Number(n);
  };
  let m = /^(\d+) (figures?)$/.exec(text);
  if (m) return { kind: "figures", count: plural(m[1] ?? "", "figure", m[2] ?? "") };
  m = /^(\d+) (findings?)$/.exec(text);
  if (m) return { kind: "findings", count: plural(m[1] ?? "", "finding", m[2] ?? "") };
  m = /^(\d+) (rows?), (\d+) (columns?)$/.exec(text);
  if (m) {
    return {
      kind: "table",
      count: plural(m[1] ?? "", "row", m[2] ?? ""),
      columns: plural(m[3] ?? "", "column", m[4] ?? ""),
    };
  }
  m = /^(Time series|Bar chart|Breakdown)(?: of (.*))?, (\d+) (points?)$/.exec(text);
  if (m) {
    const chart = CHART_KINDS[m[1] ?? ""] ?? assert.fail(`${what}: chart kind`);
    return { kind: "chart", chart, unit: m[2] ?? "", count: plural(m[3] ?? "", "point", m[4] ?? "") };
  }
  return assert.fail(`${what}: "${text}" does not say what the block holds`);
}

/** Reads a section sheet's blocks, each from its title row (`title | what it holds`). */
function parseBlocks(rows: readonly (readonly RawCell[])[], sheet: string): ParsedBlock[] {
  const blocks: ParsedBlock[] = [];
  let at = 1;
  const take = (n: number, what: string) => {
    assert.ok(at + n <= rows.length, `${sheet}: ${what}: ${n} rows expected, the sheet ends`);
    const taken = rows.slice(at, at + n);
    at += n;
    return taken;
  };
  const header = (expected: readonly string[], what: string) => {
    assert.deepStrictEqual(take(1, what)[0], expected, `${sheet}: ${what} header`);
  };
  while (at < rows.length) {
    const first = rows[at] ?? [];
    if (first.length === 0) {
      at++;
      continue;
    }
    at++;
    const title = text(first[0]);
    assert.ok(first.length === 2 && typeof first[1] === "string", `${sheet}: row ${at} is not a block title`);
    const block = summaryOf(first[1], `${sheet}: block "${title}"`);
    const n = block.count;
    switch (block.kind) {
      case "figures": {
        header(["Figure", "Value", "Unit"], title);
        const figures = take(n, title).map((r) => ({
          label: text(r[0]),
          value: text(r[1]),
          unit: text(r[2]),
        }));
        blocks.push({ kind: "figures", title, figures });
        break;
      }
      case "table": {
        const width = block.columns;
        const pad = (r: readonly RawCell[]) => {
          assert.ok(r.length <= width, `${sheet}: table "${title}": a row wider than its ${width} columns`);
          return Array.from({ length: width }, (_, i) => text(r[i]));
        };
        const columns = pad(take(1, title)[0] ?? []);
        const tableRows = take(n, title).map(pad);
        const next = rows[at];
        let truncated = 0;
        if (next?.[0] === XLSX_ROWS_LEFT_OUT && typeof next[1] === "number") {
          truncated = next[1];
          at++;
        }
        blocks.push({ kind: "table", title, columns, rows: tableRows, truncated });
        break;
      }
      case "chart": {
        const unit = block.unit ? block.unit.charAt(0).toUpperCase() + block.unit.slice(1) : "Value";
        header([block.chart === "timeseries" ? "Time" : "Category", unit], title);
        const points = take(n, title).map((r) => ({ label: text(r[0]), value: text(r[1]) }));
        blocks.push({ kind: "chart", title, chart: block.chart, unit: block.unit, points });
        break;
      }
      case "findings": {
        header(["Severity", "Finding", "Detail", "Evidence (seqs)"], title);
        const findings = take(n, title).map((r) => ({
          severity: text(r[0]),
          title: text(r[1]),
          detail: text(r[2]),
          evidenceSeqs: text(r[3]).split(" ").filter(Boolean).map(Number),
        }));
        blocks.push({ kind: "findings", title, findings });
        break;
      }
    }
  }
  return blocks;
}

/** The parse adapter: openpyxl reads the workbook; the "Report" sheet and each section sheet are mapped back. */
function parseXlsxReport(bytes: Buffer): ParsedReportText {
  const [report, ...sections] = readWorkbook(bytes);
  assert.equal(report?.name, "Report", "the first sheet");
  const L = XLSX_PROVENANCE_LABELS;
  const facts = new Map<string, RawCell>();
  const filter: string[] = [];
  for (const row of report.rows.slice(2)) {
    const label = text(row[0]);
    // Every provenance row is a label and its value, nothing beside them.
    assert.ok(row.length <= 2, `provenance row ${label}: ${JSON.stringify(row)} has cells beyond its value`);
    if (label === L.filter) {
      if (row[1] === XLSX_NO_FILTER) continue;
      filter.push(text(row[1]));
    } else {
      assert.ok(Object.values(L).some((l) => l === label) && !facts.has(label), `provenance row ${label}`);
      facts.set(label, row[1] ?? null);
    }
  }
  const fact = (label: string) => {
    assert.ok(facts.has(label), `provenance ${label} missing`);
    return text(facts.get(label));
  };
  const verified = (label: string) => {
    const state = fact(label);
    assert.ok(["verified", "NOT verified", "not checked"].includes(state), `${label}: ${state}`);
    return state === "not checked" ? undefined : state === "verified";
  };
  return {
    provenance: {
      type: fact(L.type),
      title: fact(L.title),
      generatedAt: fact(L.generatedAt),
      since: fact(L.since),
      until: fact(L.until),
      filter,
      auditLevel: fact(L.auditLevel).replace(/ — which event fields tables show$/, ""),
      origin: fact(L.origin),
      treeSize: fact(L.treeSize),
      rootHash: fact(L.rootHash),
      signatureVerified: verified(L.signatureVerified) ?? assert.fail("signature: not checked"),
      storeVerified: verified(L.storeVerified),
      note: fact(L.note),
    },
    branding: {
      organisation: facts.has(L.organisation) ? fact(L.organisation) : "",
      footer: facts.has(L.footer) ? fact(L.footer) : "",
    },
    sections: sections.map(
      (s): ParsedSection => ({ title: text(s.rows[0]?.[0]), blocks: parseBlocks(s.rows, s.name) }),
    ),
  };
}

if (missing) {
  test("ReportRenderer contract: xlsx", { skip: `openpyxl reader unavailable (${missing})` }, () => {});
} else {
  reportRendererContract(() => xlsxRenderer, parseXlsxReport, { audience: "people" });
}

describe("xlsxRenderer", () => {
  test("names sheets: no []:*?/\\, at most 31 characters, unique, never Report", () => {
    const names = xlsxSheetNames([
      { id: "a", title: "Errors: by *host* [eu/west]?" },
      { id: "b", title: "A very long section title that goes on and on" },
      { id: "c", title: "A very long section title that goes on and on" },
      { id: "d", title: "report" },
      { id: "e-id", title: "  ''  " },
      { id: "f", title: "Overview" },
      { id: "g", title: "OVERVIEW" },
      { id: "h", title: `${"x".repeat(30)}🎉` },
    ]);
    assert.deepStrictEqual(names, [
      "Errors by host eu west",
      "A very long section title that",
      "A very long section title t (2)",
      "report (2)",
      "e-id",
      "Overview",
      "OVERVIEW (2)",
      "x".repeat(30),
    ]);
    for (const name of names) {
      assert.ok(name.length <= 31 && !/[[\]:*?/\\]/.test(name), name);
    }
  });

  test("a CR, control characters and literal _xHHHH_ survive", { skip: missing }, async () => {
    const report = sampleReport({ variant: "edge-cases" });
    const odd = "a\rb\u0001c _x000D_ _x005F_ \u007f end";
    const withOdd = {
      ...report,
      sections: [
        {
          id: "odd",
          title: odd,
          blocks: [
            { kind: "figures" as const, title: odd, figures: [{ label: odd, value: odd, unit: odd }] },
          ],
        },
      ],
    };
    await checkShowsReport(xlsxRenderer, parseXlsxReport, withOdd, "people");
  });

  test("text like =1+1 is stored as a string, never as a formula (read back with exceljs)", async () => {
    const formulas = ["=1+1", '=HYPERLINK("http://evil.example","x")', "+1+1", "@SUM(A1)", "-2+3"];
    const report: Report = {
      ...sampleReport({ filter: ["=1+1"] }),
      sections: [
        {
          id: "formulas",
          title: "=1+1",
          blocks: [
            {
              kind: "table",
              title: "=1+1",
              columns: [
                { key: "text", label: "=1+1" },
                { key: "n", label: "N" },
              ],
              rows: formulas.map((text, n) => ({ text, n: -n })),
            },
          ],
        },
      ],
    };
    const workbook = new ExcelJS.Workbook();
    const bytes = await renderBytes(xlsxRenderer, report);
    // exceljs types its input with its own `Buffer` (an ArrayBuffer); it reads a Node Buffer too.
    await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
    const cells: ExcelJS.Cell[] = [];
    workbook.eachSheet((sheet) => {
      sheet.eachRow((row) => {
        row.eachCell((cell) => {
          cells.push(cell);
        });
      });
    });
    const found = cells.filter((c) => c.type === ExcelJS.ValueType.String && c.value === "=1+1");
    // The filter, the section title, the block title, the column label and the first row's cell.
    assert.equal(found.length, 5);
    for (const text of formulas) {
      const cell = cells.find((c) => c.value === text) ?? assert.fail(`${text} not found`);
      assert.equal(cell.type, ExcelJS.ValueType.String, text);
      assert.equal(cell.formula, undefined, text);
    }
    assert.deepStrictEqual(
      cells.filter((c) => c.type === ExcelJS.ValueType.Formula).map((c) => c.address),
      [],
      "no formula cell anywhere",
    );
    const numbers = cells.filter((c) => c.type === ExcelJS.ValueType.Number).map((c) => c.value);
    assert.ok(numbers.includes(-2) && numbers.includes(-4), "negative numbers stay numbers");
  });
});

describe("xlsxRenderer, read by openpyxl", { skip: missing }, () => {
  test("has the Report sheet and one sheet per section, numbers as numbers", async () => {
    const sheets = readWorkbook(await renderBytes(xlsxRenderer, sampleReport()));
    assert.deepStrictEqual(
      sheets.map((s) => s.name),
      ["Report", "Overview", "Activity by actor", "Recent failures", "Findings"],
    );
    const sheet = (name: string) => sheets.find((s) => s.name === name) ?? assert.fail(name);
    const fact = (label: string) => sheet("Report").rows.find((r) => r[0] === label)?.[1];
    assert.equal(fact(XLSX_PROVENANCE_LABELS.treeSize), 48_213);
    assert.equal(fact(XLSX_PROVENANCE_LABELS.storeVerified), "verified");
    assert.deepStrictEqual(
      sheet("Report")
        .rows.find((r) => r[0] === XLSX_PROVENANCE_LABELS.auditLevel)
        ?.slice(0, 3),
      ["Audit level", "standard — which event fields tables show"],
    );
    // Every provenance value is in the value column; "no filter" too.
    const unfiltered = readWorkbook(await renderBytes(xlsxRenderer, sampleReport({ filter: [] })));
    assert.deepStrictEqual(
      unfiltered[0]?.rows.find((r) => r[0] === XLSX_PROVENANCE_LABELS.filter),
      [XLSX_PROVENANCE_LABELS.filter, "none (every event in the period)"],
    );
    for (const row of sheet("Report").rows.slice(2)) assert.ok(row.length <= 2, JSON.stringify(row));
    assert.equal(fact(XLSX_PROVENANCE_LABELS.since), "2026-11-01T00:00:00Z");
    assert.equal(fact(XLSX_PROVENANCE_LABELS.generatedAt), "2026-12-01T00:00:05.123Z");
    // No sheet shows the model's internal names of block kinds.
    for (const { name, rows } of sheets) {
      for (const row of rows) {
        for (const cell of row) {
          assert.ok(
            !["figures", "table", "chart", "findings", "Label"].includes(String(cell)),
            `${name}: ${cell}`,
          );
        }
      }
    }

    // The big table: title row, header, 25 data rows; numbers and booleans typed.
    const actors = sheet("Activity by actor").rows;
    const title = actors.findIndex((r) => r[0] === "Top actors, by events");
    assert.deepStrictEqual(actors[title]?.slice(1), ["25 rows, 8 columns"]);
    assert.equal(actors[title + 1]?.[3], "Events");
    const data = actors.slice(title + 2, title + 2 + 25);
    assert.equal(data.length, 25);
    for (const row of data) {
      assert.equal(typeof row[3], "number", `events ${JSON.stringify(row)}`);
      assert.equal(typeof row[4], "number", `share ${JSON.stringify(row)}`);
      assert.equal(typeof row[5], "boolean", `verified ${JSON.stringify(row)}`);
    }
    assert.equal(data[0]?.[3], 4_000);
    assert.deepStrictEqual(actors[title + 2 + 25], []);

    // The truncated table: 5 rows, then the rows-left-out line with a number.
    const failures = sheet("Recent failures").rows;
    const at = failures.findIndex((r) => r[0] === "Latest failures (first 5)");
    assert.deepStrictEqual(failures[at]?.slice(1), ["5 rows, 4 columns"]);
    assert.deepStrictEqual(failures[at + 1], ["Seq", "Time", "Action", "Actor"]);
    assert.equal(failures[at + 2]?.[1], "2026-11-30T12:00:00Z", "times as people read them");
    const seqs = failures.slice(at + 2, at + 7).map((r) => r[0]);
    assert.deepStrictEqual(seqs, [48_212, 48_190, 47_001, 46_950, 12]);
    assert.deepStrictEqual(failures[at + 7], [XLSX_ROWS_LEFT_OUT, 37]);

    // Figures and chart values are numbers too.
    const overview = sheet("Overview").rows;
    assert.deepStrictEqual(
      overview.find((r) => r[0] === "Largest seq"),
      ["Largest seq", 9_007_199_254_740_991],
    );
    assert.deepStrictEqual(
      overview.find((r) => r[0] === "Clock drift"),
      ["Clock drift", -3, "s"],
    );
    assert.deepStrictEqual(
      overview.find((r) => r[0] === "2026-11-07T00:00:00Z"),
      ["2026-11-07T00:00:00Z", 27_183],
    );
    assert.ok(
      overview.some((r) => r[0] === "Time" && r[1] === "Events"),
      "a time series is headed Time | Events",
    );
  });

  test("streams a 50,000-row table that openpyxl reads back in full", { timeout: 120_000 }, async () => {
    const report = sampleReport({ tableRows: 50_000 });
    const bytes = await renderBytes(xlsxRenderer, report);
    const sheets = readWorkbook(bytes);
    const actors = sheets.find((s) => s.name === "Activity by actor") ?? assert.fail("no actors sheet");
    const title = actors.rows.findIndex((r) => r[0] === "Top actors, by events");
    assert.deepStrictEqual(actors.rows[title]?.slice(1), ["50000 rows, 8 columns"]);
    const data = actors.rows.slice(title + 2).filter((r, i) => i < 50_000 && r.length > 0);
    assert.equal(data.length, 50_000);
    assert.ok(data.every((r) => typeof r[3] === "number"));
    assert.equal(data[49_999]?.[3], 4_000 - 49_999 * 151);
    const parsed = parseXlsxReport(bytes);
    const table = parsed.sections[1]?.blocks[0];
    assert.equal(table?.kind === "table" ? table.rows.length : -1, 50_000);
  });
});
