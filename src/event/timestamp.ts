/**
 * RFC 3339 parsing into UTC milliseconds, strict about calendar validity (no 2026-02-30), and
 * the one stored form: `YYYY-MM-DDTHH:mm:ss.sssZ`.
 */

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants the stored form can write. */
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_799_999;

/** `YYYY-MM-DDTHH:mm:ss.sssZ` with every field in range (days checked against the month apart). */
const STORED_FORM = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 date-time into Unix milliseconds (fractions beyond milliseconds are
 * truncated). Returns `undefined` when the text is not a valid RFC 3339 date-time, or when in
 * UTC it falls outside the years 0000–9999 that the stored form can write.
 *
 * @example
 * ```ts
 * parseRfc3339("2026-11-22T10:15:00+01:00"); // 1795338900000
 * ```
 */
export function parseRfc3339(text: string): number | undefined {
  if (STORED_FORM.test(text)) {
    // Fast path for text already in the stored form (most producers send it): the regex checks
    // every field's range, the table checks the day exists, Date.parse reads ISO text exactly.
    const year = Number(text.slice(0, 4));
    const month = Number(text.slice(5, 7));
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const days = month === 2 ? (leap ? 29 : 28) : (DAYS_IN_MONTH[month - 1] as number);
    return Number(text.slice(8, 10)) <= days ? Date.parse(text) : undefined;
  }
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  // Not Date.UTC: it reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  if (date.getUTCDate() !== day) return undefined;
  const local = date.getTime();
  let utc = local;
  if (!m[8]) {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return undefined;
    utc = local - (offHours * 60 + offMinutes) * 60_000 * (m[9] === "-" ? -1 : 1);
  }
  return utc >= MIN_MS && utc <= MAX_MS ? utc : undefined;
}

/**
 * Formats Unix milliseconds as the stored timestamp form, `YYYY-MM-DDTHH:mm:ss.sssZ`.
 *
 * @example
 * ```ts
 * formatTimestamp(0); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function formatTimestamp(ms: number): string {
  // Events arrive many per millisecond; the last result is reused for the same instant.
  if (ms !== lastFormatted) {
    // Remembered only once formatted: an instant that cannot be formatted throws every time.
    lastText = new Date(ms).toISOString();
    lastFormatted = ms;
  }
  return lastText;
}

let lastFormatted = Number.NaN;
let lastText = "";
