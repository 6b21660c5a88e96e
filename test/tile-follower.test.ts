/**
 * A standard client follows the log over HTTP: the checkpoint served at /checkpoint verifies with
 * the log's verifier key, and the C2SP tlog-tiles served at /tile/… rebuild the checkpoint's
 * root, with entry bundles that hash to the level-0 tiles. Two followers check it, neither
 * sharing code with src/ledger: golang.org/x/mod's sumdb/note and sumdb/tlog, unchanged
 * (test/tlog-follower/main.go), and test/tile-follower.ts (node:crypto and the independent
 * verifier only). Both must also fail when the key is wrong or a tile or entry bundle is altered
 * in flight.
 */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sampleEvents } from "../src/demo/sample-events.js";
import { startServer } from "../src/server/serve.js";
import { formatVerifierKey, openCheckpoint, parseVerifierKey } from "./independent-verifier.js";
import { openApiKeys } from "./support/api-keys.js";
import { FollowError, type FollowResult, followLog, splitBundle } from "./tile-follower.js";

// 256·256 = 65 536 < 70 000: 273 full level-0 tiles and one of width 112, a full level-1 tile and
// one of width 17, a level-2 tile of width 1 (the example of C2SP tlog-tiles).
const EVENTS = 70_000;

const GOPATH = "/usr/share/gocode";
const goMissing =
  spawnSync("go", ["version"]).status === 0 &&
  existsSync(join(GOPATH, "src/golang.org/x/mod/sumdb/tlog/tile.go"))
    ? false
    : "Go or golang.org/x/mod is not installed (apt-get install golang-go golang-golang-x-mod-dev): the Go follower is not run";
const goProgram = new URL("../../test/tlog-follower/main.go", import.meta.url).pathname;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking the event loop: the server under test runs in this process. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The TypeScript follower's outcome: its result, or the message it failed with. */
async function followTs(baseUrl: string, apiKey: string, verifierKey: string): Promise<FollowResult | Error> {
  try {
    return await followLog({ baseUrl, apiKey, verifierKey });
  } catch (error) {
    return error as Error;
  }
}

/**
 * A proxy in front of the server that lets `alter` change the body of every 200 answer in place
 * (it returns true when it did).
 */
async function tamperingProxy(
  upstream: string,
  alter: (path: string, body: Buffer) => boolean,
): Promise<{ url: string; tampered: () => number; close: () => Promise<void> }> {
  const target = new URL(upstream);
  let tampered = 0;
  const proxy = http.createServer((req, res) => {
    const forward = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host, "accept-encoding": "identity" },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          if (answer.statusCode === 200 && alter(req.url ?? "", body)) tampered++;
          const headers = { ...answer.headers, "content-length": String(body.length) };
          delete headers["transfer-encoding"];
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    forward.on("error", (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tampered: () => tampered,
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

describe("a standard client follows the log over HTTP (C2SP checkpoint and tlog-tiles)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealtrail-tiles-"));
  const home = join(dir, "home");
  const goBinary = join(dir, "tlog-follower");
  let server: Awaited<ReturnType<typeof startServer>>;
  let auditor = "";
  let tenantAuditor = "";
  let reader = "";
  let verifierKey = "";
  let wrongKey = "";
  /** The checkpoint of exactly the appended events, and its partial level-0 tile. */
  let first: { size: number; root: Buffer; partialTile: Buffer };

  const get = (path: string, key?: string) =>
    fetch(`${server.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  const runGo = async (baseUrl: string, key: string, verifier: string): Promise<Run> =>
    run(goBinary, [baseUrl, key, verifier]);

  before(async () => {
    if (!goMissing) {
      const env = {
        ...process.env,
        GO111MODULE: "off",
        GOPATH,
        GOCACHE: join(dir, "gocache"),
        GOFLAGS: "",
      };
      const build = await run("go", ["build", "-o", goBinary, goProgram], env);
      assert.equal(build.status, 0, `go build: ${build.stderr}`);
    }
    server = await startServer({ home, port: 0, host: "127.0.0.1" });
    const keys = openApiKeys(home);
    try {
      auditor = (await keys.create({ role: "auditor" })).key;
      tenantAuditor = (await keys.create({ role: "auditor", tenant: "acme" })).key;
      reader = (await keys.create({ role: "reader" })).key;
    } finally {
      keys.close();
    }
    // Exactly EVENTS entries, whatever the server may have recorded by itself.
    const events = sampleEvents(EVENTS - server.log.size, { seed: 70, stepMs: 1000 });
    for (let i = 0; i < events.length; i += 5000) await server.log.append(events.slice(i, i + 5000));
    await server.log.checkpoint();
    verifierKey = server.log.verifierKey();
    const { publicKey } = generateKeyPairSync("ed25519");
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
    wrongKey = formatVerifierKey(parseVerifierKey(verifierKey).name, raw);
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("GET /checkpoint verifies with the verifier key, and the tiles have C2SP's shape for 70 000 entries", async () => {
    const response = await get("/checkpoint", auditor);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    const note = await response.text();
    const checkpoint = openCheckpoint(note, verifierKey);
    // Hash tiles and checkpoints are not audited reads: nothing was appended since.
    assert.equal(checkpoint.size, EVENTS);
    assert.equal(await (await get("/v1/checkpoint", auditor)).text(), note);

    const tile = async (path: string, hashes: number, immutable: boolean) => {
      const r = await get(path, auditor);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get("content-type") ?? "", /^application\/octet-stream/, path);
      const cache = r.headers.get("cache-control") ?? "";
      if (immutable) assert.match(cache, /immutable/, `${path}: Cache-Control ${cache}`);
      else assert.doesNotMatch(cache, /immutable/, `${path}: a partial tile is not immutable`);
      const body = Buffer.from(await r.arrayBuffer());
      assert.equal(body.length, hashes * 32, path);
      return body;
    };
    await tile("/tile/0/000", 256, true);
    await tile("/tile/0/272", 256, true);
    const partialTile = await tile("/tile/0/273.p/112", 112, false);
    await tile("/tile/1/000", 256, true);
    await tile("/tile/1/001.p/17", 17, false);
    await tile("/tile/2/000.p/1", 1, false);
    // Tiles that do not exist in this tree, and paths that are not C2SP's encoding.
    for (const path of [
      ...["/tile/0/274", "/tile/0/273", "/tile/1/001", "/tile/3/000.p/1", "/tile/0/273.p/113"],
      ...["/tile/0/5", "/tile/0/x000/005", "/tile/00/000", "/tile/0/000.p/0", "/tile/0/000.p/256"],
      "/tile/0/000.p/01",
    ]) {
      assert.equal((await get(path, auditor)).status, 404, path);
    }
    // Last: reading an entry bundle is audited, so it appends an event.
    const bundle = await get("/tile/entries/273.p/112", auditor);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get("content-type") ?? "", /^application\/octet-stream/);
    assert.equal(splitBundle(Buffer.from(await bundle.arrayBuffer())).length, 112);
    first = { size: checkpoint.size, root: checkpoint.root, partialTile };
  });

  test("golang.org/x/mod's sumdb/note and sumdb/tlog follow the log over HTTP", {
    skip: goMissing,
  }, async () => {
    const ok = await runGo(server.url, auditor, verifierKey);
    assert.equal(ok.status, 0, ok.stderr);
    const result = JSON.parse(ok.stdout) as { size: number; root: string; entries: number; origin: string };
    assert.ok(result.size >= EVENTS, `size ${result.size}`);
    assert.equal(result.entries, result.size);
    assert.equal(result.origin, parseVerifierKey(verifierKey).name);
    if (result.size === first.size) assert.equal(result.root, first.root.toString("base64"));
  });

  test("the independent TypeScript follower rebuilds the root from the tiles", async () => {
    const result = await followTs(server.url, auditor, verifierKey);
    assert.ok(!(result instanceof Error), String(result));
    assert.ok(result.size >= EVENTS, `size ${result.size}`);
    assert.equal(result.entries, result.size);
    if (result.size === first.size) assert.equal(result.root, first.root.toString("base64"));
  });

  test("the partial tile of an earlier checkpoint stays available (or its full tile does)", async () => {
    // The followers' entry-bundle reads were audited: the log grew past the first checkpoint.
    const latest = openCheckpoint(await (await get("/checkpoint", auditor)).text(), verifierKey);
    assert.ok(latest.size > first.size, "entry-bundle reads are recorded as events");
    const partial = await get("/tile/0/273.p/112", auditor);
    if (partial.status === 200) {
      assert.deepEqual(Buffer.from(await partial.arrayBuffer()), first.partialTile);
    } else {
      assert.equal(partial.status, 404);
      const full = await get("/tile/0/273", auditor);
      assert.equal(full.status, 200, "a partial tile may only go once its full tile exists");
      assert.deepEqual(Buffer.from(await full.arrayBuffer()).subarray(0, 112 * 32), first.partialTile);
    }
  });

  test("both followers reject the checkpoint under another key", async () => {
    const ts = await followTs(server.url, auditor, wrongKey);
    assert.ok(ts instanceof FollowError, String(ts));
    assert.match(ts.message, /checkpoint: .*signature/);
    if (!goMissing) {
      const go = await runGo(server.url, auditor, wrongKey);
      assert.notEqual(go.status, 0);
      assert.match(go.stderr, /FAIL: note\.Open\(checkpoint\)/);
    }
  });

  const tampering: Array<{
    what: string;
    select: (p: string) => boolean;
    at: number;
    ts: RegExp;
    go: RegExp;
  }> = [
    {
      what: "a full level-0 tile",
      select: (p) => p === "/tile/0/005",
      at: 40,
      ts: /hash 5 of tile 1\/0 is not the root of tile 0\/5/,
      // tlog.TileHashReader leaves some tiles unchecked for some tree sizes (see main.go): then
      // the entries or the tree rebuilt from them catch it.
      go: /downloaded inconsistent tile|entry 1281 \(tile\/entries\/005\): tlog\.RecordHash/,
    },
    {
      what: "a full level-1 tile",
      select: (p) => p === "/tile/1/000",
      at: 0,
      ts: /hash 0 of tile 1\/0 is not the root of tile 0\/0/,
      go: /downloaded inconsistent tile|tile\/1\/000 differs from the tile rebuilt from the entries/,
    },
    {
      what: "the partial level-2 tile",
      select: (p) => p.startsWith("/tile/2/000"),
      at: 31,
      ts: /is not the root of tile 1\/0|rebuild root/,
      go: /downloaded inconsistent tile|tree hash/,
    },
    {
      what: "an entry bundle",
      select: (p) => p === "/tile/entries/007",
      at: 20,
      ts: /entry 1792 \(\/tile\/entries\/007\): its leaf hash is not the level-0 tile's hash/,
      go: /entry 1792 \(tile\/entries\/007\): tlog\.RecordHash/,
    },
  ];
  for (const t of tampering) {
    test(`both followers fail when ${t.what} is altered in flight`, async () => {
      const proxy = await tamperingProxy(server.url, (path, body) => {
        if (!t.select(path) || body.length <= t.at) return false;
        body[t.at] = (body[t.at] as number) ^ 0x01;
        return true;
      });
      try {
        const ts = await followTs(proxy.url, auditor, verifierKey);
        assert.ok(ts instanceof FollowError, `the TypeScript follower accepted it: ${JSON.stringify(ts)}`);
        assert.match(ts.message, t.ts);
        if (!goMissing) {
          const go = await runGo(proxy.url, auditor, verifierKey);
          assert.notEqual(go.status, 0, `the Go follower accepted it: ${go.stdout}`);
          assert.match(go.stderr, t.go);
        }
        assert.ok(proxy.tampered() > 0, "the proxy altered nothing");
      } finally {
        await proxy.close();
      }
    });
  }

  test("both followers fail when an entry and its level-0 hash are forged consistently", async () => {
    // Entry 1281 altered, and its leaf hash in tile 0/5 replaced by the altered entry's: only the
    // level-1 tile (or the tree rebuilt from the entries) can tell.
    const original = Buffer.from(await (await get("/tile/entries/005", auditor)).arrayBuffer());
    const entries = splitBundle(original);
    const entryAt = 2 + (entries[0] as Buffer).length + 2 + 10;
    const forged = Buffer.from(original);
    forged[entryAt] = (forged[entryAt] as number) ^ 0x01;
    const forgedEntry = splitBundle(forged)[1] as Buffer;
    const forgedLeaf = createHash("sha256").update(Uint8Array.of(0)).update(forgedEntry).digest();
    const proxy = await tamperingProxy(server.url, (path, body) => {
      if (path === "/tile/entries/005") forged.copy(body);
      else if (path === "/tile/0/005") forgedLeaf.copy(body, 32);
      else return false;
      return true;
    });
    try {
      const ts = await followTs(proxy.url, auditor, verifierKey);
      assert.ok(ts instanceof FollowError, `the TypeScript follower accepted it: ${JSON.stringify(ts)}`);
      assert.match(ts.message, /hash 5 of tile 1\/0 is not the root of tile 0\/5/);
      if (!goMissing) {
        const go = await runGo(proxy.url, auditor, verifierKey);
        assert.notEqual(go.status, 0, `the Go follower accepted it: ${go.stdout}`);
        assert.match(
          go.stderr,
          /downloaded inconsistent tile|tree hash of the entries .* != checkpoint root/,
        );
      }
    } finally {
      await proxy.close();
    }
  });

  test("entry bundles are refused to a tenant-bound auditor; every tile route needs an auditor key", async () => {
    assert.equal((await get("/tile/entries/000", tenantAuditor)).status, 403);
    assert.equal((await get("/tile/entries/273", tenantAuditor)).status, 403);
    // Hash tiles and checkpoints hold only hashes and the log's size.
    assert.equal((await get("/checkpoint", tenantAuditor)).status, 200);
    assert.equal((await get("/tile/0/000", tenantAuditor)).status, 200);
    for (const path of ["/checkpoint", "/tile/0/000", "/tile/1/000", "/tile/entries/000"]) {
      assert.equal((await get(path)).status, 401, `${path} without a key`);
      assert.equal(
        (await get(path, "stk_0000000000000000_notakeynotakeynotakeynotakeynotakeynotake")).status,
        401,
      );
    }
    for (const path of ["/tile/0/000", "/tile/entries/000"]) {
      assert.equal((await get(path, reader)).status, 403, `${path} with a reader key`);
    }
    const ts = await followTs(server.url, tenantAuditor, verifierKey);
    assert.ok(ts instanceof FollowError);
    assert.match(ts.message, /GET \/tile\/entries\/000: HTTP 403/);
    if (!goMissing) {
      const go = await runGo(server.url, tenantAuditor, verifierKey);
      assert.notEqual(go.status, 0);
      assert.match(go.stderr, /GET tile\/entries\/000: HTTP 403/);
    }
  });
});
