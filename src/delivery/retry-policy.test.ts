import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, isRetryableStatus, parseRetryAfter, retryPolicy } from "./retry-policy.js";

test("the backoff doubles from baseMs up to maxMs, scaled by the jitter", () => {
  const top = () => 1;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 100, 2_000, top)),
    [100, 200, 400, 800, 1600, 2000, 2000, 2000],
  );
  assert.equal(
    backoffDelay(3, 100, 2_000, () => 0.25),
    200,
  );
  assert.equal(
    backoffDelay(3, 100, 2_000, () => 0),
    0,
  );
});

test("a policy allows maxRetries waits, and the receiver's Retry-After overrules the backoff", () => {
  const policy = retryPolicy({ maxRetries: 2, baseMs: 10, maxMs: 1_000, random: () => 0.5 });
  assert.equal(policy.delay(0), 5);
  assert.equal(policy.delay(1), 10);
  assert.equal(policy.delay(1, 3_000), 3_000);
  assert.equal(policy.delay(2), undefined);
  assert.equal(policy.delay(2, 0), undefined);
});

test("a Retry-After beyond retryAfterMaxMs ends the retries", () => {
  const policy = retryPolicy({ retryAfterMaxMs: 60_000 });
  assert.equal(policy.delay(0, 60_000), 60_000);
  assert.equal(policy.delay(0, 60_001), undefined);
});

test("the policy's defaults, and invalid options named", () => {
  const policy = retryPolicy();
  assert.deepEqual([policy.maxRetries, policy.baseMs, policy.maxMs], [8, 100, 10_000]);
  assert.equal(policy.retryAfterMaxMs, Number.POSITIVE_INFINITY);
  assert.throws(() => retryPolicy({ maxRetries: -1 }), /^RangeError: maxRetries: expected an integer/);
  assert.throws(() => retryPolicy({ baseMs: 1.5 }), /baseMs/);
  assert.throws(() => retryPolicy({ retryAfterMaxMs: Number.NaN }), /retryAfterMaxMs/);
});

test("429 and 5xx but 501 are retryable; other answers are not", () => {
  assert.deepEqual([429, 500, 502, 503, 504, 599].map(isRetryableStatus), [
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
  assert.deepEqual([200, 301, 400, 401, 403, 404, 409, 413, 501, 600].map(isRetryableStatus), [
    false,
    false,
    false,
    false,
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
});

test("parseRetryAfter reads delay-seconds and HTTP dates, never negative", () => {
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
  assert.equal(parseRetryAfter("0"), 0);
  assert.equal(parseRetryAfter(" 3 "), 3000);
  assert.equal(parseRetryAfter("-3"), undefined);
  assert.equal(parseRetryAfter("1.5"), undefined);
  assert.equal(parseRetryAfter("soon"), undefined);
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now), 0);
  // The obsolete forms RFC 9110 still asks recipients to read.
  assert.equal(parseRetryAfter("Wednesday, 01-Jan-25 00:00:07 GMT", now), 7000);
  assert.equal(parseRetryAfter("Wed Jan  1 00:00:09 2025", now), 9000);
});
