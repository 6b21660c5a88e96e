/**
 * The JSON Schema (draft 2020-12) of an alert's JSON form ({@link AlertNotice}), published as
 * `docs/schema/alert.v1.json` by `npm run docs`: what a webhook receiver, `alerts list --json`
 * and `alerts verify` read.
 */

const BASE64 = "^[A-Za-z0-9+/]*={0,2}$";

/** The JSON Schema of an alert notice, without its `$schema` header. */
export const ALERT_NOTICE_SCHEMA = {
  type: "object",
  title: "an alert notice",
  additionalProperties: false,
  required: ["type", "alert"],
  properties: {
    type: {
      enum: ["alert.fired", "alert.resolved"],
      description: "Whether the alert fired or its condition cleared.",
    },
    alert: {
      type: "object",
      additionalProperties: false,
      required: ["id", "rule", "title", "severity", "group", "window", "count", "evidence", "checkpoint"],
      properties: {
        id: {
          type: "string",
          format: "uuid",
          description:
            "Stable across retries and restarts; a resolved notice carries the id of the alert it resolves.",
        },
        rule: { type: "string", minLength: 1, description: "The id of the rule that raised it." },
        title: { type: "string" },
        severity: { enum: ["info", "low", "medium", "high", "critical"] },
        group: {
          type: "object",
          description: "The values of the rule's group_by fields; empty for an ungrouped rule.",
          additionalProperties: {
            anyOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "null" }],
          },
        },
        window: {
          type: "object",
          additionalProperties: false,
          required: ["from", "to"],
          description: "The event-time window the alert covers (RFC 3339).",
          properties: {
            from: { type: "string", format: "date-time" },
            to: { type: "string", format: "date-time" },
          },
        },
        count: { type: "integer", minimum: 0, description: "Matching events in the window." },
        evidence: {
          type: "array",
          description:
            "Events that raised the alert, each with its RFC 6962 inclusion proof against the checkpoint.",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["seq", "id", "leaf_hash", "proof"],
            properties: {
              seq: { type: "integer", minimum: 0 },
              id: { type: "string" },
              leaf_hash: { type: "string", pattern: BASE64, minLength: 44, maxLength: 44 },
              proof: {
                type: "array",
                items: { type: "string", pattern: BASE64, minLength: 44, maxLength: 44 },
              },
            },
          },
        },
        checkpoint: {
          type: "string",
          description: "The signed C2SP checkpoint (signed-note text) every proof is against.",
        },
      },
    },
  },
} as const;
