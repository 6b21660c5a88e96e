/**
 * Evidence bundles end to end: a real store, an activity report, `writeEvidenceBundle`, then
 * `verifyBundle`, a reader that is not ours (system `tar`) with the independent verifier, and
 * tampering that each must name the file or the seq.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { AuditLog } from "../src/audit-log.js";
import type { AuditEventInput } from "../src/event/audit-event.js";
import { MATCH_ALL } from "../src/read-model/event-filter.js";
import { citedSeqs, renderToBuffer, writeEvidenceBundle } from "../src/reports/evidence-bundle.js";
import { jsonRenderer } from "../src/reports/renderers/json-renderer.js";
import type { Report } from "../src/reports/report-model.js";
import { reportScope } from "../src/reports/report-source.js";
import { activitySummary } from "../src/reports/types/activity-summary.js";
import { verifyBundle } from "../src/reports/verify-bundle.js";
import { removeTempDirs, runCli, tempDir } from "./cli-harness.js";
import { formatVerifierKey, leafHash, openCheckpoint, verifyInclusion } from "./independent-verifier.js";

const HOUR = 3_600_000;
const FILES = [
  "README.md",
  "checkpoint",
  "events.ndjson",
  "manifest.json",
  "proofs.ndjson",
  "report.json",
  "report.rendered.json",
  "verifier.key",
];

let work: string;
let bundle: string;
let report: Report;
let verifierKey: string;
let origin: string;

before(async () => {
  work = tempDir("sealtrail-bundle-");
  const home = join(work, "home");
  const log = await AuditLog.open({ home, origin: "bundle.test/log", checkpointIntervalMs: 0 });
  try {
    const now = Date.now();
    const events: AuditEventInput[] = Array.from({ length: 40 }, (_, i) => ({
      action: i % 2 === 0 ? "user.login" : "crm.update",
      timestamp: new Date(now - (i + 1) * HOUR).toISOString(),
      outcome: i % 5 === 0 ? "failure" : "success",
      severity: i === 3 || i === 17 ? "critical" : i % 5 === 0 ? "error" : "info",
      actor: { id: `user-${i % 3}` },
      ...(i % 5 === 0 ? { error: { code: "E_DENIED", message: "denied" } } : {}),
    }));
    await log.append(events);
    const scope = await reportScope(log, {
      since: now - 7 * 24 * HOUR,
      until: now + 1,
      expressions: [],
      filter: MATCH_ALL,
    });
    report = await activitySummary(log, scope, "weekly");
    await log.append({ action: "late.event", actor: { id: "x" } }); // after the checkpoint
    verifierKey = log.verifierKey();
    origin = log.origin;
    bundle = join(work, "evidence.tar.gz");
    const written = await writeEvidenceBundle({
      log,
      report,
      rendered: await renderToBuffer(jsonRenderer, report),
      extension: "json",
      out: bundle,
    });
    assert.ok(written.events > 0 && written.omitted === 0, JSON.stringify(written));
  } finally {
    await log.close();
  }
});

after(removeTempDirs);

/** Extracts a bundle with system tar into a new directory. */
function untar(file: string): string {
  const dir = tempDir("sealtrail-bundle-x-");
  execFileSync("tar", ["-xzf", file, "-C", dir]);
  return dir;
}

/** Re-packs a directory with system tar, optionally refreshing manifest.json's hashes. */
function retar(dir: string, name: string, fixManifest: boolean): string {
  if (fixManifest) {
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    for (const file of Object.keys(manifest.files)) {
      manifest.files[file] = createHash("sha256")
        .update(readFileSync(join(dir, file)))
        .digest("hex");
    }
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  }
  const out = join(work, name);
  execFileSync("tar", ["-czf", out, "-C", dir, ...readdirSync(dir).sort()]);
  return out;
}

/** A tampered copy: `edit` changes the extracted files. */
function tampered(name: string, edit: (dir: string) => void, fixManifest = true): string {
  const dir = untar(bundle);
  edit(dir);
  return retar(dir, `${name}.tar.gz`, fixManifest);
}

function editLines(dir: string, file: string, fn: (lines: string[]) => string[]): void {
  const lines = readFileSync(join(dir, file), "utf8").split("\n").slice(0, -1);
  writeFileSync(
    join(dir, file),
    fn(lines)
      .map((l) => `${l}\n`)
      .join(""),
  );
}

async function assertProblem(file: string, pattern: RegExp, options = {}): Promise<void> {
  const result = await verifyBundle(file, options);
  assert.equal(result.ok, false, "expected the bundle to fail");
  assert.ok(
    result.problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n${result.problems.join("\n")}`,
  );
}

describe("evidence bundle", () => {
  test("the report cites events (findings and the seq column)", () => {
    assert.ok(citedSeqs(report).length >= 2);
  });

  test("verifyBundle passes, with the bundle's key and with the trusted key", async () => {
    const own = await verifyBundle(bundle);
    assert.deepEqual(own.problems, []);
    assert.equal(own.ok, true);
    assert.equal(own.keyUsed, "bundle");
    assert.equal(own.events, citedSeqs(report).length);
    assert.equal(own.checkpoint?.origin, origin);
    assert.equal(own.checkpoint?.size, 41, "the store's init event and the 40");
    assert.ok(own.notes.some((n) => /not who signed it/.test(n)));
    const trusted = await verifyBundle(bundle, { verifierKey });
    assert.equal(trusted.ok, true, trusted.problems.join("\n"));
    assert.equal(trusted.keyUsed, "trusted");
  });

  test("system tar lists the files; the independent verifier checks them", () => {
    const listed = execFileSync("tar", ["-tzf", bundle], { encoding: "utf8" }).trim().split("\n").sort();
    assert.deepEqual(listed, FILES);
    const dir = untar(bundle);
    const body = openCheckpoint(readFileSync(join(dir, "checkpoint"), "utf8"), verifierKey);
    assert.equal(readFileSync(join(dir, "verifier.key"), "utf8").trim(), verifierKey);
    const events = readFileSync(join(dir, "events.ndjson"), "utf8").split("\n").slice(0, -1);
    const proofs = readFileSync(join(dir, "proofs.ndjson"), "utf8")
      .split("\n")
      .slice(0, -1)
      .map((l) => JSON.parse(l) as { index: number; tree_size: number; leaf_hash: string; proof: string[] });
    assert.equal(events.length, proofs.length);
    assert.deepEqual(
      events.map((e) => (JSON.parse(e) as { seq: number }).seq),
      citedSeqs(report),
    );
    for (const [i, line] of events.entries()) {
      const proof = proofs[i] as (typeof proofs)[number];
      const leaf = leafHash(line);
      assert.equal(proof.leaf_hash, leaf.toString("base64"));
      assert.equal(proof.tree_size, body.size);
      assert.ok(
        verifyInclusion(
          proof.index,
          body.size,
          leaf,
          proof.proof.map((p) => Buffer.from(p, "base64")),
          body.root,
        ),
        `inclusion of seq ${proof.index}`,
      );
    }
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    for (const [file, hash] of Object.entries(manifest.files)) {
      assert.equal(
        createHash("sha256")
          .update(readFileSync(join(dir, file)))
          .digest("hex"),
        hash,
        file,
      );
    }
    assert.match(readFileSync(join(dir, "README.md"), "utf8"), /SHA-256\(0x00 ‖ line bytes\)/);
    // Re-packed by system tar, untouched: still verifies.
    return verifyBundle(retar(dir, "repacked.tar.gz", false)).then((r) =>
      assert.equal(r.ok, true, r.problems.join("\n")),
    );
  });

  test("an edited event line is named by its seq", async () => {
    const seq = citedSeqs(report)[0] as number;
    const file = tampered("edited-event", (dir) =>
      editLines(dir, "events.ndjson", (lines) =>
        lines.map((l) =>
          l.includes(`"seq":${seq},`) ? l.replace(/"actor":\{"id":"[^"]*"/, '"actor":{"id":"mallory"') : l,
        ),
      ),
    );
    await assertProblem(file, new RegExp(`events\\.ndjson: seq ${seq}: .*leaf hash`));
  });

  test("a swapped proof hash is named by its seq", async () => {
    let seq = -1;
    const file = tampered("swapped-proof", (dir) =>
      editLines(dir, "proofs.ndjson", (lines) =>
        lines.map((l, i) => {
          if (i !== 0) return l;
          const p = JSON.parse(l);
          seq = p.index;
          p.proof[0] = Buffer.alloc(32, 7).toString("base64");
          return JSON.stringify(p);
        }),
      ),
    );
    await assertProblem(file, new RegExp(`proofs\\.ndjson: seq ${seq}: the inclusion proof`));
  });

  test("an edited checkpoint fails its signature", async () => {
    const file = tampered("edited-checkpoint", (dir) => {
      const note = readFileSync(join(dir, "checkpoint"), "utf8");
      const edited = note.replace("\n41\n", "\n42\n");
      assert.notEqual(edited, note);
      writeFileSync(join(dir, "checkpoint"), edited);
    });
    await assertProblem(file, /^checkpoint: .*does not verify/);
    await assertProblem(file, /report\.json: provenance\.checkpoint\.note differs/);
  });

  test("a wrong --key fails the checkpoint", async () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
    const wrong = formatVerifierKey(origin, raw);
    await assertProblem(bundle, /^checkpoint: has no signature by/, { verifierKey: wrong });
    // The result says which key was used.
    const result = await verifyBundle(bundle, { verifierKey: wrong });
    assert.equal(result.keyUsed, "trusted");
  });

  test("a missing cited event is named", async () => {
    const seq = citedSeqs(report).at(-1) as number;
    const file = tampered("missing-event", (dir) => {
      editLines(dir, "events.ndjson", (lines) => lines.filter((l) => !l.includes(`"seq":${seq},`)));
      editLines(dir, "proofs.ndjson", (lines) => lines.filter((l) => JSON.parse(l).index !== seq));
    });
    await assertProblem(file, new RegExp(`events\\.ndjson: cited seq ${seq} missing`));
  });

  test("a manifest mismatch is named by the file", async () => {
    const file = tampered(
      "manifest-mismatch",
      (dir) => writeFileSync(join(dir, "report.rendered.json"), "{}\n"),
      false,
    );
    await assertProblem(file, /^report\.rendered\.json: its SHA-256 does not match manifest\.json/);
    const extra = tampered("extra-file", (dir) => writeFileSync(join(dir, "extra.txt"), "x"), false);
    await assertProblem(extra, /^extra\.txt: not listed in manifest\.json/);
  });

  test("sealtrail verify-bundle: exit 0 ok, 1 problems, 2 usage", async () => {
    // The real command, with main.ts's mapping of errors to exit codes.
    const run = async (args: string[]): Promise<{ code: number; out: string }> => {
      const r = runCli(["verify-bundle", ...args]);
      return { code: r.code ?? -1, out: `${r.stdout}${r.stderr}` };
    };
    const ok = await run([bundle, "--key", verifierKey]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /bundle OK/);
    assert.match(ok.out, /trusted key/);
    const bad = await run([join(work, "manifest-mismatch.tar.gz")]);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /problem: report\.rendered\.json/);
    assert.equal((await run([bundle, "--key", "not-a-key"])).code, 2);
    assert.equal((await run([join(work, "nope.tar.gz")])).code, 2);
    assert.equal((await run([])).code, 2);
  });
});
