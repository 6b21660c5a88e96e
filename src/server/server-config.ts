import { configChanges } from "../config/config-changes.js";
import type { SealtrailConfig, ServerConfig } from "../config/sealtrail-config.js";
import { isSealtrailError } from "../errors.js";
import { recordConfigEvent } from "./config-events.js";
import type { RunningServer, ServeOptions } from "./serve.js";
import type { ServerLimits } from "./server-context.js";

/**
 * How `sealtrail serve` uses the configuration file: the options it starts with, and a reload
 * (on SIGHUP) that applies what can change on a running server, keeps the rest for the next
 * start, and records either in the log.
 */

/** The request limits of a `server` section. */
export function limitsOf(server: ServerConfig): ServerLimits {
  return {
    jsonBodyBytes: server.limits.json_body_bytes,
    jsonBatchEvents: server.limits.json_batch_events,
    ndjsonLines: server.limits.ndjson_lines,
    requestsPerMinute: server.rate_limit,
  };
}

/**
 * The {@link ServeOptions} a configuration asks for (all but the logger's stream and the home).
 *
 * @example
 * ```ts
 * const config = loadConfig({ home });
 * const server = await startServer({ home, ...serveOptionsFrom(config), recordLifecycle: true });
 * ```
 */
export function serveOptionsFrom(config: SealtrailConfig): ServeOptions {
  const server = config.server;
  return {
    host: server.host,
    port: server.port,
    limits: limitsOf(server),
    checkpointIntervalMs: server.checkpoint_interval_ms,
    ...(server.trust_proxy.length > 0 ? { trustProxy: server.trust_proxy } : {}),
    config,
  };
}

/** What a reload did. */
export type ReloadOutcome =
  | {
      /** The file is not valid: nothing changed, and the server runs on with `config`. */
      readonly status: "rejected";
      readonly config: SealtrailConfig;
      readonly file: string;
      /** One line per problem: `file: path: expected …, got …`. */
      readonly problems: readonly string[];
    }
  | { readonly status: "unchanged"; readonly config: SealtrailConfig }
  | {
      readonly status: "changed";
      /** The configuration now in force (settings that wait for a restart included). */
      readonly config: SealtrailConfig;
      readonly changed: readonly string[];
      /** Applied at once. */
      readonly applied: readonly string[];
      /** Take effect at the next start. */
      readonly atRestart: readonly string[];
      /** Why the change could not be recorded in the log, when it could not (the log is closing). */
      readonly unrecorded?: string;
      /**
       * Why the new alerting section could not be applied (a Sigma file that cannot be read, a
       * rule naming a channel that does not exist): the rules and schedules loaded before run on.
       */
      readonly alertingKept?: string;
    };

/**
 * Reads the configuration again with `load` and, when it is valid, applies to `server` what can
 * change while it runs (rate limit, batch limits, log level) and records the change
 * (`audit_log.config_changed`); settings that need a restart are reported, not applied. When the
 * file is not valid nothing changes, and the rejection is recorded (outcome `failure`).
 *
 * @example
 * ```ts
 * const outcome = await reloadConfig(server, config, () => loadConfig({ home }));
 * if (outcome.status === "changed") console.log(outcome.applied, outcome.atRestart);
 * ```
 */
export async function reloadConfig(
  server: RunningServer,
  current: SealtrailConfig,
  load: () => SealtrailConfig,
): Promise<ReloadOutcome> {
  let next: SealtrailConfig;
  try {
    next = load();
  } catch (error) {
    if (!isSealtrailError(error, "ST_ERR_CONFIG_INVALID")) throw error;
    const details = error.details ?? {};
    const file = typeof details.file === "string" ? details.file : (current.source.file ?? "(configuration)");
    const issues = Array.isArray(details.issues) ? (details.issues as Array<{ path: string }>) : [];
    await recordConfigEvent(server.log, {
      kind: "rejected",
      file,
      sha256: typeof details.sha256 === "string" ? details.sha256 : undefined,
      paths: issues.map((i) => i.path),
    });
    return { status: "rejected", config: current, file, problems: error.message.split("\n") };
  }
  const { changed, live, restart } = configChanges(current, next);
  if (changed.length === 0 && next.source.sha256 === current.source.sha256) {
    return { status: "unchanged", config: current };
  }
  if (live.length > 0) {
    const { jsonBodyBytes: _, ...liveLimits } = limitsOf(next.server);
    server.setLimits(liveLimits);
    server.app.log.level = next.server.log_level;
  }
  let alertingKept: string | undefined;
  if (server.detection && changed.some((path) => path.startsWith("alerting."))) {
    try {
      await server.detection.reload(next);
    } catch (error) {
      alertingKept = (error as Error).message;
    }
  }
  const applied = alertingKept === undefined ? live : live.filter((path) => !path.startsWith("alerting."));
  let unrecorded: string | undefined;
  try {
    await recordConfigEvent(server.log, {
      kind: "changed",
      config: next,
      previous: current,
      changed,
      applied,
      atRestart: restart,
    });
  } catch (error) {
    // Applied all the same: the server runs with it, and says it was not recorded.
    unrecorded = (error as Error).message;
  }
  return {
    status: "changed",
    config: next,
    changed,
    applied,
    atRestart: restart,
    ...(unrecorded === undefined ? {} : { unrecorded }),
    ...(alertingKept === undefined ? {} : { alertingKept }),
  };
}

/** The lines `sealtrail serve` prints on stderr about a reload. */
export function describeReload(outcome: ReloadOutcome): string {
  switch (outcome.status) {
    case "rejected":
      return [
        `sealtrail: SIGHUP: ${outcome.file} is not valid; still running with the configuration loaded before`,
        ...outcome.problems.map((line) => `sealtrail: ${line}`),
        "",
      ].join("\n");
    case "unchanged":
      return `sealtrail: SIGHUP: ${outcome.config.source.file ?? "no configuration file"}: unchanged\n`;
    case "changed": {
      const file = outcome.config.source.file ?? "no configuration file (defaults)";
      return [
        `sealtrail: SIGHUP: reloaded ${file}: ${outcome.applied.length > 0 ? `applied ${outcome.applied.join(", ")}` : "nothing to apply now"}`,
        ...outcome.atRestart.map(
          (path) =>
            `sealtrail: warning: ${path} changed; the change takes effect when sealtrail serve restarts`,
        ),
        ...(outcome.unrecorded === undefined
          ? []
          : [`sealtrail: warning: the change could not be recorded in the log: ${outcome.unrecorded}`]),
        ...(outcome.alertingKept === undefined
          ? []
          : outcome.alertingKept
              .split("\n")
              .map(
                (line) =>
                  `sealtrail: warning: alerting not reloaded, the rules loaded before run on: ${line}`,
              )),
        "",
      ].join("\n");
    }
  }
}

/**
 * Reloads the configuration on every SIGHUP (one reload at a time), writing what happened with
 * `write`. Returns a function that stops listening.
 *
 * @example
 * ```ts
 * const stop = reloadOnHangup(server, config, () => loadConfig({ home }));
 * ```
 */
export function reloadOnHangup(
  server: RunningServer,
  initial: SealtrailConfig,
  load: () => SealtrailConfig,
  write: (text: string) => void = (text) => process.stderr.write(text),
): () => void {
  let current = initial;
  let queue = Promise.resolve();
  const onHangup = () => {
    queue = queue
      .then(async () => {
        const outcome = await reloadConfig(server, current, load);
        current = outcome.config;
        write(describeReload(outcome));
      })
      .catch((error: unknown) => {
        write(`sealtrail: SIGHUP: reload failed: ${(error as Error).message}\n`);
      });
  };
  process.on("SIGHUP", onHangup);
  return () => process.off("SIGHUP", onHangup);
}
