import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { CLI } from "../cli-harness.js";

/** A `sealtrail serve` child process and what it printed on stderr so far. */
export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/**
 * Starts `sealtrail serve ARGS…` in a child process (without the caller's home, signing key or
 * configuration from the environment) and waits for its `listening on` line; fails when it
 * exits first or takes more than 30 s.
 *
 * @example
 * ```ts
 * const server = await startServeProcess(["--home", home, "--port", "0"]);
 * ```
 */
export async function startServeProcess(args: readonly string[]): Promise<ServeProcess> {
  const env = { ...process.env };
  delete env.SEALTRAIL_HOME;
  delete env.SEALTRAIL_SIGNING_KEY;
  delete env.SEALTRAIL_CONFIG;
  const child = spawn(process.execPath, [CLI, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not start in 30 s:\n${stdout}\n${stderr}`)),
      30_000,
    );
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before listening:\n${stdout}\n${stderr}`));
    });
  });
  return { url, child, exited, stderr: () => stderr };
}
