import { EVENT_FIELDS } from "../event/event-schema.js";

/**
 * The filter model: what every reader (CLI, HTTP, library, reports) asks the store for. A
 * filter is a conjunction of conditions on event fields, nested ones included
 * (`details.workflow`), plus an optional time window on `timestamp`.
 */

/** A comparable value. Time fields carry Unix milliseconds. */
export type FilterValue = string | number | boolean;

/** One condition on a field given by its dotted path. */
export type Condition =
  | { readonly field: string; readonly op: "eq" | "ne"; readonly value: FilterValue }
  | { readonly field: string; readonly op: "in"; readonly values: readonly FilterValue[] }
  | { readonly field: string; readonly op: "prefix"; readonly value: string }
  /** The field is missing (for `tags`/`policies`: has no element). An empty `prefix` means present. */
  | { readonly field: string; readonly op: "absent" }
  | { readonly field: string; readonly op: "gt" | "gte" | "lt" | "lte"; readonly value: number | string };

/** Conditions that must all hold, and a `timestamp` window [since, until). */
export interface EventFilter {
  readonly conditions: readonly Condition[];
  /** Inclusive lower bound on `timestamp`, Unix ms. */
  readonly since?: number;
  /** Exclusive upper bound on `timestamp`, Unix ms. */
  readonly until?: number;
}

/** The filter that matches every event. */
export const MATCH_ALL: EventFilter = Object.freeze({ conditions: Object.freeze([]) });

/** Fields whose values are times (compared as instants, given as RFC 3339 or dates). */
export const TIME_FIELDS: ReadonlySet<string> = new Set([
  "timestamp",
  "received_at",
  "crypto.not_before",
  "crypto.not_after",
]);
/** Fields whose values are numbers. */
export const NUMBER_FIELDS: ReadonlySet<string> = new Set(["seq", "duration_ms", "crypto.key_size"]);
/** Fields that hold arrays of strings: `eq` means "contains". */
export const LIST_FIELDS: ReadonlySet<string> = new Set(
  EVENT_FIELDS.filter((f) => f.list).map((f) => f.name),
);
/** Top-level fields that are objects, with their members (`"any"`: free-form). */
export const OBJECT_FIELDS: ReadonlyMap<string, readonly string[] | "any"> = new Map(
  EVENT_FIELDS.flatMap((f) => (f.members ? [[f.name, f.members] as const] : [])),
);
/** Top-level scalar fields. */
export const SCALAR_FIELDS: ReadonlySet<string> = new Set(
  EVENT_FIELDS.filter((f) => !f.list && !f.members).map((f) => f.name),
);
