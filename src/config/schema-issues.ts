import type { ErrorObject } from "ajv/dist/2020.js";
import { SealtrailError } from "../errors.js";
import { closestName } from "./closest-name.js";

/**
 * Turns JSON Schema (ajv) errors into plain statements a person can act on — where, what was
 * expected there, what was found — for any file checked against a schema (the configuration,
 * compliance control maps). "Expected" is read from the failing subschema as a whole (its
 * `title`, else its type, range, length or allowed values), so a port of `"8080"` and one of
 * `70000` both say `expected an integer from 1 to 65535`.
 */

/** One problem in a file: `server.port: expected an integer from 1 to 65535, got 70000`. */
export interface SchemaIssue {
  /** Dotted path of the value (`server.limits.ndjson_lines`, `controls[3].checks[0]`); "" for the whole file. */
  readonly path: string;
  /** The value's JSON Pointer (`/server/port`), for finding it in the source. */
  readonly pointer: string;
  /** What was expected, without the word "expected". */
  readonly expected: string;
  /** What was found, without the word "got". */
  readonly got: string;
  /** 1-based line of the value in the file, when known. */
  readonly line?: number;
}

/** Options of {@link schemaIssues}. */
export interface SchemaIssueOptions {
  /**
   * Describes the value at a JSON Pointer instead of the default description, e.g. to keep a
   * secret out of a message; `undefined` falls back to the default.
   */
  readonly describeValue?: (pointer: string, value: unknown) => string | undefined;
  /** What the keys of the top-level mapping are called in "unknown …" (default `key`; `section` for the configuration). */
  readonly topLevelKey?: string;
}

/** A JSON Pointer's parts, unescaped. */
export function pointerParts(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** `/controls/3/checks/0/kind` → `controls[3].checks[0].kind`; keys that are not plain names are quoted. */
export function dottedPath(pointer: string): string {
  return pointerParts(pointer).reduce((path, part) => {
    if (/^\d+$/.test(part)) return `${path}[${part}]`;
    if (!/^[A-Za-z_$][\w$-]*$/.test(part)) return `${path}[${JSON.stringify(part)}]`;
    return path ? `${path}.${part}` : part;
  }, "");
}

/** How a value is described after "got": a quoted text, a number, `a list`, `a mapping`, … */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (value instanceof Uint8Array) return "binary data";
  if (typeof value === "object") return Object.keys(value).length === 0 ? "an empty mapping" : "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
  return String(value);
}

type Schema = Record<string, unknown>;

function child(node: unknown, part: string): unknown {
  return typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined;
}

function at(root: unknown, parts: readonly string[]): unknown {
  return parts.reduce(child, root);
}

function range(noun: string, min: unknown, max: unknown): string {
  const lo = typeof min === "number" ? min : undefined;
  const hi = typeof max === "number" ? max : undefined;
  if (lo !== undefined && hi !== undefined) return `${noun} from ${lo} to ${hi}`;
  if (lo !== undefined) return `${noun} ≥ ${lo}`;
  if (hi !== undefined) return `${noun} ≤ ${hi}`;
  return noun;
}

/** What a subschema asks for, in words. */
export function expectationOf(schema: unknown): string {
  if (typeof schema !== "object" || schema === null) return "a valid value";
  const s = schema as Schema;
  if (typeof s.title === "string") return s.title;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum))
    return `one of ${s.enum.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ")}`;
  switch (s.type) {
    case "integer":
      return range("an integer", s.minimum, s.maximum);
    case "number":
      return range("a number", s.minimum, s.maximum);
    case "boolean":
      return "true or false";
    case "string":
      if (typeof s.pattern === "string") return `a text matching ${s.pattern}`;
      return s.minLength === 1 ? "a non-empty text" : "a text";
    case "array":
      return typeof s.minItems === "number" && s.minItems > 0
        ? `a list of at least ${s.minItems} item${s.minItems === 1 ? "" : "s"}`
        : "a list";
    case "object":
      return "a mapping";
    default:
      return "a valid value";
  }
}

const COMBINATORS = new Set(["allOf", "anyOf", "oneOf", "if", "then", "else"]);

/**
 * The schema of property `name` of the object whose (sub)schema is at `parts`, looking up from
 * `if`/`then` branches to the object schema that holds them.
 */
function propertySchema(schema: object, parts: readonly string[], name: string): unknown {
  for (let end = parts.length; end >= 0; end--) {
    const found = child(child(at(schema, parts.slice(0, end)), "properties"), name);
    if (found !== undefined) return found;
    const last = parts[end - 1];
    if (last === undefined || !(COMBINATORS.has(last) || /^\d+$/.test(last))) return undefined;
  }
  return undefined;
}

/** The pointer of `key` inside the value at `pointer`. */
function childPointer(pointer: string, key: string): string {
  return `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
}

/**
 * The issues behind ajv's `errors` (run with `allErrors` to get them all) for `data` checked
 * against `schema`, at most one per value, in the order ajv found them.
 *
 * @example
 * ```ts
 * if (!validate(data)) for (const i of schemaIssues(validate.errors ?? [], SCHEMA, data))
 *   console.error(`${file}: ${i.path}: expected ${i.expected}, got ${i.got}`);
 * ```
 */
export function schemaIssues(
  errors: readonly ErrorObject[],
  schema: object,
  data: unknown,
  options: SchemaIssueOptions = {},
): SchemaIssue[] {
  const describe = (pointer: string, value: unknown) =>
    options.describeValue?.(pointer, value) ?? describeValue(value);
  const issues = new Map<string, SchemaIssue>();
  const add = (pointer: string, expected: string, got: string) => {
    if (!issues.has(pointer)) issues.set(pointer, { path: dottedPath(pointer), pointer, expected, got });
  };
  for (const error of errors) {
    const schemaParts = pointerParts(error.schemaPath.replace(/^#/, ""));
    const parent = at(schema, schemaParts.slice(0, -1)) as Schema | undefined;
    const value = at(data, pointerParts(error.instancePath));
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      // Reported by the keyword inside the branch that failed.
      case "if":
      case "anyOf":
      case "oneOf":
        break;
      case "additionalProperties": {
        const name = String(params.additionalProperty);
        const known = Object.keys((parent?.properties as Schema | undefined) ?? {}).filter(
          (key) => !key.startsWith("$"),
        );
        const what = error.instancePath === "" ? (options.topLevelKey ?? "key") : "key";
        const expected =
          known.length === 0
            ? ((parent?.title as string | undefined) ?? "no keys")
            : `one of the ${what}s ${known.join(", ")}`;
        const suggestion = closestName(name, known);
        add(
          childPointer(error.instancePath, name),
          expected,
          `unknown ${what} ${JSON.stringify(name)}${suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ""}`,
        );
        break;
      }
      case "required": {
        const name = String(params.missingProperty);
        const property = propertySchema(schema, schemaParts.slice(0, -1), name);
        add(
          childPointer(error.instancePath, name),
          `${property === undefined ? "a value" : expectationOf(property)} (it is required)`,
          "nothing",
        );
        break;
      }
      default:
        add(error.instancePath, expectationOf(parent), describe(error.instancePath, value));
    }
  }
  return [...issues.values()];
}

/** `file: path: expected …, got … (line N)`; without a path for the file as a whole. */
export function formatIssue(file: string, issue: SchemaIssue): string {
  return `${file}: ${issue.path ? `${issue.path}: ` : ""}expected ${issue.expected}, got ${issue.got}${
    issue.line === undefined ? "" : ` (line ${issue.line})`
  }`;
}

/**
 * One `ST_ERR_CONFIG_INVALID` error for every issue of a file: its message holds one line per
 * issue, and `details.issues` the issues themselves.
 */
export function invalidFile(
  file: string,
  issues: readonly SchemaIssue[],
  details: Record<string, unknown> = {},
): SealtrailError {
  return new SealtrailError("ST_ERR_CONFIG_INVALID", issues.map((i) => formatIssue(file, i)).join("\n"), {
    details: {
      ...details,
      file,
      issues: issues.map((i) => ({ path: i.path, expected: i.expected, got: i.got, line: i.line })),
      ...(issues[0]?.path ? { field: issues[0].path } : {}),
    },
  });
}
