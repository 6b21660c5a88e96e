import { CompactRange } from "./compact-range.js";
import { HASH_SIZE, nodeHash } from "./rfc6962.js";

/**
 * C2SP tlog-tiles layout: the tree's hashes are stored as tiles of 256 hashes. A tile at level
 * L, index N holds the hashes of tree height 8·L from index 256·N on: level 0 holds leaf
 * hashes, level 1 the roots of 256-leaf subtrees, and so on. Any complete node is found in one
 * tile and at most 127 hashing steps. A tile on the right edge is partial (width < 256).
 */

/** Tree heights covered by one tile. */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile. */
export const TILE_WIDTH = 256;

/** A tile's hashes: `hashes.length / 32` is its width. */
export interface Tile {
  readonly level: number;
  readonly index: number;
  readonly hashes: Buffer;
}

/** Reads stored tiles (full or partial); `undefined` when a tile does not exist. */
export interface TileReader {
  readTile(level: number, index: number): Promise<Buffer | undefined>;
}

/**
 * The C2SP path of a tile, e.g. `tile/0/x001/x234/067.p/8`.
 *
 * @example
 * ```ts
 * tilePath(1, 1234067); // "tile/1/x001/x234/067"
 * ```
 */
export function tilePath(level: number, index: number, width = TILE_WIDTH): string {
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, "0");
  const groups = digits.match(/\d{3}/g) as string[];
  const encoded = groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join("/");
  return `tile/${level}/${encoded}${width < TILE_WIDTH ? `.p/${width}` : ""}`;
}

/** A parsed C2SP tile path: a hash tile (`level` ≥ 0) or an entry bundle (`level` "entries"). */
export interface TileAddress {
  readonly level: number | "entries";
  readonly index: number;
  /** 256 for a full tile, 1–255 for a partial one. */
  readonly width: number;
}

/**
 * Parses a C2SP tlog-tiles path (`tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`), or
 * `undefined` when it is not one in canonical form (the inverse of {@link tilePath}).
 *
 * @example
 * ```ts
 * parseTilePath("tile/1/x001/x234/067.p/8"); // { level: 1, index: 1234067, width: 8 }
 * ```
 */
export function parseTilePath(path: string): TileAddress | undefined {
  const m = /^tile\/(entries|0|[1-9]\d?)\/((?:x\d{3}\/)*\d{3})(?:\.p\/([1-9]\d{0,2}))?$/.exec(path);
  if (!m) return undefined;
  const [, levelText, indexText, widthText] = m as unknown as [string, string, string, string | undefined];
  if (indexText.startsWith("x000/")) return undefined;
  const index = Number(indexText.replace(/[x/]/g, ""));
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  const level = levelText === "entries" ? "entries" : Number(levelText);
  const partialTooWide = widthText !== undefined && width >= TILE_WIDTH;
  if (!Number.isSafeInteger(index) || partialTooWide || (typeof level === "number" && level > 63))
    return undefined;
  return { level, index, width };
}

/** Reads hash `i` of a tile buffer. */
export function tileEntry(hashes: Buffer, i: number): Buffer {
  return hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
}

/**
 * The hash of the complete node at `height`, `index` (its leaves are
 * [index·2^height, (index+1)·2^height)), computed from the one tile that holds it.
 * Throws when the tile is missing or too short: the node is not complete in the stored tree.
 */
export async function nodeFromTiles(reader: TileReader, height: number, index: number): Promise<Buffer> {
  const level = Math.floor(height / TILE_HEIGHT);
  const rise = height % TILE_HEIGHT;
  const span = 2 ** rise;
  const first = index * span;
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const offset = first - tileIndex * TILE_WIDTH;
  const tile = await reader.readTile(level, tileIndex);
  if (!tile || tile.length < (offset + span) * HASH_SIZE) {
    throw new RangeError(`tile ${level}/${tileIndex} does not hold node ${height}/${index}`);
  }
  let row: Buffer[] = [];
  for (let i = 0; i < span; i++) row.push(tileEntry(tile, offset + i));
  while (row.length > 1) {
    const up: Buffer[] = [];
    for (let i = 0; i < row.length; i += 2) up.push(nodeHash(row[i] as Buffer, row[i + 1] as Buffer));
    row = up;
  }
  return row[0] as Buffer;
}

/**
 * The in-memory right edge of a tiled tree: its {@link CompactRange} and the hashes of the
 * partial tile at each level. Appending leaves returns the tiles to store — every tile that
 * completed, and each level's partial tile if it changed — so one storage transaction can hold
 * a batch's events and its tiles together.
 *
 * @example
 * ```ts
 * const tree = new TileTree();
 * const tiles = tree.append([leafHash("a"), leafHash("b")]); // [{ level: 0, index: 0, hashes: <64 bytes> }]
 * ```
 */
export class TileTree {
  readonly #range: CompactRange;
  /** Entries of the partial tile at each level. */
  readonly #edges: Buffer[][];

  constructor(range: CompactRange = new CompactRange(), edges: Buffer[][] = []) {
    this.#range = range;
    this.#edges = edges.map((entries) => [...entries]);
  }

  /**
   * Rebuilds the right edge of a stored tree of `size` leaves from its tiles.
   */
  static async open(reader: TileReader, size: number): Promise<TileTree> {
    const hashes: Buffer[] = [];
    let offset = 0;
    for (let height = Math.floor(Math.log2(Math.max(size, 1))); height >= 0; height--) {
      const span = 2 ** height;
      if (size - offset >= span) {
        hashes.push(await nodeFromTiles(reader, height, offset / span));
        offset += span;
      }
    }
    const edges: Buffer[][] = [];
    for (let level = 0; TILE_WIDTH ** level <= size; level++) {
      const count = Math.floor(size / TILE_WIDTH ** level);
      const width = count % TILE_WIDTH;
      const entries: Buffer[] = [];
      if (width > 0) {
        const tile = await reader.readTile(level, Math.floor(count / TILE_WIDTH));
        if (!tile || tile.length < width * HASH_SIZE)
          throw new RangeError(`partial tile at level ${level} is missing`);
        for (let i = 0; i < width; i++) entries.push(Buffer.from(tileEntry(tile, i)));
      }
      edges.push(entries);
    }
    return new TileTree(new CompactRange(size, hashes), edges);
  }

  /** Number of leaves. */
  get size(): number {
    return this.#range.size;
  }

  /** The RFC 6962 root hash. */
  root(): Buffer {
    return this.#range.root();
  }

  /** Appends leaf hashes; returns the tiles to store for them. */
  append(leaves: readonly Buffer[]): Tile[] {
    const out: Tile[] = [];
    const touched = new Set<number>();
    const addToLevel = (level: number, hash: Buffer, index: number) => {
      let entries = this.#edges[level];
      if (!entries) {
        entries = [];
        this.#edges[level] = entries;
      }
      entries.push(hash);
      touched.add(level);
      if (entries.length === TILE_WIDTH) {
        out.push({ level, index: Math.floor(index / TILE_WIDTH), hashes: Buffer.concat(entries) });
        entries.length = 0;
      }
    };
    for (const leaf of leaves) {
      const leafIndex = this.#range.size;
      addToLevel(0, leaf, leafIndex);
      this.#range.append(leaf, (node) => {
        if (node.height % TILE_HEIGHT === 0) addToLevel(node.height / TILE_HEIGHT, node.hash, node.index);
      });
    }
    for (const level of touched) {
      const entries = this.#edges[level] as Buffer[];
      if (entries.length === 0) continue;
      const count = Math.floor(this.size / TILE_WIDTH ** level);
      out.push({ level, index: Math.floor(count / TILE_WIDTH), hashes: Buffer.concat(entries) });
    }
    return out;
  }

  /** An independent copy, so a batch can be applied tentatively and dropped if storing it fails. */
  clone(): TileTree {
    return new TileTree(this.#range.clone(), this.#edges);
  }
}
