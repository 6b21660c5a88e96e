/**
 * What `npm publish` would ship: the library, the CLI and the docs, never compiled tests,
 * contract suites or the sample data tests use.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";

test("the package holds the library and the CLI, and no tests, contract suites or sample data", () => {
  const root = resolve(import.meta.dirname, "../..");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const [pack] = JSON.parse(
    execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }),
  ) as Array<{ files: Array<{ path: string }> }>;
  const files = (pack?.files ?? []).map((f) => f.path);
  for (const needed of [
    "dist/src/index.js",
    "dist/src/cli/main.js",
    "dist/src/client/index.js",
    "docs/errors.md",
  ]) {
    assert.ok(files.includes(needed), `${needed} is published`);
  }
  const unwanted = files.filter(
    (f) => /\.(test|case)\.(js|d\.ts)(\.map)?$/.test(f) || /sample-report\./.test(f),
  );
  assert.deepEqual(unwanted, []);
  assert.ok(!files.some((f) => f.startsWith("dist/test/") || f.startsWith("dist/bench/")));
});
