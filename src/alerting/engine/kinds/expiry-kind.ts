import { parseRfc3339 } from "../../../event/timestamp.js";
import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import type { AlertDecision } from "../alert-decision.js";
import { eventMemo } from "../event-memo.js";
import { FieldReader } from "../field-reader.js";
import type { GroupKeyer } from "../group-keyer.js";
import { type AdvancedTime, type EngineTime, KindEvaluator } from "../kind-evaluator.js";
import { MAX_ASSETS } from "../state-limits.js";

type ExpiryCondition = Extract<CompiledRule["condition"], { kind: "expiry" }>;

/** What the latest event about an asset recorded. */
interface AssetRecord {
  readonly expiryMs: number;
  /** The recording event's timestamp and seq. */
  readonly t: number;
  readonly seq: number;
}

/** Numbers below this are epoch seconds, at or above it epoch milliseconds (1e11 s is the year 5138). */
const EPOCH_MS_FROM = 1e11;

/**
 * An expiry instant as recorded: an RFC 3339 date-time, a date (`2026-11-01`, midnight UTC), or
 * a number of seconds (below 1e11) or milliseconds since the epoch.
 */
export function expiryInstant(value: unknown): number | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    return Math.abs(value) < EPOCH_MS_FROM ? value * 1000 : value;
  }
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseRfc3339(`${text}T00:00:00Z`) : parseRfc3339(text);
}

/**
 * `expiry`: a key or certificate recorded with an expiry instant in `field` that is within
 * `within` of now, or past. Each asset is a group: the rule's `group_by` if it has one, else the
 * first of `crypto.key_id`, `crypto.serial`, `crypto.fingerprint`, `target.id` the event carries
 * (`ASSET_FIELDS`). An asset's expiry is the one its latest event (by timestamp, then seq)
 * recorded.
 *
 * An asset is judged when an event records it (at the event's timestamp) and, by `advance`, at
 * the instant it comes within `within` of its expiry and at each end of its cooldown while it
 * stays near — so an asset recorded 40 days before expiry alerts when it comes within 30, and is
 * re-raised once per cooldown, not per event. An alert's window runs from the recording event to
 * the firing instant; its count is 1 and its evidence that event. With `resolve: true` the alert
 * stays open and resolves when a later event records an expiry no longer within `within` of its
 * timestamp (a renewal). An asset is forgotten `within` after its expiry (an expired certificate
 * still in use is recorded again by its next event), and at most {@link MAX_ASSETS} are
 * followed: past that, the one recorded least recently is forgotten. Late events count.
 */
export class ExpiryKind extends KindEvaluator {
  readonly windowed = false;
  readonly #condition: ExpiryCondition;
  readonly #field: FieldReader;
  /** The name the expiry instant read from an event is remembered by while the rules look at it. */
  readonly #memoName: string;
  /** Per asset, its record; the asset recorded least recently first. */
  readonly #assets: Map<string, AssetRecord>;
  /** No asset needs attention before this instant (−∞: unknown, look at every asset). */
  #nextDueMs = Number.NEGATIVE_INFINITY;

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown, saved: unknown) {
    super(rule, keyer, savedBook);
    this.#condition = rule.condition as ExpiryCondition;
    this.#field = new FieldReader(this.#condition.field);
    this.#memoName = `expiry:${this.#condition.field}`;
    this.#assets = new Map(
      ((saved ?? []) as [string, number, number, number][]).map(([key, expiryMs, t, seq]) => [
        key,
        { expiryMs, t, seq },
      ]),
    );
  }

  observe(event: ObservedEvent, _time: EngineTime, out: AlertDecision[]): void {
    const memo = eventMemo(event);
    let expiryMs = memo.get(this.#memoName) as number | null | undefined;
    if (expiryMs === undefined) {
      expiryMs = expiryInstant(this.#field.value(event)) ?? null;
      memo.set(this.#memoName, expiryMs);
    }
    if (expiryMs === null) return;
    const key = this.keyer.keyOf(event);
    const t = event.timestampMs;
    const known = this.#assets.get(key);
    if (known && (known.t > t || (known.t === t && known.seq > event.seq))) return;
    this.#assets.delete(key);
    const record = { expiryMs, t, seq: event.seq };
    this.#assets.set(key, record);
    if (this.#assets.size > MAX_ASSETS) this.#assets.delete(this.#assets.keys().next().value as string);
    const facts = this.#facts(record, t);
    if (expiryMs - t <= this.#condition.withinMs) {
      if (!this.book.blocked(key, t)) out.push(this.book.fire(key, t, facts, record.seq));
    } else {
      const resolved = this.book.resolve(key, facts);
      if (resolved) out.push(resolved);
    }
    this.#nextDueMs = Math.min(
      this.#nextDueMs,
      this.#nextFiring(key, record, t),
      expiryMs + this.#condition.withinMs,
    );
  }

  /**
   * The first instant after `afterMs` at which the asset fires if nothing else happens: when it
   * comes within `within`, or when its cooldown ends while it is near; ∞ with an open alert.
   */
  #nextFiring(key: string, record: AssetRecord, afterMs: number): number {
    if (this.book.openSince(key) !== undefined) return Number.POSITIVE_INFINITY;
    const nearFromMs = record.expiryMs - this.#condition.withinMs;
    const ends = this.book.cooldownEndsMs(key);
    let next = Number.POSITIVE_INFINITY;
    if (nearFromMs > afterMs) next = nearFromMs;
    else if (ends !== undefined && ends > afterMs) next = ends;
    if (ends !== undefined && next < ends && this.book.blocked(key, next)) next = ends;
    return next;
  }

  advance(time: AdvancedTime, out: AlertDecision[]): void {
    if (time.nowMs < this.#nextDueMs) return;
    let nextDue = Number.POSITIVE_INFINITY;
    for (const [key, record] of this.#assets) {
      // The record's own instant was judged when it was observed; each later one up to now is here.
      let at = Math.max(time.previousNowMs, record.t);
      for (;;) {
        const next = this.#nextFiring(key, record, at);
        if (next > time.nowMs) {
          nextDue = Math.min(nextDue, next);
          break;
        }
        at = next;
        out.push(this.book.fire(key, at, this.#facts(record, at), record.seq));
      }
      if (this.book.openSince(key) === undefined) {
        const forgetAt = record.expiryMs + this.#condition.withinMs;
        if (time.nowMs >= forgetAt) this.#assets.delete(key);
        else nextDue = Math.min(nextDue, forgetAt);
      }
    }
    this.#nextDueMs = nextDue;
  }

  #facts(record: AssetRecord, atMs: number) {
    return { fromMs: record.t, toMs: atMs, count: 1, seqsInTimeOrder: [record.seq] };
  }

  saveState(): unknown {
    return [...this.#assets].map(([key, r]) => [key, r.expiryMs, r.t, r.seq]);
  }
}
