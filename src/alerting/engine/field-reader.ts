import { pathSegments, readPath } from "../../storage/memory/json-path.js";
import type { ObservedEvent } from "../rule-model.js";
import type { GroupValue } from "./alert-decision.js";
import { eventMemo } from "./event-memo.js";

/** A field's value as a group value: missing reads as null, objects and lists as their JSON text. */
export function groupValue(value: unknown): GroupValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/**
 * Reads one field of events (as `json_extract` reads it: members of objects only), once per event
 * for all the rules that read it.
 *
 * @example
 * ```ts
 * const ip = new FieldReader("actor.ip");
 * ip.value(observed); // "10.0.0.1", or null when the event has none
 * ip.text(observed);  // '"10.0.0.1"'
 * ```
 */
export class FieldReader {
  readonly field: string;
  readonly #segments: readonly string[];
  readonly #valueName: string;
  readonly #textName: string;

  constructor(field: string) {
    this.field = field;
    this.#segments = pathSegments(field);
    this.#valueName = `value:${field}`;
    this.#textName = `text:${field}`;
  }

  /** The field's value as a group value (null when missing). */
  value(observed: ObservedEvent): GroupValue {
    const memo = eventMemo(observed);
    let value = memo.get(this.#valueName) as GroupValue | undefined;
    if (value === undefined) {
      value = groupValue(readPath(observed.event, this.#segments));
      memo.set(this.#valueName, value);
    }
    return value;
  }

  /** The JSON text of the field's value (`null` when missing): equal texts, equal values. */
  text(observed: ObservedEvent): string {
    const memo = eventMemo(observed);
    let text = memo.get(this.#textName) as string | undefined;
    if (text === undefined) {
      text = JSON.stringify(this.value(observed));
      memo.set(this.#textName, text);
    }
    return text;
  }
}
