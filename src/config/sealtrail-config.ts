import type { AlertChannelConfig } from "../alerting/channels/channel-schema.js";
import type { AlertRuleConfig } from "../alerting/rules/rule-schema.js";
import type { ScheduleConfig } from "../schedules/schedule-schema.js";
import type { LOG_LEVELS, STORAGE_DRIVERS } from "./config-schema.js";

/**
 * The configuration as Sealtrail uses it: every setting present (the file's value, else the
 * schema's default), keys spelt as in the file. `loadConfig` returns it frozen. The compiler
 * checks these types against `CONFIG_SCHEMA` (`config-schema.test.ts`), so they cannot drift
 * apart.
 */

/** A level of the server's request log. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A storage driver's name. */
export type StorageDriverName = (typeof STORAGE_DRIVERS)[number];

/** `server.limits`: what one request may hold. */
export interface ServerLimitsConfig {
  /** Largest `application/json` body, in bytes (default 4 MiB). Restart. */
  readonly json_body_bytes: number;
  /** Most events in one JSON array (default 10 000). Live. */
  readonly json_batch_events: number;
  /** Most non-blank lines in one NDJSON body (default 100 000). Live. */
  readonly ndjson_lines: number;
}

/** `server`: how `sealtrail serve` listens and what it allows. */
export interface ServerConfig {
  /** Address to listen on (default `127.0.0.1`). Restart. */
  readonly host: string;
  /** TCP port (default 7469). Restart. */
  readonly port: number;
  /** Reverse proxies whose `X-Forwarded-For` is believed (default none). Restart. */
  readonly trust_proxy: readonly string[];
  /** Requests per minute per API key; 0 means no limit (default 60 000). Live. */
  readonly rate_limit: number;
  /** Request log level on stderr (default `warn`). Live. */
  readonly log_level: LogLevel;
  /** How often a checkpoint is signed while events arrive, ms; 0: on demand (default 1 000). Restart. */
  readonly checkpoint_interval_ms: number;
  readonly limits: ServerLimitsConfig;
}

/** `storage`: where events are kept. */
export interface StorageConfig {
  /** `sqlite` (default) or `memory`. Restart. */
  readonly driver: StorageDriverName;
}

/** `alerting`: rules, Sigma rules, channels and delivery (see `config/alerting-schema.ts`). */
export interface AlertingConfig {
  /** Rules as written; compiled and checked when alerting starts. Live. */
  readonly rules: readonly AlertRuleConfig[];
  /** Channels by name, as written. Live. */
  readonly channels: Readonly<Record<string, AlertChannelConfig>>;
  /** Sigma rule files: paths or globs. Live. */
  readonly sigma: readonly string[];
  /** Sigma field names → event field paths. Live. */
  readonly sigma_fields: Readonly<Record<string, string>>;
  /** Channels the alerts of every Sigma rule go to. Live. */
  readonly sigma_channels: readonly string[];
  /** Cooldown of Sigma rules (a duration). Live. */
  readonly sigma_cooldown: string;
  /** How late an event may arrive and still count (a duration). Live. */
  readonly lateness: string;
  /** Where alerting starts on a store it has never run on. Restart. */
  readonly start_at: "end" | "beginning";
  /** Stop retrying a delivery this long after the alert (a duration). Live. */
  readonly give_up_after: string;
  /** Longest wait for one delivery attempt (a duration). Live. */
  readonly delivery_timeout: string;
  /** Scheduled reports, as written; checked when serve starts. Live. */
  readonly schedules: readonly ScheduleConfig[];
}

/** A section a later version defines; for now always empty. */
export type ReservedSection = { readonly [key: string]: never };

/** Every section of the file, resolved. */
export interface ConfigSettings {
  readonly server: ServerConfig;
  readonly storage: StorageConfig;
  readonly alerting: AlertingConfig;
  readonly streams: ReservedSection;
  readonly privacy: ReservedSection;
  readonly retention: ReservedSection;
}

/** Where a configuration came from. */
export interface ConfigSource {
  /** The file read, as named (flag, variable or the home's default); undefined when none was. */
  readonly file: string | undefined;
  /** SHA-256 (hex) of the file's bytes; undefined when no file was read. */
  readonly sha256: string | undefined;
  /**
   * The settings whose value came from an environment variable (`${NAME}`), by dotted path, with
   * the variable's name. Their values are secrets: shown as `***`, never recorded.
   */
  readonly fromEnv: Readonly<Record<string, string>>;
  /** The settings given on the command line instead of by the file, by dotted path. */
  readonly overridden: readonly string[];
}

/** A loaded configuration: the resolved settings and where they came from. */
export interface SealtrailConfig extends ConfigSettings {
  readonly source: ConfigSource;
}

/** Settings given on the command line: each one present replaces the file's value. */
export type ConfigOverrides = {
  readonly [S in keyof ConfigSettings]?: {
    readonly [K in keyof ConfigSettings[S]]?: ConfigSettings[S][K] extends readonly unknown[]
      ? ConfigSettings[S][K]
      : ConfigSettings[S][K] extends object
        ? Partial<ConfigSettings[S][K]>
        : ConfigSettings[S][K];
  };
};
