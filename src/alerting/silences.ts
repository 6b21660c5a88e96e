/**
 * Silences: "no notifications for rule R (and group K=V) until T". A silence is an
 * `alert.silence` event in the log (so who silenced what, when and why is on record); the
 * evaluator reads it in seq order like every other event and keeps the active ones in its
 * committed state. A silenced alert is still decided and recorded in the log; only its
 * notifications are held back.
 */

/** One active silence. */
export interface Silence {
  /** The rule id, or `*` for every rule. */
  readonly rule: string;
  /** Group values the alert must have (all of them); empty: every group. */
  readonly group: Readonly<Record<string, string>>;
  /** Unix ms after which it no longer holds. */
  readonly untilMs: number;
  readonly reason: string;
}

/** The `details` of an `alert.silence` event. */
export interface SilenceDetails {
  readonly rule: string;
  readonly group?: Readonly<Record<string, string>>;
  /** RFC 3339. */
  readonly until: string;
  readonly reason: string;
}

/** The active silences. */
export class SilenceList {
  #silences: Silence[];

  constructor(silences: readonly Silence[] = []) {
    this.#silences = [...silences];
  }

  /** Adds the silence an `alert.silence` event records; a malformed one is ignored. */
  add(event: Readonly<Record<string, unknown>>): void {
    const details = event.details as Partial<SilenceDetails> | undefined;
    const untilMs = Date.parse(String(details?.until));
    if (typeof details?.rule !== "string" || !Number.isFinite(untilMs)) return;
    const group: Record<string, string> = {};
    for (const [key, value] of Object.entries(details.group ?? {})) group[key] = String(value);
    this.#silences.push({ rule: details.rule, group, untilMs, reason: String(details.reason ?? "") });
  }

  /** Whether an alert of `rule` with `group` is silenced at `nowMs`. */
  covers(rule: string, group: Readonly<Record<string, unknown>>, nowMs: number): boolean {
    return this.#silences.some(
      (s) =>
        s.untilMs > nowMs &&
        (s.rule === "*" || s.rule === rule) &&
        Object.entries(s.group).every(([key, value]) => String(group[key]) === value),
    );
  }

  /** Forgets silences that have ended. */
  prune(nowMs: number): void {
    this.#silences = this.#silences.filter((s) => s.untilMs > nowMs);
  }

  /** The silences, for the committed state. */
  list(): readonly Silence[] {
    return this.#silences;
  }
}
