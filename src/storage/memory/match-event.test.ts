import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { prepareEvent } from "../../event/prepare-event.js";
import { sealedJson } from "../../event/prepared-event.js";
import { parseFilter } from "../../query/filter-syntax.js";
import type { Condition, EventFilter } from "../../read-model/event-filter.js";
import type { SealedRow, StorageDriver } from "../storage-driver.js";
import { compileMatcher, matchesFilter, rowOf } from "./match-event.js";
import { referenceConditions, referenceRows, referenceStore } from "./sqlite-reference.case.js";

/** What a call gives: its value, or the name of the error it threw. */
function outcome<T>(call: () => T): T | { threw: string } {
  try {
    return call();
  } catch (e) {
    return { threw: (e as Error).name };
  }
}

async function sqliteSeqs(driver: StorageDriver, filter: EventFilter): Promise<number[] | { threw: string }> {
  try {
    return (await driver.queryEvents(filter, { order: "asc", limit: 1000 })).map((e) => e.seq);
  } catch (e) {
    // better-sqlite3 refuses to bind a boolean with a TypeError, as the matcher does.
    return { threw: (e as Error).name };
  }
}

describe("matchesFilter agrees with the SQLite driver", () => {
  let rows: SealedRow[];
  let reference: Awaited<ReturnType<typeof referenceStore>>;
  before(async () => {
    rows = referenceRows();
    reference = await referenceStore(rows);
  });
  after(async () => {
    await reference.cleanup();
  });

  const memorySeqs = (filter: EventFilter) =>
    outcome(() => rows.filter((r) => matchesFilter(JSON.parse(r.json), filter)).map((r) => r.seq));

  test("on every condition of the grid: each field, op and probe value", async () => {
    const conditions = referenceConditions();
    assert.ok(conditions.length > 2000, `a large grid (${conditions.length})`);
    const disagreements: string[] = [];
    let matchedSome = 0;
    for (const condition of conditions) {
      const filter = { conditions: [condition] };
      const expected = await sqliteSeqs(reference.driver, filter);
      const got = memorySeqs(filter);
      if (Array.isArray(expected) && expected.length > 0 && expected.length < rows.length) matchedSome++;
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        disagreements.push(
          `${JSON.stringify(condition)}: sqlite ${JSON.stringify(expected)}, memory ${JSON.stringify(got)}`,
        );
      }
    }
    assert.deepEqual(disagreements, []);
    assert.ok(matchedSome > 500, `the grid tells events apart (${matchedSome} conditions split them)`);
  });

  test("on time windows and conjunctions", async () => {
    const t = (minutes: number) => Date.UTC(2026, 10, 1, 10, minutes);
    const filters: EventFilter[] = [
      { conditions: [], since: t(17) },
      { conditions: [], until: t(17 * 5) },
      { conditions: [], since: t(17 * 2), until: t(17 * 9 + 1) },
      { conditions: [], since: t(17 * 9), until: t(17 * 2) },
      { conditions: [{ field: "action", op: "eq", value: "user.login" }], since: t(30) },
      parseFilter(["outcome=failure", "details.v>=5", "tags!=*"]),
      parseFilter(["actor.id=alice,5", "severity<=warning", "tenant=*"]),
      parseFilter(["details.v=5", "details.n<20"], { until: "2026-11-01T13:00:00Z" }),
    ];
    for (const filter of filters) {
      assert.deepEqual(
        memorySeqs(filter),
        await sqliteSeqs(reference.driver, filter),
        JSON.stringify(filter),
      );
    }
  });
});

describe("matchesFilter", () => {
  const event = JSON.parse(
    sealedJson(
      prepareEvent({
        action: "user.login",
        outcome: "failure",
        actor: { id: "alice" },
        tags: ["auth"],
        details: { workflow: "sales-eu", count: 5, flag: true },
      }),
      41,
    ),
  ) as unknown;

  test("decides parsed filters on a parsed event", () => {
    assert.equal(matchesFilter(event, parseFilter(["actor.id=alice", "details.workflow=sales*"])), true);
    assert.equal(matchesFilter(event, parseFilter(["outcome!=failure"])), false);
    assert.equal(matchesFilter(event, parseFilter(["details.count>4", "tags=auth", "seq=41"])), true);
    assert.equal(matchesFilter(event, parseFilter(["details.flag=true", "details.count=5.0"])), true);
    assert.equal(matchesFilter(event, parseFilter(["target.id!=*", "tenant!=acme"])), true);
    assert.equal(matchesFilter(event, { conditions: [], until: Date.parse("2000-01-01") }), false);
  });

  test("an event not yet sequenced has no seq", () => {
    const unsequenced = { ...(event as object), seq: undefined };
    assert.equal(rowOf(unsequenced).seq, null);
    assert.equal(matchesFilter(unsequenced, parseFilter(["seq>=0"])), false);
    assert.equal(matchesFilter(unsequenced, parseFilter(["seq!=41"])), true);
  });

  test("refuses unsafe paths with RangeError and booleans against list elements with TypeError", () => {
    const unsafe: Condition = { field: "details.a'b", op: "eq", value: "x" };
    assert.throws(() => matchesFilter(event, { conditions: [unsafe] }), RangeError);
    assert.throws(
      () => compileMatcher({ conditions: [{ field: "tags", op: "eq", value: true }] }),
      TypeError,
    );
  });

  test("a compiled matcher reads indexed fields from the row's columns, the rest from its JSON", () => {
    const row = rowOf(event);
    const columnsSay = { ...row, columns: { ...row.columns, actorId: "mallory" } };
    const byActor = compileMatcher(parseFilter(["actor.id=mallory"]));
    assert.equal(byActor(row), false);
    assert.equal(byActor(columnsSay), true);
    const byName = compileMatcher(parseFilter(["details.workflow=sales-eu"]));
    assert.equal(byName(columnsSay), true);
  });
});
