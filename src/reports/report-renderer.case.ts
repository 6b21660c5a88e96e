import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { describe, test } from "node:test";
import { humanTimestamp } from "../human/human-time.js";
import { AUDIT_LEVELS, type AuditLevel } from "./audit-level.js";
import type { Cell, ChartBlock, Report, ReportBlock, TableColumn } from "./report-model.js";
import type { ReportRenderer } from "./report-renderer.js";
import { sampleReport } from "./sample-report.js";

/**
 * The shared contract suite of {@link ReportRenderer}: every renderer registers it with a
 * factory and a `parse` adapter that reads the renderer's bytes back with a reader of the format
 * (JSON.parse, csv-parse…), into the format-free {@link ParsedReportText}. The suite compares
 * that with {@link textView} of the report it rendered, so "the output shows X" is checked by
 * reading X back, not by searching the bytes for it.
 *
 * The checks are exported as functions so that a renderer's test can show that they fail on
 * a broken renderer.
 */

/**
 * Provenance as a reader of the output sees it.
 *
 * @example
 * ```ts
 * const { rootHash, storeVerified } = parse(bytes).provenance; // storeVerified undefined: "not checked"
 * ```
 */
export interface ParsedProvenance {
  readonly type: string;
  readonly title: string;
  readonly generatedAt: string;
  readonly since: string;
  readonly until: string;
  readonly filter: readonly string[];
  /** The audit level shown (`minimal`, `standard` or `detailed`). */
  readonly auditLevel: string;
  readonly origin: string;
  /** Canonical text ({@link valueText}) of the tree size. */
  readonly treeSize: string;
  readonly rootHash: string;
  readonly signatureVerified: boolean;
  /** `undefined`: the output says the store was not checked. */
  readonly storeVerified: boolean | undefined;
  readonly note: string;
}

/**
 * A figure as read back; `unit` is `""` when the figure has none.
 *
 * @example
 * ```ts
 * const figure: ParsedFigure = { label: "Mean latency", value: "12.5", unit: "ms" };
 * ```
 */
export interface ParsedFigure {
  readonly label: string;
  readonly value: string;
  readonly unit: string;
}

/**
 * A finding as read back; `evidenceSeqs` is `[]` when it has none.
 *
 * @example
 * ```ts
 * const finding: ParsedFinding = { severity: "high", title: "Burst", detail: "14 failures", evidenceSeqs: [12, 40] };
 * ```
 */
export interface ParsedFinding {
  readonly severity: string;
  readonly title: string;
  readonly detail: string;
  readonly evidenceSeqs: readonly number[];
}

/**
 * A block as read back. Values are canonical text ({@link valueText}); a table's columns are
 * its column labels and each row its cells in column order; `truncated` is 0 when none were left out.
 *
 * @example
 * ```ts
 * const table: ParsedBlock = { kind: "table", title: "Top", columns: ["Actor"], rows: [["alice"]], truncated: 0 };
 * ```
 */
export type ParsedBlock =
  | { readonly kind: "figures"; readonly title: string; readonly figures: readonly ParsedFigure[] }
  | {
      readonly kind: "table";
      readonly title: string;
      readonly columns: readonly string[];
      readonly rows: readonly (readonly string[])[];
      readonly truncated: number;
    }
  | {
      readonly kind: "chart";
      readonly title: string;
      readonly chart: ChartBlock["chart"];
      readonly unit: string;
      readonly points: readonly { readonly label: string; readonly value: string }[];
    }
  | { readonly kind: "findings"; readonly title: string; readonly findings: readonly ParsedFinding[] };

/**
 * A section as read back.
 *
 * @example
 * ```ts
 * const section: ParsedSection = { title: "Overview", blocks: [] };
 * ```
 */
export interface ParsedSection {
  readonly title: string;
  readonly blocks: readonly ParsedBlock[];
}

/**
 * What a reader of a renderer's output finds in it: what a `parse` adapter returns. Every value
 * is text, as {@link valueText} writes it, so formats that keep types (JSON) and formats that do
 * not (CSV, Markdown) compare alike; a renderer's own test checks types where its format keeps them.
 *
 * @example
 * ```ts
 * const parse = (bytes: Buffer): ParsedReportText => textView(JSON.parse(bytes.toString("utf8")));
 * ```
 */
export interface ParsedReportText {
  readonly provenance: ParsedProvenance;
  readonly sections: readonly ParsedSection[];
  readonly branding: ParsedBranding;
}

/**
 * The branding text a reader finds: `""` where the report has none (a report without branding
 * reads back as two empty strings).
 *
 * @example
 * ```ts
 * const branding: ParsedBranding = { organisation: "Example Corp", footer: "Confidential" };
 * ```
 */
export interface ParsedBranding {
  readonly organisation: string;
  readonly footer: string;
}

/**
 * Reads a renderer's bytes back; throws when they cannot be read.
 *
 * @example
 * ```ts
 * const parse: ParseReportText = (bytes) => textView(JSON.parse(bytes.toString("utf8")));
 * ```
 */
export type ParseReportText = (bytes: Buffer) => ParsedReportText;

/**
 * The canonical text of a value: `""` for null, `true`/`false`, numbers as `String(n)` (the
 * shortest text that reads back as the same number: nothing rounded away, no digit grouping).
 *
 * @example
 * ```ts
 * valueText(null); // ""
 * valueText(0.30000000000000004); // "0.30000000000000004"
 * ```
 */
export function valueText(value: Cell | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/**
 * Who reads a format: `people` (Markdown, HTML, PDF, XLSX) see every instant — the provenance's
 * times, `timestamp` columns, time series — in the human form (`humanTimestamp`, no zero
 * milliseconds); `programs` (JSON, CSV) see them exactly as stored.
 *
 * @example
 * ```ts
 * textView(report, "people").provenance.since; // "2026-11-01T00:00:00Z"
 * ```
 */
export type Audience = "people" | "programs";

function blockView(block: ReportBlock, audience: Audience): ParsedBlock {
  const time = (text: string) => (audience === "people" ? humanTimestamp(text) : text);
  const cell = (value: Cell | undefined, column: TableColumn) =>
    column.type === "timestamp" && typeof value === "string" ? time(value) : valueText(value);
  switch (block.kind) {
    case "figures":
      return {
        kind: "figures",
        title: block.title,
        figures: block.figures.map((f) => ({
          label: f.label,
          value: valueText(f.value),
          unit: f.unit ?? "",
        })),
      };
    case "table":
      return {
        kind: "table",
        title: block.title,
        columns: block.columns.map((c) => c.label),
        rows: block.rows.map((row) => block.columns.map((c) => cell(row[c.key], c))),
        truncated: block.truncated ?? 0,
      };
    case "chart":
      return {
        kind: "chart",
        title: block.title,
        chart: block.chart,
        unit: block.unit,
        points: block.points.map((p) => ({
          label: block.chart === "timeseries" ? time(p.label) : p.label,
          value: valueText(p.value),
        })),
      };
    case "findings":
      return {
        kind: "findings",
        title: block.title,
        findings: block.findings.map((f) => ({
          severity: f.severity,
          title: f.title,
          detail: f.detail,
          evidenceSeqs: f.evidenceSeqs ?? [],
        })),
      };
  }
}

/**
 * What a renderer's output must show of `report`, as a `parse` adapter reads it back: the
 * expected side of every contract comparison.
 *
 * @example
 * ```ts
 * assert.deepStrictEqual(parse(bytes), textView(report));
 * ```
 */
export function textView(report: Report, audience: Audience = "programs"): ParsedReportText {
  const p = report.provenance;
  const time = (text: string) => (audience === "people" ? humanTimestamp(text) : text);
  return {
    provenance: {
      type: p.type,
      title: p.title,
      generatedAt: time(p.generatedAt),
      since: time(p.period.since),
      until: time(p.period.until),
      filter: [...p.filter],
      auditLevel: p.auditLevel,
      origin: p.checkpoint.origin,
      treeSize: valueText(p.checkpoint.treeSize),
      rootHash: p.checkpoint.rootHash,
      signatureVerified: p.checkpoint.signatureVerified,
      storeVerified: p.checkpoint.storeVerified,
      note: p.checkpoint.note,
    },
    sections: report.sections.map((s) => ({
      title: s.title,
      blocks: s.blocks.map((b) => blockView(b, audience)),
    })),
    branding: {
      organisation: report.branding?.organisation ?? "",
      footer: report.branding?.footer ?? "",
    },
  };
}

/**
 * Renders `report` into a PassThrough and returns the bytes; fails when `render` ends the stream
 * or resolves before it has handed the whole output to the stream.
 *
 * @example
 * ```ts
 * const bytes = await renderBytes(jsonRenderer, sampleReport());
 * ```
 */
export async function renderBytes(renderer: ReportRenderer, report: Report): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  await renderer.render(report, out);
  assert.equal(out.writableEnded, false, `${renderer.format}: render ended the stream; the caller owns it`);
  assert.equal(out.writableLength, 0, `${renderer.format}: render resolved before its output was written`);
  out.end();
  await finished(out);
  return Buffer.concat(chunks);
}

/**
 * Renders `report` with `renderer`, reads it back with `parse` and checks that it shows every
 * part of the report: provenance, section titles, figures, every table row's cells, truncation,
 * chart points, findings. Rejects with an assertion naming the first difference.
 *
 * @example
 * ```ts
 * await checkShowsReport(csvRenderer, parseCsvReport, sampleReport());
 * ```
 */
export async function checkShowsReport(
  renderer: ReportRenderer,
  parse: ParseReportText,
  report: Report,
  audience: Audience = "programs",
): Promise<void> {
  const parsed = parse(await renderBytes(renderer, report));
  const expected = textView(report, audience);
  assert.deepStrictEqual(parsed.provenance, expected.provenance, "provenance");
  assert.deepStrictEqual(parsed.branding, expected.branding, "branding");
  assert.deepStrictEqual(
    parsed.sections.map((s) => s.title),
    expected.sections.map((s) => s.title),
    "section titles",
  );
  expected.sections.forEach((section, i) => {
    const shown = parsed.sections[i]?.blocks ?? [];
    assert.deepStrictEqual(
      shown.map((b) => [b.kind, b.title]),
      section.blocks.map((b) => [b.kind, b.title]),
      `section "${section.title}": blocks (kind, title)`,
    );
    section.blocks.forEach((block, j) => {
      const got = shown[j];
      const where = `section "${section.title}", ${block.kind} "${block.title}"`;
      if (block.kind === "table" && got?.kind === "table") {
        assert.deepStrictEqual(got.columns, block.columns, `${where}: columns`);
        assert.equal(got.rows.length, block.rows.length, `${where}: number of rows shown`);
        block.rows.forEach((row, r) => {
          assert.deepStrictEqual(got.rows[r], row, `${where}: row ${r}`);
        });
        assert.equal(got.truncated, block.truncated, `${where}: rows left out`);
      } else if (block.kind === "chart" && got?.kind === "chart") {
        assert.deepStrictEqual(got.points, block.points, `${where}: points`);
      }
      assert.deepStrictEqual(got, block, where);
    });
  });
  assert.deepStrictEqual(parsed, expected, "the whole report");
}

/**
 * Checks that rendering is deterministic: two renderers from `make`, two separately built equal
 * reports, and the same renderer twice all give the same bytes.
 *
 * @example
 * ```ts
 * await checkDeterministic(() => markdownRenderer, () => sampleReport());
 * ```
 */
export async function checkDeterministic(make: () => ReportRenderer, build: () => Report): Promise<void> {
  const renderer = make();
  const first = await renderBytes(renderer, build());
  const again = await renderBytes(renderer, build());
  const other = await renderBytes(make(), build());
  assert.ok(first.equals(again), `${renderer.format}: the same renderer gave different bytes`);
  assert.ok(first.equals(other), `${renderer.format}: another renderer instance gave different bytes`);
}

/**
 * Checks that `render` waits for a slow destination with a small buffer and leaves it open: the
 * bytes that arrive are those a fast destination gets.
 *
 * @example
 * ```ts
 * await checkSlowDestination(jsonRenderer, sampleReport());
 * ```
 */
export async function checkSlowDestination(renderer: ReportRenderer, report: Report): Promise<void> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      setImmediate(callback);
    },
  });
  await renderer.render(report, out);
  assert.equal(out.writableEnded, false, `${renderer.format}: render ended the stream; the caller owns it`);
  // Everything must have been handed over by the time `render` resolves (some may still be queued;
  // a chunk being written counts in both).
  const received = chunks.reduce((n, c) => n + c.length, 0);
  const expected = await renderBytes(renderer, report);
  assert.ok(received + out.writableLength >= expected.length, `${renderer.format}: render resolved early`);
  out.end();
  await finished(out);
  assert.ok(Buffer.concat(chunks).equals(expected), `${renderer.format}: a slow destination got other bytes`);
}

/**
 * A deliberate mistake a renderer could make: it renders `mutate(report)` instead of `report`.
 *
 * @example
 * ```ts
 * const mistake: RendererMistake = {
 *   name: "drops a section",
 *   mutate: (r) => ({ ...r, sections: r.sections.slice(1) }),
 *   caughtBy: /^section titles$/,
 * };
 * ```
 */
export interface RendererMistake {
  readonly name: string;
  readonly mutate: (report: Report) => Report;
  /** The message of the check that must catch it. */
  readonly caughtBy: RegExp;
}

/** Replaces the block at `at` ([section, block]) of `report` with `change(block)`. */
function changeBlock(
  report: Report,
  at: readonly [number, number],
  change: (b: ReportBlock) => ReportBlock,
): Report {
  return {
    ...report,
    sections: report.sections.map((s, i) =>
      i !== at[0] ? s : { ...s, blocks: s.blocks.map((b, j) => (j === at[1] ? change(b) : b)) },
    ),
  };
}

function changeTable(
  report: Report,
  at: readonly [number, number],
  change: (rows: Record<string, Cell>[]) => Record<string, Cell>[],
): Report {
  return changeBlock(report, at, (b) =>
    b.kind === "table" ? { ...b, rows: change(b.rows.map((r) => ({ ...r }))) } : b,
  );
}

function changeCheckpoint(report: Report, change: Partial<Report["provenance"]["checkpoint"]>): Report {
  const p = report.provenance;
  return { ...report, provenance: { ...p, checkpoint: { ...p.checkpoint, ...change } } };
}

/**
 * Mistakes the contract must catch in every format, each against {@link sampleReport}'s rich
 * report (the positions below are that report's): a renderer's test can run
 * {@link checkShowsReport} on a renderer that makes one and expect it to reject.
 *
 * @example
 * ```ts
 * const broken = withMistake(jsonRenderer, RENDERER_MISTAKES[0]);
 * await assert.rejects(checkShowsReport(broken, parse, sampleReport()));
 * ```
 */
export const RENDERER_MISTAKES: readonly RendererMistake[] = [
  {
    name: "drops the last table row",
    caughtBy: /number of rows shown/,
    mutate: (r) => changeTable(r, [1, 0], (rows) => rows.slice(0, -1)),
  },
  {
    name: "drops the first table row",
    caughtBy: /number of rows shown/,
    mutate: (r) => changeTable(r, [1, 0], (rows) => rows.slice(1)),
  },
  {
    name: "swaps two cells of a row",
    caughtBy: /: row 2$/,
    mutate: (r) =>
      changeTable(r, [1, 0], (rows) => {
        const row = rows[2];
        if (row) [row.actor, row.action] = [row.action ?? null, row.actor ?? null];
        return rows;
      }),
  },
  {
    name: "turns a line break in a cell into a space",
    caughtBy: /: row 3$/,
    mutate: (r) =>
      changeTable(r, [1, 0], (rows) =>
        rows.map((row) => ({
          ...row,
          note: typeof row.note === "string" ? row.note.replace(/\n/g, " ") : (row.note ?? null),
        })),
      ),
  },
  {
    name: "trims a cell",
    caughtBy: /: row 10$/,
    mutate: (r) =>
      changeTable(r, [1, 0], (rows) =>
        rows.map((row) => ({
          ...row,
          note: typeof row.note === "string" ? row.note.trim() : (row.note ?? null),
        })),
      ),
  },
  {
    name: "rounds a number",
    caughtBy: /figures "Totals"$/,
    mutate: (r) =>
      changeBlock(r, [0, 0], (b) =>
        b.kind === "figures"
          ? {
              ...b,
              figures: b.figures.map((f) =>
                typeof f.value === "number" ? { ...f, value: Math.round(f.value) } : f,
              ),
            }
          : b,
      ),
  },
  {
    name: "drops a figure's unit",
    caughtBy: /figures "Totals"$/,
    mutate: (r) =>
      changeBlock(r, [0, 0], (b) =>
        b.kind === "figures" ? { ...b, figures: b.figures.map(({ label, value }) => ({ label, value })) } : b,
      ),
  },
  {
    name: "drops a chart point",
    caughtBy: /: points$/,
    mutate: (r) =>
      changeBlock(r, [0, 1], (b) => (b.kind === "chart" ? { ...b, points: b.points.slice(1) } : b)),
  },
  {
    name: "drops the truncation count",
    caughtBy: /: rows left out$/,
    mutate: (r) => changeBlock(r, [2, 0], (b) => (b.kind === "table" ? { ...b, truncated: 0 } : b)),
  },
  {
    name: "changes a finding's evidence",
    caughtBy: /findings "What needs attention"$/,
    mutate: (r) =>
      changeBlock(r, [3, 0], (b) =>
        b.kind === "findings" ? { ...b, findings: b.findings.map((f) => ({ ...f, evidenceSeqs: [1] })) } : b,
      ),
  },
  {
    name: "changes a finding's severity",
    caughtBy: /findings "What needs attention"$/,
    mutate: (r) =>
      changeBlock(r, [3, 0], (b) =>
        b.kind === "findings"
          ? { ...b, findings: b.findings.map((f) => ({ ...f, severity: "info" as const })) }
          : b,
      ),
  },
  {
    name: "drops a section",
    caughtBy: /^section titles$/,
    mutate: (r) => ({ ...r, sections: r.sections.slice(0, -1) }),
  },
  {
    name: "renames a section",
    caughtBy: /^section titles$/,
    mutate: (r) => ({
      ...r,
      sections: r.sections.map((s, i) => (i === 0 ? { ...s, title: `${s.title}.` } : s)),
    }),
  },
  {
    name: "says a verified signature did not verify",
    caughtBy: /^provenance$/,
    mutate: (r) => changeCheckpoint(r, { signatureVerified: false }),
  },
  {
    name: "says the store failed verification",
    caughtBy: /^provenance$/,
    mutate: (r) => changeCheckpoint(r, { storeVerified: false }),
  },
  {
    name: "says the store was not checked",
    caughtBy: /^provenance$/,
    mutate: (r) => {
      const { storeVerified: _, ...checkpoint } = r.provenance.checkpoint;
      return { ...r, provenance: { ...r.provenance, checkpoint } };
    },
  },
  {
    name: "shows another root hash",
    caughtBy: /^provenance$/,
    mutate: (r) => changeCheckpoint(r, { rootHash: "AAAA" }),
  },
  {
    name: "shows another tree size",
    caughtBy: /^provenance$/,
    mutate: (r) => changeCheckpoint(r, { treeSize: 48_212 }),
  },
  {
    name: "drops a filter expression",
    caughtBy: /^provenance$/,
    mutate: (r) => ({ ...r, provenance: { ...r.provenance, filter: r.provenance.filter.slice(1) } }),
  },
  {
    name: "shows another audit level",
    caughtBy: /^provenance$/,
    mutate: (r) => ({ ...r, provenance: { ...r.provenance, auditLevel: "detailed" } }),
  },
  {
    name: "leaves the audit level out (shows it empty)",
    caughtBy: /^provenance$/,
    // An empty level rather than a missing key, so that every renderer still writes the line.
    mutate: (r) => ({ ...r, provenance: { ...r.provenance, auditLevel: "" as AuditLevel } }),
  },
  {
    name: "shows another period",
    caughtBy: /^provenance$/,
    mutate: (r) => ({
      ...r,
      provenance: { ...r.provenance, period: { ...r.provenance.period, until: "2026-12-02T00:00:00.000Z" } },
    }),
  },
];

/**
 * Branding mistakes the contract must catch in every format, against
 * `sampleReport({ branded: true })`.
 *
 * @example
 * ```ts
 * const broken = withMistake(htmlRenderer, BRANDING_MISTAKES[0]);
 * await assert.rejects(checkShowsReport(broken, parse, sampleReport({ branded: true })));
 * ```
 */
export const BRANDING_MISTAKES: readonly RendererMistake[] = [
  {
    name: "drops the organisation",
    caughtBy: /^branding$/,
    mutate: (r) => ({ ...r, branding: { ...r.branding, organisation: "" } }),
  },
  {
    name: "drops the footer",
    caughtBy: /^branding$/,
    mutate: (r) => {
      const { footer: _, ...branding } = r.branding ?? {};
      return { ...r, branding };
    },
  },
  {
    name: "shows another organisation",
    caughtBy: /^branding$/,
    mutate: (r) => ({ ...r, branding: { ...r.branding, organisation: "Other Corp" } }),
  },
];

/**
 * A renderer that makes `mistake`: for showing that the contract catches it.
 *
 * @example
 * ```ts
 * const broken = withMistake(csvRenderer, RENDERER_MISTAKES[0]);
 * ```
 */
export function withMistake(renderer: ReportRenderer, mistake: RendererMistake): ReportRenderer {
  return {
    format: renderer.format,
    mediaType: renderer.mediaType,
    extension: renderer.extension,
    render: (report, out) => renderer.render(mistake.mutate(report), out),
  };
}

/** Each contract test fails rather than hang when a renderer never resolves. */
const TIMEOUT = { timeout: 10_000 };

/**
 * A text as a format that lays text out in lines of a set width (PDF) drew it: its lines, top to
 * bottom, as the glyphs drawn (not the text a reader is told they stand for).
 *
 * @example
 * ```ts
 * const cell: DrawnText = { lines: ["1024-bit RSA key, below the ", "2048 bits required"] };
 * ```
 */
export interface DrawnText {
  readonly lines: readonly string[];
}

/**
 * How the contract reads a renderer's output: who the format is for, and, for a format that wraps
 * text itself, a reader of the lines it drew.
 *
 * @example
 * ```ts
 * reportRendererContract(() => pdfRenderer, parsePdfReport, { audience: "people", drawnTexts: readDrawnTexts });
 * ```
 */
export interface ContractOptions {
  readonly audience: Audience;
  /** Every multi-line text the output draws, read with a reader that is not the renderer's own. */
  readonly drawnTexts?: (bytes: Buffer) => readonly DrawnText[];
}

/**
 * The longest word every table of the sample reports has room for: a renderer that wraps text
 * itself breaks no word up to this length across lines (longer ones, like a fingerprint, may break).
 */
export const FITTING_WORD = 16;

/**
 * The words of `report` (its text split at white space) broken across lines in `texts`: a line
 * ending inside one of them (not after a hyphen or a slash, where lines may break) and the next
 * going on with it. Only words of at most {@link FITTING_WORD} characters count: longer ones (a
 * fingerprint) may break.
 *
 * @example
 * ```ts
 * brokenWords([{ lines: ["Complia", "nt"] }], report); // ["Complia|nt"] when the report says "Compliant"
 * ```
 */
export function brokenWords(texts: readonly DrawnText[], report: Report): string[] {
  const strings = (value: unknown): string[] =>
    typeof value === "string"
      ? [value]
      : typeof value === "object" && value !== null
        ? Object.values(value).flatMap(strings)
        : [];
  const words = new Set(
    strings(textView(report, "people"))
      .flatMap((text) => text.split(/\s+/))
      .filter((w) => w.length > 1 && w.length <= FITTING_WORD),
  );
  const broken: string[] = [];
  for (const { lines } of texts) {
    lines.forEach((line, i) => {
      const next = lines[i + 1];
      if (next === undefined) return;
      const head = /\S+$/.exec(line)?.[0];
      const tail = /^\S+/.exec(next)?.[0];
      // After a hyphen or a slash is where a line may break (Unicode line breaking, UAX #14).
      if (head && tail && !/[-/]$/.test(head) && words.has(head + tail)) broken.push(`${head}|${tail}`);
    });
  }
  return broken;
}

/**
 * Registers the contract suite for the renderer `make` returns; `parse` reads its output back
 * (with a reader that is not the renderer's own where the format has one), for the audience the
 * format is for.
 *
 * @example
 * ```ts
 * reportRendererContract(() => jsonRenderer, (bytes) => textView(JSON.parse(bytes.toString("utf8"))), {
 *   audience: "programs",
 * });
 * ```
 */
export function reportRendererContract(
  make: () => ReportRenderer,
  parse: ParseReportText,
  options: ContractOptions,
): void {
  const { audience, drawnTexts } = options;
  const format = make().format;
  describe(`ReportRenderer contract: ${format}`, () => {
    test("names its format, media type and extension", TIMEOUT, () => {
      const renderer = make();
      assert.match(renderer.format, /^[a-z][a-z0-9-]*$/);
      assert.match(renderer.mediaType, /^[a-z]+\/[a-z0-9.+-]+(;.*)?$/);
      assert.match(renderer.extension, /^[a-z0-9]+$/);
    });

    test("the sample report has every block kind, chart kind and severity", TIMEOUT, () => {
      const blocks = sampleReport().sections.flatMap((s) => s.blocks);
      assert.deepStrictEqual(
        new Set(blocks.map((b) => b.kind)),
        new Set(["figures", "table", "chart", "findings"]),
      );
      const charts = blocks.flatMap((b) => (b.kind === "chart" ? [b.chart] : []));
      assert.deepStrictEqual(new Set(charts), new Set(["timeseries", "bar", "breakdown"]));
      const severities = blocks.flatMap((b) =>
        b.kind === "findings" ? b.findings.map((f) => f.severity) : [],
      );
      assert.deepStrictEqual(new Set(severities), new Set(["info", "low", "medium", "high", "critical"]));
      assert.ok(blocks.some((b) => b.kind === "table" && b.rows.length >= 25));
      assert.ok(blocks.some((b) => b.kind === "table" && (b.truncated ?? 0) > 0));
    });

    test(
      "shows the provenance, every section, figure, table row, chart point and finding",
      TIMEOUT,
      async () => {
        await checkShowsReport(make(), parse, sampleReport(), audience);
      },
    );

    test(
      "shows each verification state: unsigned, store failed, store not checked, no filter",
      TIMEOUT,
      async () => {
        await checkShowsReport(
          make(),
          parse,
          sampleReport({ signatureVerified: false, storeVerified: false }),
          audience,
        );
        await checkShowsReport(
          make(),
          parse,
          sampleReport({ storeVerified: "not-run", filter: [] }),
          audience,
        );
      },
    );

    test("shows each audit level: minimal, standard, detailed", TIMEOUT, async () => {
      for (const auditLevel of AUDIT_LEVELS) {
        await checkShowsReport(make(), parse, sampleReport({ auditLevel }), audience);
      }
    });

    test(
      "shows the edge cases: empty sections, tables without rows, charts without points",
      TIMEOUT,
      async () => {
        await checkShowsReport(make(), parse, sampleReport({ variant: "edge-cases" }), audience);
        await checkShowsReport(
          make(),
          parse,
          sampleReport({ variant: "edge-cases", signatureVerified: true, storeVerified: true }),
          audience,
        );
      },
    );

    test("shows the branding: organisation and footer (and everything else)", TIMEOUT, async () => {
      const branded = sampleReport({ branded: true });
      assert.ok(branded.branding?.organisation && branded.branding.footer);
      await checkShowsReport(make(), parse, branded, audience);
      await checkShowsReport(make(), parse, sampleReport({ variant: "edge-cases", branded: true }), audience);
      await checkShowsReport(
        make(),
        parse,
        {
          ...sampleReport(),
          branding: { footer: "Footer only" },
        },
        audience,
      );
    });

    if (drawnTexts) {
      test(
        "wraps text at word boundaries: breaks only words too long for their column",
        TIMEOUT,
        async () => {
          for (const report of [sampleReport(), sampleReport({ variant: "edge-cases" })]) {
            const texts = drawnTexts(await renderBytes(make(), report));
            assert.ok(
              texts.some((t) => t.lines.length > 1),
              "the sample report has wrapped text to look at",
            );
            assert.deepStrictEqual(brokenWords(texts, report), [], "words broken across lines");
          }
        },
      );
    }

    test("shows a report without sections", TIMEOUT, async () => {
      await checkShowsReport(make(), parse, { ...sampleReport(), sections: [] }, audience);
    });

    test("is deterministic", TIMEOUT, async () => {
      await checkDeterministic(make, () => sampleReport());
      await checkDeterministic(make, () => sampleReport({ branded: true }));
      await checkDeterministic(make, () => sampleReport({ variant: "edge-cases" }));
    });

    test("does not end the stream it writes to", TIMEOUT, async () => {
      const out = new PassThrough();
      out.resume();
      await make().render(sampleReport(), out);
      assert.equal(out.writableEnded, false);
      assert.equal(out.destroyed, false);
      // The caller can still write its own trailer.
      assert.ok(out.write("after"));
    });

    test("waits for a slow destination and leaves it open", TIMEOUT, async () => {
      await checkSlowDestination(make(), sampleReport());
    });

    /** Every mistake must change what a reader sees of `report`, and fail the contract. */
    const catchesMistakes = (title: string, mistakes: readonly RendererMistake[], report: () => Report) =>
      describe(title, () => {
        for (const mistake of mistakes) {
          test(`a renderer that ${mistake.name} fails the contract`, TIMEOUT, async () => {
            const shown = report();
            // The mistake must change what a reader sees, or this test would prove nothing.
            assert.notDeepStrictEqual(
              textView(mistake.mutate(shown), audience),
              textView(shown, audience),
              mistake.name,
            );
            await assert.rejects(
              checkShowsReport(withMistake(make(), mistake), parse, shown, audience),
              (e: unknown) => {
                assert.ok(e instanceof assert.AssertionError, String(e));
                assert.match(e.message.split("\n")[0] ?? "", mistake.caughtBy);
                return true;
              },
            );
          });
        }
      });
    catchesMistakes("catches a renderer's branding mistakes", BRANDING_MISTAKES, () =>
      sampleReport({ branded: true }),
    );
    catchesMistakes("catches a renderer's mistakes", RENDERER_MISTAKES, () => sampleReport());
  });
}
