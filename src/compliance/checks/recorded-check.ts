import type { RecordedCheck } from "../control-map.js";
import { filterWords, n, newestSeqs } from "./check-helpers.js";
import type { CheckContext, CheckResult } from "./check-result.js";

/**
 * `recorded`: events of a kind were recorded in the period. Met when there are some (citing the
 * newest); else a gap, or not applicable when the map says none may have been needed.
 *
 * @example
 * ```ts
 * const result = await recordedCheck(ctx, { kind: "recorded", describe: "sign-ins", filter, filterText, whenNone: "gap" });
 * ```
 */
export async function recordedCheck(ctx: CheckContext, check: RecordedCheck): Promise<CheckResult> {
  const filter = ctx.scope.narrow(...check.filter);
  const found = await ctx.source.count(filter);
  const seqs = await newestSeqs(ctx.source, filter, found);
  const figures = [{ label: `Recorded: ${check.describe}`, value: found }];
  if (found > 0) {
    return {
      status: "met",
      evidence: `${n(found)} ${check.describe} recorded in the period (${filterWords(check.filterText)}).`,
      gaps: [],
      figures,
      evidenceSeqs: seqs,
    };
  }
  if (check.whenNone === "not_applicable") {
    return {
      status: "not_applicable",
      evidence: `No ${check.describe} in the period (${filterWords(check.filterText)}); none may have been needed.`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  return {
    status: "gap",
    evidence: `No ${check.describe} in the period.`,
    gaps: [
      `No ${check.describe} were recorded in the period (${filterWords(check.filterText)}): the systems in scope do not log them, or do not send them to Sealtrail.`,
    ],
    figures,
    evidenceSeqs: [],
  };
}
