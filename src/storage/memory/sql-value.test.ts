import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { compareSql, compareText, realText, withAffinity } from "./sql-value.js";

describe("SQLite value semantics", () => {
  let db: Database.Database;
  before(() => {
    db = new Database(":memory:");
  });
  after(() => {
    db.close();
  });

  test("texts order by code point, as SQLite's bytes do (astral after U+FFFF)", () => {
    const texts = [
      "",
      "a",
      "ab",
      "b",
      "z",
      "é",
      "ÿ",
      "\ud7ff",
      "\ue000",
      "\uffff",
      "🎉",
      "🎉a",
      "\u{10ffff}",
    ];
    const bySqlite = db
      .prepare(`SELECT v FROM (${texts.map(() => "SELECT ? AS v").join(" UNION ALL ")}) ORDER BY v`)
      .pluck()
      .all(...texts);
    assert.deepEqual([...texts].sort(compareText), bySqlite);
    assert.ok("\uffff" > "🎉", "where JavaScript's own order differs");
    assert.ok(compareText("\uffff", "🎉") < 0);
  });

  test("every number sorts before every text", () => {
    assert.ok(compareSql(1e21, "") < 0);
    assert.ok(compareSql("0", -5) > 0);
    assert.equal(compareSql(5, 5), 0);
    assert.ok(Number.isNaN(compareSql(Number.NaN, 1)));
  });

  test("realText is the text SQLite makes of a bound number", () => {
    const values = [
      5,
      -5,
      0,
      0.5,
      0.1,
      5.5,
      100,
      1e15,
      1e16,
      1e17,
      1e21,
      1e100,
      1e-4,
      5e-5,
      1.5e-7,
      123456789.123,
      2 ** 53,
    ];
    const cast = db.prepare("SELECT CAST(? AS TEXT)").pluck();
    for (const v of values) assert.equal(realText(v), cast.get(v), String(v));
    assert.equal(realText(Number.POSITIVE_INFINITY), cast.get(Number.POSITIVE_INFINITY));
  });

  test("an integer column reads numeric texts as numbers, a text column numbers as texts", () => {
    assert.equal(withAffinity("integer", " 12"), 12);
    assert.equal(withAffinity("integer", "1.0"), 1);
    assert.equal(withAffinity("integer", "1e3"), 1000);
    assert.equal(withAffinity("integer", "0x10"), "0x10");
    assert.equal(withAffinity("integer", "1e"), "1e");
    assert.equal(withAffinity("text", 5), "5.0");
    assert.equal(withAffinity("none", 5), 5);
    const probe = db.prepare("SELECT 12 = ?, 1000 = ?, 16 = ?").raw();
    db.exec("CREATE TABLE t (n INTEGER)");
    db.exec("INSERT INTO t VALUES (12)");
    assert.deepEqual(
      db.prepare("SELECT n = ?, n = ?, n > ? FROM t").raw().get(" 12", "12.0", "0x10"),
      [1, 1, 0],
    );
    assert.ok(probe);
  });
});
