/**
 * Helpers for the end-to-end tests: run the real `sealtrail` CLI in a child process, make
 * temporary homes, write NDJSON files. Nothing here knows how the store works inside.
 */
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The compiled CLI entry point (this file compiles to dist/test/cli-harness.js). */
export const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

/** What one CLI run produced. */
export interface CliResult {
  /** Exit status (null when killed by a signal). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `sealtrail ARGS…` to completion and returns its exit code and output. Never throws on a
 * non-zero exit: tests assert on the code. The environment has no SEALTRAIL_* variables, so only
 * `--home` (and `--config`) decide the store and its configuration.
 */
export function runCli(args: readonly string[], options: SpawnSyncOptions = {}): CliResult {
  const env = { ...process.env };
  delete env.SEALTRAIL_HOME;
  delete env.SEALTRAIL_SIGNING_KEY;
  delete env.SEALTRAIL_CONFIG;
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    env,
    ...options,
  });
  if (result.error) throw result.error;
  return {
    code: result.status,
    signal: result.signal,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** Describes a run for assertion messages. */
export function describeRun(args: readonly string[], r: CliResult): string {
  return `sealtrail ${args.join(" ")} → exit ${r.code}${r.signal ? ` (${r.signal})` : ""}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
}

/** Runs the CLI and throws (with its output) unless it exits with `expected` (default 0). */
export function cli(args: readonly string[], expected = 0, options: SpawnSyncOptions = {}): CliResult {
  const r = runCli(args, options);
  if (r.code !== expected) throw new Error(`expected exit ${expected}: ${describeRun(args, r)}`);
  return r;
}

const tempDirs: string[] = [];

/** A new empty temporary directory; removed by {@link removeTempDirs}. */
export function tempDir(prefix = "sealtrail-e2e-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every directory made by {@link tempDir} (call from `after`). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes values as NDJSON (one `JSON.stringify` per line). */
export function writeNdjson(path: string, values: readonly unknown[]): void {
  writeFileSync(path, values.map((v) => `${JSON.stringify(v)}\n`).join(""));
}

/** Creates a store in `home` (with `origin`) and returns the verifier key printed by `init`. */
export function initStore(home: string, origin = "e2e.example/sealtrail"): string {
  const r = cli(["init", "--home", home, "--origin", origin]);
  const m = /^verifier key: (\S+)$/m.exec(r.stdout);
  if (!m) throw new Error(`init printed no verifier key:\n${r.stdout}`);
  return m[1] as string;
}

/** `sealtrail ingest FILE --json`, expecting exit 0; returns the parsed summary. */
export function ingestFile(
  home: string,
  file: string,
): { accepted: number; duplicates: number; rejected: number; seconds: number } {
  return JSON.parse(cli(["ingest", file, "--home", home, "--json"]).stdout);
}

/** The NDJSON export of a store, as its lines (without the newlines). */
export function exportLines(home: string, ...filters: string[]): string[] {
  const out = cli(["export", "--home", home, "--format", "ndjson", ...filters]).stdout;
  if (out === "") return [];
  if (!out.endsWith("\n")) throw new Error("export output does not end with a newline");
  return out.slice(0, -1).split("\n");
}
