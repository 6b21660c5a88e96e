import { counted } from "./counted.js";

/**
 * Times and durations as people read them, one wording everywhere (reports, the CLI): an instant
 * in ISO 8601 UTC without zero milliseconds, a duration in its largest whole unit, singular or
 * plural as the number says.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Largest unit first. */
const UNITS: readonly { readonly ms: number; readonly one: string; readonly many: string }[] = [
  { ms: DAY, one: "day", many: "days" },
  { ms: HOUR, one: "hour", many: "hours" },
  { ms: MINUTE, one: "minute", many: "minutes" },
  { ms: SECOND, one: "second", many: "seconds" },
];

/** `YYYY-MM-DDTHH:mm:ss.sssZ`, the form events are stored in (and `Date#toISOString` writes). */
const STORED_FORM = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{3})Z$/;

/**
 * An instant as people read it: ISO 8601 in UTC, `YYYY-MM-DDTHH:mm:ssZ`, with the milliseconds
 * only when there are some (`.120Z` stays). Takes Unix milliseconds or a date-time text (one with
 * an offset is shown in UTC); text that is not a date-time is returned as it is. Machine formats
 * (JSON, NDJSON, CSV exports) keep the stored form instead.
 *
 * @example
 * ```ts
 * humanTimestamp("2026-11-22T10:15:00.000Z"); // "2026-11-22T10:15:00Z"
 * humanTimestamp("2026-11-22T10:15:00.120Z"); // "2026-11-22T10:15:00.120Z"
 * humanTimestamp(0); // "1970-01-01T00:00:00Z"
 * ```
 */
export function humanTimestamp(value: string | number): string {
  let stored: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    stored = new Date(value).toISOString();
  } else if (STORED_FORM.test(value)) {
    stored = value;
  } else {
    // Only full date-times with a time zone are converted; anything else is not an instant.
    if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value)) return value;
    const ms = Date.parse(value.replace(" ", "T"));
    if (Number.isNaN(ms)) return value;
    stored = new Date(ms).toISOString();
  }
  const m = STORED_FORM.exec(stored);
  if (!m) return stored;
  return m[2] === "000" ? `${m[1]}Z` : stored;
}

/**
 * A length of time in its largest whole unit (days, hours, minutes or seconds), rounded down,
 * the sign ignored; under a second, "less than a second".
 *
 * @example
 * ```ts
 * humanDuration(2 * 60_000 + 5_000); // "2 minutes"
 * humanDuration(86_400_000); // "1 day"
 * ```
 */
export function humanDuration(ms: number): string {
  const size = Math.abs(ms);
  for (const unit of UNITS) {
    if (size >= unit.ms) return counted(Math.floor(size / unit.ms), unit.one, unit.many);
  }
  return "less than a second";
}

/** `n` to three significant digits, as short as it reads (`1.4`, `12.5`, `405`, `0.25`). */
const threeDigits = (n: number): number => Number(n.toPrecision(3));

/**
 * A measured duration (how long an operation took) as people read it: milliseconds under a
 * second and seconds under a minute, to three significant digits (`0.25 ms`, `12 ms`, `405 ms`,
 * `1.4 s`, `12.3 s`); then whole minutes and seconds (`2 min 3 s`), or hours and minutes
 * (`1 h 5 min`). Unlike {@link humanDuration}, which gives ages in their largest whole unit, it
 * keeps the precision a latency needs.
 *
 * @example
 * ```ts
 * humanElapsed(12); // "12 ms"
 * humanElapsed(1_404); // "1.4 s"
 * humanElapsed(123_456.789); // "2 min 3 s"
 * ```
 */
export function humanElapsed(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`;
  if (ms < 0) return `-${humanElapsed(-ms)}`;
  const inMs = threeDigits(ms);
  if (inMs < SECOND) return `${inMs} ms`;
  const inSeconds = threeDigits(ms / SECOND);
  if (inSeconds < 60) return `${inSeconds} s`;
  const seconds = Math.round(ms / SECOND);
  if (seconds < HOUR / SECOND) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return s === 0 ? `${m} min` : `${m} min ${s} s`;
  }
  const minutes = Math.round(ms / MINUTE);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/**
 * When `then` is, seen from `reference` (Unix milliseconds): "2 minutes ago", "in 3 days",
 * "now"; with `referenceName`, relative to that instead of the present: "2 minutes before the
 * period's end", "3 days after the period's end", "at the period's end". Instants less than a
 * second apart count as the same.
 *
 * @example
 * ```ts
 * relativeTime(now - 120_000, now); // "2 minutes ago"
 * relativeTime(now + 3 * 86_400_000, now); // "in 3 days"
 * relativeTime(end - 120_000, end, "the period's end"); // "2 minutes before the period's end"
 * ```
 */
export function relativeTime(then: number, reference: number, referenceName?: string): string {
  const delta = then - reference;
  if (Math.abs(delta) < SECOND) return referenceName === undefined ? "now" : `at ${referenceName}`;
  const span = humanDuration(delta);
  if (referenceName === undefined) return delta < 0 ? `${span} ago` : `in ${span}`;
  return `${span} ${delta < 0 ? "before" : "after"} ${referenceName}`;
}

/**
 * Whole days from `from` to `to` (Unix milliseconds), rounded toward zero, so that two minutes
 * either side of an instant is 0 days, never -1.
 *
 * @example
 * ```ts
 * wholeDays(now, now - 120_000); // 0
 * wholeDays(now, now + 3.5 * 86_400_000); // 3
 * ```
 */
export function wholeDays(from: number, to: number): number {
  const days = Math.trunc((to - from) / DAY);
  return days === 0 ? 0 : days;
}
