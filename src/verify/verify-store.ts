import { type Checkpoint, verifyCheckpoint } from "../ledger/checkpoint.js";
import { CompactRange, type CompletedNode } from "../ledger/compact-range.js";
import { HASH_SIZE } from "../ledger/rfc6962.js";
import type { NoteVerifier } from "../ledger/signed-note.js";
import { TILE_HEIGHT, TILE_WIDTH, type TileReader, tileEntry } from "../ledger/tiles.js";
import { MATCH_ALL } from "../read-model/event-filter.js";
import type { StorageDriver } from "../storage/storage-driver.js";

/** What `verify` found. */
export interface VerifyReport {
  /** True when everything checked out. */
  readonly ok: boolean;
  /** Events in the store. */
  readonly size: number;
  /** Events whose leaf hash was recomputed. */
  readonly checked: number;
  /** Stored checkpoints whose signature and root were checked. */
  readonly checkpointsVerified: number;
  /** The trusted checkpoint's size, when one was given and it verified. */
  readonly trustedSize?: number;
  /** The root of the whole store as recomputed. */
  readonly root: string;
  /** The first seq found wrong (edited, missing, reordered, or beyond a rollback). */
  readonly firstBadSeq?: number;
  /** Why verification failed, in plain words. */
  readonly problem?: string;
}

/** Options for {@link verifyStore}. */
export interface VerifyOptions {
  /** The log's origin; checkpoints of another origin are rejected. */
  readonly origin: string;
  /** Verifies checkpoint signatures. */
  readonly verifier: NoteVerifier;
  /** A signed checkpoint kept outside the store; the store must extend it. */
  readonly trusted?: string;
  /**
   * Also check that the columns the store copies out of each event for its indexes agree with
   * the stored JSON (they are not covered by the leaf hash, and filters read them). Costs a JSON
   * parse per event.
   */
  readonly deep?: boolean;
  /** Called now and then with the number of events checked. */
  readonly onProgress?: (checked: number, total: number) => void;
}

/**
 * Verifies a whole store: recomputes every leaf from the stored bytes and compares it
 * with the leaf hash recorded in the tiles when it was appended, checks seqs are contiguous,
 * rebuilds the tree and checks every stored checkpoint's signature and root, and proves that the
 * store extends a trusted checkpoint held elsewhere (which catches a rewrite by a holder of the
 * signing key and a restored older copy). Stops at the first problem and names its seq.
 *
 * @example
 * ```ts
 * const report = await verifyStore(driver, { origin, verifier });
 * if (!report.ok) console.error(`first bad seq ${report.firstBadSeq}: ${report.problem}`);
 * ```
 */
export async function verifyStore(driver: StorageDriver, options: VerifyOptions): Promise<VerifyReport> {
  const size = await driver.size();
  const range = new CompactRange();
  const fail = (firstBadSeq: number | undefined, problem: string): VerifyReport => ({
    ok: false,
    size,
    checked: range.size,
    checkpointsVerified: 0,
    root: range.root().toString("base64"),
    ...(firstBadSeq === undefined ? {} : { firstBadSeq }),
    problem,
  });

  // Roots the rebuilt tree must reach, by tree size.
  const expected = new Map<number, { root: Buffer; what: string }>();
  const storedCheckpoints = await driver.listCheckpoints();
  for (const stored of storedCheckpoints) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = verifyCheckpoint(stored.note, options.verifier);
    } catch (error) {
      return fail(undefined, `stored checkpoint for size ${stored.size}: ${(error as Error).message}`);
    }
    if (checkpoint.origin !== options.origin || checkpoint.size !== stored.size) {
      return fail(
        undefined,
        `stored checkpoint for size ${stored.size} names origin ${checkpoint.origin} size ${checkpoint.size}`,
      );
    }
    expected.set(checkpoint.size, {
      root: checkpoint.root,
      what: `stored checkpoint at size ${checkpoint.size}`,
    });
  }
  let trustedSize: number | undefined;
  if (options.trusted !== undefined) {
    let trusted: Checkpoint;
    try {
      trusted = verifyCheckpoint(options.trusted, options.verifier);
    } catch (error) {
      return fail(undefined, `trusted checkpoint: ${(error as Error).message}`);
    }
    if (trusted.origin !== options.origin) {
      return fail(
        undefined,
        `trusted checkpoint is for origin ${trusted.origin}, this store is ${options.origin}`,
      );
    }
    if (trusted.size > size) {
      return fail(
        size,
        `the store holds ${size} events but the trusted checkpoint covers ${trusted.size}: events were removed or an older copy was restored`,
      );
    }
    trustedSize = trusted.size;
    expected.set(trusted.size, { root: trusted.root, what: `trusted checkpoint at size ${trusted.size}` });
  }
  let largestExpected = 0;
  for (const checkpointSize of expected.keys()) largestExpected = Math.max(largestExpected, checkpointSize);
  if (largestExpected > size) {
    return fail(
      size,
      `the store holds ${size} events but its checkpoint covers ${largestExpected}: events were removed`,
    );
  }

  let lastGood = 0;
  const upperTiles = new TileCache(driver);
  // Exactly the events present when verification began: appends meanwhile are not its business.
  for await (const chunk of driver.scanLeafHashes(0, size, { checkColumns: options.deep === true })) {
    if (chunk.firstSeq !== range.size) return fail(range.size, `event ${range.size} is missing`);
    const count = chunk.hashes.length / HASH_SIZE;
    // A tile's worth at a time: compare with the leaf hashes recorded when the events were
    // appended, then grow the tree and check every checkpoint size it passes.
    for (let done = 0; done < count; ) {
      const seq = chunk.firstSeq + done;
      const tileIndex = Math.floor(seq / TILE_WIDTH);
      const offset = seq - tileIndex * TILE_WIDTH;
      const n = Math.min(count - done, TILE_WIDTH - offset);
      const computed = chunk.hashes.subarray(done * HASH_SIZE, (done + n) * HASH_SIZE);
      const recorded = (await driver.readTile(0, tileIndex))?.subarray(
        offset * HASH_SIZE,
        (offset + n) * HASH_SIZE,
      );
      if (!recorded?.equals(computed)) {
        let k = 0;
        while (recorded && k < n && tileEntry(recorded, k).equals(tileEntry(computed, k))) k++;
        return fail(
          seq + k,
          `event ${seq + k}'s stored bytes do not match the leaf hash recorded when it was appended`,
        );
      }
      const completed: CompletedNode[] = [];
      for (let k = 0; k < n; k++) {
        range.append(tileEntry(computed, k), (node) => {
          if (node.height % TILE_HEIGHT === 0) completed.push(node);
        });
        const target = expected.get(range.size);
        if (!target) continue;
        if (!range.root().equals(target.root)) {
          return fail(
            lastGood,
            `the tree rebuilt from events ${lastGood}…${range.size - 1} does not match the ${target.what}`,
          );
        }
        lastGood = range.size;
      }
      // The higher tiles hold the roots of whole subtrees; proofs and new checkpoints are built
      // from them, so each must equal the node just rebuilt from the events.
      for (const node of completed) {
        const level = node.height / TILE_HEIGHT;
        const index = Math.floor(node.index / TILE_WIDTH);
        const stored = await upperTiles.read(level, index);
        const offset = node.index - index * TILE_WIDTH;
        if (
          !stored ||
          stored.length < (offset + 1) * HASH_SIZE ||
          !tileEntry(stored, offset).equals(node.hash)
        ) {
          const first = node.index * 2 ** node.height;
          return fail(
            first,
            `tile ${level}/${index} disagrees with the tree rebuilt from events ${first}…${first + 2 ** node.height - 1}`,
          );
        }
      }
      done += n;
    }
    if (chunk.columnMismatch) {
      const { seq, column } = chunk.columnMismatch;
      return fail(
        seq,
        `event ${seq}'s stored ${column} column disagrees with its JSON: filtered queries would be misled`,
      );
    }
    options.onProgress?.(range.size, size);
  }
  if (range.size !== size) return fail(range.size, `event ${range.size} is missing`);
  // Seqs 0…size-1 are all present and unique, so any other row lies outside the log (a negative
  // seq, say) where no leaf covers it, yet queries would return it.
  // (Counted before the size is read again, so events appended meanwhile cannot look like extras.)
  const rows = await driver.countEvents(MATCH_ALL);
  const sizeNow = await driver.size();
  if (rows > sizeNow) {
    return fail(
      undefined,
      `the store holds ${rows - sizeNow} row(s) outside seqs 0…${sizeNow - 1}, covered by no leaf`,
    );
  }
  // Tiles record every leaf ever appended: more leaves there than events here means rows were cut off the end.
  const lastTile = await driver.readTile(0, Math.floor(size / TILE_WIDTH));
  const recorded = lastTile ? lastTile.length / HASH_SIZE : 0;
  const beyond =
    recorded > size % TILE_WIDTH || (await driver.readTile(0, Math.floor(size / TILE_WIDTH) + 1));
  // Tiles beyond `size` are expected if events were appended meanwhile; only a store that did not grow was cut.
  if (beyond && (await driver.size()) <= size) {
    return fail(size, `the tree records events beyond seq ${size - 1} that the store no longer holds`);
  }
  return {
    ok: true,
    size,
    checked: range.size,
    checkpointsVerified: storedCheckpoints.length,
    ...(trustedSize === undefined ? {} : { trustedSize }),
    root: range.root().toString("base64"),
  };
}

/** Keeps the tile last read at each level: the rebuild walks every level left to right. */
class TileCache {
  readonly #reader: TileReader;
  readonly #current = new Map<number, { index: number; tile: Buffer | undefined }>();

  constructor(reader: TileReader) {
    this.#reader = reader;
  }

  async read(level: number, index: number): Promise<Buffer | undefined> {
    const cached = this.#current.get(level);
    if (cached?.index === index) return cached.tile;
    const tile = await this.#reader.readTile(level, index);
    this.#current.set(level, { index, tile });
    return tile;
  }
}
