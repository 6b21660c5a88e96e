/**
 * SQLite's value semantics, which the filter model takes from its reference driver
 * (`sqlite-filter.ts` binds every value and compares it in SQL): NULL, numbers and texts, the
 * order between them, and the conversions a column's type affinity applies to a bound value.
 * Evaluating filters in JavaScript through these keeps a filter meaning the same on every driver.
 */

/** A value as SQLite sees it. JavaScript numbers are bound as REAL; JSON `true`/`false` read as 1/0. */
export type SqlValue = null | number | string;

/**
 * How a column converts a value compared with it: `integer` (`seq`, `ts`, `sev`) turns a numeric
 * text into a number, `text` turns a number into its SQLite text, `none` (expressions such as
 * `json_extract`, and bound values) converts nothing.
 */
export type Affinity = "integer" | "text" | "none";

/** Rank of a UTF-16 code unit such that ranks order like code points (and so like UTF-8 bytes). */
function rank(unit: number): number {
  // Surrogates encode code points above U+FFFF: they must rank after U+E000–U+FFFF.
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Orders two texts by their UTF-8 bytes, as SQLite's BINARY collation does. */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/**
 * SQLite's order of two non-NULL values: every number before every text, numbers by value,
 * texts by UTF-8 bytes. Negative, zero or positive; `NaN` when a number is `NaN` (so every
 * comparison with it is false, as with NULL).
 *
 * @example
 * ```ts
 * compareSql(5, "5") < 0;   // true: numbers sort before texts
 * compareSql("é", "z") > 0; // true: by bytes, not by locale
 * ```
 */
export function compareSql(a: number | string, b: number | string): number {
  if (typeof a === "number") return typeof b === "number" ? a - b : -1;
  return typeof b === "number" ? 1 : compareText(a, b);
}

/** Whether `a = b` holds in SQL (false when either is NULL). */
export function sqlEquals(a: SqlValue, b: SqlValue): boolean {
  return a !== null && b !== null && a === b;
}

/** SQLite's whitespace around a numeric text, and the literal itself (no hex, no `Inf`). */
const NUMERIC_TEXT = /^[ \t\n\v\f\r]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\v\f\r]*$/;

/**
 * A bound value as a column of `affinity` compares it: an `integer` column reads `" 12"`, `"1.0"`
 * and `"1e3"` as numbers; a `text` column reads the REAL 5 as `"5.0"`.
 */
export function withAffinity(affinity: Affinity, value: SqlValue): SqlValue {
  if (affinity === "integer" && typeof value === "string" && NUMERIC_TEXT.test(value)) return Number(value);
  if (affinity === "text" && typeof value === "number") return realText(value);
  return value;
}

/**
 * The text SQLite makes of a REAL: 15 significant digits when they give the number back, else
 * 17; always a decimal point (`5.0`); an exponent past 10^17 or below 10^-4 (`1.0e+21`,
 * `5.0e-05`). SQLite's own 17-digit conversion may differ in the last digit.
 */
export function realText(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  if (value === 0) return "0.0";
  let text = value.toExponential(14);
  if (Number(text) !== value) text = value.toExponential(16);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text) as RegExpExecArray;
  const [, sign, first, rest = "", exponentText] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const digits = (first + rest).replace(/0+$/, "") || "0";
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 17) {
    const e = Math.abs(exponent).toString().padStart(2, "0");
    return `${sign}${digits[0]}.${digits.slice(1) || "0"}e${exponent < 0 ? "-" : "+"}${e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  return `${sign}${whole}.${digits.slice(exponent + 1) || "0"}`;
}

/**
 * A value as it is bound: a number, a text, or NULL for `NaN` (which SQLite stores as NULL).
 * Booleans are 1 and 0, as `sqlite-filter.ts` binds them.
 */
export function bound(value: string | number | boolean | null): SqlValue {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" && Number.isNaN(value)) return null;
  return value;
}
