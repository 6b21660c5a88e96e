/**
 * `npm start`, as the README describes it: the demo (`dist/src/demo/run-demo.js`, which `npm start`
 * runs once it has built) serves an empty directory's `./.sealtrail` on `$PORT`, writes its demo
 * events, and prints requests to try; every one of them runs as printed (a live tail until it
 * has started), none is answered with a problem; Ctrl-C (SIGINT) then stops it with exit 0 and
 * the store verifies.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CLI, removeTempDirs, tempDir } from "./cli-harness.js";
import { freePort, runLine, sealtrailBin, shellEnv, startLine } from "./support/shell-run.js";

const DEMO = fileURLToPath(new URL("../src/demo/run-demo.js", import.meta.url));
const PROBLEM = /"type":"https:\/\/sealtrail\.dev\/errors\//;

after(removeTempDirs);

test("npm start serves, every request it prints runs, and Ctrl-C stops it cleanly", async () => {
  const dir = tempDir("sealtrail-demo-");
  // The checkout's ./sealtrail, which the demo's last suggestion runs.
  writeFileSync(join(dir, "sealtrail"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(dir, "sealtrail"), 0o755);
  const env = shellEnv(sealtrailBin(tempDir("sealtrail-demo-tools-")), { PORT: String(await freePort()) });
  const demo = spawn(process.execPath, [DEMO], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  demo.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  demo.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = once(demo, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const deadline = Date.now() + 180_000;
    while (!stdout.includes("Ctrl-C stops the server")) {
      if (demo.exitCode !== null) assert.fail(`the demo exited (${demo.exitCode}):\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) assert.fail(`the demo did not get ready in 180 s:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(stdout, /Verified: \d+ events/);
    const tries = (stdout.split("\nTry:\n")[1] ?? "")
      .split("\n")
      .filter((line) => line.startsWith("  "))
      .map((line) => line.trim());
    assert.ok(tries.length >= 8, `the demo printed ${tries.length} requests to try:\n${stdout}`);
    for (const line of tries) {
      if (/^curl -N /.test(line)) {
        // A live tail runs until stopped: it must have started.
        const tail = await startLine(line, { cwd: dir, env, logs: join(dir, "..tail"), timeoutMs: 30_000 });
        tail.child.kill("SIGTERM");
        await tail.exited;
        assert.match(tail.output().stdout, /^: sealtrail live tail/, line);
        continue;
      }
      const r = await runLine(line, { cwd: dir, env, timeoutMs: 120_000 });
      const what = `${line}\n→ exit ${r.code}\nstdout: ${r.stdout.slice(0, 1500)}\nstderr: ${r.stderr.slice(0, 1500)}`;
      assert.equal(r.code, 0, what);
      assert.doesNotMatch(r.stdout, PROBLEM, what);
      const file = /> (\S+)$/.exec(line.replace(/\s+#.*$/, ""))?.[1];
      if (file) {
        assert.ok(existsSync(join(dir, file)), `${line}: wrote no ${file}`);
        const written = readFileSync(join(dir, file));
        assert.ok(written.length > 0, `${line}: ${file} is empty`);
        assert.doesNotMatch(
          written.subarray(0, 200).toString("utf8"),
          PROBLEM,
          `${line}: ${file} is a problem`,
        );
      }
    }
  } finally {
    demo.kill("SIGINT");
  }
  const [code, signal] = await exited;
  assert.equal(code, 0, `Ctrl-C: exit ${code ?? signal}\n${stderr}`);
  const verify = await runLine("sealtrail verify", { cwd: dir, env });
  assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
});
