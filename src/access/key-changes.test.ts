import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuditEventInput } from "../event/audit-event.js";
import { MemoryApiKeyTable } from "../storage/memory/memory-api-key-table.js";
import { ApiKeyStore } from "./api-key-store.js";
import { createRecordedKey, type KeyChangeLog, recordKeyChange } from "./key-changes.js";

/** A log that keeps what is appended, or refuses every append when `broken`. */
function eventLog(broken = false): KeyChangeLog & { readonly events: AuditEventInput[] } {
  const events: AuditEventInput[] = [];
  return {
    events,
    async append(event) {
      if (broken) throw new Error("the disk is full");
      events.push(event);
      return { seq: events.length - 1 };
    },
  };
}

const alice = { type: "user" as const, id: "local:alice" };

test("a created key is recorded as apikey.create by whom, from where, with its role and tenant", async () => {
  const keys = new ApiKeyStore(new MemoryApiKeyTable());
  const log = eventLog();
  const { key, record } = await createRecordedKey(
    keys,
    log,
    { role: "reader", tenant: "acme", name: "x" },
    alice,
  );
  assert.match(key, /^stk_/);
  assert.equal(log.events.length, 1);
  const [event] = log.events;
  assert.equal(event?.action, "apikey.create");
  assert.deepEqual(event?.actor, alice);
  assert.deepEqual(event?.target, { type: "api_key", id: record.id, name: "x" });
  assert.equal(event?.source?.component, "cli");
  assert.equal(event?.context, undefined);
  assert.deepEqual(event?.details, { role: "reader", tenant: "acme" });
});

test("a change made through the server names the request", async () => {
  const keys = new ApiKeyStore(new MemoryApiKeyTable());
  const log = eventLog();
  const { record } = await createRecordedKey(keys, log, { role: "writer" }, alice);
  await recordKeyChange(log, "revoke", keys.revoke(record.id), alice, {
    component: "server",
    requestId: "req-7",
  });
  const revoke = log.events[1];
  assert.equal(revoke?.action, "apikey.revoke");
  assert.equal(revoke?.source?.component, "server");
  assert.deepEqual(revoke?.context, { request_id: "req-7" });
});

test("a key whose creation cannot be recorded is revoked at once", async () => {
  const keys = new ApiKeyStore(new MemoryApiKeyTable());
  await assert.rejects(createRecordedKey(keys, eventLog(true), { role: "admin" }, alice), /the disk is full/);
  const [only] = keys.list();
  assert.ok(only, "the key was created");
  assert.equal(only.role, "admin");
  assert.notEqual(only.revokedAt, null, "and revoked");
});
