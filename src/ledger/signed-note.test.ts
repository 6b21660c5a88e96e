import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { throwsCode } from "../../test/support/throws-code.js";
import {
  generateNoteKey,
  isValidKeyName,
  type NoteSigner,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from "./signed-note.js";

interface ExtraNote {
  name: string;
  vkey?: string | null;
  vkeys?: string[];
  skey?: string | null;
  text?: string;
  signed_note?: string;
  signatures?: Array<{ name: string; key_hash: string; base64: string }>;
  keypairs?: Array<{ vkey: string; skey: string }>;
}

const vectors = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/c2sp-note-vectors.json", import.meta.url), "utf8"),
) as { vkey: string; skey: string; text: string; signed_note: string; extra: ExtraNote[] };

const extra = (prefix: string) => {
  const found = vectors.extra.find((e) => e.name.startsWith(prefix));
  assert.ok(found, `fixture entry "${prefix}"`);
  return found;
};

/** The key ID by the C2SP definition: first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). */
function keyIdFromVerifierKey(vkey: string): number {
  const [name, , b64] = vkey.split("+") as [string, string, string];
  const keyBytes = Buffer.from(vkey.slice(vkey.indexOf("+", name.length + 1) + 1), "base64");
  assert.equal(keyBytes.toString("base64"), vkey.slice(vkey.indexOf("+", name.length + 1) + 1));
  void b64;
  return createHash("sha256")
    .update(Buffer.concat([Buffer.from(name), Buffer.from([0x0a]), keyBytes]))
    .digest()
    .readUInt32BE(0);
}

/** Replaces the signature bytes of the first signature line with `edit(bytes)`. */
function editSignature(note: string, edit: (raw: Buffer) => Buffer): string {
  const lines = note.split("\n");
  const i = lines.findIndex((l) => l.startsWith("\u2014 "));
  const [dash, name, b64] = (lines[i] as string).split(" ") as [string, string, string];
  lines[i] = `${dash} ${name} ${edit(Buffer.from(b64, "base64")).toString("base64")}`;
  return lines.join("\n");
}

describe("note keys (Go sumdb/note vectors)", () => {
  test("parseVerifierKey reads the published PeterNeumann key", () => {
    const v = parseVerifierKey(vectors.vkey);
    assert.equal(v.name, "PeterNeumann");
    assert.equal(v.keyId, 0xc74f20a3);
    assert.equal(v.keyId, keyIdFromVerifierKey(vectors.vkey));
  });

  test("parseSignerKey reads the published skey and derives the published vkey", () => {
    const s = parseSignerKey(vectors.skey);
    assert.equal(s.name, "PeterNeumann");
    assert.equal(s.keyId, 0xc74f20a3);
    assert.equal(s.verifierKey, vectors.vkey);
    assert.equal(
      parseSignerKey(`  ${vectors.skey}\n`).verifierKey,
      vectors.vkey,
      "surrounding whitespace is ignored",
    );
  });

  test("every published key pair corresponds and has the published key ID", () => {
    const pairs: Array<{ vkey: string; skey: string }> = [{ vkey: vectors.vkey, skey: vectors.skey }];
    for (const e of vectors.extra) {
      if (e.vkey && e.skey) pairs.push({ vkey: e.vkey, skey: e.skey });
      for (const pair of e.keypairs ?? []) pairs.push(pair);
    }
    assert.ok(pairs.length >= 6);
    for (const { vkey, skey } of pairs) {
      const signer = parseSignerKey(skey);
      const verifier = parseVerifierKey(vkey);
      assert.equal(signer.verifierKey, vkey);
      assert.equal(verifier.keyId, Number.parseInt(vkey.split("+")[1] as string, 16), vkey);
      assert.equal(verifier.keyId, keyIdFromVerifierKey(vkey), vkey);
      assert.equal(openNote(signNote("round trip\n", signer), verifier), "round trip\n");
    }
    for (const vkey of extra("doubly-signed").vkeys ?? []) {
      assert.equal(parseVerifierKey(vkey).keyId, keyIdFromVerifierKey(vkey), vkey);
    }
  });

  test("malformed verifier keys are refused with ST_ERR_LEDGER_NOTE", () => {
    const [name, id, key] = vectors.vkey.split("+") as [string, string, string];
    const wrongAlg = Buffer.from(key, "base64");
    wrongAlg[0] = 0x02;
    const bad = [
      "",
      "PeterNeumann",
      `${name}+${id}`,
      `${name}+${key}`,
      `+${id}+${key}`,
      `Peter Neumann+${id}+${key}`,
      `${name}+c74f20a4+${key}`, // key id does not match the key
      `${name}+c74f20a+${key}`,
      `${name}+c74f20a3z+${key}`,
      `${name}+${id}+${wrongAlg.toString("base64")}`,
      `${name}+${id}+${Buffer.from(key, "base64").subarray(0, 32).toString("base64")}`,
      `${name}+${id}+${Buffer.concat([Buffer.from(key, "base64"), Buffer.from([0])]).toString("base64")}`,
      `${name}+${id}+${key.replace(/=*$/, "")}!`,
      `Other+${id}+${key}`, // the id is bound to the name
    ];
    for (const text of bad) throwsCode(() => parseVerifierKey(text), "ST_ERR_LEDGER_NOTE");
  });

  test("malformed signer keys are refused with ST_ERR_LEDGER_NOTE", () => {
    const body = vectors.skey.slice("PRIVATE+KEY+".length);
    const [name, , key] = body.split("+") as [string, string, string];
    for (const text of [
      body,
      `PRIVATE+KEY+${name}+c74f20a4+${key}`,
      `PRIVATE+KEY+${name}+c74f20a3`,
      `PRIVATE+KEY+${name}+c74f20a3+${Buffer.from(key, "base64").subarray(1).toString("base64")}`,
      `PRIVATE+KEY+Other+c74f20a3+${key}`,
      vectors.vkey,
    ]) {
      throwsCode(() => parseSignerKey(text), "ST_ERR_LEDGER_NOTE");
    }
  });

  test("isValidKeyName: non-empty, no '+', no whitespace", () => {
    for (const ok of ["PeterNeumann", "sum.golang.org", "localhost.localdev/sumdb", "ünïcode"]) {
      assert.equal(isValidKeyName(ok), true, ok);
    }
    for (const bad of ["", "a+b", "a b", "a\tb", "a\nb", "a\u00a0b", " "])
      assert.equal(isValidKeyName(bad), false, bad);
  });

  test("generateNoteKey round-trips and its key ID follows the C2SP definition", () => {
    const a = generateNoteKey("audit.example.com/log");
    const b = generateNoteKey("audit.example.com/log");
    assert.notEqual(a.signerKey, b.signerKey);
    assert.match(a.signerKey, /^PRIVATE\+KEY\+audit\.example\.com\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    assert.match(a.verifierKey, /^audit\.example\.com\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const signer = parseSignerKey(a.signerKey);
    const verifier = parseVerifierKey(a.verifierKey);
    assert.equal(signer.verifierKey, a.verifierKey);
    assert.equal(signer.keyId, verifier.keyId);
    assert.equal(verifier.keyId, keyIdFromVerifierKey(a.verifierKey));
    const note = signNote("audit.example.com/log\n1\nAAAA\n", signer);
    assert.equal(openNote(note, verifier), "audit.example.com/log\n1\nAAAA\n");
    throwsCode(() => openNote(note, parseVerifierKey(b.verifierKey)), "ST_ERR_LEDGER_PROOF");
    for (const bad of ["", "has space", "has+plus"])
      throwsCode(() => generateNoteKey(bad), "ST_ERR_LEDGER_NOTE");
  });
});

describe("signed notes (Go sumdb/note vectors)", () => {
  test("signNote with the published skey reproduces the published note byte for byte", () => {
    const signed = signNote(vectors.text, parseSignerKey(vectors.skey));
    assert.equal(signed, vectors.signed_note);
    assert.deepEqual(Buffer.from(signed, "utf8"), Buffer.from(vectors.signed_note, "utf8"));
  });

  test("signNote reproduces the published sumdb test tree heads (sizes 5 and 6)", () => {
    for (const prefix of ["sumdb test tree head, size 6", "sumdb test tree head, size 5"]) {
      const e = extra(prefix);
      assert.equal(signNote(e.text as string, parseSignerKey(e.skey as string)), e.signed_note, prefix);
    }
  });

  test("openNote verifies the published note and returns its text", () => {
    assert.equal(openNote(vectors.signed_note, parseVerifierKey(vectors.vkey)), vectors.text);
  });

  test("openNote verifies every published note whose key is given", () => {
    let checked = 0;
    for (const e of vectors.extra) {
      if (!e.signed_note) continue;
      for (const vkey of [...(e.vkey ? [e.vkey] : []), ...(e.vkeys ?? [])]) {
        assert.equal(openNote(e.signed_note, parseVerifierKey(vkey)), e.text, `${e.name} with ${vkey}`);
        checked++;
      }
    }
    assert.ok(checked >= 5, `checked ${checked} signatures`);
  });

  test("parseNote splits the doubly-signed note into its published signatures", () => {
    const e = extra("doubly-signed");
    const { text, signatures } = parseNote(e.signed_note as string);
    assert.equal(text, e.text);
    assert.equal(signatures.length, 2);
    signatures.forEach((s, i) => {
      const published = e.signatures?.[i];
      assert.ok(published);
      assert.equal(s.name, published.name);
      assert.equal(s.keyId, Number.parseInt(published.key_hash, 16));
      assert.deepEqual(s.signature, Buffer.from(published.base64, "base64").subarray(4));
      assert.equal(s.signature.length, 64);
    });
  });

  test("parseNote splits at the last blank line (C2SP signed-note example)", () => {
    const e = extra("C2SP signed-note spec example");
    const { text, signatures } = parseNote(e.signed_note as string);
    assert.equal(text, e.text);
    assert.ok(text.includes("\n\n"));
    assert.equal(signatures.length, 1);
    assert.equal(signatures[0]?.name, "quasimodo.example/salvatore");
  });

  test("a tampered text is rejected with ST_ERR_LEDGER_PROOF", () => {
    const v = parseVerifierKey(vectors.vkey);
    const tampered = [
      vectors.signed_note.replace("cryptography", "Cryptography"),
      vectors.signed_note.replace("problem,\n", "problem.\n"),
      `x${vectors.signed_note}`,
      vectors.signed_note.replace("is.\n\n", "is.\nextra line\n\n"),
    ];
    for (const note of tampered) {
      assert.notEqual(note, vectors.signed_note);
      throwsCode(() => openNote(note, v), "ST_ERR_LEDGER_PROOF", /does not verify/);
    }
  });

  test("every flipped bit of the signature is rejected with ST_ERR_LEDGER_PROOF", () => {
    const v = parseVerifierKey(vectors.vkey);
    for (let bit = 32; bit < 68 * 8; bit++) {
      const note = editSignature(vectors.signed_note, (raw) => {
        raw[bit >> 3] = (raw[bit >> 3] as number) ^ (1 << (bit & 7));
        return raw;
      });
      throwsCode(() => openNote(note, v), "ST_ERR_LEDGER_PROOF");
    }
  });

  test("a signature by another key, or a changed key ID, is not accepted", () => {
    const others = extra("transparency-dev").keypairs ?? [];
    for (const { vkey } of others) {
      throwsCode(
        () => openNote(vectors.signed_note, parseVerifierKey(vkey)),
        "ST_ERR_LEDGER_PROOF",
        /no signature/,
      );
    }
    // Same name, different key: a different key ID, so no signature by it.
    const impostor = generateNoteKey("PeterNeumann");
    throwsCode(
      () => openNote(vectors.signed_note, parseVerifierKey(impostor.verifierKey)),
      "ST_ERR_LEDGER_PROOF",
    );
    // A note signed by the impostor under the real name does not verify with the real key.
    const forged = signNote(vectors.text, parseSignerKey(impostor.signerKey));
    throwsCode(() => openNote(forged, parseVerifierKey(vectors.vkey)), "ST_ERR_LEDGER_PROOF");
    // The real signature bytes relabelled with the wrong key ID.
    const relabelled = editSignature(vectors.signed_note, (raw) => {
      raw.writeUInt32BE(0xc74f20a4, 0);
      return raw;
    });
    throwsCode(
      () => openNote(relabelled, parseVerifierKey(vectors.vkey)),
      "ST_ERR_LEDGER_PROOF",
      /no signature/,
    );
    // The real signature relabelled with another name.
    throwsCode(
      () =>
        openNote(
          vectors.signed_note.replace("\u2014 PeterNeumann", "\u2014 PeterNeuman"),
          parseVerifierKey(vectors.vkey),
        ),
      "ST_ERR_LEDGER_PROOF",
    );
  });

  test("one good and one bad signature by the verifying key is rejected", () => {
    const v = parseVerifierKey(vectors.vkey);
    const sigLine = vectors.signed_note.slice(vectors.signed_note.lastIndexOf("\n\n") + 2);
    const badLine = editSignature(sigLine, (raw) => {
      raw[10] = (raw[10] as number) ^ 1;
      return raw;
    });
    throwsCode(() => openNote(`${vectors.signed_note}${badLine}`, v), "ST_ERR_LEDGER_PROOF");
  });

  test("missing signatures and malformed notes are rejected with ST_ERR_LEDGER_NOTE", () => {
    const v = parseVerifierKey(vectors.vkey);
    const text = vectors.text;
    const sig = vectors.signed_note.slice(vectors.signed_note.lastIndexOf("\n\n") + 2, -1);
    const b64 = sig.split(" ")[2] as string;
    const malformed = [
      text, // no signature block at all
      `${text}\n`, // blank line, no signature lines
      `${text}\n${sig}`, // no final newline
      `${text}${sig}\n`, // no blank line
      `${text}\n-- PeterNeumann ${b64}\n`, // ASCII dashes instead of an em dash
      `${text}\n\u2014PeterNeumann ${b64}\n`,
      `${text}\n\u2014 PeterNeumann  ${b64}\n`,
      `${text}\n\u2014 PeterNeumann ${b64} \n`,
      `${text}\n\u2014 PeterNeumann\n`,
      `${text}\n\u2014 ${b64}\n`,
      `${text}\n\u2014 PeterNeumann ${b64.slice(0, 4)}\n`, // fewer than 5 bytes
      `${text}\n\u2014 PeterNeumann ${b64.replace("/", "_")}\n`, // not standard base64
      `${text}\n\u2014 PeterNeumann ${b64}\n\n`,
      `${text}\n\u2014 PeterNeumann ${b64}\nnot a signature\n`,
      `${text}\n\u2014 Peter+Neumann ${b64}\n`, // '+' is not allowed in a key name
      `${text.replace("answer", "ans\rwer")}\n${sig}\n`, // control character in the text
      `${text.replace("answer", "ans\twer")}\n${sig}\n`,
      `${text.replace("answer", "ans\ud800wer")}\n${sig}\n`, // not valid UTF-8
    ];
    for (const note of malformed) {
      throwsCode(() => openNote(note, v), "ST_ERR_LEDGER_NOTE", undefined, JSON.stringify(note));
      throwsCode(() => parseNote(note), "ST_ERR_LEDGER_NOTE", undefined, JSON.stringify(note));
    }
  });

  test("signNote refuses text that cannot be a note", () => {
    const signer: NoteSigner = parseSignerKey(vectors.skey);
    for (const text of [
      "",
      "no newline",
      "blank\n\nline\n",
      "tab\there\n",
      "cr\r\n",
      "nul\u0000\n",
      "lone \ud800\n",
    ]) {
      throwsCode(() => signNote(text, signer), "ST_ERR_LEDGER_NOTE", undefined, JSON.stringify(text));
    }
    assert.equal(
      openNote(signNote("\u00e9\u00e8 — unicode 😂\n", signer), parseVerifierKey(vectors.vkey)),
      "\u00e9\u00e8 — unicode 😂\n",
    );
  });
});
