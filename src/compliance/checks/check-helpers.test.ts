import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuditEvent } from "../../event/audit-event.js";
import { day, filterWords, n, percent, valueAt } from "./check-helpers.js";

test("percentages round down to two decimals; nothing of nothing is 100 %", () => {
  assert.equal(percent(2, 3), 66.66);
  assert.equal(percent(999, 1000), 99.9);
  assert.equal(percent(9_999, 10_000), 99.99);
  assert.equal(percent(0, 0), 100);
});

test("counts, days and filters in words", () => {
  assert.equal(n(1_234_567), "1,234,567");
  assert.equal(day(Date.UTC(2026, 0, 2, 23, 59)), "2026-01-02");
  assert.equal(filterWords([]), "every event");
  assert.equal(filterWords(["action=user.login", "outcome=failure"]), "action=user.login outcome=failure");
  assert.equal(
    filterWords(["category=system", "actions *.create, *.delete", "actor.id not blank"]),
    "category=system; actions *.create, *.delete; actor.id not blank",
  );
});

test("valueAt reads a dotted path as text: strings and numbers only", () => {
  const event = {
    seq: 7,
    action: "privacy.erasure.request",
    actor: { id: "alice" },
    details: { request: { id: 42 }, flag: true },
  } as unknown as AuditEvent;
  assert.equal(valueAt(event, "actor.id"), "alice");
  assert.equal(valueAt(event, "details.request.id"), "42");
  assert.equal(valueAt(event, "seq"), "7");
  assert.equal(valueAt(event, "details.flag"), undefined);
  assert.equal(valueAt(event, "details.request"), undefined);
  assert.equal(valueAt(event, "target.id"), undefined);
});
