/**
 * The CLI's text output shows times as people read them (no zero milliseconds, real ones kept),
 * and its machine output (JSON, NDJSON, export) keeps them exactly as stored.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cli, ingestFile, initStore, removeTempDirs, tempDir, writeNdjson } from "./cli-harness.js";

let home: string;

before(() => {
  home = tempDir("sealtrail-cli-times-");
  initStore(home);
  const file = `${home}.events.ndjson`;
  writeNdjson(file, [
    {
      action: "user.login",
      outcome: "failure",
      timestamp: "2026-11-22T10:15:00.000Z",
      actor: { id: "alice" },
    },
    { action: "user.login", outcome: "failure", timestamp: "2026-11-22T10:16:00.250Z", actor: { id: "bob" } },
  ]);
  ingestFile(home, file);
  cli(["keys", "create", "--home", home, "--role", "reader", "--name", "times"]);
});
after(removeTempDirs);

test("query, errors and keys list show times without zero milliseconds, keeping real ones", () => {
  for (const args of [["query"], ["errors"], ["keys", "list"]]) {
    const shown = cli([...args, "--home", home]).stdout;
    assert.doesNotMatch(shown, /\d{2}:\d{2}:\d{2}\.000Z/, `${args.join(" ")}: ${shown}`);
    assert.match(shown, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z/, `${args.join(" ")} shows times`);
  }
  const query = cli(["query", "--home", home]).stdout;
  assert.match(query, /2026-11-22T10:15:00Z /);
  assert.match(query, /2026-11-22T10:16:00\.250Z /);
  assert.match(cli(["errors", "--home", home]).stdout, /#\d+ 2026-11-22T10:15:00Z user\.login/);
});

test("machine output keeps times exactly as stored", () => {
  const ndjson = cli(["query", "--home", home, "--format", "ndjson"]).stdout;
  assert.match(ndjson, /"timestamp":"2026-11-22T10:15:00\.000Z"/);
  assert.match(cli(["export", "--home", home, "--format", "csv"]).stdout, /2026-11-22T10:15:00\.000Z/);
  assert.match(cli(["errors", "--home", home, "--json"]).stdout, /"2026-11-22T10:15:00\.000Z"/);
});
