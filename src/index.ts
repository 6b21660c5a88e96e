/**
 * Sealtrail: a tamper-evident audit trail. The library entry point.
 *
 * @example
 * ```ts
 * import { AuditLog } from "sealtrail";
 * const log = await AuditLog.open();
 * await log.append({ action: "user.login", actor: { id: "alice" }, outcome: "success" });
 * await log.close();
 * ```
 */

export { type ApiKeyRecord, ApiKeyStore, type NewApiKey } from "./access/api-key-store.js";
export type { ApiKeyRow, ApiKeyTable } from "./access/api-key-table.js";
export { allows, type Permission, ROLES, type Role } from "./access/roles.js";
export {
  type AppendOutcome,
  AuditLog,
  type AuditLogOptions,
  type ConsistencyProofJson,
  type FilterInput,
  type InclusionProofJson,
  type LogStats,
  type QueryOptions,
  type QueryPage,
} from "./audit-log.js";
export * from "./config/index.js";
export { ERROR_CODES, type ErrorCode, isSealtrailError, SealtrailError } from "./errors.js";
export * from "./event/index.js";
export type { AppendReceipt, BatchCommitted } from "./ingest/appender.js";
export * from "./ledger/index.js";
export type { DurationFigures } from "./performance/duration-samples.js";
export {
  DEGRADATION_FACTOR,
  DEGRADATION_MIN_SAMPLES,
  type OperationPerformance,
  type PerformanceOptions,
  type PerformanceSummary,
  type PerformanceWindow,
} from "./performance/operation-performance.js";
export * from "./query/index.js";
export type { AppOptions, SealtrailApp } from "./server/build-app.js";
export { type ConfigEvent, recordConfigEvent } from "./server/config-events.js";
export { buildApp } from "./server/load-app.js";
export { closeOnSignals, type RunningServer, type ServeOptions, startServer } from "./server/serve.js";
export {
  describeReload,
  limitsOf,
  type ReloadOutcome,
  reloadConfig,
  reloadOnHangup,
  serveOptionsFrom,
} from "./server/server-config.js";
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from "./server/server-context.js";
export type {
  ConsumerCommit,
  ConsumerState,
  ConsumerStore,
  ListMessagesOptions,
  OutboxMessage,
  OutboxMessageInput,
  OutboxMessageUpdate,
  OutboxStatus,
  PendingMessagesOptions,
} from "./storage/consumer-store.js";
export { MemoryDriver, type MemoryDriverOptions } from "./storage/memory/memory-driver.js";
export { type MemoryStorageOptions, memoryStorage } from "./storage/memory/memory-storage.js";
export { SqliteDriver } from "./storage/sqlite/sqlite-driver.js";
export { type SqliteStorageOptions, sqliteStorage } from "./storage/sqlite/sqlite-storage.js";
export type { Storage, StorageFactory, StorageOpenOptions, StoreSigner } from "./storage/storage.js";
export type { CountDimension, CountRow, StorageDriver, StoredEvent } from "./storage/storage-driver.js";
export type { VerifyReport } from "./verify/verify-store.js";
