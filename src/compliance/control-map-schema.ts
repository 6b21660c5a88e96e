// biome-ignore-all lint/suspicious/noThenProperty: `then` here is the JSON Schema keyword (if/then), not a thenable.

/**
 * The JSON Schema of a control map file, as data: `control-map.ts` checks maps with the
 * validator generated from it at build time (`scripts/build-validators.ts`), and `npm run docs`
 * publishes it as `docs/schema/control-map.json`.
 */

const FILTER = { type: "array", items: { type: "string", minLength: 1 } } as const;
const TEXT = { type: "string", minLength: 1 } as const;
const SHARE = { type: "number", minimum: 0, maximum: 1 } as const;
const DAYS = { type: "integer", minimum: 1, maximum: 36_500 } as const;
/** Action names and globs: `*` stands for any run of characters. */
const ACTIONS = {
  type: "array",
  minItems: 1,
  items: {
    type: "string",
    pattern: "^[A-Za-z0-9_.*-]+$",
    title: "an action name, * standing for any run of characters (user.create, *.delete, *.mfa_*)",
  },
} as const;
/** What only the checks that select events may say. */
const ONLY_SELECTING = {
  not: {},
  title:
    "nothing here: actions, not_actions and attributable belong to recorded, complete, regular and pseudonymized checks",
} as const;

/** The JSON Schema of a control map file. */
export const CONTROL_MAP_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["framework", "title", "version", "scope", "controls"],
  properties: {
    $schema: { type: "string" },
    framework: { type: "string", pattern: "^[a-z0-9][a-z0-9-]*$" },
    title: TEXT,
    version: TEXT,
    scope: TEXT,
    controls: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "title", "requirement", "checks"],
        properties: {
          id: TEXT,
          title: TEXT,
          requirement: TEXT,
          checks: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              required: ["kind", "describe"],
              properties: {
                kind: {
                  enum: [
                    "recorded",
                    "complete",
                    "integrity",
                    "regular",
                    "retained",
                    "resolved",
                    "pseudonymized",
                  ],
                },
                describe: TEXT,
                filter: FILTER,
                when_none: { enum: ["gap", "not_applicable"] },
                fields: { type: "array", minItems: 1 },
                threshold: SHARE,
                every: { enum: ["day", "week"] },
                retain_days: DAYS,
                at_hand_days: DAYS,
                requests: FILTER,
                resolutions: FILTER,
                match: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_.-]*$" },
                within_days: DAYS,
                prefix: TEXT,
                actions: ACTIONS,
                not_actions: ACTIONS,
                attributable: { type: "boolean" },
              },
              additionalProperties: false,
              allOf: [
                {
                  if: { properties: { kind: { const: "recorded" } } },
                  then: { anyOf: [{ required: ["filter"] }, { required: ["actions"] }] },
                },
                {
                  if: { properties: { kind: { enum: ["integrity", "retained", "resolved"] } } },
                  then: {
                    properties: {
                      actions: ONLY_SELECTING,
                      not_actions: ONLY_SELECTING,
                      attributable: ONLY_SELECTING,
                    },
                  },
                },
                {
                  if: { properties: { kind: { const: "complete" } } },
                  then: {
                    required: ["fields"],
                    properties: {
                      fields: {
                        items: {
                          type: "object",
                          additionalProperties: false,
                          required: ["label", "any_of"],
                          properties: {
                            label: TEXT,
                            any_of: { type: "array", minItems: 1, items: TEXT },
                            values: { type: "array", minItems: 1, items: TEXT },
                          },
                        },
                      },
                    },
                  },
                },
                {
                  if: { properties: { kind: { const: "regular" } } },
                  then: { required: ["every"], anyOf: [{ required: ["filter"] }, { required: ["actions"] }] },
                },
                {
                  if: { properties: { kind: { const: "retained" } } },
                  then: { required: ["retain_days", "at_hand_days"] },
                },
                {
                  if: { properties: { kind: { const: "resolved" } } },
                  then: { required: ["requests", "resolutions", "match", "within_days"] },
                },
                {
                  if: { properties: { kind: { const: "pseudonymized" } } },
                  then: { required: ["fields", "prefix"], properties: { fields: { items: TEXT } } },
                },
              ],
            },
          },
        },
      },
    },
  },
} as const;
