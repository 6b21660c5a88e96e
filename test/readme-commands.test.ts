/**
 * The documentation test: every command the README shows in a `sh` block runs as shown (exit 0),
 * line by line, in order, in one empty directory. The conventions for blocks (markers in HTML
 * comments) are in test/support/readme-commands.ts and the README's "How it is built". A failure
 * names the README line, the command and its output. The `--help` examples: help-examples.test.ts;
 * `npm start`: readme-demo.test.ts.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { removeTempDirs, tempDir } from "./cli-harness.js";
import { type DocBlock, inlineCommands, readmeBlocks } from "./support/readme-commands.js";
import {
  type Background,
  freePort,
  runLine,
  type ShellResult,
  sealtrailBin,
  shellEnv,
  startLine,
} from "./support/shell-run.js";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../../test/fixtures/readme/", import.meta.url));
const markdown = readFileSync(README, "utf8");
const blocks = readmeBlocks(markdown);

function describeFailure(where: string, command: string, r: ShellResult): string {
  return (
    `${where}: ${command}\n→ ${r.timedOut ? "timed out" : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}\n` +
    `stdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`
  );
}

describe("the README's commands run as shown", () => {
  let work = "";
  /** Where the `sealtrail` command and the logs of long-running lines go, outside `work`. */
  let tools = "";
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    work = tempDir("sealtrail-readme-");
    tools = tempDir("sealtrail-readme-tools-");
    env = shellEnv(sealtrailBin(tools), { HOME: work, PORT: String(await freePort()) });
    // The README's own YAML examples, saved for its commands.
    for (const block of blocks) {
      for (const marker of block.markers) {
        if (marker.kind === "file") writeFileSync(join(work, marker.name), block.text);
      }
    }
  });
  after(removeTempDirs);

  test("every sh block is run or says why not; examples in running text are in blocks", () => {
    const sh = blocks.filter((b) => b.language === "sh");
    assert.ok(sh.length >= 6, `only ${sh.length} sh blocks found`);
    for (const block of blocks) {
      if (block.language !== "sh") {
        const misplaced = block.markers.filter((m) => m.kind !== "file");
        assert.deepEqual(misplaced, [], `README.md:${block.line}: a ${block.language} block is not run`);
      }
    }
    assert.deepEqual(
      inlineCommands(markdown),
      [],
      "commands with arguments in running text: put them in an sh block",
    );
  });

  test("the README's sh blocks, line by line, in order", async () => {
    let ran = 0;
    for (const block of blocks.filter((b: DocBlock) => b.language === "sh")) {
      if (block.markers.some((m) => m.kind === "skip")) continue;
      for (const marker of block.markers) {
        if (marker.kind !== "files") continue;
        for (const path of marker.paths) {
          mkdirSync(dirname(join(work, path)), { recursive: true });
          cpSync(join(FIXTURES, path), join(work, path));
        }
      }
      const prefixes = block.markers.flatMap((m) => (m.kind === "long-running" ? [m.prefix] : []));
      const background: Array<{ line: number; text: string; running: Background }> = [];
      try {
        for (const { line, text } of block.lines) {
          const where = `README.md:${line}`;
          if (prefixes.some((p) => text.startsWith(p))) {
            const running = await startLine(text, {
              cwd: work,
              env,
              logs: join(tools, `readme-${line}`),
            }).catch((error: unknown) =>
              assert.fail(`${where}: ${text}\ndid not start: ${(error as Error).message}`),
            );
            background.push({ line, text, running });
            continue;
          }
          const r = await runLine(text, { cwd: work, env });
          assert.equal(r.code, 0, describeFailure(where, text, r));
          ran++;
        }
      } finally {
        for (const { running } of background) running.child.kill("SIGTERM");
      }
      for (const { line, text, running } of background) {
        const [code, signal] = await running.exited;
        const { stdout, stderr } = running.output();
        assert.equal(
          code,
          0,
          describeFailure(`README.md:${line} (stopped with SIGTERM)`, text, {
            code,
            signal,
            stdout,
            stderr,
            timedOut: false,
          }),
        );
        ran++;
      }
    }
    assert.ok(ran >= 30, `only ${ran} README commands ran`);
  });
});
