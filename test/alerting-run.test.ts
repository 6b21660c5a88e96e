/**
 * Alerting end to end in the library: rules over a real SQLite store, alerts delivered to a real
 * Standard Webhooks receiver on loopback, each alert recorded in the log and verifiable with the
 * log's key; restarts neither repeat nor lose alerts; a failing channel delays no other; silences
 * hold notifications back; alerting's own events never raise alerts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { AlertNotice } from "../src/alerting/alert-notice.js";
import { type AlertingSetup, startAlerting } from "../src/alerting/alert-runner.js";
import { parseChannels } from "../src/alerting/channels/parse-channels.js";
import { compileRules } from "../src/alerting/rules/compile-rules.js";
import { verifyAlertNotice } from "../src/alerting/verify-alert.js";
import { AuditLog } from "../src/audit-log.js";
import {
  newWebhookSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./receivers/webhook-receiver.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function newStore(): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "sealtrail-alerting-"));
  dirs.push(home);
  await AuditLog.init({ home, origin: "alerts.example/run" });
  return home;
}

function failedLoginRule(channels: string[], extra: Record<string, unknown> = {}) {
  return {
    id: "failed-logins",
    title: "Repeated failed sign-ins",
    severity: "high",
    match: ["action=user.login", "outcome=failure"],
    group_by: ["actor.id"],
    threshold: { count: 3, window: "5m" },
    channels,
    ...extra,
  };
}

function setupOf(
  rules: unknown[],
  channels: Record<string, unknown>,
  extra: Partial<AlertingSetup> = {},
): AlertingSetup {
  return {
    rules: compileRules(rules, { basePath: "alerting.rules" }),
    channels: parseChannels(channels, {}),
    latenessMs: 60_000,
    backoff: { baseMs: 20, maxMs: 100 },
    ...extra,
  };
}

function logins(actor: string, outcome: "success" | "failure", n: number, at = Date.now()) {
  return Array.from({ length: n }, (_, i) => ({
    action: "user.login",
    outcome,
    actor: { id: actor },
    timestamp: new Date(at - (n - i) * 1000).toISOString(),
  }));
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function noticesOf(receiver: WebhookReceiver): AlertNotice[] {
  return receiver.requests.filter((r) => r.status < 300).map((r) => r.json as AlertNotice);
}

async function actionsOf(log: AuditLog, action: string): Promise<Array<Record<string, unknown>>> {
  const found: Array<Record<string, unknown>> = [];
  for await (const batch of log.exportEvents([`action=${action}`])) {
    for (const stored of batch) found.push(JSON.parse(stored.json) as Record<string, unknown>);
  }
  return found;
}

test("an alert reaches a signed webhook with proof, is recorded in the log, and is not sent again after a restart", async () => {
  const home = await newStore();
  const secret = newWebhookSecret();
  const receiver = await startWebhookReceiver([secret]);
  const log = await AuditLog.open({ home, checkpointIntervalMs: 0 });
  try {
    const setup = setupOf([failedLoginRule(["soc"])], {
      soc: { type: "webhook", url: receiver.url, secret },
    });
    let alerting = await startAlerting(log, setup);
    await log.append([
      ...logins("mallory", "failure", 4),
      ...logins("alice", "failure", 2),
      ...logins("bob", "success", 5),
    ]);
    await alerting.caughtUp();
    const [notice] = await until("the alert", () =>
      noticesOf(receiver).length > 0 ? noticesOf(receiver) : undefined,
    );
    assert.ok(notice);
    assert.equal(notice.type, "alert.fired");
    assert.equal(notice.alert.rule, "failed-logins");
    assert.deepEqual(notice.alert.group, { "actor.id": "mallory" });
    assert.ok(notice.alert.count >= 3);
    assert.equal(receiver.invalid().length, 0, "every request verified with standardwebhooks");
    assert.equal(receiver.requests[0]?.headers["webhook-id"], notice.alert.id);
    const verified = verifyAlertNotice(notice, log.verifierKey());
    assert.deepEqual(
      verified.provedSeqs,
      notice.alert.evidence.map((e) => e.seq),
    );
    const fired = await until("alert.fired in the log", async () => {
      const events = await actionsOf(log, "alert.fired");
      return events.length > 0 ? events : undefined;
    });
    assert.equal(fired.length, 1);
    assert.equal((fired[0] as { details: { alert: { id: string } } }).details.alert.id, notice.alert.id);
    const deliveries = await until("alert.delivery in the log", async () => {
      const events = await actionsOf(log, "alert.delivery");
      return events.length > 0 ? events : undefined;
    });
    assert.equal(deliveries[0]?.outcome, "success");
    // A restart resumes where it committed: nothing is decided or sent again.
    await alerting.stop();
    alerting = await startAlerting(log, setup);
    await log.append(logins("carol", "success", 1));
    await alerting.caughtUp();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.deliveries.get(notice.alert.id), 1);
    assert.equal((await actionsOf(log, "alert.fired")).length, 1);
    await alerting.stop();
  } finally {
    await log.close();
    await receiver.close();
  }
});

test("a channel that always fails delays neither another channel nor ingestion, and its failure is recorded", async () => {
  const home = await newStore();
  const secret = newWebhookSecret();
  const good = await startWebhookReceiver([secret]);
  const bad = await startWebhookReceiver([secret]);
  bad.override(() => ({ status: 500, body: "down" }));
  const log = await AuditLog.open({ home, checkpointIntervalMs: 0 });
  try {
    const setup = setupOf(
      [failedLoginRule(["bad", "good"])],
      { bad: { type: "webhook", url: bad.url, secret }, good: { type: "webhook", url: good.url, secret } },
      { giveUpAfterMs: 400 },
    );
    const alerting = await startAlerting(log, setup);
    await log.append(logins("mallory", "failure", 3));
    await until("the good channel's alert", () => (noticesOf(good).length === 1 ? true : undefined));
    const receipts = await log.append(logins("someone", "success", 100));
    assert.equal(receipts.length, 100, "ingestion goes on");
    const gaveUp = await until("the failing channel given up", async () => {
      const events = await actionsOf(log, "alert.delivery");
      return events.find((e) => (e.details as { final: boolean }).final && e.outcome === "failure");
    });
    assert.equal((gaveUp.target as { id: string }).id, "bad");
    assert.match(String((gaveUp.error as { message: string }).message), /gave up/);
    assert.ok(bad.requests.length >= 2, "the failing channel was retried");
    await alerting.stop();
  } finally {
    await log.close();
    await good.close();
    await bad.close();
  }
});

test("a silence holds a rule's notifications back, while the alert is still recorded", async () => {
  const home = await newStore();
  const secret = newWebhookSecret();
  const receiver = await startWebhookReceiver([secret]);
  const log = await AuditLog.open({ home, checkpointIntervalMs: 0 });
  try {
    const alerting = await startAlerting(
      log,
      setupOf([failedLoginRule(["soc"])], { soc: { type: "webhook", url: receiver.url, secret } }),
    );
    await log.append({
      action: "alert.silence",
      actor: { id: "ops-lead" },
      details: {
        rule: "failed-logins",
        group: { "actor.id": "mallory" },
        until: new Date(Date.now() + 3_600_000).toISOString(),
        reason: "pen test",
      },
    });
    await log.append([...logins("mallory", "failure", 3), ...logins("trudy", "failure", 3)]);
    await alerting.caughtUp();
    const fired = await until("two alerts recorded", async () => {
      const events = await actionsOf(log, "alert.fired");
      return events.length === 2 ? events : undefined;
    });
    const groups = fired.map(
      (e) => (e.details as { alert: { group: Record<string, string> } }).alert.group["actor.id"],
    );
    assert.deepEqual(groups.sort(), ["mallory", "trudy"]);
    await until("trudy's notification", () => (noticesOf(receiver).length === 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(
      noticesOf(receiver).map((n) => n.alert.group["actor.id"]),
      ["trudy"],
      "mallory's alert was silenced",
    );
    await alerting.stop();
  } finally {
    await log.close();
    await receiver.close();
  }
});

test("alerting's own events raise no alert, unless a rule names them", async () => {
  const home = await newStore();
  const secret = newWebhookSecret();
  const receiver = await startWebhookReceiver([secret]);
  const log = await AuditLog.open({ home, checkpointIntervalMs: 0 });
  try {
    const alerting = await startAlerting(
      log,
      setupOf(
        [
          {
            id: "any-success",
            title: "Any success",
            severity: "info",
            match: ["outcome=success"],
            any: true,
            cooldown: "1s",
            channels: ["soc"],
          },
          {
            id: "delivery-recorded",
            title: "An alert delivery was recorded",
            severity: "high",
            match: ["action=alert.delivery", "outcome=success"],
            any: true,
            cooldown: "1h",
            channels: ["soc"],
          },
        ],
        { soc: { type: "webhook", url: receiver.url, secret } },
      ),
    );
    await log.append({ action: "crm.update", outcome: "success", actor: { id: "svc" } });
    await until("both alerts", () => (noticesOf(receiver).length >= 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await alerting.caughtUp();
    const rules = noticesOf(receiver).map((n) => n.alert.rule);
    assert.equal(
      rules.filter((r) => r === "any-success").length,
      1,
      "the alert's own success events raised nothing",
    );
    assert.equal(
      rules.filter((r) => r === "delivery-recorded").length,
      1,
      "a rule naming alert.delivery sees it once (cooldown)",
    );
    await alerting.stop();
  } finally {
    await log.close();
    await receiver.close();
  }
});
