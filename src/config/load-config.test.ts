// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's own syntax, written as it is.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { CONFIG_ENV, configLocation, type LoadConfigOptions, loadConfig } from "./load-config.js";

const dir = mkdtempSync(join(tmpdir(), "sealtrail-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes `text` to a new file named `name` in its own folder and returns its path. */
function file(text: string, name = "sealtrail.yaml"): string {
  const folder = join(dir, `f${files++}`);
  mkdirSync(folder);
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

/** The lines of the ST_ERR_CONFIG_INVALID error loading with `options` throws. */
function problems(options: LoadConfigOptions): string[] {
  try {
    loadConfig({ env: {}, ...options });
  } catch (error) {
    assert.ok(isSealtrailError(error, "ST_ERR_CONFIG_INVALID"), String(error));
    return error.message.split("\n");
  }
  assert.fail("the configuration was accepted");
}

describe("loadConfig: where the file is", () => {
  test("no file in the home: every default, and no file named in the source", () => {
    const home = mkdtempSync(join(dir, "home-"));
    const config = loadConfig({ home, env: {} });
    assert.equal(config.server.port, 7469);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.server.rate_limit, 60_000);
    assert.equal(config.storage.driver, "sqlite");
    assert.deepEqual(config.alerting, {
      rules: [],
      channels: {},
      sigma: [],
      sigma_fields: {},
      sigma_channels: [],
      sigma_cooldown: "15m",
      lateness: "10s",
      start_at: "end",
      give_up_after: "24h",
      delivery_timeout: "10s",
      schedules: [],
    });
    assert.equal(config.source.file, undefined);
    assert.equal(config.source.sha256, undefined);
  });

  test("the home's sealtrail.yaml, else $SEALTRAIL_CONFIG, else the path given: each wins over the one before", () => {
    const home = file("server:\n  port: 1001\n");
    const homeDir = join(home, "..");
    const fromEnv = file("server:\n  port: 1002\n");
    const given = file("server:\n  port: 1003\n");
    assert.equal(loadConfig({ home: homeDir, env: {} }).server.port, 1001);
    assert.equal(loadConfig({ env: { SEALTRAIL_HOME: homeDir } }).server.port, 1001);
    assert.equal(loadConfig({ home: homeDir, env: { [CONFIG_ENV]: fromEnv } }).server.port, 1002);
    assert.equal(
      loadConfig({ home: homeDir, path: given, env: { [CONFIG_ENV]: fromEnv } }).server.port,
      1003,
    );
    assert.deepEqual(configLocation({ home: homeDir, env: {} }), { file: home, named: false });
    assert.deepEqual(configLocation({ env: { [CONFIG_ENV]: fromEnv } }), { file: fromEnv, named: true });
  });

  test("a file named by --config or $SEALTRAIL_CONFIG must exist", () => {
    const missing = join(dir, "nope.yaml");
    assert.deepEqual(problems({ path: missing }), [
      `${missing}: expected a readable configuration file, got no such file`,
    ]);
    assert.deepEqual(problems({ env: { [CONFIG_ENV]: missing } }), [
      `${missing}: expected a readable configuration file, got no such file`,
    ]);
    assert.deepEqual(problems({ path: dir.concat("/") }), [
      `${dir}/: expected a readable configuration file, got a directory`,
    ]);
  });

  test("the file name says the format: .yaml, .yml or .json", () => {
    const conf = file("server: {}\n", "sealtrail.conf");
    assert.deepEqual(problems({ path: conf }), [
      `${conf}: expected a file name ending in .yaml, .yml or .json, got ".conf"`,
    ]);
    const yml = file("server:\n  port: 8080\n", "sealtrail.yml");
    assert.equal(loadConfig({ path: yml, env: {} }).server.port, 8080);
  });
});

describe("loadConfig: what the file says", () => {
  test("YAML and JSON give the same configuration, defaults filled in, with the SHA-256 of the bytes", () => {
    const yamlText =
      "server:\n  host: 0.0.0.0\n  port: 8443\n  limits:\n    ndjson_lines: 500\nstorage:\n  driver: memory\n";
    const jsonText = JSON.stringify({
      $schema: "../docs/schema/config.json",
      server: { host: "0.0.0.0", port: 8443, limits: { ndjson_lines: 500 } },
      storage: { driver: "memory" },
    });
    const fromYaml = loadConfig({ path: file(yamlText), env: {} });
    const fromJson = loadConfig({ path: file(jsonText, "sealtrail.json"), env: {} });
    const { source: a, ...settingsA } = fromYaml;
    const { source: b, ...settingsB } = fromJson;
    assert.deepEqual(settingsA, settingsB);
    assert.equal(fromYaml.server.port, 8443);
    assert.equal(fromYaml.server.limits.ndjson_lines, 500);
    assert.equal(fromYaml.server.limits.json_batch_events, 10_000, "a default beside a given setting");
    assert.equal(fromYaml.server.log_level, "warn");
    assert.equal(a.sha256, createHash("sha256").update(yamlText).digest("hex"));
    assert.equal(b.sha256, createHash("sha256").update(jsonText).digest("hex"));
  });

  test("the configuration is frozen all the way down", () => {
    const config = loadConfig({ path: file("server:\n  trust_proxy: [10.0.0.1]\n"), env: {} });
    assert.ok(
      Object.isFrozen(config) && Object.isFrozen(config.server) && Object.isFrozen(config.server.limits),
    );
    assert.throws(() => {
      (config.server as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => (config.server.trust_proxy as string[]).push("x"), TypeError);
  });

  test("every problem is reported, in the order of the file, each with its line", () => {
    const path = file(
      [
        "server:",
        '  port: "8080"',
        "  hots: 127.0.0.1",
        "  limits:",
        "    ndjson_lines: 0",
        "storage:",
        "  driver: postgres",
        "alerts: {}",
        "",
      ].join("\n"),
    );
    assert.deepEqual(problems({ path }), [
      `${path}: server.port: expected an integer from 1 to 65535, got "8080" (line 2)`,
      `${path}: server.hots: expected one of the keys host, port, trust_proxy, rate_limit, log_level, checkpoint_interval_ms, limits, got unknown key "hots" (did you mean "host"?) (line 3)`,
      `${path}: server.limits.ndjson_lines: expected an integer from 1 to 100000000, got 0 (line 5)`,
      `${path}: storage.driver: expected one of sqlite, memory, got "postgres" (line 7)`,
      `${path}: alerts: expected one of the sections server, storage, alerting, streams, privacy, retention, got unknown section "alerts" (did you mean "alerting"?) (line 8)`,
    ]);
  });

  test("the sections a later version defines take only an empty mapping", () => {
    const path = file("retention:\n  days: 30\n");
    assert.deepEqual(problems({ path }), [
      `${path}: retention.days: expected an empty mapping (a later version defines retention), got unknown key "days" (line 2)`,
    ]);
    assert.deepEqual(
      problems({ path: file("privacy: yes\n") }).map((l) => l.replace(/^.*?: /, "")),
      ['privacy: expected an empty mapping (a later version defines privacy), got "yes" (line 1)'],
    );
  });

  test("an empty file, a list and bad syntax are refused, naming the line", () => {
    const empty = file("# nothing here yet\n");
    assert.deepEqual(problems({ path: empty }), [
      `${empty}: expected a mapping of sections (write {} for every default), got an empty file`,
    ]);
    const list = file("- server\n");
    assert.deepEqual(problems({ path: list }), [
      `${list}: expected a mapping of sections (server, storage, alerting, streams, privacy, retention), got a list (line 1)`,
    ]);
    const yaml = file("server:\n  port: 1\n host: x\n");
    assert.match(
      problems({ path: yaml })[0] ?? "",
      /^.*sealtrail\.yaml: expected YAML, got a syntax error at column \d+: .* \(line 3\)$/,
    );
    const duplicate = file("server:\n  port: 1\n  port: 2\n");
    assert.match(
      problems({ path: duplicate })[0] ?? "",
      /expected YAML, got a syntax error at column 3: Map keys must be unique \(line 3\)$/,
    );
    const json = file('{\n  "server": { "port": 1, }\n}\n', "sealtrail.json");
    assert.deepEqual(problems({ path: json }), [
      `${json}: expected JSON, got a syntax error at column 26: Expected double-quoted property name (line 2)`,
    ]);
  });
});

describe("loadConfig: ${NAME} from the environment", () => {
  test("a whole value or part of a text; a whole value where a number is expected becomes one", () => {
    const path = file(
      'server:\n  host: "${BIND}"\n  port: ${PORT}\n  trust_proxy: ["${NET}/8", "$${literal}"]\n',
    );
    const config = loadConfig({ path, env: { BIND: "0.0.0.0", PORT: "9000", NET: "10.0.0.0" } });
    assert.equal(config.server.host, "0.0.0.0");
    assert.equal(config.server.port, 9000);
    assert.deepEqual(config.server.trust_proxy, ["10.0.0.0/8", "${literal}"]);
    assert.deepEqual(config.source.fromEnv, {
      "server.host": "BIND",
      "server.port": "PORT",
      "server.trust_proxy[0]": "NET",
    });
  });

  test("a variable that is not set is an error naming the path, the variable and the line", () => {
    const path = file("server:\n  host: ${BIND_ADDRESS}\n");
    assert.deepEqual(problems({ path }), [
      `${path}: server.host: expected the environment variable BIND_ADDRESS (named by \${BIND_ADDRESS}), got no such variable (line 2)`,
    ]);
    const malformed = file('server:\n  host: "${bind-address}"\n');
    assert.deepEqual(problems({ path: malformed }), [
      `${malformed}: server.host: expected \${NAME} with a NAME of letters, digits and _ (write $\${ for a literal \${), got "\${bind-address}" (line 2)`,
    ]);
  });

  test("a value from a variable is never quoted in a message", () => {
    const path = file("server:\n  port: ${PORT}\n");
    const lines = problems({ path, env: { PORT: "hunter2" } });
    assert.deepEqual(lines, [
      `${path}: server.port: expected an integer from 1 to 65535, got the value of \${PORT} (not shown) (line 2)`,
    ]);
  });

  test("a number written as text in the file itself is refused: only variables are converted", () => {
    const path = file('server:\n  port: "9000"\n');
    assert.deepEqual(problems({ path }), [
      `${path}: server.port: expected an integer from 1 to 65535, got "9000" (line 2)`,
    ]);
  });
});

describe("loadConfig: command-line flags override the file, which overrides the defaults", () => {
  const path = file("server:\n  port: 8000\n  rate_limit: 100\n");

  test("a flag given wins; a flag not given leaves the file's value; a setting in neither keeps its default", () => {
    const config = loadConfig({
      path,
      env: {},
      overrides: { server: { port: 0, host: undefined, log_level: "debug", trust_proxy: ["10.0.0.0/8"] } },
    });
    assert.equal(config.server.port, 0, "the flag over the file");
    assert.equal(config.server.rate_limit, 100, "the file over the default");
    assert.equal(config.server.log_level, "debug", "the flag over the default");
    assert.deepEqual(config.server.trust_proxy, ["10.0.0.0/8"]);
    assert.equal(config.server.host, "127.0.0.1", "the default: no flag, nothing in the file");
    assert.deepEqual(config.source.overridden, ["server.port", "server.log_level", "server.trust_proxy"]);
  });

  test("without flags the file decides", () => {
    const config = loadConfig({ path, env: {} });
    assert.equal(config.server.port, 8000);
    assert.deepEqual(config.source.overridden, []);
  });
});

test("an alert channel's secrets written in the file never appear in its errors", () => {
  const file = join(dir, "secrets.yaml");
  const slackUrl = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";
  writeFileSync(
    file,
    [
      "alerting:",
      "  channels:",
      `    chat: { type: slack, url: 12345 }`,
      `    hook: { type: webhook, url: "${slackUrl}", secret: 987654321 }`,
      `    pager: { type: pagerduty, routing_key: [R0UT1NGKEY] }`,
      "",
    ].join("\n"),
  );
  assert.throws(
    () => loadConfig({ path: file, env: {} }),
    (e) => {
      assert.ok(isSealtrailError(e, "ST_ERR_CONFIG_INVALID"));
      assert.match(e.message, /alerting\.channels\.hook\.secret: .*got a secret \(not shown\)/);
      assert.match(e.message, /alerting\.channels\.chat\.url: .*got a secret \(not shown\)/);
      for (const secret of ["12345", "987654321", "R0UT1NGKEY", "XXXXsecretXXXX"]) {
        assert.ok(!e.message.includes(secret), `the error shows ${secret}: ${e.message}`);
      }
      return true;
    },
  );
});
