import assert from "node:assert/strict";
import { test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { type EventTransform, prepareEvent } from "../event/prepare-event.js";
import { sealedJson } from "../event/prepared-event.js";
import { PreparePool } from "./prepare-pool.js";
import { unpackPrepared } from "./prepared-columns.js";
import { buildTransforms } from "./transform-spec.js";

const acme = buildTransforms([{ kind: "bind-tenant", tenant: "acme" }]);

test("bind-tenant gives an event without tenant the key's, keeps the same one, refuses another", () => {
  const bound = prepareEvent({ action: "user.login" }, { transforms: acme });
  assert.equal(bound.tenant, "acme");
  assert.match(sealedJson(bound, 0), /"tenant":"acme"/);
  assert.equal(prepareEvent({ action: "user.login", tenant: "acme" }, { transforms: acme }).tenant, "acme");
  assert.throws(
    () => prepareEvent({ action: "user.login", tenant: "globex" }, { transforms: acme }),
    (e) =>
      isSealtrailError(e, "ST_ERR_EVENT_TENANT") &&
      e.message === 'tenant: expected "acme" (the tenant of the writing key) or no tenant',
  );
});

test("transforms see the normalized event, run in order, and their result is validated before sealing", () => {
  const seen: unknown[] = [];
  const record: EventTransform = (event) => {
    seen.push(event);
    return event;
  };
  const tag: EventTransform = (event) => ({ ...event, tags: [...(event.tags ?? []), "transformed"] });
  const prepared = prepareEvent({ action: "key.rotate", tags: ["a"] }, { transforms: [tag, record] });
  const normalized = seen[0] as { category: string; outcome: string; severity: string; tags: string[] };
  assert.deepEqual(
    [normalized.category, normalized.outcome, normalized.severity, normalized.tags],
    ["key_management", "unknown", "info", ["a", "transformed"]],
  );
  assert.match(sealedJson(prepared, 5), /"tags":\["a","transformed"\]/);

  const breaks: EventTransform = (event) => ({ ...event, outcome: "maybe" as never });
  assert.throws(
    () => prepareEvent({ action: "a.b" }, { transforms: [breaks] }),
    (e) => isSealtrailError(e, "ST_ERR_EVENT_INVALID") && /^outcome: expected one of/.test(e.message),
  );
  const changesId: EventTransform = (event) => ({ ...event, id: "0190a3f4-0000-7000-8000-000000000000" });
  assert.throws(() => prepareEvent({ action: "a.b" }, { transforms: [changesId] }), /changed the event's id/);
});

test("without transforms the pipeline seals exactly what it sealed before", () => {
  const input = {
    id: "0190A3F4-0000-7000-8000-00000000000A",
    action: "crm.update",
    actor: { id: "bob" },
    details: { z: 1, a: [2, { y: true }] },
    timestamp: "2026-11-01T10:00:00Z",
  };
  const plain = prepareEvent(input, { receivedAt: 1_790_000_000_000 });
  const withNone = prepareEvent(input, { receivedAt: 1_790_000_000_000, transforms: [] });
  assert.equal(
    sealedJson(plain, 3),
    '{"action":"crm.update","actor":{"id":"bob"},"category":"data","details":{"a":[2,{"y":true}],"z":1},"id":"0190a3f4-0000-7000-8000-00000000000a","outcome":"unknown","received_at":"2026-09-21T14:13:20.000Z","seq":3,"severity":"info","timestamp":"2026-11-01T10:00:00.000Z"}',
  );
  assert.equal(sealedJson(withNone, 3), sealedJson(plain, 3));
  assert.equal(plain.producerId, true);
  assert.match(sealedJson(plain, 3), /"timestamp":"2026-11-01T10:00:00.000Z"/);
});

test("an unknown transform kind is refused naming its index", () => {
  assert.throws(
    () => buildTransforms([{ kind: "bind-tenant", tenant: "x" }, { kind: "nope" } as never]),
    (e) =>
      isSealtrailError(e, "ST_ERR_USAGE") &&
      /^transforms\[1\]\.kind: expected one of bind-tenant, got "nope"/.test(e.message),
  );
});

test("the preparing thread rebuilds a session's transforms from their description", async () => {
  const pool = PreparePool.start();
  try {
    const bound = pool.session([{ kind: "bind-tenant", tenant: "acme" }]);
    const free = pool.session();
    const text = '{"action":"a.b"}\n{"action":"a.b","tenant":"globex"}\n';
    const first = await bound.push(new TextEncoder().encode(text));
    const second = await bound.push(new TextEncoder().encode('{"action":"c.d"}\n'));
    await bound.end();
    const other = await free.push(new TextEncoder().encode(text));
    await free.end();
    assert.deepEqual(
      unpackPrepared(first.prepared).map((p) => p.tenant),
      ["acme"],
    );
    assert.deepEqual(
      first.rejected.map((r) => [r.line, r.code]),
      [[2, "ST_ERR_EVENT_TENANT"]],
    );
    assert.deepEqual(
      unpackPrepared(second.prepared).map((p) => p.tenant),
      ["acme"],
      "later chunks of the session keep its transforms",
    );
    assert.deepEqual(
      unpackPrepared(other.prepared).map((p) => p.tenant),
      [null, "globex"],
    );
  } finally {
    await pool.close();
  }
});
