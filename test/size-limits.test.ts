/**
 * A size limit is reported as a size limit — the code `ST_ERR_EVENT_TOO_LARGE` (or the body's
 * `ST_ERR_HTTP_BODY_TOO_LARGE`), the limit and the size, and the line — never as invalid JSON, in
 * every way events come in: the library's NDJSON ingest, `sealtrail ingest`, `sealtrail append`
 * on standard input, and the HTTP NDJSON and JSON bodies. The lines here are valid JSON.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { AuditLog } from "../src/audit-log.js";
import type { ErrorCode } from "../src/errors.js";
import { ingestNdjson } from "../src/ingest/ingest-ndjson.js";
import { DEFAULT_MAX_LINE_BYTES } from "../src/ingest/ndjson-lines.js";
import { DEFAULT_SERVER_LIMITS } from "../src/server/server-context.js";
import { memoryStorage } from "../src/storage/memory/memory-storage.js";
import { CLI, describeRun, initStore, removeTempDirs, runCli, tempDir } from "./cli-harness.js";
import { startTestServer } from "./server-harness.js";

/** A valid event whose JSON is about `bytes` long (in parts each within the string length limit). */
function eventOf(bytes: number): string {
  const parts = Object.fromEntries(
    Array.from({ length: Math.ceil(bytes / 10_000) }, (_, i) => [`part${i}`, "x".repeat(10_000)]),
  );
  return JSON.stringify({ action: "package.scan", details: parts });
}

const small = '{"action":"user.login"}';
/** A 10 MB line of valid JSON: more than the 4 MiB a line may hold. */
const huge = eventOf(10_000_000);
const tooLarge = new RegExp(
  `too large: ${Buffer.byteLength(huge)} bytes, more than the ${DEFAULT_MAX_LINE_BYTES} bytes a line may hold`,
);

describe("size limits are reported as size limits, naming the limit and the line", () => {
  let dir = "";
  let home = "";

  before(() => {
    dir = tempDir();
    home = join(dir, "home");
    initStore(home);
  });
  after(removeTempDirs);

  test("the library's NDJSON ingest: the line's number, ST_ERR_EVENT_TOO_LARGE, its size and the limit", async () => {
    const log = await AuditLog.open({ storage: memoryStorage() });
    try {
      const rejected: Array<{ line: number; reason: string; code: ErrorCode }> = [];
      const summary = await ingestNdjson(
        Readable.from([`${small}\n${huge}\n${small}\n`]),
        (events) => log.submitPrepared(events),
        { onRejected: (line, reason, code) => rejected.push({ line, reason, code }) },
      );
      assert.deepEqual(summary, { accepted: 2, duplicates: 0, rejected: 1 });
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0]?.line, 2);
      assert.equal(rejected[0]?.code, "ST_ERR_EVENT_TOO_LARGE");
      assert.match(rejected[0]?.reason ?? "", tooLarge);
      // Within the line limit but over the event limit: the event's limit, named too.
      const over: string[] = [];
      await ingestNdjson(Readable.from([`${eventOf(70_000)}\n`]), (events) => log.submitPrepared(events), {
        onRejected: (_line, reason, code) => over.push(`${code} ${reason}`),
      });
      assert.match(over[0] ?? "", /^ST_ERR_EVENT_TOO_LARGE .*at most 65535 bytes/);
    } finally {
      await log.close();
    }
  });

  test("sealtrail ingest: line N: too large, with the size and the limit; exit 1, the other lines stored", () => {
    const file = join(dir, "big.ndjson");
    writeFileSync(file, `${small}\n${huge}\n`);
    const args = ["ingest", file, "--home", home];
    const r = runCli(args);
    assert.equal(r.code, 1, describeRun(args, r));
    assert.match(r.stderr, new RegExp(`^line 2: ${tooLarge.source}$`, "m"), describeRun(args, r));
    assert.doesNotMatch(r.stderr, /JSON/);
    assert.match(r.stdout, /accepted 1, duplicate 0, rejected 1/);
  });

  test("sealtrail append on standard input: too large, naming the limit", async () => {
    const args = ["append", "--home", home];
    // It stops reading at the limit: the rest of the input meets a closed pipe, as `head` would.
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.on("error", () => {});
    child.stdin.end(huge);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const [code] = (await once(child, "close")) as [number | null];
    const r = { code, signal: null, stdout: "", stderr };
    assert.equal(r.code, 1, describeRun(args, r));
    assert.match(
      r.stderr,
      new RegExp(`standard input: more than ${DEFAULT_MAX_LINE_BYTES} bytes.*\\[ST_ERR_EVENT_TOO_LARGE\\]`),
    );
  });

  test("HTTP: an NDJSON line too large is refused as too large by its line; a JSON body over the limit names it", async () => {
    const server = await startTestServer();
    try {
      const writer = await server.key("writer");
      const ndjson = await server.app.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...writer.headers, "content-type": "application/x-ndjson" },
        payload: `${small}\n${huge}\n`,
      });
      assert.equal(ndjson.statusCode, 200, ndjson.body.slice(0, 500));
      const results = (
        JSON.parse(ndjson.body) as { results: Array<{ error?: { code: string; detail: string } }> }
      ).results;
      assert.equal(results[1]?.error?.code, "ST_ERR_EVENT_TOO_LARGE");
      assert.match(results[1]?.error?.detail ?? "", new RegExp(`^line 2: ${tooLarge.source}$`));

      const json = await server.app.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...writer.headers, "content-type": "application/json" },
        payload: eventOf(DEFAULT_SERVER_LIMITS.jsonBodyBytes),
      });
      assert.equal(json.statusCode, 413, json.body);
      const problem = JSON.parse(json.body) as { code: string; detail: string };
      assert.equal(problem.code, "ST_ERR_HTTP_BODY_TOO_LARGE");
      assert.match(
        problem.detail,
        new RegExp(
          `larger than the limit of ${DEFAULT_SERVER_LIMITS.jsonBodyBytes} bytes .*server\\.limits\\.json_body_bytes`,
        ),
      );
    } finally {
      await server.close();
    }
  });
});
