import { ACTOR_TYPES, CATEGORIES, OUTCOMES, SEVERITIES } from "./audit-event.js";

/**
 * The JSON Schema (draft 2020-12) of an audit event, schema v1. It is published verbatim as
 * `docs/schema/audit-event.v1.json` and is what {@link validateEvent} runs. `title` on a field
 * is the human wording of what it expects, used in validation errors. `seq` and `received_at`
 * are `readOnly`: the log assigns them and refuses them from producers.
 */

const RFC3339 = "^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$";
const UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

const shortText = { type: "string", maxLength: 1024, title: "a string of at most 1024 characters" } as const;
const dateTime = {
  type: "string",
  format: "date-time",
  pattern: RFC3339,
  title: "an RFC 3339 date-time such as 2026-11-22T10:15:00.000Z",
} as const;
const stringList = {
  type: "array",
  maxItems: 100,
  items: shortText,
  title: "an array of at most 100 strings",
} as const;

/** The audit event JSON Schema, schema v1. */
export const AUDIT_EVENT_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://sealtrail.dev/schema/audit-event.v1.json",
  title: "an audit event object",
  description:
    "A Sealtrail audit event (schema v1). Producers send it without seq and received_at; the log assigns them. Unknown top-level fields are rejected: put free-form data in details.",
  type: "object",
  additionalProperties: false,
  required: ["action"],
  properties: {
    seq: { type: "integer", minimum: 0, readOnly: true, title: "assigned by the log" },
    received_at: { ...dateTime, readOnly: true },
    id: {
      type: "string",
      pattern: UUID,
      title: "a UUID such as 0192f0c4-7f3a-7cc1-9e33-5f2b1c8d4e6a",
      description: "Idempotency key: the same id twice is stored once. Assigned (UUIDv7) when absent.",
    },
    timestamp: {
      ...dateTime,
      description: "When it happened; defaults to received_at; stored as UTC with milliseconds.",
    },
    action: {
      type: "string",
      maxLength: 128,
      pattern: "^[A-Za-z][A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]+)+$",
      title: "a dotted domain.verb action such as user.login",
    },
    category: { enum: [...CATEGORIES], title: `one of ${CATEGORIES.join(", ")}` },
    outcome: { enum: [...OUTCOMES], title: `one of ${OUTCOMES.join(", ")}` },
    severity: { enum: [...SEVERITIES], title: `one of ${SEVERITIES.join(", ")}` },
    actor: {
      type: "object",
      additionalProperties: false,
      title: "an object with id, type, name, ip, user_agent, session_id",
      properties: {
        id: shortText,
        type: { enum: [...ACTOR_TYPES], title: `one of ${ACTOR_TYPES.join(", ")}` },
        name: shortText,
        ip: { type: "string", maxLength: 64, title: "an IP address string" },
        user_agent: shortText,
        session_id: shortText,
      },
    },
    target: {
      type: "object",
      additionalProperties: false,
      title: "an object with type, id, name, version",
      properties: { type: shortText, id: shortText, name: shortText, version: shortText },
    },
    source: {
      type: "object",
      additionalProperties: false,
      title: "an object with tool, tool_version, host, component",
      properties: { tool: shortText, tool_version: shortText, host: shortText, component: shortText },
    },
    tenant: {
      type: "string",
      minLength: 1,
      maxLength: 128,
      title: "a non-empty string of at most 128 characters",
    },
    context: {
      type: "object",
      maxProperties: 64,
      additionalProperties: shortText,
      title: "an object of at most 64 string values",
    },
    policies: stringList,
    crypto: {
      type: "object",
      additionalProperties: false,
      title:
        "an object of key or certificate metadata: key_id, algorithm, key_size, fingerprint, not_before, not_after, serial",
      properties: {
        key_id: shortText,
        algorithm: shortText,
        key_size: {
          type: "integer",
          minimum: 1,
          maximum: 1048576,
          title: "a positive integer number of bits",
        },
        fingerprint: shortText,
        not_before: dateTime,
        not_after: dateTime,
        serial: shortText,
      },
    },
    error: {
      type: "object",
      additionalProperties: false,
      title: "an object with code, message, stack",
      properties: {
        code: shortText,
        message: { type: "string", maxLength: 8192, title: "a string of at most 8192 characters" },
        stack: { type: "string", maxLength: 32768, title: "a string of at most 32768 characters" },
      },
    },
    duration_ms: { type: "number", minimum: 0, title: "a non-negative number of milliseconds" },
    details: { type: "object", title: "an object of free-form parameters" },
    tags: stringList,
  },
} as const;

/** A top-level field of the event and, for the fixed-shape objects, their members. */
export interface EventField {
  readonly name: string;
  /** Members of a fixed-shape object (`actor`, `target`…); `"any"` for free-form `context`/`details`. */
  readonly members?: readonly string[] | "any";
  /** True for `policies` and `tags`. */
  readonly list?: boolean;
}

/**
 * The event's fields in schema order, read from {@link AUDIT_EVENT_SCHEMA} so that filters, CSV
 * columns and anything else listing fields follow the one schema.
 */
export const EVENT_FIELDS: readonly EventField[] = Object.entries(AUDIT_EVENT_SCHEMA.properties).map(
  ([name, schema]): EventField => {
    const spec = schema as { type?: string; properties?: Record<string, unknown> };
    if (spec.type === "array") return { name, list: true };
    if (spec.type === "object")
      return { name, members: spec.properties ? Object.keys(spec.properties) : "any" };
    return { name };
  },
);
