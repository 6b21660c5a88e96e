import type { AuditLog } from "../audit-log.js";
import { AlertDispatcher } from "./alert-dispatcher.js";
import { AlertEvaluator, type EvaluatedLog } from "./alert-evaluator.js";
import type { AlertChannel } from "./channels/alert-channel.js";
import type { AlertDecision } from "./engine/alert-decision.js";
import { RuleEngine } from "./engine/rule-engine.js";
import type { CompiledRule } from "./rule-model.js";

/** The consumer name alerting keeps its position, state and outbox under. */
export const ALERTING_CONSUMER = "alerting";

/** What alerting runs with: rules, channels and how to deliver. */
export interface AlertingSetup {
  readonly rules: readonly CompiledRule[];
  /** Channels by name; every channel a rule names must be here. */
  readonly channels: ReadonlyMap<string, Pick<AlertChannel, "send">>;
  /** How late an event may arrive and still count in its windows (ms, default 10 s). */
  readonly latenessMs?: number;
  /** Where alerting starts the first time it runs on a store: `end` (default) or `beginning`. */
  readonly startAt?: "end" | "beginning";
  /** Give up delivering an alert this long after it was decided (ms, default 24 h). */
  readonly giveUpAfterMs?: number;
  /** Longest wait for one delivery attempt (ms, default 10 s). */
  readonly timeoutMs?: number;
  /** Backoff between attempts (defaults 1 s doubling to 5 min, with jitter). */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

/** What a running alerting reports as it goes (metrics). */
export interface AlertingObserver {
  evaluated?(events: number): void;
  decided?(decision: AlertDecision, silenced: boolean): void;
  attempted?(channel: string, outcome: "delivered" | "retrying" | "failed"): void;
}

/** Alerting running over a log. */
export interface AlertingRun {
  /** Resolves once every event committed so far is judged and its alerts committed to the outbox. */
  caughtUp(): Promise<void>;
  /** Judges time now (absence, expiry, windows closing) rather than at the next tick. */
  tick(): Promise<void>;
  /** Replaces rules and channels (SIGHUP); rule state is kept for rules whose condition is unchanged. */
  reload(setup: AlertingSetup): Promise<void>;
  /** Rules loaded and events not yet judged (metrics). */
  status(): { rules: number; lagEvents: number };
  /** The failure that stopped the evaluator or the dispatcher, if any. */
  readonly failure: unknown;
  /** Stops evaluating and delivering; what was committed stays committed. */
  stop(): Promise<void>;
}

/**
 * Runs detection over `log` as it grows: the evaluator on the follower (never on the write
 * path) and the dispatcher on the outbox. Used by `sealtrail serve`, `sealtrail watch` and
 * library users alike.
 *
 * @example
 * ```ts
 * const rules = compileRules(config.alerting.rules, { basePath: "alerting.rules" });
 * const channels = parseChannels({ ops: { type: "webhook", url, secret } }, { file: undefined });
 * const alerting = await startAlerting(log, { rules, channels });
 * await log.append({ action: "user.login", outcome: "failure", actor: { id: "mallory" } });
 * await alerting.caughtUp();
 * await alerting.stop();
 * ```
 */
export async function startAlerting(
  log: AuditLog,
  setup: AlertingSetup,
  observer: AlertingObserver = {},
): Promise<AlertingRun> {
  const source: EvaluatedLog = {
    checkpoint: () => log.checkpoint(),
    proveInclusion: (seq, size) => log.proveInclusion(seq, size),
    readEntries: (firstSeq, count) => log.readEntries(firstSeq, count),
    size: () => log.refresh(),
    followFrom: (fromSeq, signal) => log.follow(null, { fromSeq, signal, batchSize: 1000 }).batches(),
  };
  const store = log.consumers;
  const dispatcher = new AlertDispatcher({
    store,
    consumer: ALERTING_CONSUMER,
    senders: setup.channels,
    record: (events) => log.append(events),
    ...(setup.giveUpAfterMs === undefined ? {} : { giveUpAfterMs: setup.giveUpAfterMs }),
    ...(setup.timeoutMs === undefined ? {} : { timeoutMs: setup.timeoutMs }),
    ...(setup.backoff === undefined ? {} : { backoff: setup.backoff }),
    onAttempt: (record) =>
      observer.attempted?.(record.channel, record.ok ? "delivered" : record.final ? "failed" : "retrying"),
  });
  const evaluatorFor = (current: AlertingSetup) =>
    new AlertEvaluator({
      log: source,
      store,
      consumer: ALERTING_CONSUMER,
      rules: current.rules,
      engine: (snapshot) => {
        const options = current.latenessMs === undefined ? {} : { latenessMs: current.latenessMs };
        return snapshot === undefined
          ? new RuleEngine(current.rules, options)
          : RuleEngine.restore(current.rules, snapshot, options);
      },
      ...(current.startAt === undefined ? {} : { startAt: current.startAt }),
      onCommitted: () => dispatcher.wake(),
      onEvaluated: (events) => observer.evaluated?.(events),
      onDecisions: (decided) => {
        for (const { decision, silenced } of decided) observer.decided?.(decision, silenced);
      },
    });
  let current = setup;
  let evaluator = evaluatorFor(current);
  await evaluator.start();
  dispatcher.start();
  return {
    caughtUp: async () => evaluator.caughtUp(await log.refresh()),
    tick: () => evaluator.tick(),
    async reload(next) {
      await evaluator.stop();
      current = next;
      evaluator = evaluatorFor(current);
      await evaluator.start();
      dispatcher.setSenders(next.channels);
    },
    status: () => ({
      rules: current.rules.length,
      lagEvents: Math.max(0, log.size - (evaluator.position ?? 0)),
    }),
    get failure() {
      return evaluator.failure ?? dispatcher.failure;
    },
    async stop() {
      await evaluator.stop();
      await dispatcher.stop();
    },
  };
}
