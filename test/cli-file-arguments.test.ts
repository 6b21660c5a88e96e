/**
 * Every file a command names — input or output, argument or option — that is missing, a
 * directory, or in a directory that does not exist stops the command with exit 2 and one line
 * naming the option, the file and a registry code: never a raw `ENOENT`, a stack trace, or a
 * report half written. The cases are checked against the command tree, so that a file option
 * added later without a case fails here.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Command } from "commander";
import { buildProgram } from "../src/cli/program.js";
import { describeRun, initStore, removeTempDirs, runCli, tempDir } from "./cli-harness.js";

/** Options and arguments that name files, as `command path option` ("report --out", "ingest <file>"). */
function fileParameters(command: Command, path: string[] = []): string[] {
  const here = [...path, command.name()].slice(1).join(" ");
  const own = [
    ...command.options
      .filter((o) => /<(file|path)>/.test(o.flags) || o.long === "--framework")
      .map((o) => `${here} ${o.long}`),
    ...command.registeredArguments.filter((a) => a.name() === "file").map(() => `${here} <file>`),
  ];
  return [...own, ...command.commands.flatMap((c) => fileParameters(c, [...path, command.name()]))];
}

describe("file arguments of the command line", () => {
  let dir = "";
  let home = "";
  let missing = "";
  let aDirectory = "";
  let noDirectory = "";

  before(() => {
    dir = tempDir();
    home = join(dir, "home");
    initStore(home);
    missing = join(dir, "no-such-file.json");
    aDirectory = join(dir, "a-directory");
    mkdirSync(aDirectory);
    noDirectory = join(dir, "no-such-directory", "out.file");
  });
  after(removeTempDirs);

  /** [the parameter, the arguments, the code expected]; every command but verify-bundle gets `--home`. */
  const cases = (): Array<[string, string[], string]> => [
    ["ingest <file>", ["ingest", missing], "ST_ERR_FILE_UNREADABLE"],
    ["ingest <file>", ["ingest", aDirectory], "ST_ERR_FILE_UNREADABLE"],
    ["verify --trusted", ["verify", "--trusted", missing], "ST_ERR_FILE_UNREADABLE"],
    ["verify --trusted", ["verify", "--trusted", aDirectory], "ST_ERR_FILE_UNREADABLE"],
    ["export --out", ["export", "--out", noDirectory], "ST_ERR_FILE_UNWRITABLE"],
    ["export --out", ["export", "--out", aDirectory], "ST_ERR_FILE_UNWRITABLE"],
    ["report --out", ["report", "--type", "access", "--out", noDirectory], "ST_ERR_FILE_UNWRITABLE"],
    ["report --out", ["report", "--type", "access", "--out", aDirectory], "ST_ERR_FILE_UNWRITABLE"],
    ["report --bundle", ["report", "--type", "access", "--bundle", noDirectory], "ST_ERR_FILE_UNWRITABLE"],
    ["report --template", ["report", "--template", join(dir, "missing.yaml")], "ST_ERR_CONFIG_INVALID"],
    [
      "report --html-css",
      ["report", "--type", "access", "--format", "html", "--html-css", missing],
      "ST_ERR_FILE_UNREADABLE",
    ],
    [
      "report --html-layout",
      ["report", "--type", "access", "--format", "html", "--html-layout", aDirectory],
      "ST_ERR_FILE_UNREADABLE",
    ],
    [
      "report --policy",
      ["report", "--type", "crypto-compliance", "--policy", missing],
      "ST_ERR_CONFIG_INVALID",
    ],
    [
      "report --framework",
      ["report", "--type", "compliance", "--framework", missing],
      "ST_ERR_CONFIG_INVALID",
    ],
    ["verify-bundle <file>", ["verify-bundle", missing], "ST_ERR_FILE_UNREADABLE"],
    ["verify-bundle <file>", ["verify-bundle", aDirectory], "ST_ERR_FILE_UNREADABLE"],
    ["serve --config", ["serve", "--port", "0", "--config", missing], "ST_ERR_CONFIG_INVALID"],
    ["config check --config", ["config", "check", "--config", aDirectory], "ST_ERR_CONFIG_INVALID"],
    ["watch --config", ["watch", "--config", missing], "ST_ERR_CONFIG_INVALID"],
    ["watch --rules", ["watch", "--rules", missing], "ST_ERR_FILE_UNREADABLE"],
    ["alerts verify <file>", ["alerts", "verify", aDirectory], "ST_ERR_FILE_UNREADABLE"],
    ["alerts backtest --config", ["alerts", "backtest", "--config", aDirectory], "ST_ERR_CONFIG_INVALID"],
    ["alerts backtest --rules", ["alerts", "backtest", "--rules", aDirectory], "ST_ERR_FILE_UNREADABLE"],
    ["alerts test --config", ["alerts", "test", "ops-mail", "--config", missing], "ST_ERR_CONFIG_INVALID"],
  ];

  test("every option and argument that names a file has a case here", () => {
    const covered = new Set(cases().map(([parameter]) => parameter));
    const uncovered = fileParameters(buildProgram()).filter((p) => !covered.has(p));
    assert.deepEqual(uncovered, [], "file parameters without a case in this test");
  });

  test("a missing file, a directory, or a missing directory: exit 2, one line naming option, file and code", () => {
    const wrong: string[] = [];
    for (const [parameter, args, code] of cases()) {
      const full = args[0] === "verify-bundle" ? args : [...args, "--home", home];
      const r = runCli(full);
      const file = [missing, aDirectory, noDirectory, join(dir, "missing.yaml")].find((f) =>
        args.includes(f),
      );
      const option = parameter.split(" ").at(-1) as string;
      const problems = [
        r.code === 2 ? "" : `exit ${r.code}`,
        r.stderr.includes(`[${code}]`) ? "" : `no [${code}]`,
        file && r.stderr.includes(file) ? "" : "the file is not named",
        // Configuration files (a template, a policy, a control map) are named by what they are.
        code.startsWith("ST_ERR_FILE") && option.startsWith("--") && !r.stderr.includes(option)
          ? `${option} is not named`
          : "",
        /ENOENT|EISDIR|\n\s+at /.test(r.stderr) ? "a raw system error" : "",
        r.stderr.trimEnd().split("\n").length === 1 ? "" : "more than one line",
        r.stdout === "" ? "" : "something was written to stdout",
      ].filter((p) => p !== "");
      if (problems.length > 0) wrong.push(`${problems.join(", ")}: ${describeRun(full, r)}`);
    }
    assert.deepEqual(wrong, []);
    assert.equal(existsSync(join(dir, "no-such-directory")), false, "no directory was created");
  });
});
