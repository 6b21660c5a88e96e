import type { FromSchema, JsonSchema } from "./json-schema.js";

/** `GET /healthz`: the process is up. */
export const HEALTH_SCHEMA = {
  type: "object",
  properties: { status: { const: "ok" } },
  required: ["status"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * The health answer.
 *
 * @example
 * ```ts
 * const health: Health = { status: "ok" };
 * ```
 */
export type Health = FromSchema<typeof HEALTH_SCHEMA>;

/** `GET /readyz`: the store is open and accepts writes (a 503 problem while closing). */
export const READINESS_SCHEMA = {
  type: "object",
  properties: { status: { const: "ready" } },
  required: ["status"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * The readiness answer.
 *
 * @example
 * ```ts
 * const ready: Readiness = { status: "ready" };
 * ```
 */
export type Readiness = FromSchema<typeof READINESS_SCHEMA>;
