import type { StoredEvent } from "../read-model/stored-event.js";
import type { ConsumerState, ConsumerStore } from "../storage/consumer-store.js";
import { LOG_LANE, type OutboxPayload } from "./alert-dispatcher.js";
import { type AlertToProve, type EvidenceSource, proveAlerts } from "./alert-evidence.js";
import type { AlertNotice } from "./alert-notice.js";
import type { AlertDecision } from "./engine/alert-decision.js";
import type { CompiledRule, ObservedEvent } from "./rule-model.js";
import { type Silence, SilenceList } from "./silences.js";

/**
 * The evaluator runs the rules on the follower, off the write path: it reads committed events
 * in seq order from its own position, feeds them to the rule engine, proves the alerts the
 * engine decides, and commits — in one store transaction — its new position, the engine's
 * state and the outgoing messages (one per channel, plus one that records the alert in the
 * log). A crash at any instant therefore resumes from the last commit: no alert is missed and
 * none is decided twice.
 *
 * A commit carries the engine's whole state, which can be large (every event a window may
 * still need: lateness + window of them), so commits are spared:
 *
 * - Events that decide nothing are committed lazily: their position and the engine's state go
 *   with the next commit that holds messages, or at most
 *   {@link AlertEvaluatorOptions.commitEveryMs} later, and when the evaluator stops. Without
 *   this, every event the dispatcher itself appends (`alert.fired`, `alert.delivery`), which no
 *   rule looks at, would cost a commit of the whole state.
 * - Commits are paced by their cost: after a commit that took d ms, the next one waits until
 *   {@link COMMIT_PACE}·d ms have passed (at most {@link MAX_COMMIT_PACE_MS}); the decisions of
 *   the events judged meanwhile are held and go with it. A small state commits in a few
 *   milliseconds, so alerts wait about that long; a large one is written a few times a second
 *   rather than with every batch, and the evaluator keeps up.
 *
 * Nothing is lost by either: after a crash the engine, restored from the last commit, decides
 * the same alerts again from the same events (its decisions are a function of them, with the
 * same ids), and what was not committed held no message.
 */

/** A commit that took d ms is followed by none for this many times d ms. */
export const COMMIT_PACE = 3;

/** The longest a held decision waits for its commit, however slow the last one was. */
export const MAX_COMMIT_PACE_MS = 1000;

/** What the evaluator needs of the rule engine. */
export interface DecisionEngine {
  observe(events: readonly ObservedEvent[]): AlertDecision[];
  advance(nowMs: number): AlertDecision[];
  snapshot(): string;
}

/** What the evaluator needs of the store's consumers. */
export type EvaluatorStore = Pick<ConsumerStore, "getConsumerState" | "commitConsumer">;

/** What the evaluator needs of the log. */
export interface EvaluatedLog extends EvidenceSource {
  /** Committed events from `fromSeq` on, in batches, until `signal` aborts. */
  followFrom(
    fromSeq: number,
    signal: AbortSignal,
  ): AsyncIterable<{ readonly events: readonly StoredEvent[]; readonly nextSeq: number }>;
  /** How many events are committed. */
  size(): Promise<number>;
}

/** Options of {@link AlertEvaluator}. */
export interface AlertEvaluatorOptions {
  readonly log: EvaluatedLog;
  readonly store: EvaluatorStore;
  /** The consumer's name in the store (default `alerting`). */
  readonly consumer?: string;
  readonly rules: readonly CompiledRule[];
  /** The rule engine, restored from `snapshot` when there is one. */
  readonly engine: (snapshot: string | undefined) => DecisionEngine;
  /**
   * Where a consumer that has never run starts: `end` (default: events committed from now on)
   * or `beginning` (the whole log).
   */
  readonly startAt?: "end" | "beginning";
  /** How often time alone is judged (absence, expiry, windows closing), ms (default 1000). */
  readonly tickMs?: number;
  /**
   * The longest time events that decide nothing stay judged but uncommitted, ms (default 1000):
   * what a crash makes the evaluator judge again.
   */
  readonly commitEveryMs?: number;
  /** Called after each commit that holds messages (wakes the dispatcher). */
  readonly onCommitted?: (messages: number) => void;
  /** Called with the decisions of each commit, each with whether a silence held it back (metrics). */
  readonly onDecisions?: (decided: ReadonlyArray<{ decision: AlertDecision; silenced: boolean }>) => void;
  /** Called with the number of events judged in each commit (metrics). */
  readonly onEvaluated?: (events: number) => void;
  readonly now?: () => number;
}

/** What the evaluator commits as its state. */
interface EvaluatorState {
  /** The engine's snapshot (a JSON text in states written by older versions). */
  readonly engine: unknown;
  readonly silences: readonly Silence[];
}

/**
 * Runs the rules over the log as it grows until stopped.
 *
 * @example
 * ```ts
 * const evaluator = new AlertEvaluator({ log, store, rules, engine: (s) => s ? RuleEngine.restore(rules, s) : new RuleEngine(rules) });
 * await evaluator.start();
 * await evaluator.caughtUp(await log.size());
 * await evaluator.stop();
 * ```
 */
export class AlertEvaluator {
  readonly #options: AlertEvaluatorOptions;
  readonly #consumer: string;
  readonly #rules: ReadonlyMap<string, CompiledRule>;
  readonly #stop = new AbortController();
  #engine: DecisionEngine | undefined;
  #silences = new SilenceList();
  #position: number | undefined;
  /** The last commit, the fence of the next. */
  #last: ConsumerState | undefined;
  /** When the last commit ended (`performance.now()`). */
  #lastCommitAt = 0;
  /** The earliest a commit of held decisions may start (`performance.now()`). */
  #nextCommitAt = 0;
  /** Decisions judged but not committed yet (waiting for the pace). */
  #held: AlertDecision[] = [];
  #commitTimer: NodeJS.Timeout | undefined;
  #queue: Promise<void> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failure: unknown;
  readonly #waiters = new Set<{ seq: number; resolve: () => void; reject: (e: unknown) => void }>();

  constructor(options: AlertEvaluatorOptions) {
    this.#options = options;
    this.#consumer = options.consumer ?? "alerting";
    this.#rules = new Map(options.rules.map((rule) => [rule.id, rule]));
  }

  /** Restores the committed state and starts following. */
  async start(): Promise<void> {
    const { store, log } = this.#options;
    const saved = await store.getConsumerState(this.#consumer);
    let snapshot: string | undefined;
    this.#last = saved;
    if (saved) {
      this.#position = saved.position;
      if (saved.state !== null) {
        const state = JSON.parse(saved.state) as EvaluatorState;
        // Written as a JSON value in the state; older versions wrote it as a JSON text.
        snapshot = typeof state.engine === "string" ? state.engine : JSON.stringify(state.engine);
        this.#silences = new SilenceList(state.silences);
      }
    } else {
      this.#position = this.#options.startAt === "beginning" ? 0 : await log.size();
    }
    this.#engine = this.#options.engine(snapshot);
    // The first run commits where it starts at once: a restart before the first event must
    // resume there, not at the end of a log that has grown meanwhile.
    // A fresh engine starts its clock now (an absence counts from here).
    if (!saved) await this.#commit(this.#position, this.#engine.advance(this.#now()), true);
    this.#loop = this.#follow(this.#position);
    const tickMs = this.#options.tickMs ?? 1000;
    this.#timer = setInterval(() => {
      this.#serialize(async () =>
        this.#judged(this.#position as number, this.#engine?.advance(this.#now()) ?? []),
      );
    }, tickMs);
    this.#timer.unref();
  }

  /** The next seq the evaluator will look at. */
  get position(): number | undefined {
    return this.#position;
  }

  /** The failure that stopped the evaluator, if any. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Resolves once every event below `seq` is judged and the alerts it decided are committed. */
  caughtUp(seq: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if ((this.#position ?? -1) >= seq && this.#held.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.add({ seq, resolve, reject }));
  }

  /** Judges time now (absence, expiry, windows closing) rather than at the next tick. */
  tick(): Promise<void> {
    return this.#serialize(async () =>
      this.#judged(this.#position as number, this.#engine?.advance(this.#now()) ?? []),
    );
  }

  /** Stops following and commits what was judged since the last commit. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearTimeout(this.#commitTimer);
    this.#stop.abort();
    await this.#loop;
    await this.#queue;
    if (this.#failure === undefined && this.#engine !== undefined && this.#position !== undefined) {
      await this.#commitHeld();
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  async #follow(fromSeq: number): Promise<void> {
    try {
      for await (const batch of this.#options.log.followFrom(fromSeq, this.#stop.signal)) {
        await this.#serialize(async () => {
          const engine = this.#engine as DecisionEngine;
          const observed: ObservedEvent[] = [];
          for (const stored of batch.events) {
            const event = JSON.parse(stored.json) as Record<string, unknown>;
            if (event.action === "alert.silence") this.#silences.add(event);
            observed.push({
              seq: stored.seq,
              id: String(event.id),
              timestampMs: Date.parse(String(event.timestamp)),
              event,
            });
          }
          const decisions = [...engine.observe(observed), ...engine.advance(this.#now())];
          await this.#judged(batch.nextSeq, decisions);
          this.#options.onEvaluated?.(observed.length);
        });
      }
    } catch (error) {
      if (!this.#stop.signal.aborted) this.#fail(error);
    }
  }

  #serialize(step: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(step);
    this.#queue = next.catch((error: unknown) => this.#fail(error));
    return next;
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    clearInterval(this.#timer);
    this.#stop.abort();
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
  }

  /**
   * Events up to `position` are judged, deciding `decisions`. Decisions are committed as soon
   * as the pace allows (else held, and a commit scheduled); with none held, the position is
   * committed only once the last commit is `commitEveryMs` old.
   */
  async #judged(position: number, decisions: readonly AlertDecision[]): Promise<void> {
    for (const decision of decisions) this.#held.push(decision);
    this.#position = position;
    const now = performance.now();
    if (this.#held.length > 0) {
      if (now >= this.#nextCommitAt) await this.#commitHeld();
      else this.#scheduleCommit(this.#nextCommitAt - now);
      return;
    }
    if (now - this.#lastCommitAt >= (this.#options.commitEveryMs ?? 1000)) await this.#commitHeld();
    else this.#resolveWaiters(position);
  }

  #scheduleCommit(delayMs: number): void {
    if (this.#commitTimer !== undefined) return;
    this.#commitTimer = setTimeout(() => {
      this.#commitTimer = undefined;
      void this.#serialize(() => this.#commitHeld());
    }, delayMs);
    this.#commitTimer.unref();
  }

  /** Commits the position, the state and the held decisions, and paces the next commit by its cost. */
  async #commitHeld(): Promise<void> {
    const decisions = this.#held;
    this.#held = [];
    const started = performance.now();
    await this.#commit(this.#position as number, decisions);
    const took = performance.now() - started;
    this.#nextCommitAt = performance.now() + Math.min(MAX_COMMIT_PACE_MS, COMMIT_PACE * took);
  }

  #resolveWaiters(position: number): void {
    for (const waiter of this.#waiters) {
      if (position >= waiter.seq) {
        waiter.resolve();
        this.#waiters.delete(waiter);
      }
    }
  }

  async #commit(position: number, decisions: readonly AlertDecision[], always = false): Promise<void> {
    if (!always && decisions.length === 0 && position === this.#last?.position) return;
    const now = this.#now();
    const toProve: AlertToProve[] = [];
    for (const decision of decisions) {
      const rule = this.#rules.get(decision.ruleId);
      if (!rule) continue;
      toProve.push({
        type: decision.type,
        alertId: decision.alertId,
        rule: { id: rule.id, title: rule.title, severity: rule.severity },
        group: decision.group,
        window: decision.window,
        count: decision.count,
        evidenceSeqs: decision.evidenceSeqs,
      });
    }
    const notices = await proveAlerts(this.#options.log, toProve);
    const messages: Array<{ lane: string; key: string; payload: string }> = [];
    const decided: Array<{ decision: AlertDecision; silenced: boolean }> = [];
    const proved = decisions.filter((decision) => this.#rules.has(decision.ruleId));
    notices.forEach((notice, i) => {
      const decision = proved[i] as AlertDecision;
      const rule = this.#rules.get(decision.ruleId) as CompiledRule;
      const silenced = this.#silences.covers(rule.id, notice.alert.group, now);
      decided.push({ decision, silenced });
      messages.push(...messagesOf(notice, silenced ? [] : rule.channels));
    });
    this.#silences.prune(now);
    this.#last = await this.#options.store.commitConsumer(this.#consumer, {
      expected: this.#last,
      position,
      // The engine's snapshot is JSON already: embedded as it is, not encoded again as a string.
      state: `{"engine":${(this.#engine as DecisionEngine).snapshot()},"silences":${JSON.stringify(this.#silences.list())}}`,
      messages,
    });
    this.#lastCommitAt = performance.now();
    this.#position = position;
    if (decided.length > 0) this.#options.onDecisions?.(decided);
    if (messages.length > 0) this.#options.onCommitted?.(messages.length);
    this.#resolveWaiters(position);
  }
}

/** The outbox messages of one notice: one recording it in the log, one per channel. */
function messagesOf(
  notice: AlertNotice,
  channels: readonly string[],
): Array<{ lane: string; key: string; payload: string }> {
  const payload: OutboxPayload = { notice, channels };
  const text = JSON.stringify(payload);
  const key = `${notice.type}:${notice.alert.id}`;
  return [LOG_LANE, ...channels].map((lane) => ({ lane, key, payload: text }));
}
