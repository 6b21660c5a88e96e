/**
 * Checks an evidence bundle written by `evidence-bundle.ts`. The cryptographic checks (C2SP
 * signed-note Ed25519, RFC 6962 leaf hashing, RFC 9162 inclusion proofs) are written here again
 * on `node:crypto` alone, deliberately sharing no code with `src/ledger`: the checker must not
 * trust the code it checks.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";

/** Options of {@link verifyBundle}. */
export interface VerifyBundleOptions {
  /** A verifier key obtained elsewhere and trusted; without it, the bundle's own key is used. */
  readonly verifierKey?: string;
}

/** The result of {@link verifyBundle}. */
export interface BundleVerification {
  readonly ok: boolean;
  /** Each problem found, naming the file and, where it applies, the seq. */
  readonly problems: string[];
  /** Remarks that are not problems (events left out as stated, the key used). */
  readonly notes: string[];
  /** Events whose leaf hash and inclusion proof checked out. */
  readonly events: number;
  /** Seqs the report cites. */
  readonly cited: number;
  /** Which key checked the checkpoint: a trusted key given, or the bundle's own. */
  readonly keyUsed: "trusted" | "bundle";
  /** The checkpoint's content, when it could be read. */
  readonly checkpoint?: { readonly origin: string; readonly size: number; readonly root: string };
}

const MAX_ENTRY_BYTES = 512 * 1024 * 1024;
const MAX_ENTRIES = 64;

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafHash = (data: Uint8Array) => sha256(Uint8Array.of(0), data);
const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1), l, r);

/** RFC 9162 §2.1.3.2. */
function inclusionVerifies(
  index: number,
  size: number,
  leaf: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
) {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size))
    return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** Strict standard base64 (no whitespace, canonical padding). */
function base64(text: unknown): Buffer | undefined {
  if (typeof text !== "string") return undefined;
  const raw = Buffer.from(text, "base64");
  return raw.toString("base64") === text ? raw : undefined;
}

interface Key {
  readonly name: string;
  readonly id: Buffer;
  readonly publicKey: Buffer;
}

/** A C2SP verifier key `<name>+<hex id>+<base64(0x01 ‖ key)>`; throws when malformed. */
export function parseBundleKey(text: string): Key {
  const m = /^([^\s+]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim());
  const raw = base64(m?.[3]);
  if (!m || !raw || raw.length !== 33 || raw[0] !== 1) {
    throw new Error(
      "verifier key: expected <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte Ed25519 key>",
    );
  }
  const name = m[1] as string;
  const publicKey = raw.subarray(1);
  const id = Buffer.from(m[2] as string, "hex");
  if (!sha256(Buffer.from(name, "utf8"), Uint8Array.of(0x0a, 1), publicKey).subarray(0, 4).equals(id)) {
    throw new Error("verifier key: its key id does not match its key");
  }
  return { name, id, publicKey };
}

/** Opens a signed note with `key`: its text when a signature by `key` verifies, else an error. */
function openNote(note: string, key: Key): string {
  if (!note.endsWith("\n")) throw new Error("does not end with a newline");
  const at = note.lastIndexOf("\n\n");
  if (at < 0) throw new Error("has no blank line before its signatures");
  const text = note.slice(0, at + 1);
  let mine = 0;
  for (const line of note.slice(at + 2, -1).split("\n")) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    const raw = base64(m?.[2]);
    if (!m || !raw || raw.length < 5)
      throw new Error(`has a malformed signature line ${JSON.stringify(line)}`);
    if (m[1] !== key.name || !raw.subarray(0, 4).equals(key.id)) continue;
    mine++;
    const publicKey = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: key.publicKey.toString("base64url") },
      format: "jwk",
    });
    const signature = raw.subarray(4);
    if (signature.length !== 64 || !cryptoVerify(null, Buffer.from(text, "utf8"), publicKey, signature)) {
      throw new Error(`signature by ${key.name} does not verify`);
    }
  }
  if (mine === 0) throw new Error(`has no signature by ${key.name}+${key.id.toString("hex")}`);
  return text;
}

/** Reads the archive's regular files; throws when it is not a gzipped tar or is malformed. */
async function readArchive(path: string, problems: string[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const reader = extract();
  reader.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed: Error | undefined;
    stream.on("data", (chunk: unknown) => {
      const data = chunk as Buffer;
      size += data.length;
      if (size <= MAX_ENTRY_BYTES) chunks.push(data);
    });
    stream.on("error", (error) => {
      failed = error;
    });
    stream.on("end", () => {
      if (failed) return next(failed);
      if (header.type !== "file") problems.push(`${header.name}: not a regular file (${header.type})`);
      else if (size > MAX_ENTRY_BYTES) problems.push(`${header.name}: larger than ${MAX_ENTRY_BYTES} bytes`);
      else if (files.has(header.name)) problems.push(`${header.name}: appears twice in the archive`);
      else if (files.size >= MAX_ENTRIES) problems.push(`${header.name}: too many files in the archive`);
      else files.set(header.name, Buffer.concat(chunks));
      next();
    });
    stream.resume();
  });
  await pipeline(createReadStream(path), createGunzip(), reader);
  return files;
}

/** Every seq the report model cites: findings' `evidenceSeqs` and tables' `seq` column. */
function citedIn(report: unknown): number[] {
  const seqs = new Set<number>();
  const add = (v: unknown) => {
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) seqs.add(v);
  };
  const sections = (report as { sections?: unknown }).sections;
  for (const section of Array.isArray(sections) ? sections : []) {
    const blocks = (section as { blocks?: unknown }).blocks;
    for (const block of Array.isArray(blocks) ? blocks : []) {
      const b = block as { kind?: unknown; findings?: unknown; columns?: unknown; rows?: unknown };
      if (b.kind === "findings" && Array.isArray(b.findings)) {
        for (const f of b.findings) {
          const ev = (f as { evidenceSeqs?: unknown }).evidenceSeqs;
          if (Array.isArray(ev)) ev.forEach(add);
        }
      } else if (
        b.kind === "table" &&
        Array.isArray(b.columns) &&
        b.columns.some((c) => (c as { key?: unknown }).key === "seq") &&
        Array.isArray(b.rows)
      ) {
        for (const row of b.rows) add((row as { seq?: unknown }).seq);
      }
    }
  }
  return [...seqs].sort((a, b) => a - b);
}

/** Splits NDJSON bytes into lines (a final newline is required, blank lines are not allowed). */
function lines(data: Buffer, file: string, problems: string[]): Buffer[] {
  if (data.length === 0) return [];
  if (data[data.length - 1] !== 0x0a) problems.push(`${file}: does not end with a newline`);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i === data.length || data[i] === 0x0a) {
      if (i > start) out.push(data.subarray(start, i));
      else if (i < data.length) problems.push(`${file}: blank line ${out.length + 1}`);
      start = i + 1;
    }
  }
  return out;
}

function parseJson(data: Buffer | string, what: string, problems: string[]): unknown {
  try {
    return JSON.parse(data.toString());
  } catch {
    problems.push(`${what}: not valid JSON`);
    return undefined;
  }
}

/**
 * Verifies an evidence bundle: the manifest's hashes, the checkpoint's signature (with a
 * trusted key when given, else the bundle's own: that proves consistency, not authenticity),
 * that the checkpoint is the one the report states, each event's leaf hash and inclusion proof
 * against the checkpoint's root, and that every cited seq has its event.
 *
 * @example
 * ```ts
 * const result = await verifyBundle("evidence.tar.gz", { verifierKey: trustedKey });
 * if (!result.ok) console.error(result.problems.join("\n"));
 * ```
 */
export async function verifyBundle(
  path: string,
  options: VerifyBundleOptions = {},
): Promise<BundleVerification> {
  const problems: string[] = [];
  const notes: string[] = [];
  const keyUsed = options.verifierKey === undefined ? "bundle" : "trusted";
  const result = (extra: Partial<BundleVerification> = {}): BundleVerification => ({
    ok: problems.length === 0,
    problems,
    notes,
    events: 0,
    cited: 0,
    keyUsed,
    ...extra,
  });
  let trusted: Key | undefined;
  if (options.verifierKey !== undefined) trusted = parseBundleKey(options.verifierKey); // usage error: throws

  let files: Map<string, Buffer>;
  try {
    files = await readArchive(path, problems);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw error;
    problems.push(`${path}: not a readable .tar.gz (${(error as Error).message})`);
    return result();
  }
  const need = (name: string): Buffer | undefined => {
    const data = files.get(name);
    if (!data) problems.push(`${name}: missing from the bundle`);
    return data;
  };

  // 1. The manifest.
  const manifestBytes = need("manifest.json");
  const manifest = (manifestBytes ? parseJson(manifestBytes, "manifest.json", problems) : undefined) as
    | { files?: Record<string, unknown>; omitted?: unknown; report?: unknown }
    | undefined;
  const listed = manifest?.files && typeof manifest.files === "object" ? manifest.files : undefined;
  if (manifest && !listed) problems.push("manifest.json: no files listed");
  if (listed) {
    for (const [name, hash] of Object.entries(listed)) {
      const data = files.get(name);
      if (!data) problems.push(`${name}: listed in manifest.json but missing from the bundle`);
      else if (sha256(data).toString("hex") !== hash)
        problems.push(`${name}: its SHA-256 does not match manifest.json`);
    }
    for (const name of files.keys()) {
      if (name !== "manifest.json" && !(name in listed))
        problems.push(`${name}: not listed in manifest.json`);
    }
  }

  // 2. The checkpoint and its signature.
  const keyBytes = need("verifier.key");
  let bundleKey: Key | undefined;
  if (keyBytes) {
    try {
      bundleKey = parseBundleKey(keyBytes.toString("utf8"));
    } catch (error) {
      problems.push(`verifier.key: ${(error as Error).message}`);
    }
  }
  if (
    trusted &&
    bundleKey &&
    !(trusted.id.equals(bundleKey.id) && trusted.publicKey.equals(bundleKey.publicKey))
  ) {
    notes.push(
      "verifier.key differs from the trusted key given; the checkpoint was checked with the trusted key",
    );
  }
  if (!trusted) {
    notes.push(
      "checked with the bundle's own verifier.key: this proves the bundle is consistent, not who signed it; pass a trusted key",
    );
  }
  const key = trusted ?? bundleKey;
  const noteBytes = need("checkpoint");
  const note = noteBytes?.toString("utf8");
  let checkpoint: { origin: string; size: number; root: Buffer } | undefined;
  if (note !== undefined && key) {
    try {
      const text = openNote(note, key);
      const m = /^([^\n]+)\n(0|[1-9][0-9]*)\n([^\n]+)\n/.exec(text);
      const root = base64(m?.[3]);
      if (!m || !root || root.length !== 32)
        throw new Error("its text is not <origin>, <size>, <base64 root>");
      checkpoint = { origin: m[1] as string, size: Number(m[2]), root };
    } catch (error) {
      problems.push(
        `checkpoint: ${(error as Error).message} (with the ${keyUsed === "trusted" ? "trusted" : "bundle's"} key)`,
      );
    }
  }
  const checkpointOut = checkpoint && {
    origin: checkpoint.origin,
    size: checkpoint.size,
    root: checkpoint.root.toString("base64"),
  };

  // 3. The report's provenance names this checkpoint.
  const reportBytes = need("report.json");
  const report = reportBytes ? parseJson(reportBytes, "report.json", problems) : undefined;
  const cited = report ? citedIn(report) : [];
  if (report) {
    const stated = (report as { provenance?: { checkpoint?: Record<string, unknown> } }).provenance
      ?.checkpoint;
    if (!stated) problems.push("report.json: no provenance.checkpoint");
    else {
      if (note !== undefined && stated.note !== note)
        problems.push("report.json: provenance.checkpoint.note differs from the checkpoint file");
      if (
        checkpoint &&
        (stated.origin !== checkpoint.origin ||
          stated.treeSize !== checkpoint.size ||
          stated.rootHash !== checkpoint.root.toString("base64"))
      ) {
        problems.push(
          "report.json: provenance.checkpoint (origin, treeSize, rootHash) differs from the checkpoint",
        );
      }
    }
  }
  if (typeof manifest?.report === "string" && !files.has(manifest.report))
    problems.push(`${manifest.report}: the rendered report is missing from the bundle`);

  // 4. Events, their leaf hashes and inclusion proofs.
  const proofsBySeq = new Map<
    number,
    { index: unknown; tree_size: unknown; leaf_hash: unknown; proof: unknown }
  >();
  const proofBytes = need("proofs.ndjson");
  for (const [i, line] of (proofBytes ? lines(proofBytes, "proofs.ndjson", problems) : []).entries()) {
    const p = parseJson(line, `proofs.ndjson: line ${i + 1}`, problems) as
      | Record<string, unknown>
      | undefined;
    if (!p) continue;
    const seq = p.index;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || (p.seq !== undefined && p.seq !== seq)) {
      problems.push(`proofs.ndjson: line ${i + 1}: bad seq/index`);
    } else if (proofsBySeq.has(seq)) problems.push(`proofs.ndjson: seq ${seq}: more than one proof`);
    else proofsBySeq.set(seq, p as never);
  }
  const eventBytes = need("events.ndjson");
  const present = new Set<number>();
  let proven = 0;
  let previous = -1;
  for (const [i, line] of (eventBytes ? lines(eventBytes, "events.ndjson", problems) : []).entries()) {
    const event = parseJson(line, `events.ndjson: line ${i + 1}`, problems) as { seq?: unknown } | undefined;
    if (!event) continue;
    const seq = event.seq;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) {
      problems.push(`events.ndjson: line ${i + 1}: no seq`);
      continue;
    }
    const where = `seq ${seq}`;
    if (seq <= previous) problems.push(`events.ndjson: ${where}: out of seq order or repeated`);
    previous = Math.max(previous, seq);
    present.add(seq);
    const proof = proofsBySeq.get(seq);
    if (!proof) {
      problems.push(`proofs.ndjson: ${where}: no inclusion proof for this event`);
      continue;
    }
    const leaf = leafHash(line);
    const stated = base64(proof.leaf_hash);
    const hashes = Array.isArray(proof.proof) ? proof.proof.map(base64) : undefined;
    if (!stated?.equals(leaf)) {
      problems.push(
        `events.ndjson: ${where}: the event's leaf hash does not match its proof's leaf_hash (edited?)`,
      );
      continue;
    }
    if (!hashes || hashes.some((h) => h?.length !== 32)) {
      problems.push(`proofs.ndjson: ${where}: proof is not a list of base64 SHA-256 hashes`);
      continue;
    }
    if (!checkpoint) continue;
    if (proof.tree_size !== checkpoint.size) {
      problems.push(
        `proofs.ndjson: ${where}: tree_size ${String(proof.tree_size)} is not the checkpoint's ${checkpoint.size}`,
      );
      continue;
    }
    if (!inclusionVerifies(seq, checkpoint.size, leaf, hashes as Buffer[], checkpoint.root)) {
      problems.push(`proofs.ndjson: ${where}: the inclusion proof does not lead to the checkpoint's root`);
      continue;
    }
    proven++;
  }
  for (const seq of proofsBySeq.keys()) {
    if (!present.has(seq)) problems.push(`events.ndjson: seq ${seq}: has a proof but no event`);
  }

  // 5. Every cited seq has its event (except those the manifest says were left out).
  const missing = cited.filter((seq) => !present.has(seq));
  const omitted = typeof manifest?.omitted === "number" ? manifest.omitted : 0;
  if (missing.length > omitted) {
    const shown = missing.slice(0, 20).join(", ");
    problems.push(
      `events.ndjson: cited seq${missing.length > 1 ? "s" : ""} ${shown}${missing.length > 20 ? ", …" : ""} missing (report.json cites ${missing.length} not in the bundle${omitted ? `, manifest.json says ${omitted} left out` : ""})`,
    );
  } else if (missing.length > 0) {
    notes.push(
      `${missing.length} cited event(s) left out of the bundle, as manifest.json states: not proven here`,
    );
  }
  return result({
    events: proven,
    cited: cited.length,
    ...(checkpointOut ? { checkpoint: checkpointOut } : {}),
  });
}
