/**
 * What a tenant-bound key can and cannot learn, exactly as docs/http-api.md ("What a tenant-bound
 * key can learn") and the README say it: it reads nothing of another tenant's events, but seqs and
 * tree sizes are global, so it learns how many events the whole log holds and how many others
 * came between its own; a bound auditor reads every event's leaf hash in the hash tiles.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { InjectOptions } from "fastify";
import { leafHash } from "../src/ledger/rfc6962.js";
import { startTestServer, type TestKey, type TestServer } from "./server-harness.js";

describe("a tenant-bound key learns the size of the whole log, and nothing of another tenant's events", () => {
  let server: TestServer;
  let acmeWriter: TestKey;
  let acmeReader: TestKey;
  let acmeAuditor: TestKey;
  let globexWriter: TestKey;
  const acmeSeqs: number[] = [];
  let globexSeq = -1;
  let globexId = "";

  async function ask(key: TestKey, url: string, more: Partial<InjectOptions> = {}) {
    return server.app.inject({ method: "GET", url, headers: key.headers, ...more } as InjectOptions);
  }

  async function post(key: TestKey, event: object): Promise<{ seq: number; id: string }> {
    const answer = await ask(key, "/v1/events", {
      method: "POST",
      headers: { ...key.headers, "content-type": "application/json" },
      payload: JSON.stringify(event),
    });
    assert.equal(answer.statusCode, 201, answer.body);
    return JSON.parse(answer.body) as { seq: number; id: string };
  }

  before(async () => {
    server = await startTestServer();
    acmeWriter = await server.key("writer", "acme");
    acmeReader = await server.key("reader", "acme");
    acmeAuditor = await server.key("auditor", "acme");
    globexWriter = await server.key("writer", "globex");
    acmeSeqs.push((await post(acmeWriter, { action: "invoice.paid" })).seq);
    for (const action of ["deal.signed", "deal.closed", "payroll.run"]) {
      const stored = await post(globexWriter, { action, actor: { id: "globex-cfo" } });
      globexSeq = stored.seq;
      globexId = stored.id;
    }
    acmeSeqs.push((await post(acmeWriter, { action: "invoice.sent" })).seq);
    await server.log.checkpoint();
  });
  after(() => server.close());

  test("can: its own seqs are positions in the whole log, so their gap counts the others' events between", () => {
    assert.equal((acmeSeqs[1] as number) - (acmeSeqs[0] as number) - 1, 3, "three globex events between");
  });

  test("can: every checkpoint it reads is the size of the whole log, every tenant's events together", async () => {
    const whole = (await server.log.latestCheckpoint())?.size;
    for (const key of [acmeReader, acmeAuditor]) {
      for (const url of ["/v1/checkpoint", "/checkpoint"]) {
        const answer = await ask(key, url);
        assert.equal(answer.statusCode, 200, answer.body);
        assert.equal(Number(answer.body.split("\n")[1]), whole, `${url}: the tree size line`);
      }
    }
    const own = JSON.parse((await ask(acmeReader, "/v1/events?action=invoice.*")).body) as {
      events: unknown[];
    };
    assert.equal(own.events.length, 2);
    assert.ok((whole ?? 0) >= 5, "the size counts the globex events it cannot read");
  });

  test("can: a report it reads states the whole log's checkpoint while counting its tenant only", async () => {
    const answer = await ask(acmeAuditor, "/v1/reports/activity-daily?format=json");
    assert.equal(answer.statusCode, 200, answer.body.slice(0, 300));
    const report = JSON.parse(answer.body) as {
      provenance: { checkpoint: { treeSize: number }; filter: string[] };
    };
    assert.ok(report.provenance.checkpoint.treeSize > globexSeq, "the tree holds the globex events");
    assert.doesNotMatch(answer.body, /deal\.signed|globex-cfo|payroll/);
  });

  test("can (auditor): hash tiles hold every event's leaf hash; consistency proofs between any sizes", async () => {
    const [stored] = await server.log.readEntries(globexSeq, 1);
    const size = (await server.log.latestCheckpoint())?.size as number;
    const tile = await ask(acmeAuditor, `/tile/0/000.p/${size}`);
    assert.equal(tile.statusCode, 200, tile.body);
    const hashes = tile.rawPayload;
    assert.deepEqual(
      hashes.subarray(globexSeq * 32, globexSeq * 32 + 32),
      leafHash(stored?.json as string),
      "the leaf hash of the globex event: equal to SHA-256(0x00 ‖ its exact bytes), nothing more",
    );
    const proof = await ask(acmeAuditor, `/v1/proofs/consistency?from=1&to=${size}`);
    assert.equal(proof.statusCode, 200, proof.body);
  });

  test("cannot: another tenant's event, its proof, or an entry bundle", async () => {
    const event = await ask(acmeReader, `/v1/events/${globexId}`);
    assert.equal(event.statusCode, 404);
    assert.doesNotMatch(event.body, /payroll|globex-cfo/);
    const proof = await ask(acmeAuditor, `/v1/proofs/inclusion?seq=${globexSeq}`);
    assert.equal(proof.statusCode, 404);
    const beyond = await ask(acmeAuditor, "/v1/proofs/inclusion?seq=1000000");
    assert.equal(
      proof.body.replace(`seq ${globexSeq}`, "seq N"),
      beyond.body.replace("seq 1000000", "seq N"),
    );
    const withProof = await ask(acmeAuditor, `/v1/events/${globexId}?proof=true`);
    assert.equal(withProof.statusCode, 404);
    const entries = await ask(acmeAuditor, "/tile/entries/000.p/1");
    assert.equal(entries.statusCode, 403);
    const stats = JSON.parse((await ask(acmeReader, "/v1/stats")).body) as {
      byAction: Array<{ key: string }>;
    };
    assert.ok(!stats.byAction.some((row) => ["deal.signed", "deal.closed", "payroll.run"].includes(row.key)));
  });
});
