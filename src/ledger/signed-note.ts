import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { SealtrailError } from "../errors.js";

/**
 * C2SP signed-note with Ed25519 — byte for byte what golang.org/x/mod/sumdb/note reads and
 * writes. A note is UTF-8 text ending in a newline, a blank line, then signature lines
 * `— <name> <base64(keyID ‖ signature)>`. The key ID is the first four bytes of
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key); keys are written as
 * `<name>+<hex key ID>+<base64(0x01 ‖ key)>`, private ones prefixed with `PRIVATE+KEY+`.
 */

const ALG_ED25519 = 0x01;
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const SIGNATURE_DASH = "\u2014 ";

/** A note signer: the key's name, its 4-byte ID, and the signing operation. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Buffer): Buffer;
}

/** A note verifier: the key's name, its 4-byte ID, and the check. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Buffer, signature: Buffer): boolean;
}

function noteError(message: string): SealtrailError {
  return new SealtrailError("ST_ERR_LEDGER_NOTE", message);
}

/** True for a valid key name: non-empty, no '+', no whitespace. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[+\s]/u.test(name);
}

function keyIdOf(name: string, publicKey: Buffer): number {
  const digest = createHash("sha256")
    .update(name)
    .update(Buffer.from([0x0a, ALG_ED25519]))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

const hex8 = (id: number) => id.toString(16).padStart(8, "0");

function publicKeyObject(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" });
}

/**
 * Generates a new Ed25519 note key named `name`; returns both key strings.
 *
 * @example
 * ```ts
 * const { signerKey, verifierKey } = generateNoteKey("audit.example.com/log");
 * // verifierKey: "audit.example.com/log+1a2b3c4d+AW…"
 * ```
 */
export function generateNoteKey(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw noteError(`key name "${name}": expected no spaces and no '+'`);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d as string, "base64url");
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  const id = hex8(keyIdOf(name, pub));
  const alg = Buffer.from([ALG_ED25519]);
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${Buffer.concat([alg, seed]).toString("base64")}`,
    verifierKey: `${name}+${id}+${Buffer.concat([alg, pub]).toString("base64")}`,
  };
}

function splitKey(text: string, what: string): { name: string; id: number; key: Buffer } {
  // Names and key ids hold no '+', base64 may: split at the first two only.
  const trimmed = text.trim();
  const first = trimmed.indexOf("+");
  const second = trimmed.indexOf("+", first + 1);
  if (first < 0 || second < 0) throw noteError(`${what}: expected <name>+<hex key id>+<base64 key>`);
  const [name, idHex, b64] = [
    trimmed.slice(0, first),
    trimmed.slice(first + 1, second),
    trimmed.slice(second + 1),
  ];
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(idHex))
    throw noteError(`${what}: malformed name or key id`);
  const key = Buffer.from(b64, "base64");
  if (key.length !== 33 || key[0] !== ALG_ED25519 || key.toString("base64") !== b64) {
    throw noteError(`${what}: expected an Ed25519 key (algorithm byte 0x01 and 32 bytes, standard base64)`);
  }
  return { name, id: Number.parseInt(idHex, 16), key: key.subarray(1) };
}

/**
 * Parses a verifier key string into a {@link NoteVerifier}.
 *
 * @example
 * ```ts
 * const v = parseVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
 * ```
 */
export function parseVerifierKey(text: string): NoteVerifier {
  const { name, id, key } = splitKey(text, "verifier key");
  if (keyIdOf(name, key) !== id) throw noteError("verifier key: key id does not match the key");
  const keyObject = publicKeyObject(key);
  return {
    name,
    keyId: id,
    verify: (message, signature) => signature.length === 64 && verify(null, message, keyObject, signature),
  };
}

/**
 * Parses a `PRIVATE+KEY+…` signer key string into a {@link NoteSigner}.
 *
 * @example
 * ```ts
 * const signer = parseSignerKey(await readFile(keyPath, "utf8"));
 * ```
 */
export function parseSignerKey(text: string): NoteSigner & { verifierKey: string } {
  const trimmed = text.trim();
  if (!trimmed.startsWith("PRIVATE+KEY+"))
    throw noteError("signer key: expected PRIVATE+KEY+<name>+<id>+<key>");
  const { name, id, key: seed } = splitKey(trimmed.slice("PRIVATE+KEY+".length), "signer key");
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const pub = Buffer.from(createPublicKey(privateKey).export({ format: "jwk" }).x as string, "base64url");
  if (keyIdOf(name, pub) !== id) throw noteError("signer key: key id does not match the key");
  return {
    name,
    keyId: id,
    verifierKey: `${name}+${hex8(id)}+${Buffer.concat([Buffer.from([ALG_ED25519]), pub]).toString("base64")}`,
    sign: (message) => sign(null, message, privateKey),
  };
}

/** A line break is the only control character a note may hold (as in Go's sumdb/note). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u0009\u000b-\u001f]/;

/**
 * Signs `text` (UTF-8, ending in a newline, no blank line) into a signed note.
 *
 * @example
 * ```ts
 * signNote("hello\n", signer); // "hello\n\n— name AbCd…\n"
 * ```
 */
export function signNote(text: string, signer: NoteSigner): string {
  if (!text.endsWith("\n") || text.includes("\n\n") || CONTROL_CHARACTER.test(text) || !text.isWellFormed()) {
    throw noteError("note text: expected lines ending in a newline, no blank line and no control characters");
  }
  const sig = signer.sign(Buffer.from(text, "utf8"));
  const id = Buffer.alloc(4);
  id.writeUInt32BE(signer.keyId);
  return `${text}\n${SIGNATURE_DASH}${signer.name} ${Buffer.concat([id, sig]).toString("base64")}\n`;
}

/** A signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Buffer;
}

/**
 * Splits a signed note into its text and signature lines without checking any signature.
 * Throws when it is not a well-formed signed note: like Go's `note.Open`, that includes
 * control characters other than newline, text that is not valid Unicode, and key names
 * holding a '+'.
 */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (CONTROL_CHARACTER.test(note) || !note.isWellFormed()) {
    throw noteError("signed note: expected valid UTF-8 with no control characters other than newline");
  }
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n"))
    throw noteError("signed note: expected text, a blank line, signature lines");
  const text = note.slice(0, split + 1);
  const signatures: NoteSignature[] = [];
  for (const line of note.slice(split + 2, -1).split("\n")) {
    const m = /^\u2014 ([^\s+]+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    const raw = m ? Buffer.from(m[2] as string, "base64") : undefined;
    if (!m || !raw || raw.length < 5) throw noteError(`signed note: malformed signature line "${line}"`);
    signatures.push({ name: m[1] as string, keyId: raw.readUInt32BE(0), signature: raw.subarray(4) });
  }
  if (signatures.length === 0) throw noteError("signed note: no signature lines");
  return { text, signatures };
}

/**
 * Verifies a signed note with `verifier`; returns its text. Throws when no signature by that
 * key is present or the signature does not verify.
 *
 * @example
 * ```ts
 * const text = openNote(noteText, parseVerifierKey(vkey));
 * ```
 */
export function openNote(note: string, verifier: NoteVerifier): string {
  const { text, signatures } = parseNote(note);
  const mine = signatures.filter((s) => s.name === verifier.name && s.keyId === verifier.keyId);
  if (mine.length === 0) {
    throw new SealtrailError(
      "ST_ERR_LEDGER_PROOF",
      `signed note: no signature by ${verifier.name}+${hex8(verifier.keyId)}`,
    );
  }
  for (const s of mine) {
    if (!verifier.verify(Buffer.from(text, "utf8"), s.signature)) {
      throw new SealtrailError(
        "ST_ERR_LEDGER_PROOF",
        `signed note: signature by ${verifier.name} does not verify`,
      );
    }
  }
  return text;
}
