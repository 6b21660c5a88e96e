import type { FromSchema, JsonSchema } from "./json-schema.js";

/** The media type of error answers (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** The base of every problem's `type` URI: the code follows it (`…/errors/ST_ERR_EVENT_INVALID`). */
export const PROBLEM_TYPE_BASE = "https://sealtrail.dev/errors/";

/**
 * An RFC 9457 problem details object, as every error answer carries it, with Sealtrail's `code`
 * (a registry code, `docs/errors.md`). Extensions may follow, such as the `results` of a batch
 * that was refused part way.
 */
export const PROBLEM_SCHEMA = {
  type: "object",
  description: "RFC 9457 problem details with Sealtrail's `code`; extensions (such as `results`) may follow.",
  properties: {
    type: { type: "string", description: "A URI per error code" },
    title: { type: "string", description: "The HTTP status in words" },
    status: { type: "integer" },
    code: { type: "string", description: "The error code (ST_ERR_…)" },
    detail: { type: "string", description: "What went wrong, naming the field or line" },
    instance: { type: "string", description: "The request path" },
  },
  required: ["type", "title", "status", "code", "detail", "instance"],
  additionalProperties: true,
} as const satisfies JsonSchema;

/**
 * A problem document.
 *
 * @example
 * ```ts
 * const problem: Problem = {
 *   type: "https://sealtrail.dev/errors/ST_ERR_EVENT_INVALID",
 *   title: "Bad Request",
 *   status: 400,
 *   code: "ST_ERR_EVENT_INVALID",
 *   detail: "action: expected a string",
 *   instance: "/v1/events",
 * };
 * ```
 */
export type Problem = FromSchema<typeof PROBLEM_SCHEMA>;
