import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { prepareEvent } from "../event/prepare-event.js";
import { type PreparedEvent, sealedJson } from "../event/prepared-event.js";
import { parseRfc3339 } from "../event/timestamp.js";
import { type SignedCheckpoint, signCheckpoint } from "../ledger/checkpoint.js";
import { leafHash } from "../ledger/rfc6962.js";
import { generateNoteKey, parseSignerKey } from "../ledger/signed-note.js";
import { TileTree } from "../ledger/tiles.js";
import { parseFilter } from "../query/filter-syntax.js";
import { type EventFilter, MATCH_ALL } from "../read-model/event-filter.js";
import { consumerStoreContract } from "./consumer-store.case.js";
import type { IndexedColumns } from "./indexed-columns.js";
import {
  type CountDimension,
  type CountRow,
  type SealedRow,
  SizeMismatchError,
  type StorageDriver,
  type StoredEvent,
} from "./storage-driver.js";

/**
 * The shared contract suite of {@link StorageDriver}, consumers and outbox included
 * (`consumer-store.case.ts`): every driver registers it with
 * a factory for fresh, empty stores. Rows are built with `prepareEvent` and `sealedJson`, tiles
 * with a real {@link TileTree}, so what is stored is what the appender would store.
 */

/**
 * Edits a store behind its driver's back, as someone with write access to its files could: the
 * contract checks that `scanLeafHashes` shows each such edit. Each call changes one stored event
 * and rejects when there is none at `seq`.
 */
export interface StoreTamper {
  /** Replaces the stored JSON of the event at `seq`, leaving its copied columns as they were. */
  setJson(seq: number, json: string): Promise<void>;
  /** Sets one copied column of the event at `seq`, leaving its JSON as it was. */
  setColumn(seq: number, column: keyof IndexedColumns, value: string | number | null): Promise<void>;
  /** Removes the event at `seq`. */
  deleteEvent(seq: number): Promise<void>;
}

/** A fresh, empty store, a way to tamper with it, and how to dispose of it. */
export interface DriverFixture {
  readonly driver: StorageDriver;
  readonly tamper: StoreTamper;
  cleanup(): Promise<void>;
}

/** 2026-11-01T10:00:00.000Z: the fixture's reference time. */
const T0 = Date.UTC(2026, 10, 1, 10, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Text with characters that JSON escapes, astral code points and line separators. */
const UNICODE_TEXT = 'Zürich 🎉 "quoted" \\ back\nslash\ttab \u0001 \u2028 \u{10FFFF} 日本語 ＡＢＣ';

/**
 * The fixture: seq → producer input and timestamp offset. The comments list what the filter
 * tests below rely on; seq 6 happened before all the others although it was stored last.
 */
const FIXTURE: ReadonlyArray<{ offset: number; input: Record<string, unknown> }> = [
  {
    // seq 0
    offset: 0,
    input: {
      id: "0190f1a2-0000-7000-8000-000000000000",
      action: "user.login",
      outcome: "success",
      actor: { id: "alice", type: "user" },
      tenant: "acme",
      details: { workflow: "sales", count: 5, flag: true, nested: { deep: "x" } },
      tags: ["auth", "web"],
      policies: ["PCI-DSS-10.2.1.5"],
      duration_ms: 120,
    },
  },
  {
    // seq 1
    offset: 10 * MIN,
    input: {
      action: "user.login",
      outcome: "failure",
      severity: "warning",
      actor: { id: "bob" },
      tenant: "acme",
      details: { count: 12, flag: false },
      tags: ["auth"],
      duration_ms: 250,
    },
  },
  {
    // seq 2
    offset: 65 * MIN,
    input: {
      action: "user.logout",
      outcome: "success",
      severity: "debug",
      actor: { id: "alice" },
      tenant: "globex",
      context: { request_id: "r-2" },
      details: { workflow: "support" },
    },
  },
  {
    // seq 3
    offset: 2 * HOUR,
    input: {
      action: "key.rotate",
      outcome: "success",
      severity: "notice",
      actor: { id: "svc-1", type: "service" },
      target: { type: "key", id: "k1" },
      crypto: { key_id: "k1", algorithm: "ed25519", key_size: 256 },
      policies: ["POL-KEY-ROTATION"],
    },
  },
  {
    // seq 4
    offset: DAY + 30 * MIN,
    input: {
      action: "package.install",
      outcome: "failure",
      severity: "error",
      target: { type: "package", id: "left-pad", version: "1.3.0" },
      tenant: "globex",
      details: { count: 5, text: UNICODE_TEXT },
      tags: ["supply-chain"],
      duration_ms: 1000,
    },
  },
  {
    // seq 5
    offset: DAY + 2 * HOUR,
    input: {
      action: "user.login",
      outcome: "success",
      severity: "critical",
      actor: { id: "alice", name: "Alice Ünïcode 🎉" },
      tenant: "acme",
      details: { count: "5", workflow: "sales-eu" },
      tags: ["web"],
    },
  },
  {
    // seq 6
    offset: -30 * MIN,
    input: {
      action: "config.change",
      severity: "warning",
      actor: { id: "zoë-🎉" },
      details: { flag: "true" },
      duration_ms: 0.5,
    },
  },
];

/** Prepares the fixture events, each received one second after it happened. */
function prepareFixture(): PreparedEvent[] {
  return FIXTURE.map(({ offset, input }) =>
    prepareEvent(
      { ...input, timestamp: new Date(T0 + offset).toISOString() },
      { receivedAt: T0 + offset + 1000 },
    ),
  );
}

/** The row the appender would store for `event` at `seq`. */
function toRow(event: PreparedEvent, seq: number): SealedRow {
  return {
    seq,
    id: event.id,
    timestampMs: event.timestampMs,
    action: event.action,
    category: event.category,
    outcome: event.outcome,
    severityLevel: event.severityLevel,
    actorId: event.actorId,
    targetId: event.targetId,
    tenant: event.tenant,
    json: sealedJson(event, seq),
  };
}

/** Appends `events` as one batch at the tree's size, with the tiles the tree yields; returns the rows. */
async function appendEvents(
  driver: StorageDriver,
  tree: TileTree,
  events: readonly PreparedEvent[],
): Promise<SealedRow[]> {
  const start = tree.size;
  const rows = events.map((e, i) => toRow(e, start + i));
  const tiles = tree.append(rows.map((r) => leafHash(r.json)));
  await driver.appendBatch(start, rows, tiles);
  return rows;
}

/** `n` simple events; even ones succeed, odd ones fail. */
function manyEvents(n: number, from = 0): PreparedEvent[] {
  return Array.from({ length: n }, (_, i) =>
    prepareEvent(
      {
        action: `bulk.item${(from + i) % 3}`,
        outcome: (from + i) % 2 === 0 ? "success" : "failure",
        timestamp: new Date(T0 + (from + i) * 1000).toISOString(),
        details: { n: from + i },
      },
      { receivedAt: T0 + (from + i) * 1000 },
    ),
  );
}

/** The `timestamp` of a stored event, Unix ms. */
const timeOf = (e: StoredEvent): number =>
  Date.parse((JSON.parse(e.json) as { timestamp: string }).timestamp);

/**
 * Every page of `filter` in (timestamp, seq) order, each page continuing from the last event of
 * the one before (its time and seq); `between` runs after each page but the last.
 */
async function pageAllByTime(
  driver: StorageDriver,
  filter: EventFilter,
  order: "asc" | "desc",
  limit: number,
  between?: (pages: number) => Promise<void>,
): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after: StoredEvent | undefined;
  for (let pages = 1; pages < 1000; pages++) {
    const page = await driver.queryEvents(filter, {
      order,
      sort: "timestamp",
      limit,
      ...(after === undefined ? {} : { afterSeq: after.seq, afterTimestampMs: timeOf(after) }),
    });
    assert.ok(page.length <= limit, `a page holds at most ${limit} events, got ${page.length}`);
    out.push(...page);
    if (page.length < limit) return out;
    after = page[page.length - 1] as StoredEvent;
    await between?.(pages);
  }
  throw new Error("paging did not end");
}

/** Every page of `filter` in `order`, following `afterSeq` from page to page. */
async function pageAll(driver: StorageDriver, filter: EventFilter, order: "asc" | "desc", limit: number) {
  const out: StoredEvent[] = [];
  let afterSeq: number | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await driver.queryEvents(filter, {
      order,
      limit,
      ...(afterSeq === undefined ? {} : { afterSeq }),
    });
    assert.ok(page.length <= limit, `a page holds at most ${limit} events, got ${page.length}`);
    out.push(...page);
    if (page.length < limit) return out;
    afterSeq = (page[page.length - 1] as StoredEvent).seq;
  }
  throw new Error("paging did not end");
}

/** Every event `scanEvents` yields, checking that chunks are non-empty. */
async function scanAll(driver: StorageDriver, filter: EventFilter, fromSeq?: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const chunk of driver.scanEvents(filter, fromSeq)) {
    assert.ok(chunk.length > 0, "scanEvents yields no empty chunk");
    out.push(...chunk);
  }
  return out;
}

const seqs = (events: readonly StoredEvent[]) => events.map((e) => e.seq);

/** Counts sorted by key (for comparing groups whose ties may come in any order). */
function byKey(rows: readonly CountRow[]): CountRow[] {
  return [...rows].sort((a, b) => String(a.key).localeCompare(String(b.key)));
}

function checkpoint(size: number, label: string, signerKey: string): SignedCheckpoint {
  const root = leafHash(`${label}-${size}`);
  return signCheckpoint({ origin: "sealtrail.test/contract", size, root }, parseSignerKey(signerKey));
}

/**
 * Registers the {@link StorageDriver} contract suite for one driver.
 *
 * @param name - the driver's name in test titles.
 * @param makeDriver - opens a fresh, empty store; `tamper` edits it behind the driver's back;
 *   `cleanup` closes it (again, if a test closed it) and removes its files.
 *
 * @example
 * ```ts
 * storageDriverContract("sqlite", async () => {
 *   const dir = mkdtempSync(join(tmpdir(), "st-"));
 *   const driver = SqliteDriver.open(join(dir, "log.db"));
 *   const tamper = sqliteTamper(join(dir, "log.db"));
 *   return { driver, tamper, cleanup: async () => { await driver.close(); rmSync(dir, { recursive: true }); } };
 * });
 * ```
 */
export function storageDriverContract(name: string, makeDriver: () => Promise<DriverFixture>): void {
  describe(`StorageDriver contract: ${name}`, () => {
    describe("appendBatch", () => {
      let fixture: DriverFixture;
      before(async () => {
        fixture = await makeDriver();
      });
      after(async () => {
        await fixture.cleanup();
      });

      test("an empty store has size 0, no events, no tiles, no checkpoints", async () => {
        const { driver } = fixture;
        assert.equal(await driver.size(), 0);
        assert.equal(await driver.getEventBySeq(0), undefined);
        assert.equal(await driver.readTile(0, 0), undefined);
        assert.equal(await driver.latestCheckpoint(), undefined);
        assert.deepEqual(await driver.listCheckpoints(), []);
        assert.deepEqual(await pageAll(driver, MATCH_ALL, "asc", 10), []);
        assert.deepEqual(await scanAll(driver, MATCH_ALL), []);
        assert.equal(await driver.countEvents(MATCH_ALL), 0);
      });

      test("a wrong expectedSize on an empty store rejects with SizeMismatchError and stores neither rows nor tiles", async () => {
        const { driver } = fixture;
        const events = manyEvents(3);
        const rows = events.map((e, i) => toRow(e, 1 + i));
        const tiles = [{ level: 0, index: 0, hashes: Buffer.alloc(32 * 4, 0xab) }];
        await assert.rejects(driver.appendBatch(1, rows, tiles), (e: unknown) => {
          assert.ok(e instanceof SizeMismatchError, `expected SizeMismatchError, got ${String(e)}`);
          assert.equal(e.expected, 1);
          assert.equal(e.actual, 0);
          return true;
        });
        assert.equal(await driver.size(), 0);
        for (const r of rows) {
          assert.equal(await driver.getEventBySeq(r.seq), undefined);
          assert.equal(await driver.getEventById(r.id), undefined);
        }
        assert.equal((await driver.findSeqsByIds(rows.map((r) => r.id))).size, 0);
        assert.equal(await driver.readTile(0, 0), undefined);
      });

      test("batches store rows and tiles; tiles read back as last written", async () => {
        const { driver } = fixture;
        const tree = new TileTree();
        const first = await appendEvents(driver, tree, manyEvents(3));
        assert.equal(await driver.size(), 3);
        assert.deepEqual(await driver.readTile(0, 0), Buffer.concat(first.map((r) => leafHash(r.json))));
        const second = await appendEvents(driver, tree, manyEvents(2, 3));
        assert.equal(await driver.size(), 5);
        // The partial tile grew: it now holds all five leaf hashes.
        assert.deepEqual(
          await driver.readTile(0, 0),
          Buffer.concat([...first, ...second].map((r) => leafHash(r.json))),
        );
        assert.equal(await driver.readTile(0, 1), undefined);
        assert.equal(await driver.readTile(1, 0), undefined);
        // The stored tiles rebuild the same tree.
        const reopened = await TileTree.open(driver, await driver.size());
        assert.deepEqual(reopened.root(), tree.root());
      });

      test("a stale or early expectedSize on a non-empty store rejects and leaves rows and tiles untouched", async () => {
        const { driver } = fixture;
        const size = await driver.size();
        assert.equal(size, 5);
        const tileBefore = await driver.readTile(0, 0);
        assert.ok(tileBefore);
        for (const expected of [0, size - 1, size + 1]) {
          const events = manyEvents(2, 100 + expected);
          const rows = events.map((e, i) => toRow(e, expected + i));
          const junk = [
            { level: 0, index: 0, hashes: Buffer.alloc(32 * 7, 0xee) },
            { level: 0, index: 1, hashes: Buffer.alloc(32, 0xee) },
          ];
          await assert.rejects(driver.appendBatch(expected, rows, junk), (e: unknown) => {
            assert.ok(e instanceof SizeMismatchError, `expected SizeMismatchError, got ${String(e)}`);
            assert.equal(e.expected, expected);
            assert.equal(e.actual, size);
            return true;
          });
          assert.equal(await driver.size(), size);
          for (const r of rows) assert.equal(await driver.getEventById(r.id), undefined);
          assert.deepEqual(await driver.readTile(0, 0), tileBefore);
          assert.equal(await driver.readTile(0, 1), undefined);
        }
      });

      test("a batch that fails part-way (an id already stored) stores nothing of it", async () => {
        const { driver } = fixture;
        const size = await driver.size();
        const stored = (await driver.getEventBySeq(0)) as StoredEvent;
        const storedId = (JSON.parse(stored.json) as { id: string }).id;
        const tileBefore = await driver.readTile(0, 0);
        const fresh = manyEvents(2, 500).map((e, i) => toRow(e, size + i));
        const clash = { ...(fresh[1] as SealedRow), id: storedId };
        const rows = [fresh[0] as SealedRow, clash];
        const tiles = [{ level: 0, index: 0, hashes: Buffer.alloc(32 * (size + 2), 0x11) }];
        await assert.rejects(driver.appendBatch(size, rows, tiles), (e: unknown) =>
          isSealtrailError(e, "ST_ERR_STORE_IO"),
        );
        assert.equal(await driver.size(), size);
        assert.equal(await driver.getEventBySeq(size), undefined);
        assert.equal(await driver.getEventById((fresh[0] as SealedRow).id), undefined);
        assert.deepEqual(await driver.readTile(0, 0), tileBefore);
        assert.equal((await driver.getEventBySeq(0))?.json, stored.json);
      });

      test("a batch that repeats a seq or an id of its own stores nothing of it (ST_ERR_STORE_IO)", async () => {
        const { driver } = fixture;
        const size = await driver.size();
        const tileBefore = await driver.readTile(0, 0);
        const fresh = manyEvents(3, 600).map((e, i) => toRow(e, size + i));
        const [a, b, c] = fresh as [SealedRow, SealedRow, SealedRow];
        for (const rows of [
          [a, { ...b, seq: a.seq }],
          [a, b, { ...c, id: a.id }],
        ]) {
          const tiles = [{ level: 0, index: 0, hashes: Buffer.alloc(32 * (size + rows.length), 0x22) }];
          await assert.rejects(driver.appendBatch(size, rows, tiles), (e: unknown) =>
            isSealtrailError(e, "ST_ERR_STORE_IO"),
          );
          assert.equal(await driver.size(), size);
          for (const r of fresh) assert.equal(await driver.getEventById(r.id), undefined);
          assert.equal(await driver.getEventBySeq(size), undefined);
          assert.deepEqual(await driver.readTile(0, 0), tileBefore);
        }
      });

      test("tiles and checkpoints are stored as given: later changes to the caller's buffers change nothing", async () => {
        const { driver } = fixture;
        const size = await driver.size();
        const tree = await TileTree.open(driver, size);
        const rows = manyEvents(1, 700).map((e, i) => toRow(e, size + i));
        const tiles = tree.append(rows.map((r) => leafHash(r.json)));
        const expected = tiles.map((t) => Buffer.from(t.hashes));
        await driver.appendBatch(size, rows, tiles);
        for (const t of tiles) t.hashes.fill(0);
        const read = await driver.readTile(0, 0);
        assert.deepEqual(read, expected[0]);
        read?.fill(0);
        assert.deepEqual(await driver.readTile(0, 0), expected[0], "a tile read back is a copy");
        const { signerKey } = generateNoteKey("sealtrail.test/contract");
        const put = checkpoint(size + 1, "copy", signerKey);
        const root = Buffer.from(put.root);
        await driver.putCheckpoint(put);
        put.root.fill(0);
        (await driver.latestCheckpoint())?.root.fill(0);
        assert.deepEqual((await driver.latestCheckpoint())?.root, root);
        assert.deepEqual((await driver.listCheckpoints())[0]?.root, root);
      });

      test("an empty batch at the right size is accepted and changes nothing", async () => {
        const { driver } = fixture;
        const size = await driver.size();
        await driver.appendBatch(size, [], []);
        assert.equal(await driver.size(), size);
      });
    });

    describe("reads", () => {
      let fixture: DriverFixture;
      let driver: StorageDriver;
      let rows: SealedRow[];
      let prepared: PreparedEvent[];
      before(async () => {
        fixture = await makeDriver();
        driver = fixture.driver;
        prepared = prepareFixture();
        const tree = new TileTree();
        // Two batches, so reads span more than one transaction.
        rows = [
          ...(await appendEvents(driver, tree, prepared.slice(0, 4))),
          ...(await appendEvents(driver, tree, prepared.slice(4))),
        ];
      });
      after(async () => {
        await fixture.cleanup();
      });

      test("rows read back byte-identical, by seq and by id (unicode, emoji, escapes)", async () => {
        assert.equal(await driver.size(), FIXTURE.length);
        for (const row of rows) {
          const bySeq = await driver.getEventBySeq(row.seq);
          const byId = await driver.getEventById(row.id);
          assert.deepEqual(bySeq, { seq: row.seq, json: row.json });
          assert.deepEqual(byId, { seq: row.seq, json: row.json });
          assert.ok(Buffer.from((bySeq as StoredEvent).json, "utf8").equals(Buffer.from(row.json, "utf8")));
        }
        const unicode = JSON.parse((await driver.getEventBySeq(4))?.json ?? "{}") as {
          details: { text: string };
        };
        assert.equal(unicode.details.text, UNICODE_TEXT);
        const emoji = JSON.parse((await driver.getEventBySeq(5))?.json ?? "{}") as {
          actor: { name: string };
        };
        assert.equal(emoji.actor.name, "Alice Ünïcode 🎉");
      });

      test("getEventById / getEventBySeq miss cleanly", async () => {
        assert.equal(await driver.getEventBySeq(FIXTURE.length), undefined);
        assert.equal(await driver.getEventBySeq(-1), undefined);
        assert.equal(await driver.getEventById("00000000-0000-7000-8000-00000000dead"), undefined);
      });

      test("findSeqsByIds maps stored ids to their seqs and omits unknown ones", async () => {
        const unknown = "00000000-0000-7000-8000-00000000beef";
        const found = await driver.findSeqsByIds([
          (rows[3] as SealedRow).id,
          unknown,
          (rows[0] as SealedRow).id,
        ]);
        assert.deepEqual(
          [...found.entries()].sort((a, b) => a[1] - b[1]),
          [
            [(rows[0] as SealedRow).id, 0],
            [(rows[3] as SealedRow).id, 3],
          ],
        );
        assert.equal((await driver.findSeqsByIds([])).size, 0);
      });

      test("MATCH_ALL pages in both orders with afterSeq", async () => {
        const all = [0, 1, 2, 3, 4, 5, 6];
        assert.deepEqual(seqs(await pageAll(driver, MATCH_ALL, "asc", 100)), all);
        assert.deepEqual(seqs(await pageAll(driver, MATCH_ALL, "asc", 3)), all);
        assert.deepEqual(seqs(await pageAll(driver, MATCH_ALL, "desc", 3)), [...all].reverse());
        assert.deepEqual(
          seqs(await driver.queryEvents(MATCH_ALL, { order: "asc", afterSeq: 1, limit: 3 })),
          [2, 3, 4],
        );
        assert.deepEqual(
          seqs(await driver.queryEvents(MATCH_ALL, { order: "desc", afterSeq: 5, limit: 3 })),
          [4, 3, 2],
        );
        assert.deepEqual(
          seqs(await driver.queryEvents(MATCH_ALL, { order: "asc", afterSeq: 6, limit: 3 })),
          [],
        );
        assert.deepEqual(
          seqs(await driver.queryEvents(MATCH_ALL, { order: "desc", afterSeq: 0, limit: 3 })),
          [],
        );
        const page = await driver.queryEvents(MATCH_ALL, { order: "desc", limit: 1 });
        assert.deepEqual(page, [{ seq: 6, json: (rows[6] as SealedRow).json }]);
      });

      const cases: ReadonlyArray<{ name: string; filter: () => EventFilter; expected: number[] }> = [
        { name: "eq on action", filter: () => cond("action", "eq", "user.login"), expected: [0, 1, 5] },
        { name: "eq on outcome", filter: () => cond("outcome", "eq", "failure"), expected: [1, 4] },
        { name: "eq on the default outcome", filter: () => cond("outcome", "eq", "unknown"), expected: [6] },
        {
          name: "eq on category (derived)",
          filter: () => cond("category", "eq", "authentication"),
          expected: [0, 1, 2, 5],
        },
        { name: "eq on actor.id with emoji", filter: () => cond("actor.id", "eq", "zoë-🎉"), expected: [6] },
        { name: "eq on target.id", filter: () => cond("target.id", "eq", "left-pad"), expected: [4] },
        { name: "eq on tenant", filter: () => cond("tenant", "eq", "acme"), expected: [0, 1, 5] },
        {
          name: "eq on id",
          filter: () => ({ conditions: [{ field: "id", op: "eq", value: rows[2]?.id ?? "" }] }),
          expected: [2],
        },
        {
          name: "eq on a non-indexed member (actor.type)",
          filter: () => cond("actor.type", "eq", "service"),
          expected: [3],
        },
        { name: "eq on target.version", filter: () => cond("target.version", "eq", "1.3.0"), expected: [4] },
        {
          name: "eq on a unicode details text",
          filter: () => cond("details.text", "eq", UNICODE_TEXT),
          expected: [4],
        },
        {
          name: "ne on tenant counts missing as different",
          filter: () => cond("tenant", "ne", "acme"),
          expected: [2, 3, 4, 6],
        },
        {
          name: "ne on actor.id counts missing as different",
          filter: () => cond("actor.id", "ne", "alice"),
          expected: [1, 3, 4, 6],
        },
        {
          name: "ne on details.workflow counts missing as different",
          filter: () => cond("details.workflow", "ne", "sales"),
          expected: [1, 2, 3, 4, 5, 6],
        },
        {
          name: "in on action",
          filter: () => ({
            conditions: [{ field: "action", op: "in", values: ["user.logout", "key.rotate", "nope"] }],
          }),
          expected: [2, 3],
        },
        {
          name: "in on details.workflow",
          filter: () => ({
            conditions: [{ field: "details.workflow", op: "in", values: ["sales", "support"] }],
          }),
          expected: [0, 2],
        },
        {
          name: "in with no values matches nothing",
          filter: () => ({ conditions: [{ field: "action", op: "in", values: [] }] }),
          expected: [],
        },
        {
          name: "in with no values on a nested field matches nothing",
          filter: () => ({ conditions: [{ field: "details.workflow", op: "in", values: [] }] }),
          expected: [],
        },
        {
          name: "tags in no values matches nothing",
          filter: () => ({ conditions: [{ field: "tags", op: "in", values: [] }] }),
          expected: [],
        },
        { name: "prefix on action", filter: () => cond("action", "prefix", "user."), expected: [0, 1, 2, 5] },
        {
          name: "prefix on details.workflow",
          filter: () => cond("details.workflow", "prefix", "sales"),
          expected: [0, 5],
        },
        { name: "prefix with emoji", filter: () => cond("actor.id", "prefix", "zoë-"), expected: [6] },
        {
          name: "empty prefix means present",
          filter: () => cond("target.id", "prefix", ""),
          expected: [3, 4],
        },
        {
          name: "absent on an indexed field",
          filter: () => ({ conditions: [{ field: "target.id", op: "absent" }] }),
          expected: [0, 1, 2, 5, 6],
        },
        {
          name: "absent on a nested field",
          filter: () => ({ conditions: [{ field: "details.workflow", op: "absent" }] }),
          expected: [1, 3, 4, 6],
        },
        { name: "glob on action, * first", filter: () => globs("action", ["*.login"]), expected: [0, 1, 5] },
        {
          name: "glob with several patterns",
          filter: () => globs("action", ["user.*", "*.rotate"]),
          expected: [0, 1, 2, 3, 5],
        },
        {
          name: "glob on a nested field",
          filter: () => globs("details.workflow", ["*-eu"]),
          expected: [5],
        },
        { name: "glob with emoji", filter: () => globs("actor.id", ["*🎉"]), expected: [6] },
        {
          name: "glob: ? and [ stand for themselves",
          filter: () => globs("action", ["user.log?n", "[u]ser.*"]),
          expected: [],
        },
        { name: "glob with no patterns matches nothing", filter: () => globs("action", []), expected: [] },
        {
          name: "not_glob: a missing field matches none",
          filter: () => globs("details.workflow", ["sales*"], "not_glob"),
          expected: [1, 2, 3, 4, 6],
        },
        { name: "glob on tags: some element", filter: () => globs("tags", ["w*"]), expected: [0, 5] },
        {
          name: "not_glob on tags: no element",
          filter: () => globs("tags", ["w*"], "not_glob"),
          expected: [1, 2, 3, 4, 6],
        },
        {
          name: "blank: a missing actor.id",
          filter: () => ({ conditions: [{ field: "actor.id", op: "blank" }] }),
          expected: [4],
        },
        {
          name: "not_blank on actor.id",
          filter: () => ({ conditions: [{ field: "actor.id", op: "not_blank" }] }),
          expected: [0, 1, 2, 3, 5, 6],
        },
        {
          name: "blank on tags: no element",
          filter: () => ({ conditions: [{ field: "tags", op: "blank" }] }),
          expected: [2, 3, 6],
        },
        { name: "gt on duration_ms", filter: () => cond("duration_ms", "gt", 120), expected: [1, 4] },
        { name: "gte on duration_ms", filter: () => cond("duration_ms", "gte", 120), expected: [0, 1, 4] },
        {
          name: "lt on duration_ms (fractional)",
          filter: () => cond("duration_ms", "lt", 250),
          expected: [0, 6],
        },
        { name: "lte on duration_ms", filter: () => cond("duration_ms", "lte", 250), expected: [0, 1, 6] },
        { name: "gte on crypto.key_size", filter: () => cond("crypto.key_size", "gte", 256), expected: [3] },
        {
          name: "gt on a numeric details field skips its text twin",
          filter: () => cond("details.count", "gt", 5),
          expected: [1],
        },
        {
          name: "lt on a numeric details field skips texts",
          filter: () => cond("details.count", "lt", 12),
          expected: [0, 4],
        },
        {
          name: "gte and lt on seq",
          filter: () => and(cond("seq", "gte", 3), cond("seq", "lt", 6)),
          expected: [3, 4, 5],
        },
        { name: "lt on timestamp", filter: () => cond("timestamp", "lt", T0), expected: [6] },
        { name: "gte on received_at", filter: () => cond("received_at", "gte", T0 + DAY), expected: [4, 5] },
        {
          name: "eq on details.count (number)",
          filter: () => cond("details.count", "eq", 5),
          expected: [0, 4],
        },
        {
          name: "eq on details.count (numeric text matches both)",
          filter: () => cond("details.count", "eq", "5"),
          expected: [0, 4, 5],
        },
        { name: "eq on details.flag true", filter: () => cond("details.flag", "eq", true), expected: [0] },
        { name: "eq on details.flag false", filter: () => cond("details.flag", "eq", false), expected: [1] },
        {
          name: "eq on details.flag 'true' text",
          filter: () => cond("details.flag", "eq", "true"),
          expected: [0, 6],
        },
        {
          name: "ne on details.flag true",
          filter: () => cond("details.flag", "ne", true),
          expected: [1, 2, 3, 4, 5, 6],
        },
        {
          name: "eq on a nested details path",
          filter: () => cond("details.nested.deep", "eq", "x"),
          expected: [0],
        },
        {
          name: "eq on context.request_id",
          filter: () => cond("context.request_id", "eq", "r-2"),
          expected: [2],
        },
        { name: "tags contains", filter: () => cond("tags", "eq", "auth"), expected: [0, 1] },
        {
          name: "tags does not contain (missing counts)",
          filter: () => cond("tags", "ne", "auth"),
          expected: [2, 3, 4, 5, 6],
        },
        {
          name: "tags contains one of",
          filter: () => ({ conditions: [{ field: "tags", op: "in", values: ["web", "supply-chain"] }] }),
          expected: [0, 4, 5],
        },
        { name: "tags prefix", filter: () => cond("tags", "prefix", "supply"), expected: [4] },
        {
          name: "tags empty prefix means any tag",
          filter: () => cond("tags", "prefix", ""),
          expected: [0, 1, 4, 5],
        },
        {
          name: "tags absent means no tag",
          filter: () => ({ conditions: [{ field: "tags", op: "absent" }] }),
          expected: [2, 3, 6],
        },
        {
          name: "policies contains",
          filter: () => cond("policies", "eq", "POL-KEY-ROTATION"),
          expected: [3],
        },
        { name: "policies prefix", filter: () => cond("policies", "prefix", "PCI-"), expected: [0] },
        {
          name: "severity>=warning is warning and more severe",
          filter: () => cond("severity", "gte", "warning"),
          expected: [1, 4, 5, 6],
        },
        {
          name: "severity>warning is more severe only",
          filter: () => cond("severity", "gt", "warning"),
          expected: [4, 5],
        },
        {
          name: "severity<warning is less severe",
          filter: () => cond("severity", "lt", "warning"),
          expected: [0, 2, 3],
        },
        { name: "severity<=notice", filter: () => cond("severity", "lte", "notice"), expected: [0, 2, 3] },
        { name: "severity eq", filter: () => cond("severity", "eq", "info"), expected: [0] },
        { name: "severity ne", filter: () => cond("severity", "ne", "warning"), expected: [0, 2, 3, 4, 5] },
        {
          name: "severity in",
          filter: () => ({ conditions: [{ field: "severity", op: "in", values: ["debug", "notice"] }] }),
          expected: [2, 3],
        },
        {
          name: "since/until window",
          filter: () => ({ conditions: [], since: T0, until: T0 + DAY }),
          expected: [0, 1, 2, 3],
        },
        {
          name: "until is exclusive",
          filter: () => ({ conditions: [], since: T0, until: T0 + 2 * HOUR }),
          expected: [0, 1, 2],
        },
        {
          name: "since is inclusive",
          filter: () => ({ conditions: [], since: T0 + 10 * MIN }),
          expected: [1, 2, 3, 4, 5],
        },
        { name: "until alone", filter: () => ({ conditions: [], until: T0 }), expected: [6] },
        {
          name: "conditions and window together",
          filter: () => ({
            ...and(cond("action", "eq", "user.login"), cond("outcome", "eq", "success")),
            since: T0 + HOUR,
          }),
          expected: [5],
        },
        { name: "eq on seq", filter: () => cond("seq", "eq", 3), expected: [3] },
        {
          name: "eq on received_at (a time given in ms)",
          filter: () => cond("received_at", "eq", T0 + 1000),
          expected: [0],
        },
        {
          name: "lte on received_at",
          filter: () => cond("received_at", "lte", T0 - 30 * MIN + 1000),
          expected: [6],
        },
        {
          name: "ne on duration_ms counts missing as different",
          filter: () => cond("duration_ms", "ne", 120),
          expected: [1, 2, 3, 4, 5, 6],
        },
        {
          name: "gt with a numeric text compares JSON numbers and JSON texts",
          filter: () => cond("details.count", "gt", "4"),
          expected: [0, 1, 4, 5],
        },
        {
          name: "prefix on a details field matches texts, never numbers",
          filter: () => cond("details.count", "prefix", "5"),
          expected: [5],
        },
        {
          name: "in mixing a number and a numeric text",
          filter: () => ({ conditions: [{ field: "details.count", op: "in", values: [12, "5"] }] }),
          expected: [0, 1, 4, 5],
        },
        {
          name: "absent on details.count",
          filter: () => ({ conditions: [{ field: "details.count", op: "absent" }] }),
          expected: [2, 3, 6],
        },
        {
          name: "policies absent means no policy",
          filter: () => ({ conditions: [{ field: "policies", op: "absent" }] }),
          expected: [1, 2, 4, 5, 6],
        },
        {
          name: "ne on details.flag false",
          filter: () => cond("details.flag", "ne", false),
          expected: [0, 2, 3, 4, 5, 6],
        },
        {
          name: "eq on a unicode name",
          filter: () => cond("actor.name", "eq", "Alice Ünïcode 🎉"),
          expected: [5],
        },
        {
          name: "prefix ending in an emoji",
          filter: () => cond("actor.name", "prefix", "Alice Ünïcode 🎉"),
          expected: [5],
        },
        {
          name: "prefix on a details text with escapes",
          filter: () => cond("details.text", "prefix", 'Zürich 🎉 "quoted"'),
          expected: [4],
        },
        {
          name: "lt on a text field compares by code points",
          filter: () => cond("action", "lt", "key"),
          expected: [6],
        },
        {
          name: "gt on actor.id past ASCII",
          filter: () => cond("actor.id", "gt", "z"),
          expected: [6],
        },
        { name: "nothing matches", filter: () => cond("action", "eq", "no.such"), expected: [] },
        {
          name: "parsed text filter",
          filter: () => parseFilter(["actor.id=alice", "details.workflow=sales*"], { until: "2026-11-02" }),
          expected: [0],
        },
        {
          name: "parsed numeric details range",
          filter: () => parseFilter(["details.count>5"]),
          expected: [1],
        },
        { name: "parsed severity", filter: () => parseFilter(["severity>=error"]), expected: [4, 5] },
      ];

      for (const c of cases) {
        test(`queryEvents / scanEvents / countEvents: ${c.name}`, async () => {
          const filter = c.filter();
          const asc = await pageAll(driver, filter, "asc", 2);
          assert.deepEqual(seqs(asc), c.expected, "asc pages");
          assert.deepEqual(
            seqs(await pageAll(driver, filter, "desc", 2)),
            [...c.expected].reverse(),
            "desc pages",
          );
          assert.deepEqual(seqs(await pageAll(driver, filter, "asc", 1000)), c.expected, "one page");
          for (const e of asc) assert.equal(e.json, rows[e.seq]?.json);
          assert.deepEqual(seqs(await scanAll(driver, filter)), c.expected, "scan");
          assert.equal(await driver.countEvents(filter), c.expected.length, "count");
        });
      }

      test("countEach: every case's conditions counted in one pass, alone and within a base filter", async () => {
        const plain = cases
          .map((c) => c.filter())
          .filter((f) => f.since === undefined && f.until === undefined);
        assert.ok(plain.length > 20, "most cases have conditions only");
        const narrowings = [...plain.map((f) => f.conditions), []];
        assert.deepEqual(
          await driver.countEach(MATCH_ALL, narrowings),
          await Promise.all(narrowings.map((conditions) => driver.countEvents({ conditions }))),
        );
        const base = cond("outcome", "ne", "success");
        assert.deepEqual(
          await driver.countEach(base, narrowings),
          await Promise.all(
            narrowings.map((conditions) =>
              driver.countEvents({ conditions: [...base.conditions, ...conditions] }),
            ),
          ),
        );
        assert.deepEqual(await driver.countEach(base, []), []);
      });

      test("scanEvents starts at fromSeq", async () => {
        const logins = cond("action", "eq", "user.login");
        assert.deepEqual(seqs(await scanAll(driver, logins, 1)), [1, 5]);
        assert.deepEqual(seqs(await scanAll(driver, logins, 2)), [5]);
        assert.deepEqual(seqs(await scanAll(driver, logins, 6)), []);
        assert.deepEqual(seqs(await scanAll(driver, MATCH_ALL, 4)), [4, 5, 6]);
        assert.deepEqual(seqs(await scanAll(driver, MATCH_ALL, 100)), []);
        const scanned = await scanAll(driver, MATCH_ALL, 0);
        assert.deepEqual(
          scanned,
          rows.map((r) => ({ seq: r.seq, json: r.json })),
        );
      });

      const counts: ReadonlyArray<{ dimension: CountDimension; expected: CountRow[] }> = [
        {
          dimension: "action",
          expected: [
            { key: "user.login", count: 3 },
            { key: "config.change", count: 1 },
            { key: "key.rotate", count: 1 },
            { key: "package.install", count: 1 },
            { key: "user.logout", count: 1 },
          ],
        },
        {
          dimension: "outcome",
          expected: [
            { key: "success", count: 4 },
            { key: "failure", count: 2 },
            { key: "unknown", count: 1 },
          ],
        },
        {
          dimension: "category",
          expected: [
            { key: "authentication", count: 4 },
            { key: "configuration", count: 1 },
            { key: "key_management", count: 1 },
            { key: "package", count: 1 },
          ],
        },
        {
          dimension: "actor",
          expected: [
            { key: "alice", count: 3 },
            { key: "bob", count: 1 },
            { key: "svc-1", count: 1 },
            { key: "zoë-🎉", count: 1 },
            { key: null, count: 1 },
          ],
        },
        {
          dimension: "severity",
          expected: [
            { key: "warning", count: 2 },
            { key: "critical", count: 1 },
            { key: "debug", count: 1 },
            { key: "error", count: 1 },
            { key: "info", count: 1 },
            { key: "notice", count: 1 },
          ],
        },
        {
          dimension: "tenant",
          expected: [
            { key: "acme", count: 3 },
            { key: "globex", count: 2 },
            { key: null, count: 2 },
          ],
        },
      ];

      for (const c of counts) {
        test(`countBy ${c.dimension}: every group, largest first`, async () => {
          const got = await driver.countBy(MATCH_ALL, c.dimension, 100);
          assert.deepEqual(byKey(got), byKey(c.expected));
          for (let i = 1; i < got.length; i++) {
            assert.ok(
              (got[i - 1] as CountRow).count >= (got[i] as CountRow).count,
              `largest first: ${JSON.stringify(got)}`,
            );
          }
          const top = await driver.countBy(MATCH_ALL, c.dimension, 1);
          assert.deepEqual(top, [c.expected[0]]);
        });
      }

      test("countBy field:<path> groups by any field, missing ones under null", async () => {
        const got = await driver.countBy(MATCH_ALL, "field:details.workflow", 100);
        assert.deepEqual(
          byKey(got),
          byKey([
            { key: "sales", count: 1 },
            { key: "support", count: 1 },
            { key: "sales-eu", count: 1 },
            { key: null, count: 4 },
          ]),
        );
        // 5 and "5" are one group, as filters treat them.
        assert.deepEqual(await driver.countBy(cond("tenant", "eq", "acme"), "field:details.count", 10), [
          { key: "5", count: 2 },
          { key: "12", count: 1 },
        ]);
        await assert.rejects(driver.countBy(MATCH_ALL, "field:details.a'b", 10));
      });

      test("countBy honours the filter", async () => {
        const got = await driver.countBy(cond("action", "prefix", "user."), "outcome", 10);
        assert.deepEqual(got, [
          { key: "success", count: 3 },
          { key: "failure", count: 1 },
        ]);
        assert.deepEqual(await driver.countBy(cond("action", "eq", "no.such"), "action", 10), []);
      });

      test("countBy hour: RFC 3339 buckets in time order", async () => {
        const got = await driver.countBy(MATCH_ALL, "hour", 100);
        const expected = [
          [T0 - HOUR, 1],
          [T0, 2],
          [T0 + HOUR, 1],
          [T0 + 2 * HOUR, 1],
          [T0 + DAY, 1],
          [T0 + DAY + 2 * HOUR, 1],
        ];
        assert.deepEqual(
          got.map((r) => [parseRfc3339(String(r.key)), r.count]),
          expected,
        );
        const filtered = await driver.countBy(cond("outcome", "eq", "failure"), "hour", 100);
        assert.deepEqual(
          filtered.map((r) => [parseRfc3339(String(r.key)), r.count]),
          [
            [T0, 1],
            [T0 + DAY, 1],
          ],
        );
      });

      test("countBy day: RFC 3339 buckets in time order", async () => {
        const got = await driver.countBy(MATCH_ALL, "day", 100);
        assert.deepEqual(
          got.map((r) => [parseRfc3339(String(r.key)), r.count]),
          [
            [Date.UTC(2026, 10, 1), 5],
            [Date.UTC(2026, 10, 2), 2],
          ],
        );
        const limited = await driver.countBy(MATCH_ALL, "hour", 2);
        assert.equal(limited.length, 2);
        const times = limited.map((r) => parseRfc3339(String(r.key)) as number);
        assert.ok((times[0] as number) < (times[1] as number), "time order");
      });
    });

    describe("reads that pin down ordering and refusals", () => {
      let fixture: DriverFixture;
      let driver: StorageDriver;
      before(async () => {
        fixture = await makeDriver();
        driver = fixture.driver;
        await appendEvents(driver, new TileTree(), prepareFixture());
      });
      after(async () => {
        await fixture.cleanup();
      });

      test("countBy breaks ties by key: null first, then by bytes (severity: most severe first)", async () => {
        assert.deepEqual(await driver.countBy(MATCH_ALL, "actor", 100), [
          { key: "alice", count: 3 },
          { key: null, count: 1 },
          { key: "bob", count: 1 },
          { key: "svc-1", count: 1 },
          { key: "zoë-🎉", count: 1 },
        ]);
        assert.deepEqual(await driver.countBy(MATCH_ALL, "severity", 100), [
          { key: "warning", count: 2 },
          { key: "critical", count: 1 },
          { key: "error", count: 1 },
          { key: "notice", count: 1 },
          { key: "info", count: 1 },
          { key: "debug", count: 1 },
        ]);
        assert.deepEqual(await driver.countBy(MATCH_ALL, "tenant", 2), [
          { key: "acme", count: 3 },
          { key: null, count: 2 },
        ]);
      });

      test("countBy field:<path> keys JSON values as SQL reads them, ties by key text", async () => {
        // JSON true and false count under "1" and "0", objects under their canonical JSON.
        assert.deepEqual(await driver.countBy(MATCH_ALL, "field:details.flag", 10), [
          { key: null, count: 4 },
          { key: "0", count: 1 },
          { key: "1", count: 1 },
          { key: "true", count: 1 },
        ]);
        assert.deepEqual(await driver.countBy(MATCH_ALL, "field:details.nested", 10), [
          { key: null, count: 6 },
          { key: '{"deep":"x"}', count: 1 },
        ]);
        assert.deepEqual(await driver.countBy(MATCH_ALL, "field:details.count", 10), [
          { key: "5", count: 3 },
          { key: null, count: 3 },
          { key: "12", count: 1 },
        ]);
        assert.deepEqual(await driver.countBy(MATCH_ALL, "field:details.text", 10), [
          { key: null, count: 6 },
          { key: UNICODE_TEXT, count: 1 },
        ]);
      });

      test("countBy hour with a limit keeps the latest buckets", async () => {
        const got = await driver.countBy(MATCH_ALL, "hour", 2);
        assert.deepEqual(
          got.map((r) => [parseRfc3339(String(r.key)), r.count]),
          [
            [T0 + DAY, 1],
            [T0 + DAY + 2 * HOUR, 1],
          ],
        );
        assert.deepEqual(await driver.countBy(MATCH_ALL, "day", 0), []);
      });

      test("a page of limit 0 is empty", async () => {
        assert.deepEqual(await driver.queryEvents(MATCH_ALL, { order: "asc", limit: 0 }), []);
        assert.deepEqual(await driver.queryEvents(MATCH_ALL, { order: "desc", limit: 0 }), []);
      });

      test("a field path outside the filter syntax is refused with RangeError by every read", async () => {
        const bad: EventFilter = {
          conditions: [{ field: "details.x;DROP TABLE events", op: "eq", value: "1" }],
        };
        await assert.rejects(driver.queryEvents(bad, { order: "asc", limit: 10 }), RangeError);
        await assert.rejects(driver.countEvents(bad), RangeError);
        await assert.rejects(driver.countBy(bad, "action", 10), RangeError);
        await assert.rejects(driver.countEach(MATCH_ALL, [bad.conditions]), RangeError);
        await assert.rejects(scanAll(driver, bad), RangeError);
        await assert.rejects(driver.countBy(MATCH_ALL, "field:details.", 10), RangeError);
        assert.equal(await driver.countEvents(MATCH_ALL), FIXTURE.length);
      });
    });

    describe("scanEvents over many batches", () => {
      let fixture: DriverFixture;
      before(async () => {
        fixture = await makeDriver();
        const tree = new TileTree();
        for (let from = 0; from < 700; from += 100)
          await fixture.driver.appendBatch(tree.size, ...batch(tree, from));
      });
      after(async () => {
        await fixture.cleanup();
      });

      function batch(tree: TileTree, from: number): [SealedRow[], ReturnType<TileTree["append"]>] {
        const rows = manyEvents(100, from).map((e, i) => toRow(e, from + i));
        return [rows, tree.append(rows.map((r) => leafHash(r.json)))];
      }

      test("chunks cover exactly the matching events, in seq order", async () => {
        const all = await scanAll(fixture.driver, MATCH_ALL);
        assert.deepEqual(
          seqs(all),
          Array.from({ length: 700 }, (_, i) => i),
        );
        const failures = await scanAll(fixture.driver, cond("outcome", "eq", "failure"), 301);
        assert.deepEqual(
          seqs(failures),
          Array.from({ length: 700 }, (_, i) => i).filter((i) => i >= 301 && i % 2 === 1),
        );
        assert.equal(await fixture.driver.countEvents(cond("outcome", "eq", "failure")), 350);
      });

      test("scanLeafHashes gives the leaf hash of every stored event's bytes, from fromSeq on", async () => {
        const all = await scanAll(fixture.driver, MATCH_ALL);
        for (const fromSeq of [0, 1, 299, 699, 700]) {
          const leaves: Buffer[] = [];
          let next = fromSeq;
          for await (const chunk of fixture.driver.scanLeafHashes(fromSeq)) {
            assert.equal(chunk.firstSeq, next, "runs are consecutive when no seq is missing");
            assert.equal(chunk.hashes.length % 32, 0);
            for (let i = 0; i < chunk.hashes.length; i += 32) leaves.push(chunk.hashes.subarray(i, i + 32));
            next += chunk.hashes.length / 32;
          }
          assert.deepEqual(
            leaves.map((h) => h.toString("hex")),
            all.slice(fromSeq).map((e) => leafHash(e.json).toString("hex")),
          );
        }
        // Checking the copied columns of an untouched store finds nothing and changes no hash.
        const checked: string[] = [];
        for await (const chunk of fixture.driver.scanLeafHashes(0, 700, { checkColumns: true })) {
          assert.equal(chunk.columnMismatch, undefined);
          checked.push(chunk.hashes.toString("hex"));
        }
        assert.equal(checked.join(""), all.map((e) => leafHash(e.json).toString("hex")).join(""));
      });

      test("tiles of a tree past one full tile rebuild the same root", async () => {
        const tree = new TileTree();
        const all = await scanAll(fixture.driver, MATCH_ALL);
        tree.append(all.map((e) => leafHash(e.json)));
        const reopened = await TileTree.open(fixture.driver, await fixture.driver.size());
        assert.deepEqual(reopened.root(), tree.root());
        assert.equal((await fixture.driver.readTile(0, 0))?.length, 256 * 32);
        assert.equal((await fixture.driver.readTile(0, 2))?.length, (700 - 512) * 32);
        assert.equal((await fixture.driver.readTile(1, 0))?.length, 2 * 32);
      });
    });

    describe("pages in time windows, narrow or wide, with times out of seq order", () => {
      let fixture: DriverFixture;
      /** Seq i happened at T0 + minute(i): a permutation, so times do not follow seqs. */
      const minute = (i: number) => (i * 7919) % 300;
      before(async () => {
        fixture = await makeDriver();
        const events = Array.from({ length: 300 }, (_, i) =>
          prepareEvent({
            action: "window.item",
            outcome: i % 3 === 0 ? "failure" : "success",
            timestamp: new Date(T0 + minute(i) * 60_000).toISOString(),
          }),
        );
        await appendEvents(fixture.driver, new TileTree(), events);
      });
      after(async () => {
        await fixture.cleanup();
      });

      // Windows from 1 % to all of the store's span, and beyond it on either side.
      const windows: Array<[number, number]> = [
        [0, 300],
        [-50, 400],
        [30, 240],
        [100, 190],
        [120, 150],
        [200, 203],
        [299, 310],
        [-10, 1],
      ];
      for (const [from, to] of windows) {
        test(`minutes [${from}, ${to}): every page as the events' times say, asc and desc`, async () => {
          const window = { since: T0 + from * 60_000, until: T0 + to * 60_000 };
          const inWindow = (i: number) => minute(i) >= from && minute(i) < to;
          const all = Array.from({ length: 300 }, (_, i) => i);
          for (const [filter, keep] of [
            [{ conditions: [], ...window }, inWindow],
            [{ ...cond("outcome", "eq", "failure"), ...window }, (i: number) => inWindow(i) && i % 3 === 0],
          ] as Array<[EventFilter, (i: number) => boolean]>) {
            const expected = all.filter(keep);
            assert.deepEqual(seqs(await pageAll(fixture.driver, filter, "asc", 7)), expected);
            assert.deepEqual(seqs(await pageAll(fixture.driver, filter, "desc", 7)), [...expected].reverse());
            assert.equal(await fixture.driver.countEvents(filter), expected.length);
          }
        });
      }
    });

    describe("pages in event-time order (sort: timestamp), ties broken by seq", () => {
      let fixture: DriverFixture;
      let tree: TileTree;
      /** Seq i happened at T0 + minute(i): ten minutes for forty events, so four share each. */
      const minute = (i: number) => (i * 7) % 10;
      const COUNT = 40;
      /** Seqs in (time, seq) order, ascending, among those `keep` accepts. */
      const byTime = (keep: (i: number) => boolean) =>
        Array.from({ length: COUNT }, (_, i) => i)
          .filter(keep)
          .sort((a, b) => minute(a) - minute(b) || a - b);
      before(async () => {
        fixture = await makeDriver();
        tree = new TileTree();
        const events = Array.from({ length: COUNT }, (_, i) =>
          prepareEvent({
            action: "time.item",
            outcome: i % 3 === 0 ? "failure" : "success",
            timestamp: new Date(T0 + minute(i) * MIN).toISOString(),
          }),
        );
        // Three batches, so the index is built across transactions.
        await appendEvents(fixture.driver, tree, events.slice(0, 13));
        await appendEvents(fixture.driver, tree, events.slice(13, 29));
        await appendEvents(fixture.driver, tree, events.slice(29));
      });
      after(async () => {
        await fixture.cleanup();
      });

      test("every page size walks every match once, in (timestamp, seq) order both ways", async () => {
        const cases: Array<[EventFilter, (i: number) => boolean]> = [
          [MATCH_ALL, () => true],
          [cond("outcome", "eq", "failure"), (i) => i % 3 === 0],
          [
            { conditions: [], since: T0 + 2 * MIN, until: T0 + 7 * MIN },
            (i) => minute(i) >= 2 && minute(i) < 7,
          ],
          [
            { ...cond("outcome", "eq", "success"), since: T0 + 5 * MIN },
            (i) => i % 3 !== 0 && minute(i) >= 5,
          ],
        ];
        for (const [filter, keep] of cases) {
          const expected = byTime(keep);
          assert.ok(expected.length > 4, "each case spans several pages");
          for (const limit of [1, 3, 4, 7, 100]) {
            assert.deepEqual(seqs(await pageAllByTime(fixture.driver, filter, "asc", limit)), expected);
            assert.deepEqual(
              seqs(await pageAllByTime(fixture.driver, filter, "desc", limit)),
              [...expected].reverse(),
            );
          }
        }
      });

      test("a page boundary between events of the same time splits them by seq, never repeating one", async () => {
        // Minute 0 holds seqs 0, 10, 20, 30: continuing after (minute 0, seq 10) gives 20, 30, then minute 1.
        const at = T0;
        const asc = await fixture.driver.queryEvents(MATCH_ALL, {
          order: "asc",
          sort: "timestamp",
          afterSeq: 10,
          afterTimestampMs: at,
          limit: 3,
        });
        assert.deepEqual(seqs(asc), [20, 30, ...byTime((i) => minute(i) === 1).slice(0, 1)]);
        const desc = await fixture.driver.queryEvents(MATCH_ALL, {
          order: "desc",
          sort: "timestamp",
          afterSeq: 20,
          afterTimestampMs: at,
          limit: 5,
        });
        assert.deepEqual(seqs(desc), [10, 0]);
      });

      test("a position need not be a stored event: it is a place in the order", async () => {
        const page = await fixture.driver.queryEvents(MATCH_ALL, {
          order: "desc",
          sort: "timestamp",
          afterSeq: 25,
          afterTimestampMs: T0 + 3 * MIN,
          limit: 100,
        });
        const expected = byTime((i) => minute(i) < 3 || (minute(i) === 3 && i < 25)).reverse();
        assert.deepEqual(seqs(page), expected);
      });

      test("continuing without the position's time is refused with a RangeError", async () => {
        await assert.rejects(
          fixture.driver.queryEvents(MATCH_ALL, { order: "desc", sort: "timestamp", afterSeq: 3, limit: 5 }),
          RangeError,
        );
      });

      test("events appended during a walk show in it when they sort after its position, and none twice", async () => {
        const { driver } = fixture;
        const size = await driver.size();
        const expectedBefore = byTime(() => true).reverse();
        let late: SealedRow[] = [];
        const walked = await pageAllByTime(driver, MATCH_ALL, "desc", 6, async (pages) => {
          if (pages !== 2) return;
          // After two pages (minutes 9 to 7): one event backfilled at minute 1, one at minute 8 (already walked past).
          late = await appendEvents(driver, tree, [
            prepareEvent({ action: "time.backfill", timestamp: new Date(T0 + MIN).toISOString() }),
            prepareEvent({ action: "time.backfill", timestamp: new Date(T0 + 8 * MIN).toISOString() }),
          ]);
        });
        const [backfilled, behind] = late as [SealedRow, SealedRow];
        assert.equal(backfilled.seq, size);
        const expected = [...expectedBefore];
        // Minute 1's events in descending order: the backfilled one has the highest seq, so it comes first.
        expected.splice(expected.indexOf(byTime((i) => minute(i) === 1).at(-1) as number), 0, backfilled.seq);
        assert.deepEqual(seqs(walked), expected);
        assert.ok(!seqs(walked).includes(behind.seq), "an event sorting before the position is not seen");
        const again = seqs(await pageAllByTime(driver, MATCH_ALL, "desc", 6));
        assert.equal(new Set(again).size, again.length);
        assert.equal(again.length, COUNT + 2);
      });
    });

    describe("scanLeafHashes over a store edited behind the driver's back", () => {
      let fixture: DriverFixture;
      let rows: SealedRow[];
      before(async () => {
        fixture = await makeDriver();
        const tree = new TileTree();
        rows = [
          ...(await appendEvents(fixture.driver, tree, manyEvents(10))),
          ...(await appendEvents(fixture.driver, tree, manyEvents(10, 10))),
        ];
      });
      after(async () => {
        await fixture.cleanup();
      });

      interface Run {
        firstSeq: number;
        leaves: string[];
        columnMismatch?: { seq: number; column: string };
      }

      /** Every run of a scan; checks that runs are non-empty and in ascending, disjoint seq order. */
      async function runs(fromSeq?: number, toSeq?: number, checkColumns = false): Promise<Run[]> {
        const out: Run[] = [];
        for await (const chunk of fixture.driver.scanLeafHashes(fromSeq, toSeq, { checkColumns })) {
          assert.ok(chunk.hashes.length > 0 && chunk.hashes.length % 32 === 0, "a run holds whole leaves");
          const last = out[out.length - 1];
          if (last) assert.ok(chunk.firstSeq >= last.firstSeq + last.leaves.length, "runs ascend");
          const leaves: string[] = [];
          for (let i = 0; i < chunk.hashes.length; i += 32) {
            leaves.push(chunk.hashes.subarray(i, i + 32).toString("hex"));
          }
          out.push({
            firstSeq: chunk.firstSeq,
            leaves,
            ...(chunk.columnMismatch ? { columnMismatch: chunk.columnMismatch } : {}),
          });
        }
        return out;
      }

      /** seq → leaf hash of every run. */
      const leafOf = (scan: readonly Run[]) =>
        new Map(scan.flatMap((r) => r.leaves.map((leaf, i) => [r.firstSeq + i, leaf] as const)));
      const hex = (json: string) => leafHash(json).toString("hex");
      const mismatches = (scan: readonly Run[]) =>
        scan.flatMap((r) => (r.columnMismatch ? [r.columnMismatch] : []));

      /** Checks that each reported mismatch is the last leaf of its run, and the next run starts after it. */
      function assertMismatchesEndRuns(scan: readonly Run[]): void {
        scan.forEach((r, i) => {
          if (!r.columnMismatch) return;
          assert.equal(r.columnMismatch.seq, r.firstSeq + r.leaves.length - 1, "a mismatch ends its run");
          const next = scan[i + 1];
          if (next) assert.equal(next.firstSeq, r.columnMismatch.seq + 1, "the next run starts after it");
        });
      }

      test("toSeq ends the scan before it; a range past the store is cut to it", async () => {
        const expected = (from: number, to: number) =>
          rows.slice(from, to).map((r) => [r.seq, hex(r.json)] as const);
        assert.deepEqual([...leafOf(await runs(3, 10))], expected(3, 10));
        assert.deepEqual([...leafOf(await runs(18, 100))], expected(18, 20));
        assert.deepEqual([...leafOf(await runs(0))], expected(0, 20));
        assert.deepEqual(await runs(5, 5), []);
        assert.deepEqual(await runs(25), []);
      });

      test("an edited JSON reads back and hashes as edited; an indexed field changed in it is a column mismatch", async () => {
        const { driver, tamper } = fixture;
        const four = (rows[4] as SealedRow).json.replace('"details":{"n":4}', '"details":{"n":44}');
        const seven = (rows[7] as SealedRow).json.replace('"action":"bulk.item1"', '"action":"bulk.evil"');
        assert.ok(four !== rows[4]?.json && seven !== rows[7]?.json, "the edits change the JSON");
        await tamper.setJson(4, four);
        await tamper.setJson(7, seven);
        assert.equal((await driver.getEventBySeq(4))?.json, four);
        assert.equal((await driver.getEventById((rows[7] as SealedRow).id))?.json, seven);
        const plain = await runs();
        assert.deepEqual(
          [...leafOf(plain).values()],
          rows.map((r) => hex(r.seq === 4 ? four : r.seq === 7 ? seven : r.json)),
        );
        assert.deepEqual(mismatches(plain), [], "without checkColumns no column is compared");
        const checked = await runs(0, undefined, true);
        assert.deepEqual([...leafOf(checked)], [...leafOf(plain)], "checking columns changes no hash");
        assert.deepEqual(mismatches(checked), [{ seq: 7, column: "action" }]);
        assertMismatchesEndRuns(checked);
      });

      test("copied columns edited alone show only with checkColumns, named as in IndexedColumns", async () => {
        const { tamper } = fixture;
        await tamper.setColumn(10, "actorId", "mallory");
        await tamper.setColumn(12, "timestampMs", T0 - 1);
        await tamper.setColumn(14, "severityLevel", 0);
        const plain = await runs();
        assert.deepEqual(mismatches(plain), []);
        assert.equal(leafOf(plain).get(10), hex((rows[10] as SealedRow).json), "the leaf is the JSON's");
        const checked = await runs(0, undefined, true);
        assert.deepEqual(mismatches(checked), [
          { seq: 7, column: "action" },
          { seq: 10, column: "actorId" },
          { seq: 12, column: "timestampMs" },
          { seq: 14, column: "severityLevel" },
        ]);
        assertMismatchesEndRuns(checked);
        assert.deepEqual(mismatches(await runs(8, 13, true)), [
          { seq: 10, column: "actorId" },
          { seq: 12, column: "timestampMs" },
        ]);
        // Pages by event time follow the copied column, as an index on it does: seq 12 now comes first.
        const byTime = (order: "asc" | "desc") =>
          fixture.driver.queryEvents(MATCH_ALL, { order, sort: "timestamp", limit: 100 });
        assert.deepEqual(seqs(await byTime("asc")).slice(0, 2), [12, 0]);
        assert.equal(seqs(await byTime("desc")).at(-1), 12);
      });

      test("a JSON that no longer parses is a mismatch of the body", async () => {
        await fixture.tamper.setJson(16, "{not json");
        const checked = await runs(15, 18, true);
        assert.deepEqual(mismatches(checked), [{ seq: 16, column: "body" }]);
        assert.equal(leafOf(checked).get(16), hex("{not json"));
        assertMismatchesEndRuns(checked);
      });

      test("a deleted event ends a run and the next starts after it; size is one past the highest seq left", async () => {
        const { driver, tamper } = fixture;
        await tamper.deleteEvent(5);
        assert.equal(await driver.getEventBySeq(5), undefined);
        assert.equal(await driver.getEventById((rows[5] as SealedRow).id), undefined);
        assert.equal((await driver.findSeqsByIds([(rows[5] as SealedRow).id])).size, 0);
        assert.equal(await driver.size(), 20, "a gap below the top leaves the size");
        assert.equal(await driver.countEvents(MATCH_ALL), 19);
        assert.deepEqual(
          seqs(await scanAll(driver, MATCH_ALL)),
          rows.map((r) => r.seq).filter((seq) => seq !== 5),
        );
        const scan = await runs();
        assert.deepEqual(
          [...leafOf(scan).keys()],
          rows.map((r) => r.seq).filter((seq) => seq !== 5),
        );
        assert.ok(
          scan.some((r) => r.firstSeq === 6),
          "the run after the gap starts at the next stored seq",
        );
        await tamper.deleteEvent(19);
        assert.equal(await driver.size(), 19);
        await tamper.deleteEvent(18);
        assert.equal(await driver.size(), 18);
        assert.deepEqual([...leafOf(await runs(15)).keys()], [15, 16, 17]);
        assert.deepEqual(
          seqs(await driver.queryEvents(MATCH_ALL, { order: "asc", sort: "timestamp", limit: 100 })),
          [12, 0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17],
          "pages by event time hold no deleted event",
        );
        await assert.rejects(tamper.deleteEvent(5), "there is nothing left at seq 5 to delete");
      });
    });

    describe("after close", () => {
      test("every call but close rejects, and closing again is harmless", async () => {
        const fixture = await makeDriver();
        try {
          const { driver } = fixture;
          const tree = new TileTree();
          const [row] = await appendEvents(driver, tree, manyEvents(1));
          const { signerKey } = generateNoteKey("sealtrail.test/contract");
          await driver.close();
          const closed = (e: unknown) => e instanceof Error && /closed|not open/i.test(e.message);
          const calls: Array<[string, () => Promise<unknown>]> = [
            ["size", () => driver.size()],
            ["appendBatch", () => driver.appendBatch(1, [], [])],
            ["findSeqsByIds", () => driver.findSeqsByIds([row?.id ?? ""])],
            ["getEventById", () => driver.getEventById(row?.id ?? "")],
            ["getEventBySeq", () => driver.getEventBySeq(0)],
            ["queryEvents", () => driver.queryEvents(MATCH_ALL, { order: "asc", limit: 10 })],
            ["scanEvents", () => scanAll(driver, MATCH_ALL)],
            ["countEvents", () => driver.countEvents(cond("outcome", "eq", "success"))],
            ["countEach", () => driver.countEach(MATCH_ALL, [[]])],
            ["countBy", () => driver.countBy(MATCH_ALL, "action", 10)],
            ["readTile", () => driver.readTile(0, 0)],
            ["putCheckpoint", () => driver.putCheckpoint(checkpoint(1, "closed", signerKey))],
            ["latestCheckpoint", () => driver.latestCheckpoint()],
            ["listCheckpoints", () => driver.listCheckpoints()],
            ["getMeta", () => driver.getMeta("origin")],
            ["setMeta", () => driver.setMeta("origin", "x")],
            ["getCursor", () => driver.getCursor("c")],
            ["setCursor", () => driver.setCursor("c", 1)],
            ["getConsumerState", () => driver.getConsumerState("c")],
            [
              "commitConsumer",
              () =>
                driver.commitConsumer("c", { expected: undefined, position: 1, state: null, messages: [] }),
            ],
            ["laneHeads", () => driver.laneHeads("c", 0)],
            ["pendingMessages", () => driver.pendingMessages("c", { limit: 1 })],
            [
              "updateMessage",
              () =>
                driver.updateMessage(1, {
                  status: "delivered",
                  attempts: 1,
                  nextAttemptAt: 0,
                  lastError: null,
                }),
            ],
            ["listMessages", () => driver.listMessages("c", { limit: 1 })],
            ["pruneMessages", () => driver.pruneMessages("c", 0)],
          ];
          for (const [name, call] of calls) await assert.rejects(call(), closed, name);
          await driver.close();
        } finally {
          await fixture.cleanup();
        }
      });
    });

    describe("checkpoints, meta and cursors", () => {
      let fixture: DriverFixture;
      const { signerKey } = generateNoteKey("sealtrail.test/contract");
      before(async () => {
        fixture = await makeDriver();
      });
      after(async () => {
        await fixture.cleanup();
      });

      test("putCheckpoint / latestCheckpoint / listCheckpoints round trip, by size", async () => {
        const { driver } = fixture;
        const five = checkpoint(5, "a", signerKey);
        const two = checkpoint(2, "a", signerKey);
        const nine = checkpoint(9, "a", signerKey);
        await driver.putCheckpoint(five);
        assert.deepEqual(await driver.latestCheckpoint(), five);
        await driver.putCheckpoint(two);
        assert.deepEqual(
          await driver.latestCheckpoint(),
          five,
          "latest is the largest size, not the last put",
        );
        await driver.putCheckpoint(nine);
        const latest = await driver.latestCheckpoint();
        assert.deepEqual(latest, nine);
        assert.ok(Buffer.isBuffer(latest?.root), "root reads back as a Buffer");
        assert.deepEqual(await driver.listCheckpoints(), [two, five, nine]);
      });

      test("putCheckpoint is idempotent per tree size", async () => {
        const { driver } = fixture;
        const stored = await driver.listCheckpoints();
        await driver.putCheckpoint(checkpoint(5, "a", signerKey));
        await driver.putCheckpoint(stored[1] as SignedCheckpoint);
        const other = checkpoint(5, "b", signerKey);
        await driver.putCheckpoint(other);
        const list = await driver.listCheckpoints();
        assert.deepEqual(
          list.map((c) => c.size),
          [2, 5, 9],
        );
        assert.deepEqual(list[1], stored[1], "the first checkpoint of a size stays");
      });

      test("meta round trips and overwrites", async () => {
        const { driver } = fixture;
        assert.equal(await driver.getMeta("origin"), undefined);
        await driver.setMeta("origin", "sealtrail.test/log");
        await driver.setMeta("note", "ünïcode 🎉 \n line");
        assert.equal(await driver.getMeta("origin"), "sealtrail.test/log");
        assert.equal(await driver.getMeta("note"), "ünïcode 🎉 \n line");
        await driver.setMeta("origin", "other");
        assert.equal(await driver.getMeta("origin"), "other");
        await driver.setMeta("empty", "");
        assert.equal(await driver.getMeta("empty"), "");
      });

      test("cursors start at 0, round trip and are independent", async () => {
        const { driver } = fixture;
        assert.equal(await driver.getCursor("webhook"), 0);
        await driver.setCursor("webhook", 5);
        await driver.setCursor("mirror", 2);
        assert.equal(await driver.getCursor("webhook"), 5);
        assert.equal(await driver.getCursor("mirror"), 2);
        await driver.setCursor("webhook", 7);
        assert.equal(await driver.getCursor("webhook"), 7);
        assert.equal(await driver.getCursor("mirror"), 2);
        assert.equal(await driver.getCursor("other"), 0);
      });
    });

    consumerStoreContract(name, makeDriver);
  });
}

function cond(field: string, op: "eq" | "ne", value: string | number | boolean): EventFilter;
function cond(field: string, op: "gt" | "gte" | "lt" | "lte", value: string | number): EventFilter;
function cond(field: string, op: "prefix", value: string): EventFilter;
function cond(field: string, op: string, value: string | number | boolean): EventFilter {
  return { conditions: [{ field, op, value } as EventFilter["conditions"][number]] };
}

function globs(field: string, patterns: string[], op: "glob" | "not_glob" = "glob"): EventFilter {
  return { conditions: [{ field, op, patterns }] };
}

function and(...filters: EventFilter[]): EventFilter {
  return { conditions: filters.flatMap((f) => f.conditions) };
}
