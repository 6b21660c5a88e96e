#!/usr/bin/env node
// Checks that imports point one way: every import of every source file (type-only ones included,
// which compilation would erase, and dynamic `import("…")` ones) must be allowed by the module
// table of docs/architecture.md.
// Prints each import that is not, and exits 1; tests (*.test.ts) and contract suites (*.case.ts)
// may import anything. Usage: node scripts/check-imports.mjs [--src DIR] [--map FILE]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const root = resolve(import.meta.dirname, "..");
const src = resolve(option("--src", join(root, "src")));
const map = resolve(option("--map", join(root, "docs/architecture.md")));

/** Module table rows: | `module` | owns | may import | — a module is `folder/` or `file.ts`. */
function readTable(text) {
  const allowed = new Map();
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 5) continue;
    const name = /^`([\w.-]+\/?)`$/.exec(cells[1] ?? "");
    if (!name) continue;
    const targets = [...(cells[cells.length - 2] ?? "").matchAll(/`([\w./-]+)`/g)].map((m) => m[1]);
    allowed.set(
      name[1].replace(/\/$/, ""),
      targets.map((t) => t.replace(/\/$/, "")),
    );
  }
  return allowed;
}

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(test|case)\.ts$/.test(entry.name) || !entry.name.endsWith(".ts") ? [] : [path];
  });
}

/** The module a source path belongs to: its first folder under src, or its file name. */
const moduleOf = (rel) => (rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : rel);

if (!existsSync(map)) {
  console.error(`${map}: not found`);
  process.exit(2);
}
const allowed = readTable(readFileSync(map, "utf8"));
const problems = [];
for (const file of sources(src)) {
  const rel = relative(src, file);
  const from = moduleOf(rel);
  const mayImport = allowed.get(from);
  if (!mayImport) {
    problems.push(`${rel}: module "${from}" is not in the module table of ${relative(root, map)}`);
    continue;
  }
  const text = readFileSync(file, "utf8");
  const imports = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/g),
    // Loaded when needed (`await import("../server/serve.js")`): held to the same table.
    ...text.matchAll(/\bimport\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g),
  ];
  for (const match of imports) {
    const target = relative(src, resolve(dirname(file), match[1].replace(/\.js$/, ".ts")));
    const to = moduleOf(target);
    if (to === from) continue;
    if (mayImport.includes(to) || mayImport.includes(target)) continue;
    problems.push(`${rel} imports ${target}: "${from}" may import only ${mayImport.join(", ") || "nothing"}`);
  }
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error(`${problems.length} import(s) against the module table of ${relative(root, map)}`);
  process.exit(1);
}
console.log(`imports ok: ${allowed.size} modules, every import points down the table`);
