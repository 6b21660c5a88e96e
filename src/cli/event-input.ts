import { SealtrailError } from "../errors.js";

/**
 * Where `sealtrail append` takes its one event from: the argument (`append '{…}'`), standard
 * input (`… | sealtrail append`, or `append -`), or `--json '{…}'`. Exactly one of them; the
 * errors say which was given twice or that none was.
 */

/** What the command was given. */
export interface EventInputOptions {
  /** The positional argument: the event's JSON, or `-` for standard input. */
  readonly argument?: string | undefined;
  /** The `--json` option. */
  readonly json?: string | undefined;
}

/** The event's JSON text and where it came from (for messages: "standard input: invalid JSON…"). */
export interface EventText {
  readonly source: "the event argument" | "--json" | "standard input";
  readonly text: string;
}

/** Standard input, as far as this module needs it. */
export type EventStdin = AsyncIterable<Buffer | string> & { readonly isTTY?: boolean };

const HOW =
  "give the event as an argument (sealtrail append '{\"action\":…}'), on standard input (… | sealtrail append), or with --json";

/**
 * The event's text from the argument, `--json` or standard input. Standard input is read when
 * the argument is `-`, or when neither is given and it is not a terminal; at most `maxBytes` of it.
 *
 * @example
 * ```ts
 * const { source, text } = await readEventText({ argument: "-" }, process.stdin, 4 << 20);
 * ```
 */
export async function readEventText(
  given: EventInputOptions,
  stdin: EventStdin,
  maxBytes: number,
): Promise<EventText> {
  if (given.argument !== undefined && given.json !== undefined) {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      "the event was given twice, as an argument and with --json: give it once",
    );
  }
  if (given.json !== undefined) return { source: "--json", text: given.json };
  if (given.argument !== undefined && given.argument !== "-") {
    return { source: "the event argument", text: given.argument };
  }
  if (given.argument === undefined && stdin.isTTY) {
    throw new SealtrailError("ST_ERR_USAGE", `no event given: ${HOW}`);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    bytes += buffer.length;
    if (bytes > maxBytes) {
      throw new SealtrailError(
        "ST_ERR_EVENT_TOO_LARGE",
        `standard input: more than ${maxBytes} bytes, the most read for one event`,
        { details: { limit: maxBytes } },
      );
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `standard input: expected an event as JSON, got nothing; ${HOW}`,
    );
  }
  return { source: "standard input", text };
}

/**
 * The event parsed from its text; `ST_ERR_EVENT_JSON` naming where it came from when it is not
 * JSON, with a pointer to `sealtrail ingest` when standard input holds several JSON lines.
 */
export function parseEventText({ source, text }: EventText): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const lines = text.trim().split("\n");
    const ndjson = lines.length > 1 && lines.every((line) => isJson(line));
    throw new SealtrailError(
      "ST_ERR_EVENT_JSON",
      ndjson
        ? `${source}: expected one event, got ${lines.length} JSON lines; sealtrail ingest - takes NDJSON`
        : `${source}: invalid JSON: ${(cause as Error).message}`,
    );
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
