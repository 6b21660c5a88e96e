/**
 * End-to-end: a `sealtrail serve` child process started with a configuration file, reloaded with
 * SIGHUP. A changed rate limit takes effect on the running server, a changed setting that needs a
 * restart is reported as such, the change is recorded in the log (read back over the HTTP API),
 * and a broken file leaves the server running with the configuration it had, with the problems
 * on stderr and the rejection recorded too. Command-line flags keep overriding the file.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { cli, initStore, removeTempDirs, tempDir } from "./cli-harness.js";
import { type ServeProcess, startServeProcess } from "./support/serve-process.js";

after(removeTempDirs);

/** Sends SIGHUP and waits until the server has reported its `count`-th reload on stderr. */
async function hangUp(server: ServeProcess, count: number): Promise<string> {
  server.child.kill("SIGHUP");
  const reports = () => server.stderr().match(/^sealtrail: SIGHUP: /gm)?.length ?? 0;
  for (let waited = 0; reports() < count; waited += 25) {
    if (waited > 30_000) assert.fail(`no report of reload ${count} on stderr:\n${server.stderr()}`);
    if (server.child.exitCode !== null) assert.fail(`serve exited on SIGHUP:\n${server.stderr()}`);
    await sleep(25);
  }
  // Everything printed for this reload: from its report line on.
  const all = server.stderr();
  const starts = [...all.matchAll(/^sealtrail: SIGHUP: /gm)].map((m) => m.index);
  return all.slice(starts[count - 1]);
}

interface Event {
  seq: number;
  action: string;
  outcome: string;
  category: string;
  target: { type: string; id: string };
  details: Record<string, unknown>;
  error?: { code: string };
}

async function configEvents(url: string, key: string): Promise<Event[]> {
  const res = await fetch(`${url}/v1/events?action=audit_log.config_*&order=asc`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { events: Event[] }).events;
}

/** The rate limit the server applies now, as its answer to an authenticated request says. */
async function rateLimit(url: string, key: string): Promise<string | null> {
  const res = await fetch(`${url}/v1/checkpoint`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  return res.headers.get("x-ratelimit-limit");
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

test("SIGHUP reloads the configuration of a running server: live changes apply, a broken file changes nothing", async (t) => {
  const home = join(tempDir("sealtrail-config-reload-"), "home");
  initStore(home, "e2e.example/config-reload");
  const key = (
    JSON.parse(cli(["keys", "create", "--home", home, "--role", "auditor", "--json"]).stdout) as {
      key: string;
    }
  ).key;
  const file = join(home, "sealtrail.yaml");
  const first = "server:\n  port: 7469\n  rate_limit: 1000\n  log_level: error\n";
  writeFileSync(file, first);

  // --port 0 overrides the file's port (and keeps overriding it after every reload).
  const server = await startServeProcess(["--home", home, "--port", "0"]);
  t.after(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
    await server.exited;
  });
  assert.notEqual(new URL(server.url).port, "7469");
  assert.equal(await rateLimit(server.url, key), "1000", "the file's rate limit");

  const [loaded] = await configEvents(server.url, key);
  assert.equal(loaded?.action, "audit_log.config_loaded");
  assert.equal(loaded?.category, "configuration");
  assert.deepEqual(loaded?.target, { type: "configuration", id: file });
  assert.equal(loaded?.details.sha256, sha256(first));
  assert.deepEqual(loaded?.details.overridden, ["server.port"]);
  const inForce = loaded?.details.settings as { server: { rate_limit: number; port: number } };
  assert.deepEqual([inForce.server.rate_limit, inForce.server.port], [1000, 0], "the settings in force");

  // A live change and one that needs a restart.
  const second =
    "server:\n  port: 7469\n  rate_limit: 2000\n  log_level: error\n  limits:\n    json_body_bytes: 65536\n";
  writeFileSync(file, second);
  const report = await hangUp(server, 1);
  assert.equal(
    report,
    `sealtrail: SIGHUP: reloaded ${file}: applied server.rate_limit\n` +
      "sealtrail: warning: server.limits.json_body_bytes changed; the change takes effect when sealtrail serve restarts\n",
  );
  assert.equal(await rateLimit(server.url, key), "2000", "the new rate limit, without a restart");
  const changed = (await configEvents(server.url, key)).filter(
    (e) => e.action === "audit_log.config_changed",
  );
  assert.equal(changed.length, 1);
  assert.equal(changed[0]?.outcome, "success");
  assert.deepEqual(changed[0]?.details, {
    pid: server.child.pid,
    file,
    sha256: sha256(second),
    previous_sha256: sha256(first),
    changed: ["server.rate_limit", "server.limits.json_body_bytes"],
    applied: ["server.rate_limit"],
    at_restart: ["server.limits.json_body_bytes"],
    settings: changed[0]?.details.settings,
  });
  const after = changed[0]?.details.settings as { server: { rate_limit: number } } | undefined;
  assert.equal(after?.server.rate_limit, 2000, "the settings in force after the change");

  // A broken file: reported, recorded, and the server keeps the configuration it had.
  const broken = 'server:\n  port: "http"\n  rate_limit: 5\n  log_levle: debug\n';
  writeFileSync(file, broken);
  const refused = await hangUp(server, 2);
  assert.equal(
    refused,
    `sealtrail: SIGHUP: ${file} is not valid; still running with the configuration loaded before\n` +
      `sealtrail: ${file}: server.port: expected an integer from 1 to 65535, got "http" (line 2)\n` +
      `sealtrail: ${file}: server.log_levle: expected one of the keys host, port, trust_proxy, rate_limit, log_level, checkpoint_interval_ms, limits, got unknown key "log_levle" (did you mean "log_level"?) (line 4)\n`,
  );
  assert.equal(server.child.exitCode, null, "still running");
  assert.equal(
    await rateLimit(server.url, key),
    "2000",
    "the rate limit of the last good file, not the broken one's 5",
  );
  const rejected = (await configEvents(server.url, key))
    .filter((e) => e.action === "audit_log.config_changed")
    .at(-1);
  assert.equal(rejected?.outcome, "failure");
  assert.equal(rejected?.error?.code, "ST_ERR_CONFIG_INVALID");
  assert.deepEqual(rejected?.details, {
    pid: server.child.pid,
    file,
    sha256: sha256(broken),
    paths: ["server.port", "server.log_levle"],
  });

  // Fixed again: the reload compares with the last good configuration, the rate limit changes once more.
  writeFileSync(
    file,
    "server:\n  rate_limit: 3000\n  log_level: error\n  limits:\n    json_body_bytes: 65536\n",
  );
  assert.match(await hangUp(server, 3), /^sealtrail: SIGHUP: reloaded .*: applied server\.rate_limit\n/);
  assert.equal(await rateLimit(server.url, key), "3000");

  server.child.kill("SIGTERM");
  assert.deepEqual(await server.exited, { code: 0, signal: null });
});
