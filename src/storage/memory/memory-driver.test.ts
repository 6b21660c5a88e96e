import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { prepareEvent } from "../../event/prepare-event.js";
import { sealedJson } from "../../event/prepared-event.js";
import { leafHash } from "../../ledger/rfc6962.js";
import { TileTree } from "../../ledger/tiles.js";
import { parseFilter } from "../../query/filter-syntax.js";
import { type Condition, type EventFilter, MATCH_ALL } from "../../read-model/event-filter.js";
import { storageDriverContract } from "../storage-driver.case.js";
import type { CountDimension, SealedRow, StorageDriver } from "../storage-driver.js";
import { compileMatcher } from "./match-event.js";
import { MemoryDriver } from "./memory-driver.js";
import { appendRows, referenceConditions, referenceRows, referenceStore } from "./sqlite-reference.case.js";

// A small scan chunk, so the contract's scans cross chunk boundaries.
storageDriverContract("memory", async () => {
  const driver = new MemoryDriver({ scanChunk: 3 });
  return { driver, tamper: driver.tamper(), cleanup: () => driver.close() };
});

// And once with the default chunk size.
storageDriverContract("memory (default scan chunk)", async () => {
  const driver = new MemoryDriver();
  return { driver, tamper: driver.tamper(), cleanup: () => driver.close() };
});

/** Every page of `filter`, following afterSeq, as seqs. */
async function pages(driver: StorageDriver, filter: EventFilter, order: "asc" | "desc", limit: number) {
  const out: number[] = [];
  let afterSeq: number | undefined;
  for (;;) {
    const page = await driver.queryEvents(filter, {
      order,
      limit,
      ...(afterSeq === undefined ? {} : { afterSeq }),
    });
    out.push(...page.map((e) => e.seq));
    if (page.length < limit) return out;
    afterSeq = page[page.length - 1]?.seq;
  }
}

describe("MemoryDriver answers as the SQLite driver does", () => {
  let rows: SealedRow[];
  let reference: Awaited<ReturnType<typeof referenceStore>>;
  let memory: MemoryDriver;
  /** The grid's conditions that compile (the refused ones are compared in match-event.test.ts). */
  let grid: Condition[];
  before(async () => {
    rows = referenceRows();
    reference = await referenceStore(rows);
    memory = new MemoryDriver();
    await appendRows(memory, rows);
    grid = referenceConditions().filter((c) => {
      try {
        compileMatcher({ conditions: [c] });
        return true;
      } catch {
        return false;
      }
    });
  });
  after(async () => {
    await reference.cleanup();
    await memory.close();
  });

  const filters: EventFilter[] = [
    MATCH_ALL,
    parseFilter(["outcome=failure"]),
    parseFilter(["details.v>=5"]),
    { conditions: [], since: Date.UTC(2026, 10, 1, 12), until: Date.UTC(2026, 10, 1, 16) },
  ];

  test("countEach over the whole grid, unfiltered and within filters", async () => {
    assert.ok(grid.length > 2000, `a large grid (${grid.length})`);
    const narrowings = grid.map((c) => [c]);
    for (const filter of filters) {
      assert.deepEqual(
        await memory.countEach(filter, narrowings),
        await reference.driver.countEach(filter, narrowings),
        JSON.stringify(filter),
      );
    }
  });

  test("countBy on every dimension, limit and filter, ties and merged keys included", async () => {
    const dimensions: CountDimension[] = [
      "action",
      "outcome",
      "category",
      "actor",
      "severity",
      "tenant",
      "hour",
      "day",
      "field:details.v",
      "field:details.n",
      "field:details.v.b",
      "field:details.missing",
      "field:tags",
      "field:actor.id",
      "field:timestamp",
    ];
    for (const filter of filters) {
      for (const dimension of dimensions) {
        for (const limit of [1, 2, 3, 7, 100, -1]) {
          assert.deepEqual(
            await memory.countBy(filter, dimension, limit),
            await reference.driver.countBy(filter, dimension, limit),
            `${dimension} limit ${limit} ${JSON.stringify(filter)}`,
          );
        }
      }
    }
  });

  test("pages in both orders, from any afterSeq, with any limit", async () => {
    for (const filter of filters) {
      for (const order of ["asc", "desc"] as const) {
        for (const limit of [1, 4, 100]) {
          assert.deepEqual(
            await pages(memory, filter, order, limit),
            await pages(reference.driver, filter, order, limit),
          );
        }
        for (const afterSeq of [-5, 0, 3.5, 13, 27, 28, 1000]) {
          const page = { order, afterSeq, limit: 5 };
          assert.deepEqual(
            await memory.queryEvents(filter, page),
            await reference.driver.queryEvents(filter, page),
          );
        }
        const all = { order, limit: -1 };
        assert.deepEqual(
          await memory.queryEvents(filter, all),
          await reference.driver.queryEvents(filter, all),
        );
      }
    }
    await assert.rejects(memory.queryEvents(MATCH_ALL, { order: "asc", limit: 2.5 }), RangeError);
    await assert.rejects(reference.driver.queryEvents(MATCH_ALL, { order: "asc", limit: 2.5 }));
  });
});

describe("MemoryDriver on a store whose columns were edited", () => {
  test("filters on indexed fields read the copied columns, the rest the JSON, as in SQLite", async () => {
    const rows = referenceRows();
    const reference = await referenceStore(rows);
    const memory = new MemoryDriver();
    try {
      await appendRows(memory, rows);
      const db = new Database(reference.path);
      try {
        db.prepare("UPDATE events SET action = 'evil.act', tenant = NULL WHERE seq = 4").run();
        db.prepare("UPDATE events SET body = replace(body, '\"n\":6', '\"n\":66') WHERE seq = 6").run();
      } finally {
        db.close();
      }
      const tamper = memory.tamper();
      await tamper.setColumn(4, "action", "evil.act");
      await tamper.setColumn(4, "tenant", null);
      await tamper.setJson(6, (rows[6] as SealedRow).json.replace('"n":6', '"n":66'));
      for (const filter of [
        parseFilter(["action=evil.act"]),
        parseFilter(["tenant!=*"]),
        parseFilter(["details.n=66"]),
        parseFilter(["action=user.*"]),
      ]) {
        const page = { order: "asc" as const, limit: 100 };
        const expected = await reference.driver.queryEvents(filter, page);
        assert.ok(expected.length > 0, JSON.stringify(filter));
        assert.deepEqual(await memory.queryEvents(filter, page), expected, JSON.stringify(filter));
      }
      assert.deepEqual(
        await memory.countBy(MATCH_ALL, "action", 10),
        await reference.driver.countBy(MATCH_ALL, "action", 10),
      );
    } finally {
      await memory.close();
      await reference.cleanup();
    }
  });
});

describe("MemoryDriver with 100,000 events", () => {
  const N = 100_000;
  const T0 = Date.UTC(2026, 10, 1);
  let driver: MemoryDriver;
  let tree: TileTree;
  before(async () => {
    driver = new MemoryDriver();
    tree = new TileTree();
    // One prepared event, sequenced N times under fresh ids and times: real rows, built fast.
    const template = prepareEvent({ action: "bulk.item", outcome: "success", details: { n: 0 } });
    for (let start = 0; start < N; start += 10_000) {
      const rows: SealedRow[] = [];
      for (let seq = start; seq < start + 10_000; seq++) {
        const id = `01900000-0000-7000-8000-${seq.toString(16).padStart(12, "0")}`;
        const timestampMs = T0 + seq * 60_000;
        const timestamp = new Date(timestampMs).toISOString();
        const action = `bulk.item${seq % 3}`;
        const outcome = seq % 2 === 0 ? "success" : "failure";
        const json = sealedJson(template, seq)
          .replace(template.id, id)
          .replace('"action":"bulk.item"', `"action":"${action}"`)
          .replace('"outcome":"success"', `"outcome":"${outcome}"`)
          .replace('"n":0', `"n":${seq}`)
          .replace(/"timestamp":"[^"]+"/, `"timestamp":"${timestamp}"`);
        rows.push({ ...template, seq, id, timestampMs, action, outcome, json });
      }
      await driver.appendBatch(start, rows, tree.append(rows.map((r) => leafHash(r.json))));
    }
  });
  after(async () => {
    await driver.close();
  });

  test("counts, pages, groups and scans cover exactly the matching events", async () => {
    assert.equal(await driver.size(), N);
    const failures = parseFilter(["outcome=failure"]);
    assert.equal(await driver.countEvents(failures), N / 2);
    assert.equal(await driver.countEvents(parseFilter(["details.n>=99990"])), 10);
    const newest = await driver.queryEvents(parseFilter(["action=bulk.item0"]), { order: "desc", limit: 3 });
    assert.deepEqual(
      newest.map((e) => e.seq),
      [99999, 99996, 99993],
    );
    assert.equal(JSON.parse(newest[0]?.json ?? "{}").details.n, 99999);
    assert.deepEqual(await driver.countBy(MATCH_ALL, "action", 10), [
      { key: "bulk.item0", count: 33334 },
      { key: "bulk.item1", count: 33333 },
      { key: "bulk.item2", count: 33333 },
    ]);
    assert.deepEqual(await driver.countEach(failures, [[], parseFilter(["details.n<1000"]).conditions]), [
      N / 2,
      500,
    ]);
    const day = await driver.countBy({ conditions: [], since: T0 }, "day", 1000);
    assert.equal(
      day.reduce((sum, r) => sum + r.count, 0),
      N,
    );
    let scanned = 0;
    for await (const chunk of driver.scanEvents(failures, 50_000)) scanned += chunk.length;
    assert.equal(scanned, 25_000);
  });

  test("the leaf hashes rebuild the tree the tiles hold", async () => {
    const rebuilt = new TileTree();
    for await (const run of driver.scanLeafHashes(0, N, { checkColumns: true })) {
      assert.equal(run.columnMismatch, undefined);
      const leaves: Buffer[] = [];
      for (let i = 0; i < run.hashes.length; i += 32) leaves.push(run.hashes.subarray(i, i + 32));
      rebuilt.append(leaves);
    }
    assert.equal(rebuilt.size, N);
    assert.deepEqual(rebuilt.root(), (await TileTree.open(driver, N)).root());
    assert.deepEqual(rebuilt.root(), tree.root());
  });
});
