import assert from "node:assert/strict";
import { test } from "node:test";
import { DenialThrottle } from "./denial-throttle.js";

test("DenialThrottle admits a budget per address and minute, then counts", () => {
  const throttle = new DenialThrottle(3);
  const t0 = 1_000_000;
  const admitted = Array.from({ length: 10 }, (_, i) => throttle.admit("10.0.0.1", t0 + i));
  assert.deepEqual(admitted, [true, true, true, false, false, false, false, false, false, false]);
  assert.equal(throttle.admit("10.0.0.2", t0), true, "another address has its own budget");
  assert.deepEqual(throttle.drain(t0 + 30_000), [], "nothing is drained before the minute ends");
  assert.deepEqual(throttle.drain(t0 + 60_000), [{ source: "10.0.0.1", suppressed: 7, windowStart: t0 }]);
  assert.equal(throttle.admit("10.0.0.1", t0 + 60_001), true, "a new minute has a new budget");
});

test("DenialThrottle keeps counting into an ended window until it is drained", () => {
  const throttle = new DenialThrottle(1);
  assert.equal(throttle.admit("a", 0), true);
  assert.equal(throttle.admit("a", 1), false);
  // The minute ended but its suppressed count was not drained yet: it is not lost.
  assert.equal(throttle.admit("a", 70_000), false);
  assert.deepEqual(throttle.drain(70_000), [{ source: "a", suppressed: 2, windowStart: 0 }]);
  assert.equal(throttle.admit("a", 70_001), true);
});

test("DenialThrottle drains every window on close", () => {
  const throttle = new DenialThrottle(0);
  throttle.admit("a", 5);
  throttle.admit("b", 6);
  throttle.admit("b", 7);
  const drained = throttle.drain(10, true);
  assert.deepEqual(
    drained.sort((x, y) => x.source.localeCompare(y.source)),
    [
      { source: "a", suppressed: 1, windowStart: 5 },
      { source: "b", suppressed: 2, windowStart: 6 },
    ],
  );
  assert.deepEqual(throttle.drain(10, true), []);
});
