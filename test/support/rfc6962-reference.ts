import { EMPTY_ROOT, nodeHash } from "../../src/ledger/rfc6962.js";

/**
 * MTH(D[n]) of RFC 6962 §2.1, written literally (split at the largest power of two below n)
 * over leaf hashes: the reference every faster tree computation is checked against.
 *
 * @example
 * ```ts
 * referenceRoot(["a", "b", "c"].map((s) => leafHash(s))).equals(tree.root()); // true
 * ```
 */
export function referenceRoot(leafHashes: readonly Buffer[]): Buffer {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  if (leafHashes.length === 1) return leafHashes[0] as Buffer;
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return nodeHash(referenceRoot(leafHashes.slice(0, k)), referenceRoot(leafHashes.slice(k)));
}
