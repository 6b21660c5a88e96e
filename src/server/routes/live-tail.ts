import type { FastifyInstance } from "fastify";
import { SealtrailError } from "../../errors.js";
import { keyOf } from "../authenticate.js";
import { parseReadQuery, scopeToKey } from "../read-scope.js";
import type { ServerContext } from "../server-context.js";

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

/** Live tails a key may have open at once. */
const MAX_STREAMS_PER_KEY = 16;

/** One open live tail. */
export interface OpenStream {
  readonly keyId: string;
  readonly stop: AbortController;
}

/** Open live tails, ended by shutdown. */
export type OpenStreams = Set<OpenStream>;

/**
 * `GET /v1/stream`: a live tail as Server-Sent Events. Each matching committed event is sent with
 * `id: <seq>`; a client reconnecting with `Last-Event-ID` (or `?after=`) resumes after that seq.
 */
export function registerLiveTail(app: FastifyInstance, ctx: ServerContext, open: OpenStreams): void {
  app.get(
    "/v1/stream",
    {
      config: { permission: "events:read", asksTo: "follow the live tail of events" },
      schema: {
        summary: "Live tail of matching events as Server-Sent Events, resumable with Last-Event-ID",
        description:
          "Filter expressions as for /v1/events. Without Last-Event-ID or after=, starts with events committed from now on; after=-1 replays from the beginning.",
        tags: ["read"],
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      const query = parseReadQuery(request.url, ["after"]);
      const header = request.headers["last-event-id"];
      const resumeText = typeof header === "string" && header !== "" ? header : query.params.get("after");
      let after: number;
      if (resumeText === undefined) after = ctx.log.size - 1;
      else {
        after = Number(resumeText);
        if (!/^-?\d+$/.test(resumeText.trim()) || !Number.isSafeInteger(after) || after < -1) {
          throw new SealtrailError(
            "ST_ERR_USAGE",
            `Last-Event-ID: expected a seq (an integer ≥ -1), got "${resumeText}"`,
          );
        }
      }
      const mine = [...open.values()].filter((s) => s.keyId === key.id).length;
      if (mine >= MAX_STREAMS_PER_KEY) {
        throw new SealtrailError(
          "ST_ERR_HTTP_RATE_LIMITED",
          `the key ${key.id} already has ${mine} live tails open (at most ${MAX_STREAMS_PER_KEY})`,
        );
      }
      await ctx.access.recordRead(request, "stream", { filter: query.expressions, after });
      if (ctx.closing()) throw new SealtrailError("ST_ERR_INGEST_CLOSED", "the server is shutting down");

      const stop = new AbortController();
      const stream: OpenStream = { keyId: key.id, stop };
      open.add(stream);
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      raw.write(": sealtrail live tail\n\n");
      // The keep-alive also ends the stream of a key revoked meanwhile.
      const keepAlive = setInterval(() => {
        if (ctx.keys.get(key.id)?.revokedAt !== null) stop.abort();
        else raw.write(": keep-alive\n\n");
      }, KEEP_ALIVE_MS);
      const end = () => stop.abort();
      request.raw.on("close", end);
      raw.on("close", end);
      // A client gone while its read was being recorded closed before these listeners existed.
      if (request.raw.destroyed || raw.destroyed) end();
      try {
        const follower = ctx.log.follow(null, {
          filter: scopeToKey(query.filter, key),
          fromSeq: after + 1,
          // Commits of other processes (the CLI's) are found by this poll; this server's wake it at once.
          pollMs: 1000,
          signal: stop.signal,
        });
        for await (const event of follower) {
          const ok = raw.write(`id: ${event.seq}\nevent: audit-event\ndata: ${event.json}\n\n`);
          if (!ok && !stop.signal.aborted) {
            await new Promise<void>((resolve) => {
              const done = () => {
                raw.off("drain", done);
                stop.signal.removeEventListener("abort", done);
                resolve();
              };
              raw.once("drain", done);
              stop.signal.addEventListener("abort", done, { once: true });
            });
          }
        }
      } catch (error) {
        request.log.error({ err: error }, "live tail failed");
      } finally {
        clearInterval(keepAlive);
        open.delete(stream);
        raw.end();
      }
    },
  );
}
