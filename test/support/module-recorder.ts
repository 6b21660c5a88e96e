/**
 * Preloaded (`node --import …/module-recorder.js`) by tests that check what a process loads:
 * writes every module the process and each of its threads load to the file named by
 * `MODULE_RECORD_FILE`, one file URL a line — ES modules as they are resolved (the hooks in
 * `module-recorder-hooks.ts`), CommonJS ones from the require cache when the thread exits.
 */
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const file = process.env.MODULE_RECORD_FILE;
if (file) {
  register(new URL("./module-recorder-hooks.js", import.meta.url), { data: { file } });
  const require = createRequire(import.meta.url);
  process.on("exit", () => {
    const loaded = Object.keys(require.cache).map((path) => `${pathToFileURL(path).href}\n`);
    appendFileSync(file, loaded.join(""));
  });
}
