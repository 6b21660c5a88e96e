import type { AuditLog } from "../audit-log.js";
import type { EventFilter } from "../query/event-filter.js";
import type { StoredEvent } from "../storage/storage-driver.js";
import type { CommitFeed } from "./commit-feed.js";

/** Events read per page while catching up. */
const PAGE = 500;
/** Longest wait for a commit heard of; other processes' commits (the CLI's) are found by this poll. */
const POLL_MS = 1000;

/**
 * Follows the log: yields every committed event matching `filter` with a seq above `afterSeq`,
 * in seq order and exactly as stored, then waits for the log to grow and goes on, until `signal` aborts. It reads by
 * its own cursor (the last seq it yielded), so a slow consumer never holds up a writer and a
 * resumed follower misses nothing.
 *
 * @example
 * ```ts
 * for await (const event of followEvents(log, feed, { conditions: [] }, 41, signal)) send(event);
 * ```
 */
export async function* followEvents(
  log: AuditLog,
  feed: CommitFeed,
  filter: EventFilter,
  afterSeq: number,
  signal: AbortSignal,
): AsyncGenerator<StoredEvent> {
  let after = afterSeq;
  while (!signal.aborted) {
    const sizeBefore = Math.max(log.size, feed.size);
    const page = await log.queryStored(
      { ...filter, conditions: [...filter.conditions, { field: "seq", op: "gt", value: after }] },
      { order: "asc", limit: PAGE },
    );
    for (const event of page.events) {
      if (signal.aborted) return;
      after = event.seq;
      yield event;
    }
    // A full page means more may be waiting. Otherwise every event below sizeBefore was looked
    // at, matching or not: the next scan starts there, not at the last match.
    if (page.events.length < PAGE) {
      after = Math.max(after, sizeBefore - 1);
      await feed.waitBeyond(sizeBefore, signal, POLL_MS);
    }
  }
}
