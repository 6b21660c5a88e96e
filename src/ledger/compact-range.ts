import { EMPTY_ROOT, nodeHash } from "./rfc6962.js";

/** A complete subtree root, identified by its height and its index among nodes of that height. */
export interface CompletedNode {
  readonly height: number;
  readonly index: number;
  readonly hash: Buffer;
}

/**
 * The right edge of a Merkle tree: the roots of the perfect subtrees that make up a tree of
 * `size` leaves, largest first (one per set bit of `size`). Appending a leaf merges equal
 * heights; every merge completes an interior node, which `onNode` receives so that tiles can
 * keep the ones they store. O(log n) memory however large the log.
 *
 * @example
 * ```ts
 * const range = new CompactRange();
 * range.append(leafHash("a"));
 * range.root(); // the RFC 6962 root of the one-leaf tree
 * ```
 */
export class CompactRange {
  #size: number;
  readonly #hashes: Buffer[];

  /** A range for `size` leaves from its subtree roots, largest first (empty tree by default). */
  constructor(size = 0, hashes: readonly Buffer[] = []) {
    if (countBits(size) !== hashes.length)
      throw new RangeError("compact range: one hash per set bit of size");
    this.#size = size;
    this.#hashes = [...hashes];
  }

  /** Number of leaves covered. */
  get size(): number {
    return this.#size;
  }

  /** Subtree roots, largest first. */
  get hashes(): readonly Buffer[] {
    return this.#hashes;
  }

  /** Appends one leaf hash; reports each interior node it completes to `onNode`. */
  append(leaf: Buffer, onNode?: (node: CompletedNode) => void): void {
    let hash = leaf;
    let height = 0;
    let index = this.#size;
    // Each trailing one-bit of the old size is a subtree of that height waiting for a sibling.
    let pending = this.#size;
    while (pending % 2 === 1) {
      const left = this.#hashes.pop() as Buffer;
      hash = nodeHash(left, hash);
      height++;
      index = Math.floor(index / 2);
      pending = Math.floor(pending / 2);
      onNode?.({ height, index, hash });
    }
    this.#hashes.push(hash);
    this.#size++;
  }

  /** The RFC 6962 root hash of the covered tree. */
  root(): Buffer {
    const hashes = this.#hashes;
    if (hashes.length === 0) return EMPTY_ROOT;
    let acc = hashes[hashes.length - 1] as Buffer;
    for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Buffer, acc);
    return acc;
  }

  /** An independent copy. */
  clone(): CompactRange {
    return new CompactRange(this.#size, this.#hashes);
  }
}

function countBits(n: number): number {
  let bits = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) bits += v % 2;
  return bits;
}
