import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { parseDuration, parseInstant } from "./time-range.js";

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("parseDuration", () => {
  const durations: ReadonlyArray<[string, number]> = [
    ["90s", 90 * S],
    ["15m", 15 * M],
    ["24h", 24 * H],
    ["7d", 7 * D],
    ["2w", 14 * D],
    ["0s", 0],
    ["1.5h", 90 * M],
    [" 30m ", 30 * M],
    ["12 h", 12 * H],
  ];
  for (const [text, ms] of durations) {
    test(`"${text}" is ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  test("anything else is not a duration", () => {
    for (const text of [
      "",
      "7",
      "d",
      "7x",
      "7D",
      "-1h",
      "+1h",
      "1h30m",
      "7dd",
      "1.h",
      ".5h",
      "2026-11-01",
      "24 hours",
    ]) {
      assert.equal(parseDuration(text), undefined, text);
    }
  });
});

describe("parseInstant", () => {
  test("durations count back from now", () => {
    assert.equal(parseInstant("90s", "--since", NOW), NOW - 90 * S);
    assert.equal(parseInstant("15m", "--since", NOW), NOW - 15 * M);
    assert.equal(parseInstant("24h", "--since", NOW), NOW - D);
    assert.equal(parseInstant("7d", "--since", NOW), NOW - 7 * D);
    assert.equal(parseInstant("2w", "--since", NOW), NOW - 14 * D);
    assert.equal(parseInstant("0s", "--until", NOW), NOW);
  });

  test("now defaults to the clock", () => {
    const before = Date.now();
    const got = parseInstant("1h", "--since");
    const after = Date.now();
    assert.ok(got >= before - H && got <= after - H, `${got} within [${before - H}, ${after - H}]`);
  });

  test("a date is midnight UTC", () => {
    assert.equal(parseInstant("2026-11-01", "--since", NOW), Date.UTC(2026, 10, 1));
    assert.equal(parseInstant("2024-02-29", "--since", NOW), Date.UTC(2024, 1, 29));
    assert.equal(parseInstant(" 2026-11-01 ", "--since", NOW), Date.UTC(2026, 10, 1));
  });

  test("RFC 3339 date-times, with offsets and fractions", () => {
    assert.equal(parseInstant("2026-11-01T10:15:00Z", "--since", NOW), Date.UTC(2026, 10, 1, 10, 15));
    assert.equal(
      parseInstant("2026-11-01T10:15:00.123Z", "--since", NOW),
      Date.UTC(2026, 10, 1, 10, 15, 0, 123),
    );
    assert.equal(parseInstant("2026-11-01T10:15:00+01:00", "--since", NOW), Date.UTC(2026, 10, 1, 9, 15));
    assert.equal(parseInstant("2026-11-01T10:15:00-05:30", "--since", NOW), Date.UTC(2026, 10, 1, 15, 45));
    assert.equal(parseInstant("2026-11-01t10:15:00z", "--since", NOW), Date.UTC(2026, 10, 1, 10, 15));
  });

  test("anything else is ST_ERR_QUERY_TIME naming the option, the text and the expected forms", () => {
    for (const text of [
      "yesterday",
      "",
      "2026-02-30",
      "2026-13-01",
      "2025-02-29",
      "2026-11-01T10:15:00",
      "2026-11-01T25:00:00Z",
      "2026/11/01",
      "1h30m",
      "-1h",
      "1795262400000",
    ]) {
      assert.throws(
        () => parseInstant(text, "--since", NOW),
        (e: unknown) => {
          assert.ok(isSealtrailError(e, "ST_ERR_QUERY_TIME"), String(e));
          assert.equal(e.status, 400);
          assert.ok(e.message.startsWith("--since: "), e.message);
          assert.ok(e.message.includes(`got "${text}"`), e.message);
          assert.match(
            e.message,
            /expected a duration \(30m, 24h, 7d\), a date \(2026-11-01\) or an RFC 3339 date-time/,
          );
          assert.deepEqual(e.details, { field: "--since" });
          return true;
        },
        text,
      );
    }
  });
});
