import type { Category, Outcome } from "../event/audit-event.js";
import type { PreparedEvent } from "../event/prepared-event.js";
import { type IndexedColumnArrays, packIndexedColumns, transferables } from "../storage/indexed-columns.js";

/** Prepared events as columns, to move them between threads (see {@link IndexedColumnArrays}). */
export interface PreparedColumns {
  columns: IndexedColumnArrays;
  producerId: Uint8Array;
  heads: string[];
  tails: string[];
}

/** Packs events into columns. */
export function packPrepared(events: readonly PreparedEvent[]): PreparedColumns {
  return {
    columns: packIndexedColumns(events),
    producerId: Uint8Array.from(events, (e) => (e.producerId ? 1 : 0)),
    heads: events.map((e) => e.head),
    tails: events.map((e) => e.tail),
  };
}

/** The buffers of packed events, to transfer rather than copy between threads. */
export function preparedTransferables(c: PreparedColumns): ArrayBuffer[] {
  return [...transferables(c.columns), c.producerId.buffer as ArrayBuffer];
}

/** Unpacks columns into events (one object literal each: this runs for every ingested event). */
export function unpackPrepared(c: PreparedColumns): PreparedEvent[] {
  const k = c.columns;
  const events: PreparedEvent[] = new Array(c.heads.length);
  for (let i = 0; i < events.length; i++) {
    events[i] = {
      id: k.ids[i] as string,
      producerId: c.producerId[i] === 1,
      timestampMs: k.ts[i] as number,
      action: k.actions[i] as string,
      category: k.categories[i] as Category,
      outcome: k.outcomes[i] as Outcome,
      severityLevel: k.sev[i] as number,
      actorId: k.actors[i] ?? null,
      targetId: k.targets[i] ?? null,
      tenant: k.tenants[i] ?? null,
      head: c.heads[i] as string,
      tail: c.tails[i] as string,
    };
  }
  return events;
}
