import { parseRfc3339 } from "../event/timestamp.js";
import type { StoredEvent } from "../read-model/stored-event.js";
import type { ObservedEvent } from "./rule-model.js";

/**
 * A stored event as the rule engine sees it, parsed once (every rule then reads the same
 * object): its seq, id, event time and parsed JSON.
 *
 * @example
 * ```ts
 * engine.observe(batch.map(observedEventOf));
 * ```
 */
export function observedEventOf(stored: StoredEvent): ObservedEvent {
  const event = JSON.parse(stored.json) as Record<string, unknown>;
  const timestamp = event.timestamp;
  return {
    seq: stored.seq,
    id: typeof event.id === "string" ? event.id : "",
    timestampMs: (typeof timestamp === "string" ? parseRfc3339(timestamp) : undefined) ?? Number.NaN,
    event,
  };
}
