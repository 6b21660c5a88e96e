/**
 * The import checker (scripts/check-imports.mjs) holds the code to the module table of
 * docs/architecture.md: it passes on this tree and fails, naming the import, on a tree with an
 * import pointing up the table.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";

const root = resolve(import.meta.dirname, "../..");
const script = join(root, "scripts/check-imports.mjs");
const dir = mkdtempSync(join(tmpdir(), "sealtrail-imports-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });

test("every import of the source tree points down the module table", () => {
  const result = run();
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /imports ok: \d+ modules/);
});

test("an import up the table (dynamic ones too), or a module missing from it, fails naming the file", () => {
  const src = join(dir, "src");
  mkdirSync(join(src, "ground"), { recursive: true });
  mkdirSync(join(src, "shell"), { recursive: true });
  mkdirSync(join(src, "stray"), { recursive: true });
  writeFileSync(
    join(src, "ground/base.ts"),
    'import type { Up } from "../shell/app.js";\nexport type Base = Up;\n',
  );
  writeFileSync(
    join(src, "shell/app.ts"),
    'import type { Base } from "../ground/base.js";\nexport type Up = Base;\n',
  );
  writeFileSync(
    join(src, "ground/lazy.ts"),
    'export async function later() {\n  return (await import("../shell/app.js")).x;\n}\n',
  );
  writeFileSync(join(src, "ground/base.test.ts"), 'import "../shell/app.js";\n');
  writeFileSync(join(src, "stray/x.ts"), "export const x = 1;\n");
  const map = join(dir, "architecture.md");
  writeFileSync(
    map,
    "| module | owns | may import |\n| --- | --- | --- |\n| `ground/` | the ground | |\n| `shell/` | the shell | `ground/` |\n",
  );
  const result = run("--src", src, "--map", map);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /ground\/base\.ts imports shell\/app\.ts: "ground" may import only nothing/);
  assert.match(result.stderr, /ground\/lazy\.ts imports shell\/app\.ts: "ground" may import only nothing/);
  assert.match(result.stderr, /stray\/x\.ts: module "stray" is not in the module table/);
  assert.doesNotMatch(result.stderr, /base\.test\.ts/, "tests may import anything");
  assert.match(result.stderr, /3 import\(s\) against the module table/);
});
