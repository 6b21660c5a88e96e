import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { uuidv7 } from "./uuid-v7.js";

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const hexOf = (id: string) => id.replaceAll("-", "");
/** The 48-bit Unix millisecond field. */
const msOf = (id: string) => Number.parseInt(hexOf(id).slice(0, 12), 16);
/** The 4 version bits (RFC 9562 §5.7: 0b0111). */
const versionOf = (id: string) => Number.parseInt(hexOf(id)[12] as string, 16);
/** The 2 variant bits (RFC 9562 §4.1: 0b10). */
const variantOf = (id: string) => Number.parseInt(hexOf(id)[16] as string, 16) >> 2;

describe("uuidv7", () => {
  // Runs first: the generator keeps the last millisecond it used, and later tests move it ahead.
  test("the default time is now", () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    assert.ok(msOf(id) >= before && msOf(id) <= after, `${msOf(id)} in [${before}, ${after}]`);
  });

  test("lowercase, version 7, variant 0b10, the given time in the first 48 bits", () => {
    const now = Date.now() + 1000;
    const id = uuidv7(now);
    assert.match(id, FORMAT);
    assert.equal(id, id.toLowerCase());
    assert.equal(versionOf(id), 7);
    assert.equal(variantOf(id), 0b10);
    assert.equal(msOf(id), now);
  });

  test("10,000 ids minted in one millisecond are unique and strictly increasing", () => {
    const now = Date.UTC(2100, 0, 1); // ahead of every earlier call, so this test owns the clock
    const ids = Array.from({ length: 10_000 }, () => uuidv7(now));
    for (const id of ids) {
      assert.match(id, FORMAT);
      assert.equal(versionOf(id), 7, id);
      assert.equal(variantOf(id), 0b10, id);
    }
    for (let i = 1; i < ids.length; i++) {
      assert.ok(
        (ids[i - 1] as string) < (ids[i] as string),
        `ids[${i - 1}] < ids[${i}]: ${ids[i - 1]} ${ids[i]}`,
      );
    }
    assert.equal(new Set(ids).size, ids.length);
    // The 12-bit counter holds 4096 ids per millisecond; beyond that the time field moves on.
    assert.equal(msOf(ids[0] as string), now);
    const last = msOf(ids[ids.length - 1] as string);
    assert.ok(last > now && last <= now + 3, `last id's time ${last - now} ms ahead`);
    // The random tails differ.
    assert.equal(new Set(ids.map((id) => id.slice(19))).size, ids.length);
  });

  test("ids stay ordered when the clock goes backwards", () => {
    const base = Date.UTC(2101, 0, 1);
    const first = uuidv7(base);
    const second = uuidv7(base - 60_000);
    const third = uuidv7(base - 1);
    assert.ok(first < second && second < third, [first, second, third].join(" "));
  });

  test("encodes the largest time exactly (runs last: it moves the clock to the end)", () => {
    // 2^48 − 1 ms is the largest the field holds (year 10889).
    const far = 2 ** 48 - 1;
    const id = uuidv7(far);
    assert.equal(id.slice(0, 13), "ffffffff-ffff");
    assert.equal(msOf(id), far);
  });
});
