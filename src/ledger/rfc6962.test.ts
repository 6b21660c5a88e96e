import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { referenceRoot } from "../../test/support/rfc6962-reference.js";
import { EMPTY_ROOT, HASH_SIZE, isPowerOfTwo, leafHash, nodeHash, splitPoint } from "./rfc6962.js";

interface Rfc6962Vectors {
  leaves_hex: string[];
  roots_hex: string[];
  empty_root_hex: string;
  hasher_vectors: {
    empty_root_hex: string;
    leaf_hash_of_empty_leaf_hex: string;
    leaf_hash: { leaf_utf8: string; hash_hex: string };
    node_hash: { left_utf8: string; right_utf8: string; hash_hex: string };
  };
}

const vectors = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/rfc6962-vectors.json", import.meta.url), "utf8"),
) as Rfc6962Vectors;
const leaves = vectors.leaves_hex.map((h) => Buffer.from(h, "hex"));

describe("RFC 6962 hashing", () => {
  test("the empty root is SHA-256 of nothing (published)", () => {
    assert.equal(EMPTY_ROOT.toString("hex"), vectors.empty_root_hex);
    assert.equal(EMPTY_ROOT.toString("hex"), vectors.hasher_vectors.empty_root_hex);
    assert.equal(HASH_SIZE, EMPTY_ROOT.length);
  });

  test("leaf and node hashes match transparency-dev's hasher vectors", () => {
    const hv = vectors.hasher_vectors;
    assert.equal(leafHash(Buffer.alloc(0)).toString("hex"), hv.leaf_hash_of_empty_leaf_hex);
    assert.equal(leafHash(Buffer.from(hv.leaf_hash.leaf_utf8)).toString("hex"), hv.leaf_hash.hash_hex);
    const left = Buffer.from(hv.node_hash.left_utf8);
    const right = Buffer.from(hv.node_hash.right_utf8);
    assert.equal(nodeHash(left, right).toString("hex"), hv.node_hash.hash_hex);
    assert.notEqual(nodeHash(right, left).toString("hex"), hv.node_hash.hash_hex, "node hashing is ordered");
  });

  test("leafHash of a string hashes its UTF-8 bytes", () => {
    for (const text of ["", "L123456", "é", "日本語", "😂", "a\u0000b"]) {
      assert.deepEqual(leafHash(text), leafHash(Buffer.from(text, "utf8")), JSON.stringify(text));
    }
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from([0]), Buffer.from("é", "utf8")]))
      .digest();
    assert.deepEqual(leafHash("é"), expected);
  });

  test("leaf and node domains are separated (0x00 vs 0x01 prefix)", () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    assert.notDeepEqual(leafHash(Buffer.concat([a, b])), nodeHash(a, b));
    const plain = createHash("sha256")
      .update(Buffer.concat([Buffer.from([1]), a, b]))
      .digest();
    assert.deepEqual(nodeHash(a, b), plain);
  });

  test("the reference MTH reproduces the published roots for sizes 1–8", () => {
    for (let size = 1; size <= 8; size++) {
      assert.equal(
        referenceRoot(leaves.slice(0, size).map((d) => leafHash(d))).toString("hex"),
        vectors.roots_hex[size - 1],
        `size ${size}`,
      );
    }
  });

  test("splitPoint is the largest power of two strictly below n", () => {
    assert.equal(splitPoint(2), 1);
    assert.equal(splitPoint(3), 2);
    assert.equal(splitPoint(4), 2);
    assert.equal(splitPoint(5), 4);
    assert.equal(splitPoint(8), 4);
    assert.equal(splitPoint(9), 8);
    assert.equal(splitPoint(257), 256);
    for (let n = 2; n <= 4100; n++) {
      const k = splitPoint(n);
      assert.ok(k < n && n <= 2 * k, `splitPoint(${n}) = ${k}`);
      assert.ok(Number.isInteger(Math.log2(k)), `splitPoint(${n}) = ${k} is a power of two`);
    }
  });

  test("isPowerOfTwo is exact over the whole safe-integer range", () => {
    for (let k = 0; k <= 52; k++) {
      assert.equal(isPowerOfTwo(2 ** k), true, `2^${k}`);
      if (k >= 2) assert.equal(isPowerOfTwo(2 ** k - 1), false, `2^${k}-1`);
      if (k >= 1) assert.equal(isPowerOfTwo(2 ** k + 1), false, `2^${k}+1`);
      if (k >= 2) assert.equal(isPowerOfTwo(3 * 2 ** (k - 2)), false, `3·2^${k - 2}`);
    }
    for (const n of [0, -1, -2, 0.5, 0.25, 1.5, 6, 12, 255, 257, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(isPowerOfTwo(n), false, String(n));
    }
  });
});
