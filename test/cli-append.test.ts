/**
 * `sealtrail append` takes its event as the argument, on standard input (piped, or `-`), or with
 * `--json`: the README records a log review with `sealtrail append '{…}'`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli, describeRun, exportLines, initStore, removeTempDirs, runCli, tempDir } from "./cli-harness.js";

describe("sealtrail append", () => {
  let home = "";

  before(() => {
    home = join(tempDir(), "home");
    initStore(home);
  });
  after(removeTempDirs);

  test("stores the event given as the argument, on standard input, with - and with --json", () => {
    const before = exportLines(home).length;
    const review = (by: string) =>
      JSON.stringify({ action: "audit_log.review", actor: { id: by, type: "user" } });
    const runs: Array<{ args: string[]; input?: string }> = [
      { args: ["append", review("arg")] },
      { args: ["append"], input: `${review("pipe")}\n` },
      { args: ["append", "-"], input: review("dash") },
      { args: ["append", "--json", review("flag")] },
    ];
    for (const { args, input } of runs) {
      const r = cli([...args, "--home", home], 0, input === undefined ? {} : { input });
      const receipt = JSON.parse(r.stdout) as { seq: number; id: string; duplicate: boolean };
      assert.equal(receipt.duplicate, false, describeRun(args, r));
    }
    const stored = exportLines(home)
      .slice(before)
      .map((line) => JSON.parse(line) as { action: string; actor: { id: string } });
    assert.deepEqual(
      stored.map((e) => [e.action, e.actor.id]),
      ["arg", "pipe", "dash", "flag"].map((by) => ["audit_log.review", by]),
    );
  });

  test("the event given twice, or not at all, exits 2 saying how to give it; nothing is stored", () => {
    const before = exportLines(home).length;
    const twice = ["append", '{"action":"a.b"}', "--json", '{"action":"a.b"}', "--home", home];
    const r1 = runCli(twice);
    assert.equal(r1.code, 2, describeRun(twice, r1));
    assert.match(r1.stderr, /given twice.*\[ST_ERR_USAGE\]/);
    const none = ["append", "--home", home];
    const r2 = runCli(none, { input: "" });
    assert.equal(r2.code, 2, describeRun(none, r2));
    assert.match(r2.stderr, /standard input: expected an event as JSON.*--json/);
    const notJson = ["append", "{action: a.b}", "--home", home];
    const r3 = runCli(notJson);
    assert.equal(r3.code, 2, describeRun(notJson, r3));
    assert.match(r3.stderr, /the event argument: invalid JSON.*\[ST_ERR_EVENT_JSON\]/);
    assert.equal(exportLines(home).length, before);
  });
});
