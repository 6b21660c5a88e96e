import type { AuditEvent } from "../../event/audit-event.js";
import {
  type Condition,
  type EventFilter,
  type FilterValue,
  LIST_FIELDS,
} from "../../read-model/event-filter.js";
import { filterBindValue, globRegExp, isBlankText, prefixUpperBound } from "../filter-binding.js";
import { type IndexedColumns, indexedColumns } from "../indexed-columns.js";
import { listElements, pathSegments, readPath, sqlValueOf } from "./json-path.js";
import {
  type Affinity,
  bound,
  compareSql,
  compareText,
  type SqlValue,
  sqlEquals,
  withAffinity,
} from "./sql-value.js";

/**
 * Evaluates an {@link EventFilter} in JavaScript with exactly the meaning the SQLite driver's
 * `WHERE` clause gives it (`sqlite-filter.ts`): indexed fields are read from the copied columns,
 * others from the event's JSON as `json_extract` reads them, and every comparison follows
 * SQLite's values (`sql-value.ts`). Pure: nothing but the row and the filter decides.
 */

/** What a matcher reads of one event: its seq, its copied columns and its parsed JSON. */
export interface MatchRow {
  /** The event's seq; `null` for an event not yet sequenced. */
  readonly seq: number | null;
  /** The indexed columns, as a driver stores them (see `indexed-columns.ts`). */
  readonly columns: IndexedColumns;
  /** The parsed canonical JSON. Read only for fields that have no column. */
  readonly event: unknown;
}

/** Whether a row satisfies a compiled filter. */
export type RowMatcher = (row: MatchRow) => boolean;

type Op = "gt" | "gte" | "lt" | "lte";

interface Column {
  readonly read: (row: MatchRow) => SqlValue;
  readonly affinity: Affinity;
}

const column = (read: (row: MatchRow) => SqlValue | undefined, affinity: Affinity): Column => ({
  read: (row) => read(row) ?? null,
  affinity,
});

/** Fields that have a column of their own, with that column's affinity (as in `sqlite-schema.ts`). */
const COLUMNS: ReadonlyMap<string, Column> = new Map([
  ["seq", column((r) => r.seq, "integer")],
  ["id", column((r) => r.columns.id, "text")],
  ["timestamp", column((r) => r.columns.timestampMs, "integer")],
  ["action", column((r) => r.columns.action, "text")],
  ["category", column((r) => r.columns.category, "text")],
  ["outcome", column((r) => r.columns.outcome, "text")],
  ["severity", column((r) => r.columns.severityLevel, "integer")],
  ["actor.id", column((r) => r.columns.actorId, "text")],
  ["target.id", column((r) => r.columns.targetId, "text")],
  ["tenant", column((r) => r.columns.tenant, "text")],
]);

/** Severity levels run the other way (0 = emergency), so "at least as severe" is `<=`. */
const SEVERITY_OP: Readonly<Record<Op, Op>> = { gt: "lt", gte: "lte", lt: "gt", lte: "gte" };

function holds(op: Op, order: number): boolean {
  switch (op) {
    case "gt":
      return order > 0;
    case "gte":
      return order >= 0;
    case "lt":
      return order < 0;
    case "lte":
      return order <= 0;
  }
}

/** A filter value as the SQLite driver binds it for `field` (NaN binds as NULL there). */
function bindValue(field: string, value: FilterValue): SqlValue {
  return bound(filterBindValue(field, value));
}

/** `value = ?`; on fields without a column a numeric or boolean text also matches the JSON number or boolean. */
function equality(field: string, value: FilterValue, affinity: Affinity): (v: SqlValue) => boolean {
  if (affinity === "none" && typeof value === "string") {
    const alternatives: SqlValue[] = [value];
    if (value.trim() !== "" && Number.isFinite(Number(value))) alternatives.push(Number(value));
    if (value === "true" || value === "false") alternatives.push(value === "true" ? 1 : 0);
    if (alternatives.length > 1) return (v) => v !== null && alternatives.includes(v);
  }
  const param = withAffinity(affinity, bindValue(field, value));
  return (v) => sqlEquals(v, param);
}

/**
 * A range on a field without a column compares like with like: a number with JSON numbers; a
 * text with JSON strings and, when it reads as a number, with JSON numbers too.
 */
function looseRange(segments: readonly string[], op: Op, value: SqlValue): RowMatcher {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))
        ? Number(value)
        : undefined;
  const text = typeof value === "string" ? value : undefined;
  return (row) => {
    const json = readPath(row.event, segments);
    if (typeof json === "number") return number !== undefined && holds(op, json - number);
    if (typeof json === "string") return text !== undefined && holds(op, compareText(json, text));
    return false;
  };
}

function compileCondition(c: Condition): RowMatcher {
  if (LIST_FIELDS.has(c.field)) return compileListCondition(c);
  const own = COLUMNS.get(c.field);
  const segments = own ? [] : pathSegments(c.field);
  const read = own?.read ?? ((row: MatchRow) => sqlValueOf(readPath(row.event, segments)));
  const affinity = own?.affinity ?? "none";
  switch (c.op) {
    case "eq": {
      const eq = equality(c.field, c.value, affinity);
      return (row) => eq(read(row));
    }
    case "ne": {
      const eq = equality(c.field, c.value, affinity);
      return (row) => !eq(read(row));
    }
    case "in": {
      const eqs = c.values.map((v) => equality(c.field, v, affinity));
      return (row) => {
        const v = read(row);
        return eqs.some((eq) => eq(v));
      };
    }
    case "absent":
      return (row) => read(row) === null;
    case "prefix": {
      if (c.value === "") return (row) => read(row) !== null;
      const low = withAffinity(affinity, c.value) as number | string;
      const high = withAffinity(affinity, prefixUpperBound(c.value)) as number | string;
      return (row) => {
        const v = read(row);
        return v !== null && compareSql(v, low) >= 0 && compareSql(v, high) < 0;
      };
    }
    case "glob": {
      const globbed = globMatcher(c.patterns);
      return (row) => globbed(read(row));
    }
    case "not_glob": {
      const globbed = globMatcher(c.patterns);
      return (row) => !globbed(read(row));
    }
    case "blank":
      return (row) => !filled(read(row));
    case "not_blank":
      return (row) => filled(read(row));
    default: {
      const op = c.field === "severity" ? SEVERITY_OP[c.op] : c.op;
      const value = bindValue(c.field, c.value);
      if (!own) return looseRange(segments, op, value);
      const param = withAffinity(affinity, value);
      return (row) => {
        const v = read(row);
        return v !== null && param !== null && holds(op, compareSql(v, param));
      };
    }
  }
}

/** A test of a value against glob patterns: only texts match (SQLite `typeof(v) = 'text' AND v GLOB p`). */
function globMatcher(patterns: readonly string[]): (v: SqlValue) => boolean {
  const expressions = patterns.map(globRegExp);
  return (v) => typeof v === "string" && expressions.some((e) => e.test(v));
}

/** Whether a value is present and not a blank text. */
function filled(v: SqlValue): boolean {
  return v !== null && !(typeof v === "string" && isBlankText(v));
}

/** A value compared with list elements: bound as given, and never a boolean (SQLite cannot bind one). */
function listParam(field: string, value: FilterValue): SqlValue {
  if (typeof value === "boolean") {
    throw new TypeError(`${field}: list elements compare with texts and numbers, not with ${value}`);
  }
  return bound(value);
}

/** `tags`/`policies`: a condition holds when some element satisfies it (`ne`, `absent`: when none does). */
function compileListCondition(c: Condition): RowMatcher {
  const segments = pathSegments(c.field);
  const some = (test: (element: SqlValue) => boolean): RowMatcher => {
    return (row) => listElements(readPath(row.event, segments)).some(test);
  };
  switch (c.op) {
    case "eq": {
      const param = listParam(c.field, c.value);
      return some((e) => sqlEquals(e, param));
    }
    case "ne": {
      const param = listParam(c.field, c.value);
      const contains = some((e) => sqlEquals(e, param));
      return (row) => !contains(row);
    }
    case "in": {
      const params = c.values.map((v) => listParam(c.field, v));
      return some((e) => params.some((p) => sqlEquals(e, p)));
    }
    case "absent": {
      const any = some((e) => e !== null);
      return (row) => !any(row);
    }
    case "prefix": {
      if (c.value === "") return some((e) => e !== null);
      const low = c.value;
      const high = prefixUpperBound(c.value);
      return some((e) => e !== null && compareSql(e, low) >= 0 && compareSql(e, high) < 0);
    }
    case "glob":
      return some(globMatcher(c.patterns));
    case "not_glob": {
      const any = some(globMatcher(c.patterns));
      return (row) => !any(row);
    }
    case "blank": {
      const any = some(filled);
      return (row) => !any(row);
    }
    case "not_blank":
      return some(filled);
    default: {
      const op = c.op;
      const param = listParam(c.field, c.value);
      return some((e) => e !== null && param !== null && holds(op, compareSql(e, param)));
    }
  }
}

/**
 * Compiles `filter` once into a test of rows. Throws `RangeError` for a field path outside the
 * filter syntax, as the SQLite driver does.
 *
 * @example
 * ```ts
 * const failures = compileMatcher({ conditions: [{ field: "outcome", op: "eq", value: "failure" }] });
 * failures(rowOf(JSON.parse(stored.json))); // true or false
 * ```
 */
export function compileMatcher(filter: EventFilter): RowMatcher {
  const tests = filter.conditions.map(compileCondition);
  if (filter.since !== undefined) {
    tests.push(compileCondition({ field: "timestamp", op: "gte", value: filter.since }));
  }
  if (filter.until !== undefined) {
    tests.push(compileCondition({ field: "timestamp", op: "lt", value: filter.until }));
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0] as RowMatcher;
  return (row) => {
    for (const test of tests) if (!test(row)) return false;
    return true;
  };
}

/**
 * The row of a parsed event, its columns derived from its own JSON (as `verify --deep` derives
 * them): what a store holds for it when nothing was tampered with.
 */
export function rowOf(event: unknown): MatchRow {
  const seq = (event as { seq?: unknown }).seq;
  return { seq: typeof seq === "number" ? seq : null, columns: indexedColumns(event as AuditEvent), event };
}

/**
 * Whether a parsed event matches `filter`, exactly as a store's query would decide it: a pure
 * function of the event object. To test many events against one filter, compile it once with
 * {@link compileMatcher} and pass each event through {@link rowOf}.
 *
 * @example
 * ```ts
 * const filter = parseFilter(["actor.id=alice", "details.workflow=sales*"]);
 * matchesFilter(JSON.parse(stored.json), filter); // true for alice's sales events
 * ```
 */
export function matchesFilter(event: unknown, filter: EventFilter): boolean {
  return compileMatcher(filter)(rowOf(event));
}
