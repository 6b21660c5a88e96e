import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { referenceRoot } from "../../test/support/rfc6962-reference.js";
import { CompactRange, type CompletedNode } from "./compact-range.js";
import { EMPTY_ROOT, leafHash, nodeHash } from "./rfc6962.js";

const vectors = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/rfc6962-vectors.json", import.meta.url), "utf8"),
) as { leaves_hex: string[]; roots_hex: string[] };

const popcount = (n: number) => n.toString(2).replaceAll("0", "").length;
const leavesOf = (n: number, salt = "") => Array.from({ length: n }, (_, i) => leafHash(`${salt}leaf-${i}`));

describe("CompactRange", () => {
  test("an empty range has the empty root and no hashes", () => {
    const range = new CompactRange();
    assert.equal(range.size, 0);
    assert.deepEqual(range.hashes, []);
    assert.equal(
      range.root().toString("hex"),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  test("roots for sizes 1–8 equal the published RFC 6962 roots", () => {
    const range = new CompactRange();
    vectors.leaves_hex.forEach((hex, i) => {
      range.append(leafHash(Buffer.from(hex, "hex")));
      assert.equal(range.size, i + 1);
      assert.equal(range.root().toString("hex"), vectors.roots_hex[i], `size ${i + 1}`);
    });
  });

  test("holds one perfect-subtree root per set bit of size, largest first", () => {
    const leaves = leavesOf(600);
    const range = new CompactRange();
    for (let size = 1; size <= leaves.length; size++) {
      range.append(leaves[size - 1] as Buffer);
      assert.equal(range.hashes.length, popcount(size), `size ${size}`);
      let start = 0;
      const expected: Buffer[] = [];
      for (let bit = 2 ** Math.floor(Math.log2(size)); bit >= 1; bit /= 2) {
        if (Math.floor(size / bit) % 2 === 1) {
          expected.push(referenceRoot(leaves.slice(start, start + bit)));
          start += bit;
        }
      }
      assert.deepEqual(range.hashes, expected, `size ${size}`);
      if (size % 37 === 0 || size < 20) assert.deepEqual(range.root(), referenceRoot(leaves.slice(0, size)));
    }
  });

  test("reports every completed interior node, once, with its height, index and hash", () => {
    const leaves = leavesOf(300, "n");
    const range = new CompactRange();
    const seen = new Map<string, CompletedNode>();
    leaves.forEach((leaf, i) => {
      const reported: CompletedNode[] = [];
      range.append(leaf, (node) => reported.push(node));
      // Appending leaf i completes exactly the subtrees that end at leaf i: one per trailing one-bit of i.
      let expectedCount = 0;
      for (let v = i; v % 2 === 1; v = Math.floor(v / 2)) expectedCount++;
      assert.equal(reported.length, expectedCount, `leaf ${i}`);
      for (const node of reported) {
        const span = 2 ** node.height;
        assert.equal((node.index + 1) * span, i + 1, `node ${node.height}/${node.index} ends at leaf ${i}`);
        assert.deepEqual(node.hash, referenceRoot(leaves.slice(node.index * span, (node.index + 1) * span)));
        const key = `${node.height}/${node.index}`;
        assert.ok(!seen.has(key), `${key} reported twice`);
        seen.set(key, node);
      }
    });
    assert.equal(seen.size, 300 - popcount(300));
  });

  test("the constructor restores a range from its hashes and rejects the wrong count", () => {
    const leaves = leavesOf(13);
    const original = new CompactRange();
    for (const leaf of leaves.slice(0, 11)) original.append(leaf);
    const restored = new CompactRange(11, original.hashes);
    assert.deepEqual(restored.root(), original.root());
    for (const leaf of leaves.slice(11)) {
      original.append(leaf);
      restored.append(leaf);
    }
    assert.deepEqual(restored.root(), referenceRoot(leaves));
    assert.deepEqual(restored.hashes, original.hashes);
    assert.throws(() => new CompactRange(11, original.hashes.slice(0, 2)), RangeError);
    assert.throws(() => new CompactRange(4, [EMPTY_ROOT, EMPTY_ROOT]), RangeError);
    assert.throws(() => new CompactRange(0, [EMPTY_ROOT]), RangeError);
  });

  test("the constructor copies its input and clone() is independent", () => {
    const hashes = [leafHash("a")];
    const range = new CompactRange(1, hashes);
    hashes.push(leafHash("b"));
    assert.equal(range.hashes.length, 1);

    const before = range.root();
    const copy = range.clone();
    copy.append(leafHash("b"));
    assert.equal(range.size, 1);
    assert.deepEqual(range.root(), before);
    assert.equal(copy.size, 2);
    assert.deepEqual(copy.root(), nodeHash(leafHash("a"), leafHash("b")));
  });
});
