import assert from "node:assert/strict";
import { test } from "node:test";
import { prepareEvent } from "../event/prepare-event.js";
import { NdjsonSplitter, type NumberedLine } from "./ndjson-lines.js";
import { packPrepared, unpackPrepared } from "./prepared-columns.js";

function splitAll(input: Buffer, chunkSize: number, maxLineBytes = 1 << 20): NumberedLine[] {
  const splitter = new NdjsonSplitter(maxLineBytes);
  const out: NumberedLine[] = [];
  for (let i = 0; i < input.length; i += chunkSize)
    out.push(...splitter.push(input.subarray(i, i + chunkSize)));
  return [...out, ...splitter.end()];
}

test("lines are the same whatever the chunk boundaries, numbered from 1, blank lines skipped", () => {
  const input = Buffer.from('{"a":1}\n\n{"b":"Zürich 🎉"}\r\n  \n{"c":3}');
  const expected = [
    { number: 1, text: '{"a":1}' },
    { number: 3, text: '{"b":"Zürich 🎉"}\r' },
    { number: 5, text: '{"c":3}' },
  ];
  for (const size of [1, 2, 3, 5, 7, 64])
    assert.deepEqual(splitAll(input, size), expected, `chunk size ${size}`);
});

test("an over-long line is reported as too large, with its size and the limit, by number without being kept; the next line still reads", () => {
  const large = JSON.stringify({ action: "a.b", details: { text: "x".repeat(100) } });
  const input = Buffer.from(`{"a":1}\n${large}\n{"b":2}\n${large}`);
  const tooLarge = {
    reason: `too large: ${large.length} bytes, more than the 50 bytes a line may hold`,
    code: "ST_ERR_EVENT_TOO_LARGE",
  };
  for (const size of [3, 17, 1000]) {
    assert.deepEqual(splitAll(input, size, 50), [
      { number: 1, text: '{"a":1}' },
      { number: 2, text: "", problem: tooLarge },
      { number: 3, text: '{"b":2}' },
      { number: 4, text: "", problem: tooLarge },
    ]);
  }
});

test("invalid UTF-8 is a problem of that line; a real U+FFFD is not", () => {
  const input = Buffer.concat([Buffer.from('{"a":"\xff"}\n', "latin1"), Buffer.from('{"b":"\uFFFD"}\n')]);
  assert.deepEqual(splitAll(input, 4), [
    { number: 1, text: "", problem: { reason: "not valid UTF-8", code: "ST_ERR_EVENT_JSON" } },
    { number: 2, text: '{"b":"\uFFFD"}' },
  ]);
});

test("prepared events survive packing into columns unchanged", () => {
  const events = [
    prepareEvent({ action: "user.login", actor: { id: "alice" }, tenant: "acme" }),
    prepareEvent({ id: "0190f1a2-0000-7000-8000-000000000001", action: "key.rotate", severity: "critical" }),
  ];
  assert.deepEqual(unpackPrepared(packPrepared(events)), events);
});
