import type { AuditEvent } from "../../event/audit-event.js";
import type { Condition, EventFilter } from "../../read-model/event-filter.js";
import type { ReportScope, ReportSource } from "../report-source.js";

/**
 * Reading events one by one where a report needs more than counts (the crypto inventory, the
 * policies failing events name): newest first, page by page, bounded.
 */

/** The most events one scan reads (newest first); more are stated as truncated. */
export const SCAN_LIMIT = 10_000;
const PAGE = 1_000;

/** Events read by {@link scanEvents}, newest first, and whether the bound cut the scan short. */
export interface Scan {
  readonly events: AuditEvent[];
  readonly truncated: boolean;
}

/**
 * Reads events matching `filter`, newest first, page by page (by seq), until `limit` events,
 * the end, or `stop` returns true for an event (that event is the last one returned).
 *
 * @example
 * ```ts
 * const { events, truncated } = await scanEvents(log, scope.filter, 500);
 * ```
 */
export async function scanEvents(
  source: ReportSource,
  filter: EventFilter,
  limit = SCAN_LIMIT,
  stop?: (e: AuditEvent) => boolean,
): Promise<Scan> {
  const events: AuditEvent[] = [];
  while (events.length < limit) {
    const size = Math.min(PAGE, limit - events.length);
    const page = await source.query(afterLast(filter, events), { limit: size, order: "desc" });
    for (const e of page.events) {
      events.push(e);
      if (stop?.(e)) return { events, truncated: false };
    }
    const last = page.events[page.events.length - 1];
    if (page.events.length < size || !last) return { events, truncated: false };
  }
  const more = await source.query(afterLast(filter, events), { limit: 1, order: "desc" });
  return { events, truncated: more.events.length > 0 };
}

/** `filter` restricted to events older than the last one read. */
function afterLast(filter: EventFilter, events: readonly AuditEvent[]): EventFilter {
  const last = events[events.length - 1];
  if (!last) return filter;
  return { ...filter, conditions: [...filter.conditions, { field: "seq", op: "lt", value: last.seq }] };
}

/**
 * The scope's filter without its start: every event before the period's end (and within the
 * checkpoint), for the latest known state of keys and certificates, which may predate the period.
 *
 * @example
 * ```ts
 * const everything = untilEnd(scope, { field: "crypto.key_id", op: "prefix", value: "" });
 * ```
 */
export function untilEnd(scope: ReportScope, ...conditions: Condition[]): EventFilter {
  return {
    conditions: [...scope.filter.conditions, ...conditions],
    ...(scope.filter.until === undefined ? {} : { until: scope.filter.until }),
  };
}
