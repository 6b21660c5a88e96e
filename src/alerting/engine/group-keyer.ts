import { pathSegments, readPath } from "../../storage/memory/json-path.js";
import type { ObservedEvent } from "../rule-model.js";
import type { GroupValue } from "./alert-decision.js";

/**
 * How a rule splits events into groups: each group has its own windows, cooldown and alerts. A
 * group's key is the JSON of its values, so it can be stored, compared and turned back into the
 * group's values.
 */
export interface GroupKeyer {
  /** The key of the group `event` belongs to. */
  keyOf(event: ObservedEvent): string;
  /** The group's values by field, from its key. */
  groupOf(key: string): Record<string, GroupValue>;
}

/** A field's value as a group value: missing reads as null, objects and lists as their JSON text. */
export function groupValue(value: unknown): GroupValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/** The key of an ungrouped rule's one group. */
export const UNGROUPED_KEY = "[]";

/**
 * Groups by the values of `fields` (the rule's `group_by`); with no fields, one group.
 *
 * @example
 * ```ts
 * fieldsKeyer(["actor.id"]).keyOf(observed); // '["alice"]'
 * ```
 */
export function fieldsKeyer(fields: readonly string[]): GroupKeyer {
  if (fields.length === 0) return { keyOf: () => UNGROUPED_KEY, groupOf: () => ({}) };
  const paths = fields.map(pathSegments);
  const [first] = paths as [readonly string[]];
  return {
    keyOf:
      paths.length === 1
        ? (observed) => `[${JSON.stringify(groupValue(readPath(observed.event, first)))}]`
        : (observed) =>
            JSON.stringify(paths.map((segments) => groupValue(readPath(observed.event, segments)))),
    groupOf: (key) => {
      const values = JSON.parse(key) as GroupValue[];
      return Object.fromEntries(fields.map((field, i) => [field, values[i] ?? null]));
    },
  };
}

/**
 * The fields that name a key or certificate, strongest first: an expiry rule without `group_by`
 * tells assets apart by the first of them an event carries.
 */
export const ASSET_FIELDS = ["crypto.key_id", "crypto.serial", "crypto.fingerprint", "target.id"] as const;

/**
 * Groups by the asset an event is about: the first of {@link ASSET_FIELDS} it carries, as
 * `{ "crypto.key_id": "k1" }`. Events carrying none of them share one group `{}`.
 */
export function assetKeyer(): GroupKeyer {
  const paths = ASSET_FIELDS.map((field) => [field, pathSegments(field)] as const);
  return {
    keyOf: (observed) => {
      for (const [field, segments] of paths) {
        const value = groupValue(readPath(observed.event, segments));
        if (value !== null) return JSON.stringify([field, value]);
      }
      return UNGROUPED_KEY;
    },
    groupOf: (key) => {
      const [field, value] = JSON.parse(key) as [string?, GroupValue?];
      return field === undefined ? {} : { [field]: value ?? null };
    },
  };
}
