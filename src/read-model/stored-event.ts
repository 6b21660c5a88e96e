/**
 * What the store answers readers with: events exactly as stored, pages, and counts. Shared by
 * the storage role (which produces them) and every reader above it (which consume them).
 */

/** A stored event as read back: its seq and its canonical JSON. */
export interface StoredEvent {
  readonly seq: number;
  readonly json: string;
}

/**
 * What pages of events are ordered by: `seq`, the order the log received them in (a backfilled
 * or late event has a high seq and an old time), or `timestamp`, the time they happened, ties
 * broken by seq (so the order is total and a page boundary never falls between equals).
 */
export type PageSort = "seq" | "timestamp";

/** Which way and from where a page of events is read. */
export interface PageRequest {
  readonly order: "asc" | "desc";
  /** What the page is ordered by (default `seq`). */
  readonly sort?: PageSort;
  /**
   * Continue strictly after this seq (in `order`). With `sort: "timestamp"` the position is the
   * pair (`afterTimestampMs`, `afterSeq`), and both are required.
   */
  readonly afterSeq?: number;
  /** With `sort: "timestamp"` and `afterSeq`: the `timestamp` (Unix ms) of the event at `afterSeq`. */
  readonly afterTimestampMs?: number;
  readonly limit: number;
}

/**
 * Dimensions the store can count events by: the indexed fields, time buckets, or any field by
 * its path (`field:context.workflow`, `field:error.code`; events without it count under `null`).
 */
export type CountDimension =
  | "action"
  | "outcome"
  | "category"
  | "actor"
  | "severity"
  | "tenant"
  | "hour"
  | "day"
  | `field:${string}`;

/** One group of a count. `key` is `null` for events without the field; time buckets are RFC 3339. */
export interface CountRow {
  readonly key: string | null;
  readonly count: number;
}
