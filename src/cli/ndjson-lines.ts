import { isUtf8 } from "node:buffer";
import type { Readable } from "node:stream";

/** One input line with its 1-based number, or why it cannot be read. */
export interface NumberedLine {
  readonly number: number;
  readonly text: string;
  /** Set when the line is unusable as it stands (too long, not UTF-8); `text` is then empty. */
  readonly problem?: string;
}

/**
 * Splits a byte stream into NDJSON lines, in groups, with 1-based line numbers; blank lines are
 * skipped. Lines longer than `maxLineBytes` (never buffered whole) or not valid UTF-8 come with
 * a `problem`. Written by hand rather than with `readline` because it feeds the ingest hot
 * path: it splits on raw bytes and decodes each line once.
 */
export async function* ndjsonLines(
  input: Readable,
  maxLineBytes: number,
  groupSize = 2048,
): AsyncIterable<NumberedLine[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let number = 0;
  let group: NumberedLine[] = [];
  const finish = (tail: Buffer) => {
    number++;
    if (skipping || pendingBytes + tail.length > maxLineBytes) {
      group.push({ number, text: "", problem: `longer than ${maxLineBytes} bytes` });
    } else {
      const bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
      const text = bytes.toString("utf8");
      if (text.includes("\uFFFD") && !isUtf8(bytes))
        group.push({ number, text: "", problem: "not valid UTF-8" });
      else if (text.trim() !== "") group.push({ number, text });
    }
    pending = [];
    pendingBytes = 0;
    skipping = false;
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      finish(chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (!skipping && pendingBytes + rest.length <= maxLineBytes) {
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
      } else {
        skipping = true;
        pending = [];
        pendingBytes = maxLineBytes + 1;
      }
    }
    if (group.length >= groupSize) {
      yield group;
      group = [];
    }
  }
  if (pendingBytes > 0 || skipping) finish(Buffer.alloc(0));
  if (group.length > 0) yield group;
}
