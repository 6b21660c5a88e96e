import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { CONFIG_SCHEMA, CONFIG_SECTIONS, RELOAD } from "./config-schema.js";
import { loadConfig } from "./load-config.js";
import type { ConfigSettings } from "./sealtrail-config.js";

/** The TypeScript type a schema of the kinds the configuration uses describes (every key optional). */
type FromSchema<S> = S extends { readonly enum: readonly (infer E)[] }
  ? E
  : S extends { readonly type: "object"; readonly properties: infer P }
    ? keyof P extends never
      ? { readonly [key: string]: never }
      : { readonly [K in keyof P]?: FromSchema<P[K]> }
    : S extends { readonly type: "integer" | "number" }
      ? number
      : S extends { readonly type: "string" }
        ? string
        : S extends { readonly type: "boolean" }
          ? boolean
          : S extends { readonly type: "array"; readonly items: infer I }
            ? readonly FromSchema<I>[]
            : never;

/** Every setting present: what the loader makes of a file once the defaults are filled in. */
type Resolved<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { readonly [K in keyof T]-?: Resolved<T[K]> }
    : T;

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * The settings with the parts that have schemas and types of their own left out: alerting's
 * rules and channels (checked by their modules' tests) and its Sigma field map (a free mapping).
 */
type OwnParts<T extends { readonly alerting: object }> = Omit<T, "alerting"> & {
  readonly alerting: Omit<T["alerting"], "rules" | "channels" | "sigma_fields" | "schedules">;
};

// Fails to compile when the schema and the types in sealtrail-config.ts disagree in any key,
// optionality, or value type.
const typesAgree: Equal<
  OwnParts<Resolved<Omit<FromSchema<typeof CONFIG_SCHEMA>, "$schema">>>,
  OwnParts<ConfigSettings>
> = true;

/** Dotted paths of the schema's leaf settings (sections without settings of their own excluded). */
function leafPaths(schema: unknown, prefix = ""): string[] {
  const properties = (schema as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.entries(properties).flatMap(([key, sub]) => {
    if (key === "$schema") return [];
    const path = prefix ? `${prefix}.${key}` : key;
    // A mapping of free keys (channels by name, Sigma field names) is one setting.
    const nested = sub as { type?: string; properties?: object };
    return nested.type === "object" && nested.properties !== undefined ? leafPaths(sub, path) : [path];
  });
}

function subschema(path: string): { description?: string; default?: unknown } {
  let node: unknown = CONFIG_SCHEMA;
  for (const key of path.split(".")) node = (node as { properties: Record<string, unknown> }).properties[key];
  return node as { description?: string; default?: unknown };
}

describe("the configuration schema", () => {
  test("the types in sealtrail-config.ts are the schema's (checked by the compiler)", () => {
    assert.equal(typesAgree, true);
  });

  test("is a valid JSON Schema in strict mode, and every setting has a default the loader applies", () => {
    const validate = new Ajv2020({ strict: true, useDefaults: true }).compile(CONFIG_SCHEMA);
    const data = {};
    assert.equal(validate(data), true);
    assert.deepEqual(
      data,
      (({ source: _, ...settings }) => settings)(loadConfig({ home: "/nonexistent", env: {} })),
    );
    for (const path of leafPaths(CONFIG_SCHEMA)) {
      assert.notEqual(subschema(path).default, undefined, `${path} has no default`);
    }
  });

  test("every setting says whether a change is applied live or at restart, as RELOAD does", () => {
    assert.deepEqual(Object.keys(RELOAD).sort(), leafPaths(CONFIG_SCHEMA).sort());
    for (const [path, kind] of Object.entries(RELOAD)) {
      assert.match(subschema(path).description ?? "", new RegExp(`Reload: ${kind} `), path);
    }
  });

  test("the sections are the capabilities: server, storage, and the ones a later version fills in", () => {
    assert.deepEqual(CONFIG_SECTIONS, ["server", "storage", "alerting", "streams", "privacy", "retention"]);
  });

  test("README's Configuration section lists every setting with how a change reaches a running server", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    for (const [path, kind] of Object.entries(RELOAD)) {
      assert.match(
        readme,
        new RegExp(`^\\| \`${path.replaceAll(".", "\\.")}\`[^|\\n]*\\|[^|\\n]*\\| ${kind} \\|$`, "m"),
        path,
      );
    }
  });
});
