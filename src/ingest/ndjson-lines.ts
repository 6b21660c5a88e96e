import { isUtf8 } from "node:buffer";

/** The longest NDJSON line read by default (4 MiB); longer ones are refused as too large, unread. */
export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

/** Why a line cannot be read: too large for the line limit, or not UTF-8. */
export interface LineProblem {
  readonly reason: string;
  readonly code: "ST_ERR_EVENT_TOO_LARGE" | "ST_ERR_EVENT_JSON";
}

/** One input line with its 1-based number, or why it cannot be read. */
export interface NumberedLine {
  readonly number: number;
  readonly text: string;
  /** Set when the line is unusable as it stands (too long, not UTF-8); `text` is then empty. */
  readonly problem?: LineProblem;
}

/**
 * Splits NDJSON bytes, pushed chunk by chunk, into numbered lines; blank lines are skipped.
 * Lines longer than `maxLineBytes` (never buffered whole, but counted, so that the problem
 * says how large they were) or not valid UTF-8 come with a `problem`. Written by hand rather than with `readline` because it feeds the ingest hot path:
 * it splits raw bytes and decodes each line once.
 *
 * @example
 * ```ts
 * const splitter = new NdjsonSplitter(1 << 20);
 * const lines = [...splitter.push(chunk), ...splitter.end()];
 * ```
 */
export class NdjsonSplitter {
  readonly #maxLineBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #skipping = false;
  /** Bytes of the current line so far, kept or skipped. */
  #lineBytes = 0;
  #number = 0;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Lines completed by `chunk`. */
  push(chunk: Buffer): NumberedLine[] {
    const out: NumberedLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      this.#finish(chunk.subarray(start, nl), out);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#lineBytes += rest.length;
      if (!this.#skipping && this.#pendingBytes + rest.length <= this.#maxLineBytes) {
        this.#pending.push(Buffer.from(rest));
        this.#pendingBytes += rest.length;
      } else {
        this.#skipping = true;
        this.#pending = [];
        this.#pendingBytes = this.#maxLineBytes + 1;
      }
    }
    return out;
  }

  /** The last line, when the input does not end with a newline. */
  end(): NumberedLine[] {
    const out: NumberedLine[] = [];
    if (this.#pendingBytes > 0 || this.#skipping) this.#finish(Buffer.alloc(0), out);
    return out;
  }

  #finish(tail: Buffer, out: NumberedLine[]): void {
    const number = ++this.#number;
    const bytes = this.#lineBytes + tail.length;
    if (this.#skipping || bytes > this.#maxLineBytes) {
      out.push({
        number,
        text: "",
        problem: {
          reason: `too large: ${bytes} bytes, more than the ${this.#maxLineBytes} bytes a line may hold`,
          code: "ST_ERR_EVENT_TOO_LARGE",
        },
      });
    } else {
      const data = this.#pending.length === 0 ? tail : Buffer.concat([...this.#pending, tail]);
      const text = data.toString("utf8");
      if (text.includes("\uFFFD") && !isUtf8(data))
        out.push({ number, text: "", problem: { reason: "not valid UTF-8", code: "ST_ERR_EVENT_JSON" } });
      else if (text.trim() !== "") out.push({ number, text });
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#lineBytes = 0;
    this.#skipping = false;
  }
}
