import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { capEvidence, EVIDENCE_FIRST } from "../src/alerting/engine/alert-decision.js";
import { expiryInstant } from "../src/alerting/engine/kinds/expiry-kind.js";
import { PercentileSketch } from "../src/alerting/engine/percentile-sketch.js";
import { DAY, decision, MINUTE, observed, rules, run, summary, T0 } from "./support/alert-events.js";

const login = (actor: string, outcome = "success", extra: Record<string, unknown> = {}) => ({
  action: "user.login",
  outcome,
  actor: { id: actor, ...extra },
});

describe("any", () => {
  test("every matching event fires at its own time, once per group per cooldown", () => {
    const compiled = rules({
      id: "every-login",
      match: ["action=user.login"],
      group_by: ["actor.id"],
      cooldown: "10m",
      any: true,
    });
    const decisions = run(compiled, [
      {
        observe: observed(
          [1, 0, login("alice")],
          [2, 1, login("bob")],
          [3, 2, login("alice")],
          [4, 3, { action: "user.logout", actor: { id: "alice" } }],
          [5, 12, login("alice")],
        ),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "every-login", { "actor.id": "alice" }, 0, 0, 1, [1]),
      decision("fired", "every-login", { "actor.id": "bob" }, 1, 1, 1, [2]),
      decision("fired", "every-login", { "actor.id": "alice" }, 12, 12, 1, [5]),
    ]);
  });
});

describe("threshold", () => {
  test("fires when a group's sliding window holds count events, then not within the cooldown", () => {
    const compiled = rules({
      id: "failed-logins",
      match: ["action=user.login", "outcome=failure"],
      group_by: ["actor.id"],
      threshold: { count: 3, window: "5m" },
    });
    const decisions = run(compiled, [
      {
        observe: observed(
          [1, 0, login("alice", "failure")],
          [2, 1, login("alice", "failure")],
          [3, 2, login("bob", "failure")],
          [4, 3, login("alice", "success")],
          [5, 4, login("alice", "failure")],
          [6, 4.5, login("alice", "failure")],
          [7, 7, login("bob", "failure")],
          [8, 8, login("bob", "failure")],
          [9, 8.5, login("bob", "failure")],
          [10, 25, login("alice", "failure")],
          [11, 26, login("alice", "failure")],
          [12, 27, login("alice", "failure")],
        ),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "failed-logins", { "actor.id": "alice" }, -1, 4, 3, [1, 2, 5]),
      decision("fired", "failed-logins", { "actor.id": "bob" }, 3.5, 8.5, 3, [7, 8, 9]),
      decision("fired", "failed-logins", { "actor.id": "alice" }, 22, 27, 3, [10, 11, 12]),
    ]);
  });

  test("the evidence is the window's first twenty events and its last", () => {
    const compiled = rules({
      id: "flood",
      match: ["action=user.login"],
      threshold: { count: 25, window: "1h" },
    });
    const events = Array.from({ length: 25 }, (_, i) => [i, i, login("alice")] as const);
    const decisions = run(compiled, [{ observe: observed(...events) }]).map(summary);
    const expected = [...Array.from({ length: EVIDENCE_FIRST }, (_, i) => i), 24];
    assert.deepEqual(decisions, [decision("fired", "flood", {}, -36, 24, 25, expected)]);
  });
});

describe("ratio", () => {
  test("fires when the share of failures among the events of `of` reaches at_least, with min_events of them", () => {
    const compiled = rules({
      id: "payment-failures",
      match: ["outcome=failure"],
      ratio: { of: ["action=payment.*"], at_least: 0.5, min_events: 4, window: "10m" },
    });
    const decisions = run(compiled, [
      {
        observe: observed(
          [1, 0, { action: "payment.charge", outcome: "success" }],
          [2, 1, { action: "payment.charge", outcome: "failure" }],
          [3, 2, { action: "user.login", outcome: "failure" }],
          // 2 of 3: the share is there, but not yet min_events events.
          [4, 3, { action: "payment.refund", outcome: "failure" }],
          [5, 4, { action: "payment.charge", outcome: "success" }],
        ),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [decision("fired", "payment-failures", {}, -6, 4, 2, [2, 4])]);
  });
});

describe("distinct", () => {
  test("fires when a group's window holds count distinct values; evidence is each value's last event", () => {
    const compiled = rules({
      id: "many-ips",
      match: ["action=user.login"],
      group_by: ["actor.id"],
      distinct: { field: "actor.ip", count: 3, window: "10m" },
    });
    const decisions = run(compiled, [
      {
        observe: observed(
          [1, 0, login("alice", "success", { ip: "10.0.0.1" })],
          [2, 1, login("alice", "success", { ip: "10.0.0.2" })],
          [3, 2, login("alice", "success", { ip: "10.0.0.1" })],
          [4, 3, login("alice")],
          [5, 4, login("alice", "success", { ip: "10.0.0.3" })],
          [6, 5, login("bob", "success", { ip: "10.0.0.1" })],
        ),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "many-ips", { "actor.id": "alice" }, -6, 4, 3, [2, 3, 5]),
    ]);
  });
});

describe("new_value", () => {
  test("after the learning period, a value never seen for the group fires once", () => {
    const compiled = rules({
      id: "new-ip",
      match: ["action=user.login"],
      group_by: ["actor.id"],
      cooldown: "0m",
      new_value: { field: "actor.ip", learn: "1h" },
    });
    const ip = (actor: string, address: string) => login(actor, "success", { ip: address });
    const decisions = run(compiled, [
      {
        observe: observed(
          [1, 0, ip("alice", "A")],
          [2, 30, ip("alice", "B")],
          [3, 59, ip("bob", "C")],
          [4, 60, ip("alice", "A")],
          [5, 61, ip("alice", "D")],
          [6, 62, ip("bob", "C")],
          [7, 63, ip("bob", "E")],
          [8, 64, ip("alice", "D")],
          [9, 65, ip("carol", "A")],
        ),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "new-ip", { "actor.id": "alice" }, 61, 61, 1, [5]),
      decision("fired", "new-ip", { "actor.id": "bob" }, 63, 63, 1, [7]),
      decision("fired", "new-ip", { "actor.id": "carol" }, 65, 65, 1, [9]),
    ]);
  });
});

describe("sequence", () => {
  test("ordered: the steps in order, same group, within the time; the window runs from the first step to the last", () => {
    const compiled = rules({
      id: "login-then-export",
      group_by: ["actor.id"],
      sequence: { steps: [["action=user.login"], ["action=key.export"]], within: "10m" },
    });
    const act = (action: string, actor: string) => ({ action, actor: { id: actor } });
    const decisions = run(compiled, [
      {
        observe: observed(
          [1, 0, act("key.export", "alice")],
          [2, 1, act("user.login", "alice")],
          [3, 5, act("key.export", "bob")],
          [4, 8, act("key.export", "alice")],
          [5, 30, act("user.login", "alice")],
          [6, 45, act("key.export", "alice")],
        ),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "login-then-export", { "actor.id": "alice" }, 1, 8, 2, [2, 4]),
    ]);
  });

  test("ordered: false takes the steps in any order (Sigma's temporal); ordered: true does not", () => {
    const steps = [["action=user.login"], ["action=key.export"], ["action=policy.change"]];
    const compiled = rules(
      { id: "any-order", group_by: ["actor.id"], sequence: { steps, within: "10m", ordered: false } },
      { id: "in-order", group_by: ["actor.id"], sequence: { steps, within: "10m" } },
    );
    const act = (action: string) => ({ action, actor: { id: "alice" } });
    const decisions = run(compiled, [
      {
        observe: observed([1, 0, act("policy.change")], [2, 3, act("key.export")], [3, 5, act("user.login")]),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "any-order", { "actor.id": "alice" }, 0, 5, 3, [1, 2, 3]),
    ]);
  });
});

describe("absence", () => {
  test("a group short of events fires when its last event leaves the window, again when the cooldown ends", () => {
    const compiled = rules({
      id: "silent-producer",
      match: ["action=producer.heartbeat"],
      group_by: ["actor.id"],
      cooldown: "1h",
      absence: { window: "30m" },
    });
    const beat = (actor: string) => ({ action: "producer.heartbeat", actor: { id: actor } });
    const decisions = run(compiled, [
      { advance: 0 },
      { observe: observed([1, 1, beat("alice")], [2, 2, beat("bob")]) },
      { advance: 20 },
      { observe: observed([3, 25, beat("alice")]) },
      { advance: 40 },
      { advance: 100 },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "silent-producer", { "actor.id": "bob" }, 2, 32, 0, []),
      decision("fired", "silent-producer", { "actor.id": "alice" }, 25, 55, 0, []),
      decision("fired", "silent-producer", { "actor.id": "bob" }, 62, 92, 0, []),
    ]);
  });

  test("an ungrouped rule alerts from the engine's start, even if nothing ever matched", () => {
    const compiled = rules({
      id: "nightly-job",
      match: ["action=job.finish"],
      cooldown: "1h",
      absence: { window: "30m", count: 2 },
    });
    const decisions = run(compiled, [
      { advance: 0 },
      { observe: observed([1, 10, { action: "job.finish" }]) },
      { advance: 100 },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "nightly-job", {}, 0, 30, 1, [1]),
      decision("fired", "nightly-job", {}, 60, 90, 0, []),
    ]);
  });

  test("the decisions do not depend on how often advance is called", () => {
    const compiled = rules({
      id: "quiet",
      match: ["action=producer.heartbeat"],
      cooldown: "45m",
      absence: { window: "30m" },
    });
    const events = observed(
      [1, 5, { action: "producer.heartbeat" }],
      [2, 50, { action: "producer.heartbeat" }],
    );
    const sparse = run(compiled, [{ advance: 0 }, { observe: events }, { advance: 300 }]);
    const dense = run(compiled, [
      { advance: 0 },
      { observe: events },
      ...Array.from({ length: 300 }, (_, i) => ({ advance: i + 1 })),
    ]);
    assert.deepEqual(dense, sparse);
    assert.deepEqual(sparse.map(summary), [
      decision("fired", "quiet", {}, 5, 35, 0, []),
      decision("fired", "quiet", {}, 50, 80, 0, []),
      decision("fired", "quiet", {}, 95, 125, 0, []),
      decision("fired", "quiet", {}, 140, 170, 0, []),
      decision("fired", "quiet", {}, 185, 215, 0, []),
      decision("fired", "quiet", {}, 230, 260, 0, []),
    ]);
  });
});

describe("degradation", () => {
  test("a window whose percentile exceeds factor × the baseline's fires at its end, and resolves with the next that does not", () => {
    const compiled = rules({
      id: "slow-api",
      match: ["action=api.call"],
      resolve: true,
      degradation: { field: "duration_ms", percentile: 50, window: "1h", baseline: "3h", factor: 2 },
    });
    const durations = [100, 100, 100, 300, 150];
    const events = durations.flatMap((ms, hour) =>
      Array.from(
        { length: 20 },
        (_, i) => [hour * 20 + i, hour * 60 + i * 2, { action: "api.call", duration_ms: ms }] as const,
      ),
    );
    const seqs = (hour: number) => Array.from({ length: 20 }, (_, i) => hour * 20 + i);
    const decisions = run(compiled, [
      { advance: 0 },
      { observe: observed(...events) },
      { advance: 241 },
      { advance: 301 },
    ]);
    assert.deepEqual(decisions.map(summary), [
      decision("fired", "slow-api", {}, 180, 240, 20, seqs(3)),
      decision("resolved", "slow-api", {}, 240, 300, 20, seqs(4)),
    ]);
    assert.equal(decisions[0]?.alertId, decisions[1]?.alertId);
  });

  test("percentiles are within 1 % of the exact value", () => {
    const sketch = new PercentileSketch();
    for (let ms = 1; ms <= 1000; ms++) sketch.add(ms);
    for (const p of [50, 90, 95, 99]) {
      const exact = Math.ceil((p / 100) * 1000);
      const got = sketch.quantile(p) as number;
      assert.ok(Math.abs(got - exact) / exact <= 0.01, `p${p}: ${got} vs ${exact}`);
    }
    assert.equal(new PercentileSketch().quantile(50), undefined);
  });
});

describe("expiry", () => {
  const cert = (serial: string, days: number) => ({
    action: "cert.issue",
    crypto: { serial, not_after: new Date(T0 + days * DAY).toISOString() },
  });

  test("an asset within `within` of its expiry fires when recorded or when it comes near, once per cooldown", () => {
    const compiled = rules({
      id: "cert-expiry",
      match: ["action=cert.*"],
      cooldown: "7d",
      expiry: { field: "crypto.not_after", within: "30d" },
    });
    const decisions = run(compiled, [
      { advance: 0 },
      { observe: observed([1, 0, cert("S1", 40)], [2, 0, cert("S2", 10)]) },
      { advance: (12 * DAY) / MINUTE },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "cert-expiry", { "crypto.serial": "S2" }, 0, 0, 1, [2]),
      decision("fired", "cert-expiry", { "crypto.serial": "S2" }, 0, (7 * DAY) / MINUTE, 1, [2]),
      decision("fired", "cert-expiry", { "crypto.serial": "S1" }, 0, (10 * DAY) / MINUTE, 1, [1]),
    ]);
  });

  test("with resolve, a renewal resolves the alert; an epoch number in a details field counts too", () => {
    const compiled = rules(
      { id: "renewed", match: ["action=cert.*"], resolve: true, expiry: { within: "30d" } },
      {
        id: "token-expiry",
        match: ["action=token.issue"],
        group_by: ["details.token"],
        expiry: { field: "details.expires", within: "1d" },
      },
    );
    const renewAt = (12 * DAY) / MINUTE;
    const decisions = run(compiled, [
      { advance: 0 },
      { observe: observed([1, 0, cert("S1", 40)]) },
      { advance: renewAt - 1 },
      { observe: observed([2, renewAt, cert("S1", 400)]) },
      {
        observe: observed([
          3,
          renewAt,
          { action: "token.issue", details: { token: "t1", expires: (T0 + 12.5 * DAY) / 1000 } },
        ]),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "renewed", { "crypto.serial": "S1" }, 0, (10 * DAY) / MINUTE, 1, [1]),
      decision("resolved", "renewed", { "crypto.serial": "S1" }, renewAt, renewAt, 1, [2]),
      decision("fired", "token-expiry", { "details.token": "t1" }, renewAt, renewAt, 1, [3]),
    ]);
  });

  test("expiry instants are read from RFC 3339, dates and epoch seconds or milliseconds", () => {
    assert.equal(expiryInstant("2026-03-01T00:00:00Z"), Date.UTC(2026, 2, 1));
    assert.equal(expiryInstant("2026-03-01"), Date.UTC(2026, 2, 1));
    assert.equal(expiryInstant(Date.UTC(2026, 2, 1) / 1000), Date.UTC(2026, 2, 1));
    assert.equal(expiryInstant(Date.UTC(2026, 2, 1)), Date.UTC(2026, 2, 1));
    assert.equal(expiryInstant("next march"), undefined);
    assert.equal(expiryInstant(true), undefined);
  });
});

test("capEvidence keeps the first twenty and the last, ascending", () => {
  assert.deepEqual(capEvidence([7, 3, 9]), [3, 7, 9]);
  const many = Array.from({ length: 30 }, (_, i) => 100 - i);
  assert.deepEqual(
    capEvidence(many),
    [...many.slice(0, 20), 71].sort((a, b) => a - b),
  );
});
