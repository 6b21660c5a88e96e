import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import type { Report } from "../report-model.js";
import {
  checkShowsReport,
  type ParsedReportText,
  renderBytes,
  reportRendererContract,
  textView,
} from "../report-renderer.case.js";
import type { ReportRenderer } from "../report-renderer.js";
import { sampleReport } from "../sample-report.js";
import { jsonRenderer, renderJson } from "./json-renderer.js";

/** Reads the output with JSON.parse: what it holds is the report model. */
function parseJsonReport(bytes: Buffer): ParsedReportText {
  return textView(JSON.parse(bytes.toString("utf8")) as Report);
}

reportRendererContract(() => jsonRenderer, parseJsonReport, { audience: "programs" });

describe("jsonRenderer", () => {
  test("writes exactly the model: numbers stay numbers, nulls stay null, nothing else added", async () => {
    for (const report of [sampleReport(), sampleReport({ variant: "edge-cases" })]) {
      const parsed: unknown = JSON.parse((await renderBytes(jsonRenderer, report)).toString("utf8"));
      assert.deepStrictEqual(parsed, report);
      assert.deepStrictEqual(Object.keys(parsed as object), ["provenance", "sections"]);
    }
    const parsed = JSON.parse(renderJson(sampleReport())) as Report;
    const table = parsed.sections[1]?.blocks[0];
    assert.equal(table?.kind, "table");
    if (table?.kind === "table") {
      assert.equal(table.rows[0]?.events, 4_000);
      assert.equal(table.rows[0]?.verified, false);
      assert.equal(table.rows[7]?.actor, null);
      assert.equal(table.rows[0]?.share, (4_000 / 54_700) * 100);
    }
  });

  test("is indented by two spaces and ends with a newline", () => {
    const text = renderJson(sampleReport());
    assert.ok(text.startsWith('{\n  "provenance": {\n    "type": "activity",\n'), text.slice(0, 80));
    assert.ok(text.endsWith("\n}\n"));
    assert.equal(text, `${JSON.stringify(sampleReport(), null, 2)}\n`);
  });

  test("leaves out what is not in the model", () => {
    const report = { ...sampleReport(), internal: "secret" } as Report;
    assert.equal(renderJson(report).includes("secret"), false);
  });

  test("rejects when the stream is destroyed instead of hanging", async () => {
    const out = new PassThrough();
    out.destroy();
    await assert.rejects(jsonRenderer.render(sampleReport(), out), { code: "ERR_STREAM_DESTROYED" });
  });

  test("the contract fails a renderer that rounds numbers or drops a row when writing JSON", async () => {
    const rounding: ReportRenderer = {
      ...jsonRenderer,
      render: async (report, out) => {
        out.write(
          `${JSON.stringify(report, (_key, value: unknown) => (typeof value === "number" ? Math.round(value) : value), 2)}\n`,
        );
      },
    };
    await assert.rejects(checkShowsReport(rounding, parseJsonReport, sampleReport()), /Share|figures|row/);
    const dropping: ReportRenderer = {
      ...jsonRenderer,
      render: async (report, out) => {
        const text = renderJson(report);
        const parsed = JSON.parse(text) as { sections: { blocks: { rows?: unknown[] }[] }[] };
        parsed.sections[1]?.blocks[0]?.rows?.splice(24, 1);
        out.write(JSON.stringify(parsed, null, 2));
      },
    };
    await assert.rejects(checkShowsReport(dropping, parseJsonReport, sampleReport()), /number of rows shown/);
  });
});
