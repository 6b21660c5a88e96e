import { type Command, Option } from "commander";
import { CONFIG_FILE_NAME } from "../config/config-file.js";
import type { LoadConfigOptions } from "../config/load-config.js";
import type { SealtrailConfig } from "../config/sealtrail-config.js";
import { isSealtrailError } from "../errors.js";
import { colorsFor, paint } from "./output.js";
import { EXIT, ExitCode } from "./program.js";

/** The `--config` option of the commands that read the configuration file. */
export const configOption = () =>
  new Option(
    "--config <file>",
    `configuration file, YAML or JSON (default: $SEALTRAIL_CONFIG, else <home>/${CONFIG_FILE_NAME})`,
  );

/**
 * Loads the configuration for a command; when the file is not valid, prints every problem on
 * stderr (one line each, after `prefix`: file, setting, what was expected, then the registry code)
 * and ends the command with exit 2. The loader is imported here, when a command needs it.
 */
export async function loadConfigOrExit(
  options: LoadConfigOptions,
  prefix = "sealtrail: ",
): Promise<SealtrailConfig> {
  const { loadConfig } = await import("../config/load-config.js");
  try {
    return loadConfig(options);
  } catch (error) {
    if (!isSealtrailError(error, "ST_ERR_CONFIG_INVALID")) throw error;
    for (const line of error.message.split("\n")) process.stderr.write(`${prefix}${line} [${error.code}]\n`);
    throw new ExitCode(EXIT.usage);
  }
}

/** Adds `config check` to the `sealtrail` command. */
export function addConfigCommand(program: Command): void {
  const config = program.command("config").description(`the configuration file (<home>/${CONFIG_FILE_NAME})`);
  config
    .command("check")
    .description("check the configuration file; exit 0 when it is valid, else 2 after listing every problem")
    .addOption(configOption())
    .addOption(new Option("--home <dir>", "store directory (default: $SEALTRAIL_HOME, else ./.sealtrail)"))
    .option("--print", "also print the configuration in force (defaults filled in, secrets as ***)")
    .action(async (options: { config?: string; home?: string; print?: boolean }) => {
      const { configLocation } = await import("../config/load-config.js");
      const { configText } = await import("../config/config-changes.js");
      const location: LoadConfigOptions = {
        ...(options.home === undefined ? {} : { home: options.home }),
        ...(options.config === undefined ? {} : { path: options.config }),
      };
      const loaded = await loadConfigOrExit(location, "");
      const c = colorsFor(process.stdout);
      process.stdout.write(
        loaded.source.file === undefined
          ? `${configLocation(location).file}: ${paint(c, "green", "ok")} (no such file: every setting takes its default)\n`
          : `${loaded.source.file}: ${paint(c, "green", "ok")}\n`,
      );
      if (options.print) process.stdout.write(configText(loaded));
    });
}
