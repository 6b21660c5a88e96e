import { compileSigmaCondition, parseSigmaCondition, SigmaConditionError } from "./sigma-condition.js";
import { compileSigmaField, type EventTest, type SigmaFieldMap } from "./sigma-field-test.js";
import { type PathSegment, SigmaRuleProblem, shown } from "./sigma-rule-problem.js";

/**
 * A Sigma rule's `detection` section compiled into one test of a parsed event: its search
 * identifiers (selections), each a map of fields (AND) or a list of such maps (OR), combined by
 * its `condition`. Keyword lists (values with no field name) are not supported.
 */

/** A compiled `detection` section. */
export interface CompiledDetection {
  readonly test: EventTest;
  /** Whether a selection names `action` values of Sealtrail's own alert events. */
  readonly namesAlertActions: boolean;
}

const KEYWORDS_UNSUPPORTED =
  "keyword lists (values with no field name) are not supported; name the field, as in action|contains: login";

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface CompiledSelection {
  readonly test: EventTest;
  readonly namesAlertActions: boolean;
}

function compileFieldMap(
  fields: Record<string, unknown>,
  fieldMap: SigmaFieldMap,
  at: readonly PathSegment[],
): CompiledSelection {
  const entries = Object.entries(fields);
  if (entries.length === 0)
    throw new SigmaRuleProblem(at, "expected a map of fields to values, got an empty map");
  const compiled = entries.map(([key, value]) => {
    if (key === "" || key.startsWith("|")) throw new SigmaRuleProblem([...at, key], KEYWORDS_UNSUPPORTED);
    return compileSigmaField(key, value, fieldMap, [...at, key]);
  });
  const tests = compiled.map((field) => field.test);
  return {
    test: tests.length === 1 ? (tests[0] as EventTest) : (event) => tests.every((test) => test(event)),
    namesAlertActions: compiled.some((field) => field.namesAlertActions),
  };
}

function compileSelection(
  value: unknown,
  fieldMap: SigmaFieldMap,
  at: readonly PathSegment[],
): CompiledSelection {
  if (isMap(value)) return compileFieldMap(value, fieldMap, at);
  if (!Array.isArray(value)) {
    if (typeof value === "string" || typeof value === "number")
      throw new SigmaRuleProblem(at, KEYWORDS_UNSUPPORTED);
    throw new SigmaRuleProblem(
      at,
      `expected a map of fields to values, or a list of such maps, got ${shown(value)}`,
    );
  }
  if (value.length === 0)
    throw new SigmaRuleProblem(
      at,
      "expected a map of fields to values, or a list of such maps, got an empty list",
    );
  if (value.every((item) => typeof item === "string" || typeof item === "number")) {
    throw new SigmaRuleProblem(at, KEYWORDS_UNSUPPORTED);
  }
  const alternatives = value.map((item, i) => {
    if (isMap(item)) return compileFieldMap(item, fieldMap, [...at, i]);
    if (typeof item === "string" || typeof item === "number")
      throw new SigmaRuleProblem([...at, i], KEYWORDS_UNSUPPORTED);
    throw new SigmaRuleProblem([...at, i], `expected a map of fields to values, got ${shown(item)}`);
  });
  const tests = alternatives.map((selection) => selection.test);
  return {
    test: tests.length === 1 ? (tests[0] as EventTest) : (event) => tests.some((test) => test(event)),
    namesAlertActions: alternatives.some((selection) => selection.namesAlertActions),
  };
}

function compileCondition(
  text: unknown,
  identifiers: ReadonlyMap<string, EventTest>,
  at: readonly PathSegment[],
): EventTest {
  if (typeof text !== "string") {
    throw new SigmaRuleProblem(
      at,
      `expected a condition such as "selection and not filter", got ${shown(text)}`,
    );
  }
  try {
    return compileSigmaCondition(parseSigmaCondition(text), identifiers);
  } catch (error) {
    if (error instanceof SigmaConditionError) throw new SigmaRuleProblem(at, error.message);
    throw error;
  }
}

/**
 * Compiles a rule's `detection` section. Throws {@link SigmaRuleProblem} naming the offending
 * path (`detection.selection.actor.ip|cidr`).
 *
 * @example
 * ```ts
 * const detection = compileSigmaDetection(
 *   { selection: { action: "user.login", outcome: "failure" }, condition: "selection" },
 *   {},
 * );
 * detection.test({ action: "user.login", outcome: "failure" }); // true
 * ```
 */
export function compileSigmaDetection(detection: unknown, fieldMap: SigmaFieldMap): CompiledDetection {
  const at = ["detection"];
  if (!isMap(detection)) {
    throw new SigmaRuleProblem(
      at,
      `expected a map of search identifiers and a condition, got ${shown(detection)}`,
    );
  }
  if (Object.hasOwn(detection, "timeframe")) {
    throw new SigmaRuleProblem(
      [...at, "timeframe"],
      "timeframe belongs to aggregations, which are not supported; write a correlation rule with a timespan instead",
    );
  }
  const identifiers = new Map<string, EventTest>();
  let namesAlertActions = false;
  for (const [name, value] of Object.entries(detection)) {
    if (name === "condition") continue;
    const selection = compileSelection(value, fieldMap, [...at, name]);
    identifiers.set(name, selection.test);
    namesAlertActions ||= selection.namesAlertActions;
  }
  if (identifiers.size === 0)
    throw new SigmaRuleProblem(at, "expected at least one search identifier besides the condition");
  const condition = detection.condition;
  if (condition === undefined) {
    throw new SigmaRuleProblem(
      [...at, "condition"],
      `expected a condition such as "selection and not filter", got nothing`,
    );
  }
  if (!Array.isArray(condition)) {
    return { test: compileCondition(condition, identifiers, [...at, "condition"]), namesAlertActions };
  }
  // A list of conditions: any of them (Sigma links them with OR).
  if (condition.length === 0)
    throw new SigmaRuleProblem([...at, "condition"], "expected a condition, got an empty list");
  const tests = condition.map((text, i) => compileCondition(text, identifiers, [...at, "condition", i]));
  return { test: (event) => tests.some((test) => test(event)), namesAlertActions };
}
