import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import {
  configSchemaDocument,
  controlMapSchemaDocument,
  errorsDocument,
  schemaDocument,
} from "../scripts/write-docs.js";
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

test("docs/schema/control-map.json is the schema control maps are checked with, and every built-in map passes it", () => {
  const text = readFileSync(new URL("docs/schema/control-map.json", root), "utf8");
  assert.equal(text, controlMapSchemaDocument(), "the published schema is out of step: run npm run docs");
  const ajv = new Ajv2020({ strict: false });
  const validate = ajv.compile(JSON.parse(text));
  for (const name of ["soc2", "hipaa", "pci-dss", "gdpr"]) {
    const map = JSON.parse(readFileSync(new URL(`src/compliance/frameworks/${name}.json`, root), "utf8"));
    assert.equal(validate(map), true, `${name}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(validate({ framework: "x", title: "x", version: "1", scope: "s", controls: [] }), false);
});

test("docs/schema/config.json is the schema configuration files are checked with", () => {
  const text = readFileSync(new URL("docs/schema/config.json", root), "utf8");
  assert.equal(text, configSchemaDocument(), "the published schema is out of step: run npm run docs");
  const validate = new Ajv2020({ strict: true }).compile(JSON.parse(text));
  assert.equal(validate({ server: { host: "0.0.0.0", port: 8443, limits: { ndjson_lines: 10 } } }), true);
  assert.equal(validate({ server: { port: 70_000 } }), false);
  assert.equal(validate({ server: { prot: 1 } }), false);
  assert.equal(validate({ alerts: {} }), false);
  assert.equal(validate({ storage: { driver: "postgres" } }), false);
});
