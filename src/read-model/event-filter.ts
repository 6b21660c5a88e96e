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
  | { readonly field: string; readonly op: "gt" | "gte" | "lt" | "lte"; readonly value: number | string }
  /**
   * The field is a text matching one of `patterns` (`glob`), or is not (`not_glob`: a missing
   * field, or one that is not a text, matches none). In a pattern `*` stands for any run of
   * characters, possibly none; every other character stands for itself, case included
   * (`*.create` matches `service.create`, not `service.Create`). For `tags`/`policies`: some
   * element matches (`not_glob`: none does).
   */
  | { readonly field: string; readonly op: "glob" | "not_glob"; readonly patterns: readonly string[] }
  /**
   * The field is blank (`blank`: missing, JSON `null`, or a text of nothing but white space and
   * invisible characters, {@link BLANK_CHARACTERS}), or holds something that is not (`not_blank`).
   * A blank `actor.id` names no one. For `tags`/`policies`: no element is other than blank
   * (`not_blank`: some element is).
   */
  | { readonly field: string; readonly op: "blank" | "not_blank" };

/**
 * The characters a blank text is made of: Unicode white space (`White_Space`) and the invisible
 * zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM).
 */
export const BLANK_CHARACTERS =
  "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff";

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
