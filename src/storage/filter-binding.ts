import { SEVERITIES } from "../event/audit-event.js";
import { formatTimestamp } from "../event/timestamp.js";
import { type FilterValue, TIME_FIELDS } from "../read-model/event-filter.js";

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
