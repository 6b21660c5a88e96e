import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import type { AlertDecision } from "../alert-decision.js";
import { FieldReader } from "../field-reader.js";
import type { GroupKeyer } from "../group-keyer.js";
import { type AdvancedTime, type EngineTime, KindEvaluator } from "../kind-evaluator.js";
import { MAX_LEARNED_VALUES } from "../state-limits.js";

type NewValueCondition = Extract<CompiledRule["condition"], { kind: "new_value" }>;

/**
 * `new_value`: a value of `field` never seen for the group before. The learning period starts at
 * the timestamp of the first event the rule sees (with the field) and lasts `learn`: events
 * before its end only teach values. After it, an event whose value the group has not shown fires
 * at its timestamp (count 1, the event as evidence) unless the group is in cooldown; either way
 * the value is learned, so it never fires twice. Events without the field are ignored; late
 * events count (nothing is windowed).
 *
 * At most {@link MAX_LEARNED_VALUES} (group, value) pairs are remembered per rule: past that, the
 * pair seen least recently is forgotten, and alerts again as new if it comes back.
 */
export class NewValueKind extends KindEvaluator {
  readonly windowed = false;
  readonly #field: FieldReader;
  readonly #learnMs: number;
  /** When learning started (the first event's timestamp). */
  #learnFromMs: number | undefined;
  /** Every (group, value) pair seen, least recently seen first. */
  readonly #seen: Map<string, true>;

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown, saved: unknown) {
    super(rule, keyer, savedBook);
    const condition = rule.condition as NewValueCondition;
    this.#field = new FieldReader(condition.field);
    this.#learnMs = condition.learnMs;
    const state = saved as { from: number | null; seen: string[] } | undefined;
    this.#learnFromMs = state?.from ?? undefined;
    this.#seen = new Map((state?.seen ?? []).map((pair) => [pair, true]));
  }

  observe(event: ObservedEvent, _time: EngineTime, out: AlertDecision[]): void {
    const text = this.#field.text(event);
    if (text === "null") return;
    const t = event.timestampMs;
    this.#learnFromMs ??= t;
    const key = this.keyer.keyOf(event);
    const pair = `${key}\n${text}`;
    const known = this.#seen.delete(pair);
    this.#seen.set(pair, true);
    if (this.#seen.size > MAX_LEARNED_VALUES) {
      this.#seen.delete(this.#seen.keys().next().value as string);
    }
    if (known || t < this.#learnFromMs + this.#learnMs || this.book.blocked(key, t)) return;
    out.push(
      this.book.fire(key, t, { fromMs: t, toMs: t, count: 1, seqsInTimeOrder: [event.seq] }, event.seq),
    );
  }

  advance(_time: AdvancedTime): void {}

  saveState(): unknown {
    return { from: this.#learnFromMs ?? null, seen: [...this.#seen.keys()] };
  }
}
