import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backtest } from "../src/alerting/backtest.js";
import type { AlertDecision } from "../src/alerting/engine/alert-decision.js";
import { RuleEngine } from "../src/alerting/engine/rule-engine.js";
import { observedEventOf } from "../src/alerting/observed-event-of.js";
import type { AlertRuleConfig } from "../src/alerting/rules/rule-schema.js";
import type { StoredEvent } from "../src/read-model/stored-event.js";
import {
  at,
  DAY,
  decision,
  type EventSpec,
  MINUTE,
  observed,
  rules,
  run,
  runSteps,
  type Step,
  storedEvent,
  summary,
} from "./support/alert-events.js";
import { throwsCode } from "./support/throws-code.js";

const fail = (actor: string) => ({ action: "user.login", outcome: "failure", actor: { id: actor } });

describe("cooldown and resolve", () => {
  test("a cooldown of 0 fires on every event that finds the condition holding", () => {
    const compiled = rules({
      id: "burst",
      match: ["action=user.login"],
      cooldown: "0m",
      threshold: { count: 2, window: "5m" },
    });
    const decisions = run(compiled, [
      { observe: observed([1, 0, fail("a")], [2, 1, fail("a")], [3, 2, fail("a")], [4, 9, fail("a")]) },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "burst", {}, -4, 1, 2, [1, 2]),
      decision("fired", "burst", {}, -3, 2, 3, [1, 2, 3]),
    ]);
  });

  test("resolve: the alert stays open while the condition holds and resolves when an event leaves the window", () => {
    const compiled = rules({
      id: "failures",
      match: ["action=user.login"],
      group_by: ["actor.id"],
      resolve: true,
      threshold: { count: 3, window: "5m" },
    });
    const decisions = run(compiled, [
      { advance: 0 },
      {
        observe: observed(
          [1, 0, fail("alice")],
          [2, 1, fail("alice")],
          [3, 2, fail("alice")],
          [4, 3, fail("alice")],
        ),
      },
      { advance: 10 },
      { observe: observed([5, 20, fail("alice")], [6, 21, fail("alice")], [7, 22, fail("alice")]) },
    ]);
    assert.deepEqual(decisions.map(summary), [
      decision("fired", "failures", { "actor.id": "alice" }, -3, 2, 3, [1, 2, 3]),
      // Open, so event 4 raises nothing; the window (1, 6] holds only events 3 and 4.
      decision("resolved", "failures", { "actor.id": "alice" }, 1, 6, 2, [3, 4]),
      decision("fired", "failures", { "actor.id": "alice" }, 17, 22, 3, [5, 6, 7]),
    ]);
    const [fired, resolved, again] = decisions as [AlertDecision, AlertDecision, AlertDecision];
    assert.equal(resolved.alertId, fired.alertId);
    assert.notEqual(again.alertId, fired.alertId);
  });

  test("a ratio resolves when events of `of` that do not match enter its window", () => {
    const compiled = rules({
      id: "error-rate",
      match: ["outcome=failure"],
      resolve: true,
      ratio: { of: ["action=payment.charge"], at_least: 0.5, min_events: 2, window: "10m" },
    });
    const pay = (outcome: string) => ({ action: "payment.charge", outcome });
    const decisions = run(compiled, [
      { advance: 0 },
      { observe: observed([1, 0, pay("failure")], [2, 1, pay("success")], [3, 2, pay("success")]) },
      { advance: 5 },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "error-rate", {}, -9, 1, 1, [1]),
      decision("resolved", "error-rate", {}, -8, 2, 1, [1]),
    ]);
  });
});

describe("late events", () => {
  test("an event later than the lateness is counted and ignored by windows; one within it counts in its own window", () => {
    const compiled = rules(
      { id: "three-failures", match: ["action=user.login"], threshold: { count: 3, window: "5m" } },
      { id: "each-failure", match: ["action=user.login"], cooldown: "0m", any: true },
    );
    const engine = new RuleEngine(compiled, { latenessMs: 2 * MINUTE });
    const decisions = runSteps(engine, [
      { advance: 10 },
      // The watermark is minute 8: the event of minute 7 is late, that of 8.5 is not.
      { observe: observed([1, 9, fail("a")], [2, 7, fail("a")], [3, 10, fail("a")]) },
      { observe: observed([4, 8.5, fail("a")]) },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "each-failure", {}, 9, 9, 1, [1]),
      decision("fired", "each-failure", {}, 7, 7, 1, [2]),
      decision("fired", "each-failure", {}, 10, 10, 1, [3]),
      // Event 4 arrives after event 3 but completes the window ending at event 3.
      decision("fired", "three-failures", {}, 5, 10, 3, [1, 3, 4]),
      decision("fired", "each-failure", {}, 8.5, 8.5, 1, [4]),
    ]);
    assert.equal(engine.lateEvents, 1);
  });
});

describe("alert events", () => {
  test("Sealtrail's own alert.* events feed only the rules that name them", () => {
    const compiled = rules(
      { id: "everything", cooldown: "0m", any: true },
      { id: "alerts-fired", match: ["action=alert.fired"], cooldown: "0m", any: true },
      { id: "alerts-all", match: ["action=alert.*"], cooldown: "0m", threshold: { count: 2, window: "1h" } },
      { id: "not-named", match: ["action=al*"], cooldown: "0m", any: true },
    );
    assert.deepEqual(
      compiled.map((r) => r.watchesAlertEvents),
      [false, true, true, false],
    );
    const decisions = run(compiled, [
      {
        observe: observed(
          [1, 0, { action: "alert.fired", details: { rule: "x" } }],
          [2, 1, { action: "user.login" }],
          [3, 2, { action: "alert.resolved" }],
        ),
      },
    ]).map(summary);
    assert.deepEqual(decisions, [
      decision("fired", "alerts-fired", {}, 0, 0, 1, [1]),
      decision("fired", "everything", {}, 1, 1, 1, [2]),
      decision("fired", "alerts-all", {}, -58, 2, 2, [1, 3]),
    ]);
  });
});

/** A small fast seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rules of every kind, several with `resolve`. */
const MIXED_RULES: (Partial<AlertRuleConfig> & { id: string })[] = [
  { id: "export", match: ["action=key.export"], group_by: ["actor.id"], cooldown: "30m", any: true },
  {
    id: "failures",
    match: ["action=user.login", "outcome=failure"],
    group_by: ["actor.id"],
    cooldown: "20m",
    resolve: true,
    threshold: { count: 3, window: "10m" },
  },
  {
    id: "payments",
    match: ["outcome=failure"],
    resolve: true,
    ratio: { of: ["action=payment.*"], at_least: 0.4, min_events: 5, window: "30m" },
  },
  {
    id: "ips",
    match: ["action=user.login"],
    group_by: ["actor.id"],
    distinct: { field: "actor.ip", count: 3, window: "30m" },
  },
  {
    id: "new-ip",
    match: ["action=user.login"],
    group_by: ["actor.id"],
    cooldown: "0m",
    new_value: { field: "actor.ip", learn: "2h" },
  },
  {
    id: "fail-then-export",
    group_by: ["actor.id"],
    sequence: { steps: [["action=user.login", "outcome=failure"], ["action=key.export"]], within: "15m" },
  },
  {
    id: "export-and-pay",
    group_by: ["actor.id"],
    sequence: { steps: [["action=key.export"], ["action=payment.charge"]], within: "10m", ordered: false },
  },
  {
    id: "heartbeat",
    match: ["action=producer.heartbeat"],
    group_by: ["actor.id"],
    cooldown: "1h",
    resolve: true,
    absence: { window: "20m" },
  },
  {
    id: "slow",
    match: ["action=api.call"],
    resolve: true,
    degradation: { percentile: 90, window: "1h", baseline: "4h", factor: 1.5 },
  },
  { id: "certs", match: ["action=cert.issue"], cooldown: "1d", expiry: { within: "30d" } },
  { id: "alerts", match: ["action=alert.*"], cooldown: "0m", any: true },
];

/** A stream of varied events, in minutes; `jitter` puts some slightly (and a few very) out of order. */
function eventStream(seed: number, count: number, jitter: boolean): EventSpec[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const actors = ["alice", "bob", "carol"];
  const events: EventSpec[] = [];
  let minute = 0;
  for (let seq = 0; seq < count; seq++) {
    minute += rnd() * 1.2;
    let t = Math.round(minute * MINUTE) / MINUTE;
    if (jitter) {
      const roll = rnd();
      if (roll < 0.1) t -= rnd() * 0.5;
      else if (roll < 0.13) t -= 5 + rnd() * 5;
    }
    const actor = pick(actors);
    const hour = Math.floor(minute / 60);
    const kind = rnd();
    let fields: Record<string, unknown>;
    if (kind < 0.25) {
      fields = {
        action: "user.login",
        outcome: rnd() < 0.35 ? "failure" : "success",
        actor: { id: actor, ip: `10.0.0.${1 + Math.floor(rnd() * (hour < 3 ? 3 : 6))}` },
      };
    } else if (kind < 0.32) fields = { action: "key.export", actor: { id: actor } };
    else if (kind < 0.45) {
      fields = {
        action: "payment.charge",
        outcome: rnd() < (hour % 4 === 2 ? 0.6 : 0.2) ? "failure" : "success",
        actor: { id: actor },
      };
    } else if (kind < 0.6) {
      // p2 falls silent for a while in the middle.
      const producer = pick(["p1", "p2"]);
      if (producer === "p2" && hour >= 5 && hour < 8)
        fields = { action: "producer.heartbeat", actor: { id: "p1" } };
      else fields = { action: "producer.heartbeat", actor: { id: producer } };
    } else if (kind < 0.92) {
      const slow = hour === 9 || hour === 10 ? 3 : 1;
      fields = { action: "api.call", duration_ms: Math.round((20 + rnd() * 80) * slow) };
    } else if (kind < 0.97) {
      fields = {
        action: "cert.issue",
        crypto: {
          serial: pick(["S1", "S2", "S3", "S4"]),
          not_after: new Date(at(t) + (5 + rnd() * 55) * DAY).toISOString(),
        },
      };
    } else fields = { action: "alert.fired", details: { rule: "x" } };
    events.push([seq, t, fields]);
  }
  return events;
}

/** Observe steps of random sizes, each followed now and then by an advance past the newest event. */
function stepsOf(seed: number, events: readonly EventSpec[]): Step[] {
  const rnd = random(seed);
  const steps: Step[] = [{ advance: -1 }];
  let lastAdvance = -1;
  let newest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < events.length; ) {
    const size = 1 + Math.floor(rnd() * 25);
    const batch = events.slice(i, i + size);
    i += size;
    steps.push({ observe: observed(...batch) });
    for (const [, minutes] of batch) newest = Math.max(newest, minutes);
    const to = newest + rnd() * 2;
    if (rnd() < 0.7 && to > lastAdvance) {
      steps.push({ advance: to });
      lastAdvance = to;
    }
  }
  steps.push({ advance: lastAdvance + 3 * 24 * 60 });
  return steps;
}

describe("snapshot and restore", () => {
  const events = eventStream(7, 1500, true);
  const steps = stepsOf(8, events);
  const options = { latenessMs: MINUTE };
  const whole = new RuleEngine(rules(...MIXED_RULES), options);
  const uninterrupted = runSteps(whole, steps);

  test("the mixed stream exercises every rule, fires and resolves", () => {
    const fired = new Set(uninterrupted.filter((d) => d.type === "fired").map((d) => d.ruleId));
    assert.deepEqual([...fired].sort(), MIXED_RULES.map((r) => r.id).sort());
    const resolvedRules = new Set(uninterrupted.filter((d) => d.type === "resolved").map((d) => d.ruleId));
    assert.deepEqual([...resolvedRules].sort(), ["failures", "heartbeat", "payments", "slow"]);
  });

  test("restoring a snapshot taken at any point decides exactly what the uninterrupted run decided", () => {
    const rnd = random(9);
    const cuts = new Set([
      1,
      steps.length - 1,
      ...Array.from({ length: 40 }, () => 1 + Math.floor(rnd() * (steps.length - 1))),
    ]);
    for (const cut of cuts) {
      const first = new RuleEngine(rules(...MIXED_RULES), options);
      const before = runSteps(first, steps.slice(0, cut));
      const snapshot = first.snapshot();
      // A restart: the rules compiled again, the engine rebuilt from the snapshot alone.
      const restored = RuleEngine.restore(rules(...MIXED_RULES), snapshot, options);
      assert.equal(restored.snapshot(), snapshot, `cut ${cut}: the restored state is the saved state`);
      const after = runSteps(restored, steps.slice(cut));
      assert.deepEqual([...before, ...after], uninterrupted, `cut at step ${cut}`);
      assert.equal(restored.lateEvents, whole.lateEvents);
    }
  });

  test("the state stays small: windows forget what no judgement needs", () => {
    const engine = new RuleEngine(rules(...MIXED_RULES), options);
    runSteps(engine, steps);
    const state = JSON.parse(engine.snapshot()) as { rules: { id: string; state: unknown }[] };
    const sizes = Object.fromEntries(state.rules.map((r) => [r.id, JSON.stringify(r.state).length]));
    // 1,500 events went through; what is left is what the last windows hold.
    for (const id of ["failures", "payments", "ips", "fail-then-export", "export-and-pay", "heartbeat"]) {
      assert.ok((sizes[id] as number) < 400, `${id}: ${sizes[id]} characters of state`);
    }
  });

  test("a rule whose condition changed starts afresh; an unreadable snapshot is refused", () => {
    const engine = new RuleEngine(rules(...MIXED_RULES), options);
    runSteps(engine, steps.slice(0, 40));
    const changed = MIXED_RULES.map((r) =>
      r.id === "failures" ? { ...r, threshold: { count: 4, window: "10m" } } : r,
    );
    const restored = RuleEngine.restore(rules(...changed), engine.snapshot(), options);
    const saved = (
      JSON.parse(restored.snapshot()) as { rules: { id: string; state: unknown; book: unknown }[] }
    ).rules;
    assert.deepEqual(saved.find((r) => r.id === "failures")?.state, []);
    assert.deepEqual(saved.find((r) => r.id === "failures")?.book, []);
    assert.notDeepEqual(saved.find((r) => r.id === "ips")?.state, []);
    throwsCode(() => RuleEngine.restore([], "{nope"), "ST_ERR_ALERT_STATE", /expected JSON/);
    throwsCode(() => RuleEngine.restore([], '{"v":99,"rules":[]}'), "ST_ERR_ALERT_STATE", /version 1/);
  });
});

describe("alert ids", () => {
  const events = eventStream(21, 600, false);
  const steps = stepsOf(22, events);

  test("are UUIDs derived from what the alert is: the same inputs give the same ids", () => {
    const one = runSteps(new RuleEngine(rules(...MIXED_RULES)), steps);
    const two = runSteps(new RuleEngine(rules(...MIXED_RULES)), steps);
    assert.ok(one.length > 20);
    assert.deepEqual(
      two.map((d) => d.alertId),
      one.map((d) => d.alertId),
    );
    const fired = one.filter((d) => d.type === "fired").map((d) => d.alertId);
    for (const id of fired)
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(fired).size, fired.length, "every fired alert has its own id");
    for (const resolved of one.filter((d) => d.type === "resolved")) {
      assert.ok(fired.includes(resolved.alertId), "a resolved alert names the alert it resolves");
    }
  });
});

describe("backtest", () => {
  test("raises the alerts a live run raised over the same events, with the same ids", async () => {
    const rnd = random(31);
    // Events committed a little after they happened, in the order they were committed.
    const happened = eventStream(30, 1200, false);
    const committed = happened
      .map(([, minutes, fields]) => ({ minutes, fields, arrivalMs: at(minutes) + rnd() * 500 }))
      .sort((a, b) => a.arrivalMs - b.arrivalMs)
      .map((e, seq) => ({ ...e, stored: storedEvent([seq, e.minutes, e.fields]) }));
    const nowMs = Math.ceil((committed.at(-1)?.arrivalMs as number) / 1000) * 1000 + DAY;
    const latenessMs = 5_000;

    // Live: once a second, what was committed since is observed, then the engine advances to the clock.
    const live = new RuleEngine(rules(...MIXED_RULES), { latenessMs });
    const liveDecisions: AlertDecision[] = [];
    let next = 0;
    for (let clock = Math.floor(at(0) / 1000) * 1000; next < committed.length; clock += 1000) {
      const batch: StoredEvent[] = [];
      while (next < committed.length && (committed[next]?.arrivalMs as number) <= clock) {
        batch.push(committed[next]?.stored as StoredEvent);
        next++;
      }
      liveDecisions.push(...live.observe(batch.map(observedEventOf)), ...live.advance(clock));
    }
    liveDecisions.push(...live.advance(nowMs));

    async function* batches(): AsyncIterable<StoredEvent[]> {
      for (let i = 0; i < committed.length; i += 100) yield committed.slice(i, i + 100).map((e) => e.stored);
    }
    const replayed = await backtest(batches(), rules(...MIXED_RULES), { nowMs, latenessMs });
    // The same alerts; the order may differ within a second (live observes, then advances).
    const inOrder = (decisions: AlertDecision[]) =>
      [...decisions].sort(
        (a, b) =>
          a.window.toMs - b.window.toMs || a.alertId.localeCompare(b.alertId) || a.type.localeCompare(b.type),
      );
    assert.ok(liveDecisions.length > 20);
    assert.deepEqual(inOrder(replayed), inOrder(liveDecisions));
  });
});
