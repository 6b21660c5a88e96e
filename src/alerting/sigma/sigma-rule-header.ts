import type { AlertSeverity } from "../rule-model.js";
import { SigmaRuleProblem, shown } from "./sigma-rule-problem.js";

/**
 * What every Sigma rule (detection or correlation) says about itself: its title, its `id` and
 * `name` (what correlations refer to it by), and its `level`.
 */

/** The header of a Sigma rule. */
export interface SigmaRuleHeader {
  readonly title: string;
  /** The compiled rule's id: the Sigma `id`, else a slug of the title. */
  readonly ruleId: string;
  /** The Sigma `id`, when given. */
  readonly sigmaId: string | undefined;
  /** The Sigma `name`, when given. */
  readonly name: string | undefined;
  readonly severity: AlertSeverity;
}

/** Sigma levels and the severities they become. */
export const LEVEL_SEVERITIES: Readonly<Record<string, AlertSeverity>> = {
  informational: "info",
  low: "low",
  medium: "medium",
  high: "high",
  critical: "critical",
};

/** The severity of a rule that gives no `level`. */
export const DEFAULT_SEVERITY: AlertSeverity = "medium";

/**
 * A rule id made from a title: lower-case letters and digits, runs of anything else as one `-`.
 *
 * @example
 * ```ts
 * titleSlug("Brute force: 10 failures / 5m"); // "brute-force-10-failures-5m"
 * ```
 */
export function titleSlug(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
}

function optionalText(rule: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = rule[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw new SigmaRuleProblem([key], `expected a non-empty string, got ${shown(value)}`);
  }
  return value.trim();
}

/**
 * What a rule is called in messages, from what it says even before it is checked: its title,
 * else its id, else its name; `undefined` when it gives none.
 */
export function ruleNameOf(rule: unknown): string | undefined {
  const fields = typeof rule === "object" && rule !== null ? (rule as Record<string, unknown>) : {};
  for (const key of ["title", "id", "name"]) {
    const value = fields[key];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

/**
 * Reads and checks a rule's header. Throws {@link SigmaRuleProblem} naming the field.
 *
 * @example
 * ```ts
 * readSigmaRuleHeader({ title: "Brute force", level: "informational" }).severity; // "info"
 * ```
 */
export function readSigmaRuleHeader(rule: Readonly<Record<string, unknown>>): SigmaRuleHeader {
  if (typeof rule.title !== "string" || rule.title.trim() === "") {
    throw new SigmaRuleProblem(["title"], `expected a non-empty string, got ${shown(rule.title)}`);
  }
  const title = rule.title.trim();
  const sigmaId = optionalText(rule, "id");
  const name = optionalText(rule, "name");
  const ruleId = sigmaId ?? titleSlug(title);
  if (ruleId === "") {
    throw new SigmaRuleProblem(
      ["id"],
      `expected an id: the title ${shown(title)} has no letters or digits to make one from`,
    );
  }
  let severity = DEFAULT_SEVERITY;
  if (rule.level !== undefined && rule.level !== null) {
    const level = typeof rule.level === "string" ? LEVEL_SEVERITIES[rule.level] : undefined;
    if (!level || !Object.hasOwn(LEVEL_SEVERITIES, rule.level as string)) {
      throw new SigmaRuleProblem(
        ["level"],
        `expected one of ${Object.keys(LEVEL_SEVERITIES).join(", ")}, got ${shown(rule.level)}`,
      );
    }
    severity = level;
  }
  return { title, ruleId, sigmaId, name, severity };
}
