import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { referenceRoot } from "../../test/support/rfc6962-reference.js";
import { CompactRange } from "./compact-range.js";
import { EMPTY_ROOT, leafHash } from "./rfc6962.js";
import {
  nodeFromTiles,
  TILE_HEIGHT,
  TILE_WIDTH,
  type Tile,
  type TileReader,
  TileTree,
  tileEntry,
  tilePath,
} from "./tiles.js";

const vectors = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/rfc6962-vectors.json", import.meta.url), "utf8"),
) as { leaves_hex: string[]; roots_hex: string[] };

/** Tiles kept in a map, as a storage driver would keep them; checks that stored tiles only ever grow. */
class MemoryTiles implements TileReader {
  readonly tiles = new Map<string, Buffer>();

  write(tiles: readonly Tile[]): void {
    for (const tile of tiles) {
      const key = `${tile.level}/${tile.index}`;
      const old = this.tiles.get(key);
      assert.equal(tile.hashes.length % 32, 0, `tile ${key} holds whole hashes`);
      assert.ok(tile.hashes.length > 0 && tile.hashes.length <= TILE_WIDTH * 32, `tile ${key} width`);
      if (old) {
        assert.ok(tile.hashes.length >= old.length, `tile ${key} shrank`);
        assert.deepEqual(tile.hashes.subarray(0, old.length), old, `tile ${key} rewrote stored hashes`);
      }
      this.tiles.set(key, Buffer.from(tile.hashes));
    }
  }

  async readTile(level: number, index: number): Promise<Buffer | undefined> {
    return this.tiles.get(`${level}/${index}`);
  }

  snapshot(): MemoryTiles {
    const copy = new MemoryTiles();
    for (const [key, value] of this.tiles) copy.tiles.set(key, value);
    return copy;
  }
}

/** A small seeded PRNG (mulberry32) so failures reproduce. */
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

const leavesOf = (n: number, salt = "") => Array.from({ length: n }, (_, i) => leafHash(`${salt}#${i}`));
const describeTiles = (tiles: readonly Tile[]) =>
  tiles.map((t) => `${t.level}/${t.index}:${t.hashes.length / 32}`).sort();

/** Appends `leaves` to `tree` in random batches, writing each batch's tiles to `store`. */
function appendInBatches(
  tree: TileTree,
  store: MemoryTiles,
  leaves: readonly Buffer[],
  next: (n: number) => number,
) {
  let i = 0;
  while (i < leaves.length) {
    const n = 1 + next(Math.min(700, leaves.length - i));
    store.write(tree.append(leaves.slice(i, i + n)));
    i += n;
  }
}

describe("tilePath", () => {
  test("encodes the index in 3-digit groups, all but the last prefixed with x (C2SP tlog-tiles)", () => {
    // The C2SP spec's example: index 1234067 is x001/x234/067.
    assert.equal(tilePath(0, 1234067), "tile/0/x001/x234/067");
    assert.equal(tilePath(1, 1234067), "tile/1/x001/x234/067");
    assert.equal(tilePath(0, 0), "tile/0/000");
    assert.equal(tilePath(2, 7), "tile/2/007");
    assert.equal(tilePath(0, 999), "tile/0/999");
    assert.equal(tilePath(0, 1000), "tile/0/x001/000");
    assert.equal(tilePath(3, 1234), "tile/3/x001/234");
    assert.equal(tilePath(0, 1000000), "tile/0/x001/x000/000");
  });

  test("partial tiles end in .p/<width>; a full tile has no suffix", () => {
    assert.equal(tilePath(0, 1234067, 8), "tile/0/x001/x234/067.p/8");
    assert.equal(tilePath(1, 0, 1), "tile/1/000.p/1");
    assert.equal(tilePath(0, 5, 255), "tile/0/005.p/255");
    assert.equal(tilePath(0, 5, 256), "tile/0/005");
    assert.equal(tilePath(0, 5), "tile/0/005");
  });
});

describe("TileTree", () => {
  test("roots for sizes 1–8 equal the published RFC 6962 roots", () => {
    const leaves = vectors.leaves_hex.map((hex) => leafHash(Buffer.from(hex, "hex")));
    const stepwise = new TileTree();
    assert.deepEqual(stepwise.root(), EMPTY_ROOT);
    leaves.forEach((leaf, i) => {
      stepwise.append([leaf]);
      assert.equal(stepwise.size, i + 1);
      assert.equal(stepwise.root().toString("hex"), vectors.roots_hex[i], `size ${i + 1}`);
    });
    for (let size = 1; size <= 8; size++) {
      const batch = new TileTree();
      const tiles = batch.append(leaves.slice(0, size));
      assert.equal(batch.root().toString("hex"), vectors.roots_hex[size - 1], `one batch of ${size}`);
      assert.deepEqual(tiles, [{ level: 0, index: 0, hashes: Buffer.concat(leaves.slice(0, size)) }]);
    }
  });

  test("append returns each completed tile and each changed partial tile", () => {
    const leaves = leavesOf(600);
    const tree = new TileTree();
    assert.deepEqual(tree.append([]), []);
    assert.deepEqual(describeTiles(tree.append(leaves.slice(0, 255))), ["0/0:255"]);
    // Leaf 255 completes tile 0/0 and the first height-8 node, which starts tile 1/0.
    assert.deepEqual(describeTiles(tree.append(leaves.slice(255, 256))), ["0/0:256", "1/0:1"]);
    assert.deepEqual(describeTiles(tree.append(leaves.slice(256, 257))), ["0/1:1"]);
    assert.deepEqual(describeTiles(tree.append(leaves.slice(257, 600))), ["0/1:256", "0/2:88", "1/0:2"]);
    assert.equal(tree.size, 600);
  });

  test("stored tiles hold the leaf hashes and the roots of 256-leaf subtrees", () => {
    const leaves = leavesOf(3000, "t");
    const tree = new TileTree();
    const store = new MemoryTiles();
    appendInBatches(tree, store, leaves, random(7));
    assert.deepEqual(tree.root(), referenceRoot(leaves));
    assert.deepEqual(
      [...store.tiles.keys()].sort(),
      [...Array.from({ length: 12 }, (_, i) => `0/${i}`), "1/0"].sort(),
    );
    for (let t = 0; t < 12; t++) {
      const tile = store.tiles.get(`0/${t}`) as Buffer;
      const expected = leaves.slice(t * 256, (t + 1) * 256);
      assert.deepEqual(tile, Buffer.concat(expected), `tile 0/${t}`);
    }
    const level1 = store.tiles.get("1/0") as Buffer;
    assert.equal(level1.length, 11 * 32);
    for (let i = 0; i < 11; i++) {
      assert.deepEqual(
        tileEntry(level1, i),
        referenceRoot(leaves.slice(i * 256, (i + 1) * 256)),
        `entry 1/0[${i}]`,
      );
    }
  });

  test("nodeFromTiles gives every complete node and refuses incomplete or missing ones", async () => {
    const leaves = leavesOf(600, "n");
    const store = new MemoryTiles();
    store.write(new TileTree().append(leaves));
    for (let height = 0; height <= 9; height++) {
      const span = 2 ** height;
      for (let index = 0; (index + 1) * span <= 600; index++) {
        const expected = referenceRoot(leaves.slice(index * span, (index + 1) * span));
        assert.deepEqual(await nodeFromTiles(store, height, index), expected, `node ${height}/${index}`);
      }
    }
    await assert.rejects(nodeFromTiles(store, 0, 600), RangeError);
    await assert.rejects(nodeFromTiles(store, 3, 75), RangeError); // leaves 600..607
    await assert.rejects(nodeFromTiles(store, 8, 2), RangeError); // leaves 512..767
    await assert.rejects(nodeFromTiles(store, 10, 0), RangeError); // leaves 0..1023
    await assert.rejects(nodeFromTiles(new MemoryTiles(), 0, 0), RangeError);
  });

  test("open() rebuilds the right edge and continues exactly like an uninterrupted tree", async () => {
    const next = random(42);
    const sizes = [0, 1, 2, 3, 7, 8, 255, 256, 257, 300, 511, 512, 513, 767, 768, 769, 1024, 1025];
    for (let i = 0; i < 6; i++) sizes.push(1 + next(3000));
    const leaves = leavesOf(4000, "o");
    for (const size of sizes) {
      const tree = new TileTree();
      const store = new MemoryTiles();
      appendInBatches(tree, store, leaves.slice(0, size), next);
      const reopened = await TileTree.open(store.snapshot(), size);
      assert.equal(reopened.size, size);
      assert.deepEqual(reopened.root(), tree.root(), `root at ${size}`);
      assert.deepEqual(reopened.root(), referenceRoot(leaves.slice(0, size)), `reference root at ${size}`);
      let at = size;
      while (at < size + 600) {
        const batch = leaves.slice(at, at + 1 + next(300));
        const expectedTiles = tree.append(batch);
        assert.deepEqual(reopened.append(batch), expectedTiles, `tiles after ${size}, at ${at}`);
        at += batch.length;
        assert.deepEqual(reopened.root(), tree.root(), `root after ${size}, at ${at}`);
      }
    }
  });

  test("open() works across the 65536-leaf boundary (level-2 tiles)", async () => {
    const total = 65536 + 300;
    const leaves = Array.from({ length: total }, (_, i) => {
      const b = Buffer.alloc(32);
      b.writeUInt32BE(i);
      return leafHash(b);
    });
    const tree = new TileTree();
    const store = new MemoryTiles();
    const snapshots = new Map<number, { store: MemoryTiles; root: Buffer }>();
    const stops = [65535, 65536, 65537, total];
    let at = 0;
    for (const stop of stops) {
      while (at < stop) {
        const n = Math.min(4096, stop - at);
        store.write(tree.append(leaves.slice(at, at + n)));
        at += n;
      }
      snapshots.set(stop, { store: store.snapshot(), root: tree.root() });
    }
    const level2 = store.tiles.get("2/0") as Buffer;
    assert.equal(level2.length, 32, "one height-16 node");
    const range = new CompactRange();
    for (const leaf of leaves.slice(0, 65536)) range.append(leaf);
    assert.deepEqual(level2, range.root(), "tile 2/0 holds the root of the first 65536 leaves");
    assert.deepEqual(await nodeFromTiles(store, 16, 0), range.root());
    for (const size of [65535, 65536, 65537]) {
      const snap = snapshots.get(size) as { store: MemoryTiles; root: Buffer };
      const reopened = await TileTree.open(snap.store, size);
      assert.deepEqual(reopened.root(), snap.root, `root at ${size}`);
      reopened.append(leaves.slice(size));
      assert.deepEqual(reopened.root(), tree.root(), `continued from ${size}`);
    }
  });

  test("open() fails when a needed tile is missing", async () => {
    await assert.rejects(TileTree.open(new MemoryTiles(), 10), RangeError);
    const store = new MemoryTiles();
    store.write(new TileTree().append(leavesOf(300)));
    store.tiles.delete("1/0");
    // The root of leaves 0..255 can still be hashed from tile 0/0, but the level-1 edge is gone.
    await assert.rejects(TileTree.open(store, 300), RangeError);
    const shortened = new MemoryTiles();
    shortened.write(new TileTree().append(leavesOf(300)));
    shortened.tiles.set("0/1", (shortened.tiles.get("0/1") as Buffer).subarray(0, 10 * 32));
    await assert.rejects(TileTree.open(shortened, 300), RangeError);
  });

  test("clone() is independent of the original", () => {
    const leaves = leavesOf(20);
    const tree = new TileTree();
    tree.append(leaves.slice(0, 10));
    const root = tree.root();
    const copy = tree.clone();
    const copyTiles = copy.append(leaves.slice(10));
    assert.equal(tree.size, 10);
    assert.deepEqual(tree.root(), root);
    assert.deepEqual(copyTiles, [{ level: 0, index: 0, hashes: Buffer.concat(leaves) }]);
    // The original's partial tile was not extended by the copy's appends.
    assert.deepEqual(tree.append([leaves[10] as Buffer]), [
      { level: 0, index: 0, hashes: Buffer.concat(leaves.slice(0, 11)) },
    ]);
  });

  test("TILE_WIDTH is 2^TILE_HEIGHT", () => {
    assert.equal(TILE_WIDTH, 256);
    assert.equal(2 ** TILE_HEIGHT, TILE_WIDTH);
  });
});

describe("parseTilePath", () => {
  test("is the inverse of tilePath for hash tiles and entry bundles, full and partial", async () => {
    const { parseTilePath } = await import("./tiles.js");
    const indexes = [
      0,
      1,
      7,
      99,
      255,
      256,
      999,
      1000,
      1001,
      65_535,
      65_536,
      999_999,
      1_000_000,
      1_234_067,
      2 ** 40 + 3,
    ];
    for (const index of indexes) {
      for (const level of [0, 1, 2, 63]) {
        for (const width of [1, 2, 44, 128, 255, 256]) {
          const path = tilePath(level, index, width);
          assert.deepEqual(parseTilePath(path), { level, index, width }, path);
          const entries = path.replace(/^tile\/\d+\//, "tile/entries/");
          assert.deepEqual(parseTilePath(entries), { level: "entries", index, width }, entries);
        }
      }
    }
  });

  test("parses the C2SP examples", async () => {
    const { parseTilePath } = await import("./tiles.js");
    assert.deepEqual(parseTilePath("tile/0/000"), { level: 0, index: 0, width: 256 });
    assert.deepEqual(parseTilePath("tile/0/999"), { level: 0, index: 999, width: 256 });
    assert.deepEqual(parseTilePath("tile/0/x001/000"), { level: 0, index: 1000, width: 256 });
    assert.deepEqual(parseTilePath("tile/1/x001/x234/067"), { level: 1, index: 1_234_067, width: 256 });
    assert.deepEqual(parseTilePath("tile/1/x001/x234/067.p/8"), { level: 1, index: 1_234_067, width: 8 });
    assert.deepEqual(parseTilePath("tile/entries/x001/x234/067.p/255"), {
      level: "entries",
      index: 1_234_067,
      width: 255,
    });
    assert.deepEqual(parseTilePath("tile/10/000"), { level: 10, index: 0, width: 256 });
    assert.equal(tilePath(0, 999), "tile/0/999");
    assert.equal(tilePath(0, 1000), "tile/0/x001/000");
    assert.equal(tilePath(0, 1_234_067, 5), "tile/0/x001/x234/067.p/5");
  });

  test("rejects every non-canonical or malformed form", async () => {
    const { parseTilePath } = await import("./tiles.js");
    for (const path of [
      "",
      "tile",
      "tile/0",
      "tile/0/",
      "tile/0/1",
      "tile/0/01",
      "tile/0/0000",
      "tile/0/x000/001",
      "tile/0/x000/x001/000",
      "tile/0/x1/000",
      "tile/0/X001/000",
      "tile/0/x001",
      "tile/0/x001/",
      "tile/0/000/",
      "tile/0/000.p/0",
      "tile/0/000.p/00",
      "tile/0/000.p/007",
      "tile/0/000.p/256",
      "tile/0/000.p/999",
      "tile/0/000.p/1000",
      "tile/0/000.p/",
      "tile/0/000.p",
      "tile/0/000.p/-1",
      "tile/0/000.p/8/",
      "tile/0/000.P/8",
      "tile/00/000",
      "tile/01/000",
      "tile/-1/000",
      "tile/64/000",
      "tile/99/000",
      "tile/100/000",
      "tile/a/000",
      "tile/entries/1",
      "tile/entries/x000/001",
      "tile/entries/000.p/256",
      "tile/Entries/000",
      "tile/data/000",
      "/tile/0/000",
      "tile/0/000?x=1",
      "tile//000",
      "tiles/0/000",
      "tile/0/-01",
      "tile/0/+001",
      "tile/0/0x1",
      "tile/0/1e3",
      "tile/0/٠٠٠",
    ]) {
      assert.equal(parseTilePath(path), undefined, JSON.stringify(path));
    }
  });

  test("an index beyond 2^53 is refused rather than rounded", async () => {
    const { parseTilePath } = await import("./tiles.js");
    assert.equal(parseTilePath("tile/0/x009/x007/x199/x254/x740/x993"), undefined);
    assert.deepEqual(parseTilePath("tile/0/x009/x007/x199/x254/x740/991"), {
      level: 0,
      index: Number.MAX_SAFE_INTEGER,
      width: 256,
    });
  });
});
