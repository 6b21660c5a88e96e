import { backoffDelay } from "../delivery/retry-policy.js";
import type { AuditEventInput } from "../event/audit-event.js";
import { alertEvent, type DeliveryRecord, deliveryEvent } from "./alert-events.js";
import type { AlertNotice } from "./alert-notice.js";
import type { AlertChannel, DeliveryOutcome } from "./channels/alert-channel.js";

/**
 * The dispatcher delivers what the evaluator committed to the outbox. Each lane (a channel, or
 * {@link LOG_LANE} for recording the alert in the log) is delivered in order, one message at a
 * time, and independently of the others: a slow or dead channel delays only itself. A message
 * is marked delivered only after its receiver accepted it, so a crash re-sends at most the
 * message in flight (with the same alert id, which id-honouring receivers deduplicate).
 */

/** The lane that appends `alert.fired` / `alert.resolved` to the log itself. */
export const LOG_LANE = "@log";

/** What an outbox message of the alerting consumer holds. */
export interface OutboxPayload {
  readonly notice: AlertNotice;
  /** Every channel the rule sends to (recorded with the alert). */
  readonly channels: readonly string[];
}

/** Something alerts are sent to: a channel (only its `send` is used). */
export type AlertSender = Pick<AlertChannel, "send">;

/** A message waiting in the outbox, as the store returns it. */
export interface PendingMessage {
  readonly id: number;
  readonly lane: string;
  readonly payload: string;
  readonly attempts: number;
  readonly createdAt: number;
}

/** What the dispatcher needs of the store's outbox. */
export interface OutboxStore {
  /** The first pending message of each lane, due by `dueBy`. */
  laneHeads(consumer: string, dueBy: number): Promise<readonly PendingMessage[]>;
  updateMessage(
    id: number,
    update: {
      status: "pending" | "delivered" | "failed";
      attempts: number;
      nextAttemptAt: number;
      lastError: string | null;
    },
  ): Promise<void>;
}

/** Options of {@link AlertDispatcher}. */
export interface AlertDispatcherOptions {
  readonly store: OutboxStore;
  /** The consumer whose outbox is delivered. */
  readonly consumer: string;
  /** Channels by name. */
  readonly senders: ReadonlyMap<string, AlertSender>;
  /** Appends events to the log (the alert records and each delivery attempt). */
  readonly record: (events: AuditEventInput[]) => Promise<unknown>;
  /** Give up on a message this long after it was committed (default 24 h). */
  readonly giveUpAfterMs?: number;
  /** Backoff base and cap (defaults 1 s and 5 min); a receiver's `Retry-After` overrules them. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** Longest wait for one attempt (default 10 s). */
  readonly timeoutMs?: number;
  /** Look for due messages at least this often (default 250 ms). */
  readonly pollMs?: number;
  /** Called after every attempt (metrics). */
  readonly onAttempt?: (record: DeliveryRecord) => void;
  readonly now?: () => number;
}

/**
 * Delivers the alerting outbox until stopped.
 *
 * @example
 * ```ts
 * const dispatcher = new AlertDispatcher({ store, consumer: "alerting", senders, record: (e) => log.append(e) });
 * dispatcher.start();
 * dispatcher.wake(); // after the evaluator committed new messages
 * await dispatcher.stop();
 * ```
 */
export class AlertDispatcher {
  readonly #options: AlertDispatcherOptions;
  readonly #inFlight = new Map<string, Promise<void>>();
  #senders: ReadonlyMap<string, AlertSender>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #woken = false;
  #failure: unknown;

  constructor(options: AlertDispatcherOptions) {
    this.#options = options;
    this.#senders = options.senders;
  }

  /** Starts delivering. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Looks for due messages now rather than at the next poll. */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /** Replaces the channels (a configuration reload); messages in flight finish with the old ones. */
  setSenders(senders: ReadonlyMap<string, AlertSender>): void {
    this.#senders = senders;
    this.wake();
  }

  /** Stops after the attempts in flight end. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  /** The failure that stopped the loop (a store error), if any. */
  get failure(): unknown {
    return this.#failure;
  }

  async #run(): Promise<void> {
    const { store, consumer } = this.#options;
    const pollMs = this.#options.pollMs ?? 250;
    const now = this.#options.now ?? Date.now;
    try {
      while (this.#running) {
        this.#woken = false;
        const heads = await store.laneHeads(consumer, now());
        for (const head of heads) {
          if (this.#inFlight.has(head.lane)) continue;
          const delivery = this.#deliver(head)
            .catch((error: unknown) => {
              this.#failure ??= error;
            })
            .finally(() => {
              this.#inFlight.delete(head.lane);
              this.wake();
            });
          this.#inFlight.set(head.lane, delivery);
        }
        if (!this.#running) break;
        if (this.#woken) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          timer.unref();
          this.#wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wakeUp = undefined;
      }
    } catch (error) {
      this.#failure = error;
      this.#running = false;
    }
  }

  async #deliver(message: PendingMessage): Promise<void> {
    const { store, record } = this.#options;
    const now = this.#options.now ?? Date.now;
    const payload = JSON.parse(message.payload) as OutboxPayload;
    if (message.lane === LOG_LANE) {
      await record([alertEvent(payload.notice, payload.channels)]);
      await store.updateMessage(message.id, {
        status: "delivered",
        attempts: message.attempts + 1,
        nextAttemptAt: now(),
        lastError: null,
      });
      return;
    }
    const attempt = message.attempts + 1;
    const outcome = await this.#attempt(message.lane, payload.notice, attempt);
    const at = now();
    let status: "delivered" | "pending" | "failed" = "delivered";
    let nextAttemptAt = at;
    if (!outcome.ok) {
      const giveUpAt = message.createdAt + (this.#options.giveUpAfterMs ?? 24 * 3_600_000);
      const { baseMs, maxMs } = this.#options.backoff ?? { baseMs: 1000, maxMs: 300_000 };
      const wait = outcome.retryAfterMs ?? backoffDelay(attempt - 1, baseMs, maxMs);
      if (outcome.retryable && at + wait <= giveUpAt) {
        status = "pending";
        nextAttemptAt = Math.ceil(at + wait);
      } else {
        status = "failed";
      }
    }
    const delivery: DeliveryRecord = {
      notice: payload.notice,
      channel: message.lane,
      attempt,
      ok: outcome.ok,
      final: status !== "pending",
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
      ...(outcome.ok
        ? {}
        : {
            reason: status === "failed" && outcome.retryable ? `gave up: ${outcome.reason}` : outcome.reason,
          }),
    };
    // Recorded before the outbox moves on: a crash in between records the same attempt again,
    // under the same derived id, which the log ignores as a duplicate.
    await record([deliveryEvent(delivery)]);
    this.#options.onAttempt?.(delivery);
    await store.updateMessage(message.id, {
      status,
      attempts: attempt,
      nextAttemptAt,
      lastError: outcome.ok ? null : outcome.reason,
    });
  }

  async #attempt(lane: string, notice: AlertNotice, attempt: number): Promise<DeliveryOutcome> {
    const sender = this.#senders.get(lane);
    if (!sender) {
      return { ok: false, retryable: false, reason: `no channel named "${lane}" is configured` };
    }
    try {
      return await sender.send(notice, { number: attempt, timeoutMs: this.#options.timeoutMs ?? 10_000 });
    } catch (error) {
      return { ok: false, retryable: true, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}
