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

/**
 * Indexed columns of many events as arrays: typed arrays and arrays of strings move between
 * threads far faster than one object per event.
 */
export interface IndexedColumnArrays {
  ts: Float64Array;
  sev: Uint8Array;
  ids: string[];
  actions: string[];
  categories: string[];
  outcomes: string[];
  actors: (string | null)[];
  targets: (string | null)[];
  tenants: (string | null)[];
}

/** Packs the indexed columns of `rows` into arrays. */
export function packIndexedColumns(rows: readonly IndexedColumns[]): IndexedColumnArrays {
  const n = rows.length;
  const c: IndexedColumnArrays = {
    ts: new Float64Array(n),
    sev: new Uint8Array(n),
    ids: new Array(n),
    actions: new Array(n),
    categories: new Array(n),
    outcomes: new Array(n),
    actors: new Array(n),
    targets: new Array(n),
    tenants: new Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i] as IndexedColumns;
    c.ts[i] = r.timestampMs;
    c.sev[i] = r.severityLevel;
    c.ids[i] = r.id;
    c.actions[i] = r.action;
    c.categories[i] = r.category;
    c.outcomes[i] = r.outcome;
    c.actors[i] = r.actorId;
    c.targets[i] = r.targetId;
    c.tenants[i] = r.tenant;
  }
  return c;
}

/** The buffers of packed arrays, to transfer rather than copy between threads. */
export function transferables(c: IndexedColumnArrays): ArrayBuffer[] {
  return [c.ts.buffer, c.sev.buffer] as ArrayBuffer[];
}
