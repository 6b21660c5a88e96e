import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { SealtrailError } from "../errors.js";
import { verifyCheckpoint } from "../ledger/checkpoint.js";
import { verifyInclusion } from "../ledger/proofs.js";
import { parseVerifierKey } from "../ledger/signed-note.js";
import type { AlertNotice } from "./alert-notice.js";

const require = createRequire(import.meta.url);
let compiledCheck: ValidateFunction | undefined;

/** The notice schema's validator, generated at build time (`scripts/build-validators.ts`). */
function noticeCheck(): ValidateFunction {
  compiledCheck ??= require("./alert-notice-check.cjs") as ValidateFunction;
  return compiledCheck;
}

/** What checking a saved alert found. */
export interface AlertVerification {
  readonly alertId: string;
  /** The checkpoint's origin and tree size, as signed. */
  readonly checkpoint: { readonly origin: string; readonly size: number };
  /** Evidence events proved included, by seq. */
  readonly provedSeqs: readonly number[];
}

/**
 * Checks an alert in its JSON form offline: its shape, the checkpoint's signature by the log's
 * verifier key, and every evidence event's inclusion proof against that checkpoint. Throws
 * `ST_ERR_LEDGER_PROOF` naming what failed (`alert.evidence[2] (seq 41): …`), `ST_ERR_ALERT_NOTICE`
 * for a document that is not an alert.
 *
 * @example
 * ```ts
 * const result = verifyAlertNotice(JSON.parse(readFileSync("alert.json", "utf8")), verifierKey);
 * result.provedSeqs; // [12, 13, 14]
 * ```
 */
export function verifyAlertNotice(document: unknown, verifierKey: string): AlertVerification {
  const check = noticeCheck();
  if (!check(document)) {
    const [error] = check.errors ?? [];
    const where = `${error?.instancePath ?? ""}`.replace(/^\//, "").replaceAll("/", ".") || "(the document)";
    throw new SealtrailError(
      "ST_ERR_ALERT_NOTICE",
      `${where}: ${error?.message ?? "is not an alert notice"}`,
    );
  }
  const notice = document as AlertNotice;
  const checkpoint = verifyCheckpoint(notice.alert.checkpoint, parseVerifierKey(verifierKey));
  const provedSeqs: number[] = [];
  notice.alert.evidence.forEach((item, i) => {
    const where = `alert.evidence[${i}] (seq ${item.seq})`;
    if (item.seq >= checkpoint.size) {
      throw new SealtrailError(
        "ST_ERR_LEDGER_PROOF",
        `${where}: beyond the checkpoint's tree of ${checkpoint.size} events`,
      );
    }
    const leaf = Buffer.from(item.leaf_hash, "base64");
    const proof = item.proof.map((p) => Buffer.from(p, "base64"));
    if (!verifyInclusion(item.seq, checkpoint.size, leaf, proof, checkpoint.root)) {
      throw new SealtrailError(
        "ST_ERR_LEDGER_PROOF",
        `${where}: the inclusion proof does not lead to the checkpoint's root`,
      );
    }
    provedSeqs.push(item.seq);
  });
  return {
    alertId: notice.alert.id,
    checkpoint: { origin: checkpoint.origin, size: checkpoint.size },
    provedSeqs,
  };
}
