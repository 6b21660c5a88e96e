import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { prepareEvent } from "../event/prepare-event.js";
import { type PreparedEvent, sealedJson } from "../event/prepared-event.js";
import { parseRfc3339 } from "../event/timestamp.js";
import { type SignedCheckpoint, signCheckpoint } from "../ledger/checkpoint.js";
import { leafHash } from "../ledger/rfc6962.js";
import { generateNoteKey, parseSignerKey } from "../ledger/signed-note.js";
import { TileTree } from "../ledger/tiles.js";
import { parseFilter } from "../query/filter-syntax.js";
import { type EventFilter, MATCH_ALL } from "../read-model/event-filter.js";
import {
  type CountDimension,
  type CountRow,
  type SealedRow,
  SizeMismatchError,
  type StorageDriver,
  type StoredEvent,
} from "./storage-driver.js";

/**
 * The shared contract suite of {@link StorageDriver}: every driver registers it with
 * a factory for fresh, empty stores. Rows are built with `prepareEvent` and `sealedJson`, tiles
 * with a real {@link TileTree}, so what is stored is what the appender would store.
 */

/** A fresh, empty store and how to dispose of it. */
export interface DriverFixture {
  readonly driver: StorageDriver;
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
 * @param makeDriver - opens a fresh, empty store; `cleanup` closes it and removes its files.
 *
 * @example
 * ```ts
 * storageDriverContract("sqlite", async () => {
 *   const dir = mkdtempSync(join(tmpdir(), "st-"));
 *   const driver = SqliteDriver.open(join(dir, "log.db"));
 *   return { driver, cleanup: async () => { await driver.close(); rmSync(dir, { recursive: true }); } };
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
        await assert.rejects(driver.appendBatch(size, rows, tiles));
        assert.equal(await driver.size(), size);
        assert.equal(await driver.getEventBySeq(size), undefined);
        assert.equal(await driver.getEventById((fresh[0] as SealedRow).id), undefined);
        assert.deepEqual(await driver.readTile(0, 0), tileBefore);
        assert.equal((await driver.getEventBySeq(0))?.json, stored.json);
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
  });
}

function cond(field: string, op: "eq" | "ne", value: string | number | boolean): EventFilter;
function cond(field: string, op: "gt" | "gte" | "lt" | "lte", value: string | number): EventFilter;
function cond(field: string, op: "prefix", value: string): EventFilter;
function cond(field: string, op: string, value: string | number | boolean): EventFilter {
  return { conditions: [{ field, op, value } as EventFilter["conditions"][number]] };
}

function and(...filters: EventFilter[]): EventFilter {
  return { conditions: filters.flatMap((f) => f.conditions) };
}
