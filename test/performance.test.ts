/**
 * AuditLog.performance over hand-built events with known durations in a fixed window and the
 * one before it: exact nearest-rank figures, the degradation flag at its edges (the factor, the
 * minimum samples in both windows, a previous p95 of 0), grouping by other fields, events without
 * a duration skipped, the windows' boundaries, the same answer from the SQLite and the memory
 * store, and pages of ties in event time read whole.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AuditLog } from "../src/audit-log.js";
import { SealtrailError } from "../src/errors.js";
import type { AuditEventInput } from "../src/event/audit-event.js";
import type { OperationPerformance, PerformanceSummary } from "../src/performance/operation-performance.js";
import { memoryStorage } from "../src/storage/memory/memory-storage.js";
import { removeTempDirs, tempDir } from "./cli-harness.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const UNTIL = Date.UTC(2026, 10, 22, 10);
const SINCE = UNTIL - DAY;
const PREVIOUS = SINCE - DAY;
const at = (ms: number) => new Date(ms).toISOString();
/** The i-th event time of the window, or (`previous`) of the window before it. */
const when = (i: number, previous = false) => at((previous ? PREVIOUS : SINCE) + 60_000 + i * 1000);

const timed = (
  action: string,
  durations: readonly number[],
  previous = false,
  more: (i: number, ms: number) => Partial<AuditEventInput> = () => ({}),
): AuditEventInput[] =>
  durations.map((duration_ms, i) => ({
    action,
    outcome: "success",
    timestamp: when(i, previous),
    duration_ms,
    ...more(i, duration_ms),
  }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const times = (n: number, ms: number) => Array<number>(n).fill(ms);
/** api.get's tenant: acme for odd durations, globex for even ones. */
const byParity = (_i: number, ms: number) => ({ tenant: ms % 2 === 1 ? "acme" : "globex" });
/** db.query's shard, a number: 0 and 1 in turn. */
const shard = (i: number) => ({ details: { shard: i % 2 } });

const SEED: AuditEventInput[] = [
  // 1..100 ms in both windows, seq order not duration order: unchanged.
  ...timed("api.get", [...range(51, 100), ...range(1, 50)].reverse(), false, byParity),
  ...timed("api.get", range(1, 100), true, byParity),
  // 10..29 ms before, 40..59 ms now: p95 28 → 58, 2.071 times.
  ...timed("db.query", range(10, 29), true, shard),
  ...timed("db.query", range(40, 59), false, shard),
  // Exactly 1.5 times: degraded. Just under: not.
  ...timed("cache.get", times(20, 10), true),
  ...timed("cache.get", times(20, 15)),
  ...timed("cache.put", times(20, 10), true),
  ...timed("cache.put", times(20, 14.9)),
  // Ten times slower, but 19 timed events before: not judged.
  ...timed("search.run", times(19, 10), true),
  ...timed("search.run", times(20, 100)),
  // A previous p95 of 0: no ratio.
  ...timed("noop.call", times(20, 0), true),
  ...timed("noop.call", times(20, 5)),
  // Few, fractional and large, nothing before.
  ...timed("report.render", [0.5, 1.25, 123_456.789]),
  // The windows' edges: since counts, until does not; the previous window is [PREVIOUS, SINCE).
  { action: "edge.op", timestamp: at(SINCE), duration_ms: 5 },
  { action: "edge.op", timestamp: at(UNTIL - 1), duration_ms: 6 },
  { action: "edge.op", timestamp: at(UNTIL), duration_ms: 1000 },
  { action: "edge.op", timestamp: at(SINCE - 1), duration_ms: 7 },
  { action: "edge.op", timestamp: at(PREVIOUS), duration_ms: 9 },
  { action: "edge.op", timestamp: at(PREVIOUS - 1), duration_ms: 1000 },
  // No duration: two in the window are skipped, the one before is not counted at all.
  { action: "user.login", outcome: "success", timestamp: when(1) },
  { action: "user.login", outcome: "failure", timestamp: when(2) },
  { action: "user.login", outcome: "success", timestamp: when(3, true) },
];

/** Timed events of the window, in SEED. */
const TIMED_NOW = 100 + 20 + 20 + 20 + 20 + 20 + 3 + 2;
const TIMED_BEFORE = 100 + 20 + 20 + 20 + 19 + 20 + 2;

let log: AuditLog;
let summary: PerformanceSummary;
const seqs: number[] = [];
const window = { since: SINCE, until: UNTIL };

before(async () => {
  log = await AuditLog.open({ home: tempDir("sealtrail-performance-"), checkpointIntervalMs: 0 });
  for (const receipt of await log.append(SEED)) seqs.push(receipt.seq);
  summary = await log.performance(window);
});
after(async () => {
  await log.close();
  removeTempDirs();
});

function op(key: string | null, from: PerformanceSummary = summary): OperationPerformance {
  const found = from.operations.find((o) => o.key === key);
  assert.ok(found, `no group ${key}: ${from.operations.map((o) => o.key).join(", ")}`);
  return found;
}
/** The seqs of SEED entries by their indexes. */
const seqsAt = (...indexes: number[]) => indexes.map((i) => seqs[i] as number);
const indexOf = (action: string, ms: number, previous = false) =>
  SEED.findIndex(
    (e) =>
      e.action === action && e.duration_ms === ms && Date.parse(e.timestamp as string) < SINCE === previous,
  );

describe("AuditLog.performance: figures", () => {
  test("the windows, the threshold, what was measured and what was skipped", () => {
    assert.equal(summary.by, "action");
    assert.deepEqual(summary.window, { since: at(SINCE), until: at(UNTIL) });
    assert.deepEqual(summary.previousWindow, { since: at(PREVIOUS), until: at(SINCE) });
    assert.deepEqual(summary.degradation, { factor: 1.5, minSamples: 20 });
    assert.equal(summary.timed, TIMED_NOW);
    assert.equal(summary.previousTimed, TIMED_BEFORE);
    assert.equal(summary.skipped, 2);
    assert.equal(
      summary.operations.reduce((n, o) => n + o.count, 0),
      TIMED_NOW,
    );
  });

  test("exact nearest-rank figures of 1..100 ms, with the slowest events", () => {
    assert.deepEqual(op("api.get"), {
      key: "api.get",
      count: 100,
      min: 1,
      avg: 50.5,
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100,
      slowestSeqs: seqsAt(...[100, 99, 98, 97, 96].map((ms) => indexOf("api.get", ms))),
      previous: { count: 100, min: 1, avg: 50.5, p50: 50, p95: 95, p99: 99, max: 100 },
      p95Ratio: 1,
      degraded: false,
    });
  });

  test("fractional and large durations, nothing before: no ratio, not judged", () => {
    const o = op("report.render");
    assert.deepEqual(
      [o.count, o.min, o.avg, o.p50, o.p95, o.p99, o.max],
      [3, 0.5, 41_152.846, 1.25, 123_456.789, 123_456.789, 123_456.789],
    );
    assert.equal(o.previous, null);
    assert.equal(o.p95Ratio, null);
    assert.equal(o.degraded, false);
  });

  test("since is in the window and until is not; the previous window is the same length before", () => {
    const o = op("edge.op");
    assert.deepEqual([o.count, o.min, o.max], [2, 5, 6]);
    assert.deepEqual([o.previous?.count, o.previous?.min, o.previous?.max], [2, 7, 9]);
  });

  test("the overall figures are those of every timed event of the window", () => {
    const all = SEED.filter((e) => {
      const t = Date.parse(e.timestamp as string);
      return typeof e.duration_ms === "number" && t >= SINCE && t < UNTIL;
    })
      .map((e) => e.duration_ms as number)
      .sort((a, b) => a - b);
    assert.equal(all.length, TIMED_NOW);
    const rank = (p: number) => all[Math.ceil((p * all.length) / 100) - 1];
    assert.deepEqual(
      [
        summary.overall?.count,
        summary.overall?.min,
        summary.overall?.p50,
        summary.overall?.p95,
        summary.overall?.max,
      ],
      [TIMED_NOW, 0.5, rank(50), rank(95), 123_456.789],
    );
  });

  test("groups are listed by count, then by key", () => {
    const keys = summary.operations.map((o) => [o.count, o.key]);
    assert.deepEqual(keys, [
      [100, "api.get"],
      [20, "cache.get"],
      [20, "cache.put"],
      [20, "db.query"],
      [20, "noop.call"],
      [20, "search.run"],
      [3, "report.render"],
      [2, "edge.op"],
    ]);
  });
});

describe("AuditLog.performance: degradation against the previous window", () => {
  test("p95 28 → 58 ms, 20 events in both: degraded, by 2.071 times", () => {
    const o = op("db.query");
    assert.deepEqual([o.count, o.min, o.p50, o.p95, o.p99, o.max], [20, 40, 49, 58, 59, 59]);
    assert.equal(o.previous?.p95, 28);
    assert.equal(o.p95Ratio, 2.071);
    assert.equal(o.degraded, true);
    assert.deepEqual(o.slowestSeqs, seqsAt(...[59, 58, 57, 56, 55].map((ms) => indexOf("db.query", ms))));
  });

  test("exactly the factor is degraded; just under it is not", () => {
    assert.deepEqual([op("cache.get").p95Ratio, op("cache.get").degraded], [1.5, true]);
    assert.deepEqual([op("cache.put").p95Ratio, op("cache.put").degraded], [1.49, false]);
  });

  test("fewer than the minimum samples in the previous window: the ratio, but no flag", () => {
    const o = op("search.run");
    assert.deepEqual([o.previous?.count, o.p95Ratio, o.degraded], [19, 10, false]);
  });

  test("a previous p95 of 0 gives no ratio and is never flagged", () => {
    const o = op("noop.call");
    assert.deepEqual([o.previous?.p95, o.p95, o.p95Ratio, o.degraded], [0, 5, null, false]);
  });

  test("the factor and the minimum samples are options", async () => {
    const lenient = await log.performance({ ...window, minSamples: 19 });
    assert.equal(op("search.run", lenient).degraded, true);
    assert.deepEqual(lenient.degradation, { factor: 1.5, minSamples: 19 });
    const strict = await log.performance({ ...window, factor: 2.5 });
    assert.deepEqual(
      strict.operations.filter((o) => o.degraded).map((o) => o.key),
      [],
      "db.query (2.071) and cache.get (1.5) are under 2.5 times",
    );
    const loose = await log.performance({ ...window, factor: 1.4 });
    assert.deepEqual(
      loose.operations.filter((o) => o.degraded).map((o) => o.key),
      ["cache.get", "cache.put", "db.query"],
    );
  });
});

describe("AuditLog.performance: --by another field, and filters", () => {
  test("by tenant, for api.get only: odd durations are acme's, even ones globex's", async () => {
    const byTenant = await log.performance({ ...window, by: "tenant", filter: ["action=api.get"] });
    assert.equal(byTenant.by, "tenant");
    assert.equal(byTenant.skipped, 0);
    assert.deepEqual(
      byTenant.operations.map((o) => [o.key, o.count, o.min, o.avg, o.p50, o.p95, o.p99, o.max, o.p95Ratio]),
      [
        ["acme", 50, 1, 50, 49, 95, 99, 99, 1],
        ["globex", 50, 2, 51, 50, 96, 100, 100, 1],
      ],
    );
  });

  test("a number field groups by its text; events without the field are the null group", async () => {
    const byShard = await log.performance({ ...window, by: "details.shard" });
    assert.deepEqual(
      byShard.operations.map((o) => [o.key, o.count, o.previous?.count]),
      [
        [null, TIMED_NOW - 20, TIMED_BEFORE - 20],
        ["0", 10, 10],
        ["1", 10, 10],
      ],
    );
    assert.deepEqual(
      byShard.operations.slice(1).map((o) => [o.min, o.p95, o.max, o.previous?.p95, o.p95Ratio, o.degraded]),
      [
        [40, 58, 58, 28, 2.071, false],
        [41, 59, 59, 29, 2.034, false],
      ],
      "ten events a shard: under the minimum samples",
    );
    // Ten events a shard: judged only with minSamples 10.
    const judged = await log.performance({
      ...window,
      by: "details.shard",
      filter: ["action=db.query"],
      minSamples: 10,
    });
    assert.deepEqual(
      judged.operations.map((o) => [o.key, o.p95Ratio, o.degraded]),
      [
        ["0", 2.071, true],
        ["1", 2.034, true],
      ],
    );
  });

  test("a filter narrows both windows; its own window is used when no other is given", async () => {
    const viaFilter = await log.performance({ filter: { conditions: [], since: SINCE, until: UNTIL } });
    assert.deepEqual(viaFilter, summary);
    const users = await log.performance({ ...window, filter: ["action=user.*"] });
    assert.deepEqual([users.timed, users.skipped, users.previousTimed, users.operations], [0, 2, 0, []]);
    assert.equal(users.overall, null);
  });

  test("the window defaults to the 24 hours before until", async () => {
    const d = await log.performance({ until: UNTIL });
    assert.deepEqual(d.window, summary.window);
    assert.equal(d.timed, TIMED_NOW);
  });
});

describe("AuditLog.performance: bad options are refused naming them", () => {
  const refused = async (options: object, field: string, message: RegExp) => {
    await assert.rejects(
      log.performance(options),
      (e: unknown) =>
        e instanceof SealtrailError &&
        e.code === "ST_ERR_USAGE" &&
        e.details?.field === field &&
        message.test(e.message),
    );
  };
  test("by, since after until, factor, minSamples, unknown options", async () => {
    await refused({ by: "nope" }, "by", /^by: expected an event field path .*got "nope"/);
    await refused({ by: "details..x" }, "by", /^by: /);
    await refused({ since: "1h", until: "2h" }, "since", /^since: expected an instant before until/);
    await refused({ since: UNTIL, until: UNTIL }, "since", /^since: /);
    await refused({ factor: 0.5 }, "factor", /^factor: expected a number ≥ 1, got 0\.5/);
    await refused({ minSamples: 0 }, "minSamples", /^minSamples: expected an integer ≥ 1/);
    await assert.rejects(log.performance({ sinse: "1h" } as object), /unknown option "sinse"/);
    await assert.rejects(log.performance({ since: "yesterday" }), (e: unknown) => {
      return e instanceof SealtrailError && e.code === "ST_ERR_QUERY_TIME" && /^since: /.test(e.message);
    });
  });
});

describe("AuditLog.performance: stores and pages", () => {
  test("the memory store answers exactly as the SQLite one", async () => {
    const memory = await AuditLog.open({ storage: memoryStorage(), checkpointIntervalMs: 0 });
    try {
      await memory.append(SEED);
      assert.deepEqual(await memory.performance(window), summary);
      assert.deepEqual(
        await memory.performance({ ...window, by: "tenant" }),
        await log.performance({ ...window, by: "tenant" }),
      );
    } finally {
      await memory.close();
    }
  });

  test("9,000 events at one instant (more than a page) are each read once", async () => {
    const many = await AuditLog.open({
      home: tempDir("sealtrail-performance-ties-"),
      checkpointIntervalMs: 0,
    });
    try {
      const instant = at(SINCE + HOUR);
      const events = range(1, 9000).map((ms) => ({
        action: "bulk.op",
        timestamp: instant,
        duration_ms: ((ms * 7) % 9000) + 1,
      }));
      const firstSeq = many.size; // after the store's own audit_log.init
      await many.append(events);
      const result = await many.performance(window);
      assert.deepEqual(op("bulk.op", result), {
        key: "bulk.op",
        count: 9000,
        min: 1,
        avg: 4500.5,
        p50: 4500,
        p95: 8550,
        p99: 8910,
        max: 9000,
        slowestSeqs: [8999, 8998, 8997, 8996, 8995].map(
          (ms) => firstSeq + events.findIndex((e) => e.duration_ms === ms + 1),
        ),
        previous: null,
        p95Ratio: null,
        degraded: false,
      });
    } finally {
      await many.close();
    }
  });
});
