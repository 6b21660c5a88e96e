import assert from "node:assert/strict";
import { test } from "node:test";
import { isSealtrailError } from "../../errors.js";
import { csvRenderer, jsonRenderer, markdownRenderer, RENDERERS, rendererFor } from "./index.js";

/** Every format, in the order they are registered. */
const FORMATS = ["json", "csv", "markdown", "html", "pdf", "xlsx"];

test("RENDERERS holds every renderer under its own format name", () => {
  assert.deepStrictEqual(Object.keys(RENDERERS), FORMATS);
  for (const [format, renderer] of Object.entries(RENDERERS)) assert.equal(renderer.format, format);
  assert.ok(Object.isFrozen(RENDERERS));
});

test("rendererFor returns the renderer of a known format", () => {
  assert.equal(rendererFor("json"), jsonRenderer);
  assert.equal(rendererFor("csv"), csvRenderer);
  assert.equal(rendererFor("markdown"), markdownRenderer);
});

test("rendererFor throws ST_ERR_USAGE naming the known formats for any other name", () => {
  for (const format of ["docx", "JSON", "md", "", "constructor", "__proto__", "toString"]) {
    assert.throws(
      () => rendererFor(format),
      (e: unknown) => {
        assert.ok(isSealtrailError(e, "ST_ERR_USAGE"), String(e));
        assert.equal(
          e.message,
          `unknown report format "${format}": expected ${FORMATS.slice(0, -1).join(", ")} or ${FORMATS.at(-1)}`,
        );
        assert.deepStrictEqual(e.details, { format, known: FORMATS });
        return true;
      },
    );
  }
});
