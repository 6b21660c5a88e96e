import { isPowerOfTwo, nodeHash, splitPoint } from "./rfc6962.js";

/**
 * RFC 6962 / RFC 9162 inclusion and consistency proofs: building them from a source of
 * complete-subtree hashes, and verifying them (RFC 9162 §2.1.3.2 and §2.1.4.2).
 */

/** True for an integer that indexes or sizes a tree (fractions would send the walks below astray). */
const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** Gives the hash of a complete (perfect, aligned) subtree: `height`, `index` as in tiles. */
export type NodeSource = (height: number, index: number) => Promise<Buffer>;

/** MTH(D[start:end]) per RFC 6962: complete subtrees from the source, the rest by splitting. */
async function subtreeHash(nodes: NodeSource, start: number, end: number): Promise<Buffer> {
  const n = end - start;
  if (isPowerOfTwo(n) && start % n === 0) return nodes(Math.log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(await subtreeHash(nodes, start, start + k), await subtreeHash(nodes, start + k, end));
}

/**
 * The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
 *
 * @example
 * ```ts
 * const proof = await inclusionProof(nodes, 3, 8); // three sibling hashes, leaf first
 * ```
 */
export async function inclusionProof(nodes: NodeSource, index: number, size: number): Promise<Buffer[]> {
  if (!(isCount(index) && isCount(size) && index < size)) {
    throw new RangeError(`index ${index} is not in a tree of size ${size}`);
  }
  const path: Buffer[] = [];
  let start = 0;
  let end = size;
  let m = index;
  const pending: Array<Promise<Buffer>> = [];
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      pending.push(subtreeHash(nodes, start + k, end));
      end = start + k;
    } else {
      pending.push(subtreeHash(nodes, start, start + k));
      start += k;
      m -= k;
    }
  }
  // Siblings were found from the root down; the proof lists them from the leaf up.
  for (const hash of (await Promise.all(pending)).reverse()) path.push(hash);
  return path;
}

/**
 * The consistency proof between the trees of `from` and `to` leaves (RFC 9162 §2.1.4.1);
 * empty when `from === to`.
 *
 * @example
 * ```ts
 * const proof = await consistencyProof(nodes, 3, 7);
 * ```
 */
export async function consistencyProof(nodes: NodeSource, from: number, to: number): Promise<Buffer[]> {
  if (!(isCount(from) && isCount(to) && from >= 1 && from <= to))
    throw new RangeError(`no consistency proof from size ${from} to size ${to}`);
  const pending: Array<Promise<Buffer>> = [];
  let start = 0;
  let end = to;
  let m = from;
  let whole = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      pending.push(subtreeHash(nodes, start + k, end));
      end = start + k;
    } else {
      pending.push(subtreeHash(nodes, start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) pending.push(subtreeHash(nodes, start, end));
  return (await Promise.all(pending)).reverse();
}

const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/**
 * The root a proof leads to from `leaf` at `index` in a tree of `size`, or `undefined` when the
 * proof has the wrong shape (RFC 9162 §2.1.3.2).
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Buffer,
  proof: readonly Buffer[],
): Buffer | undefined {
  if (!(isCount(index) && isCount(size) && index < size)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

/**
 * True when `proof` shows that `leaf` is at `index` in the tree of `size` with `root`.
 *
 * @example
 * ```ts
 * verifyInclusion(3, 8, leafHash(bytes), proof, root); // true
 * ```
 */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  return computed?.equals(root) === true;
}

/**
 * True when `proof` shows that the tree of `from` leaves with `fromRoot` is a prefix of the
 * tree of `to` leaves with `toRoot` (RFC 9162 §2.1.4.2).
 *
 * @example
 * ```ts
 * verifyConsistency(3, 7, proof, oldRoot, newRoot); // true
 * ```
 */
export function verifyConsistency(
  from: number,
  to: number,
  proof: readonly Buffer[],
  fromRoot: Buffer,
  toRoot: Buffer,
): boolean {
  if (!(isCount(from) && isCount(to) && from >= 1 && from <= to)) return false;
  if (from === to) return proof.length === 0 && fromRoot.equals(toRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Buffer;
  let sr = path[0] as Buffer;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(fromRoot) && sr.equals(toRoot) && sn === 0;
}
