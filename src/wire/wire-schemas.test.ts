import assert from "node:assert/strict";
import { test } from "node:test";
import { Ajv } from "ajv";
import type { ApiKeyRecord } from "../access/api-key-store.js";
import { ROLES } from "../access/roles.js";
import type { ConsistencyProofJson, InclusionProofJson, LogStats } from "../audit-log.js";
import type { AuditEvent } from "../event/audit-event.js";
import type { PerformanceSummary } from "../performance/operation-performance.js";
import type {
  ApiKeyJson,
  BatchResult,
  BatchSummary,
  ConsistencyProof,
  CountRow,
  EventPage,
  EventReceipt,
  EventWithProof,
  InclusionProof,
  NewApiKeyRequest,
  Performance,
  Problem,
  Stats,
} from "./index.js";
import * as wire from "./index.js";

/**
 * The wire schemas are valid JSON Schema (Ajv, strict), accept what the server sends and refuse
 * what it must not; the types made from them are exactly the shapes written out here, and the
 * store's own JSON types (proofs, stats) fit them.
 */

/** True when A and B are the same type (readonly and optional modifiers included). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when given `true`. */
function expectType<_T extends true>(): void {}

expectType<Equal<EventReceipt, { readonly seq: number; readonly id: string; readonly duplicate: boolean }>>();
expectType<
  Equal<
    BatchResult,
    | { readonly index: number; readonly seq: number; readonly id: string; readonly duplicate?: true }
    | { readonly index: number; readonly error: { readonly code: string; readonly detail: string } }
  >
>();
expectType<
  Equal<
    BatchSummary,
    {
      readonly accepted: number;
      readonly duplicates: number;
      readonly rejected: number;
      readonly results: BatchResult[];
    }
  >
>();
expectType<
  Equal<
    EventPage,
    {
      readonly sort: "seq" | "timestamp";
      readonly order: "desc" | "asc";
      readonly events: AuditEvent[];
      readonly next_cursor?: string;
    }
  >
>();
expectType<
  Equal<
    EventWithProof,
    { readonly event: AuditEvent; readonly proof?: InclusionProof; readonly checkpoint?: string }
  >
>();
expectType<Equal<CountRow, { readonly key: string | null; readonly count: number }>>();
expectType<
  Equal<
    InclusionProof,
    {
      readonly index: number;
      readonly tree_size: number;
      readonly leaf_hash: string;
      readonly proof: string[];
    }
  >
>();
expectType<
  Equal<ConsistencyProof, { readonly from_size: number; readonly to_size: number; readonly proof: string[] }>
>();
expectType<
  Equal<
    ApiKeyJson,
    {
      readonly id: string;
      readonly role: "writer" | "reader" | "auditor" | "admin";
      readonly tenant: string | null;
      readonly name: string | null;
      readonly created_at: string;
      readonly revoked_at: string | null;
    }
  >
>();
expectType<
  Equal<
    NewApiKeyRequest,
    {
      readonly role: "writer" | "reader" | "auditor" | "admin";
      readonly tenant?: string;
      readonly name?: string;
    }
  >
>();
expectType<
  Equal<
    Problem,
    {
      readonly [extension: string]: unknown;
      readonly type: string;
      readonly title: string;
      readonly status: number;
      readonly code: string;
      readonly detail: string;
      readonly instance: string;
    }
  >
>();

// What the store answers with is what the wire says (the server sends these as they are).
const _inclusion: InclusionProof = {} as InclusionProofJson;
const _consistency: ConsistencyProof = {} as ConsistencyProofJson;
const _stats: Stats = {} as LogStats;
const _statsBack: LogStats = {} as Stats;
const _performance: Performance = {} as PerformanceSummary;
const _performanceBack: PerformanceSummary = {} as Performance;
expectType<Equal<ApiKeyJson["role"], ApiKeyRecord["role"]>>();
void [_inclusion, _consistency, _stats, _statsBack, _performance, _performanceBack];

const SCHEMAS = Object.entries(wire as Record<string, unknown>).filter(([name]) =>
  name.endsWith("_SCHEMA"),
) as Array<[string, wire.JsonSchema]>;

const EVENT = {
  seq: 0,
  id: "01890a5d-ac96-774b-bcce-b302099a8057",
  timestamp: "2026-11-01T10:00:00.000Z",
  received_at: "2026-11-01T10:00:00.000Z",
  action: "user.login",
};

test("the wire's roles are the access roles, in order", () => {
  assert.deepEqual(wire.API_KEY_ROLES, ROLES);
});

test("a key's record on the wire has every field but the secret", () => {
  const record: ApiKeyRecord = {
    id: "0123456789abcdef",
    role: "auditor",
    tenant: "acme",
    name: null,
    createdAt: "2026-11-01T10:00:00.000Z",
    revokedAt: null,
  };
  const json = wire.apiKeyJson(record);
  assert.deepEqual(json, {
    id: "0123456789abcdef",
    role: "auditor",
    tenant: "acme",
    name: null,
    created_at: "2026-11-01T10:00:00.000Z",
    revoked_at: null,
  });
  assert.equal(new Ajv({ strict: true }).validate(wire.API_KEY_SCHEMA, json), true);
});

test("every wire schema compiles under Ajv's strict mode", () => {
  assert.ok(SCHEMAS.length >= 15, `only ${SCHEMAS.length} schemas exported`);
  const ajv = new Ajv({ strict: true });
  for (const [name, schema] of SCHEMAS) {
    assert.doesNotThrow(() => ajv.compile(schema), name);
  }
});

test("the schemas accept the answers the server sends", () => {
  const ajv = new Ajv({ strict: true });
  const accepts = (schema: wire.JsonSchema, value: unknown) => {
    const validate = ajv.compile(schema);
    assert.equal(validate(value), true, `${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
  };
  accepts(wire.EVENT_RECEIPT_SCHEMA, { seq: 0, id: EVENT.id, duplicate: false });
  accepts(wire.BATCH_SUMMARY_SCHEMA, {
    accepted: 1,
    duplicates: 1,
    rejected: 1,
    results: [
      { index: 0, seq: 3, id: EVENT.id },
      { index: 1, seq: 2, id: EVENT.id, duplicate: true },
      { index: 2, error: { code: "ST_ERR_EVENT_INVALID", detail: "line 3: action: required" } },
    ],
  });
  accepts(wire.EVENT_PAGE_SCHEMA, { sort: "seq", order: "desc", events: [EVENT], next_cursor: "abc" });
  accepts(wire.EVENT_PAGE_SCHEMA, { sort: "timestamp", order: "asc", events: [] });
  accepts(wire.EVENT_WITH_PROOF_SCHEMA, {
    event: EVENT,
    proof: { index: 0, tree_size: 1, leaf_hash: "AAAA", proof: [] },
    checkpoint: "origin\n1\nAAAA\n\n— sig\n",
  });
  accepts(wire.STATS_SCHEMA, {
    total: 1,
    top: 10,
    others: { byAction: 0, byOutcome: 0, byActor: 0, byCategory: 0, bySeverity: 0 },
    byAction: [{ key: "user.login", count: 1 }],
    byOutcome: [{ key: null, count: 1 }],
    byActor: [],
    byCategory: [],
    bySeverity: [],
    perHour: [],
    perDay: [],
  });
  const figures = { count: 20, min: 40, avg: 49.5, p50: 49, p95: 58, p99: 59, max: 59 };
  const performance = {
    by: "action",
    window: { since: "2026-11-21T10:00:00.000Z", until: "2026-11-22T10:00:00.000Z" },
    previousWindow: { since: "2026-11-20T10:00:00.000Z", until: "2026-11-21T10:00:00.000Z" },
    degradation: { factor: 1.5, minSamples: 20 },
    timed: 23,
    skipped: 1,
    previousTimed: 20,
    overall: figures,
    operations: [
      {
        key: "db.query",
        ...figures,
        slowestSeqs: [9, 8],
        previous: { ...figures, p95: 28 },
        p95Ratio: 2.071,
        degraded: true,
      },
      { key: null, ...figures, count: 3, slowestSeqs: [1], previous: null, p95Ratio: null, degraded: false },
    ],
  };
  accepts(wire.PERFORMANCE_SCHEMA, performance);
  accepts(wire.PERFORMANCE_SCHEMA, { ...performance, overall: null, operations: [] });
  accepts(wire.CREATED_API_KEY_SCHEMA, {
    id: "0123456789abcdef",
    role: "auditor",
    tenant: "acme",
    name: null,
    created_at: "2026-11-01T10:00:00.000Z",
    revoked_at: null,
    key: "stk_0123456789abcdef_secret",
  });
  accepts(wire.PROBLEM_SCHEMA, {
    type: `${wire.PROBLEM_TYPE_BASE}ST_ERR_EVENT_JSON`,
    title: "Bad Request",
    status: 400,
    code: "ST_ERR_EVENT_JSON",
    detail: "line 2: not JSON",
    instance: "/v1/events",
    results: [{ index: 0, seq: 8, id: "y" }],
  });
  accepts(wire.HEALTH_SCHEMA, { status: "ok" });
});

test("the schemas refuse shapes the server must not send", () => {
  const ajv = new Ajv({ strict: true });
  const refuses = (schema: wire.JsonSchema, value: unknown) =>
    assert.equal(ajv.validate(schema, value), false, JSON.stringify(value));
  refuses(wire.EVENT_RECEIPT_SCHEMA, { seq: 0, id: "x" });
  refuses(wire.EVENT_RECEIPT_SCHEMA, { seq: -1, id: "x", duplicate: false });
  refuses(wire.BATCH_RESULT_SCHEMA, { index: 0, seq: 1, id: "x", duplicate: false });
  refuses(wire.BATCH_RESULT_SCHEMA, { index: 0 });
  refuses(wire.EVENT_PAGE_SCHEMA, { events: [] });
  refuses(wire.EVENT_PAGE_SCHEMA, { sort: "time", order: "desc", events: [] });
  refuses(wire.BATCH_RESULT_SCHEMA, { index: 0, error: { code: "ST_ERR_EVENT_INVALID" } });
  refuses(wire.CREATED_API_KEY_SCHEMA, {
    id: "0123456789abcdef",
    role: "root",
    tenant: null,
    name: null,
    created_at: "2026-11-01T10:00:00.000Z",
    revoked_at: null,
    key: "stk_x",
  });
  // A key's record must never carry its secret or hash.
  refuses(wire.API_KEY_SCHEMA, {
    id: "0123456789abcdef",
    role: "reader",
    tenant: null,
    name: null,
    created_at: "2026-11-01T10:00:00.000Z",
    revoked_at: null,
    hash: "…",
  });
  refuses(wire.PROBLEM_SCHEMA, { status: 400, code: "ST_ERR_USAGE" });
  refuses(wire.READINESS_SCHEMA, { status: "ok" });
  const op = {
    key: "a",
    count: 1,
    min: 1,
    avg: 1,
    p50: 1,
    p95: 1,
    p99: 1,
    max: 1,
    slowestSeqs: [0],
    previous: null,
    p95Ratio: null,
  };
  refuses(wire.OPERATION_PERFORMANCE_SCHEMA, op); // no "degraded"
  refuses(wire.OPERATION_PERFORMANCE_SCHEMA, { ...op, degraded: false, min: -1 });
  refuses(wire.DURATION_FIGURES_SCHEMA, { count: 0, min: 0, avg: 0, p50: 0, p95: 0, p99: 0, max: 0 });
});
