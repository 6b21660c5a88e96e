import type { AuditEvent } from "../event/audit-event.js";
import type { SignedCheckpoint } from "../ledger/checkpoint.js";
import { verifyCheckpoint } from "../ledger/checkpoint.js";
import { parseVerifierKey } from "../ledger/signed-note.js";
import type { PerformanceOptions, PerformanceSummary } from "../performance/operation-performance.js";
import type { EventFilter } from "../read-model/event-filter.js";
import type { CountDimension, CountRow, PageSort } from "../read-model/stored-event.js";
import type { AuditLevel } from "./audit-level.js";
import type { ReportProvenance } from "./report-model.js";

/**
 * What report types read, and nothing more: aggregation happens in the store (counts, groups,
 * pages), so a report over millions of events stays small in memory (durations, whose exact
 * percentiles need every value, keep 8 to 16 bytes per timed event). `AuditLog` is one.
 */
export interface ReportSource {
  readonly origin: string;
  count(filter: EventFilter): Promise<number>;
  /** For each set of conditions, the events matching `filter` and it, in one pass. */
  countEach(filter: EventFilter, narrowings: readonly EventFilter["conditions"][]): Promise<number[]>;
  countBy(filter: EventFilter, dimension: CountDimension, limit?: number): Promise<CountRow[]>;
  /** A page of events: by seq (as received, the default) or by timestamp (as happened, ties by seq). */
  query(
    filter: EventFilter,
    options: { limit: number; order: "asc" | "desc"; sort?: PageSort },
  ): Promise<{ events: AuditEvent[] }>;
  /** Durations of operations over a window, each p95 against the previous window's (`AuditLog.performance`). */
  performance(options: PerformanceOptions): Promise<PerformanceSummary>;
  /** Signs (if the log grew) and returns the checkpoint covering every committed event. */
  checkpoint(): Promise<SignedCheckpoint>;
  verifierKey(): string;
  verify(): Promise<StoreVerification>;
}

/** The outcome of a full verification of the store, as reports state it. */
export interface StoreVerification {
  readonly ok: boolean;
  /** Why it failed, in plain words. */
  readonly problem?: string;
  /** The first seq found wrong. */
  readonly firstBadSeq?: number;
}

/** What a report is asked for. */
export interface ReportRequest {
  /** Period start, Unix ms (inclusive). */
  readonly since: number;
  /** Period end, Unix ms (exclusive). */
  readonly until: number;
  /** Filter on top of the period, as given (for the provenance). */
  readonly expressions: readonly string[];
  /** The same, parsed. */
  readonly filter: EventFilter;
  /** Run a full `verify` of the store and state its result. */
  readonly verifyStore?: boolean;
  /** Which event fields the report shows (default `standard`). */
  readonly auditLevel?: AuditLevel;
}

/**
 * A report's scope: the period, the filter, and the checkpoint every number is computed
 * against (`seq < treeSize`), so that events appended while the report runs never change it.
 */
export interface ReportScope {
  readonly request: ReportRequest;
  /** The request's filter, bound to the period and to the checkpoint's tree. */
  readonly filter: EventFilter;
  /** `filter` narrowed by more conditions. */
  narrow(...conditions: EventFilter["conditions"]): EventFilter;
  readonly checkpoint: SignedCheckpoint;
  /** The checkpoint's signature verified with the log's verifier key. */
  readonly signatureVerified: boolean;
  /** Whether a full `verify` of the store passed (`undefined`: not asked for). */
  readonly storeVerified: boolean | undefined;
  /** The full verification's outcome, when it was asked for. */
  readonly verification: StoreVerification | undefined;
  /** Which event fields the report shows. */
  readonly level: AuditLevel;
  provenance(type: string, title: string): ReportProvenance;
}

/**
 * Fixes a report's scope: signs a checkpoint of the log as it is, checks its signature with the
 * log's verifier key, and verifies the whole store when asked.
 *
 * @example
 * ```ts
 * const scope = await reportScope(log, { since, until, expressions: [], filter: MATCH_ALL });
 * const events = await log.count(scope.filter);
 * ```
 */
export async function reportScope(source: ReportSource, request: ReportRequest): Promise<ReportScope> {
  const checkpoint = await source.checkpoint();
  let signatureVerified = false;
  try {
    verifyCheckpoint(checkpoint.note, parseVerifierKey(source.verifierKey()));
    signatureVerified = true;
  } catch {
    // Stated as not verified on the report itself.
  }
  const verification = request.verifyStore ? await source.verify() : undefined;
  const storeVerified = verification?.ok;
  const level = request.auditLevel ?? "standard";
  const filter: EventFilter = {
    conditions: [...request.filter.conditions, { field: "seq", op: "lt", value: checkpoint.size }],
    since: Math.max(request.since, request.filter.since ?? request.since),
    until: Math.min(request.until, request.filter.until ?? request.until),
  };
  return {
    request,
    filter,
    checkpoint,
    signatureVerified,
    storeVerified,
    verification,
    level,
    narrow: (...conditions) => ({ ...filter, conditions: [...filter.conditions, ...conditions] }),
    provenance: (type, title) => ({
      type,
      title,
      generatedAt: new Date().toISOString(),
      period: { since: new Date(request.since).toISOString(), until: new Date(request.until).toISOString() },
      filter: request.expressions,
      auditLevel: level,
      checkpoint: {
        origin: checkpoint.origin,
        treeSize: checkpoint.size,
        rootHash: checkpoint.root.toString("base64"),
        signatureVerified,
        ...(storeVerified === undefined ? {} : { storeVerified }),
        note: checkpoint.note,
      },
    }),
  };
}

/**
 * `scope` with its filter narrowed by more conditions: a report type built on it counts only
 * the events that also meet them (template sections use it for their own filters).
 *
 * @example
 * ```ts
 * const admins = narrowScope(scope, [{ field: "actor.type", op: "eq", value: "user" }]);
 * ```
 */
export function narrowScope(scope: ReportScope, conditions: EventFilter["conditions"]): ReportScope {
  const filter = scope.narrow(...conditions);
  return {
    ...scope,
    filter,
    narrow: (...more) => ({ ...filter, conditions: [...filter.conditions, ...more] }),
  };
}
