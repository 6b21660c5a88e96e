import type { KeyFigure } from "../../reports/report-model.js";
import { n } from "./check-helpers.js";
import type { CheckContext, CheckResult } from "./check-result.js";

/**
 * `integrity`: the checkpoint's signature verifies and the full verification of the store passed.
 * A gap otherwise (citing the first bad seq), or when the store was not verified.
 *
 * @example
 * ```ts
 * integrityCheck({ source: log, scope, verification: await log.verify() }).status; // "met"
 * ```
 */
export function integrityCheck(ctx: CheckContext): CheckResult {
  const { checkpoint, signatureVerified } = ctx.scope;
  const rootHash = checkpoint.root.toString("base64");
  const verification = ctx.verification;
  const figures: KeyFigure[] = [
    { label: "Checkpoint tree size", value: checkpoint.size },
    { label: "Checkpoint signature", value: signatureVerified ? "verified" : "FAILED" },
    {
      label: "Full verification of the store",
      value: verification === undefined ? "not run" : verification.ok ? "passed" : "FAILED",
    },
  ];
  const gaps: string[] = [];
  if (!signatureVerified) {
    gaps.push("The checkpoint's signature does not verify with the log's verifier key.");
  }
  if (verification === undefined) {
    gaps.push("The store was not verified for this report.");
  } else if (!verification.ok) {
    const at = verification.firstBadSeq === undefined ? "" : ` First bad seq: ${verification.firstBadSeq}.`;
    gaps.push(
      `Verification of the store failed: ${verification.problem ?? "no reason given"}.${at} The log cannot be shown to be unaltered.`,
    );
  }
  return {
    status: gaps.length === 0 ? "met" : "gap",
    evidence:
      gaps.length === 0
        ? `Every event's hash was recomputed and the Merkle tree rebuilt: the store matches its signed checkpoints (tree size ${n(checkpoint.size)}, root ${rootHash}).`
        : "Integrity could not be shown.",
    gaps,
    figures,
    evidenceSeqs:
      verification?.firstBadSeq !== undefined && verification.firstBadSeq < checkpoint.size
        ? [verification.firstBadSeq]
        : [],
  };
}
