/**
 * A C2SP tlog-tiles follower for a Sealtrail log served over HTTP, written from the specs with
 * node: modules and test/independent-verifier.ts only: it shares NO code with src/ (in particular
 * not src/ledger), so that it can serve as an oracle for the server's checkpoints and tiles.
 *
 * It fetches `/checkpoint` and verifies its signed note with the verifier key; fetches every hash
 * tile (`/tile/<L>/<N>[.p/<W>]`, 256 hashes wide) and checks that each hash at level L ≥ 1 is the
 * Merkle root of the 256 hashes below it; rebuilds the RFC 6962 root twice, from the level-0
 * hashes and from the highest tiles, and compares both with the checkpoint's root; then fetches
 * every entry bundle (`/tile/entries/<N>[.p/<W>]`) and checks that each entry's leaf hash is its
 * level-0 hash and that each entry is RFC 8785 canonical JSON.
 *
 * Usage as a program: `node dist/test/tile-follower.js BASE_URL API_KEY VERIFIER_KEY`.
 */
import { fileURLToPath } from "node:url";
import { jcs, leafHash, merkleRoot, nodeHash, openCheckpoint } from "./independent-verifier.js";

/** Hashes in a full tile (tile height 8). */
const WIDTH = 256;
const HASH = 32;

/** Where to follow, and with which keys. */
export interface FollowOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7469`. */
  readonly baseUrl: string;
  /** An API key (`Authorization: Bearer …`); none is sent when absent. */
  readonly apiKey?: string;
  /** The log's verifier key `<name>+<hex id>+<base64 key>`. */
  readonly verifierKey: string;
}

/** What a successful follow found. */
export interface FollowResult {
  readonly origin: string;
  readonly size: number;
  /** The checkpoint's root, standard base64; rebuilt from the tiles. */
  readonly root: string;
  /** Entries whose leaf hash matched their level-0 hash. */
  readonly entries: number;
  /** HTTP requests answered 200. */
  readonly requests: number;
  /** Partial tiles answered 404 and read from the full tile instead. */
  readonly fallbacks: number;
}

/** A follow that found the log inconsistent, or could not fetch what it needs. */
export class FollowError extends Error {
  override readonly name = "FollowError";
}

/** C2SP tile path of `N`: groups of three digits, all but the last prefixed with `x`. */
export function encodeTileIndex(index: number): string {
  if (!(Number.isSafeInteger(index) && index >= 0)) throw new RangeError(`tile index ${index}`);
  let digits = String(index);
  while (digits.length % 3 !== 0) digits = `0${digits}`;
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join("/");
}

/** `tile/<level>/<N>[.p/<width>]`, or `tile/entries/…` for level `"entries"`. */
export function tileUrlPath(level: number | "entries", index: number, width: number): string {
  return `tile/${level}/${encodeTileIndex(index)}${width < WIDTH ? `.p/${width}` : ""}`;
}

/** Splits an entry bundle: each entry is a big-endian 16-bit length followed by its bytes. */
export function splitBundle(bundle: Buffer): Buffer[] {
  const entries: Buffer[] = [];
  let at = 0;
  while (at < bundle.length) {
    if (bundle.length - at < 2) throw new FollowError(`entry bundle: truncated length at byte ${at}`);
    const length = bundle.readUInt16BE(at);
    at += 2;
    if (bundle.length - at < length)
      throw new FollowError(`entry bundle: entry ${entries.length} (${length} bytes) overruns the bundle`);
    entries.push(bundle.subarray(at, at + length));
    at += length;
  }
  return entries;
}

class NotFound extends FollowError {}

class Client {
  requests = 0;
  fallbacks = 0;
  readonly #base: string;
  readonly #headers: Record<string, string>;

  constructor(options: FollowOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  }

  /** GETs a path; 429 and 503 are retried after their `Retry-After` (a few times). */
  async get(path: string): Promise<Buffer> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${this.#base}/${path}`, { headers: this.#headers });
      const body = Buffer.from(await response.arrayBuffer());
      if ((response.status === 429 || response.status === 503) && attempt < 20) {
        const wait = Math.min(5, Math.max(1, Number(response.headers.get("retry-after")) || 1));
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        continue;
      }
      if (response.status !== 200) {
        const message = `GET /${path}: HTTP ${response.status} ${body.toString("utf8").slice(0, 300)}`;
        throw response.status === 404 ? new NotFound(message) : new FollowError(message);
      }
      this.requests++;
      return body;
    }
  }

  /**
   * A tile of `width` entries (hashes or an entry bundle). A partial tile answered 404 (the log
   * grew past it) is read from the full tile, as C2SP allows: `full` is then true.
   */
  async tile(
    level: number | "entries",
    index: number,
    width: number,
  ): Promise<{ data: Buffer; full: boolean }> {
    try {
      return { data: await this.get(tileUrlPath(level, index, width)), full: false };
    } catch (error) {
      if (!(error instanceof NotFound) || width === WIDTH) throw error;
      const data = await this.get(tileUrlPath(level, index, WIDTH));
      this.fallbacks++;
      return { data, full: true };
    }
  }

  /** The hashes of hash tile `level`/`index` of `width` entries, checked for length. */
  async hashTile(level: number, index: number, width: number): Promise<Buffer[]> {
    const { data, full } = await this.tile(level, index, width);
    const bytes = full && data.length === WIDTH * HASH ? data.subarray(0, width * HASH) : data;
    if (bytes.length !== width * HASH) {
      throw new FollowError(
        `/${tileUrlPath(level, index, width)}: ${bytes.length} bytes, expected ${width} hashes (${width * HASH} bytes)`,
      );
    }
    const hashes: Buffer[] = [];
    for (let i = 0; i < width; i++) hashes.push(bytes.subarray(i * HASH, (i + 1) * HASH));
    return hashes;
  }
}

/**
 * Follows the log at `baseUrl`: resolves with what it checked, or rejects with a
 * {@link FollowError} (or the verifier's error for a checkpoint that does not verify).
 */
export async function followLog(options: FollowOptions): Promise<FollowResult> {
  const client = new Client(options);
  const note = (await client.get("checkpoint")).toString("utf8");
  let checkpoint: ReturnType<typeof openCheckpoint>;
  try {
    checkpoint = openCheckpoint(note, options.verifierKey);
  } catch (error) {
    throw new FollowError(`checkpoint: ${(error as Error).message}`, { cause: error });
  }
  const { origin, size, root } = checkpoint;

  // levels[L] holds every stored hash at level L: the roots of the complete subtrees of 256^L
  // leaves, floor(size / 256^L) of them, in tiles of 256.
  const levels: Buffer[][] = [];
  for (let level = 0, count = size; count > 0; level++, count = Math.floor(count / WIDTH)) {
    const hashes: Buffer[] = [];
    for (let index = 0; index * WIDTH < count; index++) {
      hashes.push(...(await client.hashTile(level, index, Math.min(WIDTH, count - index * WIDTH))));
    }
    levels.push(hashes);
  }

  // Every hash at level L ≥ 1 is the Merkle root of the 256 hashes below it.
  for (let level = 1; level < levels.length; level++) {
    const below = levels[level - 1] as Buffer[];
    (levels[level] as Buffer[]).forEach((hash, k) => {
      if (!merkleRoot(below.slice(k * WIDTH, (k + 1) * WIDTH)).equals(hash)) {
        throw new FollowError(
          `hash ${k % WIDTH} of tile ${level}/${Math.floor(k / WIDTH)} is not the root of tile ${level - 1}/${k}`,
        );
      }
    });
  }

  // The root from the level-0 hashes alone (RFC 6962 §2.1).
  const leaves = levels[0] ?? [];
  const fromLeaves = merkleRoot(leaves);
  if (!fromLeaves.equals(root)) {
    throw new FollowError(
      `the level-0 tiles' Merkle root ${fromLeaves.toString("base64")} is not the checkpoint's ${root.toString("base64")}`,
    );
  }

  // The root from the highest tiles: the tree is the complete subtrees given by the binary
  // digits of its size, left to right; one of height h is 2^(h mod 8) hashes of level ⌊h/8⌋.
  const peaks: Buffer[] = [];
  let offset = 0;
  for (let height = Math.floor(Math.log2(Math.max(size, 1))); height >= 0; height--) {
    const span = 2 ** height;
    if (size - offset < span) continue;
    const level = Math.floor(height / 8);
    const rise = 2 ** (height % 8);
    const first = (offset / span) * rise;
    peaks.push(merkleRoot((levels[level] as Buffer[]).slice(first, first + rise)));
    offset += span;
  }
  let fromTop = peaks.pop();
  while (peaks.length > 0) fromTop = nodeHash(peaks.pop() as Buffer, fromTop as Buffer);
  if (size > 0 && !(fromTop as Buffer).equals(root)) {
    throw new FollowError(
      `the highest tiles rebuild root ${(fromTop as Buffer).toString("base64")}, not the checkpoint's ${root.toString("base64")}`,
    );
  }

  // Every entry bundle: each entry's leaf hash is its level-0 hash, and it is canonical JSON.
  let entries = 0;
  for (let index = 0; index * WIDTH < size; index++) {
    const width = Math.min(WIDTH, size - index * WIDTH);
    const path = tileUrlPath("entries", index, width);
    const { data, full } = await client.tile("entries", index, width);
    let records = splitBundle(data);
    if (full && records.length === WIDTH) records = records.slice(0, width);
    if (records.length !== width)
      throw new FollowError(`/${path}: ${records.length} entries, expected ${width}`);
    records.forEach((record, i) => {
      const seq = index * WIDTH + i;
      if (!leafHash(record).equals(leaves[seq] as Buffer)) {
        throw new FollowError(`entry ${seq} (/${path}): its leaf hash is not the level-0 tile's hash`);
      }
      const text = record.toString("utf8");
      let canonical: string;
      try {
        canonical = jcs(JSON.parse(text));
      } catch {
        throw new FollowError(`entry ${seq} (/${path}) is not JSON`);
      }
      if (canonical !== text) throw new FollowError(`entry ${seq} (/${path}) is not RFC 8785 canonical JSON`);
      entries++;
    });
  }

  return {
    origin,
    size,
    root: root.toString("base64"),
    entries,
    requests: client.requests,
    fallbacks: client.fallbacks,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [baseUrl, apiKey, verifierKey] = process.argv.slice(2);
  if (!baseUrl || apiKey === undefined || !verifierKey) {
    console.error("usage: tile-follower BASE_URL API_KEY VERIFIER_KEY");
    process.exit(2);
  }
  followLog({ baseUrl, apiKey, verifierKey }).then(
    (result) => console.log(JSON.stringify(result)),
    (error: Error) => {
      console.error(`FAIL: ${error.message}`);
      process.exit(1);
    },
  );
}
