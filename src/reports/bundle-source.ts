import type { StoredEvent } from "../read-model/stored-event.js";

/**
 * What writing an evidence bundle reads from the log, and nothing more: the verifier key, the
 * cited events exactly as stored and hashed, and an inclusion proof of each against the report's
 * checkpoint. `AuditLog` is one, so callers pass the log itself.
 *
 * Contract:
 * - `readEntries` MUST return the stored events of seqs `firstSeq` to `firstSeq + count - 1`
 *   that the store holds, in seq order, each with its bytes exactly as hashed into the leaf.
 * - `proveInclusion` MUST prove the leaf `seq` in the tree of `size` leaves (RFC 9162), hashes
 *   in standard base64, and throw when `seq` is not below `size` or `size` exceeds the log.
 */
export interface BundleSource {
  /** The log's C2SP verifier key `<name>+<key id>+<base64 key>`. */
  verifierKey(): string;
  readEntries(firstSeq: number, count: number): Promise<StoredEvent[]>;
  /** The inclusion proof of event `seq` in the tree of the first `size` events. */
  proveInclusion(seq: number, size: number): Promise<BundleInclusionProof>;
}

/**
 * An inclusion proof as a bundle's `proofs.ndjson` carries it (the CLI/HTTP JSON shape).
 *
 * @example
 * ```ts
 * const proof: BundleInclusionProof = { index: 3, tree_size: 8, leaf_hash: "…", proof: ["…", "…", "…"] };
 * ```
 */
export interface BundleInclusionProof {
  /** The leaf's index: the event's seq. */
  readonly index: number;
  /** The size of the tree it is proven in: the checkpoint's. */
  readonly tree_size: number;
  /** SHA-256(0x00 ‖ event bytes), base64. */
  readonly leaf_hash: string;
  /** The audit path, leaf to root, base64. */
  readonly proof: readonly string[];
}
