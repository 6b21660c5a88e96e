/**
 * The configuration file's name and the variable that names another: constants of their own, so
 * that the command line can word its options without loading the loader.
 */

/** Environment variable naming the configuration file (what `--config` does). */
export const CONFIG_ENV = "SEALTRAIL_CONFIG";

/** The configuration file's name in the home, read when no other file is named. */
export const CONFIG_FILE_NAME = "sealtrail.yaml";
