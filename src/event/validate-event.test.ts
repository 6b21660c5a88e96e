import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ErrorCode, SealtrailError } from "../errors.js";
import { DEFAULT_EVENT_LIMITS, type EventLimits } from "./event-limits.js";
import { validateEvent } from "./validate-event.js";

function fails(
  input: unknown,
  code: ErrorCode,
  message: string,
  limits: EventLimits = DEFAULT_EVENT_LIMITS,
): void {
  assert.throws(
    () => validateEvent(input, limits),
    (e: unknown) => {
      assert.ok(e instanceof SealtrailError, String(e));
      assert.equal(e.code, code, e.message);
      assert.equal(e.message.slice(0, message.length), message);
      return true;
    },
  );
}

const full = {
  id: "0192f0c4-7f3a-7cc1-9e33-5f2b1c8d4e6a",
  timestamp: "2026-11-22T10:15:00.000Z",
  action: "package.install",
  category: "package",
  outcome: "success",
  severity: "notice",
  actor: { id: "u1", type: "service", name: "ci", ip: "2001:db8::1", user_agent: "npm/10", session_id: "s" },
  target: { type: "package", id: "left-pad", name: "left-pad", version: "1.3.0" },
  source: { tool: "npm", tool_version: "10.0.0", host: "runner-1", component: "installer" },
  tenant: "acme",
  context: { request_id: "r1", trace_id: "t1", workflow: "ci", lead_id: "l1" },
  policies: ["POL-SUPPLY-CHAIN"],
  crypto: {
    key_id: "k1",
    algorithm: "ed25519",
    key_size: 256,
    fingerprint: "SHA256:x",
    not_before: "2026-01-01T00:00:00Z",
    not_after: "2027-01-01T00:00:00Z",
    serial: "01",
  },
  error: { code: "E1", message: "m", stack: "s" },
  duration_ms: 12.5,
  details: {
    integrity: "sha512-abc",
    scripts: { postinstall: false },
    list: [1, "two", null, true, { x: 1.5 }],
  },
  tags: ["supply-chain"],
};

describe("validateEvent", () => {
  test("accepts a complete schema v1 event and a minimal one", () => {
    assert.equal(validateEvent(full, DEFAULT_EVENT_LIMITS), undefined);
    assert.equal(validateEvent({ action: "a.b" }, DEFAULT_EVENT_LIMITS), undefined);
  });

  test("each field of the complete event is checked (one wrong value each)", () => {
    const wrong: Array<[string, unknown, string]> = [
      ["id", "0192f0c4", "id: expected a UUID"],
      ["timestamp", "2026-11-22", "timestamp: expected an RFC 3339 date-time"],
      ["action", "package install", "action: expected a dotted domain.verb action"],
      ["category", "packages", "category: expected one of"],
      ["outcome", "ok", "outcome: expected one of success, failure, unknown"],
      ["severity", "info ", "severity: expected one of"],
      ["actor", "u1", "actor: expected an object with id, type"],
      ["target", [], "target: expected an object with type, id, name, version"],
      ["source", { tool: 1 }, "source.tool: expected a string of at most 1024 characters"],
      ["tenant", "x".repeat(129), "tenant: expected a non-empty string of at most 128 characters"],
      ["context", { a: null }, "context.a: expected a string of at most 1024 characters"],
      ["policies", ["x".repeat(1025)], "policies[0]: expected a string of at most 1024 characters"],
      ["crypto", { key_size: 1.5 }, "crypto.key_size: expected a positive integer number of bits"],
      ["error", { code: "E", extra: 1 }, "error.extra: unknown field"],
      ["duration_ms", "12", "duration_ms: expected a non-negative number of milliseconds"],
      ["details", "x", "details: expected an object of free-form parameters"],
      ["tags", Array(101).fill("t"), "tags: expected an array of at most 100 strings"],
    ];
    for (const [field, value, message] of wrong)
      fails({ ...full, [field]: value }, "ST_ERR_EVENT_INVALID", message);
  });

  test("errors carry the path in details", () => {
    try {
      validateEvent({ action: "a.b", actor: { id: 1 } }, DEFAULT_EVENT_LIMITS);
      assert.fail("should throw");
    } catch (e) {
      assert.ok(e instanceof SealtrailError);
      assert.deepEqual(e.details, { path: "actor.id" });
      assert.equal(e.status, 400);
    }
  });

  test("details limits: string length, array length, depth — each with its path", () => {
    const limits: EventLimits = { maxEventBytes: 65536, maxDepth: 4, maxStringLength: 5, maxArrayLength: 3 };
    assert.equal(
      validateEvent({ action: "a.b", details: { s: "12345", a: [1, 2, 3], d: { e: { f: 1 } } } }, limits),
      undefined,
    );
    fails(
      { action: "a.b", details: { s: "123456" } },
      "ST_ERR_EVENT_INVALID",
      "details.s: expected a string of at most 5 characters",
      limits,
    );
    fails(
      { action: "a.b", details: { a: [1, 2, 3, 4] } },
      "ST_ERR_EVENT_INVALID",
      "details.a: expected an array of at most 3 items",
      limits,
    );
    fails(
      { action: "a.b", details: { d: { e: { f: {} } } } },
      "ST_ERR_EVENT_INVALID",
      "details.d.e.f: expected nesting of at most 4 levels",
      limits,
    );
    fails(
      { action: "a.b", details: { d: [[[]]] } },
      "ST_ERR_EVENT_INVALID",
      "details.d[0][0]: expected nesting of at most 4 levels",
      limits,
    );
  });

  test("details hold JSON values only", () => {
    class Thing {
      a = 1;
    }
    const cases: Array<[unknown, string]> = [
      [new Thing(), "details.v: expected a plain JSON object"],
      [new Map(), "details.v: expected a plain JSON object"],
      [() => 1, "details.v: expected a JSON value, found function"],
      [Symbol("x"), "details.v: expected a JSON value, found symbol"],
      [1n, "details.v: expected a JSON value, found bigint"],
      [Number.POSITIVE_INFINITY, "details.v: expected a finite number"],
    ];
    for (const [v, message] of cases)
      fails({ action: "a.b", details: { v } }, "ST_ERR_EVENT_INVALID", message);
    assert.equal(
      validateEvent(
        { action: "a.b", details: Object.assign(Object.create(null), { v: 1 }) },
        DEFAULT_EVENT_LIMITS,
      ),
      undefined,
    );
    assert.equal(
      validateEvent({ action: "a.b", details: { v: undefined, w: null } }, DEFAULT_EVENT_LIMITS),
      undefined,
    );
  });

  test("a cyclic details object stops at the depth limit instead of recursing forever", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    fails(
      { action: "a.b", details: cyclic },
      "ST_ERR_EVENT_INVALID",
      `details${".self".repeat(31)}: expected nesting`,
    );
  });

  test("key material names are matched whole and case-insensitively", () => {
    for (const name of [
      "private_key",
      "private-key",
      "privatekey",
      "PRIVATE_KEY",
      "privkey",
      "secret",
      "Secret",
      "client_secret",
      "clientSecret",
      "api_secret",
      "secret_key",
      "key_material",
      "passphrase",
      "seed_phrase",
      "mnemonic",
    ]) {
      fails(
        { action: "a.b", details: { [name]: "x" } },
        "ST_ERR_EVENT_KEY_MATERIAL",
        `details.${name}: a field named "${name}"`,
      );
    }
    for (const name of [
      "secrets_manager_arn",
      "private_key_id",
      "key",
      "public_key",
      "secretary",
      "is_secret",
    ]) {
      assert.equal(
        validateEvent({ action: "a.b", details: { [name]: "x" } }, DEFAULT_EVENT_LIMITS),
        undefined,
        name,
      );
    }
  });

  test("PEM blocks in details, including certificates and public keys, are refused", () => {
    for (const label of [
      "PRIVATE KEY",
      "RSA PRIVATE KEY",
      "EC PRIVATE KEY",
      "OPENSSH PRIVATE KEY",
      "ENCRYPTED PRIVATE KEY",
      "CERTIFICATE",
      "PUBLIC KEY",
    ]) {
      fails(
        { action: "a.b", details: { list: [`-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----`] } },
        "ST_ERR_EVENT_KEY_MATERIAL",
        "details.list[0]: a PEM block",
      );
    }
  });
});
