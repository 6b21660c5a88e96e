import { createHash, hash } from "node:crypto";

/**
 * RFC 6962 §2.1 hashing: leaves are SHA-256(0x00 ‖ data), interior nodes SHA-256(0x01 ‖ left ‖
 * right). Written here, not taken from a library, because it is the core of the ledger and
 * sits on every append and every verification.
 */

/** Size of every hash in the tree. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);
/** Reused input of `nodeHash`: 0x01 ‖ left ‖ right (hashing is synchronous, so sharing is safe). */
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01);

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
  // One-shot hashing: "\0" is the single byte 0x00 in UTF-8, so prefixing the string is exact.
  if (typeof data === "string") return hash("sha256", `\0${data}`, "buffer") as unknown as Buffer;
  return hash("sha256", Buffer.concat([LEAF_PREFIX, data]), "buffer") as unknown as Buffer;
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
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
  }
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return hash("sha256", NODE_INPUT, "buffer") as unknown as Buffer;
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

/**
 * True when `n` is a power of two (1, 2, 4…). Exact for every safe integer: `Math.log2` alone
 * rounds 2^49 − 1 and 2^50 + 1 to whole numbers, so the candidate power is checked back.
 */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}
