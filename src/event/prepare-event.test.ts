import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ErrorCode, SealtrailError } from "../errors.js";
import { CATEGORIES } from "./audit-event.js";
import { canonicalize } from "./canonical-json.js";
import { DEFAULT_EVENT_LIMITS } from "./event-limits.js";
import { prepareEvent } from "./prepare-event.js";
import { sealedJson } from "./prepared-event.js";

const receivedAt = Date.UTC(2026, 10, 22, 10, 15, 0, 123);
const RECEIVED_TEXT = "2026-11-22T10:15:00.123Z";
const PEM =
  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBXdUhlmyXQ0UMuH1qXfV1eMEN7Eq8qDHyP7lWkFCkjc\n-----END PRIVATE KEY-----\n";

/** Prepares `input` and returns the stored event object. */
function stored(input: unknown, seq = 0): Record<string, unknown> {
  return JSON.parse(sealedJson(prepareEvent(input, { receivedAt }), seq)) as Record<string, unknown>;
}

/** Asserts prepareEvent(input) throws a SealtrailError with `code` whose message starts with `start`. */
function rejects(input: unknown, code: ErrorCode, start: string, contains?: string): SealtrailError {
  let caught: unknown;
  try {
    prepareEvent(input, { receivedAt });
  } catch (e) {
    caught = e;
  }
  assert.ok(
    caught instanceof SealtrailError,
    `expected a SealtrailError for ${start}, got ${String(caught)}`,
  );
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.message.startsWith(start), `"${caught.message}" should start with "${start}"`);
  if (contains)
    assert.ok(caught.message.includes(contains), `"${caught.message}" should mention "${contains}"`);
  return caught;
}

describe("prepareEvent: defaults and normalization", () => {
  test("a minimal event gets an id, times, outcome unknown, severity info and a derived category", () => {
    const prepared = prepareEvent({ action: "user.login" }, { receivedAt });
    const event = JSON.parse(sealedJson(prepared, 41)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(event), [
      "action",
      "category",
      "id",
      "outcome",
      "received_at",
      "seq",
      "severity",
      "timestamp",
    ]);
    assert.equal(event.action, "user.login");
    assert.equal(event.category, "authentication");
    assert.equal(event.outcome, "unknown");
    assert.equal(event.severity, "info");
    assert.equal(event.seq, 41);
    assert.equal(event.received_at, RECEIVED_TEXT);
    assert.equal(event.timestamp, RECEIVED_TEXT, "timestamp defaults to received_at");
    assert.match(event.id as string, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(prepared.id, event.id);
    assert.equal(prepared.producerId, false);
    assert.equal(prepared.timestampMs, receivedAt);
    assert.equal(prepared.category, "authentication");
    assert.equal(prepared.outcome, "unknown");
    assert.equal(prepared.severityLevel, 6, "syslog: info is 6");
    assert.equal(prepared.actorId, null);
    assert.equal(prepared.targetId, null);
    assert.equal(prepared.tenant, null);
  });

  test("the minted id carries the receive time", () => {
    const { id } = prepareEvent({ action: "user.login" }, { receivedAt });
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    assert.ok(ms >= receivedAt && ms <= receivedAt + 3, `${ms} vs ${receivedAt}`);
  });

  test("given fields are kept; explicit category wins over derivation", () => {
    const prepared = prepareEvent(
      {
        action: "user.login",
        category: "access",
        outcome: "failure",
        severity: "emergency",
        actor: { id: "u-1" },
        target: { id: "t-1" },
        tenant: "acme",
      },
      { receivedAt },
    );
    assert.equal(prepared.category, "access");
    assert.equal(prepared.outcome, "failure");
    assert.equal(prepared.severityLevel, 0);
    assert.equal(prepared.actorId, "u-1");
    assert.equal(prepared.targetId, "t-1");
    assert.equal(prepared.tenant, "acme");
    assert.equal(prepareEvent({ action: "a.b", severity: "debug" }, { receivedAt }).severityLevel, 7);
    assert.equal(prepareEvent({ action: "a.b", severity: "warning" }, { receivedAt }).severityLevel, 4);
  });

  test("derived categories are always valid categories", () => {
    for (const action of [
      "key.rotate",
      "package.install",
      "lead.ingested",
      "x.y",
      "Foo.Bar.read",
      "cert.renew",
    ]) {
      assert.ok(
        (CATEGORIES as readonly string[]).includes(prepareEvent({ action }, { receivedAt }).category),
        action,
      );
    }
    assert.equal(prepareEvent({ action: "key.rotate" }, { receivedAt }).category, "key_management");
  });

  test("timestamps are normalized to UTC with milliseconds; offsets are converted", () => {
    const cases: Array<[string, string]> = [
      ["2026-11-22T10:15:00+01:00", "2026-11-22T09:15:00.000Z"],
      ["2026-11-22T10:15:00.123456-05:30", "2026-11-22T15:45:00.123Z"],
      ["2026-11-22t10:15:00z", "2026-11-22T10:15:00.000Z"],
      ["2026-11-22 10:15:00.5Z", "2026-11-22T10:15:00.500Z"],
      ["2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00.000Z"],
      ["2026-03-01T00:30:00+01:00", "2026-02-28T23:30:00.000Z"],
      ["2026-11-22T10:15:00.000Z", "2026-11-22T10:15:00.000Z"],
      ["2026-11-22T10:15:00-00:00", "2026-11-22T10:15:00.000Z"],
    ];
    for (const [input, expected] of cases) {
      const prepared = prepareEvent({ action: "a.b", timestamp: input }, { receivedAt });
      const event = JSON.parse(sealedJson(prepared, 0)) as Record<string, unknown>;
      assert.equal(event.timestamp, expected, input);
      assert.equal(prepared.timestampMs, Date.parse(expected), input);
      assert.equal(event.received_at, RECEIVED_TEXT);
    }
  });

  test("crypto validity dates are normalized too", () => {
    const event = stored({
      action: "certificate.issue",
      crypto: {
        not_before: "2026-01-01T01:00:00+01:00",
        not_after: "2027-01-01T00:00:00.25Z",
        key_size: 2048,
      },
    });
    assert.deepEqual(event.crypto, {
      key_size: 2048,
      not_after: "2027-01-01T00:00:00.250Z",
      not_before: "2026-01-01T00:00:00.000Z",
    });
    rejects(
      { action: "a.b", crypto: { not_after: "2026-02-30T00:00:00Z" } },
      "ST_ERR_EVENT_INVALID",
      "crypto.not_after:",
    );
  });

  test("producer ids are lowercased and mark the event as idempotent", () => {
    const prepared = prepareEvent(
      { action: "a.b", id: "0192F0C4-7F3A-7CC1-9E33-5F2B1C8D4E6A" },
      { receivedAt },
    );
    assert.equal(prepared.id, "0192f0c4-7f3a-7cc1-9e33-5f2b1c8d4e6a");
    assert.equal(prepared.producerId, true);
    assert.equal(JSON.parse(sealedJson(prepared, 0)).id, "0192f0c4-7f3a-7cc1-9e33-5f2b1c8d4e6a");
  });

  test("the input is not modified", () => {
    const input = {
      action: "a.b",
      timestamp: "2026-11-22T10:15:00+01:00",
      id: "0192F0C4-7F3A-7CC1-9E33-5F2B1C8D4E6A",
      crypto: { not_before: "2026-01-01T01:00:00+01:00" },
      details: { b: 1, a: [2] },
    };
    const copy = structuredClone(input);
    prepareEvent(input, { receivedAt });
    assert.deepEqual(input, copy);
  });

  test("head + seq + tail is the canonical JSON for any seq", () => {
    const prepared = prepareEvent({ action: "a.b", tenant: "t", tags: ["x"] }, { receivedAt });
    for (const seq of [0, 9, 10, 12345678901234]) {
      const text = sealedJson(prepared, seq);
      assert.equal(text, canonicalize(JSON.parse(text)));
      assert.equal(JSON.parse(text).seq, seq);
    }
  });
});

describe("prepareEvent: errors name the path and the expectation", () => {
  test("schema violations", () => {
    rejects({}, "ST_ERR_EVENT_INVALID", "action: is required");
    rejects({ action: "login" }, "ST_ERR_EVENT_INVALID", "action: expected a dotted domain.verb action");
    rejects({ action: 5 }, "ST_ERR_EVENT_INVALID", "action: expected");
    rejects({ action: "a.b", actor: { id: 5 } }, "ST_ERR_EVENT_INVALID", "actor.id: expected a string");
    rejects(
      { action: "a.b", actor: { type: "robot" } },
      "ST_ERR_EVENT_INVALID",
      "actor.type: expected one of user, service, system",
    );
    rejects({ action: "a.b", actor: { nick: "x" } }, "ST_ERR_EVENT_INVALID", "actor.nick: unknown field");
    rejects(
      { action: "a.b", outcome: "maybe" },
      "ST_ERR_EVENT_INVALID",
      "outcome: expected one of success, failure, unknown",
    );
    rejects(
      { action: "a.b", severity: "loud" },
      "ST_ERR_EVENT_INVALID",
      "severity: expected one of emergency",
    );
    rejects(
      { action: "a.b", category: "misc" },
      "ST_ERR_EVENT_INVALID",
      "category: expected one of authentication",
    );
    rejects(
      { action: "a.b", policies: ["a", "b", "c", 4] },
      "ST_ERR_EVENT_INVALID",
      "policies[3]: expected a string",
    );
    rejects({ action: "a.b", tags: "x" }, "ST_ERR_EVENT_INVALID", "tags: expected an array");
    rejects({ action: "a.b", context: { x: 5 } }, "ST_ERR_EVENT_INVALID", "context.x: expected a string");
    rejects(
      { action: "a.b", duration_ms: -1 },
      "ST_ERR_EVENT_INVALID",
      "duration_ms: expected a non-negative number",
    );
    rejects({ action: "a.b", duration_ms: Number.NaN }, "ST_ERR_EVENT_INVALID", "duration_ms:");
    rejects({ action: "a.b", duration_ms: Number.POSITIVE_INFINITY }, "ST_ERR_EVENT_INVALID", "duration_ms:");
    rejects({ action: "a.b", tenant: "" }, "ST_ERR_EVENT_INVALID", "tenant: expected a non-empty string");
    rejects({ action: "a.b", id: "not-a-uuid" }, "ST_ERR_EVENT_INVALID", "id: expected a UUID");
    rejects({ action: "a.b", details: [] }, "ST_ERR_EVENT_INVALID", "details: expected an object");
    rejects(
      { action: "a.b", crypto: { key_size: 0 } },
      "ST_ERR_EVENT_INVALID",
      "crypto.key_size: expected a positive integer",
    );
  });

  test("unknown top-level fields are refused with a hint", () => {
    const e = rejects(
      { action: "a.b", user: "x" },
      "ST_ERR_EVENT_INVALID",
      "user: unknown top-level field",
      "details",
    );
    assert.deepEqual(e.details, { path: "user" });
  });

  test("non-objects are refused", () => {
    for (const input of [null, undefined, "x", 5, [], [{ action: "a.b" }]]) {
      rejects(input, "ST_ERR_EVENT_INVALID", "(event): expected a JSON object");
    }
  });

  test("seq and received_at are assigned by the log and refused", () => {
    rejects({ action: "a.b", seq: 5 }, "ST_ERR_EVENT_INVALID", "seq: is assigned by the log");
    rejects({ action: "a.b", seq: 0 }, "ST_ERR_EVENT_INVALID", "seq: is assigned by the log");
    rejects({ action: "a.b", seq: "x" }, "ST_ERR_EVENT_INVALID", "seq:", "assigned by the log");
    rejects(
      { action: "a.b", received_at: "2026-11-22T10:15:00Z" },
      "ST_ERR_EVENT_INVALID",
      "received_at: is assigned by the log",
    );
  });

  test("bad timestamps", () => {
    for (const bad of [
      "2026-02-30T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-11-22T24:00:00Z",
      "2026-11-22T10:15:00+24:00",
    ]) {
      rejects({ action: "a.b", timestamp: bad }, "ST_ERR_EVENT_INVALID", "timestamp: expected", "RFC 3339");
    }
    for (const bad of ["yesterday", "2026-11-22", "2026-11-22T10:15:00", "1795338900000", ""]) {
      rejects({ action: "a.b", timestamp: bad }, "ST_ERR_EVENT_INVALID", "timestamp: expected", "RFC 3339");
    }
    rejects({ action: "a.b", timestamp: 1795338900000 }, "ST_ERR_EVENT_INVALID", "timestamp: expected");
  });

  test("details errors carry the full path", () => {
    const limits = { ...DEFAULT_EVENT_LIMITS, maxStringLength: 10 };
    assert.throws(
      () =>
        prepareEvent(
          { action: "a.b", details: { a: { b: [0, 1, { c: "x".repeat(11) }] } } },
          { receivedAt, limits },
        ),
      (e: unknown) =>
        e instanceof SealtrailError &&
        e.code === "ST_ERR_EVENT_INVALID" &&
        e.message.startsWith("details.a.b[2].c: expected a string of at most 10 characters"),
    );
    rejects(
      { action: "a.b", details: { a: { b: [0, 1, { c: "\ud800" }] } } },
      "ST_ERR_EVENT_INVALID",
      "details.a.b[2].c: expected well-formed Unicode",
    );
    rejects(
      { action: "a.b", details: { a: { b: [0, 1, { c: new Date(0) }] } } },
      "ST_ERR_EVENT_INVALID",
      "details.a.b[2].c: expected a plain JSON object",
    );
    rejects(
      { action: "a.b", details: { a: { b: [0, 1, { c: Number.NaN }] } } },
      "ST_ERR_EVENT_INVALID",
      "details.a.b[2].c: expected a finite number",
    );
  });

  test("lone surrogates outside details are refused with their path", () => {
    rejects(
      { action: "a.b", tenant: "acme\ud800" },
      "ST_ERR_EVENT_INVALID",
      "tenant: expected well-formed Unicode",
    );
    rejects(
      { action: "a.b", actor: { name: "\udc00x" } },
      "ST_ERR_EVENT_INVALID",
      "actor.name: expected well-formed Unicode",
    );
    rejects(
      { action: "a.b", tags: ["ok", "\ud83d"] },
      "ST_ERR_EVENT_INVALID",
      "tags[1]: expected well-formed Unicode",
    );
    rejects(
      { action: "a.b", context: { "\ud800": "v" } },
      "ST_ERR_EVENT_INVALID",
      "context: expected well-formed Unicode",
    );
    rejects(
      { action: "a.b", error: { message: "boom \ud800" } },
      "ST_ERR_EVENT_INVALID",
      "error.message: expected well-formed Unicode",
    );
    assert.equal(stored({ action: "a.b", tenant: "acme 😂" }).tenant, "acme 😂");
  });

  test("an oversized event is refused with ST_ERR_EVENT_TOO_LARGE", () => {
    const big = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, "x".repeat(16_000)]));
    const e = rejects(
      { action: "a.b", details: big },
      "ST_ERR_EVENT_TOO_LARGE",
      "(event): expected at most 65535 bytes",
    );
    assert.equal(e.status, 413);
    // Multi-byte characters count as bytes, not characters.
    const limits = { ...DEFAULT_EVENT_LIMITS, maxEventBytes: 1000 };
    assert.doesNotThrow(() =>
      prepareEvent({ action: "a.b", details: { s: "x".repeat(500) } }, { receivedAt, limits }),
    );
    assert.throws(
      () => prepareEvent({ action: "a.b", details: { s: "€".repeat(500) } }, { receivedAt, limits }),
      (err: unknown) => err instanceof SealtrailError && err.code === "ST_ERR_EVENT_TOO_LARGE",
    );
  });

  test("5000-deep details are refused as too deep, without overflowing the stack", () => {
    const depth = 5000;
    const objects = JSON.parse(`{"action":"a.b","details":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`);
    rejects(
      objects,
      "ST_ERR_EVENT_INVALID",
      `details${".a".repeat(31)}: expected nesting of at most 32 levels`,
    );
    const arrays = JSON.parse(`{"action":"a.b","details":{"a":${"[".repeat(depth)}1${"]".repeat(depth)}}}`);
    rejects(
      arrays,
      "ST_ERR_EVENT_INVALID",
      `details.a${"[0]".repeat(30)}: expected nesting of at most 32 levels`,
    );
  });

  test("the depth limit is exact: the event is level 1, details level 2", () => {
    const nest = (levels: number) => {
      let value: unknown = "leaf";
      for (let i = 0; i < levels; i++) value = { a: value };
      return value;
    };
    // details + 30 nested objects = depth 32.
    assert.doesNotThrow(() => prepareEvent({ action: "a.b", details: nest(31) }, { receivedAt }));
    rejects(
      { action: "a.b", details: nest(32) },
      "ST_ERR_EVENT_INVALID",
      `details${".a".repeat(31)}: expected nesting`,
    );
  });
});

describe("prepareEvent: key material is refused with ST_ERR_EVENT_KEY_MATERIAL naming the path", () => {
  const keyMaterial = (input: unknown, path: string) => {
    const e = rejects(input, "ST_ERR_EVENT_KEY_MATERIAL", `${path}: `, "key material");
    assert.deepEqual(e.details, { path });
  };

  test("PEM blocks anywhere", () => {
    keyMaterial({ action: "a.b", details: { key: PEM } }, "details.key");
    keyMaterial({ action: "a.b", details: { a: { b: [0, 1, { c: `note: ${PEM}` }] } } }, "details.a.b[2].c");
    keyMaterial({ action: "a.b", target: { name: PEM } }, "target.name");
    keyMaterial({ action: "a.b", error: { message: `failed to load ${PEM}` } }, "error.message");
    keyMaterial({ action: "a.b", error: { stack: PEM } }, "error.stack");
    keyMaterial({ action: "a.b", tags: ["ok", PEM] }, "tags[1]");
    keyMaterial({ action: "a.b", context: { blob: PEM } }, "context.blob");
    keyMaterial(
      { action: "a.b", crypto: { fingerprint: "-----BEGIN RSA PRIVATE KEY-----" } },
      "crypto.fingerprint",
    );
    keyMaterial({ action: "a.b", actor: { name: "-----BEGIN OPENSSH PRIVATE KEY-----" } }, "actor.name");
  });

  test("a PEM block as a details field name", () => {
    keyMaterial({ action: "a.b", details: { x: { [PEM]: 1 } } }, "details.x");
  });

  test("text that merely mentions -----BEGIN is not a PEM block, wherever it is", () => {
    const text = "marker -----BEGIN not a pem";
    assert.equal(
      (stored({ action: "a.b", details: { text } }).details as Record<string, unknown>).text,
      text,
    );
    assert.equal(
      (stored({ action: "a.b", target: { name: text } }).target as Record<string, unknown>).name,
      text,
    );
    assert.equal(
      (stored({ action: "a.b", error: { message: text } }).error as Record<string, unknown>).message,
      text,
    );
  });

  test("fields named like secrets, at any depth", () => {
    keyMaterial({ action: "a.b", details: { private_key: "x" } }, "details.private_key");
    keyMaterial(
      { action: "a.b", details: { a: { b: [0, { client_secret: "x" }] } } },
      "details.a.b[1].client_secret",
    );
    keyMaterial({ action: "a.b", details: { nested: { secret: "x" } } }, "details.nested.secret");
    keyMaterial({ action: "a.b", details: { PrivateKey: "x" } }, "details.PrivateKey");
    keyMaterial({ action: "a.b", details: { "secret-key": { any: "thing" } } }, "details.secret-key");
    keyMaterial({ action: "a.b", context: { secret: "x" } }, "context.secret");
    keyMaterial({ action: "a.b", context: { client_secret: "x" } }, "context.client_secret");
    keyMaterial({ action: "a.b", crypto: { key_id: "k1", private_key: "x" } }, "crypto.private_key");
    keyMaterial({ action: "a.b", crypto: { secret: "x" } }, "crypto.secret");
    keyMaterial({ action: "a.b", secret: "x" }, "secret");
    keyMaterial({ action: "a.b", private_key: "x" }, "private_key");
    // Names that only contain the words are metadata, not material.
    const fine = stored({
      action: "a.b",
      details: { secret_name: "db", key_id: "k1", has_private_key: true },
    });
    assert.deepEqual(fine.details, { has_private_key: true, key_id: "k1", secret_name: "db" });
  });

  test("a private JWK is refused, a public one is not", () => {
    const jwk = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" };
    keyMaterial(
      { action: "a.b", details: { jwk: { ...jwk, d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A" } } },
      "details.jwk",
    );
    keyMaterial({ action: "a.b", details: { keys: [jwk, { ...jwk, d: "x" }] } }, "details.keys[1]");
    assert.deepEqual(
      (stored({ action: "a.b", details: { jwk } }).details as Record<string, unknown>).jwk,
      jwk,
    );
  });
});
