import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openApiKeys } from "../../test/support/api-keys.js";
import { AuditLog } from "../audit-log.js";
import { buildApp, type SealtrailApp } from "./build-app.js";
import type { ServerLimits } from "./server-context.js";

/** Runs `fn` with an app over a new store and a writer key's headers. */
async function withApp(
  limits: Partial<ServerLimits>,
  fn: (built: SealtrailApp, headers: { authorization: string }) => Promise<void>,
): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "sealtrail-build-app-"));
  const log = await AuditLog.open({ home, checkpointIntervalMs: 0 });
  const keys = openApiKeys(home);
  const built = await buildApp({ log, keys, limits });
  try {
    const { key } = await keys.create({ role: "writer" });
    await fn(built, { authorization: `Bearer ${key}` });
  } finally {
    await built.close();
    keys.close();
    await log.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function post(built: SealtrailApp, headers: { authorization: string }, payload: unknown) {
  return built.app.inject({ method: "POST", url: "/v1/events", headers, payload: payload as object });
}

test("setLimits raises the rate limit of a running app for the requests that follow", async () => {
  await withApp({ requestsPerMinute: 2 }, async (built, headers) => {
    assert.equal((await post(built, headers, { action: "a.b" })).statusCode, 201);
    assert.equal((await post(built, headers, { action: "a.b" })).statusCode, 201);
    assert.equal((await post(built, headers, { action: "a.b" })).statusCode, 429);
    built.setLimits({ requestsPerMinute: 5 });
    const res = await post(built, headers, { action: "a.b" });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers["x-ratelimit-limit"], "5");
    assert.equal(built.limits.requestsPerMinute, 5);
  });
});

test("setLimits sets a rate limit on an app started without one, and 0 lifts it again", async () => {
  await withApp({ requestsPerMinute: 0 }, async (built, headers) => {
    for (let i = 0; i < 3; i++) {
      const res = await post(built, headers, { action: "a.b" });
      assert.equal(res.statusCode, 201);
      assert.equal(res.headers["x-ratelimit-limit"], undefined, "no limit, no rate-limit headers");
    }
    built.setLimits({ requestsPerMinute: 1 });
    assert.equal((await post(built, headers, { action: "a.b" })).statusCode, 201);
    assert.equal((await post(built, headers, { action: "a.b" })).statusCode, 429);
    built.setLimits({ requestsPerMinute: 0 });
    assert.equal((await post(built, headers, { action: "a.b" })).statusCode, 201);
  });
});

test("setLimits changes how many events a JSON array may hold; the body size stays as built", async () => {
  await withApp({ requestsPerMinute: 0, jsonBodyBytes: 2048 }, async (built, headers) => {
    const three = [{ action: "a.b" }, { action: "a.c" }, { action: "a.d" }];
    assert.equal((await post(built, headers, three)).statusCode, 200);
    built.setLimits({ jsonBatchEvents: 2, ...({ jsonBodyBytes: 1 << 20 } as object) });
    const refused = await post(built, headers, three);
    assert.equal(refused.statusCode, 413);
    assert.match(refused.body, /expected at most 2 events in one array, got 3/);
    assert.equal(built.limits.jsonBodyBytes, 2048);
    const big = await post(built, headers, { action: "a.b", details: { text: "x".repeat(4096) } });
    assert.equal(big.statusCode, 413, "the body limit is the one the app was built with");
  });
});
