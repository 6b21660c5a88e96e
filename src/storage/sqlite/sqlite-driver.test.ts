import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { isSealtrailError } from "../../errors.js";
import { prepareEvent } from "../../event/prepare-event.js";
import { sealedJson } from "../../event/prepared-event.js";
import { leafHash } from "../../ledger/rfc6962.js";
import { TileTree } from "../../ledger/tiles.js";
import { checkFieldPath, parseCondition } from "../../query/filter-syntax.js";
import { type EventFilter, MATCH_ALL } from "../../read-model/event-filter.js";
import { consumerStoreContract } from "../consumer-store.case.js";
import type { IndexedColumns } from "../indexed-columns.js";
import { type DriverFixture, type StoreTamper, storageDriverContract } from "../storage-driver.case.js";
import type { SealedRow, StorageDriver } from "../storage-driver.js";
import { SqliteDriver, type SqliteDriverOptions } from "./sqlite-driver.js";
import { compileFilter } from "./sqlite-filter.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "sealtrail-sqlite-"));
}

/** The SQLite column of each copied field. */
const COLUMN_NAMES: Readonly<Record<keyof IndexedColumns, string>> = {
  id: "id",
  timestampMs: "ts",
  action: "action",
  category: "category",
  outcome: "outcome",
  severityLevel: "sev",
  actorId: "actor_id",
  targetId: "target_id",
  tenant: "tenant",
};

/** Edits the store's file on a connection of its own, behind the driver's back. */
function sqliteTamper(path: string): StoreTamper {
  const run = async (sql: string, ...params: unknown[]) => {
    const db = new Database(path);
    try {
      db.pragma("busy_timeout = 10000");
      const { changes } = db.prepare(sql).run(...params);
      if (changes !== 1) throw new RangeError(`no stored event at seq ${String(params[params.length - 1])}`);
    } finally {
      db.close();
    }
  };
  return {
    setJson: (seq, json) => run("UPDATE events SET body = ? WHERE seq = ?", json, seq),
    setColumn: (seq, column, value) =>
      run(`UPDATE events SET ${COLUMN_NAMES[column]} = ? WHERE seq = ?`, value, seq),
    deleteEvent: (seq) => run("DELETE FROM events WHERE seq = ?", seq),
  };
}

function sqliteFixture(options: SqliteDriverOptions): () => Promise<DriverFixture> {
  return async () => {
    const dir = tempDir();
    const path = join(dir, "log.db");
    const driver = SqliteDriver.open(path, options);
    return {
      driver,
      tamper: sqliteTamper(path),
      cleanup: async () => {
        await driver.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

// A small scan chunk, so the contract's scans cross chunk boundaries.
storageDriverContract("sqlite", sqliteFixture({ scanChunk: 3 }));

// And once with the default chunk size.
storageDriverContract("sqlite (default scan chunk)", sqliteFixture({}));

// Consumer commits made on the calling thread's connection, as a short-lived command makes them.
consumerStoreContract("sqlite (no writer thread)", sqliteFixture({ writerThread: false }));

/** Appends `n` events to `driver` as one batch at its current size; returns the rows. */
async function appendSome(driver: StorageDriver, n: number, label: string): Promise<SealedRow[]> {
  const size = await driver.size();
  const tree = await TileTree.open(driver, size);
  const rows = Array.from({ length: n }, (_, i): SealedRow => {
    const e = prepareEvent({ action: `test.${label}`, details: { i } });
    const seq = size + i;
    return {
      seq,
      id: e.id,
      timestampMs: e.timestampMs,
      action: e.action,
      category: e.category,
      outcome: e.outcome,
      severityLevel: e.severityLevel,
      actorId: e.actorId,
      targetId: e.targetId,
      tenant: e.tenant,
      json: sealedJson(e, seq),
    };
  });
  await driver.appendBatch(size, rows, tree.append(rows.map((r) => leafHash(r.json))));
  return rows;
}

describe("SqliteDriver", () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("the store is in WAL mode with synchronous=FULL on the driver's connection", async () => {
    const path = join(dir, "pragmas.db");
    // Observe (not replace) the pragmas the driver runs, to reach its private connection.
    const connections: Database.Database[] = [];
    const original = Database.prototype.pragma;
    Database.prototype.pragma = function (this: Database.Database, ...args: Parameters<typeof original>) {
      connections.push(this);
      return original.apply(this, args);
    } as typeof original;
    let driver: SqliteDriver;
    try {
      driver = SqliteDriver.open(path);
    } finally {
      Database.prototype.pragma = original;
    }
    try {
      const own = connections[0];
      assert.ok(own, "the driver ran pragmas on its connection");
      assert.equal(own.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(own.pragma("synchronous", { simple: true }), 2, "synchronous=FULL is 2");
      assert.ok((own.pragma("busy_timeout", { simple: true }) as number) > 0, "waits for other writers");

      await appendSome(driver, 2, "pragma");
      const other = new Database(path, { readonly: true });
      try {
        assert.equal(other.pragma("journal_mode", { simple: true }), "wal", "WAL is recorded in the file");
        assert.equal(other.prepare("SELECT count(*) FROM events").pluck().get(), 2);
      } finally {
        other.close();
      }
    } finally {
      await driver.close();
    }
  });

  test("a second driver on the same file sees committed rows, tiles and settings", async () => {
    const path = join(dir, "shared.db");
    const writer = SqliteDriver.open(path);
    const reader = SqliteDriver.open(path);
    try {
      assert.equal(await reader.size(), 0);
      const rows = await appendSome(writer, 3, "shared");
      assert.equal(await reader.size(), 3);
      for (const r of rows) assert.deepEqual(await reader.getEventById(r.id), { seq: r.seq, json: r.json });
      assert.deepEqual(await reader.readTile(0, 0), await writer.readTile(0, 0));
      await writer.setCursor("mirror", 3);
      await writer.setMeta("origin", "o");
      assert.equal(await reader.getCursor("mirror"), 3);
      assert.equal(await reader.getMeta("origin"), "o");

      const readonly = SqliteDriver.open(path, { readonly: true });
      try {
        assert.equal(await readonly.countEvents(MATCH_ALL), 3);
        const more = await appendSome(writer, 2, "later");
        assert.equal(await readonly.size(), 5);
        assert.equal((await readonly.getEventBySeq(4))?.json, more[1]?.json);
      } finally {
        await readonly.close();
      }
      // Both writers share one sequence: a stale expectedSize from the second driver fails.
      await assert.rejects(reader.appendBatch(3, [], []), { name: "SizeMismatchError" });
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  test("the data survives close and reopen byte for byte", async () => {
    const path = join(dir, "reopen.db");
    const first = SqliteDriver.open(path);
    const rows = await appendSome(first, 4, "reopen");
    await first.close();
    const second = SqliteDriver.open(path);
    try {
      assert.equal(await second.size(), 4);
      for (const r of rows) assert.equal((await second.getEventBySeq(r.seq))?.json, r.json);
      const tree = await TileTree.open(second, 4);
      const expected = new TileTree();
      expected.append(rows.map((r) => leafHash(r.json)));
      assert.deepEqual(tree.root(), expected.root());
    } finally {
      await second.close();
    }
  });

  test("opening fails with ST_ERR_STORE_IO for a missing read-only store and a newer schema", async () => {
    assert.throws(
      () => SqliteDriver.open(join(dir, "missing.db"), { readonly: true }),
      (e: unknown) => isSealtrailError(e, "ST_ERR_STORE_IO") && e.message.includes("missing.db"),
    );
    const path = join(dir, "future.db");
    const raw = new Database(path);
    raw.pragma("user_version = 99");
    raw.close();
    assert.throws(
      () => SqliteDriver.open(path),
      (e: unknown) => isSealtrailError(e, "ST_ERR_STORE_IO") && /schema version 99/.test(e.message),
    );
  });

  test("opening a store of the current schema writes nothing to it", async () => {
    const path = join(dir, "quiet-open.db");
    const created = SqliteDriver.open(path);
    await appendSome(created, 3, "quiet");
    await created.close();
    // SQLite's data_version, read on a connection of its own, changes when any other commits.
    const watcher = new Database(path, { readonly: true });
    try {
      const dataVersion = () => watcher.pragma("data_version", { simple: true });
      const before = dataVersion();
      for (const options of [{}, { lazyWriter: true }, { writerThread: false }] as SqliteDriverOptions[]) {
        const driver = SqliteDriver.open(path, options);
        assert.equal(await driver.size(), 3);
        await driver.close();
        assert.equal(dataVersion(), before, `open ${JSON.stringify(options)} committed nothing`);
      }
    } finally {
      watcher.close();
    }
  });

  test("a non-SizeMismatch failure inside appendBatch is ST_ERR_STORE_IO carrying SQLite's message", async () => {
    const path = join(dir, "failure.db");
    const driver = SqliteDriver.open(path);
    try {
      const [row] = await appendSome(driver, 1, "one");
      const dup = { ...(row as SealedRow), seq: 1 };
      await assert.rejects(
        driver.appendBatch(1, [dup], []),
        (e: unknown) =>
          isSealtrailError(e, "ST_ERR_STORE_IO") && e.message.includes("UNIQUE constraint failed"),
      );
      assert.equal(await driver.size(), 1);
    } finally {
      await driver.close();
    }
  });

  describe("durable consumers", () => {
    test("a store made before the consumer tables gains them when next opened for writing", async () => {
      const path = join(dir, "older.db");
      const made = SqliteDriver.open(path);
      await appendSome(made, 2, "older");
      await made.close();
      // The store as a Sealtrail without consumers left it: the same schema version, no such tables.
      const raw = new Database(path);
      raw.exec("DROP TABLE outbox; DROP TABLE consumers;");
      raw.close();

      const readonly = SqliteDriver.open(path, { readonly: true });
      try {
        assert.equal(await readonly.getConsumerState("alerts"), undefined);
        assert.deepEqual(await readonly.laneHeads("alerts", Date.now()), []);
        assert.deepEqual(await readonly.pendingMessages("alerts", { limit: 5 }), []);
        assert.deepEqual(await readonly.listMessages("alerts", { limit: 5 }), []);
      } finally {
        await readonly.close();
      }

      const reopened = SqliteDriver.open(path);
      try {
        assert.equal(await reopened.size(), 2);
        const state = await reopened.commitConsumer("alerts", {
          expected: undefined,
          position: 2,
          state: "{}",
          messages: [{ lane: "email", key: "k", payload: "p" }],
        });
        assert.deepEqual(await reopened.getConsumerState("alerts"), state);
        assert.equal((await reopened.listMessages("alerts", { limit: 5 })).length, 1);
      } finally {
        await reopened.close();
      }
      const check = new Database(path, { readonly: true });
      try {
        assert.equal(check.pragma("user_version", { simple: true }), 1, "the schema version is unchanged");
      } finally {
        check.close();
      }
    });

    test("two drivers on one file running the same consumer: only the first commit from a revision lands", async () => {
      const pairs: Array<[SqliteDriverOptions, SqliteDriverOptions]> = [
        [{}, {}],
        [{}, { writerThread: false }],
        [{ writerThread: false }, {}],
      ];
      for (const [i, [a, b]] of pairs.entries()) {
        const path = join(dir, `two-processes-${i}.db`);
        const first = SqliteDriver.open(path, a);
        const second = SqliteDriver.open(path, b);
        try {
          const name = `alerts-${JSON.stringify([a, b])}`;
          const seenByFirst = await first.getConsumerState(name);
          const seenBySecond = await second.getConsumerState(name);
          const committed = await first.commitConsumer(name, {
            expected: seenByFirst,
            position: 3,
            state: "first",
            messages: [{ lane: "email", key: "first", payload: "" }],
          });
          await assert.rejects(
            second.commitConsumer(name, {
              expected: seenBySecond,
              position: 3,
              state: "second",
              messages: [{ lane: "email", key: "second", payload: "" }],
            }),
            (e: unknown) => isSealtrailError(e, "ST_ERR_STORE_CONSUMER_CONFLICT"),
          );
          assert.deepEqual(await second.getConsumerState(name), committed);
          assert.deepEqual(
            (await second.listMessages(name, { limit: 5 })).map((m) => m.key),
            ["first"],
          );
          // Reading again, the second goes on from the first's commit.
          const fresh = await second.getConsumerState(name);
          const next = await second.commitConsumer(name, {
            expected: fresh,
            position: 4,
            state: null,
            messages: [],
          });
          assert.equal(next.revision, 2);
        } finally {
          await first.close();
          await second.close();
        }
      }
    });
  });

  describe("field paths cannot reach SQL", () => {
    const hostile = [
      `details.a"b`,
      "details.a'b",
      "details.x;DROP TABLE events",
      `details.x') OR 1=1 --`,
      "details.a b",
      "details..x",
      "details.",
      "details.$",
      'context."',
    ];

    test("checkFieldPath rejects quotes, semicolons and other non-path characters", () => {
      for (const field of hostile) {
        assert.throws(
          () => checkFieldPath(field),
          (e: unknown) => isSealtrailError(e, "ST_ERR_QUERY_FILTER") && e.message.includes(field),
          field,
        );
      }
    });

    test("parseCondition rejects them in expressions", () => {
      for (const field of hostile) {
        const expression = `${field}=1`;
        assert.throws(
          () => parseCondition(expression),
          (e: unknown) => isSealtrailError(e, "ST_ERR_QUERY_FILTER"),
          expression,
        );
      }
    });

    test("compileFilter's own guard throws for a hand-built filter", () => {
      for (const field of hostile) {
        for (const op of ["eq", "ne", "prefix", "gt"] as const) {
          const filter = { conditions: [{ field, op, value: "1" }] } as EventFilter;
          assert.throws(() => compileFilter(filter), RangeError, `${op} ${field}`);
        }
        const inFilter: EventFilter = { conditions: [{ field, op: "in", values: ["1"] }] };
        assert.throws(() => compileFilter(inFilter), RangeError, `in ${field}`);
      }
    });

    test("the driver rejects such a filter and the table is intact", async () => {
      const driver = SqliteDriver.open(join(dir, "hostile.db"));
      try {
        await appendSome(driver, 2, "hostile");
        const filter: EventFilter = {
          conditions: [{ field: "details.x;DROP TABLE events", op: "eq", value: "1" }],
        };
        await assert.rejects(driver.queryEvents(filter, { order: "asc", limit: 10 }), RangeError);
        await assert.rejects(driver.countEvents(filter), RangeError);
        await assert.rejects(driver.countBy(filter, "action", 10), RangeError);
        await assert.rejects(async () => {
          for await (const _ of driver.scanEvents(filter)) {
            // never reached
          }
        }, RangeError);
        assert.equal(await driver.size(), 2);
        assert.equal(await driver.countEvents(MATCH_ALL), 2);
      } finally {
        await driver.close();
      }
    });

    test("values are bound, never spliced: a value full of SQL matches literally", async () => {
      const driver = SqliteDriver.open(join(dir, "values.db"));
      try {
        await appendSome(driver, 2, "values");
        const evil = `x' OR '1'='1`;
        for (const field of ["action", "details.i", "tags"]) {
          for (const op of ["eq", "prefix", "gt"] as const) {
            const filter = { conditions: [{ field, op, value: evil }] } as EventFilter;
            const where = compileFilter(filter);
            assert.ok(!where.sql.includes(evil), `${field} ${op}: ${where.sql}`);
            assert.ok(where.params.includes(evil), `${field} ${op} binds the value`);
          }
        }
        assert.equal(
          await driver.countEvents({ conditions: [{ field: "action", op: "eq", value: evil }] }),
          0,
        );
        assert.equal(
          await driver.countEvents({ conditions: [{ field: "details.i", op: "ne", value: evil }] }),
          2,
        );
      } finally {
        await driver.close();
      }
    });
  });
});
