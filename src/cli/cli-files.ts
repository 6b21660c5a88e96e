import { once } from "node:events";
import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  type ReadStream,
  readFileSync,
  statSync,
  type WriteStream,
} from "node:fs";
import { finished } from "node:stream/promises";
import { fileProblem, SealtrailError } from "../errors.js";

/**
 * The files a command names in its arguments and options, opened so that a file that is missing,
 * a directory or not permitted stops the command at once with `ST_ERR_FILE_UNREADABLE` or
 * `ST_ERR_FILE_UNWRITABLE` (exit 2), naming the option, the file and what was expected — never a
 * raw `ENOENT`, and never after part of the work is done. `label` is the option (`--trusted`) or
 * the argument (`FILE`) as the command's help names it; `expected` what it must be ("a signed
 * checkpoint").
 */

function unreadable(label: string, file: string, expected: string, error: unknown): SealtrailError {
  return new SealtrailError(
    "ST_ERR_FILE_UNREADABLE",
    `${label}: expected ${expected}, got "${file}": ${fileProblem(error)}`,
    { cause: error, details: { file, option: label } },
  );
}

function unwritable(label: string, file: string, expected: string, error: unknown): SealtrailError {
  return new SealtrailError(
    "ST_ERR_FILE_UNWRITABLE",
    `${label}: cannot write ${expected} to "${file}": ${fileProblem(error, true)}`,
    { cause: error, details: { file, option: label } },
  );
}

/** A regular file's size, or the error naming it. */
function statFile(label: string, file: string, expected: string): number {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (error) {
    throw unreadable(label, file, expected, error);
  }
  if (stat.isDirectory())
    throw unreadable(label, file, expected, Object.assign(new Error(), { code: "EISDIR" }));
  return stat.size;
}

/**
 * Checks that an input file that another module reads exists, is a file and may be read.
 *
 * @example
 * ```ts
 * checkInput("FILE", "weekly-evidence.tar.gz", "an evidence bundle (.tar.gz)");
 * ```
 */
export function checkInput(label: string, file: string, expected: string): void {
  statFile(label, file, expected);
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    throw unreadable(label, file, expected, error);
  }
}

/**
 * The text of an input file.
 *
 * @example
 * ```ts
 * const note = readInputText("--trusted", "audit.checkpoint", "a signed checkpoint");
 * ```
 */
export function readInputText(label: string, file: string, expected: string): string {
  statFile(label, file, expected);
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw unreadable(label, file, expected, error);
  }
}

/**
 * An input file opened for streaming, with its size (for progress), once it is known to be a
 * readable file.
 *
 * @example
 * ```ts
 * const { stream, size } = await openInput("FILE", "events.ndjson", "an NDJSON file or - for standard input");
 * ```
 */
export async function openInput(
  label: string,
  file: string,
  expected: string,
  options: { highWaterMark?: number } = {},
): Promise<{ stream: ReadStream; size: number }> {
  const size = statFile(label, file, expected);
  const stream = createReadStream(file, options);
  try {
    await once(stream, "open");
  } catch (error) {
    throw unreadable(label, file, expected, error);
  }
  return { stream, size };
}

/**
 * An output file, created (or truncated) and open before the command does its work.
 *
 * @example
 * ```ts
 * const out = await openOutput("--out", "weekly.pdf", "the report");
 * ```
 */
export async function openOutput(label: string, file: string, expected: string): Promise<WriteStream> {
  const stream = createWriteStream(file);
  try {
    await once(stream, "open");
  } catch (error) {
    throw unwritable(label, file, expected, error);
  }
  // A later failure (a full disk) is reported by closeOutput, naming the file, not thrown as an event.
  stream.on("error", () => {});
  return stream;
}

/**
 * Ends an output file opened by {@link openOutput} and waits until all of it is written; a
 * failure (now or while it was written) names the file.
 */
export async function closeOutput(
  stream: WriteStream,
  label: string,
  file: string,
  expected: string,
): Promise<void> {
  try {
    stream.end();
    await finished(stream);
  } catch (error) {
    throw unwritable(label, file, expected, error);
  }
}
