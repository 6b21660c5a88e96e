import assert from "node:assert/strict";
import { test } from "node:test";
import { isSealtrailError } from "../../errors.js";
import { csvRenderer, jsonRenderer, markdownRenderer, RENDERERS, rendererFor } from "./index.js";

test("RENDERERS holds every renderer under its own format name", () => {
  assert.deepStrictEqual(Object.keys(RENDERERS), ["json", "csv", "markdown"]);
  for (const [format, renderer] of Object.entries(RENDERERS)) assert.equal(renderer.format, format);
  assert.ok(Object.isFrozen(RENDERERS));
});

test("rendererFor returns the renderer of a known format", () => {
  assert.equal(rendererFor("json"), jsonRenderer);
  assert.equal(rendererFor("csv"), csvRenderer);
  assert.equal(rendererFor("markdown"), markdownRenderer);
});

test("rendererFor throws ST_ERR_USAGE naming the known formats for any other name", () => {
  for (const format of ["pdf", "JSON", "md", "", "constructor", "__proto__", "toString"]) {
    assert.throws(
      () => rendererFor(format),
      (e: unknown) => {
        assert.ok(isSealtrailError(e, "ST_ERR_USAGE"), String(e));
        assert.equal(e.message, `unknown report format "${format}": expected json, csv or markdown`);
        assert.deepStrictEqual(e.details, { format, known: ["json", "csv", "markdown"] });
        return true;
      },
    );
  }
});
