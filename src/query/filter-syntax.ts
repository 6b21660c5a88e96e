import { SealtrailError } from "../errors.js";
import { ACTOR_TYPES, CATEGORIES, OUTCOMES, SEVERITIES } from "../event/audit-event.js";
import {
  type Condition,
  type EventFilter,
  type FilterValue,
  LIST_FIELDS,
  NUMBER_FIELDS,
  OBJECT_FIELDS,
  SCALAR_FIELDS,
  TIME_FIELDS,
} from "../read-model/event-filter.js";
import { parseInstant } from "./time-range.js";

/**
 * The text syntax of filters, shared by the CLI and URLs. Each expression is `FIELD OP VALUE`:
 *
 * | form | meaning |
 * | --- | --- |
 * | `outcome=failure` | equals (for `tags`/`policies`: contains) |
 * | `outcome!=success` | differs from (missing counts as different) |
 * | `action=user.login,user.logout` | one of |
 * | `action=user.*` | starts with `user.` |
 * | `actor.id=*`, `actor.id!=*` | present, missing (`tags!=*`: no tag) |
 * | `duration_ms>=250`, `timestamp<2026-11-01` | ranges on numbers and times |
 * | `severity>=warning` | at least as severe as |
 */

/**
 * Fields whose values come from a fixed list: a value outside it can match nothing, so it is an
 * error (a misspelt `outcome=failed` must not quietly return nothing).
 */
const ENUM_FIELDS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ["outcome", OUTCOMES],
  ["severity", SEVERITIES],
  ["category", CATEGORIES],
  ["actor.type", ACTOR_TYPES],
]);

const EXPRESSION = /^([A-Za-z_][A-Za-z0-9_.-]*?)(!=|>=|<=|=|>|<)(.*)$/s;
const PATH_SEGMENT = /^[A-Za-z0-9_-]+$/;

function filterError(expression: string, expected: string): SealtrailError {
  return new SealtrailError("ST_ERR_QUERY_FILTER", `filter "${expression}": ${expected}`, {
    details: { expression },
  });
}

/**
 * Checks that `field` names an event field (`details.*` and `context.*` may be anything).
 * Returns it unchanged or throws `ST_ERR_QUERY_FILTER`.
 */
export function checkFieldPath(field: string, expression = field): string {
  const parts = field.split(".");
  if (!parts.every((p) => PATH_SEGMENT.test(p))) {
    throw filterError(expression, "expected a field path of letters, digits, '_' and '-' separated by dots");
  }
  const [top, ...rest] = parts as [string, ...string[]];
  if (rest.length === 0 && (SCALAR_FIELDS.has(top) || LIST_FIELDS.has(top))) return field;
  const members = OBJECT_FIELDS.get(top);
  if (members === "any" && rest.length > 0) return field;
  if (members && rest.length === 1 && members.includes(rest[0] as string)) return field;
  throw filterError(
    expression,
    `unknown field "${field}" (nested free-form fields live under details.* or context.*)`,
  );
}

function typedValue(field: string, text: string, expression: string, now: number): FilterValue {
  if (TIME_FIELDS.has(field)) return parseInstant(text, `filter "${expression}"`, now);
  if (NUMBER_FIELDS.has(field)) {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n))
      throw filterError(expression, `expected a number for ${field}`);
    return n;
  }
  const allowed = ENUM_FIELDS.get(field);
  if (allowed && !allowed.includes(text)) {
    throw filterError(expression, `${field}: expected one of ${allowed.join(", ")}, got "${text}"`);
  }
  return text;
}

/**
 * Parses one filter expression. A duration given for a time field (`timestamp>=24h`) counts
 * back from `now`.
 *
 * @example
 * ```ts
 * parseCondition("details.workflow=sales"); // { field: "details.workflow", op: "eq", value: "sales" }
 * parseCondition("action=user.*");          // { field: "action", op: "prefix", value: "user." }
 * ```
 */
export function parseCondition(expression: string, now: number = Date.now()): Condition {
  const m = EXPRESSION.exec(expression.trim());
  if (!m)
    throw filterError(
      expression,
      "expected FIELD=VALUE, FIELD!=VALUE, FIELD>VALUE, FIELD>=VALUE, FIELD<VALUE or FIELD<=VALUE",
    );
  const [, rawField, symbol, text] = m as unknown as [string, string, string, string];
  const field = checkFieldPath(rawField, expression);
  switch (symbol) {
    case "=":
      // Severities are names of levels, not text to match a prefix of: `severity=warn*` is an error.
      if (
        text.endsWith("*") &&
        !text.slice(0, -1).includes("*") &&
        !TIME_FIELDS.has(field) &&
        !NUMBER_FIELDS.has(field) &&
        field !== "severity"
      ) {
        const prefix = text.slice(0, -1);
        const allowed = ENUM_FIELDS.get(field);
        if (allowed && !allowed.some((v) => v.startsWith(prefix))) {
          throw filterError(expression, `${field}: expected one of ${allowed.join(", ")}, got "${text}"`);
        }
        return { field, op: "prefix", value: prefix };
      }
      if (text.includes(",")) {
        return { field, op: "in", values: text.split(",").map((v) => typedValue(field, v, expression, now)) };
      }
      return { field, op: "eq", value: typedValue(field, text, expression, now) };
    case "!=":
      if (text === "*") return { field, op: "absent" };
      return { field, op: "ne", value: typedValue(field, text, expression, now) };
    default: {
      const op = ({ ">": "gt", ">=": "gte", "<": "lt", "<=": "lte" } as const)[
        symbol as ">" | ">=" | "<" | "<="
      ];
      const value = typedValue(field, text, expression, now);
      if (typeof value === "boolean")
        throw filterError(expression, "expected a number, time or text to compare");
      return { field, op, value };
    }
  }
}

/**
 * Builds a filter from expressions and an optional time window (`since`, `until`).
 * Durations, in the window and in expressions alike, count back from the one `now`.
 *
 * @example
 * ```ts
 * parseFilter(["actor.id=alice", "outcome=failure"], { since: "24h" });
 * ```
 */
export function parseFilter(
  expressions: readonly string[],
  window: { since?: string | undefined; until?: string | undefined } = {},
  now: number = Date.now(),
): EventFilter {
  const conditions = expressions.filter((e) => e.trim() !== "").map((e) => parseCondition(e, now));
  const since = window.since === undefined ? undefined : parseInstant(window.since, "since", now);
  const until = window.until === undefined ? undefined : parseInstant(window.until, "until", now);
  return { conditions, ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
}
