import { createHash } from "node:crypto";

/**
 * RFC 6962 §2.1 hashing: leaves are SHA-256(0x00 ‖ data), interior nodes SHA-256(0x01 ‖ left ‖
 * right). Written here, not taken from a library, because it is the core of the ledger and
 * sits on every append and every verification.
 */

/** Size of every hash in the tree. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** The root of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Buffer = createHash("sha256").digest();

/**
 * The leaf hash of `data` (a string is hashed as its UTF-8 bytes).
 *
 * @example
 * ```ts
 * leafHash(Buffer.alloc(0)).toString("hex"); // "6e340b9c…"
 * ```
 */
export function leafHash(data: Uint8Array | string): Buffer {
  return createHash("sha256").update(LEAF_PREFIX).update(data).digest();
}

/**
 * The hash of an interior node from its two children.
 *
 * @example
 * ```ts
 * const parent = nodeHash(leafHash("a"), leafHash("b"));
 * ```
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * The largest power of two strictly less than `n` (n ≥ 2): RFC 6962's split point `k`.
 *
 * @example
 * ```ts
 * splitPoint(5); // 4
 * splitPoint(4); // 2
 * ```
 */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** True when `n` is a power of two (1, 2, 4…). */
export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n));
}
