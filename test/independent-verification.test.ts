/**
 * End-to-end: a store built by the real CLI is checked by an independent verifier that shares no
 * code with src/ (test/independent-verifier.ts). The verifier is first validated against the
 * published RFC 6962, RFC 8785 and C2SP signed-note vectors, so that it is a trustworthy oracle.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sampleEvents } from "../src/demo/sample-events.js";
import {
  cli,
  describeRun,
  exportLines,
  ingestFile,
  initStore,
  removeTempDirs,
  runCli,
  tempDir,
  writeNdjson,
} from "./cli-harness.js";
import {
  EMPTY_ROOT,
  ed25519Verify,
  formatVerifierKey,
  jcs,
  leafHash,
  merkleRoot,
  nodeHash,
  noteVerifies,
  openCheckpoint,
  openNote,
  parseVerifierKey,
  splitNote,
  verifyConsistency,
  verifyInclusion,
} from "./independent-verifier.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), "utf8"));
const hex = (h: string) => Buffer.from(h, "hex");
const b64 = (b: Buffer) => b.toString("base64");
const fromB64 = (s: string) => Buffer.from(s, "base64");

/** A copy of `hashes` with one bit flipped in hash `which`. */
function flipBit(hashes: readonly Buffer[], which: number): Buffer[] {
  return hashes.map((h, i) => {
    if (i !== which) return h;
    const copy = Buffer.from(h);
    copy[7] = (copy[7] as number) ^ 0x10;
    return copy;
  });
}

after(removeTempDirs);

describe("the independent verifier itself (published vectors)", () => {
  const v6962 = fixture("rfc6962-vectors.json");
  const leaves: Buffer[] = (v6962.leaves_hex as string[]).map((h) => leafHash(hex(h)));
  const roots: Buffer[] = (v6962.roots_hex as string[]).map(hex);

  test("RFC 6962 hasher vectors", () => {
    assert.equal(EMPTY_ROOT.toString("hex"), v6962.empty_root_hex);
    assert.equal(merkleRoot([]).toString("hex"), v6962.hasher_vectors.empty_root_hex);
    assert.equal(leafHash(Buffer.alloc(0)).toString("hex"), v6962.hasher_vectors.leaf_hash_of_empty_leaf_hex);
    assert.equal(
      leafHash(v6962.hasher_vectors.leaf_hash.leaf_utf8).toString("hex"),
      v6962.hasher_vectors.leaf_hash.hash_hex,
    );
    const { left_utf8, right_utf8, hash_hex } = v6962.hasher_vectors.node_hash;
    assert.equal(nodeHash(Buffer.from(left_utf8), Buffer.from(right_utf8)).toString("hex"), hash_hex);
  });

  test("MTH of the first k leaves equals the published roots for k = 1…8", () => {
    assert.equal(roots.length, 8);
    for (let k = 1; k <= 8; k++) {
      assert.equal(
        merkleRoot(leaves.slice(0, k)).toString("hex"),
        roots[k - 1]?.toString("hex"),
        `size ${k}`,
      );
    }
  });

  test("published inclusion proofs verify, and altered ones do not", () => {
    for (const c of v6962.inclusion as { leaf_index: number; tree_size: number; proof_hex: string[] }[]) {
      const proof = c.proof_hex.map(hex);
      const root = roots[c.tree_size - 1] as Buffer;
      const leaf = leaves[c.leaf_index] as Buffer;
      const what = `leaf ${c.leaf_index} of ${c.tree_size}`;
      assert.ok(verifyInclusion(c.leaf_index, c.tree_size, leaf, proof, root), what);
      assert.ok(
        !verifyInclusion(c.leaf_index, c.tree_size, leafHash("other"), proof, root),
        `${what}: wrong leaf`,
      );
      assert.ok(!verifyInclusion(c.tree_size, c.tree_size, leaf, proof, root), `${what}: index out of range`);
      assert.ok(
        !verifyInclusion(c.leaf_index, c.tree_size, leaf, [...proof, leaf], root),
        `${what}: extra hash`,
      );
      if (proof.length > 0) {
        assert.ok(!verifyInclusion(c.leaf_index ^ 1, c.tree_size, leaf, proof, root), `${what}: wrong index`);
        assert.ok(
          !verifyInclusion(c.leaf_index, c.tree_size, leaf, flipBit(proof, 0), root),
          `${what}: flipped bit`,
        );
        assert.ok(
          !verifyInclusion(c.leaf_index, c.tree_size, leaf, proof.slice(0, -1), root),
          `${what}: truncated`,
        );
      }
    }
  });

  test("published consistency proofs verify, and altered ones do not", () => {
    for (const c of v6962.consistency as { size1: number; size2: number; proof_hex: string[] }[]) {
      const proof = c.proof_hex.map(hex);
      const r1 = roots[c.size1 - 1] as Buffer;
      const r2 = roots[c.size2 - 1] as Buffer;
      const what = `${c.size1} → ${c.size2}`;
      assert.ok(verifyConsistency(c.size1, c.size2, proof, r1, r2), what);
      assert.ok(!verifyConsistency(c.size1, c.size2, [...proof, r1], r1, r2), `${what}: extra hash`);
      if (c.size1 !== c.size2) {
        assert.ok(
          !verifyConsistency(c.size1, c.size2, flipBit(proof, proof.length - 1), r1, r2),
          `${what}: flipped bit`,
        );
        assert.ok(!verifyConsistency(c.size1, c.size2, proof, r2, r1), `${what}: swapped roots`);
        assert.ok(!verifyConsistency(c.size1, c.size2, proof.slice(0, -1), r1, r2), `${what}: truncated`);
        assert.ok(!verifyConsistency(c.size1, c.size2, [], r1, r2), `${what}: empty proof`);
      } else {
        assert.ok(!verifyConsistency(c.size1, c.size2, proof, r1, leafHash("x")), `${what}: different roots`);
      }
    }
  });

  test("RFC 8785 canonicalization vectors", () => {
    const v8785 = fixture("rfc8785-vectors.json");
    assert.ok(v8785.cases.length >= 6);
    for (const c of v8785.cases as { name: string; input: string; output: string }[]) {
      assert.equal(jcs(JSON.parse(c.input)), c.output, c.name);
    }
    for (const n of v8785.numbers as { ieee_hex: string; expected: string | null; error?: boolean }[]) {
      const value = hex(n.ieee_hex).readDoubleBE(0);
      if (n.error) assert.throws(() => jcs(value), n.ieee_hex);
      else assert.equal(jcs(value), n.expected, n.ieee_hex);
    }
  });

  test("C2SP signed-note vectors: Go's PeterNeumann note and sumdb checkpoints verify; altered ones do not", () => {
    const vn = fixture("c2sp-note-vectors.json");
    const key = parseVerifierKey(vn.vkey);
    assert.equal(key.name, "PeterNeumann");
    assert.equal(key.keyId.toString("hex"), "c74f20a3");
    assert.equal(openNote(vn.signed_note, vn.vkey), vn.text);

    const double = vn.extra.find((e: { name: string }) => e.name.startsWith("doubly-signed"));
    for (const vkey of double.vkeys as string[])
      assert.equal(openNote(double.signed_note, vkey), double.text);
    // The singly-signed note has no signature by EnochRoot.
    assert.ok(!noteVerifies(vn.signed_note, double.vkeys[1]));

    const checkpoints = vn.extra.filter((e: { origin?: string; vkey?: string | null }) => e.origin && e.vkey);
    assert.ok(checkpoints.length >= 3);
    for (const cp of checkpoints) {
      const body = openCheckpoint(cp.signed_note, cp.vkey);
      assert.equal(body.origin, cp.origin);
      assert.equal(body.size, cp.size);
      assert.equal(b64(body.root), cp.root_hash_base64);
    }

    // One flipped bit in the signature, or one changed character of the text, breaks it.
    const { signatures } = splitNote(vn.signed_note);
    const sig = Buffer.concat([
      (signatures[0] as { keyId: Buffer }).keyId,
      (signatures[0] as { signature: Buffer }).signature,
    ]);
    sig[20] = (sig[20] as number) ^ 0x01;
    const badSig = vn.signed_note.replace(/— PeterNeumann \S+/, `— PeterNeumann ${b64(sig)}`);
    assert.notEqual(badSig, vn.signed_note);
    assert.ok(!noteVerifies(badSig, vn.vkey));
    assert.ok(!noteVerifies(vn.signed_note.replace("cryptography", "cryptograph!"), vn.vkey));
    // A key whose id does not match is refused.
    assert.throws(() => parseVerifierKey(vn.vkey.replace("c74f20a3", "c74f20a4")));
  });
});

describe("a store built by the CLI, checked independently", () => {
  const origin = "e2e.example/independent";
  let home = "";
  let dir = "";
  let initKey = "";
  let vkey = "";
  let note1 = "";
  let lines1: string[] = [];
  let leaves1: Buffer[] = [];
  // The store's own init event (seq 0) and 999 more: a tree of 1,000.
  const events1 = sampleEvents(999, { withIds: true, seed: 11 });

  before(() => {
    dir = tempDir();
    home = join(dir, "home");
    initKey = initStore(home, origin);
    writeNdjson(join(dir, "batch1.ndjson"), events1);
    const summary = ingestFile(home, join(dir, "batch1.ndjson"));
    assert.equal(summary.accepted, 999);
    note1 = cli(["checkpoint", "--home", home]).stdout;
    vkey = cli(["pubkey", "--home", home]).stdout.trim();
    lines1 = exportLines(home);
    leaves1 = lines1.map((line) => leafHash(line));
  });

  test("every exported line is canonical JSON with seq = line index and the ingested content", () => {
    assert.equal(lines1.length, 1000);
    const init = JSON.parse(lines1[0] as string);
    assert.equal(jcs(init), lines1[0], "the init event is RFC 8785 canonical");
    assert.deepEqual([init.seq, init.action, init.details.origin], [0, "audit_log.init", origin]);
    lines1.slice(1).forEach((line, k) => {
      const i = k + 1;
      const event = JSON.parse(line);
      assert.equal(jcs(event), line, `line ${i} is not RFC 8785 canonical`);
      assert.equal(event.seq, i);
      const input = events1[k] as unknown as Record<string, unknown>;
      assert.equal(event.id, input.id);
      assert.equal(event.action, input.action);
      assert.equal(Date.parse(event.timestamp), Date.parse(input.timestamp as string));
      for (const field of [
        "actor",
        "target",
        "details",
        "context",
        "crypto",
        "policies",
        "error",
        "duration_ms",
        "tenant",
      ]) {
        assert.deepEqual(event[field], input[field], `seq ${i} field ${field}`);
      }
    });
  });

  test("MTH over the recomputed leaves equals the signed checkpoint's root", () => {
    const body = openCheckpoint(note1, vkey);
    assert.equal(body.origin, origin);
    assert.equal(body.size, 1000);
    assert.equal(b64(merkleRoot(leaves1)), b64(body.root));
    // A leaf computed from any other bytes gives another root.
    const edited = [...leaves1];
    edited[123] = leafHash(jcs({ ...JSON.parse(lines1[123] as string), tenant: "someone-else" }));
    assert.notEqual(b64(merkleRoot(edited)), b64(body.root));
    // The checkpoint is also published as a file in the home, and verify reports the same root.
    assert.equal(readFileSync(join(home, "checkpoint"), "utf8"), note1);
    const report = JSON.parse(cli(["verify", "--home", home, "--json"]).stdout);
    assert.equal(report.ok, true);
    assert.equal(report.root, b64(merkleRoot(leaves1)));
  });

  test("the checkpoint signature verifies with the printed key and fails when altered or with another key", () => {
    assert.equal(vkey, initKey, "pubkey prints the key init printed");
    const key = parseVerifierKey(vkey);
    assert.equal(key.name, origin);
    const { text, signatures } = splitNote(note1);
    assert.equal(text, `${origin}\n1000\n${b64(merkleRoot(leaves1))}\n`);
    assert.equal(note1.slice(text.length, text.length + 1), "\n");
    assert.equal(signatures.length, 1);
    const sig = signatures[0] as { name: string; keyId: Buffer; signature: Buffer };
    assert.equal(sig.name, origin);
    assert.deepEqual(sig.keyId, key.keyId);
    assert.ok(ed25519Verify(key.publicKey, Buffer.from(text), sig.signature));

    // A flipped bit in the signature.
    const flipped = Buffer.concat([sig.keyId, sig.signature]);
    flipped[30] = (flipped[30] as number) ^ 0x04;
    const badSigNote = `${text}\n\u2014 ${origin} ${b64(flipped)}\n`;
    assert.ok(
      noteVerifies(`${text}\n\u2014 ${origin} ${b64(Buffer.concat([sig.keyId, sig.signature]))}\n`, vkey),
    );
    assert.ok(!noteVerifies(badSigNote, vkey));
    // Altered text (size or root).
    assert.ok(!noteVerifies(note1.replace("\n1000\n", "\n1001\n"), vkey));
    const otherRoot = b64(merkleRoot(leaves1.slice(0, 999)));
    assert.ok(!noteVerifies(note1.replace(b64(merkleRoot(leaves1)), otherRoot), vkey));
    // Another key under the same name.
    const other = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x as string;
    const otherPub = Buffer.from(other, "base64url");
    const otherKey = formatVerifierKey(origin, otherPub);
    assert.ok(!noteVerifies(note1, otherKey));
    assert.ok(!ed25519Verify(otherPub, Buffer.from(text), sig.signature));
  });

  test("inclusion proofs from the CLI verify against independently computed roots", () => {
    const root1000 = merkleRoot(leaves1);
    const check = (seq: number, size: number | undefined) => {
      const args = ["proof", "inclusion", "--home", home, "--seq", String(seq)];
      if (size !== undefined) args.push("--size", String(size));
      const proof = JSON.parse(cli(args).stdout) as {
        index: number;
        tree_size: number;
        leaf_hash: string;
        proof: string[];
      };
      const m = size ?? 1000;
      const what = `seq ${seq} in size ${m}`;
      assert.equal(proof.index, seq, what);
      assert.equal(proof.tree_size, m, what);
      assert.equal(proof.leaf_hash, b64(leaves1[seq] as Buffer), what);
      const path = proof.proof.map(fromB64);
      const root = size === undefined ? root1000 : merkleRoot(leaves1.slice(0, m));
      assert.ok(verifyInclusion(seq, m, leaves1[seq] as Buffer, path, root), `${what}: does not verify`);
      // Negative controls: the same proof must not verify anything else.
      if (m < 1000)
        assert.ok(
          !verifyInclusion(seq, m, leaves1[seq] as Buffer, path, merkleRoot(leaves1.slice(0, m + 1))),
        );
      if (m > 1) {
        const neighbour = seq === m - 1 ? seq - 1 : seq + 1;
        assert.ok(
          !verifyInclusion(seq, m, leaves1[neighbour] as Buffer, path, root),
          `${what}: neighbour's leaf`,
        );
        assert.ok(
          !verifyInclusion(seq, m, leaves1[seq] as Buffer, flipBit(path, path.length - 1), root),
          `${what}: bit`,
        );
      }
    };
    for (const seq of [0, 1, 499, 500, 998, 999]) check(seq, undefined);
    const sized: [number, number][] = [
      [0, 1],
      [0, 2],
      [1, 2],
      [5, 6],
      [17, 100],
      [255, 256],
      [256, 257],
      [300, 513],
      [511, 1000],
      [999, 1000],
    ];
    for (const [seq, size] of sized) check(seq, size);
    // Out of range: a usage error, not a proof.
    for (const range of [
      ["--seq", "1000"],
      ["--seq", "5", "--size", "5"],
      ["--seq", "0", "--size", "1001"],
    ]) {
      const args = ["proof", "inclusion", "--home", home, ...range];
      const r = runCli(args);
      assert.equal(r.code, 2, describeRun(args, r));
    }
  });

  test("after more events and a second checkpoint, consistency proofs verify between independent roots", () => {
    const events2 = sampleEvents(537, { withIds: true, seed: 12 });
    writeNdjson(join(dir, "batch2.ndjson"), events2);
    assert.equal(ingestFile(home, join(dir, "batch2.ndjson")).accepted, 537);
    const note2 = cli(["checkpoint", "--home", home]).stdout;
    const lines2 = exportLines(home);
    assert.equal(lines2.length, 1537);
    assert.deepEqual(lines2.slice(0, 1000), lines1, "the first 1000 events are unchanged byte for byte");
    lines2.forEach((line, i) => {
      assert.equal(JSON.parse(line).seq, i);
      assert.equal(jcs(JSON.parse(line)), line);
    });
    const leaves2 = lines2.map((line) => leafHash(line));
    const rootOf = (n: number) => merkleRoot(leaves2.slice(0, n));
    const body2 = openCheckpoint(note2, vkey);
    assert.equal(body2.size, 1537);
    assert.equal(b64(body2.root), b64(rootOf(1537)));
    assert.equal(
      b64(openCheckpoint(note1, vkey).root),
      b64(rootOf(1000)),
      "the old checkpoint still matches the prefix",
    );

    const prove = (from: number, to: number | undefined) => {
      const args = ["proof", "consistency", "--home", home, "--from", String(from)];
      if (to !== undefined) args.push("--to", String(to));
      const proof = JSON.parse(cli(args).stdout) as { from_size: number; to_size: number; proof: string[] };
      assert.equal(proof.from_size, from);
      assert.equal(proof.to_size, to ?? 1537);
      return proof.proof.map(fromB64);
    };
    // Between the two signed checkpoints (default --to is the latest checkpoint).
    const between = prove(1000, undefined);
    assert.ok(verifyConsistency(1000, 1537, between, openCheckpoint(note1, vkey).root, body2.root));
    assert.ok(!verifyConsistency(1000, 1537, flipBit(between, 0), rootOf(1000), rootOf(1537)), "flipped bit");
    assert.ok(!verifyConsistency(1000, 1537, between.slice(1), rootOf(1000), rootOf(1537)), "truncated");
    assert.ok(!verifyConsistency(1000, 1537, between, rootOf(999), rootOf(1537)), "wrong old root");
    assert.ok(!verifyConsistency(1000, 1537, between, rootOf(1000), rootOf(1536)), "wrong new root");
    assert.ok(!verifyConsistency(1001, 1537, between, rootOf(1001), rootOf(1537)), "proof for another size");

    const pairs: [number, number][] = [
      [1000, 1537],
      [1, 1537],
      [7, 8],
      [256, 1024],
      [513, 1000],
      [1536, 1537],
      [1537, 1537],
      [1, 1],
    ];
    for (const [a, b] of pairs) {
      const proof = prove(a, b);
      assert.ok(verifyConsistency(a, b, proof, rootOf(a), rootOf(b)), `${a} → ${b} does not verify`);
      if (a !== b) {
        assert.ok(
          !verifyConsistency(a, b, flipBit(proof, proof.length - 1), rootOf(a), rootOf(b)),
          `${a} → ${b} bit`,
        );
      }
    }
    for (const range of [
      ["--from", "1538"],
      ["--from", "10", "--to", "5"],
    ]) {
      const args = ["proof", "consistency", "--home", home, ...range];
      const r = runCli(args);
      assert.equal(r.code, 2, describeRun(args, r));
    }
  });
});
