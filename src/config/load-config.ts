import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { HOME_ENV } from "../storage/sqlite/sqlite-home.js";
import { CONFIG_ENV, CONFIG_FILE_NAME } from "./config-file.js";
import { CONFIG_SCHEMA } from "./config-schema.js";
import { parseConfigDocument } from "./parse-config-document.js";
import { dottedPath, invalidFile, pointerParts, type SchemaIssue, schemaIssues } from "./schema-issues.js";
import type { ConfigOverrides, ConfigSettings, SealtrailConfig } from "./sealtrail-config.js";
import { isSecretSetting } from "./secret-settings.js";
import { substituteEnv } from "./substitute-env.js";

export { CONFIG_ENV, CONFIG_FILE_NAME };

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The store's home, whose `sealtrail.yaml` is read when no file is named; default `$SEALTRAIL_HOME`, else `./.sealtrail`. */
  readonly home?: string;
  /** The file to read (`--config`); else `$SEALTRAIL_CONFIG`, else `<home>/sealtrail.yaml`. */
  readonly path?: string;
  /** The environment `${NAME}`, `$SEALTRAIL_CONFIG` and `$SEALTRAIL_HOME` are read from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Settings from the command line: each one given replaces the file's. */
  readonly overrides?: ConfigOverrides;
}

/** Which file a configuration is read from, and whether someone named it. */
export interface ConfigLocation {
  readonly file: string;
  /**
   * True when named by `path` or `$SEALTRAIL_CONFIG`: then a missing file is an error. The
   * home's own `sealtrail.yaml` may be absent (every setting takes its default).
   */
  readonly named: boolean;
}

/**
 * Where the configuration is read from: `path` (`--config`), else `$SEALTRAIL_CONFIG`, else
 * `<home>/sealtrail.yaml`.
 *
 * @example
 * ```ts
 * configLocation({ home: "/srv/audit" }); // { file: "/srv/audit/sealtrail.yaml", named: false }
 * ```
 */
export function configLocation(options: LoadConfigOptions = {}): ConfigLocation {
  const env = options.env ?? process.env;
  if (options.path !== undefined) return { file: options.path, named: true };
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { file: fromEnv, named: true };
  return {
    file: join(resolve(options.home ?? env[HOME_ENV] ?? ".sealtrail"), CONFIG_FILE_NAME),
    named: false,
  };
}

const require = createRequire(import.meta.url);
let compiledCheck: ValidateFunction | undefined;

/**
 * The schema's validator (every problem, defaults filled in), generated at build time from
 * {@link CONFIG_SCHEMA} (`scripts/build-validators.ts`) and loaded on first use.
 */
function configCheck(): ValidateFunction {
  compiledCheck ??= require("./config-schema-check.cjs") as ValidateFunction;
  return compiledCheck;
}

/** The JSON type the schema asks for at a pointer, if it names one. */
function typeAt(pointer: string): string | undefined {
  let node: unknown = CONFIG_SCHEMA;
  for (const part of pointerParts(pointer)) {
    const schema = node as { properties?: Record<string, unknown>; items?: unknown };
    node = /^\d+$/.test(part) && schema.items ? schema.items : schema.properties?.[part];
    if (node === undefined) return undefined;
  }
  const type = (node as { type?: unknown }).type;
  return typeof type === "string" ? type : undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** `target` with every setting of `overrides` in place of its own; the dotted paths replaced go to `replaced`. */
function override(target: Record<string, unknown>, overrides: object, prefix: string, replaced: string[]) {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const current = target[key];
    if (
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      typeof current === "object" &&
      current !== null
    ) {
      const copy = { ...(current as Record<string, unknown>) };
      override(copy, value, path, replaced);
      target[key] = copy;
    } else {
      target[key] = value;
      replaced.push(path);
    }
  }
}

/** The settings of a file (or of `{}`), checked and completed with the defaults, or the issues. */
function settingsOf(
  value: unknown,
  lineOf: (pointer: string) => number | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { settings?: Record<string, unknown>; fromEnv: Record<string, string>; issues: SchemaIssue[] } {
  const substituted = substituteEnv(value, env, { typeAt });
  const data = substituted.value;
  const fromEnv: Record<string, string> = {};
  for (const [pointer, names] of substituted.fromEnv) {
    fromEnv[dottedPath(pointer)] = names.join(", ");
  }
  const issues: SchemaIssue[] = [...substituted.issues];
  const validate = configCheck();
  if (!validate(data)) {
    const taken = new Set(issues.map((i) => i.pointer));
    for (const issue of schemaIssues(validate.errors ?? [], CONFIG_SCHEMA, data, {
      topLevelKey: "section",
      describeValue: (pointer) => {
        const names = substituted.fromEnv.get(pointer);
        if (names) return `the value of ${names.map((n) => `\${${n}}`).join(", ")} (not shown)`;
        return isSecretSetting(pointer) ? "a secret (not shown)" : undefined;
      },
    })) {
      if (!taken.has(issue.pointer)) issues.push(issue);
    }
  }
  if (issues.length > 0) {
    const placed = issues.map((issue) => {
      const line = lineOf(issue.pointer);
      return line === undefined ? issue : { ...issue, line };
    });
    // In the order of the file (problems with the file as a whole first).
    placed.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { fromEnv, issues: placed };
  }
  const { $schema: _, ...settings } = data as Record<string, unknown>;
  return { settings, fromEnv, issues };
}

/**
 * Reads, checks and resolves the configuration: the file named by `path` (`--config`), else by
 * `$SEALTRAIL_CONFIG`, else `<home>/sealtrail.yaml` (whose absence means every default), in YAML
 * or JSON. `${NAME}` in a text takes the environment variable `NAME` (`$${` is a literal `${`);
 * then the file is checked against `CONFIG_SCHEMA` (docs/schema/config.json), missing settings
 * take their defaults, and `overrides` (command-line flags) replace what they name.
 *
 * Everything wrong with the file is reported at once, as one `ST_ERR_CONFIG_INVALID` error with
 * a line per problem naming the file, the setting and what was expected
 * (`sealtrail.yaml: server.port: expected an integer from 1 to 65535, got 70000 (line 2)`);
 * `details.issues` holds them as data. A value that came from a variable is never quoted.
 *
 * @example
 * ```ts
 * import { loadConfig } from "sealtrail";
 *
 * // /srv/audit/sealtrail.yaml:
 * //   server:
 * //     port: 8443
 * //     rate_limit: ${SEALTRAIL_RATE_LIMIT}
 * const config = loadConfig({ home: "/srv/audit", overrides: { server: { host: "0.0.0.0" } } });
 * config.server.port;        // 8443 (the file)
 * config.server.host;        // "0.0.0.0" (the override)
 * config.server.log_level;   // "warn" (the default)
 * config.source.sha256;      // SHA-256 of the file's bytes
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): SealtrailConfig {
  const env = options.env ?? process.env;
  const location = configLocation(options);
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(location.file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!(code === "ENOENT" && !location.named)) {
      throw invalidFile(location.file, [
        {
          path: "",
          pointer: "",
          expected: "a readable configuration file",
          got:
            code === "ENOENT"
              ? "no such file"
              : code === "EISDIR"
                ? "a directory"
                : `a file that cannot be read (${(error as Error).message})`,
        },
      ]);
    }
  }

  const sha256 = bytes === undefined ? undefined : createHash("sha256").update(bytes).digest("hex");
  const facts = sha256 === undefined ? {} : { sha256 };
  let value: unknown = {};
  let lineOf: (pointer: string) => number | undefined = () => undefined;
  if (bytes !== undefined) {
    const parsed = parseConfigDocument(location.file, bytes);
    if (!parsed.ok) throw invalidFile(location.file, parsed.issues, facts);
    value = parsed.document.value;
    lineOf = parsed.document.lineOf;
    if (value === undefined) {
      throw invalidFile(
        location.file,
        [
          {
            path: "",
            pointer: "",
            expected: "a mapping of sections (write {} for every default)",
            got: "an empty file",
          },
        ],
        facts,
      );
    }
  }

  const resolved = settingsOf(value, lineOf, env);
  if (!resolved.settings) throw invalidFile(location.file, resolved.issues, facts);
  const overridden: string[] = [];
  if (options.overrides) override(resolved.settings, options.overrides, "", overridden);
  return deepFreeze({
    ...(resolved.settings as unknown as ConfigSettings),
    source: {
      file: bytes === undefined ? undefined : location.file,
      sha256,
      fromEnv: resolved.fromEnv,
      overridden,
    },
  });
}
