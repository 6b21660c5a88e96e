/**
 * The configuration file: `<home>/sealtrail.yaml` (or `--config FILE`, or `$SEALTRAIL_CONFIG`),
 * YAML or JSON, a section per capability, `${NAME}` for secrets, checked against
 * `docs/schema/config.json`.
 *
 * @example
 * ```ts
 * import { loadConfig } from "sealtrail";
 * const config = loadConfig({ home: "./.sealtrail" });
 * config.server.port; // 7469 unless the file says otherwise
 * ```
 */

export {
  type ConfigChanges,
  configChanges,
  configText,
  redactedSettings,
  reloadKindOf,
} from "./config-changes.js";
export {
  CONFIG_SCHEMA,
  CONFIG_SECTIONS,
  LOG_LEVELS,
  RELOAD,
  type ReloadKind,
  STORAGE_DRIVERS,
} from "./config-schema.js";
export {
  CONFIG_ENV,
  CONFIG_FILE_NAME,
  type ConfigLocation,
  configLocation,
  type LoadConfigOptions,
  loadConfig,
} from "./load-config.js";
export { type SchemaIssue, schemaIssues } from "./schema-issues.js";
export type {
  ConfigOverrides,
  ConfigSettings,
  ConfigSource,
  LogLevel,
  ReservedSection,
  SealtrailConfig,
  ServerConfig,
  ServerLimitsConfig,
  StorageConfig,
  StorageDriverName,
} from "./sealtrail-config.js";
