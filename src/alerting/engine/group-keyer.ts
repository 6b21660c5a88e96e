import type { ObservedEvent } from "../rule-model.js";
import type { GroupValue } from "./alert-decision.js";
import { eventMemo } from "./event-memo.js";
import { FieldReader } from "./field-reader.js";

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
  const readers = fields.map((field) => new FieldReader(field));
  const name = `group:${JSON.stringify(fields)}`;
  return {
    keyOf: (observed) => {
      const memo = eventMemo(observed);
      let key = memo.get(name) as string | undefined;
      if (key === undefined) {
        key = JSON.stringify(readers.map((reader) => reader.value(observed)));
        memo.set(name, key);
      }
      return key;
    },
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
  const readers = ASSET_FIELDS.map((field) => new FieldReader(field));
  return {
    keyOf: (observed) => {
      const memo = eventMemo(observed);
      let key = memo.get("group:asset") as string | undefined;
      if (key === undefined) {
        key = UNGROUPED_KEY;
        for (const reader of readers) {
          const value = reader.value(observed);
          if (value !== null) {
            key = JSON.stringify([reader.field, value]);
            break;
          }
        }
        memo.set("group:asset", key);
      }
      return key;
    },
    groupOf: (key) => {
      const [field, value] = JSON.parse(key) as [string?, GroupValue?];
      return field === undefined ? {} : { [field]: value ?? null };
    },
  };
}
