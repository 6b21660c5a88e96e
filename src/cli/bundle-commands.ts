import { existsSync } from "node:fs";
import type { Command } from "commander";
import { SealtrailError } from "../errors.js";
import { checkInput, readInputText } from "./cli-files.js";
import { EXIT, ExitCode } from "./program.js";

interface VerifyBundleOptions {
  key?: string;
}

/** A verifier key given as the key itself or as a file holding it. */
function readKey(given: string, parseBundleKey: (text: string) => unknown): string {
  const text = existsSync(given)
    ? readInputText("--key", given, "a verifier key, or a file holding one").trim()
    : given.trim();
  try {
    parseBundleKey(text);
  } catch (error) {
    throw new SealtrailError("ST_ERR_USAGE", `--key: ${(error as Error).message}`);
  }
  return text;
}

/** Adds `sealtrail verify-bundle FILE [--key VERIFIER_KEY]`: exit 0 ok, 1 problems, 2 usage. */
export function addVerifyBundleCommand(program: Command): void {
  program
    .command("verify-bundle")
    .description("check an evidence bundle written by `report --bundle`, offline")
    .argument("<file>", "the bundle (.tar.gz)")
    .option("--key <key>", "the log's verifier key (or a file holding it), obtained from a source you trust")
    .action(async (file: string, options: VerifyBundleOptions) => {
      checkInput("FILE", file, "an evidence bundle (.tar.gz) written by report --bundle");
      // Loaded when the command runs, not when it is defined.
      const { parseBundleKey, verifyBundle } = await import("../reports/verify-bundle.js");
      const key = options.key === undefined ? undefined : readKey(options.key, parseBundleKey);
      const result = await verifyBundle(file, key === undefined ? {} : { verifierKey: key });
      const out: string[] = [];
      if (result.checkpoint) {
        out.push(
          `checkpoint: ${result.checkpoint.origin} size ${result.checkpoint.size} root ${result.checkpoint.root}`,
        );
      }
      out.push(
        `key: ${result.keyUsed === "trusted" ? "the trusted key given (--key)" : "the bundle's own verifier.key (consistency only, not authenticity)"}`,
      );
      out.push(`events: ${result.events} proven of ${result.cited} cited`);
      for (const note of result.notes) out.push(`note: ${note}`);
      for (const problem of result.problems) out.push(`problem: ${problem}`);
      out.push(result.ok ? "bundle OK" : `bundle FAILED: ${result.problems.length} problem(s)`);
      process.stdout.write(`${out.join("\n")}\n`);
      if (!result.ok) throw new ExitCode(EXIT.failure);
    });
}
