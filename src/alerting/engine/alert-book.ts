import type { CompiledRule } from "../rule-model.js";
import { type AlertDecision, capEvidence } from "./alert-decision.js";
import { alertIdOf } from "./alert-id.js";
import type { GroupKeyer } from "./group-keyer.js";

/**
 * A rule's record of the alerts it raised, per group: when each group last fired (for the
 * cooldown) and, for a rule with `resolve: true`, its open alert (to resolve it with the same id).
 *
 * Cooldown: a group that fired at instant F does not fire again at an instant T with
 * |T − F| < cooldown (instants are event time, or the engine's time for what time passing
 * raises). With `resolve: true` an open alert also blocks new ones for its group until it is
 * resolved.
 */

/** An alert that fired and has not been resolved. */
interface OpenAlert {
  readonly alertId: string;
  /** The instant it fired at. */
  readonly firedMs: number;
}

interface BookEntry {
  lastFiredMs: number;
  open?: OpenAlert;
}

/** What a fired or resolved decision says beyond the rule and group. */
export interface DecisionFacts {
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
  /** Seqs of the window's events in time order (capped by {@link capEvidence}). */
  readonly seqsInTimeOrder: readonly number[];
}

export class AlertBook {
  readonly #rule: CompiledRule;
  readonly #keyer: GroupKeyer;
  readonly #entries: Map<string, BookEntry>;
  /** The keys of the groups with an open alert. */
  readonly #open = new Set<string>();

  constructor(rule: CompiledRule, keyer: GroupKeyer, saved?: unknown) {
    this.#rule = rule;
    this.#keyer = keyer;
    this.#entries = new Map(
      ((saved ?? []) as [string, number, string?, number?][]).map(([key, lastFiredMs, alertId, firedMs]) => [
        key,
        alertId === undefined
          ? { lastFiredMs }
          : { lastFiredMs, open: { alertId, firedMs: firedMs as number } },
      ]),
    );
    for (const [key, entry] of this.#entries) if (entry.open) this.#open.add(key);
  }

  /** Whether the group may not fire at `instantMs`: in cooldown, or with an open alert. */
  blocked(groupKey: string, instantMs: number): boolean {
    const entry = this.#entries.get(groupKey);
    if (!entry) return false;
    return entry.open !== undefined || Math.abs(instantMs - entry.lastFiredMs) < this.#rule.cooldownMs;
  }

  /** Records that the group fires at `instantMs` and returns the decision. */
  fire(groupKey: string, instantMs: number, facts: DecisionFacts, triggerSeq?: number): AlertDecision {
    const alertId = alertIdOf({
      ruleId: this.#rule.id,
      groupKey,
      fromMs: facts.fromMs,
      toMs: facts.toMs,
      ...(triggerSeq === undefined ? {} : { triggerSeq }),
    });
    this.#entries.set(
      groupKey,
      this.#rule.resolve
        ? { lastFiredMs: instantMs, open: { alertId, firedMs: instantMs } }
        : { lastFiredMs: instantMs },
    );
    if (this.#rule.resolve) this.#open.add(groupKey);
    return this.#decision("fired", alertId, groupKey, facts);
  }

  /** The instant the group's open alert fired at, if it has one. */
  openSince(groupKey: string): number | undefined {
    return this.#entries.get(groupKey)?.open?.firedMs;
  }

  /** When the group's cooldown ends (the last firing instant + cooldown), if it fired. */
  cooldownEndsMs(groupKey: string): number | undefined {
    const entry = this.#entries.get(groupKey);
    return entry === undefined ? undefined : entry.lastFiredMs + this.#rule.cooldownMs;
  }

  /** The keys of the groups with an open alert, the first opened first (ties: by key). */
  openGroups(): string[] {
    if (this.#open.size === 0) return [];
    const since = (key: string) => this.#entries.get(key)?.open?.firedMs as number;
    return [...this.#open].sort((a, b) => since(a) - since(b) || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Resolves the group's open alert; `undefined` when it has none. */
  resolve(groupKey: string, facts: DecisionFacts): AlertDecision | undefined {
    const entry = this.#entries.get(groupKey);
    if (!entry?.open) return undefined;
    const { alertId } = entry.open;
    delete entry.open;
    this.#open.delete(groupKey);
    return this.#decision("resolved", alertId, groupKey, facts);
  }

  /** Whether the book still holds anything about the group. */
  has(groupKey: string): boolean {
    return this.#entries.has(groupKey);
  }

  /** Forgets groups whose cooldown ended before `instantMs` and that have no open alert. */
  prune(instantMs: number): void {
    for (const [key, entry] of this.#entries) {
      if (!entry.open && entry.lastFiredMs + this.#rule.cooldownMs <= instantMs) this.#entries.delete(key);
    }
  }

  /** The JSON form: `[key, lastFiredMs, openAlertId?, openFiredMs?]` per group, in order. */
  toJSON(): unknown {
    return [...this.#entries].map(([key, e]) =>
      e.open ? [key, e.lastFiredMs, e.open.alertId, e.open.firedMs] : [key, e.lastFiredMs],
    );
  }

  #decision(
    type: "fired" | "resolved",
    alertId: string,
    groupKey: string,
    facts: DecisionFacts,
  ): AlertDecision {
    return {
      type,
      alertId,
      ruleId: this.#rule.id,
      group: this.#keyer.groupOf(groupKey),
      groupKey,
      window: { fromMs: facts.fromMs, toMs: facts.toMs },
      count: facts.count,
      evidenceSeqs: capEvidence(facts.seqsInTimeOrder),
    };
  }
}
