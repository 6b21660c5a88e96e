import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { referenceRoot } from "../../test/support/rfc6962-reference.js";
import { CompactRange } from "./compact-range.js";
import {
  consistencyProof,
  inclusionProof,
  type NodeSource,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from "./proofs.js";
import { EMPTY_ROOT, leafHash } from "./rfc6962.js";
import { nodeFromTiles, type TileReader, TileTree } from "./tiles.js";

interface Rfc6962Vectors {
  leaves_hex: string[];
  roots_hex: string[];
  inclusion: Array<{ leaf_index: number; tree_size: number; proof_hex: string[] }>;
  consistency: Array<{ size1: number; size2: number; proof_hex: string[] }>;
  invalid_published: Array<{ published_leaf: number; tree_size: number; proof_hex: string[] }>;
}

const vectors = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/rfc6962-vectors.json", import.meta.url), "utf8"),
) as Rfc6962Vectors;
const hex = (h: string) => Buffer.from(h, "hex");
const publishedLeaves = vectors.leaves_hex.map((h) => leafHash(hex(h)));
const publishedRoots = vectors.roots_hex.map(hex);

/** An in-memory TileReader over the tiles TileTree.append returned, and its NodeSource. */
function tiledSource(leaves: readonly Buffer[]): { nodes: NodeSource; requests: string[] } {
  const tiles = new Map<string, Buffer>();
  const tree = new TileTree();
  for (let i = 0; i < leaves.length; i += 97) {
    for (const tile of tree.append(leaves.slice(i, i + 97)))
      tiles.set(`${tile.level}/${tile.index}`, tile.hashes);
  }
  const reader: TileReader = { readTile: async (level, index) => tiles.get(`${level}/${index}`) };
  const requests: string[] = [];
  return {
    requests,
    nodes: (height, index) => {
      requests.push(`${height}/${index}`);
      return nodeFromTiles(reader, height, index);
    },
  };
}

/** PATH(m, D[n]) from RFC 6962 §2.1.1, literally. */
function referencePath(m: number, hashes: readonly Buffer[]): Buffer[] {
  const n = hashes.length;
  if (n === 1) return [];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k
    ? [...referencePath(m, hashes.slice(0, k)), referenceRoot(hashes.slice(k))]
    : [...referencePath(m - k, hashes.slice(k)), referenceRoot(hashes.slice(0, k))];
}

/** SUBPROOF(m, D[n], b) from RFC 6962 §2.1.2, literally. */
function referenceSubproof(m: number, hashes: readonly Buffer[], whole: boolean): Buffer[] {
  const n = hashes.length;
  if (m === n) return whole ? [] : [referenceRoot(hashes)];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m <= k
    ? [...referenceSubproof(m, hashes.slice(0, k), whole), referenceRoot(hashes.slice(k))]
    : [...referenceSubproof(m - k, hashes.slice(k), false), referenceRoot(hashes.slice(0, k))];
}

/** Every copy of `buf` with exactly one bit flipped. */
function* bitFlips(buf: Buffer): Generator<Buffer> {
  for (let bit = 0; bit < buf.length * 8; bit++) {
    const copy = Buffer.from(buf);
    copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
    yield copy;
  }
}

function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const root = (size: number) => publishedRoots[size - 1] as Buffer;

describe("inclusion proofs: published RFC 6962 vectors", () => {
  const { nodes } = tiledSource(publishedLeaves);

  for (const c of vectors.inclusion) {
    const proof = c.proof_hex.map(hex);
    const leaf = publishedLeaves[c.leaf_index] as Buffer;
    const name = `leaf ${c.leaf_index} in size ${c.tree_size}`;

    test(`${name}: generated from tiles equals the published proof and verifies`, async () => {
      assert.deepEqual(await inclusionProof(nodes, c.leaf_index, c.tree_size), proof);
      assert.equal(verifyInclusion(c.leaf_index, c.tree_size, leaf, proof, root(c.tree_size)), true);
      assert.deepEqual(rootFromInclusionProof(c.leaf_index, c.tree_size, leaf, proof), root(c.tree_size));
    });

    test(`${name}: any flipped bit in a proof hash, the leaf hash or the root is rejected`, () => {
      proof.forEach((element, i) => {
        for (const flipped of bitFlips(element)) {
          const bad = proof.map((p, j) => (j === i ? flipped : p));
          assert.equal(verifyInclusion(c.leaf_index, c.tree_size, leaf, bad, root(c.tree_size)), false);
        }
      });
      for (const flipped of bitFlips(leaf)) {
        assert.equal(verifyInclusion(c.leaf_index, c.tree_size, flipped, proof, root(c.tree_size)), false);
      }
      for (const flipped of bitFlips(root(c.tree_size))) {
        assert.equal(verifyInclusion(c.leaf_index, c.tree_size, leaf, proof, flipped), false);
      }
    });

    test(`${name}: wrong size, wrong index, truncated or extended proofs are rejected`, () => {
      const { leaf_index: index, tree_size: size } = c;
      // A proof for size n does not prove inclusion in the tree of n ± 1 leaves. (RFC 9162 verification
      // binds the size through the root: the same hashes can fold to root(n) under a neighbouring size.)
      for (const other of [size - 1, size + 1]) {
        if (other >= 1 && other <= 8)
          assert.equal(verifyInclusion(index, other, leaf, proof, root(other)), false);
      }
      for (const other of [index - 1, index + 1]) {
        assert.equal(verifyInclusion(other, size, leaf, proof, root(size)), false, `index ${other}`);
      }
      if (proof.length > 0) {
        assert.equal(
          verifyInclusion(index, size, leaf, proof.slice(0, -1), root(size)),
          false,
          "last dropped",
        );
        assert.equal(verifyInclusion(index, size, leaf, proof.slice(1), root(size)), false, "first dropped");
        assert.equal(
          verifyInclusion(index, size, leaf, [...proof].reverse(), root(size)),
          proof.length === 1,
        );
      }
      assert.equal(
        verifyInclusion(index, size, leaf, [...proof, root(size)], root(size)),
        false,
        "extra element",
      );
      assert.equal(
        verifyInclusion(index, size, leaf, [...proof, EMPTY_ROOT], root(size)),
        false,
        "extra element",
      );
      assert.equal(rootFromInclusionProof(index, size, leaf, [...proof, EMPTY_ROOT]), undefined);
      assert.equal(verifyInclusion(size, size, leaf, proof, root(size)), false, "index = size");
      assert.equal(verifyInclusion(size + 3, size, leaf, proof, root(size)), false, "index > size");
      assert.equal(verifyInclusion(-1, size, leaf, proof, root(size)), false, "negative index");
    });
  }

  test("the published invalid entry (leaf 0 of the empty tree) is rejected", async () => {
    for (const c of vectors.invalid_published) {
      const proof = c.proof_hex.map(hex);
      assert.equal(verifyInclusion(c.published_leaf - 1, c.tree_size, EMPTY_ROOT, proof, EMPTY_ROOT), false);
      assert.equal(verifyInclusion(c.published_leaf, c.tree_size, EMPTY_ROOT, proof, EMPTY_ROOT), false);
    }
    await assert.rejects(inclusionProof(nodes, 0, 0), RangeError);
    await assert.rejects(inclusionProof(nodes, 8, 8), RangeError);
    await assert.rejects(inclusionProof(nodes, -1, 8), RangeError);
  });

  test("fractional or non-finite indexes and sizes are rejected", async () => {
    const c = vectors.inclusion[1] as (typeof vectors.inclusion)[number];
    const proof = c.proof_hex.map(hex);
    const leaf = publishedLeaves[0] as Buffer;
    assert.equal(verifyInclusion(0, 8, leaf, proof, root(8)), true);
    assert.equal(verifyInclusion(0.5, 8, leaf, proof, root(8)), false);
    assert.equal(verifyInclusion(0, 8.5, leaf, proof, root(8)), false);
    assert.equal(verifyInclusion(0, Number.NaN, leaf, proof, root(8)), false);
    assert.equal(verifyInclusion(0, Number.POSITIVE_INFINITY, leaf, proof, root(8)), false);
    await assert.rejects(inclusionProof(nodes, 0.5, 8), RangeError);
    await assert.rejects(inclusionProof(nodes, 0, 7.5), RangeError);
  });
});

describe("consistency proofs: published RFC 6962 vectors", () => {
  const { nodes } = tiledSource(publishedLeaves);

  for (const c of vectors.consistency) {
    const proof = c.proof_hex.map(hex);
    const { size1: from, size2: to } = c;
    const name = `${from} → ${to}`;

    test(`${name}: generated from tiles equals the published proof and verifies`, async () => {
      assert.deepEqual(await consistencyProof(nodes, from, to), proof);
      assert.equal(verifyConsistency(from, to, proof, root(from), root(to)), true);
    });

    test(`${name}: any flipped bit in a proof hash or either root is rejected`, () => {
      proof.forEach((element, i) => {
        for (const flipped of bitFlips(element)) {
          const bad = proof.map((p, j) => (j === i ? flipped : p));
          assert.equal(verifyConsistency(from, to, bad, root(from), root(to)), false);
        }
      });
      for (const flipped of bitFlips(root(from))) {
        assert.equal(verifyConsistency(from, to, proof, flipped, root(to)), false);
      }
      for (const flipped of bitFlips(root(to))) {
        assert.equal(verifyConsistency(from, to, proof, root(from), flipped), false);
      }
    });

    test(`${name}: wrong sizes, swapped roots, truncated or extended proofs are rejected`, () => {
      // Each neighbouring (from, to) is checked against that pair's own roots.
      for (const [f, t] of [
        [from - 1, to],
        [from + 1, to],
        [from, to - 1],
        [from, to + 1],
      ] as const) {
        if (f < 1 || t > 8 || f > t) continue;
        assert.equal(verifyConsistency(f, t, proof, root(f), root(t)), false, `${f} → ${t}`);
      }
      if (from !== to) {
        assert.equal(verifyConsistency(from, to, proof, root(to), root(from)), false, "roots swapped");
        assert.equal(verifyConsistency(to, from, proof, root(to), root(from)), false, "from > to");
        assert.equal(
          verifyConsistency(from, to, proof.slice(0, -1), root(from), root(to)),
          false,
          "last dropped",
        );
        assert.equal(
          verifyConsistency(from, to, proof.slice(1), root(from), root(to)),
          false,
          "first dropped",
        );
        assert.equal(verifyConsistency(from, to, [], root(from), root(to)), false, "empty");
      }
      assert.equal(
        verifyConsistency(from, to, [...proof, root(to)], root(from), root(to)),
        false,
        "extra element",
      );
      assert.equal(
        verifyConsistency(from, to, [...proof, EMPTY_ROOT], root(from), root(to)),
        false,
        "extra element",
      );
      assert.equal(verifyConsistency(0, to, proof, EMPTY_ROOT, root(to)), false, "from 0");
    });
  }

  test("from > to, from 0 and fractional sizes are refused when generating", async () => {
    await assert.rejects(consistencyProof(nodes, 5, 4), RangeError);
    await assert.rejects(consistencyProof(nodes, 0, 4), RangeError);
    await assert.rejects(consistencyProof(nodes, 1.5, 4), RangeError);
    assert.equal(verifyConsistency(6, 5, [], root(6), root(5)), false);
    assert.equal(verifyConsistency(2.5, 5, [], root(2), root(5)), false);
  });

  test("the same size needs an empty proof and equal roots", () => {
    assert.equal(verifyConsistency(5, 5, [], root(5), root(5)), true);
    assert.equal(verifyConsistency(5, 5, [root(5)], root(5), root(5)), false);
    assert.equal(verifyConsistency(5, 5, [], root(5), root(6)), false);
  });
});

describe("proofs from tiles agree with RFC 6962's PATH and PROOF", () => {
  const leaves = Array.from({ length: 80 }, (_, i) => leafHash(`leaf ${i}`));
  const { nodes } = tiledSource(leaves);

  test("every inclusion proof for sizes 1–80", async () => {
    for (let size = 1; size <= 80; size++) {
      const tree = leaves.slice(0, size);
      const treeRoot = referenceRoot(tree);
      for (let index = 0; index < size; index++) {
        const proof = await inclusionProof(nodes, index, size);
        assert.deepEqual(proof, referencePath(index, tree), `${index} in ${size}`);
        assert.ok(
          verifyInclusion(index, size, leaves[index] as Buffer, proof, treeRoot),
          `${index} in ${size}`,
        );
      }
    }
  });

  test("every consistency proof for sizes 1–50", async () => {
    for (let to = 1; to <= 50; to++) {
      const newRoot = referenceRoot(leaves.slice(0, to));
      for (let from = 1; from <= to; from++) {
        const proof = await consistencyProof(nodes, from, to);
        assert.deepEqual(proof, referenceSubproof(from, leaves.slice(0, to), true), `${from} → ${to}`);
        assert.ok(
          verifyConsistency(from, to, proof, referenceRoot(leaves.slice(0, from)), newRoot),
          `${from} → ${to}`,
        );
      }
    }
  });

  test("proofs only ask the node source for complete nodes inside the tree", async () => {
    const { nodes: tracked, requests } = tiledSource(leaves.slice(0, 70));
    await inclusionProof(tracked, 69, 70);
    await consistencyProof(tracked, 13, 70);
    for (const request of requests) {
      const [height, index] = request.split("/").map(Number) as [number, number];
      assert.ok((index + 1) * 2 ** height <= 70, `node ${request} lies inside 70 leaves`);
    }
    assert.ok(requests.length > 0);
  });
});

describe("property: proofs from tiles verify against CompactRange roots", () => {
  const next = random(2026);
  const total = 3000;
  const leaves = Array.from({ length: total }, (_, i) => leafHash(`p${i}`));
  const roots: Buffer[] = [EMPTY_ROOT];
  const range = new CompactRange();
  for (const leaf of leaves) {
    range.append(leaf);
    roots.push(range.root());
  }
  const { nodes } = tiledSource(leaves);
  const sizes = [1, 2, 3, 4, 5, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, total];
  for (let i = 0; i < 12; i++) sizes.push(1 + next(total));

  test("inclusion at random (index, size)", async () => {
    for (const size of sizes) {
      const indexes = new Set([0, size - 1, Math.floor(size / 2), next(size), next(size), next(size)]);
      for (const index of indexes) {
        const proof = await inclusionProof(nodes, index, size);
        const leaf = leaves[index] as Buffer;
        assert.ok(verifyInclusion(index, size, leaf, proof, roots[size] as Buffer), `${index} in ${size}`);
        assert.equal(verifyInclusion(index, size, leaf, proof, roots[size - 1] as Buffer), false);
        if (index + 1 < size) {
          assert.equal(
            verifyInclusion(index, size, leaves[index + 1] as Buffer, proof, roots[size] as Buffer),
            false,
          );
        }
      }
    }
  });

  test("consistency at random (from, to)", async () => {
    for (const to of sizes) {
      const froms = new Set([1, to, Math.max(1, to - 1), 1 + next(to), 1 + next(to), 1 + next(to)]);
      for (const from of froms) {
        const proof = await consistencyProof(nodes, from, to);
        const ok = verifyConsistency(from, to, proof, roots[from] as Buffer, roots[to] as Buffer);
        assert.ok(ok, `${from} → ${to}`);
        if (from < to) {
          assert.equal(
            verifyConsistency(from, to, proof, roots[from] as Buffer, roots[to - 1] as Buffer),
            false,
          );
          assert.equal(
            verifyConsistency(from, to, proof, roots[from + 1] as Buffer, roots[to] as Buffer),
            false,
          );
        }
      }
    }
  });

  test("a fork is caught: a tree that rewrote one leaf is not consistent with the original", async () => {
    const forked = [...leaves.slice(0, 1000)];
    forked[417] = leafHash("rewritten");
    const forkRange = new CompactRange();
    for (const leaf of forked.slice(0, 600)) forkRange.append(leaf);
    const { nodes: forkNodes } = tiledSource(forked);
    const proof = await consistencyProof(forkNodes, 600, 1000);
    assert.equal(verifyConsistency(600, 1000, proof, forkRange.root(), roots[1000] as Buffer), false);
    assert.equal(verifyConsistency(600, 1000, proof, roots[600] as Buffer, roots[1000] as Buffer), false);
  });
});
