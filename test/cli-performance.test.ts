/**
 * End to end through the real `sealtrail` process on a temporary home: `performance` prints
 * exact figures per operation (JSON and an aligned table with durations as people read them),
 * flags a degraded p95, groups by another field, says how many events had no duration, and
 * refuses bad flags naming them (exit 2). `integrity` is `verify` under another name: the same
 * output and exit code on a good store and on a tampered one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import type { AuditEventInput } from "../src/event/audit-event.js";
import type { PerformanceSummary } from "../src/performance/operation-performance.js";
import {
  cli,
  describeRun,
  ingestFile,
  initStore,
  removeTempDirs,
  runCli,
  tempDir,
  writeNdjson,
} from "./cli-harness.js";

const HOUR = 3_600_000;
const UNTIL = Date.UTC(2026, 10, 22, 12);
const SINCE = UNTIL - 6 * HOUR;
const at = (ms: number) => new Date(ms).toISOString();
const WINDOW = ["--since", at(SINCE), "--until", at(UNTIL)];

const timed = (
  action: string,
  durations: readonly number[],
  start: number,
  tool?: string,
): AuditEventInput[] =>
  durations.map((duration_ms, i) => ({
    action,
    outcome: "success",
    timestamp: at(start + 60_000 + i * 1000),
    duration_ms,
    ...(tool ? { source: { tool } } : {}),
  }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const PREVIOUS = SINCE - 6 * HOUR;

const EVENTS: AuditEventInput[] = [
  ...timed("api.get", range(1, 100), SINCE, "gateway"),
  ...timed("api.get", range(1, 100), PREVIOUS, "gateway"),
  ...timed("db.query", range(10, 29), PREVIOUS, "orm"),
  ...timed("db.query", range(40, 59), SINCE, "orm"),
  ...timed("report.render", [800, 1400, 2_600], SINCE),
  { action: "user.login", outcome: "success", timestamp: at(SINCE + HOUR) },
];

let home = "";

before(() => {
  const work = tempDir("sealtrail-cli-performance-");
  home = join(work, "home");
  initStore(home);
  const file = join(work, "events.ndjson");
  writeNdjson(file, EVENTS);
  assert.equal(ingestFile(home, file).accepted, EVENTS.length);
});
after(removeTempDirs);

function performance(...args: string[]): string {
  return cli(["performance", "--home", home, ...args]).stdout;
}

describe("sealtrail performance", () => {
  test("--json: exact figures per action, the degraded one flagged, the skipped counted", () => {
    const summary = JSON.parse(performance(...WINDOW, "--json")) as PerformanceSummary;
    assert.deepEqual(summary.window, { since: at(SINCE), until: at(UNTIL) });
    assert.deepEqual(summary.previousWindow, { since: at(PREVIOUS), until: at(SINCE) });
    assert.deepEqual([summary.timed, summary.skipped, summary.previousTimed], [123, 1, 120]);
    assert.deepEqual(
      summary.operations.map((o) => [
        o.key,
        o.count,
        o.min,
        o.avg,
        o.p50,
        o.p95,
        o.p99,
        o.max,
        o.p95Ratio,
        o.degraded,
      ]),
      [
        ["api.get", 100, 1, 50.5, 50, 95, 99, 100, 1, false],
        ["db.query", 20, 40, 49.5, 49, 58, 59, 59, 2.071, true],
        ["report.render", 3, 800, 1600, 1400, 2600, 2600, 2600, null, false],
      ],
    );
  });

  test("the table: aligned columns, durations as people read them, the degradation said", () => {
    const text = performance(...WINDOW);
    const lines = text.split("\n");
    assert.equal(
      lines[0],
      `performance by action, ${at(SINCE).replace(".000Z", "Z")} to ${at(UNTIL).replace(".000Z", "Z")} (previous window from ${at(PREVIOUS).replace(".000Z", "Z")})`,
    );
    assert.equal(lines[1], "123 timed events; 1 without duration_ms skipped");
    const header = lines.find((l) => l.startsWith("action"));
    assert.ok(header, text);
    const row = (key: string) => lines.find((l) => l.startsWith(`${key} `)) ?? "";
    const cells = (line: string) => line.trim().split(/\s{2,}/);
    assert.deepEqual(cells(header), [
      "action",
      "count",
      "min",
      "avg",
      "p50",
      "p95",
      "p99",
      "max",
      "prev p95",
      "p95 change",
      "flag",
    ]);
    assert.deepEqual(cells(row("db.query")), [
      "db.query",
      "20",
      "40 ms",
      "49.5 ms",
      "49 ms",
      "58 ms",
      "59 ms",
      "59 ms",
      "28 ms",
      "2.07×",
      "degraded",
    ]);
    assert.deepEqual(cells(row("report.render")), [
      "report.render",
      "3",
      "800 ms",
      "1.6 s",
      "1.4 s",
      "2.6 s",
      "2.6 s",
      "2.6 s",
      "-",
      "-",
    ]);
    // Aligned: every column starts where its header does.
    for (const name of ["count", "p95", "prev p95", "p95 change"]) {
      const column = header.indexOf(name);
      for (const key of ["api.get", "db.query", "report.render"]) {
        const line = row(key);
        assert.ok(line[column] !== " " && line[column - 1] === " ", `${key}: ${name} at ${column}\n${text}`);
      }
    }
    assert.match(
      text,
      /^degraded \(p95 ≥ 1\.5× the previous window's, with ≥ 20 timed events in both\):\n {2}db\.query: p95 58 ms, 2\.07× the previous 28 ms \(20 timed events now, 20 before\); slowest: seq \d+, \d+, \d+, \d+, \d+$/m,
    );
  });

  test("--by another field, with filters", () => {
    const summary = JSON.parse(
      performance(...WINDOW, "--by", "source.tool", "--json", "action!=report.render"),
    ) as PerformanceSummary;
    assert.equal(summary.by, "source.tool");
    assert.deepEqual(
      summary.operations.map((o) => [o.key, o.count, o.p95, o.previous?.p95, o.degraded]),
      [
        ["gateway", 100, 95, 95, false],
        ["orm", 20, 58, 28, true],
      ],
    );
    assert.equal(summary.skipped, 1, "the sign-in has no duration");
    const text = performance(...WINDOW, "--by", "source.tool");
    assert.match(text, /^performance by source\.tool, /);
    assert.match(text, /^source\.tool {2,}count {2,}min/m);
    assert.match(text, /^\(none\) {2,}3 {2,}800 ms/m, "report.render has no source.tool");
  });

  test("a window without timed events says so", () => {
    const text = performance("--since", "2020-01-01", "--until", "2020-01-02");
    assert.match(
      text,
      /^0 timed events; 0 without duration_ms skipped\nno event with duration_ms in the window\n$/m,
    );
  });

  test("bad flags exit 2 naming the flag", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--by", "nope"], /^sealtrail: --by: expected an event field path .* \[ST_ERR_USAGE\]$/m],
      [
        ["--since", "2026-11-22", "--until", "2026-11-21"],
        /^sealtrail: --since: expected an instant before until \(2026-11-21T00:00:00\.000Z\)/m,
      ],
      [["--since", "yesterday"], /^sealtrail: --since: expected a duration/m],
      [["outcome=maybe"], /ST_ERR_QUERY_FILTER/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(["performance", "--home", home, ...args]);
      assert.equal(r.code, 2, describeRun(args, r));
      assert.match(r.stderr, message, describeRun(args, r));
      assert.equal(r.stdout, "");
    }
  });
});

describe("sealtrail integrity", () => {
  const both = (...args: string[]) =>
    ["verify", "integrity"].map((command) => runCli([command, "--home", home, ...args]));

  test("is listed as verify's alias, with the same options", () => {
    assert.match(cli(["--help"]).stdout, /^ {2}verify\|integrity \[options\] /m);
    const [verifyHelp, integrityHelp] = [
      cli(["verify", "--help"]).stdout,
      cli(["integrity", "--help"]).stdout,
    ];
    assert.equal(integrityHelp, verifyHelp);
    assert.match(integrityHelp, /--trusted <file>/);
  });

  test("answers as verify does, on a good store and on a tampered one", () => {
    for (const args of [[], ["--json"], ["--deep"]]) {
      const [v, i] = both(...args);
      assert.equal(v?.code, 0, describeRun(["verify", ...args], v as never));
      assert.deepEqual(i, v, `integrity ${args.join(" ")}`);
    }
    // The 244 events the test appended, and the store's own audit_log.init at seq 0.
    assert.match(both()[1]?.stdout ?? "", /^OK: 245 events verified/);
    const db = new Database(join(home, "sealtrail.db"));
    try {
      // One character of one stored event, changed behind the log's back.
      const body = db.prepare("SELECT body FROM events WHERE seq = 7").pluck().get() as string;
      const edited = body.replace(/"duration_ms":(\d+)/, (_, n: string) => `"duration_ms":${Number(n) + 1}`);
      assert.notEqual(edited, body);
      db.prepare("UPDATE events SET body = ? WHERE seq = 7").run(edited);
    } finally {
      db.close();
    }
    for (const args of [[], ["--json"]]) {
      const [v, i] = both(...args);
      assert.equal(v?.code, 1, describeRun(["verify", ...args], v as never));
      assert.deepEqual(i, v, `integrity ${args.join(" ")}`);
    }
    assert.match(both()[1]?.stdout ?? "", /^FAILED: first bad seq 7: /);
  });
});
