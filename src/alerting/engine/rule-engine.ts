import { SealtrailError } from "../../errors.js";
import type { CompiledRule, ObservedEvent } from "../rule-model.js";
import { ALERT_ACTION_PREFIX } from "../rules/filter-predicate.js";
import type { AlertDecision } from "./alert-decision.js";
import { createKind } from "./create-kind.js";
import type { AdvancedTime, EngineTime, KindEvaluator } from "./kind-evaluator.js";

/*
 * The rule engine is written here rather than taken from a stream-processing library: its state
 * must be plain JSON committed in the same transaction as the follower's position (so a crash
 * neither misses nor repeats an alert), its decisions a pure function of the events and times it
 * is given (so a backtest raises the alerts the live run raised, with the same ids), and it runs
 * inside the process without a broker. No library we know offers all three.
 */

/** How long after its time an event may arrive and still count in its windows, by default. */
export const DEFAULT_LATENESS_MS = 10_000;

/** Options of a {@link RuleEngine}. */
export interface RuleEngineOptions {
  /**
   * How late (behind the engine's time) an event may arrive and still be placed in its
   * event-time windows; default {@link DEFAULT_LATENESS_MS}. Windows are judged this long after
   * they end, so it also delays absence, degradation and resolved notices.
   */
  readonly latenessMs?: number;
}

/**
 * How often, in the engine's time, the evaluators forget what no judgement needs any more: a
 * window then holds at most this much more than its length.
 */
export const PRUNE_EVERY_MS = 60_000;

/** How many actions' lists of evaluators are remembered before the memory starts again. */
const MAX_REMEMBERED_ACTIONS = 10_000;

/** The version of the snapshot format. */
const SNAPSHOT_VERSION = 1;

interface Snapshot {
  readonly v: number;
  readonly nowMs: number | null;
  readonly startMs: number | null;
  readonly late: number;
  readonly prunedAtMs: number | null;
  readonly rules: readonly {
    readonly id: string;
    readonly fp: string;
    readonly book: unknown;
    readonly state: unknown;
  }[];
}

/** What must not change for a rule's saved state to be reused: its condition (filters aside) and groups. */
function fingerprint(rule: CompiledRule): string {
  return JSON.stringify([
    JSON.stringify(rule.condition, (_key, value) => (typeof value === "function" ? "fn" : value)),
    rule.groupBy,
    rule.resolve,
  ]);
}

function stateError(message: string, cause?: unknown): SealtrailError {
  return new SealtrailError("ST_ERR_ALERT_STATE", `rule engine state: ${message}`, cause ? { cause } : {});
}

/**
 * Evaluates detection rules over committed events, one evaluator per rule (`kinds/`).
 *
 * **Inputs.** {@link observe} takes events in seq order (the follower's order), which need not be
 * time order; {@link advance} takes the time (the wall clock live, about once a second; event
 * time in a backtest). Nothing else — no clock is read — so the same calls give the same
 * decisions.
 *
 * **Time.** Windows are in event time (`timestamp`). The engine's time is the latest time
 * advanced to, and its watermark that minus `latenessMs`. An event earlier than the watermark
 * is late: it is counted ({@link lateEvents}) and ignored by every windowed kind (threshold,
 * ratio, distinct, sequence, absence, degradation); `any`, `new_value` and `expiry` still take
 * it. An event not late is placed in its own event-time windows, whatever its order of arrival.
 * What time passing decides (absence, degradation, resolved notices, expiry coming near) is
 * judged by `advance` at the exact instants it happens, once the watermark has passed them
 * (expiry: once the engine's time has), so it does not depend on how often `advance` is called.
 *
 * **Alerts.** Each kind decides when it fires (see its module); then, for the same rule and
 * group, no new alert within `cooldown` of the firing instant, and with `resolve: true` none
 * while the alert is open. Decisions of `observe` come out in the order of the events that
 * caused them (and, for one event, of the rules); those of `advance` in the order of the
 * instants they were decided at (the end of their window), ties in the order of the rules.
 *
 * **Alert events.** Sealtrail's own `alert.*` events are shown only to rules that name them
 * (`watchesAlertEvents`), so an alert cannot raise itself.
 *
 * **State.** {@link snapshot} is the whole state as JSON; {@link RuleEngine.restore} rebuilds an
 * engine that decides exactly what this one would have from then on. Saved with the follower's
 * position in one transaction, it makes a crash-restart indistinguishable from an uninterrupted
 * run. The state stays bounded: windows forget what no later judgement needs, and learned
 * values, assets and silent groups are capped (`state-limits.ts`).
 *
 * @example
 * ```ts
 * const engine = new RuleEngine(compileRules(config.alerting.rules, { basePath: "alerting.rules" }));
 * for await (const batch of follower.batches()) {
 *   const decisions = engine.observe(batch.map(observedEventOf));
 *   await commit(decisions, engine.snapshot(), batch.at(-1).seq); // one transaction
 * }
 * setInterval(() => handle(engine.advance(Date.now())), 1000);
 * ```
 */
export class RuleEngine {
  #evaluators: readonly KindEvaluator[];
  /** Per evaluator, the actions it can select (undefined: any). */
  #requiredActions: readonly (ReadonlySet<string> | undefined)[];
  /** Per action, the evaluators it may concern (see `#evaluatorsFor`). */
  readonly #byAction = new Map<string, readonly KindEvaluator[]>();
  readonly #latenessMs: number;
  #nowMs: number | undefined;
  #startMs: number | undefined;
  #late = 0;
  #prunedAtMs: number | undefined;

  /** An engine evaluating `rules` from scratch. Rule ids must be unique. */
  constructor(rules: readonly CompiledRule[], options: RuleEngineOptions = {}) {
    this.#latenessMs = options.latenessMs ?? DEFAULT_LATENESS_MS;
    const ids = new Set<string>();
    for (const rule of rules) {
      if (ids.has(rule.id)) {
        throw new SealtrailError(
          "ST_ERR_ALERT_RULE",
          `rule ${JSON.stringify(rule.id)}: expected a unique id, got it twice`,
        );
      }
      ids.add(rule.id);
    }
    this.#evaluators = rules.map((rule) => createKind(rule));
    this.#requiredActions = this.#evaluators.map((e) => e.requiredActions());
  }

  /**
   * An engine over `rules` in the state a {@link snapshot} recorded. A rule the snapshot does not
   * know, or whose condition or groups changed since, starts afresh; state of rules no longer
   * given is dropped. Throws `ST_ERR_ALERT_STATE` when the snapshot cannot be read.
   */
  static restore(
    rules: readonly CompiledRule[],
    snapshot: string,
    options: RuleEngineOptions = {},
  ): RuleEngine {
    let saved: Snapshot;
    try {
      saved = JSON.parse(snapshot) as Snapshot;
    } catch (error) {
      throw stateError("expected JSON", error);
    }
    if (
      typeof saved !== "object" ||
      saved === null ||
      saved.v !== SNAPSHOT_VERSION ||
      !Array.isArray(saved.rules)
    ) {
      throw stateError(`expected a snapshot of version ${SNAPSHOT_VERSION}`);
    }
    const engine = new RuleEngine(rules, options);
    const byId = new Map(saved.rules.map((r) => [r.id, r]));
    try {
      engine.#evaluators = rules.map((rule) => {
        const entry = byId.get(rule.id);
        return createKind(rule, entry && entry.fp === fingerprint(rule) ? entry : undefined);
      });
      engine.#requiredActions = engine.#evaluators.map((e) => e.requiredActions());
    } catch (error) {
      throw stateError("expected the state this version saves", error);
    }
    engine.#nowMs = saved.nowMs ?? undefined;
    engine.#startMs = saved.startMs ?? undefined;
    engine.#late = typeof saved.late === "number" ? saved.late : 0;
    engine.#prunedAtMs = saved.prunedAtMs ?? undefined;
    return engine;
  }

  /** How many events arrived too late for a window that would have counted them. */
  get lateEvents(): number {
    return this.#late;
  }

  /** The latest time advanced to, if any. */
  get nowMs(): number | undefined {
    return this.#nowMs;
  }

  #time(): EngineTime {
    const nowMs = this.#nowMs;
    return {
      nowMs,
      watermarkMs: nowMs === undefined ? undefined : nowMs - this.#latenessMs,
      startMs: this.#startMs,
    };
  }

  /**
   * The evaluators an event with `action` may concern, in the order of the rules: those whose
   * selection allows the action, and for Sealtrail's own `alert.*` events only those that watch
   * them. Remembered per action (the actions of a log are few).
   */
  #evaluatorsFor(action: unknown): readonly KindEvaluator[] {
    const name = typeof action === "string" ? action : "";
    let found = this.#byAction.get(name);
    if (!found) {
      const isAlert = name.startsWith(ALERT_ACTION_PREFIX);
      found = this.#evaluators.filter((evaluator, i) => {
        if (isAlert && !evaluator.rule.watchesAlertEvents) return false;
        const actions = this.#requiredActions[i];
        return actions === undefined || actions.has(name);
      });
      if (this.#byAction.size >= MAX_REMEMBERED_ACTIONS) this.#byAction.clear();
      this.#byAction.set(name, found);
    }
    return found;
  }

  /**
   * Takes committed events in seq order and returns what they decide: fired alerts, and the
   * alerts an event clears at once (an expiry renewed).
   */
  observe(events: readonly ObservedEvent[]): AlertDecision[] {
    const out: AlertDecision[] = [];
    const time = this.#time();
    const watermark = time.watermarkMs ?? Number.NEGATIVE_INFINITY;
    for (const event of events) {
      const late = event.timestampMs < watermark;
      let ignored = false;
      for (const evaluator of this.#evaluatorsFor(event.event.action)) {
        if (late && evaluator.windowed) {
          ignored ||= evaluator.selects(event);
          continue;
        }
        if (evaluator.selects(event)) evaluator.observe(event, time, out);
      }
      if (ignored) this.#late++;
    }
    return out;
  }

  /**
   * Moves the engine's time to `nowMs` and returns what time passing decides: absences, degraded
   * windows, expiries coming near, and resolved alerts. A time not later than the last is
   * ignored. The first call sets when the engine started watching (absence counts from it).
   */
  advance(nowMs: number): AlertDecision[] {
    const previousNowMs = this.#nowMs ?? Number.NEGATIVE_INFINITY;
    if (nowMs <= previousNowMs) return [];
    this.#startMs ??= nowMs;
    this.#nowMs = nowMs;
    const time: AdvancedTime = {
      nowMs,
      watermarkMs: nowMs - this.#latenessMs,
      startMs: this.#startMs,
      previousNowMs,
      previousWatermarkMs: previousNowMs - this.#latenessMs,
      latenessMs: this.#latenessMs,
    };
    const out: AlertDecision[] = [];
    for (const evaluator of this.#evaluators) evaluator.advance(time, out);
    if (this.#prunedAtMs === undefined || time.watermarkMs - this.#prunedAtMs >= PRUNE_EVERY_MS) {
      for (const evaluator of this.#evaluators) evaluator.prune(time.watermarkMs);
      this.#prunedAtMs = time.watermarkMs;
    }
    // In the order of the instants decided (a stable sort: ties in the order of the rules).
    return out.sort((a, b) => a.window.toMs - b.window.toMs);
  }

  /** The engine's whole state as JSON, for {@link RuleEngine.restore}. */
  snapshot(): string {
    const snapshot: Snapshot = {
      v: SNAPSHOT_VERSION,
      nowMs: this.#nowMs ?? null,
      startMs: this.#startMs ?? null,
      late: this.#late,
      prunedAtMs: this.#prunedAtMs ?? null,
      rules: this.#evaluators.map((e) => ({
        id: e.rule.id,
        fp: fingerprint(e.rule),
        book: e.book.toJSON(),
        state: e.saveState(),
      })),
    };
    return JSON.stringify(snapshot);
  }
}
