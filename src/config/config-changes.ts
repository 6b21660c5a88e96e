import { createRequire } from "node:module";
import { CONFIG_SECTIONS, RELOAD, type ReloadKind } from "./config-schema.js";
import { dottedPath } from "./schema-issues.js";
import type { ConfigSettings, SealtrailConfig } from "./sealtrail-config.js";
import { isSecretSetting } from "./secret-settings.js";

const require = createRequire(import.meta.url);

/** The `yaml` package, loaded on first use: a program that handles no YAML never loads it. */
const yaml = (): typeof import("yaml") => require("yaml");

/** What a reload changed, split by how each change reaches a running server. */
export interface ConfigChanges {
  /** Every setting whose value differs, by dotted path, in the schema's order. */
  readonly changed: readonly string[];
  /** Those a running server applies at once. */
  readonly live: readonly string[];
  /** Those that take effect at the next start. */
  readonly restart: readonly string[];
}

function valueAt(settings: ConfigSettings, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], settings);
}

/** How a change to the setting at `path` is applied; a whole section not listed is `restart`. */
export function reloadKindOf(path: string): ReloadKind {
  return RELOAD[path] ?? "restart";
}

/**
 * The settings that differ between two configurations, and which of them a running server can
 * apply at once ({@link RELOAD}).
 *
 * @example
 * ```ts
 * configChanges(before, after); // { changed: ["server.port", "server.rate_limit"], live: ["server.rate_limit"], restart: ["server.port"] }
 * ```
 */
export function configChanges(before: ConfigSettings, after: ConfigSettings): ConfigChanges {
  const paths = [
    ...Object.keys(RELOAD),
    // Sections without settings of their own yet, compared whole.
    ...CONFIG_SECTIONS.filter((section) => !Object.keys(RELOAD).some((p) => p.startsWith(`${section}.`))),
  ];
  const changed = paths.filter(
    (path) => JSON.stringify(valueAt(before, path)) !== JSON.stringify(valueAt(after, path)),
  );
  return {
    changed,
    live: changed.filter((path) => reloadKindOf(path) === "live"),
    restart: changed.filter((path) => reloadKindOf(path) === "restart"),
  };
}

/** The settings alone, with every value that came from an environment variable shown as `***`. */
export function redactedSettings(config: SealtrailConfig): ConfigSettings {
  const secret = new Set(Object.keys(config.source.fromEnv));
  const walk = (value: unknown, pointer: string): unknown => {
    if (pointer !== "" && (secret.has(dottedPath(pointer)) || isSecretSetting(pointer))) return "***";
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${pointer}/${i}`));
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, `${pointer}/${key}`)]),
      );
    }
    return value;
  };
  const { source: _, ...settings } = config;
  return walk(settings, "") as ConfigSettings;
}

/**
 * The resolved configuration as YAML, secrets shown as `***`, under a comment naming where it
 * came from: what `sealtrail config check --print` shows.
 *
 * @example
 * ```ts
 * process.stdout.write(configText(loadConfig()));
 * ```
 */
export function configText(config: SealtrailConfig): string {
  const { file, sha256, overridden } = config.source;
  const header = [
    `# ${file === undefined ? "no configuration file: every setting is a default" : `${file} (sha256 ${sha256})`}`,
    ...(overridden.length > 0 ? [`# set on the command line: ${overridden.join(", ")}`] : []),
  ];
  return `${header.join("\n")}\n${yaml().stringify(redactedSettings(config))}`;
}
