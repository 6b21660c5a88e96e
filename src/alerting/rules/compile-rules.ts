import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { isSealtrailError } from "../../errors.js";
import { checkFieldPath, parseCondition } from "../../query/filter-syntax.js";
import { parseDuration } from "../../query/time-range.js";
import type { EventFilter } from "../../read-model/event-filter.js";
import type { CompiledRule, EventPredicate, RuleCondition } from "../rule-model.js";
import { filterPredicate, namesAlertEvents } from "./filter-predicate.js";
import {
  describeValue,
  invalidRules,
  joinPath,
  pointerParts,
  type RuleIssue,
  schemaIssues,
} from "./rule-issues.js";
import { type AlertRuleConfig, RULE_KINDS, RULES_FILE_SCHEMA } from "./rule-schema.js";

/**
 * Rules as written (`alerting.rules`, a `--rules` file) → the rules the engine evaluates. The
 * schema is checked first (`RULES_FILE_SCHEMA`, compiled at build time), then what a schema
 * cannot check: every filter expression parses, every duration parses and is long enough, every
 * field path names an event field, ids are unique, and `resolve` is asked only of kinds whose
 * condition can clear.
 */

/** Where the rules come from, for errors and for each rule's `source`. */
export interface CompileRulesOptions {
  /** The file they were read from, named first in every error. */
  readonly file?: string;
  /** The path of the list within that file: `alerting.rules` in the configuration, `rules` or "" in a rules file. */
  readonly basePath: string;
}

/** A problem with one value of the list, by its parts below the list (`[2, "threshold", "window"]`). */
export interface RuleListIssue {
  readonly parts: readonly (string | number)[];
  readonly expected: string;
  readonly got: string;
}

/** The rules compiled, or every problem found with them. */
export type CheckedRules =
  | { readonly ok: true; readonly rules: CompiledRule[] }
  | { readonly ok: false; readonly issues: readonly RuleListIssue[] };

const require = createRequire(import.meta.url);
let compiledCheck: ValidateFunction | undefined;

/**
 * The rules file's validator (every problem, defaults filled in), generated at build time from
 * {@link RULES_FILE_SCHEMA} (`scripts/build-validators.ts`) and loaded on first use.
 */
function rulesCheck(): ValidateFunction {
  compiledCheck ??= require("./rules-file-check.cjs") as ValidateFunction;
  return compiledCheck;
}

/** Kinds whose condition holds for a while and then clears, so that `resolve: true` means something. */
const RESOLVABLE = new Set<string>(["threshold", "ratio", "distinct", "absence", "degradation", "expiry"]);

/** A filter error's text without its `filter "…": ` lead, as an expectation and a finding. */
function filterIssue(expression: string, error: unknown): Pick<RuleListIssue, "expected" | "got"> {
  const text = error instanceof Error ? error.message : String(error);
  const rest = text.replace(/^filter ".*?": /s, "");
  const quoted = JSON.stringify(expression);
  let m = /^expected (.*?)(?:, got (.*))?$/s.exec(rest);
  if (m) return { expected: m[1] as string, got: m[2] === undefined ? quoted : `${m[2]} in ${quoted}` };
  m = /^([\w.-]+): expected (.*?), got (.*)$/s.exec(rest);
  if (m) return { expected: `${m[2]} for ${m[1]}`, got: `${m[3]} in ${quoted}` };
  m = /^unknown field "(.*)" \((.*)\)$/s.exec(rest);
  if (m) return { expected: `a known event field (${m[2]})`, got: `unknown field "${m[1]}" in ${quoted}` };
  return { expected: 'a filter expression like "outcome=failure"', got: `${quoted} (${rest})` };
}

/** Checks one rule's meaning (its shape already checked by the schema); returns its issues or its compiled form. */
class RuleChecker {
  readonly issues: RuleListIssue[] = [];

  constructor(
    private readonly index: number,
    private readonly config: AlertRuleConfig,
  ) {}

  private issue(parts: readonly (string | number)[], expected: string, got: string): void {
    this.issues.push({ parts: [this.index, ...parts], expected, got });
  }

  /** A list of filter expressions as one filter; `undefined` when one of them does not parse. */
  filter(expressions: readonly string[], parts: readonly (string | number)[]): EventFilter | undefined {
    const conditions = [];
    let ok = true;
    for (const [i, expression] of expressions.entries()) {
      if (expression.trim() === "") {
        this.issue([...parts, i], 'a filter expression like "outcome=failure"', "an empty text");
        ok = false;
        continue;
      }
      try {
        conditions.push(parseCondition(expression));
      } catch (error) {
        if (!isSealtrailError(error)) throw error;
        const { expected, got } = filterIssue(expression, error);
        this.issue([...parts, i], expected, got);
        ok = false;
      }
    }
    return ok ? { conditions } : undefined;
  }

  /** A duration in ms; `undefined` (and an issue) when it does not parse or is too short. */
  duration(
    text: string,
    parts: readonly (string | number)[],
    example: string,
    allowZero = false,
  ): number | undefined {
    const ms = parseDuration(text);
    if (ms === undefined) {
      this.issue(parts, `a duration like ${example}`, describeValue(text));
      return undefined;
    }
    if (ms <= 0 && !allowZero) {
      this.issue(parts, `a duration longer than zero like ${example}`, describeValue(text));
      return undefined;
    }
    return ms;
  }

  /** A field path of the event; `undefined` (and an issue) when it names none. */
  field(path: string, parts: readonly (string | number)[]): string | undefined {
    try {
      return checkFieldPath(path);
    } catch (error) {
      if (!isSealtrailError(error)) throw error;
      this.issue(
        parts,
        "a field of the event like actor.id (free-form fields live under details.* or context.*)",
        describeValue(path),
      );
      return undefined;
    }
  }

  compile(source: { file?: string; path: string }): CompiledRule | undefined {
    const c = this.config;
    const kind = RULE_KINDS.find((k) => c[k] !== undefined) as (typeof RULE_KINDS)[number];
    const match = this.filter(c.match, ["match"]);
    const groupBy = (c.group_by ?? []).map((path, i) => this.field(path, ["group_by", i]));
    const cooldownMs = this.duration(c.cooldown ?? "15m", ["cooldown"], "15m", true);
    const resolve = c.resolve ?? false;
    if (resolve && !RESOLVABLE.has(kind)) {
      this.issue(["resolve"], `false for a rule of kind ${kind} (it has no condition that clears)`, "true");
    }
    const filters: EventFilter[] = match ? [match] : [];
    const condition = this.condition(kind, filters);
    if (this.issues.length > 0 || !match || !condition || cooldownMs === undefined) return undefined;
    return {
      id: c.id,
      title: c.title,
      severity: c.severity,
      channels: [...c.channels],
      groupBy: groupBy as string[],
      cooldownMs,
      resolve,
      match: filterPredicate(match),
      watchesAlertEvents: filters.some(namesAlertEvents),
      condition,
      source,
    };
  }

  /** The rule's condition; every filter it holds is added to `filters` (for `watchesAlertEvents`). */
  private condition(kind: (typeof RULE_KINDS)[number], filters: EventFilter[]): RuleCondition | undefined {
    const c = this.config;
    switch (kind) {
      case "any":
        return { kind: "any" };
      case "threshold": {
        const t = c.threshold as NonNullable<AlertRuleConfig["threshold"]>;
        const windowMs = this.duration(t.window, ["threshold", "window"], "5m");
        return windowMs === undefined ? undefined : { kind, count: t.count, windowMs };
      }
      case "ratio": {
        const r = c.ratio as NonNullable<AlertRuleConfig["ratio"]>;
        const of = this.filter(r.of, ["ratio", "of"]);
        const windowMs = this.duration(r.window, ["ratio", "window"], "10m");
        if (!of || windowMs === undefined) return undefined;
        filters.push(of);
        return {
          kind,
          of: filterPredicate(of),
          atLeast: r.at_least,
          minEvents: r.min_events ?? 20,
          windowMs,
        };
      }
      case "distinct": {
        const d = c.distinct as NonNullable<AlertRuleConfig["distinct"]>;
        const field = this.field(d.field, ["distinct", "field"]);
        const windowMs = this.duration(d.window, ["distinct", "window"], "1h");
        return field === undefined || windowMs === undefined
          ? undefined
          : { kind, field, count: d.count, windowMs };
      }
      case "new_value": {
        const n = c.new_value as NonNullable<AlertRuleConfig["new_value"]>;
        const field = this.field(n.field, ["new_value", "field"]);
        const learnMs = this.duration(n.learn ?? "7d", ["new_value", "learn"], "7d", true);
        return field === undefined || learnMs === undefined ? undefined : { kind, field, learnMs };
      }
      case "sequence": {
        const s = c.sequence as NonNullable<AlertRuleConfig["sequence"]>;
        const steps: EventPredicate[] = [];
        for (const [i, step] of s.steps.entries()) {
          const filter = this.filter(step, ["sequence", "steps", i]);
          if (filter) {
            filters.push(filter);
            steps.push(filterPredicate(filter));
          }
        }
        const withinMs = this.duration(s.within, ["sequence", "within"], "10m");
        if (steps.length !== s.steps.length || withinMs === undefined) return undefined;
        return { kind, steps, withinMs, ordered: s.ordered ?? true };
      }
      case "absence": {
        const a = c.absence as NonNullable<AlertRuleConfig["absence"]>;
        const windowMs = this.duration(a.window, ["absence", "window"], "1h");
        return windowMs === undefined ? undefined : { kind, count: a.count ?? 1, windowMs };
      }
      case "degradation": {
        const d = c.degradation as NonNullable<AlertRuleConfig["degradation"]>;
        const field = this.field(d.field ?? "duration_ms", ["degradation", "field"]);
        const windowMs = this.duration(d.window ?? "1h", ["degradation", "window"], "1h");
        const baselineMs = this.duration(d.baseline ?? "7d", ["degradation", "baseline"], "7d");
        const percentile = d.percentile ?? 95;
        if (!(percentile > 0 && percentile < 100)) {
          this.issue(
            ["degradation", "percentile"],
            "a percentile greater than 0 and less than 100, like 95",
            String(percentile),
          );
          return undefined;
        }
        if (windowMs !== undefined && baselineMs !== undefined && baselineMs < windowMs) {
          this.issue(
            ["degradation", "baseline"],
            `a baseline at least as long as the window (${d.window ?? "1h"})`,
            describeValue(d.baseline ?? "7d"),
          );
          return undefined;
        }
        if (field === undefined || windowMs === undefined || baselineMs === undefined) return undefined;
        return { kind, field, percentile, windowMs, baselineMs, factor: d.factor ?? 1.5 };
      }
      case "expiry": {
        const e = c.expiry as NonNullable<AlertRuleConfig["expiry"]>;
        const field = this.field(e.field ?? "crypto.not_after", ["expiry", "field"]);
        const withinMs = this.duration(e.within ?? "30d", ["expiry", "within"], "30d", true);
        return field === undefined || withinMs === undefined ? undefined : { kind, field, withinMs };
      }
    }
  }
}

/**
 * Checks rules as written and compiles them, or returns every problem found: the schema's first
 * (with its defaults filled in, on a copy), then each rule's meaning.
 */
export function checkRules(configs: readonly unknown[], options: CompileRulesOptions): CheckedRules {
  const data = { rules: structuredClone(configs) as unknown[] };
  const validate = rulesCheck();
  const issues: RuleListIssue[] = [];
  if (!validate(data)) {
    for (const issue of schemaIssues(validate.errors ?? [], RULES_FILE_SCHEMA, data)) {
      // Below `/rules`: the list's own parts, the rule's index first.
      const parts = pointerParts(issue.pointer)
        .slice(1)
        .map((part, i) => (i === 0 ? Number(part) : part));
      issues.push({ parts, expected: issue.expected, got: issue.got });
    }
    if (issues.some((issue) => issue.parts.length === 0)) return { ok: false, issues };
  }
  // Each rule the schema accepted is checked for what it cannot see.
  const shapeless = new Set(issues.map((issue) => issue.parts[0]));
  const rules: CompiledRule[] = [];
  const firstWithId = new Map<string, number>();
  for (const [index, config] of (data.rules as AlertRuleConfig[]).entries()) {
    if (shapeless.has(index)) continue;
    const path = joinPath(options.basePath, [index]);
    const earlier = firstWithId.get(config.id);
    if (earlier === undefined) firstWithId.set(config.id, index);
    else {
      issues.push({
        parts: [index, "id"],
        expected: `an id no other rule has (${joinPath(options.basePath, [earlier])} has it)`,
        got: describeValue(config.id),
      });
    }
    const checker = new RuleChecker(index, config);
    const rule = checker.compile(options.file === undefined ? { path } : { file: options.file, path });
    issues.push(...checker.issues);
    if (rule) rules.push(rule);
  }
  issues.sort((a, b) => (a.parts[0] as number) - (b.parts[0] as number));
  return issues.length > 0 ? { ok: false, issues } : { ok: true, rules };
}

/** The issue of a list issue, with its path below `basePath`. */
export function issueAt(basePath: string, issue: RuleListIssue): RuleIssue {
  return { path: joinPath(basePath, issue.parts), expected: issue.expected, got: issue.got };
}

/**
 * Compiles rules as written (`alerting.rules`, or the list of a `--rules` file) into the rules
 * the engine evaluates. Throws one `ST_ERR_ALERT_RULE` error naming the file, the path and what
 * was expected for every problem, one per line:
 * `sealtrail.yaml: alerting.rules[2].threshold.window: expected a duration like 5m, got "5 minutes"`.
 *
 * @example
 * ```ts
 * const rules = compileRules(
 *   [{ id: "failed-logins", title: "Repeated failed sign-ins", severity: "high",
 *      match: ["action=user.login", "outcome=failure"], channels: ["ops"],
 *      group_by: ["actor.id"], threshold: { count: 5, window: "5m" } }],
 *   { file: "sealtrail.yaml", basePath: "alerting.rules" },
 * );
 * ```
 */
export function compileRules(configs: readonly unknown[], options: CompileRulesOptions): CompiledRule[] {
  const checked = checkRules(configs, options);
  if (!checked.ok)
    throw invalidRules(
      options.file,
      checked.issues.map((i) => issueAt(options.basePath, i)),
    );
  return checked.rules;
}
