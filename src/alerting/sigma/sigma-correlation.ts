import { parseDuration } from "../../query/time-range.js";
import type { EventPredicate, RuleCondition } from "../rule-model.js";
import { type EventTest, type SigmaFieldMap, sigmaFieldPath } from "./sigma-field-test.js";
import { type PathSegment, SigmaRuleProblem, shown } from "./sigma-rule-problem.js";

/**
 * A Sigma correlation rule (correlation specification v2) translated into one of our rule
 * conditions over the events its referenced rules match:
 *
 * | Sigma `type` | condition |
 * | --- | --- |
 * | `event_count` | `threshold` (`count` = `gte`, or `gt` + 1) |
 * | `value_count` | `distinct` on `condition.field` |
 * | `temporal` | `sequence`, `ordered: false`, one step per referenced rule |
 * | `temporal_ordered` | `sequence`, `ordered: true` |
 *
 * `group-by` becomes the rule's groups and `timespan` its window. Conditions other than `gte` and
 * `gt` cannot be expressed as "an alert when the count reaches N", so they are refused.
 */

/** A rule a correlation refers to, resolved by the loader. */
export interface ReferencedRule {
  readonly test: EventTest;
  readonly namesAlertActions: boolean;
}

/** Finds the rule a reference (a `name` or an `id`) stands for, or throws {@link SigmaRuleProblem}. */
export type ResolveReference = (reference: string, at: readonly PathSegment[]) => ReferencedRule;

/** A compiled correlation, short of the header every rule has. */
export interface CompiledCorrelation {
  readonly condition: RuleCondition;
  readonly groupBy: readonly string[];
  /** The events of any referenced rule. */
  readonly match: EventPredicate;
  readonly watchesAlertEvents: boolean;
  /** Whether the referenced rules also alert on their own (Sigma's `generate`, false by default). */
  readonly generate: boolean;
}

/** The correlation types this reader translates. */
export const CORRELATION_TYPES = ["event_count", "value_count", "temporal", "temporal_ordered"] as const;

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const AT = ["correlation"] as const;

function references(section: Readonly<Record<string, unknown>>, temporal: boolean): string[] {
  const at = [...AT, "rules"];
  const value = typeof section.rules === "string" ? [section.rules] : section.rules;
  if (!Array.isArray(value) || value.length === 0) {
    throw new SigmaRuleProblem(at, `expected a list of rule names or ids, got ${shown(section.rules)}`);
  }
  const seen = new Set<string>();
  for (const [i, reference] of value.entries()) {
    if (typeof reference !== "string" || reference.trim() === "") {
      throw new SigmaRuleProblem([...at, i], `expected a rule name or id, got ${shown(reference)}`);
    }
    if (seen.has(reference)) throw new SigmaRuleProblem([...at, i], `${shown(reference)} is listed twice`);
    seen.add(reference);
  }
  if (temporal && value.length < 2) {
    throw new SigmaRuleProblem(
      at,
      "expected at least two rules: a temporal correlation relates several rules' events",
    );
  }
  return value as string[];
}

/** The event path of a `group-by` entry or counted field: an alias, or a Sigma field name. */
function fieldOrAlias(
  name: string,
  aliases: Readonly<Record<string, unknown>>,
  fieldMap: SigmaFieldMap,
  at: readonly PathSegment[],
): string {
  if (!Object.hasOwn(aliases, name)) return sigmaFieldPath(name, fieldMap, at);
  const aliasAt = [...AT, "aliases", name];
  const fields = aliases[name];
  if (!isMap(fields) || Object.keys(fields).length === 0) {
    throw new SigmaRuleProblem(aliasAt, `expected a map of rule names to field names, got ${shown(fields)}`);
  }
  const paths = new Set<string>();
  for (const [rule, field] of Object.entries(fields)) {
    if (typeof field !== "string") {
      throw new SigmaRuleProblem([...aliasAt, rule], `expected a field name, got ${shown(field)}`);
    }
    paths.add(sigmaFieldPath(field, fieldMap, [...aliasAt, rule]));
  }
  if (paths.size > 1) {
    throw new SigmaRuleProblem(
      aliasAt,
      `names different event fields per rule (${[...paths].join(", ")}); only an alias that names the same event field for every rule is supported`,
    );
  }
  return [...paths][0] as string;
}

function groupBy(
  section: Readonly<Record<string, unknown>>,
  aliases: Readonly<Record<string, unknown>>,
  fieldMap: SigmaFieldMap,
): string[] {
  const at = [...AT, "group-by"];
  const value = section["group-by"];
  if (value === undefined || value === null) return [];
  const names = typeof value === "string" ? [value] : value;
  if (!Array.isArray(names))
    throw new SigmaRuleProblem(at, `expected a list of field names, got ${shown(value)}`);
  const paths: string[] = [];
  for (const [i, name] of names.entries()) {
    const where = typeof value === "string" ? at : [...at, i];
    if (typeof name !== "string")
      throw new SigmaRuleProblem(where, `expected a field name, got ${shown(name)}`);
    const path = fieldOrAlias(name, aliases, fieldMap, where);
    if (!paths.includes(path)) paths.push(path);
  }
  return paths;
}

function timespan(section: Readonly<Record<string, unknown>>): number {
  const value = section.timespan;
  const ms = typeof value === "string" ? parseDuration(value) : undefined;
  if (ms === undefined || !(ms > 0)) {
    throw new SigmaRuleProblem(
      [...AT, "timespan"],
      `expected a duration like 30s, 5m, 1h or 1d, got ${shown(value)}`,
    );
  }
  return ms;
}

const UNSUPPORTED_OPERATORS = new Set(["lt", "lte", "eq", "neq"]);

/**
 * The count a correlation's `condition` asks for (`gte: N` → N, `gt: N` → N + 1), and its
 * counted field. `optional` for the temporal types, which may leave the condition out.
 */
function conditionCount(
  section: Readonly<Record<string, unknown>>,
  type: (typeof CORRELATION_TYPES)[number],
): { count: number | undefined; field: unknown } {
  const at = [...AT, "condition"];
  const condition = section.condition;
  const temporal = type === "temporal" || type === "temporal_ordered";
  if (condition === undefined && temporal) return { count: undefined, field: undefined };
  if (!isMap(condition)) {
    throw new SigmaRuleProblem(at, `expected a map such as { gte: 10 }, got ${shown(condition)}`);
  }
  let count: number | undefined;
  let operator: string | undefined;
  for (const [key, value] of Object.entries(condition)) {
    if (key === "field") {
      if (type !== "value_count")
        throw new SigmaRuleProblem([...at, key], "field applies only to value_count correlations");
      continue;
    }
    if (UNSUPPORTED_OPERATORS.has(key)) {
      throw new SigmaRuleProblem(
        [...at, key],
        "only gte and gt are supported: a correlation here alerts when a count reaches a value",
      );
    }
    if (key !== "gte" && key !== "gt") throw new SigmaRuleProblem([...at, key], "expected gte or gt");
    if (operator !== undefined) throw new SigmaRuleProblem(at, `expected one of gte and gt, got both`);
    const least = key === "gte" ? 1 : 0;
    if (typeof value !== "number" || !Number.isInteger(value) || value < least) {
      throw new SigmaRuleProblem(
        [...at, key],
        `expected a whole number of at least ${least}, got ${shown(value)}`,
      );
    }
    operator = key;
    count = key === "gte" ? value : value + 1;
  }
  if (count === undefined) throw new SigmaRuleProblem(at, "expected gte or gt, as in { gte: 10 }");
  return { count, field: condition.field };
}

function countedField(
  field: unknown,
  aliases: Readonly<Record<string, unknown>>,
  fieldMap: SigmaFieldMap,
): string {
  const at = [...AT, "condition", "field"];
  const name = Array.isArray(field) && field.length === 1 ? field[0] : field;
  if (Array.isArray(field) && field.length > 1) {
    throw new SigmaRuleProblem(
      at,
      "expected one field: counting combinations of several fields is not supported",
    );
  }
  if (typeof name !== "string" || name.trim() === "") {
    throw new SigmaRuleProblem(
      at,
      `expected the field whose distinct values are counted, got ${shown(field)}`,
    );
  }
  return fieldOrAlias(name, aliases, fieldMap, at);
}

function generateFlag(
  rule: Readonly<Record<string, unknown>>,
  section: Readonly<Record<string, unknown>>,
): boolean {
  // The specification puts `generate` beside `correlation`; tools also read it inside.
  for (const [value, at] of [
    [section.generate, [...AT, "generate"]],
    [rule.generate, ["generate"]],
  ] as const) {
    if (value === undefined || value === null) continue;
    if (typeof value !== "boolean")
      throw new SigmaRuleProblem(at, `expected true or false, got ${shown(value)}`);
    if (value) return true;
  }
  return false;
}

/**
 * Compiles a correlation rule's `correlation` section. Throws {@link SigmaRuleProblem} naming
 * the offending path (`correlation.condition.lte`).
 *
 * @param rule The whole rule (for `generate` beside the section).
 * @param resolve Finds a referenced rule by `name` or `id`.
 */
export function compileSigmaCorrelation(
  rule: Readonly<Record<string, unknown>>,
  resolve: ResolveReference,
  fieldMap: SigmaFieldMap,
): CompiledCorrelation {
  const section = rule.correlation;
  if (!isMap(section)) {
    throw new SigmaRuleProblem(
      [...AT],
      `expected a map with type, rules, group-by, timespan and condition, got ${shown(section)}`,
    );
  }
  const type = section.type;
  if (typeof type !== "string" || !(CORRELATION_TYPES as readonly string[]).includes(type)) {
    throw new SigmaRuleProblem(
      [...AT, "type"],
      `expected one of ${CORRELATION_TYPES.join(", ")}, got ${shown(type)}`,
    );
  }
  const kind = type as (typeof CORRELATION_TYPES)[number];
  const temporal = kind === "temporal" || kind === "temporal_ordered";
  const aliases = section.aliases ?? {};
  if (!isMap(aliases))
    throw new SigmaRuleProblem([...AT, "aliases"], `expected a map of aliases, got ${shown(aliases)}`);

  const names = references(section, temporal);
  const referenced = names.map((name, i) => resolve(name, [...AT, "rules", i]));
  const groups = groupBy(section, aliases, fieldMap);
  const windowMs = timespan(section);
  const { count, field } = conditionCount(section, kind);

  const tests = referenced.map((r) => r.test);
  const predicates: EventPredicate[] = tests.map((test) => (observed) => test(observed.event));
  const match: EventPredicate =
    predicates.length === 1
      ? (predicates[0] as EventPredicate)
      : (observed) => tests.some((test) => test(observed.event));

  let condition: RuleCondition;
  if (kind === "event_count") {
    condition = { kind: "threshold", count: count as number, windowMs };
  } else if (kind === "value_count") {
    condition = {
      kind: "distinct",
      field: countedField(field, aliases, fieldMap),
      count: count as number,
      windowMs,
    };
  } else {
    // Sigma's temporal condition counts how many of the rules must match; steps need them all.
    if (count !== undefined && count !== names.length) {
      throw new SigmaRuleProblem(
        [...AT, "condition"],
        `expected every referenced rule to be required (gte: ${names.length}), got a count of ${count}: a temporal correlation here needs all its rules`,
      );
    }
    condition = {
      kind: "sequence",
      steps: predicates,
      withinMs: windowMs,
      ordered: kind === "temporal_ordered",
    };
  }
  return {
    condition,
    groupBy: groups,
    match,
    watchesAlertEvents: referenced.some((r) => r.namesAlertActions),
    generate: generateFlag(rule, section),
  };
}
