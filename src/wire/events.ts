import type { FromSchema, JsonSchema } from "./json-schema.js";
import { INCLUSION_PROOF_SCHEMA } from "./proofs.js";

/**
 * The JSON of writing and reading events: receipts, batch results, pages, one event with its
 * proof, and statistics.
 */

/** An event as stored (schema v1, `seq`, `id` and `received_at` filled in): its bytes are its leaf. */
export const STORED_EVENT_SCHEMA = {
  title: "AuditEvent",
  type: "object",
  description:
    "An audit event as stored and hashed (docs/schema/audit-event.v1.json, with seq and received_at)",
  additionalProperties: true,
} as const satisfies JsonSchema;

/** `POST /v1/events` with one event: 201 stored, 200 already held (`duplicate`). */
export const EVENT_RECEIPT_SCHEMA = {
  type: "object",
  description:
    "A stored event: its seq and id; duplicate when the log already held the id (seq is then the original one)",
  properties: {
    seq: { type: "integer", minimum: 0 },
    id: { type: "string" },
    duplicate: { type: "boolean" },
  },
  required: ["seq", "id", "duplicate"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * The server's acknowledgement of one stored event.
 *
 * @example
 * ```ts
 * const receipt: EventReceipt = { seq: 41, id: "01890a5d-ac96-774b-bcce-b302099a8057", duplicate: false };
 * ```
 */
export type EventReceipt = FromSchema<typeof EVENT_RECEIPT_SCHEMA>;

/** Why one element of a batch was refused. */
export const ELEMENT_ERROR_SCHEMA = {
  type: "object",
  properties: {
    code: { type: "string", description: "The error code (ST_ERR_…)" },
    detail: { type: "string" },
  },
  required: ["code", "detail"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** One element's result in a batch answer: stored (with its seq) or refused (with its error). */
export const BATCH_RESULT_SCHEMA = {
  anyOf: [
    {
      type: "object",
      description: "A stored element",
      properties: {
        index: { type: "integer", minimum: 0, description: "The element's position (NDJSON: line - 1)" },
        seq: { type: "integer", minimum: 0 },
        id: { type: "string" },
        duplicate: { const: true, description: "Present when the log already held the id" },
      },
      required: ["index", "seq", "id"],
      additionalProperties: false,
    },
    {
      type: "object",
      description: "A refused element",
      properties: {
        index: { type: "integer", minimum: 0 },
        error: ELEMENT_ERROR_SCHEMA,
      },
      required: ["index", "error"],
      additionalProperties: false,
    },
  ],
} as const satisfies JsonSchema;

/**
 * One element's result in a batch answer.
 *
 * @example
 * ```ts
 * const results: BatchResult[] = [
 *   { index: 0, seq: 7, id: "01890a5d-ac96-774b-bcce-b302099a8057" },
 *   { index: 1, error: { code: "ST_ERR_EVENT_INVALID", detail: "action: required" } },
 * ];
 * ```
 */
export type BatchResult = FromSchema<typeof BATCH_RESULT_SCHEMA>;

/** `POST /v1/events` with a JSON array or NDJSON: the counts and every element's result, in order. */
export const BATCH_SUMMARY_SCHEMA = {
  type: "object",
  properties: {
    accepted: { type: "integer", minimum: 0 },
    duplicates: { type: "integer", minimum: 0 },
    rejected: { type: "integer", minimum: 0 },
    results: { type: "array", items: BATCH_RESULT_SCHEMA },
  },
  required: ["accepted", "duplicates", "rejected", "results"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * The answer to a batch.
 *
 * @example
 * ```ts
 * const summary: BatchSummary = { accepted: 1, duplicates: 0, rejected: 0, results: [{ index: 0, seq: 7, id }] };
 * ```
 */
export type BatchSummary = FromSchema<typeof BATCH_SUMMARY_SCHEMA>;

/** `GET /v1/events`: a page of events as stored, and the cursor of the next one. */
export const EVENT_PAGE_SCHEMA = {
  type: "object",
  properties: {
    sort: {
      enum: ["seq", "timestamp"],
      description:
        "What the events are ordered by: seq (the order the log received them in) or timestamp (the order they happened in, ties by seq)",
    },
    order: { enum: ["desc", "asc"], description: "desc: newest first; asc: oldest first" },
    events: { type: "array", items: STORED_EVENT_SCHEMA },
    next_cursor: {
      type: "string",
      description: "Pass back as cursor= for the next page; absent on the last",
    },
  },
  required: ["sort", "order", "events"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * A page of events, and the order they are in.
 *
 * @example
 * ```ts
 * const page: EventPage = { sort: "seq", order: "desc", events: [], next_cursor: "eyJzIjo0MX0" };
 * ```
 */
export type EventPage = FromSchema<typeof EVENT_PAGE_SCHEMA>;

/** `GET /v1/events/{id}`: the event; with `?proof=true`, its inclusion proof and the checkpoint it is proved against. */
export const EVENT_WITH_PROOF_SCHEMA = {
  type: "object",
  properties: {
    event: STORED_EVENT_SCHEMA,
    proof: INCLUSION_PROOF_SCHEMA,
    checkpoint: { type: "string", description: "The signed checkpoint (C2SP tlog-checkpoint note)" },
  },
  required: ["event"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * One event, kept apart from its proof so that its leaf hash can be recomputed from it.
 *
 * @example
 * ```ts
 * const { event, proof, checkpoint }: EventWithProof = await (await fetch(url)).json();
 * ```
 */
export type EventWithProof = FromSchema<typeof EVENT_WITH_PROOF_SCHEMA>;

/** One count: a value of a dimension (`null` when events lack it) and how many events have it. */
export const COUNT_ROW_SCHEMA = {
  type: "object",
  properties: { key: { type: ["string", "null"] }, count: { type: "integer", minimum: 0 } },
  required: ["key", "count"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * One count of {@link Stats}.
 *
 * @example
 * ```ts
 * const row: CountRow = { key: "user.login", count: 42 };
 * ```
 */
export type CountRow = FromSchema<typeof COUNT_ROW_SCHEMA>;

const COUNTS = { type: "array", items: COUNT_ROW_SCHEMA } as const satisfies JsonSchema;

/** `GET /v1/stats`: counts over the events matching a filter. */
export const STATS_SCHEMA = {
  type: "object",
  properties: {
    total: { type: "integer", minimum: 0 },
    top: { type: "integer", minimum: 1, description: "Most groups listed in each of byAction … bySeverity" },
    others: {
      type: "object",
      description:
        "Events in the groups beyond the top ones, per dimension: 0 when every group is listed, so a reader knows whether a list is complete",
      properties: {
        byAction: { type: "integer", minimum: 0 },
        byOutcome: { type: "integer", minimum: 0 },
        byActor: { type: "integer", minimum: 0 },
        byCategory: { type: "integer", minimum: 0 },
        bySeverity: { type: "integer", minimum: 0 },
      },
      required: ["byAction", "byOutcome", "byActor", "byCategory", "bySeverity"],
      additionalProperties: false,
    },
    byAction: COUNTS,
    byOutcome: COUNTS,
    byActor: COUNTS,
    byCategory: COUNTS,
    bySeverity: COUNTS,
    perHour: { ...COUNTS, description: "Counts per hour, the latest 48 hours that have events" },
    perDay: { ...COUNTS, description: "Counts per day, the latest 31 days that have events" },
  },
  required: [
    "total",
    "top",
    "others",
    "byAction",
    "byOutcome",
    "byActor",
    "byCategory",
    "bySeverity",
    "perHour",
    "perDay",
  ],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * Statistics over the events matching a filter.
 *
 * @example
 * ```ts
 * const stats: Stats = await (await fetch(`${base}/v1/stats?outcome=failure`, { headers })).json();
 * console.log(stats.total, stats.byAction[0]?.key);
 * ```
 */
export type Stats = FromSchema<typeof STATS_SCHEMA>;
