import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { AuditLog } from "../audit-log.js";
import { isSealtrailError } from "../errors.js";
import { memoryStorage } from "../storage/memory/memory-storage.js";
import { sqliteStorage } from "../storage/sqlite/sqlite-storage.js";
import type { StorageFactory } from "../storage/storage.js";
import type { FollowedBatch, Follower } from "./follower.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sealtrail-follow-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

let storage: StorageFactory;
/** A new store: its own `audit_log.init` is seq 0, so appended events start at seq 1. */
const open = () => AuditLog.open({ storage, origin: "follow.test/log", checkpointIntervalMs: 0 });
const events = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    action: (from + i) % 3 === 0 ? "user.login" : "crm.update",
    details: { n: from + i },
  }));

/** Takes batches from `follower` until `enough` says so. */
async function take(
  follower: Follower,
  enough: (seen: FollowedBatch[]) => boolean,
): Promise<FollowedBatch[]> {
  const seen: FollowedBatch[] = [];
  for await (const batch of follower.batches()) {
    seen.push(batch);
    if (enough(seen)) break;
  }
  return seen;
}
const seqsOf = (batches: FollowedBatch[]) => batches.flatMap((b) => b.events.map((e) => e.seq));

for (const kind of ["sqlite", "memory"] as const) {
  describe(`followers over ${kind} storage`, () => {
    beforeEach(() => {
      storage = kind === "sqlite" ? sqliteStorage({ home: dir }) : memoryStorage();
    });

    test("a follower yields every committed event in seq order, exactly as stored, then waits for more", async () => {
      const log = await open();
      await log.append(events(1200));
      const follower = log.follow(null, { batchSize: 500 });
      const seqs: number[] = [];
      const done = (async () => {
        for await (const event of follower) {
          seqs.push(event.seq);
          assert.equal(JSON.parse(event.json).seq, event.seq);
          if (event.seq === 1500) break;
        }
      })();
      // Appended after the follower caught up: woken by the commit, not by a poll.
      await new Promise((r) => setTimeout(r, 50));
      await log.append(events(300, 1200));
      await done;
      // The store's init event, then the 1,500 appended.
      assert.deepEqual(
        seqs,
        Array.from({ length: 1501 }, (_, i) => i),
      );
      await log.close();
    });

    test("a named follower resumes at its acknowledged position after the store is reopened", async () => {
      let log = await open();
      await log.append(events(30));
      let follower = log.follow("mirror", { filter: ["action=user.login"], batchSize: 4 });
      const first = await take(follower, (seen) => seqsOf(seen).length >= 4);
      assert.deepEqual(seqsOf(first), [1, 4, 7, 10]);
      await follower.ack(first.at(-1)?.nextSeq);
      await log.close();

      log = await open();
      follower = log.follow("mirror", { filter: ["action=user.login"], batchSize: 4 });
      const rest = await take(follower, (seen) => seqsOf(seen).includes(28));
      assert.deepEqual(seqsOf(rest), [13, 16, 19, 22, 25, 28]);
      // Another name starts at 0 (its first login is seq 1); fromSeq overrides the stored position.
      const other = await take(log.follow("other", { filter: ["action=user.login"] }), () => true);
      assert.equal(seqsOf(other)[0], 1);
      assert.deepEqual(seqsOf(await take(log.follow("all"), () => true))[0], 0, "the store's init event");
      const from = await take(log.follow("mirror", { fromSeq: 29 }), () => true);
      assert.deepEqual(seqsOf(from), [29, 30]);
      await log.close();
    });

    test("position counts what the consumer asked beyond, and non-matching events move it", async () => {
      const log = await open();
      await log.append(events(10));
      const follower = log.follow("pos", { filter: ["action=user.login"] });
      assert.equal(follower.position, undefined);
      const seen: Array<[number, number | undefined]> = [];
      for await (const event of follower) {
        seen.push([event.seq, follower.position]);
        if (event.seq === 10) break;
      }
      // While an event is handled, it is not below the position yet (seq 0 is the store's init).
      assert.deepEqual(seen, [
        [1, 0],
        [4, 2],
        [7, 5],
        [10, 8],
      ]);
      await follower.ack();
      // Acknowledged up to 8 (event 10 was being handled when the loop ended): 10 comes again.
      const again = await take(log.follow("pos", { filter: ["action=user.login"] }), () => true);
      assert.deepEqual(seqsOf(again), [10]);
      await log.close();
    });

    test("a follower finds commits of another log on the same store by polling", async () => {
      const reader = await AuditLog.open({
        storage,
        origin: "follow.test/log",
        checkpointIntervalMs: 0,
        readMostly: true,
      });
      const writer = await AuditLog.open({ storage, create: false, checkpointIntervalMs: 0 });
      const follower = reader.follow(null, { pollMs: 20 });
      const got = take(follower, (seen) => seqsOf(seen).length >= 6);
      await writer.append(events(5));
      // The store's init event, then the writer's five.
      assert.deepEqual(seqsOf(await got), [0, 1, 2, 3, 4, 5]);
      await writer.close();
      await reader.close();
    });

    test("without bodies a follower reports growth only; its signal ends it", async () => {
      const log = await open();
      await log.append(events(7));
      const stop = new AbortController();
      const follower = log.follow(null, { bodies: false, signal: stop.signal });
      const sizes: number[] = [];
      const done = (async () => {
        for await (const batch of follower.batches()) {
          assert.equal(batch.events.length, 0);
          sizes.push(batch.nextSeq);
          if (batch.nextSeq === 10) stop.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 20));
      await log.append(events(2, 7));
      await done;
      // The init event and seven, then two more.
      assert.deepEqual(sizes, [8, 10]);
      await log.close();
    });

    test("a stalled follower never holds up appends", async () => {
      const log = await open();
      await log.append(events(600));
      const follower = log.follow("stalled", { batchSize: 100 });
      const iterator = follower.batches();
      const first = await iterator.next();
      assert.equal(first.value?.events.length, 100);
      // The follower is left mid-log, holding no statement or transaction: every append commits.
      for (let i = 0; i < 20; i++) await log.append(events(500, 600 + i * 500));
      assert.equal(log.size, 10_601, "the init event, 600, then 10,000");
      const second = await iterator.next();
      assert.equal(second.value?.events[0]?.seq, 100);
      await iterator.return(undefined);
      await log.close();
    });

    test("closing the log ends its followers", async () => {
      const log = await open();
      await log.append(events(3));
      const follower = log.follow("closing");
      const seen: number[] = [];
      const done = (async () => {
        for await (const event of follower) seen.push(event.seq);
      })();
      await new Promise((r) => setTimeout(r, 50));
      await log.close();
      await done;
      assert.deepEqual(seen, [0, 1, 2, 3]);
    });

    test("bad follower names and options are refused with what was expected", async () => {
      const log = await open();
      for (const [make, text] of [
        [() => log.follow("has space"), /follower name "has space": expected 1 to 128 letters/],
        [() => log.follow("x", { fromSeq: -1 }), /fromSeq: expected an integer ≥ 0, got -1/],
        [() => log.follow("x", { batchSize: 0 }), /batchSize: expected an integer from 1 to 10000, got 0/],
        [() => log.follow("x", { pollMs: 0 }), /pollMs: expected a positive number of milliseconds, got 0/],
        [() => log.follow("x", { filter: ["severity=err"] }), /severity/],
      ] as const) {
        assert.throws(make, (e) => isSealtrailError(e) && text.test((e as Error).message));
      }
      await log.append(events(1));
      const follower = log.follow("once");
      const it = follower.batches();
      await it.next();
      await assert.rejects(follower.batches().next(), /a follower can be iterated once/);
      await it.return(undefined);
      await log.close();
    });
  });
}
