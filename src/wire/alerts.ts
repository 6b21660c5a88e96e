import type { FromSchema, JsonSchema } from "./json-schema.js";

/** Alerts on the wire: `GET /v1/alerts` and `POST /v1/alerts/silences`. */

const GROUP = {
  type: "object",
  additionalProperties: {
    anyOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "null" }],
  },
} as const satisfies JsonSchema;

/** An alert as the log recorded it (without proofs: `sealtrail alerts list --json` proves them). */
export const RECORDED_ALERT_SCHEMA = {
  type: "object",
  properties: {
    type: { enum: ["alert.fired", "alert.resolved"] },
    seq: { type: "integer", minimum: 0, description: "The seq of the event that recorded the alert" },
    recorded_at: { type: "string", format: "date-time" },
    alert: {
      type: "object",
      properties: {
        id: { type: "string" },
        rule: { type: "string" },
        title: { type: "string" },
        severity: { enum: ["info", "low", "medium", "high", "critical"] },
        group: GROUP,
        window: {
          type: "object",
          properties: { from: { type: "string" }, to: { type: "string" } },
          required: ["from", "to"],
          additionalProperties: false,
        },
        count: { type: "integer", minimum: 0 },
        evidence_seqs: { type: "array", items: { type: "integer", minimum: 0 } },
        channels: { type: "array", items: { type: "string" } },
      },
      required: ["id", "rule", "title", "severity", "group", "window", "count", "evidence_seqs", "channels"],
      additionalProperties: false,
    },
  },
  required: ["type", "seq", "recorded_at", "alert"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** `GET /v1/alerts`: the alerts recorded since `since`, oldest first. */
export const ALERT_LIST_SCHEMA = {
  type: "object",
  properties: { alerts: { type: "array", items: RECORDED_ALERT_SCHEMA } },
  required: ["alerts"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * The alerts recorded in the log.
 *
 * @example
 * ```ts
 * const { alerts }: AlertList = await (await fetch(`${base}/v1/alerts?since=24h`, { headers })).json();
 * ```
 */
export type AlertList = FromSchema<typeof ALERT_LIST_SCHEMA>;

/** `POST /v1/alerts/silences`: hold a rule's notifications back for a while. */
export const SILENCE_REQUEST_SCHEMA = {
  type: "object",
  properties: {
    rule: { type: "string", minLength: 1, maxLength: 256, description: "A rule id, or * for every rule" },
    group: {
      type: "object",
      additionalProperties: { type: "string", maxLength: 1024 },
      description: "Only alerts of this group (field → value)",
    },
    for: { type: "string", pattern: "^\\s*\\d+(\\.\\d+)?\\s*[smhdw]\\s*$", description: "How long, like 2h" },
    reason: { type: "string", minLength: 1, maxLength: 1024 },
  },
  required: ["rule", "for", "reason"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** A silence asked for. */
export type SilenceRequest = FromSchema<typeof SILENCE_REQUEST_SCHEMA>;

/** The answer to a silence: where the log recorded it and until when it holds. */
export const SILENCE_RECEIPT_SCHEMA = {
  type: "object",
  properties: { seq: { type: "integer", minimum: 0 }, until: { type: "string", format: "date-time" } },
  required: ["seq", "until"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** The receipt of a silence. */
export type SilenceReceipt = FromSchema<typeof SILENCE_RECEIPT_SCHEMA>;
