import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { errorsDocument, schemaDocument } from "../scripts/write-docs.js";
import { ERROR_CODES } from "../src/errors.js";

const root = new URL("../../", import.meta.url);

test("docs/errors.md lists every error code with its status, as generated from src/errors.ts", () => {
  const doc = readFileSync(new URL("docs/errors.md", root), "utf8");
  assert.equal(doc, errorsDocument(), "docs/errors.md is out of step: run npm run docs");
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  }
  const documented = [...doc.matchAll(/`(ST_ERR_[A-Z_]+)`/g)].map((m) => m[1]);
  assert.deepEqual(new Set(documented), new Set(Object.keys(ERROR_CODES)));
});

test("docs/schema/audit-event.v1.json is the schema the validator runs, and is a valid JSON Schema", () => {
  const text = readFileSync(new URL("docs/schema/audit-event.v1.json", root), "utf8");
  assert.equal(text, schemaDocument(), "the published schema is out of step: run npm run docs");
  const ajv = new Ajv2020({ strict: true, validateFormats: false });
  const validate = ajv.compile(JSON.parse(text));
  assert.equal(validate({ action: "user.login", outcome: "success", actor: { id: "a" } }), true);
  assert.equal(validate({ action: "user.login", outcome: "maybe" }), false);
  assert.equal(validate({ outcome: "success" }), false);
  assert.equal(validate({ action: "user.login", extra: 1 }), false);
});
