import type { AuditEvent } from "../../event/audit-event.js";
import type { CountRow } from "../../read-model/stored-event.js";
import { type AuditLevel, EVENT_COLUMNS } from "../audit-level.js";
import type { Cell, Finding, KeyFigure, ReportSection, TableBlock } from "../report-model.js";

/**
 * Blocks that several report types build the same way: count tables and event tables.
 */

/** A table of group counts with each group's share of `total`. */
export function countTable(
  title: string,
  keyLabel: string,
  rows: readonly CountRow[],
  total: number,
): TableBlock {
  return {
    kind: "table",
    title,
    columns: [
      { key: "key", label: keyLabel },
      { key: "events", label: "Events" },
      { key: "share", label: "Share %" },
    ],
    rows: rows.map((r) => ({
      key: r.key ?? "(none)",
      events: r.count,
      share: total === 0 ? 0 : Math.round((r.count / total) * 10_000) / 100,
    })),
  };
}

/**
 * How a report names its period's end in relative times: `undefined` (plain "ago" and "in") when
 * the period ends about now (within a minute), else "the period's end".
 *
 * @example
 * ```ts
 * relativeTime(notAfter, end, periodEndName(end)); // "2 minutes ago" or "2 minutes before the period's end"
 * ```
 */
export function periodEndName(end: number, now = Date.now()): string | undefined {
  return Math.abs(now - end) < 60_000 ? undefined : "the period's end";
}

/**
 * The order of every table of a report's newest events: by the time they happened, newest
 * first, ties by seq — not by seq alone, which would put a backfilled or late event first.
 */
export const NEWEST_BY_TIME = { sort: "timestamp", order: "desc" } as const;

/**
 * Events newest first by event time, ties by seq: the order {@link NEWEST_BY_TIME} asks the
 * store for, for events gathered from several pages.
 */
export function byTimeNewestFirst(a: AuditEvent, b: AuditEvent): number {
  return Date.parse(b.timestamp) - Date.parse(a.timestamp) || b.seq - a.seq;
}

/**
 * A table of events with the fields `level` shows, in the order {@link NEWEST_BY_TIME} (which
 * its title states); `matching` is how many events matched in all, so the table says how many
 * it leaves out.
 *
 * @example
 * ```ts
 * eventTable("Failed or denied", events, 120); // titled "Failed or denied (newest first by event time)"
 * ```
 */
export function eventTable(
  title: string,
  events: readonly AuditEvent[],
  matching: number,
  level: AuditLevel = "standard",
): TableBlock {
  const columns = EVENT_COLUMNS[level];
  return {
    kind: "table",
    title: `${title} (newest first by event time)`,
    columns: columns.map(({ key, label, type }) => ({ key, label, ...(type ? { type } : {}) })),
    rows: events.map(
      (e) => Object.fromEntries(columns.map((c) => [c.key, c.value(e)])) as Record<string, Cell>,
    ),
    ...(matching > events.length ? { truncated: matching - events.length } : {}),
  };
}

/**
 * The summary section every report opens with: its key figures (for the period, unless
 * `figuresTitle` says otherwise), then its findings.
 *
 * @example
 * ```ts
 * summarySection([{ label: "Events", value: 1200 }], findings);
 * ```
 */
export function summarySection(
  figures: readonly KeyFigure[],
  findings: readonly Finding[],
  figuresTitle = "In the period",
): ReportSection {
  return {
    id: "summary",
    title: "Summary",
    blocks: [
      { kind: "figures", title: figuresTitle, figures },
      { kind: "findings", title: "Findings", findings },
    ],
  };
}
