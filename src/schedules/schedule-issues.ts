import type { ErrorObject } from "ajv/dist/2020.js";
import { SealtrailError } from "../errors.js";
import { SCHEDULE_SCHEMA } from "./schedule-schema.js";

/**
 * A schedule's problems in words — where, and what was expected there and found — and the one
 * error that reports them all. Schema errors (from the validator generated from
 * {@link SCHEDULE_SCHEMA}) are worded with the `title` of the subschema that failed; the checks
 * a schema cannot make word their own.
 */

/** One problem: `alerting.schedules[1].cron: expected a cron expression …, got "61 * * * *"`. */
export interface ScheduleIssue {
  /** Dotted path from the file's root (`alerting.schedules[1].options.since`). */
  readonly path: string;
  /** What is wrong, starting with "expected" when it can. */
  readonly message: string;
}

type Schema = Record<string, unknown>;

/** A JSON Pointer's parts, unescaped. */
function pointerParts(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** `["options", "filter", "0"]` → `options.filter[0]`; odd keys quoted. */
export function dotted(parts: readonly string[]): string {
  return parts.reduce((path, part) => {
    if (/^\d+$/.test(part)) return `${path}[${part}]`;
    if (!/^[A-Za-z_$][\w$-]*$/.test(part)) return `${path}[${JSON.stringify(part)}]`;
    return path ? `${path}.${part}` : part;
  }, "");
}

/** `base` and a path inside it: `alerting.schedules[1]` + `cron` → `alerting.schedules[1].cron`. */
export function joinPath(base: string, inner: string): string {
  if (inner === "") return base;
  return inner.startsWith("[") ? `${base}${inner}` : `${base}.${inner}`;
}

function at(root: unknown, parts: readonly string[]): unknown {
  return parts.reduce<unknown>(
    (node, part) => (typeof node === "object" && node !== null ? (node as Schema)[part] : undefined),
    root,
  );
}

/** How a value is described after "got". */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return Object.keys(value).length === 0 ? "an empty mapping" : "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}…` : value);
  return String(value);
}

function titleOf(schema: unknown): string {
  const title = (schema as Schema | undefined)?.title;
  return typeof title === "string" ? title : "a valid value";
}

/**
 * The problems behind the validator's `errors` for `entry`, at most one per value; paths are
 * inside the entry (`cron`, `options.filter[0]`).
 *
 * @example
 * ```ts
 * if (!check(entry)) schemaIssues(check.errors ?? [], entry);
 * // [{ path: "format", message: 'expected a report format: one of pdf, …, got "docx"' }]
 * ```
 */
export function schemaIssues(errors: readonly ErrorObject[], entry: unknown): ScheduleIssue[] {
  const issues = new Map<string, ScheduleIssue>();
  const add = (parts: readonly string[], expected: string, got: string) => {
    const path = dotted(parts);
    if (!issues.has(path)) issues.set(path, { path, message: `expected ${expected}, got ${got}` });
  };
  for (const error of errors) {
    const schemaParts = pointerParts(error.schemaPath.replace(/^#/, ""));
    const parent = at(SCHEDULE_SCHEMA, schemaParts.slice(0, -1)) as Schema | undefined;
    const instance = pointerParts(error.instancePath);
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
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
      case "uniqueItems": {
        const list = at(entry, instance);
        const repeated = Array.isArray(list) ? list[Number(params.j)] : undefined;
        add(instance, titleOf(parent), `${describeValue(repeated)} twice`);
        break;
      }
      default:
        add(instance, titleOf(parent), describeValue(at(entry, instance)));
    }
  }
  return [...issues.values()];
}

/**
 * The one error for every problem found, one line each:
 * `sealtrail.yaml: alerting.schedules[1].cron: expected …, got …`.
 */
export function scheduleError(file: string, issues: readonly ScheduleIssue[]): SealtrailError {
  const lines = issues.map((i) => `${file}: ${i.path}: ${i.message}`);
  return new SealtrailError("ST_ERR_ALERT_SCHEDULE", lines.join("\n"), {
    details: { file, field: issues[0]?.path, issues: issues.map((i) => ({ ...i })) },
  });
}
