/**
 * `sealtrail serve`'s alerting: rules from the configuration run beside the service, their
 * alerts and deliveries show in /metrics (never a secret), and a reload swaps the rules — or,
 * when the new section cannot be built, keeps the ones loaded before and says why.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AuditLog } from "../src/audit-log.js";
import { loadConfig } from "../src/config/load-config.js";
import { startServer } from "../src/server/serve.js";
import { reloadConfig } from "../src/server/server-config.js";
import { newWebhookSecret, startWebhookReceiver } from "./receivers/webhook-receiver.js";
import { openApiKeys } from "./support/api-keys.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function rulesYaml(url: string, threshold: number): string {
  return [
    "alerting:",
    "  lateness: 1m",
    "  rules:",
    "    - id: failed-logins",
    "      title: Repeated failed sign-ins",
    "      severity: high",
    '      match: ["action=user.login", "outcome=failure"]',
    "      group_by: [actor.id]",
    `      threshold: { count: ${threshold}, window: 5m }`,
    "      channels: [soc]",
    "  channels:",
    `    soc: { type: webhook, url: "${url}", secret: "\${SOC_SECRET}" }`,
    "",
  ].join("\n");
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("serve runs the configured rules, counts alerts and deliveries in /metrics without secrets, and reloads them", async () => {
  const home = mkdtempSync(join(tmpdir(), "sealtrail-alert-serve-"));
  dirs.push(home);
  await AuditLog.init({ home, origin: "serve.example/alerts" });
  const secret = newWebhookSecret();
  const receiver = await startWebhookReceiver([secret]);
  const file = join(home, "sealtrail.yaml");
  writeFileSync(file, rulesYaml(receiver.url, 3));
  const env = { SOC_SECRET: secret };
  const config = loadConfig({ path: file, env });
  const server = await startServer({
    home,
    port: 0,
    config,
    detection: true,
    recordLifecycle: true,
    checkpointIntervalMs: 0,
  });
  const keys = openApiKeys(home);
  const { key } = await keys.create({ role: "admin" });
  keys.close();
  const headers = { authorization: `Bearer ${key}` };
  const failures = (actor: string, n: number) =>
    server.log.append(
      Array.from({ length: n }, () => ({
        action: "user.login",
        outcome: "failure" as const,
        actor: { id: actor },
      })),
    );
  try {
    assert.ok(server.detection?.alerting, "alerting runs");
    // The configuration recorded at start names the channel but holds none of its secrets.
    const [loaded] = (await server.log.query(["action=audit_log.config_loaded"])).events;
    const recorded = JSON.stringify(loaded);
    assert.match(recorded, /"not_recorded":\["url","secret"\]/);
    assert.ok(!recorded.includes(secret) && !recorded.includes(new URL(receiver.url).pathname));
    await failures("mallory", 3);
    await until("the alert", () => (receiver.requests.some((r) => r.status < 300) ? true : undefined));
    const metrics = await until("the delivery in /metrics", async () => {
      const text = await (await fetch(`${server.url}/metrics`, { headers })).text();
      return /sealtrail_alert_deliveries_total\{channel="soc",outcome="delivered"\} 1/.test(text)
        ? text
        : undefined;
    });
    assert.match(metrics, /sealtrail_alerts_total\{rule="failed-logins",type="fired",silenced="false"\} 1/);
    assert.match(metrics, /sealtrail_alert_rules 1/);
    assert.match(metrics, /sealtrail_alert_events_evaluated_total \d+/);
    for (const secretPart of [secret, new URL(receiver.url).pathname]) {
      assert.ok(!metrics.includes(secretPart), "a secret in /metrics");
    }

    // A reload that cannot be built keeps the rules loaded before.
    writeFileSync(file, rulesYaml(receiver.url, 3).replace("channels: [soc]", "channels: [pager]"));
    const kept = await reloadConfig(server, config, () => loadConfig({ path: file, env }));
    assert.equal(kept.status, "changed");
    assert.match(
      String(kept.status === "changed" && kept.alertingKept),
      /channels\[0\]: expected one of the channels/,
    );
    // A good reload applies at once: the threshold drops to 2.
    writeFileSync(file, rulesYaml(receiver.url, 2));
    const applied = await reloadConfig(server, config, () => loadConfig({ path: file, env }));
    assert.equal(applied.status, "changed");
    assert.ok(applied.status === "changed" && applied.applied.includes("alerting.rules"));
    await failures("trudy", 2);
    await until("trudy's alert under the new threshold", () =>
      receiver.requests.some(
        (r) =>
          r.status < 300 &&
          (r.json as { alert: { group: Record<string, string> } }).alert.group["actor.id"] === "trudy",
      )
        ? true
        : undefined,
    );
  } finally {
    await server.close();
    await receiver.close();
  }
});
