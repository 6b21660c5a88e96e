import { SealtrailError } from "../../errors.js";

/**
 * What is wrong with a Sigma rule, and where: the field path inside the rule's YAML document
 * (`["detection", "selection", "actor.ip|cidr"]`). Raised while a rule is compiled; the loader,
 * which knows the file and the rule, turns it into an `ST_ERR_ALERT_RULE` error.
 */

/** One step of a path into a YAML document: a map key or a list index. */
export type PathSegment = string | number;

/** A rule that cannot be read: where (a path in its document) and what was expected there. */
export class SigmaRuleProblem extends Error {
  /** The path of the offending value inside the rule's document; empty for the whole rule. */
  readonly path: readonly PathSegment[];

  constructor(path: readonly PathSegment[], expected: string) {
    super(expected);
    this.name = "SigmaRuleProblem";
    this.path = path;
  }
}

/**
 * A document path as people read it: keys joined by dots, list indices in brackets. Keys are
 * written as they are in the rule, so a field key keeps its dots and modifiers.
 *
 * @example
 * ```ts
 * formatRulePath(["detection", "selection", 1, "actor.ip|cidr"]); // "detection.selection[1].actor.ip|cidr"
 * ```
 */
export function formatRulePath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

/** A value quoted for a message: strings in double quotes, other values as JSON. */
export function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return "a map";
  return String(value);
}

/** Where a rule was read from, for its errors. */
export interface RuleLocation {
  /** The file as the user named it (relative to the base directory when inside it). */
  readonly file: string;
  /** The 1-based number of the rule's YAML document in the file. */
  readonly document: number;
  /** The rule's title (else its id or name), when it gives one. */
  readonly rule: string | undefined;
  /** The 1-based line of a path in the rule's document, when it can be found there. */
  lineOf?(path: readonly PathSegment[]): number | undefined;
}

/** How messages name a rule: `rule "Brute force"`, or `document 3` when it gives no title. */
export function ruleLabel(location: RuleLocation): string {
  return location.rule === undefined
    ? `document ${location.document}`
    : `rule ${JSON.stringify(location.rule)}`;
}

/**
 * The `ST_ERR_ALERT_RULE` error for a problem found in a rule: the message names the file, the
 * rule and the field; `details` carry them (`file`, `rule`, `document`, `field`), and the `line`
 * when it is known.
 *
 * @example
 * ```ts
 * ruleError({ file: "rules/brute.yml", document: 1, rule: "Brute force" }, problem).message;
 * // 'rules/brute.yml: rule "Brute force": detection.selection.actor.ip|cidr: expected a CIDR …'
 * ```
 */
export function ruleError(location: RuleLocation, problem: SigmaRuleProblem): SealtrailError {
  const field = formatRulePath(problem.path);
  const line = location.lineOf?.(problem.path);
  const where = field === "" ? "" : `${field}: `;
  return new SealtrailError(
    "ST_ERR_ALERT_RULE",
    `${location.file}: ${ruleLabel(location)}: ${where}${problem.message}`,
    {
      details: {
        file: location.file,
        ...(location.rule === undefined ? {} : { rule: location.rule }),
        document: location.document,
        field,
        ...(line === undefined ? {} : { line }),
      },
    },
  );
}

/** An `ST_ERR_ALERT_RULE` error about a whole file (missing, unreadable, not YAML). */
export function fileError(file: string, problem: string, cause?: unknown): SealtrailError {
  return new SealtrailError("ST_ERR_ALERT_RULE", `${file}: ${problem}`, {
    details: { file },
    ...(cause === undefined ? {} : { cause }),
  });
}
