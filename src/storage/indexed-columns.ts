import { type AuditEvent, SEVERITIES } from "../event/audit-event.js";

/**
 * The fields a driver copies out of each event into columns of its own, for indexes. They are
 * not covered by the leaf hash, so `verify --deep` derives them again from the stored JSON.
 */
export interface IndexedColumns {
  readonly id: string;
  readonly timestampMs: number;
  readonly action: string;
  readonly category: string;
  readonly outcome: string;
  readonly severityLevel: number;
  readonly actorId: string | null;
  readonly targetId: string | null;
  readonly tenant: string | null;
}

/**
 * The indexed columns an event's stored JSON implies.
 *
 * @example
 * ```ts
 * indexedColumns(JSON.parse(row.json)).actorId; // "alice"
 * ```
 */
export function indexedColumns(event: AuditEvent): IndexedColumns {
  return {
    id: event.id,
    timestampMs: Date.parse(event.timestamp),
    action: event.action,
    category: event.category,
    outcome: event.outcome,
    severityLevel: (SEVERITIES as readonly string[]).indexOf(event.severity),
    actorId: event.actor?.id ?? null,
    targetId: event.target?.id ?? null,
    tenant: event.tenant ?? null,
  };
}

/** The first column whose stored value differs from what the JSON implies, if any. */
export function firstColumnMismatch(
  stored: IndexedColumns,
  implied: IndexedColumns,
): keyof IndexedColumns | undefined {
  for (const column of Object.keys(implied) as Array<keyof IndexedColumns>) {
    if (stored[column] !== implied[column]) return column;
  }
  return undefined;
}
