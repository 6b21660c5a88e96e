// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's own syntax, written as it is.
/**
 * End-to-end: `sealtrail config check` on the real CLI. Ten broken files, each refused with exit 2
 * and a message naming the file, the setting and what was expected there; good files in YAML and
 * JSON pass with exit 0; `sealtrail serve` refuses to start on a broken file the same way.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { parse } from "yaml";
import { cli, describeRun, removeTempDirs, runCli, tempDir } from "./cli-harness.js";

after(removeTempDirs);

const root = tempDir("sealtrail-config-check-");
let n = 0;

/** Writes `text` as `name` in a folder of its own; returns its path. */
function configFile(text: string, name = "sealtrail.yaml"): string {
  const folder = join(root, `case-${n++}`);
  mkdirSync(folder);
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

/** The environment of the child process: no SEALTRAIL_* variables, plus `extra`. */
function envWith(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ["SEALTRAIL_HOME", "SEALTRAIL_SIGNING_KEY", "SEALTRAIL_CONFIG"]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

const SERVER_KEYS = "host, port, trust_proxy, rate_limit, log_level, checkpoint_interval_ms, limits";
const SECTIONS = "server, storage, alerting, streams, privacy, retention";

/** A broken file: its name, its text, and the exact problem (after "FILE: ") the check must print. */
const BROKEN: ReadonlyArray<{ what: string; name?: string; text: string; problem: string }> = [
  {
    what: "a port written as text",
    text: 'server:\n  port: "8080"\n',
    problem: 'server.port: expected an integer from 1 to 65535, got "8080" (line 2)',
  },
  {
    what: "a port out of range",
    text: "server:\n  host: 0.0.0.0\n  port: 70000\n",
    problem: "server.port: expected an integer from 1 to 65535, got 70000 (line 3)",
  },
  {
    what: "an unknown section",
    text: "servers:\n  port: 8080\n",
    problem: `servers: expected one of the sections ${SECTIONS}, got unknown section "servers" (did you mean "server"?) (line 1)`,
  },
  {
    what: "an unknown key in server",
    text: "server:\n  port: 8080\n  ratelimit: 10\n",
    problem: `server.ratelimit: expected one of the keys ${SERVER_KEYS}, got unknown key "ratelimit" (did you mean "rate_limit"?) (line 3)`,
  },
  {
    what: "bad YAML syntax",
    text: "server:\n  port: 8080\n    host: 0.0.0.0\n",
    problem:
      "expected YAML, got a syntax error at column 9: Nested mappings are not allowed in compact mappings (line 2)",
  },
  {
    what: "a missing environment variable",
    text: "server:\n  host: ${SEALTRAIL_TEST_UNSET_HOST}\n",
    problem:
      "server.host: expected the environment variable SEALTRAIL_TEST_UNSET_HOST (named by ${SEALTRAIL_TEST_UNSET_HOST}), got no such variable (line 2)",
  },
  {
    what: "a section of the wrong type",
    text: "storage: sqlite\n",
    problem: 'storage: expected a mapping of storage settings, got "sqlite" (line 1)',
  },
  {
    what: "JSON with a trailing comma",
    name: "sealtrail.json",
    text: '{\n  "server": {\n    "port": 8080,\n  }\n}\n',
    problem: "expected JSON, got a syntax error at column 3: Expected double-quoted property name (line 4)",
  },
  {
    what: "an empty file",
    text: "",
    problem: "expected a mapping of sections (write {} for every default), got an empty file",
  },
  {
    what: "an empty host",
    text: 'server:\n  host: ""\n',
    problem: 'server.host: expected a host name or IP address, got "" (line 2)',
  },
];

describe("sealtrail config check", () => {
  for (const { what, name, text, problem } of BROKEN) {
    test(`refuses ${what}: exit 2, naming the file, the setting and what was expected`, () => {
      const file = configFile(text, name);
      const args = ["config", "check", "--config", file];
      const r = runCli(args, { env: envWith() });
      assert.equal(r.code, 2, describeRun(args, r));
      assert.equal(r.stderr, `${file}: ${problem} [ST_ERR_CONFIG_INVALID]\n`, describeRun(args, r));
      assert.equal(r.stdout, "");
    });
  }

  test("prints every problem of a file, not just the first, in the order of the file", () => {
    const file = configFile('server:\n  port: "8080"\n  prot: 1\n  host: ""\nstorage:\n  driver: disk\n');
    const args = ["config", "check", "--config", file];
    const r = runCli(args, { env: envWith() });
    assert.equal(r.code, 2, describeRun(args, r));
    assert.deepEqual(r.stderr.trimEnd().split("\n"), [
      `${file}: server.port: expected an integer from 1 to 65535, got "8080" (line 2) [ST_ERR_CONFIG_INVALID]`,
      `${file}: server.prot: expected one of the keys ${SERVER_KEYS}, got unknown key "prot" (did you mean "port"?) (line 3) [ST_ERR_CONFIG_INVALID]`,
      `${file}: server.host: expected a host name or IP address, got "" (line 4) [ST_ERR_CONFIG_INVALID]`,
      `${file}: storage.driver: expected one of sqlite, memory, got "disk" (line 6) [ST_ERR_CONFIG_INVALID]`,
    ]);
  });

  test("a good YAML file: FILE: ok, exit 0; --print shows the configuration in force with secrets as ***", () => {
    const file = configFile(
      "# the production server\nserver:\n  host: ${BIND}\n  port: 8443\n  rate_limit: ${RATE}\n  limits:\n    json_batch_events: 500\nstorage:\n  driver: sqlite\nalerting: {}\n",
    );
    const env = envWith({ BIND: "10.20.30.40", RATE: "1200" });
    assert.equal(cli(["config", "check", "--config", file], 0, { env }).stdout, `${file}: ok\n`);
    const printed = cli(["config", "check", "--config", file, "--print"], 0, { env }).stdout;
    assert.ok(printed.startsWith(`${file}: ok\n# ${file} (sha256 `), printed);
    assert.doesNotMatch(printed, /10\.20\.30\.40|1200/, "values from variables are not shown");
    const shown = parse(printed.slice(printed.indexOf("\n") + 1)) as {
      server: Record<string, unknown> & { limits: Record<string, unknown> };
      storage: { driver: string };
    };
    assert.equal(shown.server.host, "***");
    assert.equal(shown.server.rate_limit, "***");
    assert.equal(shown.server.port, 8443);
    assert.equal(shown.server.log_level, "warn", "defaults are filled in");
    assert.equal(shown.server.limits.json_batch_events, 500);
    assert.equal(shown.server.limits.ndjson_lines, 100_000);
  });

  test("a good JSON file named by $SEALTRAIL_CONFIG passes; a missing one is an error", () => {
    const file = configFile(JSON.stringify({ server: { port: 8080 }, privacy: {} }), "sealtrail.json");
    assert.equal(
      cli(["config", "check"], 0, { env: envWith({ SEALTRAIL_CONFIG: file }) }).stdout,
      `${file}: ok\n`,
    );
    const missing = join(root, "missing.yaml");
    const r = runCli(["config", "check"], { env: envWith({ SEALTRAIL_CONFIG: missing }) });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `${missing}: expected a readable configuration file, got no such file [ST_ERR_CONFIG_INVALID]\n`,
    );
  });

  test("the home's sealtrail.yaml is the default; no file there means every default", () => {
    const home = join(root, "home");
    mkdirSync(home);
    const expected = join(home, "sealtrail.yaml");
    assert.equal(
      cli(["config", "check", "--home", home], 0, { env: envWith() }).stdout,
      `${expected}: ok (no such file: every setting takes its default)\n`,
    );
    writeFileSync(expected, "server:\n  port: 0\n");
    const r = runCli(["config", "check", "--home", home], { env: envWith({ SEALTRAIL_HOME: root }) });
    assert.equal(r.code, 2, "--home wins over $SEALTRAIL_HOME");
    assert.equal(
      r.stderr,
      `${expected}: server.port: expected an integer from 1 to 65535, got 0 (line 2) [ST_ERR_CONFIG_INVALID]\n`,
    );
  });
});

describe("sealtrail serve with a configuration file", () => {
  test("refuses to start on a broken file: exit 2 with every problem, nothing listening", () => {
    const home = join(root, "serve-broken");
    mkdirSync(home);
    const file = join(home, "sealtrail.yaml");
    writeFileSync(file, "server:\n  port: 70000\n  rate_limit: -1\n");
    const args = ["serve", "--home", home];
    const r = runCli(args, { env: envWith() });
    assert.equal(r.code, 2, describeRun(args, r));
    assert.equal(r.stdout, "", "it never listened");
    assert.equal(
      r.stderr,
      `sealtrail: ${file}: server.port: expected an integer from 1 to 65535, got 70000 (line 2) [ST_ERR_CONFIG_INVALID]\n` +
        `sealtrail: ${file}: server.rate_limit: expected an integer from 0 to 100000000, got -1 (line 3) [ST_ERR_CONFIG_INVALID]\n`,
    );
  });

  test("refuses storage.driver memory: it keeps its store in the home", () => {
    const home = join(root, "serve-memory");
    mkdirSync(home);
    const file = join(home, "sealtrail.yaml");
    writeFileSync(file, "storage:\n  driver: memory\n");
    cli(["config", "check", "--home", home], 0, { env: envWith() });
    const args = ["serve", "--home", home, "--port", "0"];
    const r = runCli(args, { env: envWith() });
    assert.equal(r.code, 2, describeRun(args, r));
    assert.equal(
      r.stderr,
      `sealtrail: ${file}: storage.driver: expected sqlite (sealtrail serve keeps its store in the home), got "memory" [ST_ERR_CONFIG_INVALID]\n`,
    );
  });

  test("a home holding only its sealtrail.yaml can be initialized", () => {
    const home = join(root, "init-with-config");
    mkdirSync(home);
    writeFileSync(join(home, "sealtrail.yaml"), "server:\n  port: 8080\n");
    const r = cli(["init", "--home", home, "--origin", "e2e.example/config"], 0, { env: envWith() });
    assert.match(r.stdout, /^Created store in /);
  });
});
