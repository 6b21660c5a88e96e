import type Database from "better-sqlite3";
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
  type ListMessagesOptions,
  type OutboxMessage,
  type OutboxMessageUpdate,
  type PendingMessagesOptions,
} from "../consumer-store.js";
import { OUTBOX_COLUMNS } from "./sqlite-schema.js";
import type { ConsumerCommitRequest } from "./writer-protocol.js";

/** What {@link SqliteConsumers} uses of its driver. */
export interface SqliteConsumersAccess {
  /** A prepared statement on the driver's own connection (reads). */
  statement(sql: string): Database.Statement;
  /** A small write where the driver makes its writes; resolves with the rows it changed. */
  write(sql: string, ...params: unknown[]): Promise<number>;
  /** Makes a consumer commit (`consumer-committer.ts`) where the driver commits; resolves with the revision. */
  commit(request: ConsumerCommitRequest): Promise<number>;
  /** Whether the store surely has the consumer tables (opened for writing, the schema made them). */
  readonly tablesMade: boolean;
}

/**
 * The consumers and outbox of a `SqliteDriver`: reads on the driver's connection, writes where the
 * driver writes (its writer thread, when it has one). A store opened read-only that predates the
 * tables answers as a store with no consumers.
 */
export class SqliteConsumers implements ConsumerStore {
  readonly #access: SqliteConsumersAccess;
  #tables: boolean;

  constructor(access: SqliteConsumersAccess) {
    this.#access = access;
    this.#tables = access.tablesMade;
  }

  async getConsumerState(name: string): Promise<ConsumerState | undefined> {
    checkConsumerName(name);
    if (!this.#hasTables()) return undefined;
    return this.#access
      .statement("SELECT position, state, revision FROM consumers WHERE name = ?")
      .get(name) as ConsumerState | undefined;
  }

  async commitConsumer(name: string, commit: ConsumerCommit): Promise<ConsumerState> {
    const revision = await this.#access.commit({
      kind: "consumer",
      id: 0,
      name,
      expectedRevision: checkConsumerCommit(name, commit),
      position: commit.position,
      state: commit.state,
      // Copied as given now, and as plain data (they may cross to the writer thread).
      messages: commit.messages.map(({ lane, key, payload, notBefore }) =>
        notBefore === undefined ? { lane, key, payload } : { lane, key, payload, notBefore },
      ),
      now: Date.now(),
    });
    return { position: commit.position, state: commit.state, revision };
  }

  async laneHeads(consumer: string, dueBy: number): Promise<OutboxMessage[]> {
    checkConsumerTime(consumer, "dueBy", dueBy);
    if (!this.#hasTables()) return [];
    // The partial index on pending messages, which ends in the id, gives each lane's first at once.
    return this.#access
      .statement(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id IN (SELECT min(id) FROM outbox WHERE consumer = ? AND status = 'pending' GROUP BY lane) AND next_attempt_at <= ? ORDER BY id`,
      )
      .all(consumer, dueBy) as OutboxMessage[];
  }

  async pendingMessages(consumer: string, options: PendingMessagesOptions): Promise<OutboxMessage[]> {
    checkPendingOptions(consumer, options);
    if (!this.#hasTables()) return [];
    const lane = options.lane === undefined ? "" : " AND lane = ?";
    return this.#access
      .statement(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE consumer = ? AND status = 'pending'${lane} ORDER BY id LIMIT ?`,
      )
      .all(consumer, ...(options.lane === undefined ? [] : [options.lane]), options.limit) as OutboxMessage[];
  }

  async updateMessage(id: number, update: OutboxMessageUpdate): Promise<void> {
    checkMessageUpdate(id, update);
    const changed = await this.#access.write(
      "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
      update.status,
      update.attempts,
      update.nextAttemptAt,
      update.lastError,
      Date.now(),
      id,
    );
    if (changed === 0) throw new RangeError(`id: no outbox message has id ${id}`);
  }

  async listMessages(consumer: string, options: ListMessagesOptions): Promise<OutboxMessage[]> {
    checkListOptions(consumer, options);
    if (!this.#hasTables()) return [];
    const status = options.status === undefined ? "" : " AND status = ?";
    return this.#access
      .statement(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE consumer = ? AND id > ?${status} ORDER BY id LIMIT ?`,
      )
      .all(
        consumer,
        options.afterId ?? 0,
        ...(options.status === undefined ? [] : [options.status]),
        options.limit,
      ) as OutboxMessage[];
  }

  async pruneMessages(consumer: string, before: number): Promise<number> {
    checkConsumerTime(consumer, "before", before);
    return this.#access.write(
      "DELETE FROM outbox WHERE consumer = ? AND status IN ('delivered', 'failed') AND updated_at < ?",
      consumer,
      before,
    );
  }

  /** Whether the tables exist; asked again until they do (another process may make them). */
  #hasTables(): boolean {
    this.#tables ||=
      this.#access
        .statement(
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('consumers', 'outbox')",
        )
        .pluck()
        .get() === 2;
    return this.#tables;
  }
}
