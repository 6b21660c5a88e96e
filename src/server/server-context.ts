import type { ApiKeyStore } from "../access/api-key-store.js";
import type { AuditLog } from "../audit-log.js";
import type { PreparePool } from "../ingest/prepare-pool.js";
import type { ServerMetrics } from "../metrics/server-metrics.js";
import type { AccessRecorder } from "./access-recorder.js";

/** Request limits of the server. */
export interface ServerLimits {
  /** Largest `application/json` body, bytes. Default 4 MiB. */
  readonly jsonBodyBytes: number;
  /** Most events in one JSON array. Default 10 000. */
  readonly jsonBatchEvents: number;
  /** Most non-blank lines in one NDJSON body. Default 100 000. */
  readonly ndjsonLines: number;
  /** Requests per minute and key (0: unlimited). Default 60 000. */
  readonly requestsPerMinute: number;
}

/** The server's defaults. */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  jsonBodyBytes: 4 * 1024 * 1024,
  jsonBatchEvents: 10_000,
  ndjsonLines: 100_000,
  requestsPerMinute: 60_000,
});

/** What the routes share. */
export interface ServerContext {
  readonly log: AuditLog;
  readonly keys: ApiKeyStore;
  readonly access: AccessRecorder;
  readonly pool: PreparePool;
  readonly metrics: ServerMetrics;
  readonly limits: ServerLimits;
  /** True once shutdown began: readiness fails, new requests and live tails are refused. */
  readonly closing: () => boolean;
}
