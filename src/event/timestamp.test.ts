import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatTimestamp, parseRfc3339 } from "./timestamp.js";

describe("parseRfc3339", () => {
  test("parses UTC and offset date-times to Unix milliseconds", () => {
    const cases: Array<[string, number]> = [
      ["1970-01-01T00:00:00Z", 0],
      ["2026-11-22T10:15:00+01:00", Date.UTC(2026, 10, 22, 9, 15)],
      ["2026-11-22T10:15:00-05:30", Date.UTC(2026, 10, 22, 15, 45)],
      ["2026-11-22T10:15:00.123Z", Date.UTC(2026, 10, 22, 10, 15, 0, 123)],
      ["2026-11-22t10:15:00z", Date.UTC(2026, 10, 22, 10, 15)],
      ["2026-11-22 10:15:00Z", Date.UTC(2026, 10, 22, 10, 15)],
      ["2026-11-22T10:15:00+00:00", Date.UTC(2026, 10, 22, 10, 15)],
      ["2026-11-22T10:15:00-00:00", Date.UTC(2026, 10, 22, 10, 15)],
      ["2026-11-22T00:15:00+23:59", Date.UTC(2026, 10, 21, 0, 16)],
      ["1969-12-31T23:59:59.999Z", -1],
      ["2024-02-29T12:00:00Z", Date.UTC(2024, 1, 29, 12)],
      ["2000-02-29T12:00:00Z", Date.UTC(2000, 1, 29, 12)],
    ];
    for (const [text, ms] of cases) assert.equal(parseRfc3339(text), ms, text);
    // The TSDoc example.
    assert.equal(parseRfc3339("2026-11-22T10:15:00+01:00"), 1795338900000);
  });

  test("fractions are truncated to milliseconds, not rounded", () => {
    const base = Date.UTC(2026, 0, 1);
    assert.equal(parseRfc3339("2026-01-01T00:00:00.1Z"), base + 100);
    assert.equal(parseRfc3339("2026-01-01T00:00:00.12Z"), base + 120);
    assert.equal(parseRfc3339("2026-01-01T00:00:00.9999Z"), base + 999);
    assert.equal(parseRfc3339("2026-01-01T00:00:00.000000001Z"), base);
  });

  test("years 0000–0099 are not taken for 19xx", () => {
    assert.equal(parseRfc3339("0001-01-01T00:00:00Z"), Date.parse("0001-01-01T00:00:00.000Z"));
    assert.equal(parseRfc3339("0050-06-15T12:00:00Z"), Date.parse("0050-06-15T12:00:00.000Z"));
    assert.equal(parseRfc3339("0099-12-31T23:59:59Z"), Date.parse("0099-12-31T23:59:59.000Z"));
    assert.equal(parseRfc3339("0000-01-01T00:00:00Z"), Date.parse("0000-01-01T00:00:00.000Z"));
    assert.equal(
      parseRfc3339("0004-02-29T00:00:00Z"),
      Date.parse("0004-02-29T00:00:00.000Z"),
      "year 4 is a leap year",
    );
    assert.equal(parseRfc3339("0100-02-29T00:00:00Z"), undefined, "year 100 is not");
  });

  test("refuses calendar-invalid dates and times", () => {
    for (const text of [
      "2026-02-30T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-01-00T00:00:00Z",
      "2026-01-32T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:60:00Z",
      "2026-01-01T00:00:00+24:00",
      "2026-01-01T00:00:00+01:60",
    ]) {
      assert.equal(parseRfc3339(text), undefined, text);
    }
  });

  test("refuses text that is not an RFC 3339 date-time", () => {
    for (const text of [
      "",
      "yesterday",
      "now",
      "2026-01-01",
      "2026-01-01T00:00:00",
      "2026-01-01T00:00Z",
      "2026-01-01T00:00:00.Z",
      "2026-1-01T00:00:00Z",
      "26-01-01T00:00:00Z",
      "2026-01-01T00:00:00+0100",
      "2026-01-01T00:00:00+01",
      "2026-01-01T00:00:00 Z",
      " 2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00Z ",
      "2026-01-01T00:00:00Z\n",
      "2026-01-01X00:00:00Z",
      "+002026-01-01T00:00:00Z",
      "\uFF12\uFF10\uFF12\uFF16-01-01T00:00:00Z",
      "1795338900000",
    ]) {
      assert.equal(parseRfc3339(text), undefined, JSON.stringify(text));
    }
  });

  test("refuses instants the stored form cannot write (outside years 0000–9999 in UTC)", () => {
    assert.equal(parseRfc3339("9999-12-31T23:59:59.999Z"), Date.parse("9999-12-31T23:59:59.999Z"));
    assert.equal(parseRfc3339("9999-12-31T23:59:59-01:00"), undefined);
    assert.equal(parseRfc3339("0000-01-01T00:30:00+01:00"), undefined);
  });
});

describe("formatTimestamp", () => {
  test("writes YYYY-MM-DDTHH:mm:ss.sssZ", () => {
    assert.equal(formatTimestamp(0), "1970-01-01T00:00:00.000Z");
    assert.equal(formatTimestamp(-1), "1969-12-31T23:59:59.999Z");
    assert.equal(formatTimestamp(Date.UTC(2026, 10, 22, 9, 15, 0, 7)), "2026-11-22T09:15:00.007Z");
    assert.equal(formatTimestamp(Date.UTC(2026, 10, 22)), "2026-11-22T00:00:00.000Z");
  });

  test("repeated and alternating calls give the right text each time", () => {
    const a = Date.UTC(2026, 0, 1);
    const b = Date.UTC(2027, 5, 6, 7, 8, 9, 10);
    assert.equal(formatTimestamp(a), "2026-01-01T00:00:00.000Z");
    assert.equal(formatTimestamp(a), "2026-01-01T00:00:00.000Z");
    assert.equal(formatTimestamp(b), "2027-06-06T07:08:09.010Z");
    assert.equal(formatTimestamp(a), "2026-01-01T00:00:00.000Z");
  });

  test("an instant out of range throws every time, never giving the last text", () => {
    assert.equal(formatTimestamp(0), "1970-01-01T00:00:00.000Z");
    assert.throws(() => formatTimestamp(1e21), RangeError);
    assert.throws(() => formatTimestamp(1e21), RangeError);
    assert.equal(formatTimestamp(0), "1970-01-01T00:00:00.000Z");
  });

  test("round-trips every parsed instant across the whole range", () => {
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const min = Date.parse("0000-01-01T00:00:00.000Z");
    const max = Date.parse("9999-12-31T23:59:59.999Z");
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(min + next() * (max - min));
      const text = formatTimestamp(ms);
      assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(parseRfc3339(text), ms, text);
    }
  });
});
