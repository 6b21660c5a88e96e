import { readFile } from "node:fs/promises";
import { fileProblem } from "../../errors.js";
import type { CompiledRule, EventPredicate } from "../rule-model.js";
import { compileSigmaCorrelation, type ReferencedRule } from "./sigma-correlation.js";
import { type CompiledDetection, compileSigmaDetection } from "./sigma-detection.js";
import { readSigmaDocuments, type SigmaDocument } from "./sigma-documents.js";
import type { SigmaFieldMap } from "./sigma-field-test.js";
import { sigmaFiles } from "./sigma-files.js";
import { readSigmaRuleHeader, ruleNameOf, type SigmaRuleHeader } from "./sigma-rule-header.js";
import {
  fileError,
  type PathSegment,
  type RuleLocation,
  ruleError,
  ruleLabel,
  SigmaRuleProblem,
} from "./sigma-rule-problem.js";

/**
 * Reads Sigma rules (YAML files, several rules to a file as YAML documents) into compiled rules.
 * A detection rule becomes a rule of kind `any` over the events its detection matches; a
 * correlation rule one of kind `threshold`, `distinct` or `sequence` over the events of the rules
 * it refers to (by `name` or `id`, in any of the files loaded). A rule a correlation refers to
 * does not alert on its own unless a correlation referring to it says `generate: true`.
 *
 * What is read: `title`, `id`, `name`, `level` (informational → info, …; `medium` when absent),
 * `detection`, `correlation`, `generate`, and the collection `action`s. The rest (`logsource`,
 * `status`, `tags`, …) is not used: rules run over Sealtrail's own events.
 */

/** Options of {@link loadSigmaRules}. */
export interface SigmaLoadOptions {
  /** Sigma field names → our dotted paths (`SourceIp` → `actor.ip`); other names are our paths as written. */
  readonly fieldMap: SigmaFieldMap;
  /** Channel names every rule's alerts go to. */
  readonly channels: readonly string[];
  /** Every rule's cooldown (ms). */
  readonly cooldownMs: number;
  /** The directory relative patterns are resolved against; files are named relative to it. */
  readonly baseDir: string;
}

type RuleBody =
  | { readonly kind: "detection"; readonly detection: CompiledDetection }
  | { readonly kind: "correlation" };

interface LoadedRule {
  readonly document: SigmaDocument;
  readonly location: RuleLocation;
  readonly header: SigmaRuleHeader;
  readonly body: RuleBody;
}

function readRule(
  document: SigmaDocument,
  fieldMap: SigmaFieldMap,
): { header: SigmaRuleHeader; body: RuleBody } {
  const rule = document.rule;
  const header = readSigmaRuleHeader(rule);
  const hasDetection = Object.hasOwn(rule, "detection");
  const hasCorrelation = Object.hasOwn(rule, "correlation");
  if (hasDetection && hasCorrelation) {
    throw new SigmaRuleProblem(["correlation"], "expected a detection or a correlation section, not both");
  }
  if (hasCorrelation) return { header, body: { kind: "correlation" } };
  if (hasDetection)
    return {
      header,
      body: { kind: "detection", detection: compileSigmaDetection(rule.detection, fieldMap) },
    };
  if (Object.hasOwn(rule, "filter"))
    throw new SigmaRuleProblem(["filter"], "Sigma filter rules are not supported");
  throw new SigmaRuleProblem([], "expected a detection or a correlation section");
}

/** Runs `step`, turning a problem it finds into the rule's `ST_ERR_ALERT_RULE` error. */
function inRule<T>(location: RuleLocation, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof SigmaRuleProblem) throw ruleError(location, error);
    throw error;
  }
}

function shownRule(rule: LoadedRule): string {
  return `${ruleLabel(rule.location)} (${rule.location.file})`;
}

/**
 * Checks that compiled ids are unique, and that each `name` or Sigma `id` a correlation may use
 * stands for one rule; returns the rules by those references.
 */
function indexRules(rules: readonly LoadedRule[]): Map<string, LoadedRule> {
  const byRuleId = new Map<string, LoadedRule>();
  const byReference = new Map<string, LoadedRule>();
  for (const rule of rules) {
    const { header } = rule;
    inRule(rule.location, () => {
      const other = byRuleId.get(header.ruleId);
      if (other) {
        const at: PathSegment[] = header.sigmaId === undefined ? ["title"] : ["id"];
        throw new SigmaRuleProblem(
          at,
          `the id ${JSON.stringify(header.ruleId)} is already the id of ${shownRule(other)}; give each rule its own id`,
        );
      }
      byRuleId.set(header.ruleId, rule);
      for (const [reference, key] of [
        [header.sigmaId, "id"],
        [header.name, "name"],
      ] as const) {
        if (reference === undefined) continue;
        const named = byReference.get(reference);
        if (named && named !== rule) {
          throw new SigmaRuleProblem(
            [key],
            `${JSON.stringify(reference)} is already the name or id of ${shownRule(named)}; a correlation could not tell them apart`,
          );
        }
        byReference.set(reference, rule);
      }
    });
  }
  return byReference;
}

function compiledRule(
  rule: LoadedRule,
  options: SigmaLoadOptions,
  fields: Pick<CompiledRule, "match" | "watchesAlertEvents" | "condition" | "groupBy">,
): CompiledRule {
  return {
    id: rule.header.ruleId,
    title: rule.header.title,
    severity: rule.header.severity,
    channels: [...options.channels],
    groupBy: fields.groupBy,
    cooldownMs: options.cooldownMs,
    resolve: false,
    match: fields.match,
    watchesAlertEvents: fields.watchesAlertEvents,
    condition: fields.condition,
    source: { file: rule.location.file, path: rule.header.title },
  };
}

/**
 * Loads the Sigma rules the patterns name (paths, directories or globs, relative to
 * `options.baseDir`). Every rule is checked before any is returned: a file that cannot be read or
 * a rule that cannot be compiled is an `ST_ERR_ALERT_RULE` error naming the file, the rule (title
 * or id) and the field, as in `rules/brute.yml: rule "Brute force":
 * detection.selection.actor.ip|cidr: expected a CIDR like 10.0.0.0/8, got "10.0.0"`.
 *
 * @example
 * ```ts
 * const rules = await loadSigmaRules(["rules/*.yml"], {
 *   fieldMap: { SourceIp: "actor.ip" },
 *   channels: ["ops"],
 *   cooldownMs: 15 * 60_000,
 *   baseDir: "/etc/sealtrail",
 * });
 * ```
 */
export async function loadSigmaRules(
  patterns: readonly string[],
  options: SigmaLoadOptions,
): Promise<CompiledRule[]> {
  const files = await sigmaFiles(patterns, options.baseDir);
  // Loaded on first use: a command that reads no Sigma rule never loads the YAML parser.
  const yaml = await import("yaml");
  const rules: LoadedRule[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file.path, "utf8");
    } catch (error) {
      throw fileError(file.shown, fileProblem(error), error);
    }
    for (const document of readSigmaDocuments(file.shown, text, yaml)) {
      const location: RuleLocation = {
        file: file.shown,
        document: document.number,
        rule: ruleNameOf(document.rule),
        lineOf: document.lineOf,
      };
      const { header, body } = inRule(location, () => readRule(document, options.fieldMap));
      rules.push({ document, location, header, body });
    }
  }

  const byReference = indexRules(rules);
  /** For each rule a correlation refers to: whether one of them has it generate alerts of its own. */
  const referenced = new Map<LoadedRule, boolean>();
  const compiled: { rule: LoadedRule; compiled: CompiledRule }[] = [];
  for (const rule of rules) {
    if (rule.body.kind === "detection") {
      const { test, namesAlertActions } = rule.body.detection;
      const match: EventPredicate = (observed) => test(observed.event);
      compiled.push({
        rule,
        compiled: compiledRule(rule, options, {
          match,
          watchesAlertEvents: namesAlertActions,
          condition: { kind: "any" },
          groupBy: [],
        }),
      });
      continue;
    }
    const targets: LoadedRule[] = [];
    const resolve = (reference: string, at: readonly PathSegment[]): ReferencedRule => {
      const target = byReference.get(reference);
      if (!target)
        throw new SigmaRuleProblem(at, `no loaded rule has the name or id ${JSON.stringify(reference)}`);
      if (target.body.kind !== "detection") {
        throw new SigmaRuleProblem(
          at,
          `${JSON.stringify(reference)} is a correlation rule; a correlation can refer only to detection rules here`,
        );
      }
      targets.push(target);
      return { test: target.body.detection.test, namesAlertActions: target.body.detection.namesAlertActions };
    };
    const correlation = inRule(rule.location, () =>
      compileSigmaCorrelation(rule.document.rule, resolve, options.fieldMap),
    );
    for (const target of targets)
      referenced.set(target, (referenced.get(target) ?? false) || correlation.generate);
    compiled.push({ rule, compiled: compiledRule(rule, options, correlation) });
  }
  return compiled.filter(({ rule }) => referenced.get(rule) ?? true).map((entry) => entry.compiled);
}
