import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { type CursorPosition, decodeCursor, encodeCursor } from "./cursor.js";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("cursors", () => {
  test("round trip in both orders and sorts, from seq 0 to the largest safe integer", () => {
    for (const position of [
      { afterSeq: 0, order: "asc", sort: "seq" },
      { afterSeq: 0, order: "desc", sort: "seq" },
      { afterSeq: 1200, order: "desc", sort: "seq" },
      { afterSeq: 1_000_000_007, order: "asc", sort: "seq" },
      { afterSeq: Number.MAX_SAFE_INTEGER, order: "desc", sort: "seq" },
      { afterSeq: 0, order: "desc", sort: "timestamp", afterTimestampMs: 0 },
      { afterSeq: 41, order: "asc", sort: "timestamp", afterTimestampMs: 1_795_338_900_000 },
      { afterSeq: 7, order: "desc", sort: "timestamp", afterTimestampMs: -62_167_219_200_000 },
    ] satisfies CursorPosition[]) {
      const cursor = encodeCursor(position);
      assert.match(cursor, /^[A-Za-z0-9_-]+$/, "URL-safe, unpadded");
      assert.deepEqual(decodeCursor(cursor), position);
    }
  });

  test("the documented example encodes as shown", () => {
    assert.equal(
      encodeCursor({ afterSeq: 1200, order: "desc", sort: "seq" }),
      "eyJzIjoxMjAwLCJvIjoiZGVzYyJ9",
    );
    assert.deepEqual(decodeCursor("eyJzIjoxMjAwLCJvIjoiZGVzYyJ9"), {
      afterSeq: 1200,
      order: "desc",
      sort: "seq",
    });
  });

  test("different positions give different cursors", () => {
    const cursors = new Set([
      encodeCursor({ afterSeq: 1, order: "asc", sort: "seq" }),
      encodeCursor({ afterSeq: 1, order: "desc", sort: "seq" }),
      encodeCursor({ afterSeq: 2, order: "asc", sort: "seq" }),
      encodeCursor({ afterSeq: 1, order: "asc", sort: "timestamp", afterTimestampMs: 5 }),
      encodeCursor({ afterSeq: 1, order: "asc", sort: "timestamp", afterTimestampMs: 6 }),
    ]);
    assert.equal(cursors.size, 5);
  });

  test("malformed cursors are ST_ERR_QUERY_CURSOR naming the cursor", () => {
    for (const cursor of [
      "",
      "not a cursor",
      "!!!",
      b64(null),
      b64([1200, "desc"]),
      b64("x"),
      b64({}),
      b64({ s: 1200 }),
      b64({ o: "desc" }),
      b64({ s: -1, o: "asc" }),
      b64({ s: 1.5, o: "asc" }),
      b64({ s: "12", o: "asc" }),
      b64({ s: Number.MAX_SAFE_INTEGER + 1, o: "asc" }),
      b64({ s: 12, o: "sideways" }),
      b64({ s: 12, o: "ASC" }),
      b64({ s: 12, o: "asc", k: "timestamp" }),
      b64({ s: 12, o: "asc", k: "timestamp", t: "2026-11-01" }),
      b64({ s: 12, o: "asc", k: "timestamp", t: 1.5 }),
      b64({ s: 12, o: "asc", k: "time", t: 5 }),
      b64({ s: 12, o: "asc", t: 5 }),
      Buffer.from('{"s":12,"o":"asc"').toString("base64url"),
    ]) {
      assert.throws(
        () => decodeCursor(cursor),
        (e: unknown) => {
          assert.ok(isSealtrailError(e, "ST_ERR_QUERY_CURSOR"), String(e));
          assert.equal(e.status, 400);
          assert.equal(e.message, `cursor "${cursor}": expected a cursor returned by a previous page`);
          return true;
        },
        cursor,
      );
    }
  });
});
