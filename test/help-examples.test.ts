/**
 * The documentation test of `--help`: every example at the end of a command's help (the `  $ …`
 * lines under `Examples:`) runs as shown, exit 0, in a directory holding a store with the
 * README's sample events (`sealtrail init`, then `sealtrail ingest events.ndjson`) and, for
 * the examples that name them, `events.ndjson` and the README's configuration files. Commands run in the order of the command tree, so
 * an example may use what an earlier command's example wrote (`verify-bundle` the report's bundle).
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { commandPath } from "../src/cli/help-examples.js";
import { buildProgram } from "../src/cli/program.js";
import { removeTempDirs, tempDir } from "./cli-harness.js";
import { readmeBlocks } from "./support/readme-commands.js";
import { runLine, type ShellResult, sealtrailBin, shellEnv } from "./support/shell-run.js";

const EVENTS = fileURLToPath(new URL("../../test/fixtures/readme/events.ndjson", import.meta.url));

/** The examples at the end of a command's help, as shown: the `  $ …` lines under `Examples:`. */
function helpExamples(command: Command): string[] {
  let text = "";
  command.configureOutput({
    writeOut: (s) => {
      text += s;
    },
  });
  command.outputHelp();
  return (text.split("\nExamples:\n")[1] ?? "")
    .split("\n")
    .filter((line) => line.startsWith("  $ "))
    .map((line) => line.slice(4));
}

function leaves(command: Command): Command[] {
  return command.commands.flatMap((c) => (c.commands.length > 0 ? leaves(c) : [c]));
}

function describeFailure(where: string, command: string, r: ShellResult): string {
  return (
    `${where}: ${command}\n→ ${r.timedOut ? "timed out" : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}\n` +
    `stdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`
  );
}

describe("the examples of every command's --help run as shown", () => {
  let work = "";
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    work = tempDir("sealtrail-help-");
    env = shellEnv(sealtrailBin(tempDir("sealtrail-help-tools-")), { HOME: work });
    cpSync(EVENTS, join(work, "events.ndjson"));
    // The README's own files (its configuration examples): examples may name them.
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const block of readmeBlocks(readme)) {
      for (const marker of block.markers) {
        if (marker.kind === "file") writeFileSync(join(work, marker.name), block.text);
      }
    }
    for (const setup of [
      "sealtrail init --origin help.example.com/audit",
      "sealtrail ingest events.ndjson",
    ]) {
      const r = await runLine(setup, { cwd: work, env });
      assert.equal(r.code, 0, describeFailure("setup", setup, r));
    }
  });
  after(removeTempDirs);

  test("every command but serve and watch has examples, and each exits 0", async () => {
    let ran = 0;
    const without: string[] = [];
    for (const command of leaves(buildProgram())) {
      const examples = helpExamples(command);
      if (examples.length === 0) without.push(commandPath(command));
      for (const example of examples) {
        const r = await runLine(example, { cwd: work, env });
        assert.equal(r.code, 0, describeFailure(`sealtrail ${commandPath(command)} --help`, example, r));
        ran++;
      }
    }
    // serve runs until stopped: the README shows it, under a long-running marker.
    assert.deepEqual(without.sort(), ["serve", "watch"], "commands whose --help has no examples");
    assert.ok(ran >= 30, `only ${ran} examples ran`);
  });
});
