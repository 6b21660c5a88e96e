import { SealtrailError } from "../errors.js";
import type { PageSort } from "../read-model/stored-event.js";

/**
 * Keyset pagination cursors. A cursor is the position of the last row served — its `seq`, and
 * in event-time order its `timestamp` too — with the page order, opaque to callers (base64url
 * JSON); the next page continues strictly after it. Positions are keys, not offsets, so pages
 * never repeat or skip an event while new ones arrive.
 */

/** Page direction: `desc` newest first (the default), `asc` oldest first. */
export type PageOrder = "asc" | "desc";

export type { PageSort };

/** The page orders, for options and their errors. */
export const PAGE_SORTS: readonly PageSort[] = ["seq", "timestamp"];

/** What a cursor holds. */
export type CursorPosition =
  | { readonly afterSeq: number; readonly order: PageOrder; readonly sort: "seq" }
  | {
      readonly afterSeq: number;
      readonly order: PageOrder;
      readonly sort: "timestamp";
      /** The `timestamp` (Unix ms) of the event at `afterSeq`. */
      readonly afterTimestampMs: number;
    };

/**
 * Encodes a cursor.
 *
 * @example
 * ```ts
 * encodeCursor({ afterSeq: 1200, order: "desc", sort: "seq" }); // "eyJzIjoxMjAwLCJvIjoiZGVzYyJ9"
 * ```
 */
export function encodeCursor(position: CursorPosition): string {
  const fields =
    position.sort === "timestamp"
      ? { s: position.afterSeq, o: position.order, k: "timestamp", t: position.afterTimestampMs }
      : { s: position.afterSeq, o: position.order };
  return Buffer.from(JSON.stringify(fields)).toString("base64url");
}

/** Decodes a cursor; throws `ST_ERR_QUERY_CURSOR` when malformed. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
      s?: unknown;
      o?: unknown;
      k?: unknown;
      t?: unknown;
    };
    if (Number.isSafeInteger(raw.s) && (raw.s as number) >= 0 && (raw.o === "asc" || raw.o === "desc")) {
      const afterSeq = raw.s as number;
      if (raw.k === undefined && raw.t === undefined) return { afterSeq, order: raw.o, sort: "seq" };
      if (raw.k === "timestamp" && Number.isSafeInteger(raw.t)) {
        return { afterSeq, order: raw.o, sort: "timestamp", afterTimestampMs: raw.t as number };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new SealtrailError(
    "ST_ERR_QUERY_CURSOR",
    `cursor "${cursor}": expected a cursor returned by a previous page`,
  );
}
