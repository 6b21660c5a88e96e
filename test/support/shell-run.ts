/**
 * Running documented shell commands as a reader would: `sh -c LINE` in a working directory with
 * `sealtrail` on the PATH (the compiled CLI), no `SEALTRAIL_*` variables of the caller's, and
 * colours off.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { CLI } from "../cli-harness.js";

/** What one command line produced. */
export interface ShellResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when it was stopped for taking longer than its time. */
  readonly timedOut: boolean;
}

/** A directory holding a `sealtrail` that runs this build's CLI, to put first on the PATH. */
export function sealtrailBin(dir: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const script = join(bin, "sealtrail");
  writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(script, 0o755);
  return bin;
}

/** The environment commands run in: the caller's, without its Sealtrail settings, plus `extra`. */
export function shellEnv(bin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  delete env.SEALTRAIL_HOME;
  delete env.SEALTRAIL_SIGNING_KEY;
  delete env.SEALTRAIL_CONFIG;
  delete env.SEALTRAIL_API_KEY;
  env.PATH = `${bin}:${process.env.PATH ?? ""}`;
  return env;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/**
 * Runs `line` with `sh -c` to its end (or `timeoutMs`, then SIGKILL), standard input empty.
 *
 * @example
 * ```ts
 * const r = await runLine("sealtrail pubkey", { cwd, env: shellEnv(sealtrailBin(cwd)) });
 * ```
 */
export async function runLine(
  line: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ShellResult> {
  const child = spawn("sh", ["-c", line], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 300_000);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr, timedOut };
}

/** A command left running in the background, its output going to files. */
export interface Background {
  readonly child: ChildProcess;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  output(): { stdout: string; stderr: string };
}

/**
 * Starts `line` in the background (`sh -c 'exec LINE'`, so that signals reach the command) and
 * waits until it has written its first output, or fails when it exits first or takes `timeoutMs`.
 */
export async function startLine(
  line: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; logs: string; timeoutMs?: number },
): Promise<Background> {
  const outFile = `${options.logs}.out`;
  const errFile = `${options.logs}.err`;
  const out = openSync(outFile, "w");
  const err = openSync(errFile, "w");
  const child = spawn("sh", ["-c", `exec ${line}`], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", out, err],
  });
  closeSync(out);
  closeSync(err);
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const output = () => ({ stdout: readFileSync(outFile, "utf8"), stderr: readFileSync(errFile, "utf8") });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (output().stdout === "") {
    if (done) throw new Error(`exited before writing anything:\n${JSON.stringify(output())}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`wrote nothing in ${options.timeoutMs ?? 120_000} ms:\n${JSON.stringify(output())}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, exited, output };
}
