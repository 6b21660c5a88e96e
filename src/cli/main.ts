#!/usr/bin/env node
import { CommanderError } from "commander";
import { SealtrailError } from "../errors.js";
import { buildProgram, EXIT, ExitCode } from "./program.js";

/** Error codes that mean the command was used wrongly (exit 2) rather than a failure found (exit 1). */
const USAGE_CODES = new Set([
  "ST_ERR_USAGE",
  "ST_ERR_CONFIG_INVALID",
  "ST_ERR_QUERY_FILTER",
  "ST_ERR_QUERY_TIME",
  "ST_ERR_QUERY_CURSOR",
  "ST_ERR_LEDGER_RANGE",
  "ST_ERR_STORE_NOT_INITIALIZED",
  "ST_ERR_STORE_EXISTS",
  "ST_ERR_EVENT_JSON",
  "ST_ERR_AUTH_KEY_UNKNOWN",
]);

/** Options that modules name plainly (`since: …`) and this command spells as flags (`--since`). */
const FLAG_OPTIONS = new Set(["since", "until", "sort", "order"]);

/** The error's message, with the option it names spelt as this command's flag. */
function asFlagMessage(error: SealtrailError): string {
  const field = error.details?.field;
  if (typeof field === "string" && FLAG_OPTIONS.has(field) && error.message.startsWith(`${field}:`)) {
    return `--${error.message}`;
  }
  return error.message;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ExitCode) return error.code;
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof SealtrailError) {
      process.stderr.write(`sealtrail: ${asFlagMessage(error)} [${error.code}]\n`);
      return USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.failure;
    }
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write(`sealtrail: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`sealtrail: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failure;
  }
}

process.exitCode = await main(process.argv);
