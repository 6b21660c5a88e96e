import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sampleEvents } from "../src/demo/sample-events.js";

// golang.org/x/mod's sumdb/note and sumdb/tlog, run unchanged on Sealtrail's output: the
// compatibility bar for our checkpoints and proofs. Needs Debian's golang-go and golang-golang-x-mod-dev (.ci/run
// installs them).
const GOPATH = "/usr/share/gocode";
const goAvailable =
  spawnSync("go", ["version"]).status === 0 &&
  existsSync(join(GOPATH, "src/golang.org/x/mod/sumdb/note/note.go"));
const program = new URL("../../test/go-interop/main.go", import.meta.url).pathname;
const cli = new URL("../src/cli/main.js", import.meta.url).pathname;

test("sumdb/note opens the checkpoint and sumdb/tlog accepts the tree, inclusion and consistency proofs", {
  skip: goAvailable
    ? false
    : "Go or golang.org/x/mod is not installed (apt-get install golang-go golang-golang-x-mod-dev)",
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "sealtrail-go-"));
  try {
    const home = join(dir, "home");
    const run = (...args: string[]) =>
      execFileSync(process.execPath, [cli, ...args, "--home", home], { encoding: "utf8" });
    // The store begins with its own init event (seq 0): 516 events make a tree of 517, 1,299 of 1,300.
    const events = sampleEvents(1299, { seed: 11 }).map((e) => JSON.stringify(e));
    run("init", "--origin", "interop.example/log");
    writeFileSync(join(dir, "a.ndjson"), `${events.slice(0, 516).join("\n")}\n`);
    writeFileSync(join(dir, "b.ndjson"), `${events.slice(516).join("\n")}\n`);
    run("ingest", join(dir, "a.ndjson"));
    writeFileSync(join(dir, "old.cp"), run("checkpoint"));
    run("ingest", join(dir, "b.ndjson"));
    writeFileSync(join(dir, "new.cp"), run("checkpoint"));
    writeFileSync(join(dir, "export.ndjson"), run("export", "--format", "ndjson"));
    writeFileSync(join(dir, "inclusion.json"), run("proof", "inclusion", "--seq", "777"));
    writeFileSync(join(dir, "consistency.json"), run("proof", "consistency", "--from", "517"));
    const key = run("pubkey").trim();
    const args = [key, "new.cp", "export.ndjson", "inclusion.json", "consistency.json", "old.cp"].map(
      (a, i) => (i === 0 ? a : join(dir, a)),
    );
    const env = { ...process.env, GO111MODULE: "off", GOPATH, GOCACHE: join(dir, "gocache"), GOFLAGS: "" };
    const ok = spawnSync("go", ["run", program, ...args], { encoding: "utf8", env });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^OK origin=interop\.example\/log size=1300 records=1300 inclusion=777 consistency=517→1300/,
    );

    // The same check must fail when one record is altered: the Go side is a real oracle.
    const lines = run("export", "--format", "ndjson").split("\n");
    lines[5] = (lines[5] as string).replace('"seq":5', '"seq":6');
    writeFileSync(join(dir, "export.ndjson"), lines.join("\n"));
    const bad = spawnSync("go", ["run", program, ...args], { encoding: "utf8", env });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /tree hash of the export/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
