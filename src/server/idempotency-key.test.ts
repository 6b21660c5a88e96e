import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { eventIdForIdempotencyKey } from "./idempotency-key.js";

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const usageError = (error: unknown) => {
  assert.ok(isSealtrailError(error, "ST_ERR_USAGE"), String(error));
  assert.match((error as Error).message, /^Idempotency-Key: expected 1 to 256 characters$/);
  return true;
};

describe("eventIdForIdempotencyKey", () => {
  test("a UUID is used as it is, lower-cased and trimmed, whatever the tenant", () => {
    const upper = "0190F5A2-1234-7ABC-8DEF-0123456789AB";
    const lower = upper.toLowerCase();
    assert.equal(eventIdForIdempotencyKey(upper, null), lower);
    assert.equal(eventIdForIdempotencyKey(lower, null), lower);
    assert.equal(eventIdForIdempotencyKey(upper, "acme"), lower);
    assert.equal(eventIdForIdempotencyKey(`  ${upper}\t`, "globex"), lower);
    // Any UUID shape passes, not only versions 7 and 8.
    assert.equal(
      eventIdForIdempotencyKey("00000000-0000-0000-0000-000000000000", null),
      "00000000-0000-0000-0000-000000000000",
    );
  });

  test("the same header and tenant always name the same event (pinned values: ids must never change)", () => {
    assert.equal(eventIdForIdempotencyKey("order-17", null), "890dc28f-ff6a-896b-94e3-734394dc4944");
    assert.equal(eventIdForIdempotencyKey("order-17", "acme"), "66ec58c4-7c2c-8ca1-b622-bafc596ea5bd");
    assert.equal(eventIdForIdempotencyKey("order-17", null), eventIdForIdempotencyKey("order-17", null));
    assert.equal(eventIdForIdempotencyKey(" order-17 ", null), eventIdForIdempotencyKey("order-17", null));
  });

  test("a different tenant, or a different key, names a different event", () => {
    const ids = new Set([
      eventIdForIdempotencyKey("order-17", null),
      eventIdForIdempotencyKey("order-17", "acme"),
      eventIdForIdempotencyKey("order-17", "globex"),
      eventIdForIdempotencyKey("order-18", null),
      eventIdForIdempotencyKey("Order-17", null),
      eventIdForIdempotencyKey("acme\u0000order-17", null),
    ]);
    assert.equal(ids.size, 6);
  });

  test("name-based ids are version 8 with the RFC 9562 variant", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = eventIdForIdempotencyKey(`key-${i}`, i % 2 === 0 ? null : `tenant-${i % 5}`);
      assert.match(id, UUID_V8, id);
      const bytes = Buffer.from(id.replaceAll("-", ""), "hex");
      assert.equal((bytes[6] as number) >> 4, 8, "version nibble");
      assert.equal((bytes[8] as number) >> 6, 0b10, "variant bits");
      seen.add(id);
    }
    assert.equal(seen.size, 2000);
    // Something close to a UUID but not one is a name.
    assert.match(eventIdForIdempotencyKey("0190f5a2-1234-7abc-8def-0123456789a", null), UUID_V8);
    assert.match(eventIdForIdempotencyKey("{0190f5a2-1234-7abc-8def-0123456789ab}", null), UUID_V8);
  });

  test("an empty, blank or over-long header is a usage error; 256 characters are fine", () => {
    for (const header of ["", " ", "\t\n", "k".repeat(257), ` ${"k".repeat(257)} `]) {
      assert.throws(() => eventIdForIdempotencyKey(header, null), usageError, JSON.stringify(header));
    }
    assert.match(eventIdForIdempotencyKey("k".repeat(256), null), UUID_V8);
    assert.match(eventIdForIdempotencyKey(` ${"k".repeat(256)} `, "acme"), UUID_V8);
    assert.match(eventIdForIdempotencyKey("x", null), UUID_V8);
    assert.match(eventIdForIdempotencyKey("ключ-é-🔑", null), UUID_V8);
  });
});
