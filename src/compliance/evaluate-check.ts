import type { Condition } from "../read-model/event-filter.js";
import type { CheckContext, CheckResult } from "./checks/check-result.js";
import { completeCheck } from "./checks/complete-check.js";
import { integrityCheck } from "./checks/integrity-check.js";
import { pseudonymizedCheck } from "./checks/pseudonymized-check.js";
import { recordedCheck } from "./checks/recorded-check.js";
import { regularCheck } from "./checks/regular-check.js";
import { resolvedCheck } from "./checks/resolved-check.js";
import { retainedCheck } from "./checks/retained-check.js";
import type { ControlCheck, EvidenceSelection, FilteredCheck } from "./control-map.js";

/**
 * The conditions that say which of a check's events count (its map's `actions`, `not_actions`
 * and `attributable`), and the same in words for the report.
 *
 * @example
 * ```ts
 * selectionConditions({ actions: ["*.create"], notActions: ["audit_log.*"], attributable: true }).words;
 * // ["actions *.create", "not actions audit_log.*", "actor.id not blank"]
 * ```
 */
export function selectionConditions(selection: EvidenceSelection): {
  conditions: Condition[];
  words: string[];
} {
  const conditions: Condition[] = [];
  const words: string[] = [];
  if (selection.actions) {
    conditions.push({ field: "action", op: "glob", patterns: selection.actions });
    words.push(`actions ${selection.actions.join(", ")}`);
  }
  if (selection.notActions) {
    conditions.push({ field: "action", op: "not_glob", patterns: selection.notActions });
    words.push(`not actions ${selection.notActions.join(", ")}`);
  }
  if (selection.attributable) {
    conditions.push({ field: "actor.id", op: "not_blank" });
    words.push("actor.id not blank");
  }
  return { conditions, words };
}

/** A check with its selection folded into its filter (and the words of both in `filterText`). */
function selected<C extends FilteredCheck>(check: C): C {
  const { conditions, words } = selectionConditions(check.selection);
  if (conditions.length === 0) return check;
  return {
    ...check,
    filter: [...check.filter, ...conditions],
    filterText: [...check.filterText, ...words],
  };
}

/**
 * Evaluates one check of a control map against the store, by its kind (one module per kind in
 * `checks/`): every figure is a count or a small page the store computes (no scan of events in
 * memory), and every conclusion is stated in words with the seqs that show it. The events a
 * check counts are those of its filter that its selection keeps: an action it names (or none
 * named), no action it excludes, and, when it asks for attributable events, a named actor.
 *
 * @example
 * ```ts
 * const result = await evaluateCheck({ source: log, scope, verification }, control.checks[0]);
 * result.status; // "met"
 * ```
 */
export function evaluateCheck(ctx: CheckContext, check: ControlCheck): Promise<CheckResult> {
  switch (check.kind) {
    case "recorded":
      return recordedCheck(ctx, selected(check));
    case "complete":
      return completeCheck(ctx, selected(check));
    case "integrity":
      return Promise.resolve(integrityCheck(ctx));
    case "regular":
      return regularCheck(ctx, selected(check));
    case "retained":
      return retainedCheck(ctx, check);
    case "resolved":
      return resolvedCheck(ctx, check);
    case "pseudonymized":
      return pseudonymizedCheck(ctx, selected(check));
  }
}
