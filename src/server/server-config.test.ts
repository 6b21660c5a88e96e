// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's own syntax, written as it is.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type LoadConfigOptions, loadConfig } from "../config/load-config.js";
import type { AuditEvent } from "../event/audit-event.js";
import { type RunningServer, startServer } from "./serve.js";
import { describeReload, reloadConfig, serveOptionsFrom } from "./server-config.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A served home with `sealtrail.yaml` holding `text`, started on a free port as `sealtrail serve` starts. */
async function serving(
  text: string,
): Promise<{ server: RunningServer; file: string; options: LoadConfigOptions }> {
  const home = mkdtempSync(join(tmpdir(), "sealtrail-server-config-"));
  dirs.push(home);
  const file = join(home, "sealtrail.yaml");
  writeFileSync(file, text);
  const options: LoadConfigOptions = { home, env: {}, overrides: { server: { port: 0 } } };
  const config = loadConfig(options);
  const server = await startServer({ home, ...serveOptionsFrom(config), recordLifecycle: true });
  return { server, file, options };
}

async function configEvents(server: RunningServer): Promise<AuditEvent[]> {
  const page = await server.log.query(["action=audit_log.config_*"], { order: "asc" });
  return page.events;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

test("serveOptionsFrom: the server section as the options startServer takes", () => {
  const home = mkdtempSync(join(tmpdir(), "sealtrail-server-config-"));
  dirs.push(home);
  writeFileSync(
    join(home, "sealtrail.yaml"),
    "server:\n  host: 0.0.0.0\n  port: 8443\n  rate_limit: 7\n  trust_proxy: [10.0.0.0/8]\n  checkpoint_interval_ms: 0\n  limits: { json_body_bytes: 2048, json_batch_events: 3, ndjson_lines: 4 }\n",
  );
  const config = loadConfig({ home, env: {} });
  assert.deepEqual(serveOptionsFrom(config), {
    host: "0.0.0.0",
    port: 8443,
    limits: { jsonBodyBytes: 2048, jsonBatchEvents: 3, ndjsonLines: 4, requestsPerMinute: 7 },
    checkpointIntervalMs: 0,
    trustProxy: ["10.0.0.0/8"],
    config,
  });
});

test("the start records the configuration loaded: its file, SHA-256 and the settings given as flags", async () => {
  const text = "server:\n  rate_limit: 100\n";
  const { server, file } = await serving(text);
  try {
    const [loaded, ...rest] = await configEvents(server);
    assert.equal(rest.length, 0);
    assert.equal(loaded?.action, "audit_log.config_loaded");
    assert.equal(loaded?.outcome, "success");
    assert.equal(loaded?.category, "configuration");
    assert.deepEqual(loaded?.target, { type: "configuration", id: file });
    const settings = loaded?.details?.settings as { server: Record<string, unknown>; storage: unknown };
    assert.deepEqual(loaded?.details, {
      pid: process.pid,
      file,
      sha256: sha256(text),
      from_env: [],
      overridden: ["server.port"],
      settings,
    });
    assert.equal(settings.server.rate_limit, 100, "the settings in force");
    assert.equal(settings.server.port, 0);
    assert.deepEqual(settings.storage, { driver: "sqlite" });
  } finally {
    await server.close();
  }
});

test("every start records the configuration in force, without a file too, and never a value from the environment", async () => {
  const home = mkdtempSync(join(tmpdir(), "sealtrail-server-config-"));
  dirs.push(home);
  const defaults = loadConfig({ home, env: {}, overrides: { server: { port: 0 } } });
  assert.equal(defaults.source.file, undefined);
  for (const start of [1, 2]) {
    const server = await startServer({ home, ...serveOptionsFrom(defaults), recordLifecycle: true });
    try {
      const loaded = await configEvents(server);
      assert.equal(loaded.length, start, "one record per start");
      assert.equal(loaded.at(-1)?.target?.id, "(no file: defaults)");
      const settings = loaded.at(-1)?.details?.settings as { server: { port: number } } | undefined;
      assert.equal(settings?.server.port, 0);
    } finally {
      await server.close();
    }
  }

  const file = join(home, "sealtrail.yaml");
  writeFileSync(file, "server:\n  rate_limit: ${RATE}\n");
  const secret = loadConfig({ home, env: { RATE: "987654" }, overrides: { server: { port: 0 } } });
  assert.equal(secret.server.rate_limit, 987_654);
  const server = await startServer({ home, ...serveOptionsFrom(secret), recordLifecycle: true });
  try {
    const loaded = (await configEvents(server)).at(-1);
    assert.deepEqual(loaded?.details?.from_env, ["server.rate_limit"]);
    const settings = loaded?.details?.settings as { server: { rate_limit: unknown } } | undefined;
    assert.equal(settings?.server.rate_limit, "***");
    assert.doesNotMatch(
      JSON.stringify(loaded),
      /987654|987,654/,
      "the value from the environment is not recorded",
    );
  } finally {
    await server.close();
  }
});

test("a reload applies live settings at once, reports the others for the restart, and records the change", async () => {
  const { server, file, options } = await serving("server:\n  rate_limit: 100\n");
  try {
    const before = loadConfig(options);
    const text =
      "server:\n  rate_limit: 250\n  log_level: debug\n  host: 0.0.0.0\n  limits:\n    ndjson_lines: 9\n";
    writeFileSync(file, text);
    const outcome = await reloadConfig(server, before, () => loadConfig(options));
    assert.equal(outcome.status, "changed");
    assert.equal(server.app.log.level, "debug");
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.headers.get("x-ratelimit-limit"), "250");
    assert.match(
      describeReload(outcome),
      /^sealtrail: SIGHUP: reloaded .*sealtrail\.yaml: applied server\.rate_limit, server\.log_level, server\.limits\.ndjson_lines\nsealtrail: warning: server\.host changed; the change takes effect when sealtrail serve restarts\n$/,
    );
    const changed = (await configEvents(server)).at(-1);
    assert.equal(changed?.action, "audit_log.config_changed");
    assert.equal(changed?.outcome, "success");
    assert.deepEqual(changed?.details, {
      pid: process.pid,
      file,
      sha256: sha256(text),
      previous_sha256: before.source.sha256,
      changed: ["server.host", "server.rate_limit", "server.log_level", "server.limits.ndjson_lines"],
      applied: ["server.rate_limit", "server.log_level", "server.limits.ndjson_lines"],
      at_restart: ["server.host"],
      settings: changed?.details?.settings,
    });
    const now = changed?.details?.settings as { server: Record<string, unknown> };
    assert.equal(now.server.rate_limit, 250, "the settings in force after the change");
    assert.equal(now.server.host, "0.0.0.0", "those that wait for a restart included");
  } finally {
    await server.close();
  }
});

test("a reload of the same file changes and records nothing", async () => {
  const { server, options } = await serving("server:\n  rate_limit: 100\n");
  try {
    const before = await configEvents(server);
    const outcome = await reloadConfig(server, loadConfig(options), () => loadConfig(options));
    assert.equal(outcome.status, "unchanged");
    assert.match(describeReload(outcome), /sealtrail\.yaml: unchanged\n$/);
    assert.equal((await configEvents(server)).length, before.length);
  } finally {
    await server.close();
  }
});

test("a reload of a file that is not valid keeps the configuration in use and records the rejection", async () => {
  const { server, file, options } = await serving("server:\n  rate_limit: 100\n");
  try {
    const before = loadConfig(options);
    const text = 'server:\n  rate_limit: "lots"\n  prot: 1\n';
    writeFileSync(file, text);
    const outcome = await reloadConfig(server, before, () => loadConfig(options));
    assert.equal(outcome.status, "rejected");
    assert.equal(outcome.config, before);
    assert.equal((await fetch(`${server.url}/healthz`)).headers.get("x-ratelimit-limit"), "100");
    assert.equal(
      describeReload(outcome),
      [
        `sealtrail: SIGHUP: ${file} is not valid; still running with the configuration loaded before`,
        `sealtrail: ${file}: server.rate_limit: expected an integer from 0 to 100000000, got "lots" (line 2)`,
        `sealtrail: ${file}: server.prot: expected one of the keys host, port, trust_proxy, rate_limit, log_level, checkpoint_interval_ms, limits, got unknown key "prot" (did you mean "port"?) (line 3)`,
        "",
      ].join("\n"),
    );
    const rejected = (await configEvents(server)).at(-1);
    assert.equal(rejected?.action, "audit_log.config_changed");
    assert.equal(rejected?.outcome, "failure");
    assert.equal(rejected?.error?.code, "ST_ERR_CONFIG_INVALID");
    assert.deepEqual(rejected?.details, {
      pid: process.pid,
      file,
      sha256: sha256(text),
      paths: ["server.rate_limit", "server.prot"],
    });
    assert.doesNotMatch(JSON.stringify(rejected), /lots/, "no value of the file is recorded");
  } finally {
    await server.close();
  }
});
