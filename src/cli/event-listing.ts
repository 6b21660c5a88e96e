import type { Writable } from "node:stream";
import type { QueryOptions, QueryPage } from "../audit-log.js";
import type { PageOrder, PageSort } from "../query/cursor.js";

/**
 * How `query` and `errors` list events. They read cursor pages, and say which order the events
 * are in. Machine formats (`json`, `ndjson`) never stop silently: without `--limit` they stream
 * every matching event, page after page as `export` does; with `--limit N` they return at most N,
 * as asked, and say where the rest continues (`next_cursor` in JSON, a `more: --cursor …` line
 * on stderr for NDJSON). Exit 0 either way: the limit was the caller's own request.
 */

/** Events per page read when streaming everything. */
const STREAM_PAGE = 1000;

/** Reads one page: the command's query with these paging options. */
export type PageReader = (
  paging: Pick<QueryOptions, "limit" | "cursor" | "sort" | "order">,
) => Promise<QueryPage>;

/** What to list: at most `limit` events (none: every one), from `cursor`, in `sort` and `order`. */
export interface ListingRequest {
  readonly limit?: number;
  readonly cursor?: string;
  readonly sort?: PageSort;
  readonly order?: PageOrder;
}

/** The order the events came in, and where a listing cut short by its limit continues. */
export interface ListingEnd {
  readonly sort: PageSort;
  readonly order: PageOrder;
  /** Present when the limit stopped the listing before the last matching event. */
  readonly nextCursor?: string;
}

/**
 * The listing a command's options ask for: their cursor, sort and order as given (a cursor
 * carries its own), and at most `--limit` events, else `human` for people and every one for
 * machine formats (`human` undefined).
 *
 * @example
 * ```ts
 * listingRequest({ sort: "timestamp" }, 50); // { sort: "timestamp", limit: 50 }
 * ```
 */
export function listingRequest(options: ListingRequest, human?: number): ListingRequest {
  const limit = options.limit ?? human;
  return {
    ...(options.cursor ? { cursor: options.cursor } : {}),
    ...(options.sort ? { sort: options.sort } : {}),
    ...(options.order ? { order: options.order } : {}),
    ...(limit === undefined ? {} : { limit }),
  };
}

/**
 * An order in words, with the flags that give it.
 *
 * @example
 * ```ts
 * orderWords("timestamp", "desc"); // "newest first by event time (--sort timestamp --order desc)"
 * ```
 */
export function orderWords(sort: PageSort, order: PageOrder): string {
  const which = order === "desc" ? "newest" : "oldest";
  const how = sort === "timestamp" ? `${which} first by event time` : `${which} received first`;
  return `${how} (--sort ${sort} --order ${order})`;
}

/**
 * Reads pages until `request.limit` events (none: until the last page), handing each page to
 * `onPage`; returns the order and, when the limit cut the listing short, the cursor that
 * continues it.
 */
export async function readPages(
  read: PageReader,
  request: ListingRequest,
  onPage: (page: QueryPage) => Promise<void> | void,
): Promise<ListingEnd> {
  let remaining = request.limit ?? Number.POSITIVE_INFINITY;
  let paging: Parameters<PageReader>[0] = {
    ...(request.cursor ? { cursor: request.cursor } : {}),
    ...(request.sort ? { sort: request.sort } : {}),
    ...(request.order ? { order: request.order } : {}),
  };
  for (;;) {
    const page = await read({ ...paging, limit: Math.min(STREAM_PAGE, remaining) });
    await onPage(page);
    remaining -= page.events.length;
    const end = { sort: page.sort, order: page.order };
    if (!page.nextCursor) return end;
    if (remaining <= 0) return { ...end, nextCursor: page.nextCursor };
    paging = { cursor: page.nextCursor };
  }
}

/**
 * Writes the events of a listing as `json` — `{"sort", "order", "events": […], "next_cursor"}`
 * with one event per line — or as `ndjson`, one event per line, with the order and any
 * `more: --cursor …` line on `err`; page by page, so memory stays flat however many there are.
 */
export async function writeListing(
  format: "json" | "ndjson",
  read: PageReader,
  request: ListingRequest,
  out: Writable,
  err: Writable,
): Promise<void> {
  if (format === "ndjson") {
    const end = await readPages(read, request, (page) =>
      write(out, page.events.map((e) => `${JSON.stringify(e)}\n`).join("")),
    );
    err.write(`order: ${orderWords(end.sort, end.order)}\n`);
    if (end.nextCursor) err.write(`more: --cursor ${end.nextCursor}\n`);
    return;
  }
  let started = false;
  let written = 0;
  const end = await readPages(read, request, async (page) => {
    // The first page decides the order (a cursor carries one): it leads the object.
    const head = started ? "" : `{"sort":"${page.sort}","order":"${page.order}","events":[`;
    started = true;
    const events = page.events.map((e) => `${written++ === 0 ? "\n" : ",\n"}${JSON.stringify(e)}`);
    await write(out, head + events.join(""));
  });
  await write(
    out,
    `${written === 0 ? "" : "\n"}],"next_cursor":${JSON.stringify(end.nextCursor ?? null)}}\n`,
  );
}

/** Writes `text`, waiting while `out` is full. */
async function write(out: Writable, text: string): Promise<void> {
  if (text.length === 0 || out.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      out.off("drain", onDrain);
      out.off("error", onError);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    out.on("drain", onDrain);
    out.on("error", onError);
  });
}
