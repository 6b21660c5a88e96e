import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { throwsCode } from "../../test/support/throws-code.js";
import { parseCheckpointText, signCheckpoint, verifyCheckpoint } from "./checkpoint.js";
import { leafHash } from "./rfc6962.js";
import { generateNoteKey, parseSignerKey, parseVerifierKey } from "./signed-note.js";

interface Entry {
  name: string;
  vkey?: string | null;
  skey?: string | null;
  origin?: string;
  size?: number;
  root_hash_base64?: string;
  text?: string;
  signed_note?: string;
  items?: Array<{
    text: string;
    origin?: string;
    size: number;
    root_hash_base64?: string;
    root_hash_utf8?: string;
  }>;
}

const vectors = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/c2sp-note-vectors.json", import.meta.url), "utf8"),
) as { extra: Entry[] };
const checkpoints = vectors.extra.filter((e) => e.origin !== undefined && e.size !== undefined);
const entry = (prefix: string) => {
  const found = vectors.extra.find((e) => e.name.startsWith(prefix));
  assert.ok(found, prefix);
  return found;
};

describe("checkpoints", () => {
  test("signCheckpoint writes the C2SP body and verifyCheckpoint reads it back", () => {
    const keys = generateNoteKey("audit.example/log");
    const root = leafHash("some root");
    const cp = signCheckpoint({ origin: "audit.example/log", size: 8, root }, parseSignerKey(keys.signerKey));
    assert.ok(
      cp.note.startsWith(`audit.example/log\n8\n${root.toString("base64")}\n\n\u2014 audit.example/log `),
    );
    assert.ok(cp.note.endsWith("\n"));
    const verified = verifyCheckpoint(cp.note, parseVerifierKey(keys.verifierKey));
    assert.equal(verified.origin, "audit.example/log");
    assert.equal(verified.size, 8);
    assert.deepEqual(verified.root, root);
    assert.equal(verified.note, cp.note);
  });

  test("signCheckpoint reproduces the published sumdb test tree heads byte for byte", () => {
    for (const prefix of ["sumdb test tree head, size 6", "sumdb test tree head, size 5"]) {
      const e = entry(prefix);
      const cp = signCheckpoint(
        {
          origin: e.origin as string,
          size: e.size as number,
          root: Buffer.from(e.root_hash_base64 as string, "base64"),
        },
        parseSignerKey(e.skey as string),
      );
      assert.equal(cp.note, e.signed_note, prefix);
    }
  });

  test("every published checkpoint with a key verifies and yields its published content", () => {
    let verified = 0;
    for (const e of checkpoints) {
      if (!e.vkey) continue;
      const cp = verifyCheckpoint(e.signed_note as string, parseVerifierKey(e.vkey));
      assert.equal(cp.origin, e.origin, e.name);
      assert.equal(cp.size, e.size, e.name);
      assert.equal(cp.root.toString("base64"), e.root_hash_base64, e.name);
      verified++;
    }
    assert.ok(verified >= 3, "sum.golang.org and both sumdb test heads");
  });

  test("the published checkpoint texts parse with parseCheckpointText", () => {
    for (const e of checkpoints) {
      const cp = parseCheckpointText(e.text as string);
      assert.equal(cp.origin, e.origin, e.name);
      assert.equal(cp.size, e.size, e.name);
      assert.equal(cp.root.toString("base64"), e.root_hash_base64, e.name);
    }
    const sumdb = entry("unsigned checkpoint").items?.[0];
    assert.ok(sumdb);
    const cp = parseCheckpointText(sumdb.text);
    assert.equal(cp.origin, "go.sum database tree");
    assert.equal(cp.size, 123456789012);
    // Published as tlog.RecordHash([]byte("hello world")): the RFC 6962 leaf hash.
    assert.deepEqual(cp.root, leafHash("hello world"));
  });

  test("roots that are not 32 bytes are refused (transparency-dev format examples)", () => {
    for (const item of entry("unsigned checkpoint").items ?? []) {
      if (item.root_hash_utf8 === undefined) continue;
      throwsCode(() => parseCheckpointText(item.text), "ST_ERR_LEDGER_NOTE");
    }
  });

  test("extension lines after the root are allowed", () => {
    const root = leafHash("x").toString("base64");
    assert.equal(parseCheckpointText(`o\n3\n${root}\nextension\n`).size, 3);
  });

  test("malformed checkpoint text is refused with ST_ERR_LEDGER_NOTE", () => {
    const root = leafHash("x").toString("base64");
    const malformed = [
      "",
      "\n",
      `\n3\n${root}\n`, // empty origin
      `o\n\n${root}\n`, // empty size
      `o\n${root}\n`, // size missing
      `o\n3\n`, // root missing
      `o\n-3\n${root}\n`,
      `o\n+3\n${root}\n`,
      `o\n03\n${root}\n`,
      `o\n3.0\n${root}\n`,
      `o\n1e3\n${root}\n`,
      `o\n 3\n${root}\n`,
      `o\nthree\n${root}\n`,
      `o\n99999999999999999999\n${root}\n`, // beyond 2^53: not an exact count
      `o\n3\n${root.replace(/=$/, "")}\n`, // unpadded base64
      `o\n3\n${Buffer.from(root, "base64").toString("base64url")}X\n`,
      `o\n3\n${leafHash("x").subarray(1).toString("base64")}\n`, // 31 bytes
      `o\n3\n${Buffer.concat([leafHash("x"), Buffer.from([0])]).toString("base64")}\n`, // 33 bytes
      `o\n3\n${root}`, // no final newline
      `o\n3\n ${root}\n`,
    ];
    for (const text of malformed)
      throwsCode(() => parseCheckpointText(text), "ST_ERR_LEDGER_NOTE", undefined, JSON.stringify(text));
  });

  test("a checkpoint with a changed size or root, or checked with another key, does not verify", () => {
    const e = entry("sum.golang.org");
    const v = parseVerifierKey(e.vkey as string);
    const note = e.signed_note as string;
    throwsCode(() => verifyCheckpoint(note.replace("6476701", "6476702"), v), "ST_ERR_LEDGER_PROOF");
    throwsCode(() => verifyCheckpoint(note.replace("mb8Q", "mb8R"), v), "ST_ERR_LEDGER_PROOF");
    throwsCode(
      () => verifyCheckpoint(note, parseVerifierKey(generateNoteKey("sum.golang.org").verifierKey)),
      "ST_ERR_LEDGER_PROOF",
    );
  });

  test("a validly signed note whose text is not a checkpoint is refused with ST_ERR_LEDGER_NOTE", () => {
    const keys = generateNoteKey("log");
    const signer = parseSignerKey(keys.signerKey);
    const bad = signCheckpoint({ origin: "log", size: 1, root: Buffer.from("short") }, signer);
    throwsCode(() => verifyCheckpoint(bad.note, parseVerifierKey(keys.verifierKey)), "ST_ERR_LEDGER_NOTE");
  });
});
