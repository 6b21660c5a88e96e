import { SealtrailError } from "../errors.js";

/**
 * Durable consumers and their outbox: the part of the storage role that lets a named reader of
 * the log (the alert evaluator, later event streams) commit its position, its own state and the
 * messages it wants sent in one transaction. A crash at any instant leaves either all of a commit
 * or none of it, so what a consumer decided is neither lost nor decided twice; the messages are
 * then delivered from the outbox, in order within each lane, and their attempts recorded.
 *
 * These tables are operational state, not part of the hashed log: `verify` never reads them.
 * Every timestamp is Unix milliseconds.
 */

/** Where a consumer stands, as of its last commit. */
export interface ConsumerState {
  /** The position it committed: by convention the next seq it has not processed. */
  readonly position: number;
  /** Its own state as it committed it (rule-engine windows as JSON, say), or `null`. */
  readonly state: string | null;
  /**
   * How many commits it has made (1 after the first). The fence of {@link ConsumerStore.commitConsumer}:
   * unlike the position it moves on every commit, also one that only changes state.
   */
  readonly revision: number;
}

/** The status of an outbox message: waiting to be sent, sent, or given up on. */
export type OutboxStatus = "pending" | "delivered" | "failed";

/** Every {@link OutboxStatus}. */
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ["pending", "delivered", "failed"];

/** A message a consumer commits for sending. */
export interface OutboxMessageInput {
  /**
   * The lane it is sent in (a channel, say): messages of one lane are sent in commit order, one
   * at a time; lanes are independent.
   */
  readonly lane: string;
  /** The consumer's own name for it (an alert's id, say), for receivers that drop repeats. */
  readonly key: string;
  /** What to send, as the consumer encoded it. */
  readonly payload: string;
  /** The earliest time (ms) to try sending it; default: the time of the commit. */
  readonly notBefore?: number;
}

/** A stored outbox message. */
export interface OutboxMessage {
  /** Its id: increasing in commit order, never reused (not even after it is pruned). */
  readonly id: number;
  /** The consumer that committed it. */
  readonly consumer: string;
  readonly lane: string;
  readonly key: string;
  readonly payload: string;
  readonly status: OutboxStatus;
  /** Attempts made to send it so far. */
  readonly attempts: number;
  /** When it may next be tried (ms). */
  readonly nextAttemptAt: number;
  /** When it was committed (ms). */
  readonly createdAt: number;
  /** When it was committed or last updated (ms). */
  readonly updatedAt: number;
  /** Why the last attempt failed, if it did. */
  readonly lastError: string | null;
}

/** One commit of a consumer: see {@link ConsumerStore.commitConsumer}. */
export interface ConsumerCommit {
  /** The state last read or committed for this consumer; `undefined` for a consumer not yet stored. */
  readonly expected: ConsumerState | undefined;
  /** The new position (a non-negative integer). */
  readonly position: number;
  /** The new state, or `null`. */
  readonly state: string | null;
  /** Messages to add to the outbox, in this order. */
  readonly messages: readonly OutboxMessageInput[];
}

/** The result of one attempt to send a message: see {@link ConsumerStore.updateMessage}. */
export interface OutboxMessageUpdate {
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
}

/** Which messages {@link ConsumerStore.listMessages} lists. */
export interface ListMessagesOptions {
  /** Only messages with a larger id. */
  readonly afterId?: number;
  /** At most this many (a non-negative integer). */
  readonly limit: number;
  /** Only messages with this status. */
  readonly status?: OutboxStatus;
}

/** Which messages {@link ConsumerStore.pendingMessages} lists. */
export interface PendingMessagesOptions {
  /** Only this lane's. */
  readonly lane?: string;
  /** At most this many (a non-negative integer). */
  readonly limit: number;
}

/**
 * Consumer positions, states and their outbox, as a storage driver keeps them.
 *
 * Contract:
 * - `commitConsumer` MUST store the position, the state and every message in one atomic
 *   transaction, durable before it resolves, and MUST refuse with
 *   `ST_ERR_STORE_CONSUMER_CONFLICT`, storing nothing, when the stored revision is not the
 *   expected one.
 * - Message ids MUST increase in commit order (and in the order of a commit's messages) and MUST
 *   NOT be reused, even after a message is pruned.
 * - Invalid arguments MUST be refused with a `RangeError` naming the argument, before anything
 *   is stored.
 */
export interface ConsumerStore {
  /** The consumer's last commit, or `undefined` when it has never committed. */
  getConsumerState(name: string): Promise<ConsumerState | undefined>;
  /**
   * Stores the consumer's new position and state and adds its messages to the outbox, in one
   * transaction. Fenced: `expected` must be what is stored (its revision is compared; `undefined`
   * when nothing is), else it rejects with `ST_ERR_STORE_CONSUMER_CONFLICT` — another process is
   * running the same consumer. Resolves with the state now stored, the next commit's `expected`.
   */
  commitConsumer(name: string, commit: ConsumerCommit): Promise<ConsumerState>;
  /**
   * The first pending message of each of the consumer's lanes (the lowest id), when it is due by
   * `dueBy` (its `nextAttemptAt <= dueBy`), in id order. A lane whose first pending message is
   * not due yet gives none: its later messages wait behind it.
   */
  laneHeads(consumer: string, dueBy: number): Promise<OutboxMessage[]>;
  /** The consumer's pending messages (of one lane, with `lane`), in id order, at most `limit`. */
  pendingMessages(consumer: string, options: PendingMessagesOptions): Promise<OutboxMessage[]>;
  /**
   * Records the result of an attempt to send message `id` (its `updatedAt` becomes now); rejects
   * with a `RangeError` when there is no such message.
   */
  updateMessage(id: number, update: OutboxMessageUpdate): Promise<void>;
  /** The consumer's messages of any status (or of `status`) in id order, after `afterId`, at most `limit`. */
  listMessages(consumer: string, options: ListMessagesOptions): Promise<OutboxMessage[]>;
  /**
   * Deletes the consumer's delivered and failed messages last updated before `before` (ms);
   * pending ones stay. Resolves with how many were deleted.
   */
  pruneMessages(consumer: string, before: number): Promise<number>;
}

/**
 * The consumer methods of `store` alone, bound to it: what a facade hands out without handing
 * out the whole driver.
 */
export function consumerStoreOf(store: ConsumerStore): ConsumerStore {
  return {
    getConsumerState: (name) => store.getConsumerState(name),
    commitConsumer: (name, commit) => store.commitConsumer(name, commit),
    laneHeads: (consumer, dueBy) => store.laneHeads(consumer, dueBy),
    pendingMessages: (consumer, options) => store.pendingMessages(consumer, options),
    updateMessage: (id, update) => store.updateMessage(id, update),
    listMessages: (consumer, options) => store.listMessages(consumer, options),
    pruneMessages: (consumer, before) => store.pruneMessages(consumer, before),
  };
}

/** The refusal of a commit whose expected revision is not the stored one. */
export function consumerConflict(name: string, expected: number, stored: number): SealtrailError {
  const what = (revision: number) => (revision === 0 ? "no commit" : `revision ${revision}`);
  return new SealtrailError(
    "ST_ERR_STORE_CONSUMER_CONFLICT",
    `consumer "${name}": expected ${what(expected)}, the store holds ${what(stored)}; another process is running the same consumer`,
    { details: { consumer: name, expectedRevision: expected, storedRevision: stored } },
  );
}

function refuse(argument: string, expected: string, value: unknown): never {
  throw new RangeError(`${argument}: expected ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

function checkText(argument: string, value: unknown): void {
  if (typeof value !== "string" || value === "") refuse(argument, "a non-empty string", value);
}

function checkCount(argument: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    refuse(argument, "a non-negative integer", value);
}

function checkTime(argument: string, value: unknown): void {
  if (!Number.isSafeInteger(value)) refuse(argument, "a time in integer milliseconds", value);
}

function checkStatus(argument: string, value: unknown): void {
  if (!OUTBOX_STATUSES.includes(value as OutboxStatus)) refuse(argument, OUTBOX_STATUSES.join(", "), value);
}

/** Refuses an invalid consumer name with a `RangeError`. */
export function checkConsumerName(name: unknown): void {
  checkText("consumer name", name);
}

/**
 * Refuses an invalid commit with a `RangeError` naming the argument; returns the expected
 * revision (0: no commit yet).
 */
export function checkConsumerCommit(name: unknown, commit: ConsumerCommit): number {
  checkConsumerName(name);
  const expected = commit.expected;
  if (expected !== undefined) {
    if (expected === null || typeof expected !== "object") refuse("expected", "a consumer state", expected);
    if (!Number.isSafeInteger(expected.revision) || expected.revision < 1) {
      refuse("expected.revision", "a positive integer", expected.revision);
    }
  }
  checkCount("position", commit.position);
  if (commit.state !== null && typeof commit.state !== "string")
    refuse("state", "a string or null", commit.state);
  if (!Array.isArray(commit.messages)) refuse("messages", "an array", commit.messages);
  commit.messages.forEach((m: OutboxMessageInput, i) => {
    checkText(`messages[${i}].lane`, m?.lane);
    checkText(`messages[${i}].key`, m.key);
    if (typeof m.payload !== "string") refuse(`messages[${i}].payload`, "a string", m.payload);
    if (m.notBefore !== undefined) checkTime(`messages[${i}].notBefore`, m.notBefore);
  });
  return expected?.revision ?? 0;
}

/** Refuses an invalid message update with a `RangeError` naming the argument. */
export function checkMessageUpdate(id: unknown, update: OutboxMessageUpdate): void {
  checkCount("id", id);
  checkStatus("status", update.status);
  checkCount("attempts", update.attempts);
  checkTime("nextAttemptAt", update.nextAttemptAt);
  if (update.lastError !== null && typeof update.lastError !== "string") {
    refuse("lastError", "a string or null", update.lastError);
  }
}

/** Refuses invalid options of `listMessages` with a `RangeError` naming the argument. */
export function checkListOptions(consumer: unknown, options: ListMessagesOptions): void {
  checkConsumerName(consumer);
  checkCount("limit", options.limit);
  if (options.afterId !== undefined) checkCount("afterId", options.afterId);
  if (options.status !== undefined) checkStatus("status", options.status);
}

/** Refuses invalid options of `pendingMessages` with a `RangeError` naming the argument. */
export function checkPendingOptions(consumer: unknown, options: PendingMessagesOptions): void {
  checkConsumerName(consumer);
  checkCount("limit", options.limit);
  if (options.lane !== undefined) checkText("lane", options.lane);
}

/** Refuses an invalid consumer name or time with a `RangeError` naming the argument. */
export function checkConsumerTime(consumer: unknown, argument: string, time: unknown): void {
  checkConsumerName(consumer);
  checkTime(argument, time);
}
