/**
 * The JSON Schema (draft 2020-12) of one detection rule as written in the configuration file's
 * `alerting.rules` list and in a `--rules FILE`. Plain data importing nothing, so the
 * configuration's schema can embed it and the build can compile it without running anything
 * else. Each property's `title` says what is expected there: errors are worded from it.
 *
 * What a schema cannot check (filters that parse, durations greater than zero, unique ids, field
 * paths) is checked by `compile-rules.ts`.
 */

/** A duration as `parseDuration` (src/query/time-range.ts) reads it: a number and one of s, m, h, d, w. */
const DURATION_PATTERN = "^\\s*\\d+(\\.\\d+)?\\s*[smhdw]\\s*$";

/** A duration, worded for errors as `a duration like 5m` (or the example given). */
function duration(example: string, what: string) {
  return {
    type: "string",
    pattern: DURATION_PATTERN,
    title: `a duration like ${example}`,
    description: `${what} A number and a unit: s, m, h, d or w (${example}).`,
  } as const;
}

/** A field path of the event (`actor.ip`, `details.workflow`). */
function fieldPath(description: string) {
  return {
    type: "string",
    pattern: "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$",
    title: "a field path like actor.id or details.workflow",
    description,
  } as const;
}

/** A list of filter expressions in the query syntax, all of which must hold. */
function filters(description: string) {
  return {
    type: "array",
    title: 'a list of filter expressions like "action=user.login"',
    description: `${description} Each expression is the query syntax (\`FIELD=VALUE\`, \`FIELD!=VALUE\`, \`FIELD>=VALUE\`…); all must hold.`,
    items: { type: "string", title: 'a filter expression like "outcome=failure"' },
  } as const;
}

/** The keys naming what a rule detects; a rule has exactly one of them. */
export const RULE_KINDS = [
  "any",
  "threshold",
  "ratio",
  "distinct",
  "new_value",
  "sequence",
  "absence",
  "degradation",
  "expiry",
] as const;

/** What a rule detects, by the key that names it. */
export type RuleKind = (typeof RULE_KINDS)[number];

/** A schema that holds when the mapping has the key `kind`. */
function present(kind: RuleKind) {
  return { not: { properties: { [kind]: false } } };
}

const ONE_KIND = `exactly one kind key: ${RULE_KINDS.join(", ")}`;

/** The most steps a sequence rule may have. */
export const MAX_SEQUENCE_STEPS = 8;

/** The largest count a threshold or distinct rule may ask for (a window holds at most this many events per group). */
export const MAX_RULE_COUNT = 100_000;

/** The JSON Schema (draft 2020-12) of one rule, without a `$schema` header. */
export const RULE_SCHEMA = {
  type: "object",
  title: "a rule: a mapping with id, title, severity, match, channels and one kind key",
  additionalProperties: false,
  required: ["id", "title", "severity", "match", "channels"],
  properties: {
    id: {
      type: "string",
      pattern: "^[a-z0-9][a-z0-9._-]*$",
      maxLength: 128,
      title: "an id of lower-case letters, digits, '.', '_' and '-' like failed-logins",
      description: "The rule's stable id, unique among the rules; alerts name it.",
    },
    title: {
      type: "string",
      minLength: 1,
      maxLength: 200,
      title: "a non-empty title of at most 200 characters",
      description: "What the alert says happened, for people.",
    },
    severity: {
      enum: ["info", "low", "medium", "high", "critical"],
      title: "one of info, low, medium, high, critical",
      description: "How bad an alert of this rule is.",
    },
    match: filters("Which events the rule considers."),
    channels: {
      type: "array",
      title: "a list of channel names",
      description: "The channels (`alerting.channels`) the rule's alerts are sent to.",
      items: { type: "string", minLength: 1, title: "a channel name" },
    },
    group_by: {
      type: "array",
      title: "a list of field paths like actor.id",
      description:
        "Fields whose values split the rule into independent groups: each group has its own windows, cooldown and alerts.",
      items: fieldPath("A field whose value splits the rule into groups."),
    },
    cooldown: {
      ...duration("15m", "No new alert for the same rule and group within this long of one (event time)."),
      default: "15m",
    },
    resolve: {
      type: "boolean",
      title: "true or false",
      description:
        "Send a resolved notice when the condition clears (threshold, ratio, distinct, absence, degradation, expiry).",
      default: false,
    },
    any: {
      type: "boolean",
      const: true,
      title: "true",
      description: "Every matching event alerts (subject to the cooldown).",
    },
    threshold: {
      type: "object",
      title: "a mapping with count and window, like { count: 5, window: 5m }",
      description: "At least `count` matching events in a sliding window.",
      additionalProperties: false,
      required: ["count", "window"],
      properties: {
        count: {
          type: "integer",
          minimum: 1,
          maximum: MAX_RULE_COUNT,
          title: `an integer from 1 to ${MAX_RULE_COUNT}`,
          description: "How many matching events the window must hold.",
        },
        window: duration("5m", "The length of the sliding window."),
      },
    },
    ratio: {
      type: "object",
      title:
        "a mapping with of, at_least and window, like { of: [action=payment.*], at_least: 0.2, window: 10m }",
      description:
        "Among the events matching `of` in a sliding window, the share that also match `match` is at least `at_least`, once there are at least `min_events` of them.",
      additionalProperties: false,
      required: ["of", "at_least", "window"],
      properties: {
        of: filters("The events the share is of (the denominator)."),
        at_least: {
          type: "number",
          exclusiveMinimum: 0,
          maximum: 1,
          title: "a share greater than 0 and at most 1, like 0.2",
          description: "The smallest share of matching events that alerts.",
        },
        min_events: {
          type: "integer",
          minimum: 1,
          maximum: MAX_RULE_COUNT,
          title: `an integer from 1 to ${MAX_RULE_COUNT}`,
          description: "How many events of `of` the window must hold before the share counts.",
          default: 20,
        },
        window: duration("10m", "The length of the sliding window."),
      },
    },
    distinct: {
      type: "object",
      title: "a mapping with field, count and window, like { field: actor.ip, count: 5, window: 1h }",
      description:
        "At least `count` distinct values of `field` among the matching events of a sliding window.",
      additionalProperties: false,
      required: ["field", "count", "window"],
      properties: {
        field: fieldPath("The field whose distinct values are counted."),
        count: {
          type: "integer",
          minimum: 1,
          maximum: MAX_RULE_COUNT,
          title: `an integer from 1 to ${MAX_RULE_COUNT}`,
          description: "How many distinct values the window must hold.",
        },
        window: duration("1h", "The length of the sliding window."),
      },
    },
    new_value: {
      type: "object",
      title: "a mapping with field and learn, like { field: actor.ip, learn: 7d }",
      description:
        "A value of `field` never seen for the group before, once the learning period (from the first event the rule sees) is over.",
      additionalProperties: false,
      required: ["field"],
      properties: {
        field: fieldPath("The field whose new values alert."),
        learn: duration("7d", "How long values are only learned, from the first event the rule sees."),
      },
    },
    sequence: {
      type: "object",
      title:
        "a mapping with steps and within, like { steps: [[action=user.login], [action=key.export]], within: 10m }",
      description:
        "Events matching each step, in the same group, all within `within`: in the order of the steps, or in any order when `ordered` is false.",
      additionalProperties: false,
      required: ["steps", "within"],
      properties: {
        steps: {
          type: "array",
          minItems: 2,
          maxItems: MAX_SEQUENCE_STEPS,
          title: `a list of 2 to ${MAX_SEQUENCE_STEPS} steps, each a list of filter expressions`,
          description: "The steps, each a list of filter expressions an event must satisfy.",
          items: filters("One step of the sequence."),
        },
        within: duration("10m", "The longest time from the first step's event to the last's."),
        ordered: {
          type: "boolean",
          title: "true or false",
          description: "Whether the steps must happen in the order given (false: in any order).",
          default: true,
        },
      },
    },
    absence: {
      type: "object",
      title: "a mapping with window, like { window: 1h }",
      description: "Fewer than `count` matching events in the last `window`: a producer went silent.",
      additionalProperties: false,
      required: ["window"],
      properties: {
        window: duration("1h", "The length of the window that must not be (nearly) empty."),
        count: {
          type: "integer",
          minimum: 1,
          maximum: MAX_RULE_COUNT,
          title: `an integer from 1 to ${MAX_RULE_COUNT}`,
          description: "Fewer matching events than this in the window alert.",
          default: 1,
        },
      },
    },
    degradation: {
      type: "object",
      title: "a mapping like { field: duration_ms, percentile: 95, window: 1h, baseline: 7d, factor: 1.5 }",
      description:
        "The `percentile` of `field` over a window exceeds `factor` times the same percentile over the `baseline` before it.",
      additionalProperties: false,
      properties: {
        field: { ...fieldPath("The numeric field measured."), default: "duration_ms" },
        percentile: {
          type: "number",
          exclusiveMinimum: 0,
          exclusiveMaximum: 100,
          title: "a percentile greater than 0 and less than 100, like 95",
          description: "Which percentile is compared.",
          default: 95,
        },
        window: {
          ...duration("1h", "The window judged, aligned to multiples of its length."),
          default: "1h",
        },
        baseline: { ...duration("7d", "How long before the window the baseline covers."), default: "7d" },
        factor: {
          type: "number",
          exclusiveMinimum: 1,
          title: "a factor greater than 1, like 1.5",
          description: "How many times the baseline's percentile the window's must exceed.",
          default: 1.5,
        },
      },
    },
    expiry: {
      type: "object",
      title: "a mapping like { field: crypto.not_after, within: 30d }",
      description:
        "An event records an expiry instant (RFC 3339 or epoch) in `field` that is within `within` of now, or past.",
      additionalProperties: false,
      properties: {
        field: { ...fieldPath("The field holding the expiry instant."), default: "crypto.not_after" },
        within: { ...duration("30d", "How long before the expiry the alert is raised."), default: "30d" },
      },
    },
  },
  // Exactly one kind key, each half a negation so that a mistake is reported once, worded from
  // the title, rather than once per kind key. `{ not: { properties: { K: false } } }` holds when K
  // is present (a `required` inside a negation is refused by ajv's strict mode).
  allOf: [
    { title: ONE_KIND, not: { properties: Object.fromEntries(RULE_KINDS.map((kind) => [kind, false])) } },
    {
      title: `${ONE_KIND}, not two`,
      not: {
        anyOf: RULE_KINDS.flatMap((kind, i) =>
          RULE_KINDS.slice(i + 1).map((other) => ({ allOf: [present(kind), present(other)] })),
        ),
      },
    },
  ],
} as const;

/** The JSON Schema of a rules file (`--rules FILE`) once a bare list is read as `{ rules: [...] }`. */
export const RULES_FILE_SCHEMA = {
  type: "object",
  title: "a list of rules, or a mapping with rules: [...]",
  additionalProperties: false,
  required: ["rules"],
  properties: {
    $schema: { type: "string", title: "the URL or path of a JSON Schema" },
    rules: { type: "array", title: "a list of rules", items: RULE_SCHEMA },
  },
} as const;

/**
 * One rule as written (after the schema's defaults are filled in, `cooldown` is `15m` and
 * `resolve` false when absent). Exactly one of the kind keys (`any` … `expiry`) is present.
 */
export interface AlertRuleConfig {
  readonly id: string;
  readonly title: string;
  readonly severity: "info" | "low" | "medium" | "high" | "critical";
  /** Filter expressions in the query syntax, all of which must hold. */
  readonly match: readonly string[];
  readonly channels: readonly string[];
  readonly group_by?: readonly string[];
  /** A duration (`15m`); default `15m`. */
  readonly cooldown?: string;
  /** Default false. */
  readonly resolve?: boolean;
  readonly any?: true;
  readonly threshold?: { readonly count: number; readonly window: string };
  readonly ratio?: {
    readonly of: readonly string[];
    readonly at_least: number;
    /** Default 20. */
    readonly min_events?: number;
    readonly window: string;
  };
  readonly distinct?: { readonly field: string; readonly count: number; readonly window: string };
  /** `learn` defaults to `7d`. */
  readonly new_value?: { readonly field: string; readonly learn?: string };
  /** `ordered` defaults to true. */
  readonly sequence?: {
    readonly steps: readonly (readonly string[])[];
    readonly within: string;
    readonly ordered?: boolean;
  };
  /** `count` defaults to 1. */
  readonly absence?: { readonly window: string; readonly count?: number };
  /** Defaults: `duration_ms`, 95, `1h`, `7d`, 1.5. */
  readonly degradation?: {
    readonly field?: string;
    readonly percentile?: number;
    readonly window?: string;
    readonly baseline?: string;
    readonly factor?: number;
  };
  /** Defaults: `crypto.not_after`, `30d`. */
  readonly expiry?: { readonly field?: string; readonly within?: string };
}
