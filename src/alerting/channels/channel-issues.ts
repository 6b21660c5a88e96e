import type { ErrorObject } from "ajv/dist/2020.js";
import { CHANNEL_SCHEMA } from "./channel-schema.js";

/**
 * A channel definition's problems in words — where, what was expected, what was found — read
 * from the errors of the validator generated from {@link CHANNEL_SCHEMA}. "Expected" is the
 * `title` of the subschema that failed (every property of the schema has one); "got" never
 * shows a value the schema marks `writeOnly` (a secret).
 */

/** One problem: `smtp.port: expected a port number 1–65535, got 0`. */
export interface ChannelIssue {
  /** Dotted path inside the channel definition (`smtp.port`, `to[1]`); "" for the definition itself. */
  readonly path: string;
  /** What was expected, without the word "expected". */
  readonly expected: string;
  /** What was found, without the word "got". */
  readonly got: string;
}

type Schema = Record<string, unknown>;

/** A JSON Pointer's parts, unescaped. */
function pointerParts(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** `["smtp", "port"]` → `smtp.port`; `["to", "1"]` → `to[1]`; odd keys quoted. */
export function dotted(parts: readonly string[]): string {
  return parts.reduce((path, part) => {
    if (/^\d+$/.test(part)) return `${path}[${part}]`;
    if (!/^[A-Za-z_$][\w$-]*$/.test(part)) return `${path}[${JSON.stringify(part)}]`;
    return path ? `${path}.${part}` : part;
  }, "");
}

function at(root: unknown, parts: readonly string[]): unknown {
  return parts.reduce<unknown>(
    (node, part) => (typeof node === "object" && node !== null ? (node as Schema)[part] : undefined),
    root,
  );
}

/** How a value is described after "got"; a secret by its kind and length only. */
export function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return Object.keys(value).length === 0 ? "an empty mapping" : "a mapping";
  if (typeof value === "string") {
    if (secret) return value.length === 0 ? "an empty text" : `a hidden text of ${value.length} characters`;
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
  }
  return secret ? `a ${typeof value}` : String(value);
}

/** The title of a subschema, or a fallback. */
function titleOf(schema: unknown): string {
  const title = (schema as Schema | undefined)?.title;
  return typeof title === "string" ? title : "a valid value";
}

/**
 * The issues behind the validator's `errors` for `definition`, at most one per value.
 *
 * @example
 * ```ts
 * if (!check(definition)) channelIssues(check.errors ?? [], definition);
 * // [{ path: "smtp.port", expected: "a port number 1–65535", got: "0" }]
 * ```
 */
export function channelIssues(errors: readonly ErrorObject[], definition: unknown): ChannelIssue[] {
  const issues = new Map<string, ChannelIssue>();
  const add = (parts: readonly string[], expected: string, got: string) => {
    const path = dotted(parts);
    if (!issues.has(path)) issues.set(path, { path, expected, got });
  };
  // The definition's own errors first: for a definition that is not a mapping, every type's
  // branch fails too, and the definition's title says it best.
  const ordered = [...errors].sort(
    (a, b) => Number(a.schemaPath.startsWith("#/allOf/")) - Number(b.schemaPath.startsWith("#/allOf/")),
  );
  for (const error of ordered) {
    const schemaParts = pointerParts(error.schemaPath.replace(/^#/, ""));
    const parent = at(CHANNEL_SCHEMA, schemaParts.slice(0, -1)) as Schema | undefined;
    const instance = pointerParts(error.instancePath);
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      // Reported by the keyword inside the branch that failed.
      case "if":
        break;
      case "additionalProperties": {
        const name = String(params.additionalProperty);
        const known = Object.keys((parent?.properties as Schema | undefined) ?? {});
        add(
          [...instance, name],
          `one of the keys ${known.join(", ")}`,
          `unknown key ${JSON.stringify(name)}`,
        );
        break;
      }
      case "required": {
        const name = String(params.missingProperty);
        const property = (parent?.properties as Schema | undefined)?.[name];
        add([...instance, name], `${titleOf(property)} (it is required)`, "nothing");
        break;
      }
      default:
        // A whole definition given as a text is most likely a webhook URL: never quoted either.
        add(
          instance,
          titleOf(parent),
          describeValue(at(definition, instance), parent?.writeOnly === true || instance.length === 0),
        );
    }
  }
  return [...issues.values()];
}
