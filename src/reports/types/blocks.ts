import type { AuditEvent } from "../../event/audit-event.js";
import type { CountRow } from "../../storage/storage-driver.js";
import type { Cell, TableBlock } from "../report-model.js";

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

/** The columns of {@link eventTable}. */
const EVENT_COLUMNS = [
  { key: "seq", label: "Seq" },
  { key: "timestamp", label: "Time" },
  { key: "action", label: "Action" },
  { key: "outcome", label: "Outcome" },
  { key: "severity", label: "Severity" },
  { key: "actor", label: "Actor" },
  { key: "ip", label: "IP" },
  { key: "target", label: "Target" },
  { key: "error", label: "Error" },
] as const;

/** One event as a table row (its seq makes it provable). */
export function eventRow(e: AuditEvent): Record<string, Cell> {
  return {
    seq: e.seq,
    timestamp: e.timestamp,
    action: e.action,
    outcome: e.outcome,
    severity: e.severity,
    actor: e.actor?.id ?? null,
    ip: e.actor?.ip ?? null,
    target: e.target ? [e.target.type, e.target.id ?? e.target.name].filter(Boolean).join(":") : null,
    error: e.error?.code ?? null,
  };
}

/**
 * A table of events, newest first; `matching` is how many events matched in all, so the table
 * says how many it leaves out.
 */
export function eventTable(title: string, events: readonly AuditEvent[], matching: number): TableBlock {
  return {
    kind: "table",
    title,
    columns: EVENT_COLUMNS,
    rows: events.map(eventRow),
    ...(matching > events.length ? { truncated: matching - events.length } : {}),
  };
}
