/**
 * A command loads what it uses, and nothing else: `append`, `query` and `pubkey` — which scripts
 * run once per step, paying start-up each time —, `performance` and `--help` never load the server, the report
 * renderers, the YAML parser or the JSON Schema compiler; `--help` does not even open a store,
 * and `append` starts no thread. A program that imports the library to append loads none of the
 * heavy optional parts either. What each process loads is recorded by a preloaded module
 * (test/support/module-recorder.ts), so these checks need no timing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CLI, cli, initStore, removeTempDirs, tempDir } from "./cli-harness.js";

after(removeTempDirs);

const RECORDER = fileURLToPath(new URL("./support/module-recorder.js", import.meta.url));
const LIBRARY = pathToFileURL(fileURLToPath(new URL("../src/index.js", import.meta.url))).href;

/** Packages only reports, the server, configuration files, progress bars or alert channels need. */
const HEAVY_PACKAGES =
  /\/node_modules\/(pdfkit|fontkit|exceljs|fastify|@fastify\/[^/]+|prom-client|yaml|csv-stringify|cli-progress|tar-stream|nodemailer|standardwebhooks|validator)\//;
/** The JSON Schema compiler: validators are generated at build time; only ajv's small runtime helpers may load. */
const SCHEMA_COMPILER = /\/node_modules\/ajv\/(?!dist\/runtime\/)/;
/** Our own heavy parts. */
const HEAVY_MODULES = /\/dist\/src\/(server|reports|report-pipeline|compliance|metrics)\//;
/** What opening a store loads. */
const STORE =
  /\/node_modules\/better-sqlite3\/|\/dist\/src\/(audit-log\.js|ingest\/|storage\/sqlite\/sqlite-(driver|storage)\.js)/;
/** The configuration loader: option descriptions need only its constants. */
const CONFIG_LOADER = /\/dist\/src\/config\/(?!config-file\.js$)/;
/** The threads a long-running writer starts. */
const WRITER_THREADS = /\/dist\/src\/storage\/sqlite\/(sqlite-writer|wal-checkpointer)\.js$/;

/** Runs `node ARGS` with the recorder preloaded; returns every module URL it loaded. */
function loadedBy(args: readonly string[]): string[] {
  const record = join(tempDir(), "modules.txt");
  const env: NodeJS.ProcessEnv = { ...process.env, MODULE_RECORD_FILE: record };
  delete env.SEALTRAIL_HOME;
  delete env.SEALTRAIL_CONFIG;
  const result = spawnSync(process.execPath, ["--import", pathToFileURL(RECORDER).href, ...args], {
    encoding: "utf8",
    env,
  });
  assert.equal(result.status, 0, `node ${args.join(" ")}: ${result.stderr}`);
  return [...new Set(readFileSync(record, "utf8").split("\n").filter(Boolean))];
}

function assertNone(loaded: readonly string[], pattern: RegExp, what: string, run: string): void {
  const found = loaded.filter((url) => pattern.test(url));
  assert.deepEqual(found, [], `${run} loaded ${what}`);
}

function initializedHome(): string {
  const home = join(tempDir(), "home");
  initStore(home);
  cli(["append", "--home", home, "--json", '{"action":"user.login","actor":{"id":"alice"}}']);
  return home;
}

test("append, query, pubkey and performance load neither the server, the reports, YAML nor the schema compiler", () => {
  const home = initializedHome();
  const runs: string[][] = [
    ["append", "--home", home, "--json", '{"action":"deploy.step","actor":{"id":"ci"}}'],
    ["query", "--home", home, "action=user.*"],
    ["pubkey", "--home", home],
    ["performance", "--home", home, "--by", "actor.id"],
  ];
  for (const args of runs) {
    const run = `sealtrail ${args[0]}`;
    const loaded = loadedBy([CLI, ...args]);
    // The record is complete: the CLI's own modules and the store's CommonJS driver are in it.
    assert.ok(
      loaded.some((url) => url.endsWith("/dist/src/cli/main.js")),
      `${run}: the recorder saw the CLI`,
    );
    assert.ok(
      loaded.some((url) => url.includes("/node_modules/better-sqlite3/")),
      `${run}: the recorder saw CommonJS`,
    );
    assertNone(loaded, HEAVY_PACKAGES, "a package it does not use", run);
    assertNone(loaded, SCHEMA_COMPILER, "the JSON Schema compiler", run);
    assertNone(loaded, HEAVY_MODULES, "the server or the reports", run);
    if (args[0] === "append") assertNone(loaded, WRITER_THREADS, "a writer thread", run);
  }
});

test("--help loads the command definitions only, not the store nor the configuration loader", () => {
  for (const args of [
    ["--help"],
    ["append", "--help"],
    ["performance", "--help"],
    ["report", "--help"],
    ["serve", "--help"],
  ]) {
    const run = `sealtrail ${args.join(" ")}`;
    const loaded = loadedBy([CLI, ...args]);
    assert.ok(
      loaded.some((url) => url.includes("/node_modules/commander/")),
      `${run}: the recorder saw commander`,
    );
    assertNone(loaded, HEAVY_PACKAGES, "a package it does not use", run);
    assertNone(loaded, SCHEMA_COMPILER, "the JSON Schema compiler", run);
    assertNone(loaded, HEAVY_MODULES, "the server or the reports", run);
    assertNone(loaded, STORE, "the store", run);
    assertNone(loaded, CONFIG_LOADER, "the configuration loader", run);
  }
});

test("a program that imports the library to append loads none of its heavy optional parts", () => {
  const home = initializedHome();
  const program = `
    import { AuditLog } from ${JSON.stringify(LIBRARY)};
    const log = await AuditLog.open({ home: ${JSON.stringify(home)}, checkpointIntervalMs: 0 });
    await log.append({ action: "crm.update", actor: { id: "sync" } });
    await log.query(["action=crm.update"]);
    await log.close();
  `;
  const run = "import { AuditLog } from 'sealtrail'";
  const script = join(tempDir(), "append.mjs");
  writeFileSync(script, program);
  const loaded = loadedBy([script]);
  assert.ok(loaded.includes(LIBRARY), `${run}: the recorder saw the library`);
  assertNone(loaded, HEAVY_PACKAGES, "a package it does not use", run);
  assertNone(loaded, SCHEMA_COMPILER, "the JSON Schema compiler", run);
  assertNone(loaded, /\/dist\/src\/(reports|report-pipeline|compliance|metrics)\//, "the reports", run);
  // The server's entry points are exported, and light; the service itself loads when it is built.
  const service = /\/dist\/src\/server\/(?!(serve|server-config|config-events|server-context|load-app)\.js$)/;
  assertNone(loaded, service, "the HTTP service", run);
});
