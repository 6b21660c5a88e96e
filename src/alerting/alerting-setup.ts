import { SealtrailError } from "../errors.js";
import { parseDuration } from "../query/time-range.js";
import type { AlertingSetup } from "./alert-runner.js";
import type { AlertChannel, AlertHandler } from "./channels/alert-channel.js";
import type { CompiledRule } from "./rule-model.js";

/**
 * The configuration file's `alerting` section as the config loader resolves it (defaults filled
 * in). Declared here by shape, so that the library can also be handed one built in code.
 */
export interface AlertingSection {
  readonly rules: readonly unknown[];
  readonly channels: Readonly<Record<string, unknown>>;
  /** Sigma rule files: paths or globs, relative to the configuration file's directory. */
  readonly sigma: readonly string[];
  /** Sigma field names → event field paths. */
  readonly sigma_fields: Readonly<Record<string, string>>;
  /** The channels every Sigma rule's alerts go to. */
  readonly sigma_channels: readonly string[];
  /** The cooldown of Sigma rules (a duration). */
  readonly sigma_cooldown: string;
  /** How late an event may arrive and still count in its windows (a duration). */
  readonly lateness: string;
  /** Where alerting starts on a store it has never run on. */
  readonly start_at: "end" | "beginning";
  /** Give up delivering an alert this long after it was decided (a duration). */
  readonly give_up_after: string;
  /** Longest wait for one delivery attempt (a duration). */
  readonly delivery_timeout: string;
}

/** Options of {@link alertingSetupFrom}. */
export interface AlertingSetupOptions {
  /** The configuration file, named in every error. */
  readonly file: string | undefined;
  /** The directory Sigma patterns are relative to (the configuration file's). */
  readonly baseDir: string;
  /** Custom handlers (library users): channels that are functions, by name. */
  readonly handlers?: Readonly<Record<string, AlertHandler>>;
  /** Rules read from a `--rules FILE` instead of the section's `rules`. */
  readonly rules?: readonly CompiledRule[];
}

/**
 * Builds what alerting runs with from the configuration's `alerting` section: compiles the
 * rules, reads the Sigma files, makes the channels, and checks that every channel a rule names
 * exists. Resolves `undefined` when there is no rule at all (alerting does not run). Errors name
 * the file and the setting: `sealtrail.yaml: alerting.rules[2].channels[0]: expected one of the
 * channels defined under alerting.channels (ops-mail, soc-webhook), got "pager"`.
 *
 * @example
 * ```ts
 * const setup = await alertingSetupFrom(config.alerting, { file: config.source.file, baseDir: "." });
 * if (setup) await startAlerting(log, setup);
 * ```
 */
export async function alertingSetupFrom(
  section: AlertingSection,
  options: AlertingSetupOptions,
): Promise<AlertingSetup | undefined> {
  const where = (path: string) => `${options.file === undefined ? "" : `${options.file}: `}${path}`;
  const { compileRules } = await import("./rules/compile-rules.js");
  const { parseChannels } = await import("./channels/parse-channels.js");
  const rules: CompiledRule[] = [
    ...(options.rules ??
      compileRules(section.rules, { basePath: "alerting.rules", ...fileOf(options.file) })),
  ];
  if (section.sigma.length > 0) {
    const { loadSigmaRules } = await import("./sigma/load-sigma-rules.js");
    rules.push(
      ...(await loadSigmaRules([...section.sigma], {
        fieldMap: section.sigma_fields,
        channels: section.sigma_channels,
        cooldownMs: durationAt(section.sigma_cooldown, "alerting.sigma_cooldown", where),
        baseDir: options.baseDir,
      })),
    );
  }
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) {
      throw new SealtrailError(
        "ST_ERR_ALERT_RULE",
        where(
          `${rule.source.path}: expected a rule id used once, got "${rule.id}" again (${rule.source.file ?? "the configuration"} has another)`,
        ),
      );
    }
    ids.add(rule.id);
  }
  if (rules.length === 0) return undefined;
  const channels: Map<string, AlertChannel> = parseChannels(
    { ...section.channels, ...(options.handlers ?? {}) },
    { ...fileOf(options.file) },
  );
  const known = [...channels.keys()];
  const unknownChannel = (file: string | undefined, path: string, name: string) =>
    new SealtrailError(
      "ST_ERR_ALERT_CHANNEL",
      `${file === undefined ? "" : `${file}: `}${path}: expected one of the channels defined under alerting.channels${known.length > 0 ? ` (${known.join(", ")})` : " (none is)"}, got "${name}"`,
    );
  section.sigma_channels.forEach((name, j) => {
    if (!channels.has(name)) throw unknownChannel(options.file, `alerting.sigma_channels[${j}]`, name);
  });
  const sigmaChannels = new Set(section.sigma_channels);
  for (const rule of rules) {
    rule.channels.forEach((name, j) => {
      if (channels.has(name) || sigmaChannels.has(name)) return;
      throw unknownChannel(rule.source.file ?? options.file, `${rule.source.path}.channels[${j}]`, name);
    });
  }
  return {
    rules,
    channels,
    latenessMs: durationAt(section.lateness, "alerting.lateness", where),
    startAt: section.start_at,
    giveUpAfterMs: durationAt(section.give_up_after, "alerting.give_up_after", where),
    timeoutMs: durationAt(section.delivery_timeout, "alerting.delivery_timeout", where),
  };
}

function fileOf(file: string | undefined): { file?: string } {
  return file === undefined ? {} : { file };
}

function durationAt(text: string, path: string, where: (path: string) => string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new SealtrailError(
      "ST_ERR_CONFIG_INVALID",
      where(`${path}: expected a duration like 10s or 24h, got "${text}"`),
    );
  }
  return ms;
}
