import type { CompiledRule, ObservedEvent } from "../../rule-model.js";
import type { AlertDecision } from "../alert-decision.js";
import type { GroupKeyer } from "../group-keyer.js";
import { type AdvancedTime, KindEvaluator } from "../kind-evaluator.js";

/**
 * `any`: every matching event fires, at its own timestamp, unless its group is in cooldown. The
 * window is the event's instant (`fromMs = toMs = timestamp`), the count 1, the evidence the
 * event. Late events count too (nothing is windowed).
 */
export class AnyKind extends KindEvaluator {
  readonly windowed = false;

  constructor(rule: CompiledRule, keyer: GroupKeyer, savedBook: unknown) {
    super(rule, keyer, savedBook);
  }

  observe(event: ObservedEvent, _time: unknown, out: AlertDecision[]): void {
    const key = this.keyer.keyOf(event);
    const t = event.timestampMs;
    if (this.book.blocked(key, t)) return;
    out.push(
      this.book.fire(key, t, { fromMs: t, toMs: t, count: 1, seqsInTimeOrder: [event.seq] }, event.seq),
    );
  }

  advance(_time: AdvancedTime): void {}

  saveState(): unknown {
    return null;
  }
}
