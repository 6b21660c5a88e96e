/**
 * Chaos: a real `sealtrail serve` running thirty alert rules (any, threshold, ratio, distinct,
 * new_value, sequence) with a Standard Webhooks channel and a PagerDuty channel pointing to real
 * receivers on loopback, fed events over HTTP at a steady rate while it is killed with SIGKILL
 * at random instants and restarted; the webhook receiver answers 500 and 429 (with
 * Retry-After) for a while. Every event has its own id and is stamped when first sent, and
 * after each restart the feed is re-sent from the last acknowledged point, unchanged (what the
 * killed server had stored comes back as a duplicate). After a final graceful run lets everything drain:
 *
 * - the alerts the rules call for — `backtest` over the final store, the same rules and
 *   lateness — are exactly the alerts raised live: one `alert.fired` event each in the log, with
 *   the same rule, group, window and evidence, and one outbox message per channel each;
 * - every one was delivered to both receivers, and none twice in effect: the webhook receiver
 *   got every webhook-id (a repeat is only the delivery in flight when a kill struck, at most
 *   one per kill), PagerDuty opened exactly one incident per dedup_key;
 * - every notice's evidence verifies against its checkpoint with the store's key, and the store
 *   verifies.
 *
 * The kinds judged by the wall clock (absence, expiry, degradation) and `resolve` are left out
 * on purpose: live, time passing is the wall clock, in a backtest it is event time, so those
 * may legitimately differ between the two.
 *
 * Size: ALERT_CHAOS_EVENTS (default 20,000), ALERT_CHAOS_KILLS (default 4; 10 from 100,000
 * events), ALERT_CHAOS_RATE (events/s, default 5,000), ALERT_CHAOS_SEED (default random, printed).
 * The issue's full run: `ALERT_CHAOS_EVENTS=200000 node --test dist/test/alerting-chaos.test.js`.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { AlertNotice } from "../src/alerting/alert-notice.js";
import { ALERTING_CONSUMER } from "../src/alerting/alert-runner.js";
import { backtest } from "../src/alerting/backtest.js";
import type { AlertDecision } from "../src/alerting/engine/alert-decision.js";
import { compileRules } from "../src/alerting/rules/compile-rules.js";
import { verifyAlertNotice } from "../src/alerting/verify-alert.js";
import { AuditLog } from "../src/audit-log.js";
import type { OutboxMessage } from "../src/storage/consumer-store.js";
import { cli, describeRun, initStore, removeTempDirs, runCli, tempDir } from "./cli-harness.js";
import { jsonAnswer, randomToken, textAnswer } from "./receivers/http-receiver.js";
import { startPagerDutyReceiver } from "./receivers/pagerduty-receiver.js";
import { newWebhookSecret, startWebhookReceiver } from "./receivers/webhook-receiver.js";
import {
  CHAOS_RULE_KINDS,
  type ChaosEvent,
  chaosEvents,
  chaosRules,
  seededRandom,
} from "./support/chaos-workload.js";
import { type ServeProcess, startServeProcess } from "./support/serve-process.js";

after(removeTempDirs);

const EVENTS = Number(process.env.ALERT_CHAOS_EVENTS ?? 20_000);
const KILLS = Number(process.env.ALERT_CHAOS_KILLS ?? (EVENTS >= 100_000 ? 10 : 4));
const RATE = Number(process.env.ALERT_CHAOS_RATE ?? 5_000);
const SEED = Number(process.env.ALERT_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
/**
 * Generous: events are stamped when first sent, so an event is late only if the evaluator falls
 * this far behind, or a restart takes this long (the test checks that none was).
 */
const LATENESS = "2m";
const LATENESS_MS = 120_000;
/** The most events one request carries (while catching up after a restart). */
const MAX_BATCH = 500;
/** How long the final run may take to deliver everything, per 1,000 alerts. */
const DRAIN_MS_PER_1000_ALERTS = 60_000;
const CHANNELS = ["hook", "pager"] as const;

/** What the live run recorded of one alert in its `alert.fired` event. */
interface FiredRecord {
  readonly id: string;
  readonly rule: string;
  readonly group: Record<string, unknown>;
  readonly window: { readonly from: string; readonly to: string };
  readonly count: number;
  readonly evidence_seqs: readonly number[];
}

/** Posts `events` as NDJSON or a JSON array; resolves the acknowledged seqs, or undefined when unanswered or refused. */
async function post(
  url: string,
  key: string,
  events: readonly ChaosEvent[],
  ndjson: boolean,
): Promise<Array<{ seq: number; id: string; duplicate: boolean }> | undefined> {
  let status: number;
  let body: {
    results?: Array<{ index: number; seq?: number; id?: string; duplicate?: true; error?: unknown }>;
  };
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": ndjson ? "application/x-ndjson" : "application/json",
      },
      body: ndjson ? events.map((e) => `${JSON.stringify(e)}\n`).join("") : JSON.stringify(events),
      signal: AbortSignal.timeout(30_000),
    });
    status = res.status;
    body = (await res.json()) as typeof body;
  } catch {
    return undefined; // killed mid-request: the outcome is unknown, so the request is re-sent
  }
  if (status < 200 || status > 299) return undefined;
  const results = body.results ?? [];
  assert.equal(results.length, events.length, `one result per event: ${JSON.stringify(body).slice(0, 500)}`);
  return results.map((r, i) => {
    assert.equal(r.error, undefined, `event ${i} refused: ${JSON.stringify(r.error)}`);
    assert.equal(r.id, events[i]?.id, "results are in order");
    return { seq: r.seq as number, id: r.id as string, duplicate: r.duplicate === true };
  });
}

/** Every event of the store whose action is `action`, parsed. */
async function eventsOf(log: AuditLog, action: string): Promise<Array<Record<string, unknown>>> {
  const found: Array<Record<string, unknown>> = [];
  for await (const batch of log.exportEvents([`action=${action}`])) {
    for (const stored of batch) found.push(JSON.parse(stored.json) as Record<string, unknown>);
  }
  return found;
}

/** Every outbox message of the alerting consumer. */
async function outboxOf(log: AuditLog): Promise<OutboxMessage[]> {
  const all: OutboxMessage[] = [];
  for (;;) {
    const page = await log.consumers.listMessages(ALERTING_CONSUMER, {
      limit: 1000,
      ...(all.length > 0 ? { afterId: (all.at(-1) as OutboxMessage).id } : {}),
    });
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

test(`alerting survives kill -9: ${EVENTS.toLocaleString("en-US")} events at ${RATE}/s, ${KILLS} kills, every alert the rules call for delivered once`, {
  timeout: 30 * 60_000,
}, async (t) => {
  t.diagnostic(`seed ${SEED} (ALERT_CHAOS_SEED=${SEED} repeats this run's events, kills and failures)`);
  const started = performance.now();
  const random = seededRandom(SEED ^ 0x5eed);
  const dir = tempDir("sealtrail-alert-chaos-");
  const home = join(dir, "home");
  const verifierKey = initStore(home, "chaos.example/alerting");
  const writer = (
    JSON.parse(
      cli(["keys", "create", "--home", home, "--role", "writer", "--name", "chaos-feed", "--json"]).stdout,
    ) as { key: string }
  ).key;

  const secret = newWebhookSecret();
  const routingKey = randomToken(32);
  const hook = await startWebhookReceiver([secret]);
  const pager = await startPagerDutyReceiver([routingKey]);
  t.after(async () => {
    await hook.close();
    await pager.close();
  });
  const rulesConfig = chaosRules(CHANNELS);
  const configFile = join(dir, "sealtrail.yaml");
  writeFileSync(
    configFile,
    // JSON is YAML.
    JSON.stringify(
      {
        alerting: {
          rules: rulesConfig,
          channels: {
            hook: { type: "webhook", url: hook.url, secret },
            pager: { type: "pagerduty", routing_key: routingKey, url: pager.url },
          },
          lateness: LATENESS,
          start_at: "beginning",
          delivery_timeout: "5s",
        },
      },
      null,
      2,
    ),
  );

  const processes: ServeProcess[] = [];
  t.after(async () => {
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      await p.exited;
    }
  });
  const startServe = async (): Promise<ServeProcess> => {
    const server = await startServeProcess([
      "--home",
      home,
      "--config",
      configFile,
      "--port",
      "0",
      "--rate-limit",
      "0",
      "--log-level",
      "error",
    ]);
    processes.push(server);
    return server;
  };
  const stopGracefully = async (server: ServeProcess): Promise<void> => {
    server.child.kill("SIGTERM");
    const exit = await server.exited;
    assert.equal(exit.code, 0, `serve closed cleanly on SIGTERM:\n${server.stderr()}`);
  };

  const events = chaosEvents(EVENTS, { seed: SEED, startMs: Date.now(), rate: RATE });
  let current: Promise<ServeProcess> = startServe();
  await current;
  const feedStarted = performance.now();

  // The feed: one request at a time, paced to RATE events/s; after a failure (the server was
  // killed), it waits for the restarted server and re-sends from the first unacknowledged event.
  let next = 0;
  let stamped = 0;
  let lastStampMs = Date.now();
  let requests = 0;
  let failedRequests = 0;
  let duplicates = 0;
  const seqOfEvent = new Map<string, number>();
  const feed = (async () => {
    while (next < EVENTS) {
      const due = Math.min(EVENTS, Math.floor(((performance.now() - feedStarted) * RATE) / 1000));
      if (due <= next) {
        await sleep(2);
        continue;
      }
      const end = Math.min(due, next + MAX_BATCH);
      if (end > stamped) {
        // First sent now: stamped with the time, spread since the last stamp (a re-send is the same event).
        const at = Date.now();
        const from = Math.min(lastStampMs, at);
        for (let i = stamped; i < end; i++) {
          const ms = Math.floor(from + ((at - from) * (i - stamped + 1)) / (end - stamped));
          events[i] = { ...(events[i] as ChaosEvent), timestamp: new Date(ms).toISOString() };
        }
        stamped = end;
        lastStampMs = at;
      }
      const batch = events.slice(next, end);
      const server = await current;
      requests++;
      const receipts = await post(server.url, writer, batch, requests % 2 === 0);
      if (!receipts) {
        failedRequests++;
        await sleep(10);
        continue;
      }
      for (const r of receipts) {
        const seen = seqOfEvent.get(r.id);
        if (seen !== undefined) assert.equal(r.seq, seen, "an event keeps its seq");
        seqOfEvent.set(r.id, r.seq);
        if (r.duplicate) duplicates++;
      }
      next += batch.length;
    }
  })();

  // The webhook receiver fails for a while: 500s and 429s with Retry-After, from a quarter of the
  // feed until half of it (and at least 2 s).
  const outage = (async () => {
    while (next < EVENTS / 4) await sleep(5);
    let n = 0;
    const from = performance.now();
    hook.override(() =>
      n++ % 2 === 0
        ? textAnswer(500, "internal error")
        : jsonAnswer(429, { error: "slow down" }, { "retry-after": "1" }),
    );
    while (next < EVENTS / 2 || performance.now() - from < 2_000) await sleep(5);
    hook.override(null);
    return n;
  })();

  // The kills: each once the feed passed a random point, a random instant later.
  const killPoints = Array.from({ length: KILLS }, () => Math.floor(EVENTS * (0.05 + 0.9 * random()))).sort(
    (a, b) => a - b,
  );
  const killed: Array<{ at: number; acked: number }> = [];
  const chaos = (async () => {
    for (const point of killPoints) {
      while (next < point) await sleep(2);
      await sleep(random() * 200);
      const server = await current;
      server.child.kill("SIGKILL");
      const exit = await server.exited;
      assert.equal(exit.signal, "SIGKILL");
      killed.push({ at: Math.round(performance.now() - feedStarted), acked: next });
      current = startServe();
      await current;
      // Up long enough to take events, judge them and deliver some alerts before the next kill.
      await sleep(100 + random() * 300);
    }
  })();
  await Promise.all([feed, chaos]);
  const outageAnswers = await outage;
  const feedSeconds = (performance.now() - feedStarted) / 1000;
  t.diagnostic(
    `fed ${EVENTS} events in ${feedSeconds.toFixed(1)} s (${requests} requests, ${failedRequests} failed with a kill, ${duplicates} duplicates on re-send); kills at ${killed.map((k) => `${k.at} ms (${k.acked} acked)`).join(", ")}; the webhook refused ${outageAnswers} requests`,
  );
  assert.equal(killed.length, KILLS);
  assert.equal(seqOfEvent.size, EVENTS, "every event acknowledged");
  assert.ok(outageAnswers > 0, "the webhook receiver refused deliveries for a while");
  const final = await current;

  const rules = compileRules(rulesConfig, { basePath: "alerting.rules" });
  const expectedOf = async (): Promise<Map<string, AlertDecision>> => {
    // Read beside the running server, as `sealtrail alerts backtest` would.
    const log = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0, readMostly: true });
    try {
      const decisions = await backtest(log.exportEvents([]), rules, {
        nowMs: Date.now(),
        latenessMs: LATENESS_MS,
      });
      const fired = decisions.filter((d) => d.type === "fired");
      assert.equal(fired.length, decisions.length, "no rule resolves");
      return new Map(fired.map((d) => [d.alertId, d]));
    } finally {
      await log.close();
    }
  };
  const expected = await expectedOf();
  const expectedIds = [...expected.keys()].sort();
  const kindOf = new Map(rules.map((r) => [r.id, r.condition.kind]));
  const byKind = new Map<string, number>();
  for (const d of expected.values()) {
    const kind = kindOf.get(d.ruleId) as string;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  t.diagnostic(
    `the rules call for ${expected.size} alerts: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(", ")}`,
  );
  for (const kind of CHAOS_RULE_KINDS)
    assert.ok((byKind.get(kind) ?? 0) > 0, `some ${kind} alert is called for`);

  // The last server started is the final run: once every fed event is judged and committed,
  // and the outbox is empty, it stops gracefully.
  const lastFedSeq = [...seqOfEvent.values()].reduce((a, b) => Math.max(a, b), 0);
  const deadline = Date.now() + 30_000 + (DRAIN_MS_PER_1000_ALERTS * expected.size) / 1000;
  const watching = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0, readMostly: true });
  try {
    for (;;) {
      const judged = (await watching.consumers.getConsumerState(ALERTING_CONSUMER))?.position ?? 0;
      const pending = await watching.consumers.pendingMessages(ALERTING_CONSUMER, { limit: 10 });
      if (judged > lastFedSeq && pending.length === 0) break;
      assert.ok(
        Date.now() < deadline,
        `the final run did not drain: judged up to ${judged} of ${lastFedSeq + 1}; pending e.g. ${JSON.stringify(pending.slice(0, 3).map((m) => ({ lane: m.lane, key: m.key, attempts: m.attempts, error: m.lastError })))}`,
      );
      await sleep(100);
    }
  } finally {
    await watching.close();
  }
  await sleep(300); // anything sent twice would arrive now
  await stopGracefully(final);
  const drainedAt = performance.now();

  const log = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
  try {
    // The same alerts called for over the final store (alerting's own events change nothing).
    assert.deepEqual([...(await expectedOf()).keys()].sort(), expectedIds);
    assert.deepEqual(
      await log.consumers.pendingMessages(ALERTING_CONSUMER, { limit: 10 }),
      [],
      "nothing left to send",
    );
    // The comparison holds only if no event was late live (the live engine's own count, in its state).
    const saved = await log.consumers.getConsumerState(ALERTING_CONSUMER);
    const engineState = (JSON.parse(saved?.state ?? "{}") as { engine: { late: number } }).engine;
    assert.equal(
      engineState.late,
      0,
      `events later than the lateness (${LATENESS}) live: raise it for this machine`,
    );

    // Raised once: one alert.fired event per alert id, recording what the backtest decided.
    const fired = (await eventsOf(log, "alert.fired")).map(
      (e) => (e.details as { alert: FiredRecord }).alert,
    );
    const firedCount = new Map<string, number>();
    for (const a of fired) firedCount.set(a.id, (firedCount.get(a.id) ?? 0) + 1);
    const missing = expectedIds.filter((id) => !firedCount.has(id));
    const extra = [...firedCount.keys()].filter((id) => !expected.has(id));
    const twice = [...firedCount].filter(([, n]) => n > 1);
    const describe = (ids: readonly string[]) =>
      ids
        .slice(0, 5)
        .map((id) => {
          const d = expected.get(id);
          const f = fired.find((a) => a.id === id);
          return JSON.stringify(d ? { id, rule: d.ruleId, group: d.group, window: d.window } : f);
        })
        .join("\n");
    assert.deepEqual(missing, [], `alerts called for but never raised:\n${describe(missing)}`);
    assert.deepEqual(extra, [], `alerts raised live that the rules do not call for:\n${describe(extra)}`);
    assert.deepEqual(twice, [], "alerts raised twice");
    for (const a of fired) {
      const d = expected.get(a.id) as AlertDecision;
      assert.deepEqual(
        {
          rule: a.rule,
          group: a.group,
          from: Date.parse(a.window.from),
          to: Date.parse(a.window.to),
          count: a.count,
          evidence: a.evidence_seqs,
        },
        {
          rule: d.ruleId,
          group: d.group,
          from: d.window.fromMs,
          to: d.window.toMs,
          count: d.count,
          evidence: d.evidenceSeqs,
        },
        `alert ${a.id} as raised live and as the backtest decides it`,
      );
    }

    // Decided once: one outbox message per alert and lane (the log and each channel), all delivered.
    const outbox = await outboxOf(log);
    for (const lane of ["@log", ...CHANNELS]) {
      const keys = outbox.filter((m) => m.lane === lane).map((m) => m.key);
      assert.equal(new Set(keys).size, keys.length, `lane ${lane}: no alert decided twice`);
      assert.deepEqual(
        keys.sort(),
        expectedIds.map((id) => `alert.fired:${id}`),
        `lane ${lane}: one message per alert`,
      );
    }
    assert.deepEqual(
      outbox
        .filter((m) => m.status !== "delivered")
        .map((m) => ({ lane: m.lane, key: m.key, status: m.status })),
      [],
      "every message delivered",
    );

    // Delivered, each alert's effect once. A repeat is only the attempt in flight when a kill
    // struck (accepted, not yet marked delivered): at most one per kill and channel.
    assert.deepEqual(
      hook.invalid().map((r) => r.problems),
      [],
      "every webhook request verified",
    );
    assert.deepEqual(
      [...hook.deliveries.keys()].sort(),
      expectedIds,
      "the webhook got every alert, and no other",
    );
    const hookRepeats = [...hook.deliveries.values()].reduce((sum, n) => sum + n - 1, 0);
    assert.ok(hookRepeats <= KILLS, `webhook repeats (${hookRepeats}) come only from kills (${KILLS})`);
    assert.deepEqual(
      pager.invalid().map((r) => r.problems),
      [],
      "every PagerDuty event valid",
    );
    assert.deepEqual(
      [...pager.incidents.keys()].sort(),
      expectedIds,
      "PagerDuty got every alert, and no other",
    );
    for (const incident of pager.incidents.values()) {
      assert.equal(incident.opened, 1, `one incident for ${incident.dedupKey}`);
      assert.equal(incident.resolves, 0);
    }
    const pagerRepeats = [...pager.incidents.values()].reduce((sum, i) => sum + i.triggers - 1, 0);
    assert.ok(pagerRepeats <= KILLS, `PagerDuty repeats (${pagerRepeats}) come only from kills (${KILLS})`);
    const refusedByHook = hook.requests.filter((r) => r.status === 500 || r.status === 429).length;
    assert.ok(refusedByHook > 0);

    // Every notice the webhook accepted carries proof that verifies with the store's key.
    const notices = hook.requests.filter((r) => r.status === 204).map((r) => r.json as AlertNotice);
    for (const notice of notices) {
      assert.equal(notice.type, "alert.fired");
      const d = expected.get(notice.alert.id) as AlertDecision;
      const verified = verifyAlertNotice(notice, verifierKey);
      assert.deepEqual(
        verified.provedSeqs,
        d.evidenceSeqs,
        `alert ${notice.alert.id}: its evidence is proved`,
      );
    }

    // Failed attempts are recorded, each once.
    const attempts = await eventsOf(log, "alert.delivery");
    const failedAttempts = attempts.filter((e) => e.outcome === "failure");
    assert.ok(failedAttempts.length > 0, "the refused deliveries are recorded");
    t.diagnostic(
      `${expected.size} alerts delivered; webhook: ${hook.requests.length} requests (${refusedByHook} refused, ${hookRepeats} repeats); PagerDuty: ${pager.requests.length} requests (${pagerRepeats} repeats); ${attempts.length} delivery attempts recorded (${failedAttempts.length} failed); drained ${((drainedAt - feedStarted) / 1000 - feedSeconds).toFixed(1)} s after the feed; ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
    );
  } finally {
    await log.close();
  }
  const verified = runCli(["verify", "--home", home]);
  assert.equal(verified.code, 0, describeRun(["verify", "--home", home], verified));
});
