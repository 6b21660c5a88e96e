import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DurationSamples, nearestRank, SLOWEST_KEPT } from "./duration-samples.js";

describe("nearestRank", () => {
  test("the value of rank ⌈p·n/100⌉, at least rank 1", () => {
    const ten = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(nearestRank(ten, 50), 5);
    assert.equal(nearestRank(ten, 51), 6);
    assert.equal(nearestRank(ten, 95), 10);
    assert.equal(nearestRank(ten, 90), 9);
    assert.equal(nearestRank(ten, 0), 1);
    assert.equal(nearestRank(ten, 100), 10);
    // Twenty values: p95 is rank 19, the first n at which it is not the maximum.
    const twenty = Float64Array.from({ length: 20 }, (_, i) => i + 1);
    assert.equal(nearestRank(twenty, 95), 19);
    assert.equal(nearestRank(twenty.subarray(0, 19), 95), 19, "19 values: p95 is the maximum");
    assert.equal(nearestRank(Float64Array.from([42]), 99), 42);
    assert.throws(() => nearestRank(new Float64Array(0), 50), RangeError);
  });
});

describe("DurationSamples", () => {
  test("figures of values added in any order, growing past the first buffer", () => {
    const samples = new DurationSamples();
    assert.equal(samples.figures(), undefined);
    // 1..1000 in a scrambled order (7 is coprime with 1000).
    for (let i = 0; i < 1000; i++) samples.add(i, ((i * 7) % 1000) + 1);
    assert.deepEqual(samples.figures(), {
      count: 1000,
      min: 1,
      avg: 500.5,
      p50: 500,
      p95: 950,
      p99: 990,
      max: 1000,
    });
  });

  test("the mean is rounded to 0.001 ms; fractional values stay exact", () => {
    const samples = new DurationSamples();
    for (const [seq, ms] of [
      [0, 0.5],
      [1, 1.25],
      [2, 123_456.789],
    ] as const)
      samples.add(seq, ms);
    assert.deepEqual(samples.figures(), {
      count: 3,
      min: 0.5,
      avg: 41_152.846,
      p50: 1.25,
      p95: 123_456.789,
      p99: 123_456.789,
      max: 123_456.789,
    });
  });

  test(`the ${SLOWEST_KEPT} slowest, slowest first, ties by the lower seq`, () => {
    const samples = new DurationSamples();
    const durations = [5, 9, 1, 9, 7, 3, 9, 8, 2, 7];
    for (const [seq, ms] of durations.entries()) samples.add(seq, ms);
    assert.deepEqual(samples.slowestSeqs(), [1, 3, 6, 7, 4]);
    const few = new DurationSamples();
    few.add(10, 1);
    few.add(11, 2);
    assert.deepEqual(few.slowestSeqs(), [11, 10]);
  });
});
