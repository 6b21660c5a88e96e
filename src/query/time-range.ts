import { SealtrailError } from "../errors.js";
import { parseRfc3339 } from "../event/timestamp.js";

/**
 * Times as people type them: durations back from now (`90s`, `15m`, `24h`, `7d`, `2w`), RFC 3339
 * date-times, and plain dates (`2026-11-01`, midnight UTC).
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `24h` into milliseconds, or `undefined` if it is not one.
 *
 * @example
 * ```ts
 * parseDuration("7d"); // 604800000
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : undefined;
}

/**
 * Parses an instant: a duration means that long before `now`; else RFC 3339 or `YYYY-MM-DD`.
 * Throws `ST_ERR_QUERY_TIME` naming `what` when the text is none of these.
 *
 * @example
 * ```ts
 * parseInstant("24h", "since"); // Date.now() - 86400000
 * parseInstant("2026-11-01", "until"); // Date.UTC(2026, 10, 1)
 * ```
 */
export function parseInstant(text: string, what: string, now: number = Date.now()): number {
  const trimmed = text.trim();
  const duration = parseDuration(trimmed);
  if (duration !== undefined) return now - duration;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(trimmed)
    ? parseRfc3339(`${trimmed}T00:00:00Z`)
    : parseRfc3339(trimmed);
  if (date !== undefined) return date;
  throw new SealtrailError(
    "ST_ERR_QUERY_TIME",
    `${what}: expected a duration (30m, 24h, 7d), a date (2026-11-01) or an RFC 3339 date-time, got "${text}"`,
    { details: { field: what } },
  );
}
