import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { isSealtrailError } from "../errors.js";
import { closestName } from "./closest-name.js";
import { dottedPath, expectationOf, formatIssue, invalidFile, schemaIssues } from "./schema-issues.js";

const SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1 },
    port: { type: "integer", minimum: 1, maximum: 65_535 },
    share: { type: "number", minimum: 0, maximum: 1 },
    mode: { type: "string", enum: ["fast", "safe"] },
    host: { type: "string", title: "a host name" },
    tags: { type: "array", items: { type: "string", minLength: 1 } },
    nested: {
      type: "object",
      additionalProperties: false,
      properties: { depth: { type: "integer", minimum: 0 } },
    },
  },
} as const;

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(SCHEMA);

function issues(data: unknown) {
  assert.equal(validate(data), false, "the data must be invalid for this test");
  return schemaIssues(validate.errors ?? [], SCHEMA, data).map(
    (i) => `${i.path}: expected ${i.expected}, got ${i.got}`,
  );
}

describe("schemaIssues", () => {
  test("a range is named the same whichever keyword failed: wrong type, too small or too large", () => {
    assert.deepEqual(issues({ name: "a", port: "8080" }), [
      'port: expected an integer from 1 to 65535, got "8080"',
    ]);
    assert.deepEqual(issues({ name: "a", port: 0 }), ["port: expected an integer from 1 to 65535, got 0"]);
    assert.deepEqual(issues({ name: "a", port: 70_000 }), [
      "port: expected an integer from 1 to 65535, got 70000",
    ]);
    assert.deepEqual(issues({ name: "a", port: 1.5 }), [
      "port: expected an integer from 1 to 65535, got 1.5",
    ]);
    assert.deepEqual(issues({ name: "a", share: 2 }), ["share: expected a number from 0 to 1, got 2"]);
  });

  test("every problem is reported, one per value", () => {
    assert.deepEqual(issues({ name: "", port: -1, mode: "slow", extra: true }), [
      'extra: expected one of the keys name, port, share, mode, host, tags, nested, got unknown key "extra"',
      'name: expected a non-empty text, got ""',
      "port: expected an integer from 1 to 65535, got -1",
      'mode: expected one of fast, safe, got "slow"',
    ]);
  });

  test("unknown keys name the known ones, and the likely one when it is close", () => {
    assert.deepEqual(issues({ name: "a", prot: 1 }), [
      'prot: expected one of the keys name, port, share, mode, host, tags, nested, got unknown key "prot" (did you mean "port"?)',
    ]);
    assert.deepEqual(issues({ name: "a", nested: { dpeth: 1 } }), [
      'nested.dpeth: expected one of the keys depth, got unknown key "dpeth" (did you mean "depth"?)',
    ]);
  });

  test("a missing required value, titles, list items and nested paths", () => {
    assert.deepEqual(issues({}), ["name: expected a non-empty text (it is required), got nothing"]);
    assert.deepEqual(issues({ name: "a", host: 3 }), ["host: expected a host name, got 3"]);
    assert.deepEqual(issues({ name: "a", tags: ["x", ""] }), ['tags[1]: expected a non-empty text, got ""']);
    assert.deepEqual(issues({ name: "a", tags: "x" }), ['tags: expected a list, got "x"']);
    assert.deepEqual(issues({ name: "a", nested: { depth: -2 } }), [
      "nested.depth: expected an integer ≥ 0, got -2",
    ]);
    assert.deepEqual(issues([1]), [": expected a mapping, got a list"]);
  });

  test("values can be described by the caller (to keep secrets out)", () => {
    const data = { name: "a", port: "hunter2" };
    assert.equal(validate(data), false);
    const [issue] = schemaIssues(validate.errors ?? [], SCHEMA, data, {
      describeValue: (pointer) => (pointer === "/port" ? "a secret (not shown)" : undefined),
    });
    assert.equal(issue?.got, "a secret (not shown)");
  });

  test("formatIssue and invalidFile: file, path, expectation, value and line; one error for all issues", () => {
    const line = formatIssue("sealtrail.yaml", {
      path: "server.port",
      pointer: "/server/port",
      expected: "an integer from 1 to 65535",
      got: "70000",
      line: 2,
    });
    assert.equal(
      line,
      "sealtrail.yaml: server.port: expected an integer from 1 to 65535, got 70000 (line 2)",
    );
    assert.equal(
      formatIssue("c.json", { path: "", pointer: "", expected: "JSON", got: "a syntax error" }),
      "c.json: expected JSON, got a syntax error",
    );
    const error = invalidFile("c.yaml", [
      { path: "a", pointer: "/a", expected: "x", got: "y" },
      { path: "b", pointer: "/b", expected: "z", got: "w", line: 4 },
    ]);
    assert.ok(isSealtrailError(error, "ST_ERR_CONFIG_INVALID"));
    assert.equal(error.message, "c.yaml: a: expected x, got y\nc.yaml: b: expected z, got w (line 4)");
    assert.deepEqual(error.details?.issues, [
      { path: "a", expected: "x", got: "y", line: undefined },
      { path: "b", expected: "z", got: "w", line: 4 },
    ]);
  });

  test("dottedPath quotes keys that are not plain names; expectationOf reads a subschema", () => {
    assert.equal(dottedPath("/controls/3/checks/0/kind"), "controls[3].checks[0].kind");
    assert.equal(dottedPath("/server/a b/x~1y"), 'server["a b"]["x/y"]');
    assert.equal(expectationOf({ type: "integer", minimum: 0 }), "an integer ≥ 0");
    assert.equal(expectationOf({ type: "boolean" }), "true or false");
    assert.equal(expectationOf({ type: "array", minItems: 1 }), "a list of at least 1 item");
  });
});

describe("closestName", () => {
  test("finds a transposition, a missing or extra letter, a case or dash difference", () => {
    const keys = ["host", "port", "rate_limit", "log_level", "trust_proxy"];
    assert.equal(closestName("prot", keys), "port");
    assert.equal(closestName("hots", keys), "host");
    assert.equal(closestName("ratelimit", keys), "rate_limit");
    assert.equal(closestName("Log-Level", keys), "log_level");
    assert.equal(closestName("trust_proxies", keys), "trust_proxy");
  });

  test("suggests nothing for a name unlike every candidate", () => {
    assert.equal(closestName("colour", ["host", "port"]), undefined);
    assert.equal(closestName("x", ["host", "port"]), undefined);
    assert.equal(closestName("anything", []), undefined);
  });
});
