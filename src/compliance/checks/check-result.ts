import type { KeyFigure } from "../../reports/report-model.js";
import type { ReportScope, ReportSource, StoreVerification } from "../../reports/report-source.js";

/**
 * What every check of a control map reads and gives back: a status with the evidence in words,
 * the gaps, key figures, and the seqs that show it.
 */

/**
 * A control's statuses, in the order reports list them: `met`; `partial` and `gap` (evidence
 * missing); `not_yet_demonstrable` (the evidence needs more history than the log holds: twelve
 * months of retention from a log three months old, daily reviews from a log begun today), which
 * is never met; `not_applicable` (nothing the control asks about happened).
 */
export const CONTROL_STATUSES = ["met", "partial", "gap", "not_yet_demonstrable", "not_applicable"] as const;
/** A control's status. */
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** The statuses in words, as every report shows them. */
export const STATUS_WORDS: Readonly<Record<ControlStatus, string>> = {
  met: "met",
  partial: "partial",
  gap: "gap",
  not_yet_demonstrable: "not yet demonstrable",
  not_applicable: "not applicable",
};

/** What a check found. */
export interface CheckResult {
  readonly status: ControlStatus;
  /** What was found, in words. */
  readonly evidence: string;
  /** What is missing, in words (empty when met). */
  readonly gaps: readonly string[];
  readonly figures: readonly KeyFigure[];
  /** Seqs of events that show it: samples of what was found, or of what is wrong. */
  readonly evidenceSeqs: readonly number[];
}

/** What checks read. */
export interface CheckContext {
  readonly source: ReportSource;
  readonly scope: ReportScope;
  /** The store's full verification (integrity checks). */
  readonly verification: StoreVerification | undefined;
}

/**
 * A control's status from its checks' statuses: the worst of those that apply (a gap, else
 * partial, else not yet demonstrable, else met); not applicable only when none applies. A
 * control is met only when every check that applies is.
 *
 * @example
 * ```ts
 * combineStatuses(["met", "partial", "not_applicable"]); // "partial"
 * combineStatuses(["met", "not_yet_demonstrable"]); // "not_yet_demonstrable"
 * ```
 */
export function combineStatuses(statuses: readonly ControlStatus[]): ControlStatus {
  const applicable = statuses.filter((s) => s !== "not_applicable");
  if (applicable.length === 0) return "not_applicable";
  if (applicable.includes("gap")) return "gap";
  if (applicable.includes("partial")) return "partial";
  if (applicable.includes("not_yet_demonstrable")) return "not_yet_demonstrable";
  return "met";
}
