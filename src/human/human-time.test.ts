import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { counted } from "./counted.js";
import { humanDuration, humanElapsed, humanTimestamp, relativeTime, wholeDays } from "./human-time.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 22, 10, 15);

describe("humanTimestamp", () => {
  test("drops zero milliseconds and keeps real ones", () => {
    assert.equal(humanTimestamp("2026-11-22T10:15:00.000Z"), "2026-11-22T10:15:00Z");
    assert.equal(humanTimestamp("2026-11-22T10:15:00.120Z"), "2026-11-22T10:15:00.120Z");
    assert.equal(humanTimestamp("2026-11-22T10:15:00.001Z"), "2026-11-22T10:15:00.001Z");
    assert.equal(humanTimestamp(NOW), "2026-11-22T10:15:00Z");
    assert.equal(humanTimestamp(NOW + 5), "2026-11-22T10:15:00.005Z");
  });

  test("shows a date-time with an offset in UTC, and leaves other text alone", () => {
    assert.equal(humanTimestamp("2026-11-22T11:15:00+01:00"), "2026-11-22T10:15:00Z");
    assert.equal(humanTimestamp("2026-11-22 10:15:00.250Z"), "2026-11-22T10:15:00.250Z");
    assert.equal(humanTimestamp("2026-11-22"), "2026-11-22");
    assert.equal(humanTimestamp("not a time"), "not a time");
    assert.equal(humanTimestamp(""), "");
  });
});

describe("counted", () => {
  test("singular for exactly one, plural otherwise", () => {
    assert.equal(counted(0, "event"), "0 events");
    assert.equal(counted(1, "event"), "1 event");
    assert.equal(counted(2, "event"), "2 events");
    assert.equal(counted(1, "policy", "policies"), "1 policy");
    assert.equal(counted(2, "policy", "policies"), "2 policies");
  });
});

describe("humanDuration", () => {
  test("the largest whole unit, singular or plural", () => {
    const cases: Array<[number, string]> = [
      [0, "less than a second"],
      [999, "less than a second"],
      [SECOND, "1 second"],
      [59 * SECOND, "59 seconds"],
      [2 * MINUTE, "2 minutes"],
      [2 * MINUTE + 59 * SECOND, "2 minutes"],
      [HOUR, "1 hour"],
      [23 * HOUR + 59 * MINUTE, "23 hours"],
      [DAY, "1 day"],
      [DAY + 23 * HOUR, "1 day"],
      [400 * DAY, "400 days"],
      [-2 * MINUTE, "2 minutes"],
    ];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
  });
});

describe("humanElapsed", () => {
  test("ms under a second, s under a minute, to three significant digits", () => {
    const cases: Array<[number, string]> = [
      [0, "0 ms"],
      [0.25, "0.25 ms"],
      [1.25, "1.25 ms"],
      [12, "12 ms"],
      [12.54, "12.5 ms"],
      [405.3, "405 ms"],
      [999.4, "999 ms"],
      [999.6, "1 s"],
      [1_000, "1 s"],
      [1_404, "1.4 s"],
      [12_345, "12.3 s"],
      [59_940, "59.9 s"],
    ];
    for (const [ms, text] of cases) assert.equal(humanElapsed(ms), text, String(ms));
  });
  test("minutes and seconds, then hours and minutes", () => {
    const cases: Array<[number, string]> = [
      [59_960, "1 min"],
      [123_456.789, "2 min 3 s"],
      [59 * MINUTE + 59 * SECOND, "59 min 59 s"],
      [HOUR, "1 h"],
      [HOUR + 5 * MINUTE + 20 * SECOND, "1 h 5 min"],
      [26 * HOUR, "26 h"],
      [-12, "-12 ms"],
    ];
    for (const [ms, text] of cases) assert.equal(humanElapsed(ms), text, String(ms));
  });
});

describe("relativeTime", () => {
  test("ago, in, now", () => {
    assert.equal(relativeTime(NOW - 2 * MINUTE, NOW), "2 minutes ago");
    assert.equal(relativeTime(NOW - DAY, NOW), "1 day ago");
    assert.equal(relativeTime(NOW + 3 * DAY, NOW), "in 3 days");
    assert.equal(relativeTime(NOW + HOUR, NOW), "in 1 hour");
    assert.equal(relativeTime(NOW + 300, NOW), "now");
  });

  test("before, after, at a named reference", () => {
    const end = "the period's end";
    assert.equal(relativeTime(NOW - 2 * MINUTE, NOW, end), "2 minutes before the period's end");
    assert.equal(relativeTime(NOW + 3 * DAY, NOW, end), "3 days after the period's end");
    assert.equal(relativeTime(NOW, NOW, end), "at the period's end");
  });
});

describe("wholeDays", () => {
  test("rounds toward zero: two minutes past is 0 days, not -1", () => {
    assert.equal(wholeDays(NOW, NOW - 2 * MINUTE), 0);
    assert.ok(Object.is(wholeDays(NOW, NOW - 2 * MINUTE), 0), "no negative zero");
    assert.equal(wholeDays(NOW, NOW - DAY - HOUR), -1);
    assert.equal(wholeDays(NOW, NOW + 3.5 * DAY), 3);
  });
});
