import type { AuditEvent } from "../../event/audit-event.js";
import type { EventFilter } from "../../read-model/event-filter.js";
import type { ReportSource } from "../../reports/report-source.js";

/**
 * What the checks share: how many samples they cite, the length of a day, and how numbers, days,
 * filters and event fields are put in words.
 */

/** How many sample seqs a check cites per finding. */
export const SAMPLES = 5;

/** A day in milliseconds. */
export const DAY = 86_400_000;

const count = new Intl.NumberFormat("en-US");

/**
 * A count in words, grouped: `n(12345)` → `"12,345"`.
 *
 * @example
 * ```ts
 * n(12345); // "12,345"
 * ```
 */
export const n = (value: number): string => count.format(value);

/**
 * `part` of `whole` in percent, rounded down to two decimals (100 when `whole` is 0: nothing is
 * missing from nothing).
 *
 * @example
 * ```ts
 * percent(2, 3); // 66.66
 * ```
 */
export const percent = (part: number, whole: number): number =>
  whole === 0 ? 100 : Math.floor((part / whole) * 10_000) / 100;

/**
 * The UTC day of `ms`, as `YYYY-MM-DD`.
 *
 * @example
 * ```ts
 * day(Date.UTC(2026, 0, 2, 15)); // "2026-01-02"
 * ```
 */
export const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * A check's filter as written, or "every event" when it has none; parts that are words
 * (`not actions audit_log.*`) are set apart by semicolons.
 *
 * @example
 * ```ts
 * filterWords(["outcome=failure"]); // "outcome=failure"
 * filterWords(["category=system", "actions *.create"]); // "category=system; actions *.create"
 * ```
 */
export const filterWords = (text: readonly string[]): string =>
  text.length === 0 ? "every event" : text.join(text.some((t) => t.includes(" ")) ? "; " : " ");

/**
 * The seqs of the newest (by event time, ties by seq) among `matching` events of `filter`: none
 * asked of the store when none match (a page of no matches would read every event of the period
 * to find out).
 *
 * @example
 * ```ts
 * const seqs = await newestSeqs(source, filter, await source.count(filter));
 * ```
 */
export async function newestSeqs(
  source: ReportSource,
  filter: EventFilter,
  matching: number,
  limit = SAMPLES,
): Promise<number[]> {
  if (matching === 0) return [];
  return (await source.query(filter, { limit, order: "desc", sort: "timestamp" })).events.map((e) => e.seq);
}

/**
 * The value at a dotted path of an event, as text (strings and numbers only).
 *
 * @example
 * ```ts
 * valueAt(event, "actor.id"); // "alice"
 * ```
 */
export function valueAt(event: AuditEvent, path: string): string | undefined {
  let value: unknown = event;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}
