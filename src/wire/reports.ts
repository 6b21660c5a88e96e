import type { FromSchema, JsonSchema } from "./json-schema.js";

/** Reports on the wire: the list of report types. A report itself is its rendering (`format=json`: the report model). */

/** One report type as listed. */
export const REPORT_TYPE_INFO_SCHEMA = {
  type: "object",
  properties: {
    id: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    default_period: { type: "string", description: "The period when none is given (24h, 7d)" },
  },
  required: ["id", "title", "description", "default_period"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * One report type.
 *
 * @example
 * ```ts
 * const info: ReportTypeInfo = { id: "access", title: "Access report", description: "…", default_period: "7d" };
 * ```
 */
export type ReportTypeInfo = FromSchema<typeof REPORT_TYPE_INFO_SCHEMA>;

/** `GET /v1/reports`. */
export const REPORT_TYPE_LIST_SCHEMA = {
  type: "object",
  properties: { types: { type: "array", items: REPORT_TYPE_INFO_SCHEMA } },
  required: ["types"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * The report types a server computes.
 *
 * @example
 * ```ts
 * const { types }: ReportTypeList = await (await fetch(`${base}/v1/reports`, { headers })).json();
 * ```
 */
export type ReportTypeList = FromSchema<typeof REPORT_TYPE_LIST_SCHEMA>;
