import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { prepareEvent } from "../event/prepare-event.js";
import { type PreparedEvent, sealedJson } from "../event/prepared-event.js";
import { CompactRange } from "../ledger/compact-range.js";
import { leafHash } from "../ledger/rfc6962.js";
import { MATCH_ALL } from "../read-model/event-filter.js";
import { SqliteDriver } from "../storage/sqlite/sqlite-driver.js";
import { SizeMismatchError, type StorageDriver, type StoredEvent } from "../storage/storage-driver.js";
import { Appender, type AppendReceipt, type BatchCommitted } from "./appender.js";

let counter = 0;
/** A fresh event; `id` makes it carry a producer id (the idempotency key). */
function event(fields: Record<string, unknown> = {}): PreparedEvent {
  counter++;
  return prepareEvent({ action: "test.append", details: { n: counter }, ...fields });
}

/** A producer id unique to this run. */
function producerId(n: number): string {
  return `0190f1a2-${String(process.pid % 10000).padStart(4, "0")}-7000-8000-${String(n).padStart(12, "0")}`;
}

async function allRows(driver: StorageDriver): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const chunk of driver.scanEvents(MATCH_ALL)) out.push(...chunk);
  return out;
}

/** The root of the tree of every stored row, recomputed from the stored bytes. */
async function rebuiltRoot(driver: StorageDriver): Promise<Buffer> {
  const range = new CompactRange();
  for (const row of await allRows(driver)) range.append(leafHash(row.json));
  return range.root();
}

/**
 * `driver` itself, seen through a proxy that counts the batches it refused with
 * {@link SizeMismatchError}: the evidence that the appender took its retry path.
 */
function countingMismatches(driver: StorageDriver): { driver: StorageDriver; mismatches: () => number } {
  let mismatches = 0;
  const proxy = new Proxy(driver, {
    get(target, prop) {
      if (prop === "appendBatch") {
        return async (...args: Parameters<StorageDriver["appendBatch"]>) => {
          try {
            await target.appendBatch(...args);
          } catch (error) {
            if (error instanceof SizeMismatchError) mismatches++;
            throw error;
          }
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { driver: proxy, mismatches: () => mismatches };
}

describe("Appender over SQLite", () => {
  let dir: string;
  let files = 0;
  const open: SqliteDriver[] = [];
  /** A driver on a new file (or on `path`); closed after the suite. */
  function driverAt(path = join(dir, `log-${files++}.db`)): { driver: SqliteDriver; path: string } {
    const driver = SqliteDriver.open(path);
    open.push(driver);
    return { driver, path };
  }
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sealtrail-appender-"));
  });
  after(async () => {
    for (const d of open) await d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("receipts have consecutive seqs from 0 and the stored bytes are the sealed JSON", async () => {
    const { driver } = driverAt();
    const appender = await Appender.open(driver);
    assert.equal(appender.size, 0);
    const first = [event(), event(), event()];
    const receipts = await appender.submit(first);
    assert.deepEqual(
      receipts,
      first.map((e, seq) => ({ seq, id: e.id, duplicate: false })),
    );
    const second = [event(), event()];
    assert.deepEqual(
      (await appender.submit(second)).map((r) => r.seq),
      [3, 4],
    );
    assert.equal(appender.size, 5);
    assert.equal(await driver.size(), 5);
    const all = [...first, ...second];
    for (const [seq, e] of all.entries()) {
      assert.deepEqual(await driver.getEventBySeq(seq), { seq, json: sealedJson(e, seq) });
    }
    assert.deepEqual(appender.root(), await rebuiltRoot(driver));
    assert.deepEqual(await appender.submit([]), []);
    await appender.close();
  });

  test("concurrent callers are group-committed and resolve only once a second driver can read their rows", async () => {
    const { driver, path } = driverAt();
    const { driver: observer } = driverAt(path);
    const appender = await Appender.open(driver);
    const batches: BatchCommitted[] = [];
    appender.onCommit((b) => batches.push(b));

    const callers = 40;
    const submitted: PreparedEvent[][] = [];
    const results: Promise<void>[] = [];
    for (let c = 0; c < callers; c++) {
      const events = Array.from({ length: 1 + (c % 3) }, () => event({ actor: { id: `caller-${c}` } }));
      submitted.push(events);
      // Half the callers arrive a turn later, while the first batch may be committing.
      if (c === callers / 2) await new Promise((r) => setImmediate(r));
      results.push(
        appender.submit(events).then(async (receipts) => {
          // Checked at the moment the promise settles, through another connection.
          const seen = await Promise.all(receipts.map((r) => observer.getEventBySeq(r.seq)));
          for (const [i, r] of receipts.entries()) {
            assert.equal(r.duplicate, false);
            assert.equal(r.id, events[i]?.id);
            assert.deepEqual(seen[i], { seq: r.seq, json: sealedJson(events[i] as PreparedEvent, r.seq) });
          }
        }),
      );
    }
    await Promise.all(results);

    const total = submitted.reduce((n, e) => n + e.length, 0);
    assert.equal(
      batches.reduce((n, b) => n + b.events, 0),
      total,
    );
    assert.ok(batches.length < callers, `group commit: ${batches.length} batches for ${callers} callers`);
    assert.ok(
      batches.some((b) => b.events > 3),
      `some batch holds more than one caller's events: ${batches.map((b) => b.events)}`,
    );
    assert.equal(batches.at(-1)?.treeSize, total);
    assert.equal(await observer.size(), total);
    // Seqs are a permutation of 0..total-1: no gaps, no reuse.
    const rows = await allRows(observer);
    assert.deepEqual(
      rows.map((r) => r.seq),
      Array.from({ length: total }, (_, i) => i),
    );
    assert.deepEqual(appender.root(), await rebuiltRoot(observer));
    await appender.close();
  });

  test("maxBatch bounds a batch; one larger submit still goes through alone", async () => {
    const { driver } = driverAt();
    const appender = await Appender.open(driver, { maxBatch: 4 });
    const batches: BatchCommitted[] = [];
    appender.onCommit((b) => batches.push(b));
    const pending = [
      appender.submit([event(), event()]),
      appender.submit([event(), event()]),
      appender.submit([event()]),
      appender.submit(Array.from({ length: 6 }, () => event())),
      appender.submit([event()]),
    ];
    const receipts = (await Promise.all(pending)).flat();
    assert.deepEqual(
      receipts.map((r) => r.seq),
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.deepEqual(
      batches.map((b) => b.events),
      [4, 1, 6, 1],
    );
    await appender.close();
  });

  describe("idempotency", () => {
    test("the same producer id again resolves with the original seq and stores nothing", async () => {
      const { driver } = driverAt();
      const appender = await Appender.open(driver);
      const batches: BatchCommitted[] = [];
      appender.onCommit((b) => batches.push(b));
      const id = producerId(1);
      const original = event({ id, action: "user.login" });
      await appender.submit([event(), event()]);
      const [first] = await appender.submit([original]);
      assert.deepEqual(first, { seq: 2, id, duplicate: false });

      // Same id, different content: it is still the same event.
      const again = event({ id, action: "user.logout" });
      const [second] = await appender.submit([again]);
      assert.deepEqual(second, { seq: 2, id, duplicate: true });
      assert.equal(await driver.size(), 3);
      assert.equal(appender.size, 3);
      assert.equal((await driver.getEventById(id))?.json, sealedJson(original, 2));
      assert.deepEqual(batches.at(-1), { ...batches.at(-1), events: 0, duplicates: 1, treeSize: 3 });

      // The id in another case is the same key.
      const [upper] = await appender.submit([event({ id: id.toUpperCase() })]);
      assert.deepEqual(upper, { seq: 2, id, duplicate: true });

      // A new event after the duplicates takes the next seq.
      const [next] = await appender.submit([event()]);
      assert.equal(next?.seq, 3);
      await appender.close();
    });

    test("a duplicate within one batch resolves with the first occurrence's seq", async () => {
      const { driver } = driverAt();
      const appender = await Appender.open(driver);
      const batches: BatchCommitted[] = [];
      appender.onCommit((b) => batches.push(b));
      const a = producerId(2);
      const b = producerId(3);
      // In one submit…
      const one = appender.submit([event({ id: a }), event(), event({ id: a })]);
      // …and across callers sharing the batch.
      const two = appender.submit([event({ id: b })]);
      const three = appender.submit([event({ id: b }), event({ id: a })]);
      const [r1, r2, r3] = await Promise.all([one, two, three]);
      assert.equal(batches.length, 1, "all in one batch");
      assert.deepEqual(r1, [
        { seq: 0, id: a, duplicate: false },
        { seq: 1, id: (r1 as AppendReceipt[])[1]?.id, duplicate: false },
        { seq: 0, id: a, duplicate: true },
      ]);
      assert.deepEqual(r2, [{ seq: 2, id: b, duplicate: false }]);
      assert.deepEqual(r3, [
        { seq: 2, id: b, duplicate: true },
        { seq: 0, id: a, duplicate: true },
      ]);
      assert.deepEqual(batches[0], { ...batches[0], events: 3, duplicates: 3, treeSize: 3 });
      assert.equal(await driver.size(), 3);
      assert.deepEqual(
        (await allRows(driver)).map((r) => (JSON.parse(r.json) as { id: string }).id),
        [a, (r1 as AppendReceipt[])[1]?.id, b],
      );
      await appender.close();
    });

    test("a duplicate is recognised across a reopen", async () => {
      const { driver, path } = driverAt();
      const id = producerId(4);
      const appender = await Appender.open(driver);
      await appender.submit([event(), event(), event({ id })]);
      await appender.close();
      await driver.close();

      const { driver: reopened } = driverAt(path);
      const again = await Appender.open(reopened);
      assert.equal(again.size, 3);
      const receipts = await again.submit([event({ id }), event()]);
      assert.deepEqual(
        receipts.map((r) => [r.seq, r.duplicate]),
        [
          [2, true],
          [3, false],
        ],
      );
      assert.equal(await reopened.size(), 4);
      assert.deepEqual(again.root(), await rebuiltRoot(reopened));
      await again.close();
    });
  });

  test("beyond maxQueue submit rejects at once with ST_ERR_INGEST_BACKPRESSURE; accepted events still commit", async () => {
    const { driver } = driverAt();
    const appender = await Appender.open(driver, { maxQueue: 5 });
    const accepted = [appender.submit([event(), event(), event()]), appender.submit([event(), event()])];
    assert.equal(appender.queued, 5);
    const refused = appender.submit([event()]);
    await assert.rejects(refused, (e: unknown) => {
      assert.ok(isSealtrailError(e, "ST_ERR_INGEST_BACKPRESSURE"), String(e));
      assert.equal(e.status, 503);
      assert.deepEqual(e.details, { queued: 5, maxQueue: 5 });
      assert.match(e.message, /retry/);
      return true;
    });
    // Rejected before anything was committed: the refusal did not wait for the queue.
    assert.equal(appender.size, 0);
    assert.equal(await driver.size(), 0);
    const tooBig = appender.submit(Array.from({ length: 6 }, () => event()));
    await assert.rejects(tooBig, (e: unknown) => isSealtrailError(e, "ST_ERR_INGEST_BACKPRESSURE"));

    const receipts = (await Promise.all(accepted)).flat();
    assert.deepEqual(
      receipts.map((r) => r.seq),
      [0, 1, 2, 3, 4],
    );
    assert.equal(await driver.size(), 5);
    assert.equal(appender.queued, 0);
    // Once drained, the queue accepts again.
    assert.deepEqual(
      (await appender.submit([event()])).map((r) => r.seq),
      [5],
    );
    await appender.close();
  });

  test("close flushes what was queued; afterwards submit rejects with ST_ERR_INGEST_CLOSED", async () => {
    const { driver } = driverAt();
    const appender = await Appender.open(driver);
    const queued = appender.submit([event(), event()]);
    await appender.close();
    assert.deepEqual(
      (await queued).map((r) => r.seq),
      [0, 1],
    );
    assert.equal(await driver.size(), 2);
    await assert.rejects(appender.submit([event()]), (e: unknown) => {
      assert.ok(isSealtrailError(e, "ST_ERR_INGEST_CLOSED"), String(e));
      assert.equal(e.status, 503);
      return true;
    });
    await assert.rejects(appender.submit([]), (e: unknown) => isSealtrailError(e, "ST_ERR_INGEST_CLOSED"));
    assert.equal(await driver.size(), 2);
    await appender.close();
  });

  test("a failing store rejects every caller of the batch and keeps the tree unchanged", async () => {
    const { driver, path } = driverAt();
    const appender = await Appender.open(driver);
    await appender.submit([event()]);
    const root = appender.root();
    await driver.close();
    const failed = [appender.submit([event()]), appender.submit([event(), event()])];
    for (const f of failed) await assert.rejects(f);
    assert.equal(appender.size, 1);
    assert.deepEqual(appender.root(), root);
    const { driver: reopened } = driverAt(path);
    assert.equal(await reopened.size(), 1);
  });

  test("two appenders on one file appending alternately build one consistent tree", async () => {
    const { driver: driverA, path } = driverAt();
    const { driver: driverB } = driverAt(path);
    const countedA = countingMismatches(driverA);
    const countedB = countingMismatches(driverB);
    const a = await Appender.open(countedA.driver);
    const b = await Appender.open(countedB.driver);
    // Batch sizes that cross tile boundaries (256 leaves) on both sides.
    const sizes = [1, 3, 100, 200, 57, 255, 2, 300, 1, 1];
    let expectedSeq = 0;
    for (const [i, n] of sizes.entries()) {
      const appender = i % 2 === 0 ? a : b;
      const events = Array.from({ length: n }, () => event({ tenant: i % 2 === 0 ? "a" : "b" }));
      const receipts = await appender.submit(events);
      assert.deepEqual(
        receipts.map((r) => r.seq),
        Array.from({ length: n }, (_, k) => expectedSeq + k),
        `round ${i}`,
      );
      expectedSeq += n;
      assert.equal(appender.size, expectedSeq);
    }
    const total = sizes.reduce((s, n) => s + n, 0);
    assert.equal(await driverA.size(), total);
    // Every round after the first found the other appender ahead and retried once.
    assert.equal(countedA.mismatches() + countedB.mismatches(), sizes.length - 1);

    const rows = await allRows(driverA);
    assert.deepEqual(
      rows.map((r) => r.seq),
      Array.from({ length: total }, (_, i) => i),
    );
    for (const r of rows) assert.equal((JSON.parse(r.json) as { seq: number }).seq, r.seq);
    const root = await rebuiltRoot(driverA);
    // The last writer's in-memory tree, and fresh appenders on either connection, agree.
    assert.deepEqual(b.root(), root);
    assert.deepEqual((await Appender.open(driverA)).root(), root);
    assert.deepEqual((await Appender.open(driverB)).root(), root);
    await a.close();
    await b.close();
  });

  test("an appender that keeps losing the race to another writer retries until its batch commits", async () => {
    const { driver: driverA, path } = driverAt();
    const { driver: driverB } = driverAt(path);
    const a = await Appender.open(driverA);
    // B's store, through a proxy that lets A commit right after B reads the size to reload its
    // tree: B's retry then finds the store ahead again, as with a writer in another process.
    let interleave = 0;
    const racing = new Proxy(driverB, {
      get(target, prop) {
        if (prop === "size") {
          return async () => {
            const size = await target.size();
            if (interleave > 0) {
              interleave--;
              await a.submit([event()]);
            }
            return size;
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const b = await Appender.open(racing);
    await a.submit([event(), event()]);
    interleave = 3;
    const [receipt] = await b.submit([event()]);
    assert.equal(interleave, 0, "A overtook B three times");
    assert.deepEqual(receipt && [receipt.seq, receipt.duplicate], [5, false]);
    assert.equal(await driverA.size(), 6);
    const root = await rebuiltRoot(driverA);
    assert.deepEqual(b.root(), root);
    assert.deepEqual((await Appender.open(driverA)).root(), root);
    await a.close();
    await b.close();
  });

  test("two appenders on one file submitting concurrently all succeed with distinct seqs", async () => {
    const { driver: driverA, path } = driverAt();
    const { driver: driverB } = driverAt(path);
    const countedA = countingMismatches(driverA);
    const countedB = countingMismatches(driverB);
    const a = await Appender.open(countedA.driver);
    const b = await Appender.open(countedB.driver);
    const pending: Promise<AppendReceipt[]>[] = [];
    const rounds = 200;
    for (let i = 0; i < rounds; i++) {
      pending.push(a.submit([event(), event()]));
      pending.push(b.submit([event()]));
      // Yield now and then, so both appenders' batches are in flight at once.
      if (i % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    const settled = await Promise.allSettled(pending);
    const failures = settled.filter((s) => s.status === "rejected").map((s) => String(s.reason));
    assert.deepEqual(failures.slice(0, 3), [], `${failures.length} submits failed`);
    const seqs = settled
      .flatMap((s) => (s.status === "fulfilled" ? s.value : []))
      .map((r) => r.seq)
      .sort((x, y) => x - y);
    assert.deepEqual(
      seqs,
      Array.from({ length: 3 * rounds }, (_, i) => i),
    );
    assert.ok(countedA.mismatches() + countedB.mismatches() > 0, "the appenders raced");
    const root = await rebuiltRoot(driverA);
    assert.deepEqual((await Appender.open(driverA)).root(), root);
    assert.deepEqual((await Appender.open(driverB)).root(), root);
    await a.close();
    await b.close();
  });
});
