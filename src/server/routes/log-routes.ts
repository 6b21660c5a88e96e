import type { FastifyInstance } from "fastify";
import { SealtrailError } from "../../errors.js";
import { parseTilePath, TILE_WIDTH } from "../../ledger/tiles.js";
import {
  CONSISTENCY_PROOF_SCHEMA,
  type ConsistencyProof,
  INCLUSION_PROOF_SCHEMA,
  type InclusionProof,
} from "../../wire/proofs.js";
import { keyOf } from "../authenticate.js";
import { integerParam, parseReadQuery, visibleTo } from "../read-scope.js";
import type { ServerContext } from "../server-context.js";
import { responses } from "../wire-responses.js";

const HASH_BYTES = 32;
const IMMUTABLE = "private, max-age=31536000, immutable";
const NOTE_TYPE = "text/plain; charset=utf-8";

/**
 * The log as a transparency log: the latest checkpoint, RFC 9162 proofs, and the C2SP
 * tlog-tiles read endpoints (`/checkpoint`, `/tile/<L>/<N>[.p/<W>]`, `/tile/entries/<N>[.p/<W>]`),
 * so that standard clients can follow and audit it.
 */
export function registerLogRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const latestCheckpoint = async () => (await ctx.log.latestCheckpoint()) ?? ctx.log.checkpoint();

  for (const url of ["/v1/checkpoint", "/checkpoint"]) {
    app.get(
      url,
      {
        config: { permission: "events:read", asksTo: "read the latest checkpoint" },
        schema: { summary: "The latest signed checkpoint (C2SP tlog-checkpoint, text/plain)", tags: ["log"] },
      },
      async (_request, reply) =>
        reply
          .type(NOTE_TYPE)
          .header("cache-control", "no-store")
          .send((await latestCheckpoint()).note),
    );
  }

  app.get(
    "/v1/proofs/inclusion",
    {
      config: { permission: "log:audit", asksTo: "read inclusion proofs" },
      schema: {
        summary: "RFC 9162 inclusion proof of event seq in the tree of size (default: latest checkpoint)",
        tags: ["log"],
        response: responses({ 200: INCLUSION_PROOF_SCHEMA }),
      },
    },
    async (request): Promise<InclusionProof> => {
      const key = keyOf(request);
      const { params } = parseReadQuery(request.url, ["seq", "size"]);
      const seq = integerParam(params, "seq", { min: 0, max: Number.MAX_SAFE_INTEGER });
      if (seq === undefined) throw new SealtrailError("ST_ERR_USAGE", "seq: expected the event's seq");
      await ctx.access.recordRead(request, "proof", { seq });
      const event = await ctx.log.getEventBySeq(seq);
      if (!event || !visibleTo(event, key))
        throw new SealtrailError("ST_ERR_EVENT_NOT_FOUND", `no event with seq ${seq}`);
      let size = integerParam(params, "size", { min: 1, max: Number.MAX_SAFE_INTEGER });
      if (size === undefined) {
        const latest = await latestCheckpoint();
        size = latest.size > seq ? latest.size : (await ctx.log.checkpoint()).size;
      }
      return ctx.log.proveInclusion(seq, size);
    },
  );

  app.get(
    "/v1/proofs/consistency",
    {
      config: { permission: "log:audit", asksTo: "read consistency proofs" },
      schema: {
        summary: "RFC 9162 consistency proof from tree size `from` to `to` (default: latest checkpoint)",
        tags: ["log"],
        response: responses({ 200: CONSISTENCY_PROOF_SCHEMA }),
      },
    },
    async (request): Promise<ConsistencyProof> => {
      const { params } = parseReadQuery(request.url, ["from", "to"]);
      const from = integerParam(params, "from", { min: 1, max: Number.MAX_SAFE_INTEGER });
      if (from === undefined) throw new SealtrailError("ST_ERR_USAGE", "from: expected a tree size");
      const to =
        integerParam(params, "to", { min: 1, max: Number.MAX_SAFE_INTEGER }) ??
        (await latestCheckpoint()).size;
      return ctx.log.proveConsistency(from, to);
    },
  );

  app.get(
    "/tile/*",
    {
      config: { permission: "log:audit", asksTo: "read tiles of the log" },
      schema: { summary: "C2SP tlog-tiles: hash tiles and entry bundles", tags: ["log"] },
    },
    async (request, reply) => {
      const path = (request.url.split("?")[0] ?? "").slice(1);
      const address = parseTilePath(path);
      if (!address) throw new SealtrailError("ST_ERR_HTTP_NOT_FOUND", `${path}: not a C2SP tile path`);
      const cache = address.width === TILE_WIDTH ? IMMUTABLE : "private, no-cache";
      if (address.level === "entries") {
        const key = keyOf(request);
        if (key.tenant !== null) {
          throw new SealtrailError(
            "ST_ERR_AUTH_FORBIDDEN",
            `the ${key.role} key ${key.id}, bound to tenant ${key.tenant}, may not read entry bundles (GET /${path}): they hold every tenant's events; only keys bound to no tenant may`,
          );
        }
        await ctx.access.recordRead(request, "entries", { tile: path });
        const first = address.index * TILE_WIDTH;
        const entries = await ctx.log.readEntries(first, address.width);
        if (entries.length < address.width)
          throw new SealtrailError("ST_ERR_HTTP_NOT_FOUND", `${path}: not in the log yet`);
        return reply
          .type("application/octet-stream")
          .header("cache-control", cache)
          .send(entryBundle(entries));
      }
      const tile = await ctx.log.readTile(address.level, address.index);
      const bytes = address.width * HASH_BYTES;
      if (!tile || tile.length < bytes)
        throw new SealtrailError("ST_ERR_HTTP_NOT_FOUND", `${path}: not in the log yet`);
      return reply
        .type("application/octet-stream")
        .header("cache-control", cache)
        .send(tile.subarray(0, bytes));
    },
  );
}

/** A C2SP entry bundle: each entry a big-endian 16-bit length, then the event's canonical JSON. */
function entryBundle(entries: ReadonlyArray<{ readonly seq: number; readonly json: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const bytes = Buffer.from(entry.json, "utf8");
    if (bytes.length > 0xffff) {
      throw new SealtrailError(
        "ST_ERR_STORE_CORRUPT",
        `event ${entry.seq} is ${bytes.length} bytes, more than an entry bundle holds`,
      );
    }
    const length = Buffer.allocUnsafe(2);
    length.writeUInt16BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}
