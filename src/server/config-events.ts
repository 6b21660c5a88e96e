import { hostname } from "node:os";
import type { AuditLog } from "../audit-log.js";
import { redactedSettings } from "../config/config-changes.js";
import type { SealtrailConfig } from "../config/sealtrail-config.js";
import { isSecretSetting } from "../config/secret-settings.js";
import type { JsonValue } from "../event/audit-event.js";

/**
 * What happened to the server's configuration, as recorded in the log itself (PCI DSS 10.2.1.6
 * asks that changes to audit log settings be logged):
 *
 * | kind | action | outcome |
 * | --- | --- | --- |
 * | `loaded` | `audit_log.config_loaded` (at every start of `sealtrail serve`, with a file or none) | success |
 * | `changed` | `audit_log.config_changed` (a reload that changed something) | success |
 * | `rejected` | `audit_log.config_changed` (a reload of a file that is not valid) | failure |
 *
 * Details name files, SHA-256 digests of their bytes and dotted setting paths, and the settings
 * in force (`settings`) after a start or a change, with every value that came from an
 * environment variable shown as `***`: such a value may be a secret, and is never recorded. A
 * rejected file records only the paths found wrong, no value of it.
 */
export type ConfigEvent =
  | { readonly kind: "loaded"; readonly config: SealtrailConfig }
  | {
      readonly kind: "changed";
      readonly config: SealtrailConfig;
      readonly previous: SealtrailConfig;
      /** Settings whose value changed, by dotted path. */
      readonly changed: readonly string[];
      /** Of those, the ones applied at once. */
      readonly applied: readonly string[];
      /** Of those, the ones that wait for a restart. */
      readonly atRestart: readonly string[];
    }
  | {
      readonly kind: "rejected";
      /** The file that was read. */
      readonly file: string;
      /** SHA-256 of the rejected file's bytes, when they could be read. */
      readonly sha256: string | undefined;
      /** The settings found wrong, by dotted path ("" for the file as a whole). */
      readonly paths: readonly string[];
    };

const NO_FILE = "(no file: defaults)";

/**
 * The settings in force as event details: values from environment variables as `***`, and each
 * alert channel's secret settings (its URL, secret, routing key, SMTP password) left out by name
 * — an event never holds a field named like key material, even redacted — with the names of
 * those left out listed under the channel's `not_recorded`.
 */
function settingsOf(config: SealtrailConfig): Record<string, JsonValue> {
  const settings = JSON.parse(JSON.stringify(redactedSettings(config))) as Record<string, JsonValue>;
  const alerting = settings.alerting as { channels?: Record<string, Record<string, JsonValue>> } | undefined;
  for (const [name, channel] of Object.entries(alerting?.channels ?? {})) {
    const left: string[] = [];
    for (const key of Object.keys(channel)) {
      if (isSecretSetting(`/alerting/channels/${name}/${key}`)) {
        left.push(key);
        delete channel[key];
      }
    }
    const smtp = channel.smtp as { auth?: Record<string, JsonValue> } | undefined;
    if (smtp?.auth && "pass" in smtp.auth) {
      left.push("smtp.auth.pass");
      delete smtp.auth.pass;
    }
    if (left.length > 0) channel.not_recorded = left;
  }
  return settings;
}

/**
 * Appends the event for `event` in the style of `audit_log.start`: the system actor
 * `sealtrail serve`, the configuration file as target.
 *
 * @example
 * ```ts
 * await recordConfigEvent(log, { kind: "loaded", config: loadConfig({ home }) });
 * ```
 */
export async function recordConfigEvent(log: AuditLog, event: ConfigEvent): Promise<void> {
  const file = event.kind === "rejected" ? event.file : (event.config.source.file ?? NO_FILE);
  const common = {
    category: "configuration",
    actor: { type: "system", id: "sealtrail", name: "sealtrail serve" },
    target: { type: "configuration", id: file.slice(0, 1024) },
    source: { tool: "sealtrail", host: hostname(), component: "server" },
  } as const;
  switch (event.kind) {
    case "loaded": {
      const { source } = event.config;
      await log.append({
        ...common,
        action: "audit_log.config_loaded",
        outcome: "success",
        severity: "notice",
        details: {
          pid: process.pid,
          file,
          sha256: source.sha256 ?? null,
          from_env: Object.keys(source.fromEnv),
          overridden: [...source.overridden],
          settings: settingsOf(event.config),
        },
      });
      return;
    }
    case "changed":
      await log.append({
        ...common,
        action: "audit_log.config_changed",
        outcome: "success",
        severity: "notice",
        details: {
          pid: process.pid,
          file,
          sha256: event.config.source.sha256 ?? null,
          previous_sha256: event.previous.source.sha256 ?? null,
          changed: [...event.changed],
          applied: [...event.applied],
          at_restart: [...event.atRestart],
          settings: settingsOf(event.config),
        },
      });
      return;
    case "rejected":
      await log.append({
        ...common,
        action: "audit_log.config_changed",
        outcome: "failure",
        severity: "warning",
        error: {
          code: "ST_ERR_CONFIG_INVALID",
          message: `${event.paths.length} problem${event.paths.length === 1 ? "" : "s"} in ${file}; the configuration in use was kept`,
        },
        details: { pid: process.pid, file, sha256: event.sha256 ?? null, paths: [...event.paths] },
      });
  }
}
