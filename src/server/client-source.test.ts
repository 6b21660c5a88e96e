import assert from "node:assert/strict";
import { test } from "node:test";
import { clientSource } from "./client-source.js";
import { FailedAuthLimiter } from "./failed-auth-limiter.js";

test("clientSource: IPv4 as it is, IPv6 by its /64", () => {
  assert.equal(clientSource("203.0.113.7"), "203.0.113.7");
  assert.equal(clientSource("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(clientSource("2001:db8:1:2:aa::5"), "2001:db8:1:2::/64");
  assert.equal(clientSource("2001:DB8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  assert.equal(clientSource("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(clientSource("::1"), "0:0:0:0::/64");
  assert.equal(clientSource("2001:0db8:0001:0002::9"), "2001:db8:1:2::/64");
  assert.notEqual(clientSource("2001:db8:1:3::1"), clientSource("2001:db8:1:2::1"));
});

test("FailedAuthLimiter refuses a source after its budget until the minute ends", () => {
  const limiter = new FailedAuthLimiter(3);
  const t0 = 5_000_000;
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter("a", t0 + i), undefined);
    limiter.failed("a", t0 + i);
  }
  assert.equal(limiter.retryAfter("a", t0 + 10), 60);
  assert.equal(limiter.retryAfter("a", t0 + 59_500), 1);
  assert.equal(limiter.retryAfter("b", t0 + 10), undefined, "other sources are not affected");
  assert.equal(limiter.retryAfter("a", t0 + 60_000), undefined, "a new minute, a new budget");
  limiter.failed("a", t0 + 60_000);
  assert.equal(limiter.retryAfter("a", t0 + 60_001), undefined);
});
