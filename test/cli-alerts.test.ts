/**
 * Alerting from the command line, end to end: `sealtrail watch` over a store the CLI writes,
 * alerts delivered to a real Standard Webhooks receiver, `alerts list --json` and `alerts verify`
 * (which fails for a changed proof), `alerts backtest` deciding the same alerts the live run
 * decided, `alerts silence`, and a broken configuration refused with its file and path.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { CLI, cli, initStore, removeTempDirs, runCli, tempDir } from "./cli-harness.js";
import { newWebhookSecret, startWebhookReceiver } from "./receivers/webhook-receiver.js";

after(removeTempDirs);

function configText(url: string): string {
  return [
    "alerting:",
    "  start_at: beginning",
    "  rules:",
    "    - id: failed-logins",
    "      title: Repeated failed sign-ins",
    "      severity: high",
    '      match: ["action=user.login", "outcome=failure"]',
    "      group_by: [actor.id]",
    "      threshold: { count: 3, window: 5m }",
    "      channels: [soc]",
    "    - id: new-tool",
    "      title: A tool never seen before",
    "      severity: low",
    '      match: ["action=deploy.*"]',
    "      new_value: { field: source.tool, learn: 1s }",
    "      channels: [soc]",
    "  channels:",
    `    soc: { type: webhook, url: "${url}", secret: "\${SOC_SECRET}" }`,
    "",
  ].join("\n");
}

async function until<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("watch raises alerts for events the CLI appends; list, verify, backtest and silence agree with it", async () => {
  const dir = tempDir("sealtrail-cli-alerts-");
  const home = join(dir, "home");
  initStore(home, "cli-alerts.example/log");
  const secret = newWebhookSecret();
  const receiver = await startWebhookReceiver([secret]);
  const config = join(dir, "alerts.yaml");
  writeFileSync(config, configText(receiver.url));
  const env: NodeJS.ProcessEnv = { ...process.env, SOC_SECRET: secret };
  delete env.SEALTRAIL_HOME;
  delete env.SEALTRAIL_CONFIG;
  const watch = spawn(process.execPath, [CLI, "watch", "--home", home, "--config", config], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let out = "";
  let err = "";
  watch.stdout.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  watch.stderr.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => watch.on("exit", (code) => resolve(code)));
  try {
    await until("watch to start", () => (/watching 2 rules/.test(out) ? true : undefined));
    for (let i = 0; i < 4; i++) {
      cli(["append", "--home", home, '{"action":"user.login","outcome":"failure","actor":{"id":"mallory"}}']);
    }
    cli(["append", "--home", home, '{"action":"user.login","outcome":"failure","actor":{"id":"alice"}}']);
    await until("the alert at the receiver", () =>
      receiver.requests.some((r) => r.status < 300) ? true : undefined,
    );
    const delivered = receiver.requests
      .filter((r) => r.status < 300)
      .map((r) => r.json as { alert: { id: string; group: unknown } });
    assert.equal(delivered.length, 1);
    assert.deepEqual(delivered[0]?.alert.group, { "actor.id": "mallory" });
    assert.equal(receiver.invalid().length, 0);

    // list --json: the alert with proofs against a checkpoint signed now; verify checks them.
    const listed = JSON.parse(
      cli(["alerts", "list", "--home", home, "--since", "1h", "--json"]).stdout,
    ) as Array<{
      alert: { id: string; evidence: Array<{ proof: string[] }> };
    }>;
    assert.deepEqual(
      listed.map((n) => n.alert.id),
      [delivered[0]?.alert.id],
    );
    const saved = join(dir, "alerts.json");
    writeFileSync(saved, JSON.stringify(listed));
    const verified = cli(["alerts", "verify", saved, "--home", home]);
    assert.match(verified.stdout, /ok alert .* proved against cli-alerts\.example\/log/);
    const tampered = JSON.parse(readFileSync(saved, "utf8")) as typeof listed;
    (tampered[0]?.alert.evidence[0]?.proof as string[])[0] = Buffer.alloc(32, 9).toString("base64");
    writeFileSync(saved, JSON.stringify(tampered));
    const refused = runCli(["alerts", "verify", saved, "--home", home]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /FAILED .*alert\.evidence\[0\]/);

    // The webhook body verifies on its own, with the verifier key alone.
    const body = join(dir, "webhook-body.json");
    writeFileSync(body, receiver.requests.find((r) => r.status < 300)?.body ?? "");
    const key = cli(["pubkey", "--home", home]).stdout.trim();
    cli(["alerts", "verify", body, "--key", key]);

    // Backtest: the same engine over the stored history decides the same alert.
    const backtest = JSON.parse(
      runCli(["alerts", "backtest", "--home", home, "--config", config, "--since", "1h", "--json"], { env })
        .stdout,
    ) as { decisions: Array<{ alertId: string; type: string; ruleId: string }> };
    assert.deepEqual(
      backtest.decisions.filter((d) => d.ruleId === "failed-logins").map((d) => d.alertId),
      [delivered[0]?.alert.id],
    );

    // A silence is recorded; the next burst is decided and recorded but not sent.
    cli([
      "alerts",
      "silence",
      "failed-logins",
      "--home",
      home,
      "--group",
      "actor.id=trudy",
      "--for",
      "1h",
      "--reason",
      "drill",
    ]);
    for (let i = 0; i < 3; i++) {
      cli(["append", "--home", home, '{"action":"user.login","outcome":"failure","actor":{"id":"trudy"}}']);
    }
    await until("trudy's alert recorded", () => {
      const r = runCli(["alerts", "list", "--home", home, "--since", "1h", "--rule", "failed-logins"]);
      return /trudy/.test(r.stdout) ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(
      receiver.requests.filter((r) => r.status < 300).length,
      1,
      "the silenced alert was not sent",
    );
  } finally {
    watch.kill("SIGTERM");
    const code = await exited;
    await receiver.close();
    assert.equal(code, 0, `watch exited ${code}: ${err}`);
  }
});

test("a broken rule or channel is refused with the file, the path and what was expected; nothing runs", () => {
  const dir = tempDir("sealtrail-cli-alerts-bad-");
  const home = join(dir, "home");
  initStore(home);
  const cases: Array<[string, string, RegExp]> = [
    [
      "a window that is not a duration",
      'alerting:\n  rules:\n    - { id: r1, title: T, severity: high, match: ["outcome=failure"], channels: [c], threshold: { count: 3, window: 5 minutes } }\n  channels:\n    c: { type: teams, url: "https://example.com/x" }\n',
      /bad\.yaml: alerting\.rules\[0\]\.threshold\.window: expected a duration like 5m/,
    ],
    [
      "a rule naming a channel that does not exist",
      'alerting:\n  rules:\n    - { id: r1, title: T, severity: high, match: ["outcome=failure"], channels: [pager], any: true }\n  channels:\n    c: { type: teams, url: "https://example.com/x" }\n',
      /bad\.yaml: alerting\.rules\[0\]\.channels\[0\]: expected one of the channels defined under alerting\.channels \(c\), got "pager"/,
    ],
    [
      "a filter that does not parse",
      'alerting:\n  rules:\n    - { id: r1, title: T, severity: high, match: ["outcome=failed"], channels: [c], any: true }\n  channels:\n    c: { type: teams, url: "https://example.com/x" }\n',
      /bad\.yaml: alerting\.rules\[0\]\.match\[0\]: .*outcome/,
    ],
    [
      "a channel of an unknown type",
      'alerting:\n  rules:\n    - { id: r1, title: T, severity: high, match: ["outcome=failure"], channels: [c], any: true }\n  channels:\n    c: { type: sms, url: "https://example.com/x" }\n',
      /bad\.yaml: alerting\.channels\.c\.type: expected/,
    ],
  ];
  for (const [what, text, message] of cases) {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, text);
    const r = runCli(["watch", "--home", home, "--config", file]);
    assert.notEqual(r.code, 0, what);
    assert.match(r.stderr, message, `${what}: ${r.stderr}`);
  }
});
