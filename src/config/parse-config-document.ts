import { isUtf8 } from "node:buffer";
import { createRequire } from "node:module";
import { extname } from "node:path";
import { pointerParts, type SchemaIssue } from "./schema-issues.js";

const require = createRequire(import.meta.url);

/** The `yaml` package, loaded on first use: a program that handles no YAML never loads it. */
const yaml = (): typeof import("yaml") => require("yaml");

/** A configuration file's parsed value, and where each of its values sits in the text. */
export interface ConfigDocument {
  /** The parsed value; `undefined` for a document with nothing in it. */
  readonly value: unknown;
  /** The 1-based line of the value at `pointer` (or of the nearest value holding it). */
  lineOf(pointer: string): number | undefined;
}

/** The result of {@link parseConfigDocument}: the document, or why the text is not one. */
export type ParsedDocument =
  | { readonly ok: true; readonly document: ConfigDocument }
  | { readonly ok: false; readonly issues: readonly SchemaIssue[] };

/** The formats a configuration file may be written in, by file name extension. */
export const CONFIG_EXTENSIONS: Readonly<Record<string, "yaml" | "json">> = {
  ".yaml": "yaml",
  ".yml": "yaml",
  ".json": "json",
};

function fileIssue(expected: string, got: string, line?: number): SchemaIssue {
  return { path: "", pointer: "", expected, got, ...(line === undefined ? {} : { line }) };
}

/**
 * Line numbers of a text, read with the YAML parser (which also reads JSON): the line of a
 * value's key in a mapping (where `port:` is written, even when its value starts below), of an
 * item in a list, else of the nearest value that holds it.
 */
function positions(text: string): (pointer: string) => number | undefined {
  const { isMap, isNode, isScalar, LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const nodeAt = (parts: readonly string[]) => (parts.length === 0 ? doc.contents : doc.getIn(parts, true));
  return (pointer) => {
    const parts = pointerParts(pointer);
    for (let n = parts.length; n >= 0; n--) {
      const parent = n === 0 ? undefined : nodeAt(parts.slice(0, n - 1));
      const key = parts[n - 1];
      const pair = isMap(parent)
        ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
        : undefined;
      const node = isScalar(pair?.key) ? pair.key : nodeAt(parts.slice(0, n));
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

/**
 * Parses a configuration file's bytes as YAML (`.yaml`, `.yml`) or JSON (`.json`). Text that is
 * not UTF-8, or not valid in its format, gives the issues with their line and column; JSON is read
 * strictly (no trailing commas, no comments), YAML with unique keys.
 *
 * @example
 * ```ts
 * const parsed = parseConfigDocument("sealtrail.yaml", readFileSync("sealtrail.yaml"));
 * if (parsed.ok) parsed.document.lineOf("/server/port"); // 2
 * ```
 */
export function parseConfigDocument(file: string, bytes: Uint8Array): ParsedDocument {
  const format = CONFIG_EXTENSIONS[extname(file).toLowerCase()];
  if (!format) {
    return {
      ok: false,
      issues: [
        fileIssue(
          "a file name ending in .yaml, .yml or .json",
          JSON.stringify(extname(file) || "no extension"),
        ),
      ],
    };
  }
  if (!isUtf8(bytes)) return { ok: false, issues: [fileIssue("UTF-8 text", "other bytes")] };
  const text = Buffer.from(bytes)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  if (format === "json") {
    if (text.trim() === "") return { ok: true, document: { value: undefined, lineOf: () => undefined } };
    try {
      const value: unknown = JSON.parse(text);
      return { ok: true, document: { value, lineOf: positions(text) } };
    } catch (error) {
      const message = (error as Error).message;
      const at = /at position (\d+)/.exec(message);
      const offset = at ? Number(at[1]) : text.length;
      const before = text.slice(0, offset).split("\n");
      const reason = message
        .replace(/ in JSON at position \d+.*$/s, "")
        .replace(/^Unexpected end of JSON input$/, "the end of the text before the JSON ends");
      return {
        ok: false,
        issues: [
          fileIssue(
            "JSON",
            `a syntax error at column ${(before.at(-1)?.length ?? 0) + 1}: ${reason}`,
            before.length,
          ),
        ],
      };
    }
  }
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  // The first syntax error only: the parser's later ones follow from it.
  const [error] = doc.errors;
  if (error) {
    const where = lines.linePos(error.pos[0]);
    const first = error.message.split("\n")[0] ?? error.message;
    return {
      ok: false,
      issues: [fileIssue("YAML", `a syntax error at column ${where.col}: ${first}`, where.line)],
    };
  }
  const value: unknown = doc.contents === null ? undefined : doc.toJS({ maxAliasCount: 100 });
  return { ok: true, document: { value, lineOf: positions(text) } };
}
