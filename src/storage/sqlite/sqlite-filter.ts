import {
  BLANK_CHARACTERS,
  type Condition,
  type EventFilter,
  type FilterValue,
  LIST_FIELDS,
} from "../../read-model/event-filter.js";
import { filterBindValue, prefixUpperBound, sqliteGlob } from "../filter-binding.js";

/**
 * Translates an {@link EventFilter} into a SQL `WHERE` clause over the `events` table: indexed
 * columns where the field has one, `json_extract` on the stored JSON otherwise. Field paths were
 * checked by the query parser; values are always bound parameters.
 */

/** A WHERE clause and its parameters. */
export interface SqlWhere {
  readonly sql: string;
  readonly params: unknown[];
}

const COLUMNS: ReadonlyMap<string, string> = new Map([
  ["seq", "seq"],
  ["id", "id"],
  ["timestamp", "ts"],
  ["action", "action"],
  ["category", "category"],
  ["outcome", "outcome"],
  ["actor.id", "actor_id"],
  ["target.id", "target_id"],
  ["tenant", "tenant"],
]);

/** The columns that hold numbers (integer affinity). */
const NUMBER_COLUMNS: ReadonlySet<string> = new Set(["seq", "ts", "sev"]);

/** Severity levels run the other way (0 = emergency), so "at least as severe" is `<=`. */
const SEVERITY_OP = { gt: "<", gte: "<=", lt: ">", lte: ">=" } as const;
const RANGE_OP = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

const SAFE_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** The JSON path of a dotted field path (`details.a.b` → `$."details"."a"."b"`); refuses unsafe ones. */
export function jsonPath(field: string): string {
  if (!SAFE_PATH.test(field)) throw new RangeError(`unsafe field path "${field}"`);
  return `$.${field
    .split(".")
    .map((p) => `"${p}"`)
    .join(".")}`;
}

function compileCondition(c: Condition, params: unknown[]): string {
  if (LIST_FIELDS.has(c.field)) return compileListCondition(c, params);
  const column = c.field === "severity" ? "sev" : COLUMNS.get(c.field);
  // Paths are checked by the query parser to be dotted [A-Za-z0-9_-] segments, so quoting them
  // into the SQL text is safe; they may appear more than once in one expression.
  const expr = column ?? `json_extract(body, '${jsonPath(c.field)}')`;
  const loose = column === undefined;
  switch (c.op) {
    case "eq":
      return equality(expr, c.field, c.value, loose, params);
    case "ne":
      return `NOT coalesce(${equality(expr, c.field, c.value, loose, params)}, 0)`;
    case "in":
      // One of no values: nothing matches (and `()` would not be SQL).
      if (c.values.length === 0) return "0";
      return `(${c.values.map((v) => equality(expr, c.field, v, loose, params)).join(" OR ")})`;
    case "absent":
      return `${expr} IS NULL`;
    case "prefix":
      if (c.value === "") return `${expr} IS NOT NULL`;
      params.push(c.value, prefixUpperBound(c.value));
      return `(${expr} >= ? AND ${expr} < ?)`;
    case "glob":
      return globbed(expr, c.patterns, params);
    case "not_glob":
      // NULL (a missing field) matches none of the patterns.
      return `NOT coalesce(${globbed(expr, c.patterns, params)}, 0)`;
    case "blank":
      // A column of numbers holds no text: only a missing value is blank.
      if (NUMBER_COLUMNS.has(expr)) return `${expr} IS NULL`;
      return `NOT ${filled(expr, params)}`;
    case "not_blank":
      if (NUMBER_COLUMNS.has(expr)) return `${expr} IS NOT NULL`;
      return filled(expr, params);
    default: {
      const op = c.field === "severity" ? SEVERITY_OP[c.op] : RANGE_OP[c.op];
      const bound = filterBindValue(c.field, c.value);
      if (loose) return looseRange(expr, `json_type(body, '${jsonPath(c.field)}')`, op, bound, params);
      params.push(bound);
      return `${expr} ${op} ?`;
    }
  }
}

/**
 * `expr` is a text matching one of `patterns` (NULL or false when it is not a text). Each
 * pattern is compiled to the cheapest test that means the same: without `*` an equality and
 * with only a last `*` a range (both of which an index answers), `*abc` an end (`substr`),
 * `*abc*` a part (`instr`); any other shape a `GLOB`.
 */
function globbed(expr: string, patterns: readonly string[], params: unknown[]): string {
  if (patterns.length === 0) return "0";
  const alternatives: string[] = [];
  const exact = patterns.filter((p) => !p.includes("*"));
  if (exact.length > 0) {
    params.push(...exact);
    alternatives.push(`${expr} IN (${exact.map(() => "?").join(", ")})`);
  }
  for (const pattern of patterns) {
    const inner = pattern.slice(1, -1);
    if (!pattern.includes("*")) continue;
    if (pattern.length > 1 && pattern.indexOf("*") === pattern.length - 1) {
      const prefix = pattern.slice(0, -1);
      params.push(prefix, prefixUpperBound(prefix));
      alternatives.push(`(${expr} >= ? AND ${expr} < ?)`);
    } else if (pattern.length > 1 && pattern.lastIndexOf("*") === 0) {
      const suffix = pattern.slice(1);
      params.push(suffix);
      alternatives.push(`substr(${expr}, -${[...suffix].length}) = ?`);
    } else if (
      pattern.length > 2 &&
      pattern.startsWith("*") &&
      pattern.endsWith("*") &&
      !inner.includes("*")
    ) {
      params.push(inner);
      alternatives.push(`instr(${expr}, ?) > 0`);
    } else {
      params.push(sqliteGlob(pattern));
      alternatives.push(`${expr} GLOB ?`);
    }
  }
  // Texts only: a column of numbers (seq, severity) would take '5' for 5, and GLOB reads 5 as '5'.
  return `(typeof(${expr}) = 'text' AND (${alternatives.join(" OR ")}))`;
}

/** The code points of the blank characters, for a first test that needs no trim. */
const BLANK_CODES = [...BLANK_CHARACTERS].map((c) => c.codePointAt(0)).join(", ");

/**
 * `expr` holds a value that is not blank (never NULL: false when it is missing). Most values
 * start with a character that is not blank, which `unicode()` tells at once (a number starts
 * with a digit or a sign); only the others are trimmed (`unicode` is NULL for NULL and '').
 */
function filled(expr: string, params: unknown[]): string {
  params.push(BLANK_CHARACTERS);
  return `(coalesce(unicode(${expr}), 9) NOT IN (${BLANK_CODES}) OR coalesce(trim(${expr}, ?) <> '', 0))`;
}

/**
 * `expr op value` on a free-form field, comparing like with like: SQLite orders every number
 * before every text, so without the type checks `details.count > 5` would match the text "5"
 * and `details.count > '5'` (as typed in a filter) no number at all. A number compares with
 * JSON numbers; a text with JSON strings and, when it reads as a number, with JSON numbers too.
 */
function looseRange(expr: string, type: string, op: string, value: unknown, params: unknown[]): string {
  const alternatives: string[] = [];
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))
        ? Number(value)
        : undefined;
  if (number !== undefined) {
    alternatives.push(`(${type} IN ('integer', 'real') AND ${expr} ${op} ?)`);
    params.push(number);
  }
  if (typeof value === "string") {
    alternatives.push(`(${type} = 'text' AND ${expr} ${op} ?)`);
    params.push(value);
  }
  return alternatives.length === 0 ? "0" : `(${alternatives.join(" OR ")})`;
}

/** `expr = value`; on free-form fields a numeric or boolean text also matches the JSON number or boolean. */
function equality(
  expr: string,
  field: string,
  value: FilterValue,
  loose: boolean,
  params: unknown[],
): string {
  const bound = filterBindValue(field, value);
  if (loose && typeof value === "string") {
    const alternatives: unknown[] = [value];
    if (value.trim() !== "" && Number.isFinite(Number(value))) alternatives.push(Number(value));
    if (value === "true" || value === "false") alternatives.push(value === "true" ? 1 : 0);
    if (alternatives.length > 1) {
      params.push(...alternatives);
      return `${expr} IN (${alternatives.map(() => "?").join(", ")})`;
    }
  }
  params.push(bound);
  return `${expr} = ?`;
}

function compileListCondition(c: Condition, params: unknown[]): string {
  const each = `EXISTS (SELECT 1 FROM json_each(body, '${jsonPath(c.field)}') WHERE value`;
  switch (c.op) {
    case "eq":
      params.push(c.value);
      return `${each} = ?)`;
    case "ne":
      params.push(c.value);
      return `NOT ${each} = ?)`;
    case "in":
      params.push(...c.values);
      return `${each} IN (${c.values.map(() => "?").join(", ")}))`;
    case "absent":
      return `NOT ${each} IS NOT NULL)`;
    case "prefix":
      // An empty prefix means "has any element", as it means "present" on other fields.
      if (c.value === "") return `${each} IS NOT NULL)`;
      params.push(c.value, prefixUpperBound(c.value));
      return `${each} >= ? AND value < ?)`;
    case "glob":
      if (c.patterns.length === 0) return "0";
      return `${each} IS NOT NULL AND ${globbed("value", c.patterns, params)})`;
    case "not_glob":
      if (c.patterns.length === 0) return "1";
      return `NOT ${each} IS NOT NULL AND ${globbed("value", c.patterns, params)})`;
    case "blank":
      return `NOT ${each} IS NOT NULL AND ${filled("value", params)})`;
    case "not_blank":
      return `${each} IS NOT NULL AND ${filled("value", params)})`;
    default:
      params.push(c.value);
      return `${each} ${RANGE_OP[c.op]} ?)`;
  }
}

/**
 * Compiles a filter into `WHERE` SQL (without the keyword); `"1"` when it matches everything.
 *
 * @example
 * ```ts
 * compileFilter({ conditions: [{ field: "actor.id", op: "eq", value: "alice" }] });
 * // { sql: "actor_id = ?", params: ["alice"] }
 * ```
 */
export function compileFilter(filter: EventFilter, options: { timeIndex?: boolean } = {}): SqlWhere {
  const params: unknown[] = [];
  const parts = filter.conditions.map((c) => compileCondition(c, params));
  // `+ts` keeps SQLite from using the time index for the window (see SqliteDriver.queryEvents).
  const ts = options.timeIndex === false ? "+ts" : "ts";
  if (filter.since !== undefined) {
    parts.push(`${ts} >= ?`);
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    parts.push(`${ts} < ?`);
    params.push(filter.until);
  }
  return { sql: parts.length ? parts.join(" AND ") : "1", params };
}
