/**
 * The README's commands, read for the documentation test. Every ```sh block is run, line by
 * line, in order, in one working directory; an HTML comment right above a block changes that:
 *
 * - `<!-- doctest: skip REASON -->` — the block is not run (the reason is required);
 * - `<!-- doctest: files PATH… -->` — copies `test/fixtures/readme/PATH` to `PATH` in the
 *   working directory before the block runs (the files its commands name);
 * - `<!-- doctest: long-running PREFIX -->` — lines starting with PREFIX run in the background
 *   while the rest of the block runs, then are stopped with SIGTERM and must exit 0;
 * - `<!-- doctest: file NAME -->` (on a block of another language) — the block's text is written
 *   to `NAME` in the working directory before any block runs (the README's own YAML examples).
 *
 * Markers are parsed strictly: one this module does not know fails the test.
 */

/** A marker above a block. */
export type Marker =
  | { readonly kind: "skip"; readonly reason: string }
  | { readonly kind: "files"; readonly paths: readonly string[] }
  | { readonly kind: "long-running"; readonly prefix: string }
  | { readonly kind: "file"; readonly name: string };

/** One command line of a block, with its 1-based line number in the README. */
export interface CommandLine {
  readonly line: number;
  readonly text: string;
}

/** A fenced code block and the markers above it. */
export interface DocBlock {
  /** The README line of the opening fence. */
  readonly line: number;
  readonly language: string;
  readonly markers: readonly Marker[];
  /** The block's lines (blank ones left out for shell blocks). */
  readonly lines: readonly CommandLine[];
  /** The block's text as written. */
  readonly text: string;
}

const MARKER = /^<!--\s*doctest:\s*(.*?)\s*-->$/;

function parseMarker(text: string, line: number): Marker {
  const [kind, ...rest] = text.split(/\s+/);
  const args = rest.join(" ");
  switch (kind) {
    case "skip":
      if (args === "") throw new Error(`README.md:${line}: doctest skip needs a reason`);
      return { kind, reason: args };
    case "files":
      if (rest.length === 0) throw new Error(`README.md:${line}: doctest files needs paths`);
      return { kind, paths: rest };
    case "long-running":
      if (args === "") throw new Error(`README.md:${line}: doctest long-running needs a command prefix`);
      return { kind, prefix: args };
    case "file":
      if (rest.length !== 1) throw new Error(`README.md:${line}: doctest file needs one file name`);
      return { kind, name: args };
    default:
      throw new Error(`README.md:${line}: unknown doctest marker "${text}"`);
  }
}

/**
 * The fenced code blocks of a Markdown text, each with the `doctest` markers on the lines right
 * above its fence.
 *
 * @example
 * ```ts
 * const blocks = readmeBlocks(readFileSync("README.md", "utf8")).filter((b) => b.language === "sh");
 * ```
 */
export function readmeBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const markers: Marker[] = [];
    for (let j = i - 1; j >= 0; j--) {
      const m = MARKER.exec((lines[j] as string).trim());
      if (!m) break;
      markers.unshift(parseMarker(m[1] as string, j + 1));
    }
    const body: CommandLine[] = [];
    let end = i + 1;
    for (; end < lines.length && !/^```\s*$/.test(lines[end] as string); end++) {
      body.push({ line: end + 1, text: lines[end] as string });
    }
    const language = open[1] as string;
    blocks.push({
      line: i + 1,
      language,
      markers,
      lines: language === "sh" ? body.filter((l) => l.text.trim() !== "") : body,
      text: body.map((l) => `${l.text}\n`).join(""),
    });
    i = end;
  }
  return blocks;
}

/**
 * Inline code in running text that looks like a command to run (`sealtrail` followed by more
 * than command names, such as an option's value or a JSON argument): such examples belong in a
 * block, where they are run. Answers `README.md:LINE: text` for each.
 */
export function inlineCommands(markdown: string): string[] {
  const found: string[] = [];
  let inBlock = false;
  markdown.split("\n").forEach((text, i) => {
    if (/^```/.test(text)) inBlock = !inBlock;
    if (inBlock) return;
    for (const [, code] of text.matchAll(/`(sealtrail [^`]*)`/g)) {
      if (!/^sealtrail( [a-z][a-z-]*)*$/.test(code as string)) found.push(`README.md:${i + 1}: ${code}`);
    }
  });
  return found;
}
