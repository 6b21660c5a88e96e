import type { ErrorObject } from "ajv/dist/2020.js";
import { SealtrailError } from "../../errors.js";

/**
 * Problems with detection rules in plain words — where (`alerting.rules[2].threshold.window`),
 * what was expected there (read from the schema's `title`), and what was found — gathered into
 * one `ST_ERR_ALERT_RULE` error naming the file.
 */

/** One problem with a rule: `alerting.rules[2].threshold.window: expected a duration like 5m, got "5 minutes"`. */
export interface RuleIssue {
  /** Dotted path of the value (`alerting.rules[2].match[1]`); "" for the file as a whole. */
  readonly path: string;
  /** What was expected, without the word "expected". */
  readonly expected: string;
  /** What was found, without the word "got". */
  readonly got: string;
  /** 1-based line of the value in the file, when known. */
  readonly line?: number;
}

/** How a value is described after "got": a quoted text, a number, `a list`, `a mapping`, … */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return Object.keys(value).length === 0 ? "an empty mapping" : "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
  return String(value);
}

/** A JSON Pointer's parts, unescaped. */
export function pointerParts(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** `base` followed by the parts: `alerting.rules` + `[2, "threshold"]` → `alerting.rules[2].threshold`. */
export function joinPath(base: string, parts: readonly (string | number)[]): string {
  return parts.reduce<string>((path, part) => {
    if (typeof part === "number" || /^\d+$/.test(part)) return `${path}[${part}]`;
    if (!/^[A-Za-z_$][\w$-]*$/.test(part)) return `${path}[${JSON.stringify(part)}]`;
    return path ? `${path}.${part}` : part;
  }, base);
}

function at(root: unknown, parts: readonly string[]): unknown {
  let node = root;
  for (const part of parts) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** What a subschema asks for: its title, else a plain reading of its type. */
function expectationOf(schema: unknown): string {
  if (typeof schema !== "object" || schema === null) return "a valid value";
  const s = schema as { title?: unknown; type?: unknown };
  if (typeof s.title === "string") return s.title;
  switch (s.type) {
    case "array":
      return "a list";
    case "object":
      return "a mapping";
    case "string":
      return "a text";
    default:
      return "a valid value";
  }
}

/** A problem the schema found, at the JSON Pointer of the value. */
export interface SchemaIssue {
  readonly pointer: string;
  readonly expected: string;
  readonly got: string;
}

/**
 * The issues behind ajv's errors for `data` checked against `schema`, at most one per value, in
 * the order ajv found them.
 */
export function schemaIssues(errors: readonly ErrorObject[], schema: object, data: unknown): SchemaIssue[] {
  const issues = new Map<string, SchemaIssue>();
  const add = (pointer: string, expected: string, got: string) => {
    if (!issues.has(pointer)) issues.set(pointer, { pointer, expected, got });
  };
  for (const error of errors) {
    const schemaParts = pointerParts(error.schemaPath.replace(/^#/, ""));
    const parent = at(schema, schemaParts.slice(0, -1)) as Record<string, unknown> | undefined;
    const value = at(data, pointerParts(error.instancePath));
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case "anyOf":
      case "oneOf":
        break;
      case "additionalProperties": {
        const name = String(params.additionalProperty);
        const known = Object.keys((parent?.properties as object | undefined) ?? {}).filter(
          (key) => !key.startsWith("$"),
        );
        add(`${error.instancePath}/${name}`, `one of the keys ${known.join(", ")}`, `unknown key "${name}"`);
        break;
      }
      case "required": {
        const name = String(params.missingProperty);
        const property = (parent?.properties as Record<string, unknown> | undefined)?.[name];
        add(`${error.instancePath}/${name}`, `${expectationOf(property)} (it is required)`, "nothing");
        break;
      }
      default:
        add(error.instancePath, expectationOf(parent), describeValue(value));
    }
  }
  return [...issues.values()];
}

/** `file: path: expected …, got … (line N)`. */
export function formatRuleIssue(file: string | undefined, issue: RuleIssue): string {
  const where = [file, issue.path].filter((part) => part !== undefined && part !== "").join(": ");
  return `${where ? `${where}: ` : ""}expected ${issue.expected}, got ${issue.got}${
    issue.line === undefined ? "" : ` (line ${issue.line})`
  }`;
}

/**
 * One `ST_ERR_ALERT_RULE` error for every issue: its message holds one line per issue, and
 * `details.issues` the issues themselves.
 */
export function invalidRules(file: string | undefined, issues: readonly RuleIssue[]): SealtrailError {
  return new SealtrailError("ST_ERR_ALERT_RULE", issues.map((i) => formatRuleIssue(file, i)).join("\n"), {
    details: {
      ...(file === undefined ? {} : { file }),
      issues: issues.map((i) => ({ path: i.path, expected: i.expected, got: i.got, line: i.line })),
      ...(issues[0]?.path ? { field: issues[0].path } : {}),
    },
  });
}
