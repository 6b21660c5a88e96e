import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { CanonicalJsonError, canonicalize } from "./canonical-json.js";
import { prepareEvent } from "./prepare-event.js";
import { sealedJson } from "./prepared-event.js";

interface Rfc8785Vectors {
  cases: Array<{ name: string; input: string; output: string; input_sha256: string; output_sha256: string }>;
  numbers: Array<{ ieee_hex: string; expected: string | null; error?: boolean; comment?: string }>;
}

const vectors = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/rfc8785-vectors.json", import.meta.url), "utf8"),
) as Rfc8785Vectors;
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The IEEE-754 double with big-endian bit pattern `hex`. */
function double(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe("canonicalize: RFC 8785 test vectors", () => {
  test("the fixture is the published testdata (checksums)", () => {
    assert.equal(vectors.cases.length, 6);
    for (const c of vectors.cases) {
      assert.equal(sha256(c.input), c.input_sha256, c.name);
      assert.equal(sha256(c.output), c.output_sha256, c.name);
    }
  });

  for (const c of vectors.cases) {
    test(`${c.name}: input canonicalizes to the published output exactly`, () => {
      const output = canonicalize(JSON.parse(c.input));
      assert.equal(output, c.output);
      assert.deepEqual(Buffer.from(output, "utf8"), Buffer.from(c.output, "utf8"));
      assert.equal(canonicalize(JSON.parse(output)), output, "canonical output is a fixed point");
    });
  }

  test("every IEEE-754 number row serializes as published (or throws)", () => {
    assert.equal(vectors.numbers.length, 26);
    for (const row of vectors.numbers) {
      const value = double(row.ieee_hex);
      const label = `${row.ieee_hex} ${row.comment ?? ""}`;
      if (row.error) {
        assert.throws(() => canonicalize(value), CanonicalJsonError, label);
        assert.throws(() => canonicalize([value]), CanonicalJsonError, label);
        assert.throws(() => canonicalize({ n: value }), CanonicalJsonError, label);
      } else {
        assert.equal(canonicalize(value), row.expected, label);
        assert.equal(canonicalize([value]), `[${row.expected}]`, label);
        assert.equal(canonicalize({ n: value }), `{"n":${row.expected}}`, label);
      }
    }
    // The rows really are what their comments say.
    assert.ok(Object.is(double("8000000000000000"), -0));
    assert.ok(Number.isNaN(double("7fffffffffffffff")));
    assert.equal(double("7ff0000000000000"), Number.POSITIVE_INFINITY);
    assert.throws(() => canonicalize(Number.NEGATIVE_INFINITY), CanonicalJsonError);
  });
});

describe("canonicalize: JCS rules beyond the vectors", () => {
  test("keys sort by UTF-16 code units, integer-like keys included", () => {
    // A JS object lists integer-like keys first in numeric order; JCS wants string order.
    assert.equal(
      canonicalize({ 2: "b", 10: "a", 1: "c", b: 0, a: 0 }),
      '{"1":"c","10":"a","2":"b","a":0,"b":0}',
    );
    assert.equal(canonicalize(JSON.parse('{"9":1,"10":2,"100":3,"09":4}')), '{"09":4,"10":2,"100":3,"9":1}');
    assert.equal(
      canonicalize({ 4294967295: 1, 4294967294: 2, 5: 3 }),
      '{"4294967294":2,"4294967295":1,"5":3}',
    );
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFD by code unit (not by code point).
    assert.equal(canonicalize({ "\uFFFD": 2, "\u{1F600}": 1 }), '{"\u{1F600}":1,"\uFFFD":2}');
    assert.equal(canonicalize({ b: 1, B: 2, "": 3, é: 4, e: 5 }), '{"":3,"B":2,"b":1,"e":5,"é":4}');
  });

  test("a __proto__ member is kept as data", () => {
    const parsed = JSON.parse('{"z":1,"__proto__":{"polluted":true},"a":2}');
    assert.equal(canonicalize(parsed), '{"__proto__":{"polluted":true},"a":2,"z":1}');
  });

  test("strings escape only what JCS requires", () => {
    assert.equal(canonicalize('\b\f\n\r\t"\\'), '"\\b\\f\\n\\r\\t\\"\\\\"');
    assert.equal(canonicalize("\u0000\u0001\u001f"), '"\\u0000\\u0001\\u001f"');
    assert.equal(
      canonicalize("/ \u007f \u0080 \u2028 \u2029 é 😂 </script>"),
      '"/ \u007f \u0080 \u2028 \u2029 é 😂 </script>"',
    );
  });

  test("numbers use the ECMAScript shortest form", () => {
    const cases: Array<[number, string]> = [
      [0, "0"],
      [-0, "0"],
      [1, "1"],
      [-1.5, "-1.5"],
      [0.1, "0.1"],
      [1e21, "1e+21"],
      [1e20, "100000000000000000000"],
      [1e-7, "1e-7"],
      [0.000001, "0.000001"],
      [2 ** 53, "9007199254740992"],
      [123456789.125, "123456789.125"],
    ];
    for (const [value, text] of cases) assert.equal(canonicalize(value), text, String(value));
  });

  test("literals, empty containers, nesting and undefined members", () => {
    assert.equal(canonicalize(null), "null");
    assert.equal(canonicalize(true), "true");
    assert.equal(canonicalize(false), "false");
    assert.equal(canonicalize([]), "[]");
    assert.equal(canonicalize({}), "{}");
    assert.equal(
      canonicalize({ b: [{ d: 1, c: [] }], a: { z: {}, y: null } }),
      '{"a":{"y":null,"z":{}},"b":[{"c":[],"d":1}]}',
    );
    assert.equal(canonicalize({ a: undefined, b: 1 }), '{"b":1}');
  });

  test("lone surrogates, non-finite numbers and non-JSON values throw with their path", () => {
    const cases: Array<[unknown, string]> = [
      [{ a: { b: [1, "\ud800"] } }, "a.b[1]"],
      [{ a: { b: [1, Number.NaN] } }, "a.b[1]"],
      [{ x: { "\udc00": 1 } }, "x"],
      [[{ f: () => 1 }], "[0].f"],
      [{ s: Symbol("s") }, "s"],
      [{ n: 10n }, "n"],
      [undefined, ""],
    ];
    for (const [value, path] of cases) {
      assert.throws(
        () => canonicalize(value),
        (e: unknown) =>
          e instanceof CanonicalJsonError && e.path === path && e.message.startsWith(`${path || "(root)"}: `),
        path,
      );
    }
    assert.equal(canonicalize("\ud83d\ude02"), '"😂"', "a surrogate pair is fine");
  });
});

describe("prepareEvent's text is real JCS", () => {
  const receivedAt = Date.UTC(2026, 10, 22, 10, 15, 0, 123);
  const rich: Array<Record<string, unknown>> = [
    { action: "user.login" },
    {
      tenant: "acme-ünïcode",
      timestamp: "2026-11-22T11:15:00.5+01:00",
      target: { version: "1.2.3", name: "payroll 😀", id: "rec-1", type: "record" },
      actor: {
        user_agent: "curl/8",
        type: "user",
        session_id: "s1",
        name: "Zoë",
        ip: "203.0.113.7",
        id: "u-1",
      },
      action: "record.read",
      outcome: "success",
      severity: "notice",
      details: {
        "\u{1F600}": "emoji key",
        "\uFFFD": "replacement",
        é: "e acute",
        e: "plain",
        B: 1,
        a: {
          z: [1e21, -0, 0.1, 1e-7, 5e-324, 2 ** 53, 1.7976931348623157e308],
          y: { "10": 10, "2": 2, "1": 1 },
        },
        "": "empty key",
        日本: ["語", { "\n": "newline key", "\u0001": "control key" }],
        quote: 'she said "hi" \\ / \u2028',
        nested: [[[[{ deep: true }]]]],
        nothing: null,
      },
      context: { workflow: "nightly", request_id: "r-9", "10": "ten", "9": "nine" },
      policies: ["POL-KEY-ROTATION", "PCI-DSS-10.2.1.5"],
      tags: ["b", "a", "ü"],
      duration_ms: 12.5,
      error: { stack: "at x\n at y", message: 'boom "quoted"', code: "E42" },
      source: { tool_version: "1.0", tool: "sealtrail", host: "h1", component: "api" },
      crypto: {
        serial: "01",
        not_after: "2027-01-01T00:00:00+02:00",
        not_before: "2026-01-01T00:00:00Z",
        key_size: 256,
        key_id: "k1",
        fingerprint: "SHA256:abc",
        algorithm: "ed25519",
      },
      id: "0192F0C4-7F3A-7CC1-9E33-5F2B1C8D4E6A",
      category: "data",
    },
    { action: "key.rotate", duration_ms: 1e21, details: { n: -0 }, crypto: { key_id: "k" } },
    { action: "perf.sample", duration_ms: 0.1, details: { list: [0.1, 0.2, 0.30000000000000004] } },
  ];

  for (const [i, input] of rich.entries()) {
    test(`event ${i}: sealedJson equals canonicalize(JSON.parse(sealedJson))`, () => {
      const text = sealedJson(prepareEvent(input, { receivedAt }), 7);
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.equal(text, canonicalize(parsed));
      assert.equal(parsed.seq, 7);
      assert.equal(parsed.action, input.action);
      assert.equal(parsed.received_at, "2026-11-22T10:15:00.123Z");
    });
  }

  test("integer-like keys inside details come out in JCS order", () => {
    const text = sealedJson(prepareEvent({ action: "a.b", details: { 2: "b", 10: "a" } }, { receivedAt }), 0);
    assert.ok(text.includes('"details":{"10":"a","2":"b"}'), text);
  });
});
