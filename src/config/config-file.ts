/**
 * The configuration file's name, the variable that names another, and the value lists options
 * are worded with: constants of their own, so that the command line can word its options without
 * loading the loader or the schema.
 */

/** Environment variable naming the configuration file (what `--config` does). */
export const CONFIG_ENV = "SEALTRAIL_CONFIG";

/** The configuration file's name in the home, read when no other file is named. */
export const CONFIG_FILE_NAME = "sealtrail.yaml";

/** The log levels of the server's request log. */
export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug"] as const;

/** The storage drivers a configuration may name. */
export const STORAGE_DRIVERS = ["sqlite", "memory"] as const;
