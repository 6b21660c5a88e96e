import type { CompiledRule } from "../rule-model.js";
import { assetKeyer, fieldsKeyer } from "./group-keyer.js";
import type { KindEvaluator } from "./kind-evaluator.js";
import { AbsenceKind } from "./kinds/absence-kind.js";
import { AnyKind } from "./kinds/any-kind.js";
import { DegradationKind } from "./kinds/degradation-kind.js";
import { DistinctKind } from "./kinds/distinct-kind.js";
import { ExpiryKind } from "./kinds/expiry-kind.js";
import { NewValueKind } from "./kinds/new-value-kind.js";
import { RatioKind } from "./kinds/ratio-kind.js";
import { SequenceKind } from "./kinds/sequence-kind.js";
import { ThresholdKind } from "./kinds/threshold-kind.js";

/** The saved state of one rule's evaluator: its alert book and its kind's own state. */
export interface SavedRuleState {
  readonly book: unknown;
  readonly state: unknown;
}

/**
 * The evaluator of `rule`'s kind, fresh or rebuilt from its saved state.
 *
 * @example
 * ```ts
 * const evaluator = createKind(rule);              // fresh
 * const again = createKind(rule, savedRuleState);  // as it was saved
 * ```
 */
export function createKind(rule: CompiledRule, saved?: SavedRuleState): KindEvaluator {
  const keyer =
    rule.condition.kind === "expiry" && rule.groupBy.length === 0 ? assetKeyer() : fieldsKeyer(rule.groupBy);
  const book = saved?.book;
  const state = saved?.state;
  switch (rule.condition.kind) {
    case "any":
      return new AnyKind(rule, keyer, book);
    case "threshold":
      return new ThresholdKind(rule, keyer, book, state);
    case "ratio":
      return new RatioKind(rule, keyer, book, state);
    case "distinct":
      return new DistinctKind(rule, keyer, book, state);
    case "new_value":
      return new NewValueKind(rule, keyer, book, state);
    case "sequence":
      return new SequenceKind(rule, keyer, book, state);
    case "absence":
      return new AbsenceKind(rule, keyer, book, state);
    case "degradation":
      return new DegradationKind(rule, keyer, book, state);
    case "expiry":
      return new ExpiryKind(rule, keyer, book, state);
  }
}
