/**
 * End-to-end: bad input is rejected precisely and never blocks good input. `ingest` reports each
 * bad line by number with a reason naming the field, stores every valid line, and exits 1; usage
 * errors exit 2; an uninitialized home is refused with a pointer to `sealtrail init`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sampleEvents } from "../src/demo/sample-events.js";
import {
  cli,
  describeRun,
  exportLines,
  initStore,
  removeTempDirs,
  runCli,
  tempDir,
  writeNdjson,
} from "./cli-harness.js";

after(removeTempDirs);

/** One input line: valid (an event expected to be stored) or bad (with what its reason must say). */
type InputLine =
  | { readonly kind: "valid"; readonly event: Record<string, unknown> }
  | {
      readonly kind: "bad";
      readonly bytes: Buffer;
      readonly reason: readonly RegExp[];
      readonly what: string;
    }
  | { readonly kind: "blank" };

const valid = (event: Record<string, unknown>): InputLine => ({ kind: "valid", event });
const bad = (what: string, line: string | Buffer, ...reason: RegExp[]): InputLine => ({
  kind: "bad",
  what,
  bytes: typeof line === "string" ? Buffer.from(line, "utf8") : line,
  reason,
});
const badEvent = (what: string, event: unknown, ...reason: RegExp[]) =>
  bad(what, JSON.stringify(event), ...reason);

/** `{ n: { n: … { leaf: true } } }` with `levels` objects. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { n: value };
  return value;
}

const PEM = [
  "-----BEGIN PRIVATE KEY-----",
  "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF",
  "-----END PRIVATE KEY-----",
].join("\n");

function buildInput(): InputLine[] {
  const samples = sampleEvents(30, { withIds: true, seed: 41 }) as unknown as Record<string, unknown>[];
  const s = (i: number) => valid(samples[i] as Record<string, unknown>);
  const base = { action: "user.login", outcome: "success", actor: { id: "alice", type: "user" } };
  return [
    s(0),
    bad("invalid JSON", '{"action": "user.login", "actor": {', /invalid JSON/i),
    s(1),
    badEvent("missing action", { outcome: "success", actor: { id: "alice" } }, /\baction\b/, /required/),
    badEvent("actor.id is a number", { ...base, actor: { id: 42 } }, /actor\.id/),
    badEvent("outcome maybe", { ...base, outcome: "maybe" }, /\boutcome\b/),
    s(2),
    badEvent("duration_ms fast", { ...base, duration_ms: "fast" }, /duration_ms/),
    badEvent("month 13", { ...base, timestamp: "2026-13-01T00:00:00Z" }, /\btimestamp\b/),
    badEvent("timestamp yesterday", { ...base, timestamp: "yesterday" }, /\btimestamp\b/),
    { kind: "blank" },
    s(3),
    badEvent(
      "a 100 KB string in details",
      { ...base, details: { blob: "x".repeat(100 * 1024) } },
      /details\.blob/,
      /at most \d+/,
    ),
    badEvent(
      "an event over the size limit",
      {
        ...base,
        details: Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`part${i}`, "y".repeat(10_000)])),
      },
      /\(event\)|bytes/,
      /65535 bytes/,
    ),
    // Built as text: JSON.stringify itself runs out of stack on 5,000 levels.
    bad(
      "5,000-deep nesting in details",
      `{"action":"user.login","details":${'{"n":'.repeat(4999)}{"leaf":true}${"}".repeat(4999)}}`,
      /^details\b/,
      /nesting|depth/,
    ),
    // The event is depth 1 and details (the outermost of the nested objects) depth 2: nested(32)
    // reaches depth 33, one past the default limit of 32; nested(31) reaches exactly 32.
    badEvent(
      "nesting one level past the limit",
      { ...base, details: nested(32) },
      /^details\b/,
      /nesting|depth/,
    ),
    valid({ ...base, id: randomUUID(), details: nested(31) }),
    badEvent(
      "a PEM private key in details",
      { ...base, details: { attachment: PEM } },
      /details\.attachment/,
      /PEM|key material/,
    ),
    badEvent(
      "a field named private_key",
      { ...base, details: { oauth: { private_key: "abc123" } } },
      /details\.oauth\.private_key/,
    ),
    badEvent(
      "context.client_secret",
      { ...base, context: { client_secret: "s3cr3t" } },
      /context\.client_secret/,
    ),
    badEvent("id not-a-uuid", { ...base, id: "not-a-uuid" }, /^id\b/),
    badEvent("an unknown top-level field", { ...base, color: "red" }, /\bcolor\b/, /unknown/),
    bad("a JSON array", JSON.stringify([base]), /object/),
    bad(
      "invalid UTF-8",
      Buffer.concat([
        Buffer.from('{"action":"user.login","actor":{"id":"'),
        Buffer.from([0xff, 0xfe, 0x41]),
        Buffer.from('"}}'),
      ]),
      /UTF-8/i,
    ),
    s(4),
    badEvent(
      "a PEM block in error.message",
      { ...base, outcome: "failure", error: { code: "E", message: `leaked ${PEM}` } },
      /error\.message/,
      /PEM|key material/,
    ),
    badEvent("seq sent by the producer", { ...base, seq: 5 }, /\bseq\b/),
    bad("null", "null", /object/),
    valid({
      ...base,
      id: randomUUID(),
      details: { a: "a".repeat(13_000), b: "b".repeat(13_000), c: "c".repeat(13_000) },
    }),
    badEvent(
      "crypto.private_key",
      { action: "key.rotate", crypto: { key_id: "k1", private_key: "abc" } },
      /crypto\.private_key/,
    ),
    badEvent(
      "a private JWK in details",
      { ...base, details: { jwk: { kty: "OKP", crv: "Ed25519", x: "AA", d: "BB" } } },
      /details\.jwk/,
    ),
    bad(
      "a lone surrogate in details",
      '{"action":"user.login","details":{"note":"\\ud800"}}',
      /details\.note/,
    ),
    badEvent("severity loud", { ...base, severity: "loud" }, /\bseverity\b/),
    ...samples.slice(5).map((e) => valid(e)),
  ];
}

describe("ingest of a file mixing valid and bad lines", () => {
  const input = buildInput();
  const validEvents = input.flatMap((l) => (l.kind === "valid" ? [l.event] : []));
  const badLines = new Map<number, Extract<InputLine, { kind: "bad" }>>();
  input.forEach((l, i) => {
    if (l.kind === "bad") badLines.set(i + 1, l);
  });
  let home = "";
  let file = "";
  let first: ReturnType<typeof runCli>;

  before(() => {
    const dir = tempDir();
    home = join(dir, "home");
    initStore(home);
    file = join(dir, "mixed.ndjson");
    writeFileSync(
      file,
      Buffer.concat(
        input.map((l) =>
          Buffer.concat([
            l.kind === "valid"
              ? Buffer.from(JSON.stringify(l.event))
              : l.kind === "bad"
                ? l.bytes
                : Buffer.alloc(0),
            Buffer.from("\n"),
          ]),
        ),
      ),
    );
    first = runCli(["ingest", file, "--home", home]);
  });

  /** `line N: reason` lines of stderr, by N; fails on any other non-empty stderr line. */
  function rejections(stderr: string): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const text of stderr.split("\n").filter((t) => t.trim() !== "")) {
      const m = /^line (\d+): (.+)$/.exec(text);
      assert.ok(m, `unexpected stderr line: ${text.slice(0, 300)}`);
      const n = Number(m[1]);
      out.set(n, [...(out.get(n) ?? []), m[2] as string]);
    }
    return out;
  }

  function assertRejections(stderr: string): void {
    const found = rejections(stderr);
    assert.deepEqual(
      [...found.keys()].sort((a, b) => a - b),
      [...badLines.keys()],
      "exactly the bad lines are reported, by their 1-based numbers",
    );
    for (const [n, line] of badLines) {
      const reasons = found.get(n) ?? [];
      assert.equal(reasons.length, 1, `line ${n} (${line.what}) reported ${reasons.length} times`);
      for (const pattern of line.reason) {
        assert.match(reasons[0] as string, pattern, `line ${n} (${line.what}): reason "${reasons[0]}"`);
      }
    }
  }

  test("exit 1, one `line N: reason` per bad line naming the field, and a matching summary", () => {
    assert.equal(first.code, 1, describeRun(["ingest", file], first));
    assertRejections(first.stderr);
    const m = /accepted (\d+), duplicate (\d+), rejected (\d+)/.exec(first.stdout);
    assert.ok(m, `summary: ${first.stdout}`);
    assert.deepEqual([Number(m[1]), Number(m[2]), Number(m[3])], [validEvents.length, 0, badLines.size]);
  });

  test("every valid line is stored, in file order, with its content", () => {
    // After the store's own init event (seq 0).
    const [init, ...stored] = exportLines(home).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(init?.action, "audit_log.init");
    assert.equal(stored.length, validEvents.length);
    stored.forEach((event, i) => {
      const expected = validEvents[i] as Record<string, unknown>;
      assert.equal(event.seq, i + 1);
      for (const [key, value] of Object.entries(expected)) {
        if (key === "timestamp")
          assert.equal(Date.parse(event.timestamp as string), Date.parse(value as string));
        else assert.deepEqual(event[key], value, `stored event ${i}, field ${key}`);
      }
    });
    // The same through query.
    const queried = cli([
      "query",
      "--home",
      home,
      "--format",
      "ndjson",
      "--limit",
      "1000",
      "--order",
      "asc",
    ]).stdout;
    assert.deepEqual(
      queried
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
      [init, ...stored].map((e) => e?.id),
    );
  });

  test("the store verifies afterwards", () => {
    const r = runCli(["verify", "--home", home]);
    assert.equal(r.code, 0, describeRun(["verify"], r));
    assert.match(r.stdout, new RegExp(`OK: ${validEvents.length + 1} events verified`), "and the init event");
  });

  test("ingesting the same file again stores nothing new and reports the same lines (--json, and from stdin)", () => {
    const again = runCli(["ingest", file, "--home", home, "--json"]);
    assert.equal(again.code, 1, describeRun(["ingest", file, "--json"], again));
    const summary = JSON.parse(again.stdout);
    assert.equal(summary.accepted, 0);
    assert.equal(summary.duplicates, validEvents.length);
    assert.equal(summary.rejected, badLines.size);
    assertRejections(again.stderr);
    const stdin = runCli(["ingest", "-", "--home", home, "--json"], { input: readFileSync(file) });
    assert.equal(stdin.code, 1);
    assertRejections(stdin.stderr);
    assert.equal(JSON.parse(stdin.stdout).duplicates, validEvents.length);
    assert.equal(exportLines(home).length, validEvents.length + 1);
  });
});

describe("append, usage errors and uninitialized homes", () => {
  let home = "";
  let dir = "";

  before(() => {
    dir = tempDir();
    home = join(dir, "home");
    initStore(home);
  });

  test("append --json with an invalid event exits 1 naming the field and stores nothing", () => {
    const cases: [string, RegExp][] = [
      ['{"action":"user.login","outcome":"maybe"}', /\boutcome\b/],
      ['{"action":"user.login","actor":{"id":42}}', /actor\.id/],
      ['{"outcome":"success"}', /\baction\b/],
      ['{"action":"user.login","timestamp":"2026-02-30T00:00:00Z"}', /\btimestamp\b/],
      ['{"action":"user.login","details":{"client_secret":"x"}}', /details\.client_secret/],
    ];
    for (const [json, field] of cases) {
      const r = runCli(["append", "--home", home, "--json", json]);
      assert.equal(r.code, 1, describeRun(["append", "--json", json], r));
      assert.match(r.stderr, field, json);
    }
    assert.equal(exportLines(home).length, 1, "only the store's init event");
    // Not JSON at all: an input error (exit 2).
    const notJson = runCli(["append", "--home", home, "--json", "{action: user.login"]);
    assert.equal(notJson.code, 2, describeRun(["append"], notJson));
    assert.match(notJson.stderr, /JSON/);
    // A valid one is stored, once, even when sent twice with its id.
    const id = randomUUID();
    const event = JSON.stringify({ action: "user.login", id, actor: { id: "alice" } });
    const r1 = JSON.parse(cli(["append", "--home", home, "--json", event]).stdout);
    const r2 = JSON.parse(cli(["append", "--home", home, "--json", event]).stdout);
    assert.deepEqual(r1, { seq: 1, id, duplicate: false });
    assert.deepEqual(r2, { seq: 1, id, duplicate: true });
    assert.equal(exportLines(home).length, 2);
  });

  test("an unknown command exits 2", () => {
    const r = runCli(["frobnicate", "--home", home]);
    assert.equal(r.code, 2, describeRun(["frobnicate"], r));
    assert.match(r.stderr, /unknown command/i);
  });

  test("unknown options, missing or malformed option values of a command exit 2", () => {
    const cases: [string[], RegExp][] = [
      [["query", "--home", home, "--bogus"], /unknown option/i],
      [["append", "--home", home], /--json/],
      [["query", "--home", home, "--limit", "0"], /--limit/],
      [["query", "--home", home, "--limit", "ten"], /--limit/],
      [["query", "--home", home, "--format", "xml"], /--format|xml/],
      [["export", "--home", home, "--format", "xml"], /--format|xml/],
      [["proof", "inclusion", "--home", home], /--seq/],
      [["proof", "inclusion", "--home", home, "--seq", "-1"], /--seq|-1/],
    ];
    const wrong: string[] = [];
    for (const [args, mention] of cases) {
      const r = runCli(args);
      assert.match(r.stderr, mention, describeRun(args, r));
      if (r.code !== 2) wrong.push(`sealtrail ${args.filter((a) => a !== home).join(" ")} → exit ${r.code}`);
    }
    assert.deepEqual(wrong, [], `usage errors must exit 2:\n${wrong.join("\n")}`);
  });

  test("bad filters and times exit 2 with a message naming them", () => {
    const cases: [string[], RegExp][] = [
      [["query", "nosuchfield=1"], /nosuchfield/],
      [["query", "actor.id"], /actor\.id/],
      [["query", "actor.nickname=bob"], /actor\.nickname/],
      [["query", "duration_ms>=fast"], /duration_ms/],
      [["query", "severity>=loud"], /severity/],
      [["query", "timestamp>=notadate"], /timestamp/],
      [["query", "--since", "yesterday"], /--since/],
      [["query", "--until", "2026-13-45"], /--until/],
      [["query", "--cursor", "not-a-cursor"], /cursor/],
      [["stats", "x=1"], /"x=1"|\bx\b/],
      [["export", "details.a..b=1"], /details\.a\.\.b/],
      [["errors", "tenant"], /tenant/],
    ];
    for (const [args, mention] of cases) {
      const full = [...args, "--home", home];
      const r = runCli(full);
      assert.equal(r.code, 2, describeRun(full, r));
      assert.match(r.stderr, mention, describeRun(full, r));
    }
  });

  test("every command on an uninitialized home exits 2 telling to run init, and creates nothing", () => {
    const empty = join(dir, "no-store-here");
    const events = join(dir, "one.ndjson");
    writeNdjson(events, [{ action: "user.login" }]);
    const commands: string[][] = [
      ["query"],
      ["stats"],
      ["errors"],
      ["export"],
      ["checkpoint"],
      ["pubkey"],
      ["verify"],
      ["append", "--json", '{"action":"user.login"}'],
      ["ingest", events],
      ["proof", "inclusion", "--seq", "0"],
      ["proof", "consistency", "--from", "1"],
    ];
    for (const command of commands) {
      const args = [...command, "--home", empty];
      const r = runCli(args);
      assert.equal(r.code, 2, describeRun(args, r));
      assert.match(r.stderr, /sealtrail init/, describeRun(args, r));
    }
    assert.equal(existsSync(empty), false, "no home directory was created");
  });

  test("init on an existing store exits 2", () => {
    const again = runCli(["init", "--home", home]);
    assert.equal(again.code, 2, describeRun(["init"], again));
    assert.match(again.stderr, /already/);
  });

  test("ingest of a missing file exits 2 with a one-line message", () => {
    const missing = runCli(["ingest", join(dir, "does-not-exist.ndjson"), "--home", home]);
    assert.equal(missing.code, 2, describeRun(["ingest"], missing));
    assert.match(missing.stderr, /does-not-exist/);
    assert.doesNotMatch(missing.stderr, /Unhandled|node:events|at emit/, "no crash trace");
  });
});
