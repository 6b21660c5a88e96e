import { SEVERITIES } from "../event/audit-event.js";
import { formatTimestamp } from "../event/timestamp.js";
import { BLANK_CHARACTERS, type FilterValue, TIME_FIELDS } from "../read-model/event-filter.js";

/**
 * How a filter's values meet the stored columns, shared by every driver so that they answer
 * alike (the SQLite driver binds these values; the memory driver compares with them).
 */

const SEVERITY_LEVEL = new Map<string, number>(SEVERITIES.map((name, level) => [name, level]));

/**
 * The smallest string greater than every string starting with `prefix`: `prefix` ops are the
 * range [prefix, bound).
 *
 * @example
 * ```ts
 * prefixUpperBound("user."); // "user/"
 * ```
 */
export function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * A filter value as stored for `field`: a severity as its level (-1 for none), a time other than
 * `timestamp` as its RFC 3339 text, a boolean as 1 or 0; anything else unchanged.
 *
 * @example
 * ```ts
 * filterBindValue("severity", "warning"); // 4
 * ```
 */
export function filterBindValue(field: string, value: FilterValue): string | number {
  if (field === "severity") return SEVERITY_LEVEL.get(String(value)) ?? -1;
  if (TIME_FIELDS.has(field) && field !== "timestamp" && typeof value === "number")
    return formatTimestamp(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

/**
 * A `glob` condition's pattern as SQLite's `GLOB` reads it: `*` stays the one wildcard, and
 * the characters `GLOB` would also read as wildcards (`?`, `[`) stand for themselves.
 *
 * @example
 * ```ts
 * sqliteGlob("*.create?"); // "*.create[?]"
 * ```
 */
export function sqliteGlob(pattern: string): string {
  return pattern.replace(/[[?]/g, (c) => `[${c}]`);
}

/**
 * A `glob` condition's pattern as a regular expression matching what SQLite's `GLOB` matches:
 * the whole text, `*` any run of characters, case included.
 *
 * @example
 * ```ts
 * globRegExp("*.create").test("service.create"); // true
 * ```
 */
export function globRegExp(pattern: string): RegExp {
  const literal = (part: string) => part.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
  return new RegExp(`^${pattern.split("*").map(literal).join("[\\s\\S]*")}$`);
}

/**
 * Whether a text is blank: nothing but {@link BLANK_CHARACTERS} (as SQLite's
 * `trim(text, characters) = ''` decides it).
 *
 * @example
 * ```ts
 * isBlankText(" \t"); // true
 * ```
 */
export function isBlankText(text: string): boolean {
  for (const c of text) if (!BLANK_CHARACTERS.includes(c)) return false;
  return true;
}
