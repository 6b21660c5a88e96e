// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's own syntax, written as it is.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { parse } from "yaml";
import { configChanges, configText, redactedSettings } from "./config-changes.js";
import { loadConfig } from "./load-config.js";

const dir = mkdtempSync(join(tmpdir(), "sealtrail-config-changes-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function load(text: string, env: Record<string, string> = {}) {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, text);
  return loadConfig({ path, env });
}

describe("configChanges", () => {
  test("lists the settings that differ, split into those applied live and those that wait for a restart", () => {
    const before = load("server:\n  port: 8000\n  rate_limit: 100\n");
    const after = load(
      "server:\n  port: 8001\n  rate_limit: 200\n  log_level: info\n  limits:\n    json_body_bytes: 2048\n    ndjson_lines: 7\nstorage:\n  driver: memory\n",
    );
    assert.deepEqual(configChanges(before, after), {
      changed: [
        "server.port",
        "server.rate_limit",
        "server.log_level",
        "server.limits.json_body_bytes",
        "server.limits.ndjson_lines",
        "storage.driver",
      ],
      live: ["server.rate_limit", "server.log_level", "server.limits.ndjson_lines"],
      restart: ["server.port", "server.limits.json_body_bytes", "storage.driver"],
    });
  });

  test("nothing differs between a file and the same settings written otherwise", () => {
    const a = load("server:\n  port: 8000\n");
    const b = load("# the same, with a default spelt out\nserver: { port: 8000, host: 127.0.0.1 }\n");
    assert.deepEqual(configChanges(a, b), { changed: [], live: [], restart: [] });
    assert.deepEqual(configChanges(a, load("server:\n  trust_proxy: [10.0.0.1]\n  port: 8000\n")).changed, [
      "server.trust_proxy",
    ]);
  });
});

describe("redactedSettings and configText", () => {
  test("values from environment variables are shown as ***, everything else as resolved", () => {
    const config = load('server:\n  host: ${BIND}\n  trust_proxy: ["10.0.0.1", "${PROXY}"]\n', {
      BIND: "10.1.2.3",
      PROXY: "192.0.2.7",
    });
    const settings = redactedSettings(config);
    assert.equal(settings.server.host, "***");
    assert.deepEqual(settings.server.trust_proxy, ["10.0.0.1", "***"]);
    assert.equal(settings.server.port, 7469);
    assert.equal("source" in settings, false);

    const text = configText(config);
    assert.doesNotMatch(text, /10\.1\.2\.3|192\.0\.2\.7/);
    assert.match(text, new RegExp(`^# ${config.source.file} \\(sha256 ${config.source.sha256}\\)\n`));
    assert.deepEqual(parse(text), settings);
  });
});

test("an alert channel's secrets written inline are *** in the recorded and printed configuration", () => {
  const hook = "https://hooks.slack.com/services/T000/B000/InlineSecretToken";
  const config = load(
    [
      "alerting:",
      "  channels:",
      `    chat: { type: slack, url: "${hook}" }`,
      '    soc: { type: webhook, url: "https://soc.example/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", secrets: ["whsec_b2xkb2xkb2xkb2xkb2xkb2xkb2xk"] }',
      '    pager: { type: pagerduty, routing_key: "R0UTINGKEY0123456789012345678901" }',
      "",
    ].join("\n"),
  );
  const settings = redactedSettings(config) as unknown as {
    alerting: { channels: Record<string, Record<string, unknown>> };
  };
  assert.equal(settings.alerting.channels.chat?.url, "***");
  assert.equal(settings.alerting.channels.soc?.secret, "***");
  assert.equal(settings.alerting.channels.soc?.secrets, "***");
  assert.equal(settings.alerting.channels.pager?.routing_key, "***");
  assert.equal(settings.alerting.channels.chat?.type, "slack", "what is not secret stays");
  const text = `${JSON.stringify(settings)}\n${configText(config)}`;
  for (const secret of ["InlineSecretToken", "MfKQ9r8GKYqr", "b2xkb2xk", "R0UTINGKEY"]) {
    assert.ok(!text.includes(secret), `${secret} shown`);
  }
});
