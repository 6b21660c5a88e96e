/**
 * An independent verifier for Sealtrail stores: RFC 8785 canonical JSON, RFC 6962 hashing and
 * Merkle tree hash, RFC 9162 inclusion and consistency proof verification, and C2SP signed-note
 * Ed25519 verification of checkpoints. It deliberately shares NO code with src/ (it imports only
 * node: modules) and follows the RFC texts directly, the simple way, so that it can serve as an
 * oracle for the production code. It is itself checked against published vectors in
 * independent-verification.test.ts.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from "node:crypto";

// ---------------------------------------------------------------------------------------------
// RFC 8785 JSON Canonicalization Scheme
// ---------------------------------------------------------------------------------------------

/**
 * RFC 8785 canonical JSON of a parsed JSON value: object members sorted by their names' UTF-16
 * code units, no whitespace, primitives serialized as ECMAScript `JSON.stringify` does (which is
 * what RFC 8785 §3.2.2 specifies for strings and numbers).
 */
export function jcs(value: unknown): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JCS: non-finite number");
    return JSON.stringify(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(",")}]`;
  if (typeof value === "object") {
    const object = value as Record<string, unknown>;
    // Array.prototype.sort without a comparator orders strings by UTF-16 code units.
    const names = Object.keys(object).sort();
    return `{${names.map((name) => `${JSON.stringify(name)}:${jcs(object[name])}`).join(",")}}`;
  }
  throw new TypeError(`JCS: not a JSON value (${typeof value})`);
}

// ---------------------------------------------------------------------------------------------
// RFC 6962 §2.1 hashing and the Merkle Tree Hash
// ---------------------------------------------------------------------------------------------

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = sha256();

/** Leaf hash: SHA-256(0x00 ‖ data); a string is taken as UTF-8. */
export function leafHash(data: Uint8Array | string): Buffer {
  return sha256(Uint8Array.of(0x00), typeof data === "string" ? Buffer.from(data, "utf8") : data);
}

/** Interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Uint8Array.of(0x01), left, right);
}

/** The largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The Merkle Tree Hash of a list of leaf hashes (RFC 6962 §2.1, recursive definition: split at
 * the largest power of two smaller than n). `leafHashes` are already-hashed leaves.
 */
export function merkleRoot(leafHashes: readonly Buffer[]): Buffer {
  const mth = (lo: number, hi: number): Buffer => {
    const n = hi - lo;
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return leafHashes[lo] as Buffer;
    const k = splitPoint(n);
    return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  };
  return mth(0, leafHashes.length);
}

// ---------------------------------------------------------------------------------------------
// RFC 9162 §2.1.3.2 and §2.1.4.2: proof verification
// ---------------------------------------------------------------------------------------------

// Arithmetic instead of bit operators, so sizes beyond 2^31 stay correct.
const lsb = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2): that the leaf with hash `leaf` is at
 * `index` in the tree of `size` leaves whose root is `root`.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size))
    return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32) return false;
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/**
 * Verifies a consistency proof (RFC 9162 §2.1.4.2): that the tree of `size2` leaves with root
 * `root2` extends the tree of `size1` leaves with root `root1`.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Buffer[],
  root1: Buffer,
  root2: Buffer,
): boolean {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 >= 1 && size1 <= size2))
    return false;
  if (proof.some((p) => p.length !== 32)) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (proof.length === 0) return false;
  // Step 1: if size1 is an exact power of two, prepend root1 to the path.
  const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Buffer;
  let sr = path[0] as Buffer;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0;
}

// ---------------------------------------------------------------------------------------------
// C2SP signed-note (Ed25519) and tlog-checkpoint
// ---------------------------------------------------------------------------------------------

/** A parsed verifier key `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
export interface VerifierKey {
  readonly name: string;
  /** The 4-byte key id. */
  readonly keyId: Buffer;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Buffer;
}

/** The C2SP key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). */
export function keyIdFor(name: string, publicKey: Uint8Array): Buffer {
  return sha256(Buffer.from(name, "utf8"), Uint8Array.of(0x0a, 0x01), publicKey).subarray(0, 4);
}

/** Parses a verifier key; throws when malformed or when its key id does not match its key. */
export function parseVerifierKey(text: string): VerifierKey {
  const parts = text.trim().split("+");
  // The base64 key may itself contain '+': rejoin everything after the second separator.
  if (parts.length < 3) throw new Error("verifier key: expected <name>+<hex id>+<base64 key>");
  const name = parts[0] as string;
  const idHex = parts[1] as string;
  const keyText = parts.slice(2).join("+");
  if (name === "" || /\s/.test(name) || !/^[0-9a-f]{8}$/.test(idHex))
    throw new Error("verifier key: bad name or id");
  const raw = Buffer.from(keyText, "base64");
  if (raw.toString("base64") !== keyText || raw.length !== 33 || raw[0] !== 0x01) {
    throw new Error("verifier key: expected base64 of 0x01 followed by a 32-byte Ed25519 key");
  }
  const publicKey = raw.subarray(1);
  const keyId = Buffer.from(idHex, "hex");
  if (!keyIdFor(name, publicKey).equals(keyId))
    throw new Error("verifier key: key id does not match the key");
  return { name, keyId, publicKey };
}

/** Builds a verifier key string from a name and a raw Ed25519 public key. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  return `${name}+${keyIdFor(name, publicKey).toString("hex")}+${Buffer.concat([Uint8Array.of(0x01), publicKey]).toString("base64")}`;
}

/** Raw Ed25519 verification with a 32-byte public key (via a JWK, not a DER prefix). */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const key = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(publicKey).toString("base64url") },
    format: "jwk",
  });
  return cryptoVerify(null, message, key, signature);
}

/** A signature line of a note. */
export interface NoteSignatureLine {
  readonly name: string;
  readonly keyId: Buffer;
  readonly signature: Buffer;
}

/** Splits a signed note into its text (which ends in "\n") and its signature lines. */
export function splitNote(note: string): { text: string; signatures: NoteSignatureLine[] } {
  if (!note.endsWith("\n")) throw new Error("note: must end with a newline");
  // The text is separated from the signatures by the last blank line.
  const at = note.lastIndexOf("\n\n");
  if (at < 0) throw new Error("note: no blank line before the signatures");
  const text = note.slice(0, at + 1);
  const lines = note.slice(at + 2, -1).split("\n");
  const signatures = lines.map((line) => {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`note: malformed signature line ${JSON.stringify(line)}`);
    const raw = Buffer.from(m[2] as string, "base64");
    if (raw.toString("base64") !== m[2] || raw.length < 5) throw new Error("note: signature is not base64");
    return { name: m[1] as string, keyId: raw.subarray(0, 4), signature: raw.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Verifies a signed note with a verifier key and returns its text; throws when the note has no
 * signature by that key (same name and key id) or when any such signature fails.
 */
export function openNote(note: string, verifierKey: string): string {
  const key = parseVerifierKey(verifierKey);
  const { text, signatures } = splitNote(note);
  const mine = signatures.filter((s) => s.name === key.name && s.keyId.equals(key.keyId));
  if (mine.length === 0) throw new Error(`note: no signature by ${key.name}`);
  for (const s of mine) {
    if (!ed25519Verify(key.publicKey, Buffer.from(text, "utf8"), s.signature)) {
      throw new Error(`note: signature by ${key.name} does not verify`);
    }
  }
  return text;
}

/** True when `note` carries a valid signature by `verifierKey`. */
export function noteVerifies(note: string, verifierKey: string): boolean {
  try {
    openNote(note, verifierKey);
    return true;
  } catch {
    return false;
  }
}

/** The content of a C2SP checkpoint. */
export interface CheckpointBody {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
}

/** Parses checkpoint text `<origin>\n<size>\n<base64 root>\n` (extension lines allowed). */
export function parseCheckpointText(text: string): CheckpointBody {
  const lines = text.split("\n");
  const [origin, sizeText, rootText] = lines;
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(sizeText ?? "") || lines[lines.length - 1] !== "") {
    throw new Error("checkpoint: expected <origin>, <size>, <base64 root> lines");
  }
  const root = Buffer.from(rootText ?? "", "base64");
  if (root.length !== 32 || root.toString("base64") !== rootText)
    throw new Error("checkpoint: bad root hash");
  return { origin, size: Number(sizeText), root };
}

/** Verifies a signed checkpoint and returns its content; throws on any problem. */
export function openCheckpoint(note: string, verifierKey: string): CheckpointBody {
  return parseCheckpointText(openNote(note, verifierKey));
}
