import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppendOutcome } from "../../audit-log.js";
import { type ErrorCode, SealtrailError } from "../../errors.js";
import type { AppendReceipt } from "../../ingest/appender.js";
import { ingestNdjson } from "../../ingest/ingest-ndjson.js";
import type { TransformSpec } from "../../ingest/transform-spec.js";
import {
  BATCH_SUMMARY_SCHEMA,
  type BatchResult,
  type BatchSummary,
  EVENT_RECEIPT_SCHEMA,
  type EventReceipt,
} from "../../wire/events.js";
import { keyOf } from "../authenticate.js";
import { eventIdForIdempotencyKey } from "../idempotency-key.js";
import { sendProblem } from "../problem.js";
import type { ServerContext } from "../server-context.js";
import { responses } from "../wire-responses.js";

/** A refused element's error, with its registry code. */
interface ElementError {
  readonly code: ErrorCode;
  readonly detail: string;
}

/** One element's result in a batch answer: the wire's {@link BatchResult}, with registry codes. */
type ElementResult =
  | Exclude<BatchResult, { readonly error: unknown }>
  | { readonly index: number; readonly error: ElementError };

const NDJSON = "application/x-ndjson";

/**
 * `POST /v1/events`: one event or a JSON array (parsed whole, within the body limit), or an
 * NDJSON stream (prepared on the preparing thread as it arrives, never buffered whole). Nothing
 * is answered before every stored event is durable.
 */
export function registerWriteRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.addContentTypeParser(NDJSON, (_request, payload, done) => done(null, payload));

  app.post(
    "/v1/events",
    {
      config: { permission: "events:write", asksTo: "append events", accepts: ["application/json", NDJSON] },
      schema: {
        summary: "Append one event, a JSON array of events, or an NDJSON stream of events",
        tags: ["write"],
        headers: {
          type: "object",
          properties: {
            "idempotency-key": { type: "string", description: "The event's id, for single events" },
          },
        },
        response: responses({
          200: {
            description: "A batch: every element's result; or one event the log already held",
            anyOf: [BATCH_SUMMARY_SCHEMA, EVENT_RECEIPT_SCHEMA],
          },
          201: EVENT_RECEIPT_SCHEMA,
        }),
      },
    },
    async (request, reply) => {
      const contentType = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
      if (contentType === NDJSON) return writeNdjson(ctx, request, reply);
      const body = request.body;
      if (Array.isArray(body)) return writeArray(ctx, request, reply, body);
      return writeOne(ctx, request, reply, body);
    },
  );
}

async function writeOne(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, body: unknown) {
  const key = keyOf(request);
  let event = body;
  const header = request.headers["idempotency-key"];
  if (typeof header === "string" && typeof event === "object" && event !== null) {
    const id = eventIdForIdempotencyKey(header, key.tenant);
    const given = (event as { id?: unknown }).id;
    if (given !== undefined && String(given).toLowerCase() !== id) {
      throw new SealtrailError(
        "ST_ERR_EVENT_ID_CONFLICT",
        `id: "${String(given)}" differs from the Idempotency-Key's ${id}`,
      );
    }
    event = { ...event, id };
  }
  const outcomes = await ctx.log.appendSettled([event], { transforms: keyTransforms(key.tenant) });
  await hideOtherTenants(ctx, request, outcomes);
  const [outcome] = outcomes;
  if (!outcome) throw new SealtrailError("ST_ERR_HTTP_INTERNAL", "no outcome for the event");
  if (!outcome.ok) throw outcome.error;
  const receipt: EventReceipt = { seq: outcome.seq, id: outcome.id, duplicate: outcome.duplicate };
  return reply.code(outcome.duplicate ? 200 : 201).send(receipt);
}

async function writeArray(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, body: unknown[]) {
  if (body.length > ctx.limits.jsonBatchEvents) {
    throw new SealtrailError(
      "ST_ERR_INGEST_BATCH_TOO_LARGE",
      `body: expected at most ${ctx.limits.jsonBatchEvents} events in one array, got ${body.length}; use NDJSON for more`,
    );
  }
  const key = keyOf(request);
  const outcomes = await ctx.log.appendSettled(body, { transforms: keyTransforms(key.tenant) });
  await hideOtherTenants(ctx, request, outcomes);
  return sendBatch(request, reply, resultsOf(outcomes));
}

async function writeNdjson(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply) {
  const key = keyOf(request);
  const results: ElementResult[] = [];
  const receipts: Array<{ line: number; receipt: AppendReceipt }> = [];
  try {
    await ingestNdjson(request.body as Readable, (events) => ctx.log.submitPrepared(events), {
      pool: ctx.pool,
      maxLines: ctx.limits.ndjsonLines,
      transforms: keyTransforms(key.tenant),
      onRejected: (line, reason, code) => {
        results.push({ index: line - 1, error: { code, detail: `line ${line}: ${reason}` } });
      },
      onStored: (lines, stored) => {
        stored.forEach((receipt, i) => {
          receipts.push({ line: lines[i] as number, receipt });
        });
      },
    });
  } catch (error) {
    // Events stored before the failure stay stored, and the answer says which. The rest of the
    // body is read and discarded (up to a bound) so that a client still sending gets the answer
    // instead of a reset; then the connection closes.
    await discardRest(request.body as Readable, DISCARD_LIMIT_BYTES);
    reply.header("connection", "close");
    return sendProblem(request, reply, error, { results: await allResults(ctx, request, receipts, results) });
  }
  return sendBatch(request, reply, await allResults(ctx, request, receipts, results));
}

/** How much of a refused body is read past the refusal before the connection is closed anyway. */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

/** Reads and drops what remains of `body`, stopping after `limit` bytes. */
async function discardRest(body: Readable, limit: number): Promise<void> {
  if (body.readableEnded || body.destroyed) return;
  let seen = 0;
  try {
    for await (const chunk of body) {
      seen += (chunk as Buffer).length;
      if (seen > limit) return;
    }
  } catch {
    // The client went away: there is nobody left to answer, and nothing to keep.
  }
}

/** Stored lines' results merged with the rejected lines' ones, in line order. */
async function allResults(
  ctx: ServerContext,
  request: FastifyRequest,
  receipts: ReadonlyArray<{ line: number; receipt: AppendReceipt }>,
  rejected: readonly ElementResult[],
): Promise<ElementResult[]> {
  const settled: AppendOutcome[] = receipts.map(({ receipt }) => ({ ok: true as const, ...receipt }));
  await hideOtherTenants(ctx, request, settled);
  const stored = settled.map((outcome, i) => resultOf(outcome, (receipts[i] as { line: number }).line - 1));
  return [...stored, ...rejected].sort((a, b) => a.index - b.index);
}

/**
 * A tenant-bound key that sends the id of another tenant's stored event must not learn that
 * event's seq: its element is refused as an id conflict instead of being answered as a duplicate.
 */
async function hideOtherTenants(
  ctx: ServerContext,
  request: FastifyRequest,
  outcomes: AppendOutcome[],
): Promise<void> {
  const tenant = keyOf(request).tenant;
  if (tenant === null) return;
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i];
    if (!outcome?.ok || !outcome.duplicate) continue;
    const stored = await ctx.log.getEventBySeq(outcome.seq);
    if (stored?.tenant !== tenant) {
      outcomes[i] = {
        ok: false,
        error: new SealtrailError("ST_ERR_EVENT_ID_CONFLICT", "id: not available; choose another id"),
      };
    }
  }
}

function resultOf(outcome: AppendOutcome, index: number): ElementResult {
  if (!outcome.ok) return { index, error: { code: outcome.error.code, detail: outcome.error.message } };
  return outcome.duplicate
    ? { index, seq: outcome.seq, id: outcome.id, duplicate: true }
    : { index, seq: outcome.seq, id: outcome.id };
}

function resultsOf(outcomes: readonly AppendOutcome[]): ElementResult[] {
  return outcomes.map((outcome, index) => resultOf(outcome, index));
}

/** 200 with every result; when nothing was stored and something was refused, the first refusal's problem. */
function sendBatch(request: FastifyRequest, reply: FastifyReply, results: ElementResult[]) {
  let accepted = 0;
  let duplicates = 0;
  let firstError: ElementError | undefined;
  for (const r of results) {
    if ("error" in r) firstError ??= r.error;
    else if (r.duplicate) duplicates++;
    else accepted++;
  }
  const rejected = results.length - accepted - duplicates;
  const summary: BatchSummary = { accepted, duplicates, rejected, results };
  if (firstError && accepted + duplicates === 0) {
    const refusal = new SealtrailError(
      firstError.code,
      `no event stored; first refusal: ${firstError.detail}`,
    );
    return sendProblem(request, reply, refusal, summary);
  }
  return reply.code(200).send(summary);
}

/** The transforms a writing key adds to the pipeline: its tenant binding, if it has one. */
function keyTransforms(tenant: string | null): TransformSpec[] {
  return tenant === null ? [] : [{ kind: "bind-tenant", tenant }];
}
