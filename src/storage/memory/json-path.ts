import type { SqlValue } from "./sql-value.js";

/**
 * Reading a field of a parsed event by its dotted path, as SQLite's `json_extract` reads it
 * from the stored JSON: members of objects only (a path never indexes into an array), JSON
 * `null` and a missing member alike read as NULL.
 */

const SAFE_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * The segments of a dotted field path. Refuses what the filter syntax refuses (quotes, spaces,
 * empty segments) with a `RangeError`, as the SQLite driver does, so a filter that one driver
 * rejects is rejected by all.
 *
 * @example
 * ```ts
 * pathSegments("details.a.b"); // ["details", "a", "b"]
 * ```
 */
export function pathSegments(field: string): readonly string[] {
  if (!SAFE_PATH.test(field)) throw new RangeError(`unsafe field path "${field}"`);
  return field.split(".");
}

/** The JSON value at `segments` inside `value`, or `undefined` when a member is missing. */
export function readPath(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * A JSON value as SQL sees it: NULL for a missing member or JSON `null`, 1 and 0 for `true` and
 * `false`, numbers and texts as they are, and objects and arrays as their canonical JSON text
 * (the stored JSON is canonical, so this is the very text `json_extract` returns).
 *
 * @example
 * ```ts
 * sqlValueOf({ b: 1, a: [true] }); // '{"a":[true],"b":1}'
 * ```
 */
export function sqlValueOf(json: unknown): SqlValue {
  if (json === undefined || json === null) return null;
  if (typeof json === "boolean") return json ? 1 : 0;
  if (typeof json === "number" || typeof json === "string") return json;
  return canonicalText(json);
}

/** RFC 8785 text of a parsed JSON value: members sorted by UTF-16 code units, no whitespace. */
function canonicalText(json: unknown): string {
  if (Array.isArray(json)) return `[${json.map(canonicalText).join(",")}]`;
  if (typeof json === "object" && json !== null) {
    const record = json as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalText(record[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(json) ?? "null";
}

/**
 * The SQL values `json_each` walks at a list field: an array's elements, an object's member
 * values, a single other value itself, nothing when the field is missing.
 */
export function listElements(json: unknown): SqlValue[] {
  if (json === undefined) return [];
  if (Array.isArray(json)) return json.map(sqlValueOf);
  if (typeof json === "object" && json !== null) return Object.values(json).map(sqlValueOf);
  return [sqlValueOf(json)];
}
