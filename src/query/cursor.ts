import { SealtrailError } from "../errors.js";

/**
 * Keyset pagination cursors. A cursor is the `seq` of the last row served and the direction,
 * opaque to callers (base64url JSON); the next page continues strictly after it, so pages stay
 * stable while new events arrive.
 */

/** Page direction: `desc` newest first (the default), `asc` in log order. */
export type PageOrder = "asc" | "desc";

/** What a cursor holds. */
export interface CursorPosition {
  readonly afterSeq: number;
  readonly order: PageOrder;
}

/**
 * Encodes a cursor.
 *
 * @example
 * ```ts
 * encodeCursor({ afterSeq: 1200, order: "desc" }); // "eyJzIjoxMjAwLCJvIjoiZGVzYyJ9"
 * ```
 */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ s: position.afterSeq, o: position.order })).toString("base64url");
}

/** Decodes a cursor; throws `ST_ERR_QUERY_CURSOR` when malformed. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { s?: unknown; o?: unknown };
    if (Number.isSafeInteger(raw.s) && (raw.s as number) >= 0 && (raw.o === "asc" || raw.o === "desc")) {
      return { afterSeq: raw.s as number, order: raw.o };
    }
  } catch {
    // fall through to the error below
  }
  throw new SealtrailError(
    "ST_ERR_QUERY_CURSOR",
    `cursor "${cursor}": expected a cursor returned by a previous page`,
  );
}
