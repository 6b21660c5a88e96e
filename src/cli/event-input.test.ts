import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { type EventStdin, parseEventText, readEventText } from "./event-input.js";

/** Standard input holding `text`, as a pipe (or a terminal when `tty`). */
function stdin(text: string, tty = false): EventStdin {
  return Object.assign(Readable.from([Buffer.from(text)]), { isTTY: tty });
}

const event = '{"action":"audit_log.review","actor":{"id":"alice","type":"user"}}';

test("the event comes from the argument, --json, standard input or - (standard input)", async () => {
  const unread = stdin("not read");
  assert.deepEqual(await readEventText({ argument: event }, unread, 1000), {
    source: "the event argument",
    text: event,
  });
  assert.deepEqual(await readEventText({ json: event }, unread, 1000), { source: "--json", text: event });
  assert.deepEqual(await readEventText({}, stdin(`${event}\n`), 1000), {
    source: "standard input",
    text: `${event}\n`,
  });
  assert.deepEqual(await readEventText({ argument: "-" }, stdin(event), 1000), {
    source: "standard input",
    text: event,
  });
  assert.deepEqual(parseEventText({ source: "standard input", text: `${event}\n` }), JSON.parse(event));
});

test("given twice, or not at all (standard input a terminal, or empty), is a usage error saying how", async () => {
  const usage = (pattern: RegExp) => (e: unknown) =>
    isSealtrailError(e, "ST_ERR_USAGE") && pattern.test(e.message);
  await assert.rejects(
    readEventText({ argument: event, json: event }, stdin(""), 1000),
    usage(/given twice/),
  );
  await assert.rejects(
    readEventText({}, stdin("", true), 1000),
    usage(/as an argument.*standard input.*--json/),
  );
  await assert.rejects(readEventText({}, stdin(" \n"), 1000), usage(/standard input: expected an event/));
  // `-` reads standard input even when it is a terminal: it was asked for.
  assert.equal((await readEventText({ argument: "-" }, stdin(event, true), 1000)).text, event);
});

test("more standard input than the limit is refused as too large, naming the limit", async () => {
  await assert.rejects(
    readEventText({}, stdin("x".repeat(101)), 100),
    (e: unknown) => isSealtrailError(e, "ST_ERR_EVENT_TOO_LARGE") && /more than 100 bytes/.test(e.message),
  );
});

test("text that is not JSON names where it came from; NDJSON on standard input points to ingest", () => {
  assert.throws(
    () => parseEventText({ source: "the event argument", text: "{action: x}" }),
    (e: unknown) =>
      isSealtrailError(e, "ST_ERR_EVENT_JSON") && e.message.startsWith("the event argument: invalid JSON"),
  );
  assert.throws(
    () => parseEventText({ source: "standard input", text: `${event}\n${event}\n` }),
    (e: unknown) =>
      isSealtrailError(e, "ST_ERR_EVENT_JSON") && /2 JSON lines; sealtrail ingest -/.test(e.message),
  );
});
