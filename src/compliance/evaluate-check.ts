import type { CheckContext, CheckResult } from "./checks/check-result.js";
import { completeCheck } from "./checks/complete-check.js";
import { integrityCheck } from "./checks/integrity-check.js";
import { pseudonymizedCheck } from "./checks/pseudonymized-check.js";
import { recordedCheck } from "./checks/recorded-check.js";
import { regularCheck } from "./checks/regular-check.js";
import { resolvedCheck } from "./checks/resolved-check.js";
import { retainedCheck } from "./checks/retained-check.js";
import type { ControlCheck } from "./control-map.js";

/**
 * Evaluates one check of a control map against the store, by its kind (one module per kind in
 * `checks/`): every figure is a count or a small page the store computes (no scan of events in
 * memory), and every conclusion is stated in words with the seqs that show it.
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
      return recordedCheck(ctx, check);
    case "complete":
      return completeCheck(ctx, check);
    case "integrity":
      return Promise.resolve(integrityCheck(ctx));
    case "regular":
      return regularCheck(ctx, check);
    case "retained":
      return retainedCheck(ctx, check);
    case "resolved":
      return resolvedCheck(ctx, check);
    case "pseudonymized":
      return pseudonymizedCheck(ctx, check);
  }
}
