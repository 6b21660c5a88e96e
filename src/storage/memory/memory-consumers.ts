import {
  type ConsumerCommit,
  type ConsumerState,
  type ConsumerStore,
  checkConsumerCommit,
  checkConsumerName,
  checkConsumerTime,
  checkListOptions,
  checkMessageUpdate,
  checkPendingOptions,
  consumerConflict,
  type ListMessagesOptions,
  type OutboxMessage,
  type OutboxMessageUpdate,
  type PendingMessagesOptions,
} from "../consumer-store.js";

/**
 * The consumers and outbox of a `MemoryDriver`: states in a map by name, messages in a map
 * by id (kept in id order: ids only grow, and a map iterates in insertion order). A commit checks
 * everything before it changes anything, so it is whole or nothing as SQLite's transaction is.
 * `guard` throws once the store is closed.
 */
export class MemoryConsumers implements ConsumerStore {
  readonly #guard: () => void;
  readonly #states = new Map<string, ConsumerState>();
  readonly #messages = new Map<number, OutboxMessage>();
  /** The last id handed out: ids are never reused, as SQLite's AUTOINCREMENT never reuses one. */
  #lastId = 0;

  constructor(guard: () => void) {
    this.#guard = guard;
  }

  async getConsumerState(name: string): Promise<ConsumerState | undefined> {
    checkConsumerName(name);
    this.#guard();
    const state = this.#states.get(name);
    return state && { ...state };
  }

  async commitConsumer(name: string, commit: ConsumerCommit): Promise<ConsumerState> {
    const expected = checkConsumerCommit(name, commit);
    this.#guard();
    const stored = this.#states.get(name)?.revision ?? 0;
    if (stored !== expected) throw consumerConflict(name, expected, stored);
    const now = Date.now();
    for (const m of commit.messages) {
      const id = ++this.#lastId;
      this.#messages.set(id, {
        id,
        consumer: name,
        lane: m.lane,
        key: m.key,
        payload: m.payload,
        status: "pending",
        attempts: 0,
        nextAttemptAt: m.notBefore ?? now,
        createdAt: now,
        updatedAt: now,
        lastError: null,
      });
    }
    const state: ConsumerState = { position: commit.position, state: commit.state, revision: stored + 1 };
    this.#states.set(name, state);
    return { ...state };
  }

  async laneHeads(consumer: string, dueBy: number): Promise<OutboxMessage[]> {
    checkConsumerTime(consumer, "dueBy", dueBy);
    this.#guard();
    const heads = new Map<string, OutboxMessage>();
    for (const m of this.#messages.values()) {
      if (m.consumer === consumer && m.status === "pending" && !heads.has(m.lane)) heads.set(m.lane, m);
    }
    return [...heads.values()].filter((m) => m.nextAttemptAt <= dueBy).map((m) => ({ ...m }));
  }

  async pendingMessages(consumer: string, options: PendingMessagesOptions): Promise<OutboxMessage[]> {
    checkPendingOptions(consumer, options);
    this.#guard();
    return this.#select(
      (m) =>
        m.consumer === consumer &&
        m.status === "pending" &&
        (options.lane === undefined || m.lane === options.lane),
      options.limit,
    );
  }

  async updateMessage(id: number, update: OutboxMessageUpdate): Promise<void> {
    checkMessageUpdate(id, update);
    this.#guard();
    const message = this.#messages.get(id);
    if (!message) throw new RangeError(`id: no outbox message has id ${id}`);
    this.#messages.set(id, {
      ...message,
      status: update.status,
      attempts: update.attempts,
      nextAttemptAt: update.nextAttemptAt,
      lastError: update.lastError,
      updatedAt: Date.now(),
    });
  }

  async listMessages(consumer: string, options: ListMessagesOptions): Promise<OutboxMessage[]> {
    checkListOptions(consumer, options);
    this.#guard();
    const afterId = options.afterId ?? 0;
    return this.#select(
      (m) =>
        m.consumer === consumer &&
        m.id > afterId &&
        (options.status === undefined || m.status === options.status),
      options.limit,
    );
  }

  async pruneMessages(consumer: string, before: number): Promise<number> {
    checkConsumerTime(consumer, "before", before);
    this.#guard();
    let deleted = 0;
    for (const [id, m] of this.#messages) {
      if (m.consumer === consumer && m.status !== "pending" && m.updatedAt < before) {
        this.#messages.delete(id);
        deleted++;
      }
    }
    return deleted;
  }

  /** Copies of the first `limit` messages that `keep` keeps, in id order. */
  #select(keep: (m: OutboxMessage) => boolean, limit: number): OutboxMessage[] {
    const out: OutboxMessage[] = [];
    for (const m of this.#messages.values()) {
      if (out.length >= limit) break;
      if (keep(m)) out.push({ ...m });
    }
    return out;
  }
}
