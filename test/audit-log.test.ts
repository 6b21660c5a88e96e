import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  AuditLog,
  isSealtrailError,
  leafHash,
  memoryStorage,
  parseFilter,
  parseVerifierKey,
  type StorageFactory,
  sqliteStorage,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../src/index.js";

let dir: string;
/** Where the tests of the current driver keep their store, made afresh for each test. */
let storage: StorageFactory;
/** The checkpoints the memory storage published, newest last. */
let published: string[] = [];
const KINDS = {
  sqlite: () => sqliteStorage({ home: dir }),
  memory: () => memoryStorage({ onPublish: (note) => published.push(note) }),
} as const;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sealtrail-lib-"));
  published = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s, "base64");

test("open creates a store with a 0600 signing key; create:false refuses a missing store", async () => {
  await assert.rejects(AuditLog.open({ home: join(dir, "none"), create: false }), (e) =>
    isSealtrailError(e, "ST_ERR_STORE_NOT_INITIALIZED"),
  );
  const log = await AuditLog.open({ home: join(dir, "h"), origin: "lib.test/log" });
  assert.equal(log.origin, "lib.test/log");
  assert.equal(statSync(join(dir, "h", "signing.key")).mode & 0o777, 0o600);
  assert.match(log.verifierKey(), /^lib\.test\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
  await log.close();
});

test("a new store records its initialisation as seq 0, signed; opening it again records nothing more", async () => {
  const home = join(dir, "init");
  const created = await AuditLog.init({
    home,
    origin: "lib.test/init",
    actor: { type: "user", id: "local:alice", name: "alice" },
  });
  assert.equal(created.origin, "lib.test/init");
  for (let i = 0; i < 2; i++) {
    const log = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
    assert.equal(log.size, 1, "opening an existing store appends nothing");
    const [init] = (await log.query([])).events;
    assert.equal(init?.seq, 0);
    assert.equal(init?.action, "audit_log.init");
    assert.equal(init?.category, "system");
    assert.equal(init?.outcome, "success");
    assert.deepEqual(init?.actor, { type: "user", id: "local:alice", name: "alice" });
    assert.deepEqual(init?.target, { type: "audit_log", id: "lib.test/init" });
    const version = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
    assert.deepEqual(init?.details, {
      origin: "lib.test/init",
      storage: "sqlite",
      version,
      pid: process.pid,
    });
    assert.equal(init?.source?.tool_version, version);
    assert.equal((await log.latestCheckpoint())?.size, 1, "the init event is signed at once");
    assert.equal((await log.verify()).ok, true);
    await log.close();
  }

  // An actor the event schema refuses is refused before any store is created.
  const refused = join(dir, "refused");
  await assert.rejects(AuditLog.init({ home: refused, actor: { type: "robot" } as never }), (e) =>
    isSealtrailError(e, "ST_ERR_EVENT_INVALID"),
  );
  assert.equal(existsSync(join(refused, "sealtrail.db")), false);

  // A store created by opening it records the system user running the process, and the engine.
  const mem = memoryStorage();
  const log = await AuditLog.open({ storage: mem, origin: "lib.test/mem", checkpointIntervalMs: 0 });
  const [init] = (await log.query([])).events;
  assert.equal(init?.action, "audit_log.init");
  assert.equal(init?.actor?.type, "system");
  assert.match(init?.actor?.id ?? "", /^local:\S+$/);
  assert.equal(init?.details?.storage, "memory");
  await log.close();
  const again = await AuditLog.open({ storage: mem, checkpointIntervalMs: 0 });
  assert.equal(again.size, 1);
  await again.close();
});

for (const kind of ["sqlite", "memory"] as const) {
  describe(`the facade over ${kind} storage`, () => {
    beforeEach(() => {
      storage = KINDS[kind]();
    });

    test("append resolves with seq and id; an array is all-or-nothing; appendSettled keeps the valid ones", async () => {
      const log = await AuditLog.open({ storage, origin: "lib.test/log", checkpointIntervalMs: 0 });
      // A new store holds its own audit_log.init at seq 0: the first event appended is seq 1.
      const first = await log.append({ action: "user.login", actor: { id: "alice" } });
      assert.deepEqual([first.seq, first.duplicate], [1, false]);
      await assert.rejects(
        log.append([{ action: "a.b" }, { action: "a.b", outcome: "maybe" as never }]),
        (e) => {
          assert.ok(isSealtrailError(e, "ST_ERR_EVENT_INVALID"));
          assert.match((e as Error).message, /^event 1: outcome: expected one of/);
          return true;
        },
      );
      assert.equal(log.size, 2, "nothing of a rejected array is stored");
      const outcomes = await log.appendSettled([{ action: "a.b" }, { nope: 1 }, { action: "c.d" }]);
      assert.deepEqual(
        outcomes.map((o) => (o.ok ? o.seq : o.error.code)),
        [2, "ST_ERR_EVENT_INVALID", 3],
      );
      const again = await log.append({ id: first.id, action: "user.login" });
      assert.deepEqual(again, { seq: 1, id: first.id, duplicate: true });
      await log.close();
    });

    test("track records duration, outcome and error, and passes results and errors through", async () => {
      const log = await AuditLog.open({ storage, origin: "lib.test/log", checkpointIntervalMs: 0 });
      const value = await log.track("crm.update", async () => {
        await new Promise((r) => setTimeout(r, 20));
        return 42;
      });
      assert.equal(value, 42);
      await assert.rejects(
        log.track("email.send", () => {
          throw Object.assign(new Error("mailbox busy"), { code: "SMTP_451" });
        }),
        /mailbox busy/,
      );
      const [failed, ok] = (await log.query(undefined, { limit: 2 })).events;
      assert.equal(ok?.action, "crm.update");
      assert.equal(ok?.outcome, "success");
      assert.ok((ok?.duration_ms ?? 0) >= 15, `duration ${ok?.duration_ms}`);
      assert.equal(failed?.action, "email.send");
      assert.equal(failed?.outcome, "failure");
      assert.deepEqual(failed?.error, { code: "SMTP_451", message: "mailbox busy" });
      const errors = await log.errors([], { limit: 5 });
      assert.deepEqual(
        errors.events.map((e) => e.seq),
        [failed?.seq],
      );
      await assert.rejects(
        async () => log.errors(5 as never),
        (e) => isSealtrailError(e, "ST_ERR_USAGE") && /the limit is an option/.test((e as Error).message),
      );
      await log.close();
    });

    test("query pages by cursor through every match exactly once", async () => {
      const log = await AuditLog.open({ storage, origin: "lib.test/log", checkpointIntervalMs: 0 });
      await log.append(
        Array.from({ length: 95 }, (_, i) => ({ action: "a.b", actor: { id: i % 3 === 0 ? "x" : "y" } })),
      );
      const filter = parseFilter(["actor.id=x"]);
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await log.query(filter, { limit: 7, ...(cursor ? { cursor } : {}) });
        seen.push(...page.events.map((e) => e.seq));
        cursor = page.nextCursor;
      } while (cursor);
      // Event i is seq i + 1: seq 0 is the store's init.
      const expected = Array.from({ length: 95 }, (_, i) => i)
        .filter((i) => i % 3 === 0)
        .map((i) => i + 1)
        .reverse();
      assert.deepEqual(seen, expected);
      // Expressions in the CLI syntax are accepted as they are.
      assert.deepEqual(
        (await log.query(["actor.id=x"], { limit: 100 })).events.map((e) => e.seq),
        expected,
      );
      assert.equal(await log.count(["actor.id=y"]), 95 - expected.length);
      await log.close();
    });

    test("query and errors page by event time with sort: timestamp, and each page says its order", async () => {
      const log = await AuditLog.open({ storage, origin: "lib.test/log", checkpointIntervalMs: 0 });
      const minute = 60_000;
      const t0 = Date.now() - 60 * minute;
      // Received in this order (after the store's init, seq 0), happened in another: seq 4 is a
      // backfill from before all the others, and seqs 2, 5 and 6 happened at the same instant.
      const minutes = [10, 20, 30, 0, 20, 20, 40];
      await log.append(
        minutes.map((m, i) => ({
          action: "crm.update",
          outcome: i === 2 ? ("success" as const) : ("failure" as const),
          timestamp: new Date(t0 + m * minute).toISOString(),
        })),
      );
      // The init event happened just now, after all of them.
      const byTime = [0, 7, 3, 6, 5, 2, 1, 4];
      const walk = async (
        read: (cursor?: string) => Promise<{ events: { seq: number }[]; nextCursor?: string }>,
      ) => {
        const seqs: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await read(cursor);
          seqs.push(...page.events.map((e) => e.seq));
          cursor = page.nextCursor;
        } while (cursor);
        return seqs;
      };
      for (const limit of [1, 2, 3, 10]) {
        assert.deepEqual(
          await walk((cursor) => log.query([], cursor ? { limit, cursor } : { limit, sort: "timestamp" })),
          byTime,
        );
        assert.deepEqual(
          await walk((cursor) =>
            log.query([], cursor ? { limit, cursor } : { limit, sort: "timestamp", order: "asc" }),
          ),
          [...byTime].reverse(),
        );
        assert.deepEqual(
          await walk((cursor) => log.errors([], cursor ? { limit, cursor } : { limit, sort: "timestamp" })),
          byTime.filter((seq) => seq !== 3 && seq !== 0),
        );
      }
      const page = await log.query([], { limit: 2, sort: "timestamp" });
      assert.equal(page.sort, "timestamp");
      assert.equal(page.order, "desc");
      const bySeq = await log.query([], { limit: 2 });
      assert.deepEqual([bySeq.sort, bySeq.order], ["seq", "desc"]);
      assert.deepEqual(
        bySeq.events.map((e) => e.seq),
        [7, 6],
      );
      // A cursor keeps its walk's order; a different one given with it is refused, never ignored.
      const next = await log.query([], { cursor: page.nextCursor as string, sort: "timestamp" });
      assert.deepEqual([next.sort, next.order], ["timestamp", "desc"]);
      for (const options of [
        { cursor: page.nextCursor as string, sort: "seq" as const },
        { cursor: page.nextCursor as string, order: "asc" as const },
      ]) {
        await assert.rejects(
          log.query([], options),
          (e) =>
            isSealtrailError(e, "ST_ERR_QUERY_CURSOR") &&
            /differs from the cursor's/.test((e as Error).message),
        );
      }
      for (const options of [{ sort: "time" }, { order: "newest" }]) {
        await assert.rejects(log.query([], options as never), (e) => isSealtrailError(e, "ST_ERR_USAGE"));
      }
      await log.close();
    });

    test("proofs from the library verify against signed checkpoints; close signs a final checkpoint", async () => {
      const log = await AuditLog.open({ storage, origin: "lib.test/log", checkpointIntervalMs: 0 });
      // The store's init event and 299 more: a tree of 300.
      await log.append(Array.from({ length: 299 }, (_, i) => ({ action: "a.b", details: { i } })));
      const old = await log.checkpoint();
      await log.append(Array.from({ length: 333 }, (_, i) => ({ action: "c.d", details: { i } })));
      const latest = await log.checkpoint();
      const verifier = parseVerifierKey(log.verifierKey());
      assert.equal(verifyCheckpoint(latest.note, verifier).size, 633);
      const inclusion = await log.proveInclusion(299);
      assert.equal(inclusion.tree_size, 633);
      const exported: string[] = [];
      for await (const chunk of log.exportEvents()) for (const e of chunk) exported.push(e.json);
      assert.equal(inclusion.leaf_hash, leafHash(exported[299] as string).toString("base64"));
      assert.ok(verifyInclusion(299, 633, b64(inclusion.leaf_hash), inclusion.proof.map(b64), latest.root));
      const consistency = await log.proveConsistency(300);
      assert.ok(verifyConsistency(300, 633, consistency.proof.map(b64), old.root, latest.root));
      await assert.rejects(log.proveInclusion(633), (e) => isSealtrailError(e, "ST_ERR_LEDGER_RANGE"));
      await assert.rejects(log.proveConsistency(0), (e) => isSealtrailError(e, "ST_ERR_LEDGER_RANGE"));

      await log.append({ action: "last.one" });
      await log.close();
      const note =
        kind === "sqlite" ? readFileSync(join(dir, "checkpoint"), "utf8") : (published.at(-1) as string);
      assert.equal(
        verifyCheckpoint(note, verifier).size,
        634,
        "close signed and published a checkpoint of 634",
      );
      const reopened = await AuditLog.open({ storage, create: false, checkpointIntervalMs: 0 });
      assert.equal(reopened.size, 634);
      assert.equal((await reopened.append({ action: "after.reopen" })).seq, 634);
      const report = await reopened.verify({ trusted: latest.note });
      assert.equal(report.ok, true, report.problem);
      assert.equal(report.trustedSize, 633);
      await reopened.close();
      assert.equal(existsSync(join(dir, "sealtrail.db")), kind === "sqlite", "only SQLite writes files");
    });

    test("query takes since and until, and every option bag refuses what it does not know", async () => {
      const log = await AuditLog.open({ storage, origin: "lib.test/log", checkpointIntervalMs: 0 });
      const hour = 3_600_000;
      const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
      await log.append([
        { action: "crm.update", timestamp: at(3 * hour) },
        { action: "crm.update", timestamp: at(2 * hour) },
        { action: "crm.update", timestamp: at(1000) },
      ]);
      const seqs = async (options: object) =>
        (await log.query(["action=crm.update"], options)).events.map((e) => e.seq).sort();
      assert.deepEqual(await seqs({}), [1, 2, 3]);
      assert.deepEqual(await seqs({ since: "1m" }), [3]);
      assert.deepEqual(await seqs({ until: "90m" }), [1, 2]);
      assert.deepEqual(await seqs({ since: "150m", until: "90m" }), [2]);
      // A window given both ways is their intersection.
      assert.deepEqual(
        (await log.query(parseFilter([], { since: "150m" }), { since: "4h", until: "1m" })).events.map(
          (e) => e.seq,
        ),
        [2],
      );
      const refused: Array<[() => unknown, RegExp]> = [
        [
          () => log.query(["action=crm.update"], { sinse: "1s" } as never),
          /^query: unknown option "sinse"; expected one of limit, cursor, sort, order, since, until$/,
        ],
        [() => log.query([], { since: "yesterday" }), /^since: expected a duration/],
        [() => log.verify({ deeep: true } as never), /^verify: unknown option "deeep"/],
        [() => log.follow("x", { from: 3 } as never), /^follow: unknown option "from"/],
        [() => AuditLog.open({ storage, hom: dir } as never), /^AuditLog\.open: unknown option "hom"/],
        [() => AuditLog.init({ storage, orgin: "x" } as never), /^AuditLog\.init: unknown option "orgin"/],
      ];
      for (const [call, message] of refused) {
        await assert.rejects(
          async () => call(),
          (e) => isSealtrailError(e) && message.test((e as Error).message),
        );
      }
      await log.close();
    });
  });
}

test("a memory store lives as long as its factory: closed and opened again, it holds its events", async () => {
  const mem = memoryStorage();
  await assert.rejects(AuditLog.open({ storage: mem, create: false }), (e) =>
    isSealtrailError(e, "ST_ERR_STORE_NOT_INITIALIZED"),
  );
  const log = await AuditLog.open({ storage: mem, origin: "mem.test/log", checkpointIntervalMs: 0 });
  await log.append({ action: "a.b" });
  const key = log.verifierKey();
  await log.close();
  const again = await AuditLog.open({ storage: mem, create: false, checkpointIntervalMs: 0 });
  assert.deepEqual([again.size, again.origin, again.verifierKey()], [2, "mem.test/log", key]);
  assert.equal((await again.verify()).ok, true);
  await assert.rejects(AuditLog.init({ storage: mem }), (e) => isSealtrailError(e, "ST_ERR_STORE_EXISTS"));
  await again.close();
});

test("a log over a store with events, closed as soon as it is open, closes (its publisher stops)", async () => {
  const writer = await AuditLog.open({ home: dir, origin: "lib.test/log", checkpointIntervalMs: 0 });
  await writer.append({ action: "a.b" });
  await writer.close();
  // The checkpoint publisher's first look at the log may come just before the close: the pause it
  // then takes must end with the close, not wait for an abort that came already.
  for (let i = 0; i < 30; i++) {
    const log = await AuditLog.open({ home: dir, create: false, checkpointIntervalMs: 60_000 });
    await log.close();
  }
});

test("a log opened over events never signed signs them without waiting for new ones", async () => {
  const writer = await AuditLog.open({ home: dir, origin: "lib.test/log", checkpointIntervalMs: 0 });
  await writer.append(Array.from({ length: 5 }, () => ({ action: "a.b" })));
  // The writer is left open, as a process that ended between a commit and its checkpoint would.
  const reader = await AuditLog.open({ home: dir, create: false, checkpointIntervalMs: 50 });
  // Only the store's creation (its init event) was signed.
  assert.equal((await reader.latestCheckpoint())?.size, 1);
  const deadline = Date.now() + 10_000;
  while ((await reader.latestCheckpoint())?.size !== 6 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal((await reader.latestCheckpoint())?.size, 6);
  await assert.rejects(
    AuditLog.open({ home: dir, create: false, checkpointIntervalMs: Number.POSITIVE_INFINITY }),
    (e) =>
      isSealtrailError(e, "ST_ERR_USAGE") &&
      /^checkpointIntervalMs: expected an integer from 0 to/.test((e as Error).message),
  );
  await reader.close();
  assert.throws(
    () => reader.follow("late"),
    (e) => isSealtrailError(e, "ST_ERR_INGEST_CLOSED"),
  );
  await writer.close();
});

test("a log sees what another process's log committed to the same store once it refreshes, and its checkpoints cover it", async () => {
  const home = join(dir, "shared");
  await AuditLog.init({ home, origin: "shared.example/log" });
  const watcher = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
  const writer = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
  try {
    const before = watcher.size;
    await writer.append(Array.from({ length: 7 }, (_, i) => ({ action: "shared.write", details: { i } })));
    assert.equal(watcher.size, before, "size is what this log has seen");
    assert.equal(await watcher.refresh(), before + 7);
    assert.equal(watcher.size, before + 7);
    const checkpoint = await watcher.checkpoint();
    assert.equal(checkpoint.size, before + 7);
    const proof = await watcher.proveInclusion(before + 6, checkpoint.size);
    assert.equal(proof.tree_size, before + 7);
    // The watcher can write after the other writer without a conflict.
    const receipt = await watcher.append({ action: "shared.write", details: { i: 7 } });
    assert.equal(receipt.seq, before + 7);
  } finally {
    await watcher.close();
    await writer.close();
  }
});
