import type { FromSchema, JsonSchema } from "./json-schema.js";

/** Performance on the wire: `GET /v1/performance`, the JSON of `sealtrail performance --json`. */

const MS = { type: "number", minimum: 0 } as const satisfies JsonSchema;

/** Count, extremes, mean and nearest-rank percentiles of a set of durations (ms). */
export const DURATION_FIGURES_SCHEMA = {
  type: "object",
  properties: {
    count: { type: "integer", minimum: 1 },
    min: MS,
    avg: { ...MS, description: "The arithmetic mean, rounded to 0.001 ms" },
    p50: MS,
    p95: MS,
    p99: { ...MS, description: "Nearest rank: the duration of rank ⌈0.99·count⌉ in ascending order" },
    max: MS,
  },
  required: ["count", "min", "avg", "p50", "p95", "p99", "max"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * Figures of a set of durations.
 *
 * @example
 * ```ts
 * const f: DurationFiguresJson = { count: 100, min: 1, avg: 50.5, p50: 50, p95: 95, p99: 99, max: 100 };
 * ```
 */
export type DurationFiguresJson = FromSchema<typeof DURATION_FIGURES_SCHEMA>;

const WINDOW = {
  type: "object",
  properties: {
    since: { type: "string", description: "RFC 3339, inclusive" },
    until: { type: "string", description: "RFC 3339, exclusive" },
  },
  required: ["since", "until"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** One group of {@link Performance}. */
export const OPERATION_PERFORMANCE_SCHEMA = {
  type: "object",
  properties: {
    key: {
      type: ["string", "null"],
      description: "The group's value of the by field (lists and objects as JSON); null: events without it",
    },
    ...DURATION_FIGURES_SCHEMA.properties,
    slowestSeqs: {
      type: "array",
      items: { type: "integer", minimum: 0 },
      description: "Seqs of its slowest events in the window (at most 5), slowest first",
    },
    previous: {
      anyOf: [DURATION_FIGURES_SCHEMA, { type: "null" }],
      description: "The same figures over the previous window; null when it had no timed event of the group",
    },
    p95Ratio: {
      type: ["number", "null"],
      description: "p95 ÷ the previous window's p95, rounded to 0.001; null without a previous p95 above 0",
    },
    degraded: {
      type: "boolean",
      description:
        "p95Ratio ≥ degradation.factor with at least degradation.minSamples timed events in both windows",
    },
  },
  required: [...DURATION_FIGURES_SCHEMA.required, "key", "slowestSeqs", "previous", "p95Ratio", "degraded"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * One group's figures.
 *
 * @example
 * ```ts
 * const slow = (await client.performance()).operations.filter((o: OperationPerformanceJson) => o.degraded);
 * ```
 */
export type OperationPerformanceJson = FromSchema<typeof OPERATION_PERFORMANCE_SCHEMA>;

/** `GET /v1/performance`: durations of operations over a window, each p95 against the previous window's. */
export const PERFORMANCE_SCHEMA = {
  type: "object",
  properties: {
    by: { type: "string", description: "The field the groups are values of (default action)" },
    window: WINDOW,
    previousWindow: { ...WINDOW, description: "The window of the same length just before" },
    degradation: {
      type: "object",
      properties: { factor: { type: "number", minimum: 1 }, minSamples: { type: "integer", minimum: 1 } },
      required: ["factor", "minSamples"],
      additionalProperties: false,
    },
    timed: { type: "integer", minimum: 0, description: "Events of the window with a duration_ms" },
    skipped: { type: "integer", minimum: 0, description: "Events of the window without a duration_ms" },
    previousTimed: { type: "integer", minimum: 0 },
    overall: { anyOf: [DURATION_FIGURES_SCHEMA, { type: "null" }] },
    operations: {
      type: "array",
      items: OPERATION_PERFORMANCE_SCHEMA,
      description: "The groups with timed events in the window, the most events first, then by key",
    },
  },
  required: [
    "by",
    "window",
    "previousWindow",
    "degradation",
    "timed",
    "skipped",
    "previousTimed",
    "overall",
    "operations",
  ],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * How long operations took over a window (`AuditLog.performance`'s answer).
 *
 * @example
 * ```ts
 * const perf: Performance = await (await fetch(`${base}/v1/performance?since=24h&by=source.tool`, { headers })).json();
 * console.log(perf.operations[0]?.p95);
 * ```
 */
export type Performance = FromSchema<typeof PERFORMANCE_SCHEMA>;
