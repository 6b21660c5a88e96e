import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  AuditLog,
  isSealtrailError,
  memoryStorage,
  type StorageFactory,
  sqliteStorage,
} from "../src/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sealtrail-consumers-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const KINDS = {
  sqlite: () => sqliteStorage({ home: dir }),
  memory: () => memoryStorage(),
} as const;

for (const kind of ["sqlite", "memory"] as const) {
  describe(`log.consumers over ${kind} storage`, () => {
    let storage: StorageFactory;
    beforeEach(() => {
      storage = KINDS[kind]();
    });

    test("offers the consumer methods alone, committing to the log's store, kept across reopening", async () => {
      const log = await AuditLog.open({ storage, origin: "consumers.test/log", checkpointIntervalMs: 0 });
      assert.deepEqual(Object.keys(log.consumers).sort(), [
        "commitConsumer",
        "getConsumerState",
        "laneHeads",
        "listMessages",
        "pendingMessages",
        "pruneMessages",
        "updateMessage",
      ]);
      assert.equal(log.consumers, log.consumers, "one object per log");
      await log.append([{ action: "user.login" }, { action: "user.logout" }]);
      const committed = await log.consumers.commitConsumer("alerts", {
        expected: await log.consumers.getConsumerState("alerts"),
        position: 2,
        state: '{"failures":{"alice":1}}',
        messages: [{ lane: "email", key: "alert-1", payload: '{"rule":"brute-force"}' }],
      });
      assert.deepEqual(committed, { position: 2, state: '{"failures":{"alice":1}}', revision: 1 });
      await log.close();

      const reopened = await AuditLog.open({ storage, create: false, checkpointIntervalMs: 0 });
      try {
        assert.deepEqual(await reopened.consumers.getConsumerState("alerts"), committed);
        const [head] = await reopened.consumers.laneHeads("alerts", Date.now());
        assert.deepEqual(
          [head?.lane, head?.key, head?.payload],
          ["email", "alert-1", '{"rule":"brute-force"}'],
        );
        await assert.rejects(
          reopened.consumers.commitConsumer("alerts", {
            expected: undefined,
            position: 3,
            state: null,
            messages: [],
          }),
          (e: unknown) => isSealtrailError(e, "ST_ERR_STORE_CONSUMER_CONFLICT"),
        );
      } finally {
        await reopened.close();
      }
    });

    test("consumer writes leave the log as it was: same size, same checkpoint, and it verifies", async () => {
      const log = await AuditLog.open({ storage, origin: "consumers.test/log", checkpointIntervalMs: 0 });
      try {
        await log.append([{ action: "a.one" }, { action: "a.two" }, { action: "a.three" }]);
        // A new store's first event is its own audit_log.init.
        const size = log.size;
        assert.equal(size, 4);
        const before = await log.checkpoint();
        let state = await log.consumers.getConsumerState("stream");
        for (let k = 1; k <= 5; k++) {
          state = await log.consumers.commitConsumer("stream", {
            expected: state,
            position: k,
            state: `s${k}`,
            messages: [{ lane: "hook", key: `m${k}`, payload: "{}" }],
          });
        }
        for (const m of await log.consumers.pendingMessages("stream", { limit: 3 })) {
          await log.consumers.updateMessage(m.id, {
            status: "delivered",
            attempts: 1,
            nextAttemptAt: 0,
            lastError: null,
          });
        }
        assert.equal(await log.consumers.pruneMessages("stream", Date.now() + 1), 3);
        assert.equal(log.size, size);
        assert.equal(await log.count(), size);
        const after = await log.checkpoint();
        assert.equal(after.note, before.note, "no new checkpoint: the log did not change");
        const report = await log.verify({ deep: true });
        assert.equal(report.ok, true, report.problem);
        assert.equal(report.size, size);
      } finally {
        await log.close();
      }
    });
  });
}
