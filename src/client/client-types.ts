import type {
  ConsistencyProof,
  CountRow,
  EventPage,
  EventReceipt,
  EventWithProof,
  InclusionProof,
  Stats,
} from "../wire/index.js";

/**
 * What the client's methods take and answer. The answers are the server's JSON as the wire
 * definitions (`src/wire/`) describe it, under the client's own names.
 */

/**
 * The server's acknowledgement of one stored event: its `seq` (position in the log), its `id`,
 * and `duplicate` when the server already held an event with this id (a retried send: `seq` is
 * then the original one).
 *
 * @example
 * ```ts
 * const receipt: RecordReceipt = await client.record({ action: "user.login" });
 * console.log(receipt.seq, receipt.id, receipt.duplicate);
 * ```
 */
export type RecordReceipt = EventReceipt;

/**
 * Filters of the read helpers: the command line's filter expressions (`["actor.id=alice",
 * "severity>=warning"]`), or an object whose entries are `key=value` expressions
 * (`{ "actor.id": "alice" }`).
 *
 * @example
 * ```ts
 * const failures: ClientFilter = ["outcome=failure", "action=user.*"];
 * const alice: ClientFilter = { "actor.id": "alice" };
 * ```
 */
export type ClientFilter = readonly string[] | Readonly<Record<string, string>>;

/**
 * Options of `SealtrailClient.query`.
 *
 * @example
 * ```ts
 * const options: ClientQueryOptions = { since: "24h", limit: 50, sort: "timestamp", order: "asc" };
 * ```
 */
export interface ClientQueryOptions {
  /** A duration (`7d`), a date or an RFC 3339 time. */
  readonly since?: string;
  /** A duration, a date or an RFC 3339 time. */
  readonly until?: string;
  /** 1 to 1 000; the server's default is 100. */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly cursor?: string;
  /**
   * `seq` (the server's default): the order the log received events in, so a backfilled or late
   * event counts as newest; `timestamp`: the order they happened in, ties by seq. A `cursor`
   * carries the sort of its walk.
   */
  readonly sort?: "seq" | "timestamp";
  /** `desc` (the default, newest first) or `asc`. */
  readonly order?: "asc" | "desc";
}

/**
 * A page of `SealtrailClient.query`, as the server sends it: `events`, the order they are in
 * (`sort`, `order`), and `next_cursor` to pass back as `cursor` for the next page (absent on the
 * last page).
 *
 * @example
 * ```ts
 * const page: ClientQueryPage = await client.query(["actor.id=alice"]);
 * if (page.next_cursor) await client.query(["actor.id=alice"], { cursor: page.next_cursor });
 * ```
 */
export type ClientQueryPage = EventPage;

/**
 * An RFC 9162 inclusion proof as the server sends it (standard base64 hashes).
 *
 * @example
 * ```ts
 * const proof: ClientInclusionProof = await client.proveInclusion(41);
 * console.log(proof.index, proof.tree_size, proof.proof.length);
 * ```
 */
export type ClientInclusionProof = InclusionProof;

/**
 * An RFC 9162 consistency proof as the server sends it.
 *
 * @example
 * ```ts
 * const proof: ClientConsistencyProof = await client.proveConsistency(10);
 * console.log(proof.from_size, proof.to_size);
 * ```
 */
export type ClientConsistencyProof = ConsistencyProof;

/**
 * An event read by id; with `{ proof: true }`, also its inclusion proof against the latest
 * checkpoint and that checkpoint (the signed note). The event is kept apart from the proof, as
 * stored, so that its leaf hash can be recomputed.
 *
 * @example
 * ```ts
 * const { event, proof, checkpoint }: ClientEvent = await client.getEvent(id, { proof: true });
 * console.log(event.seq, proof?.tree_size, checkpoint?.split("\n")[0]);
 * ```
 */
export type ClientEvent = EventWithProof;

/**
 * One count of {@link ClientStats}: a value of the dimension (`null` when events lack it) and how
 * many events have it.
 *
 * @example
 * ```ts
 * const row: ClientCountRow = { key: "user.login", count: 42 };
 * ```
 */
export type ClientCountRow = CountRow;

/**
 * Statistics over the events matching a filter, as the server sends them: the total, the top
 * values by action, outcome, actor, category and severity, counts per hour (the latest 48 hours
 * that have events) and per day (the latest 31 days that have events).
 *
 * @example
 * ```ts
 * const stats: ClientStats = await client.stats(["outcome=failure"]);
 * console.log(stats.total, stats.byAction[0]?.key);
 * ```
 */
export type ClientStats = Stats;
