#!/usr/bin/env node
import { CommanderError } from "commander";
import { fileProblem, SealtrailError } from "../errors.js";
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
  "ST_ERR_FILE_UNREADABLE",
  "ST_ERR_FILE_UNWRITABLE",
]);

/** System calls whose failure on a path means the path could not be written. */
const WRITE_CALLS = new Set(["write", "mkdir", "rename", "unlink", "rmdir", "copyfile", "symlink", "chmod"]);

/**
 * A file-system failure no command turned into a registry error, as one: the commands name their
 * files themselves (`cli/cli-files.ts`), so this is the net under them, never a raw `ENOENT`.
 */
function asFileError(error: NodeJS.ErrnoException): SealtrailError {
  const writing = WRITE_CALLS.has(error.syscall ?? "");
  return new SealtrailError(
    writing ? "ST_ERR_FILE_UNWRITABLE" : "ST_ERR_FILE_UNREADABLE",
    `"${error.path}": ${fileProblem(error, writing)}`,
    { cause: error },
  );
}

/** Options that modules name plainly (`since: …`) and this command spells as flags (`--since`). */
const FLAG_OPTIONS = new Set(["since", "until", "sort", "order", "by"]);

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
    const known =
      typeof (error as NodeJS.ErrnoException | undefined)?.path === "string"
        ? asFileError(error as NodeJS.ErrnoException)
        : error;
    if (known instanceof SealtrailError) {
      process.stderr.write(`sealtrail: ${asFlagMessage(known)} [${known.code}]\n`);
      return USAGE_CODES.has(known.code) ? EXIT.usage : EXIT.failure;
    }
    process.stderr.write(`sealtrail: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failure;
  }
}

process.exitCode = await main(process.argv);
