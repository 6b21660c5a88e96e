import type { AlertDecision } from "../../src/alerting/engine/alert-decision.js";
import { RuleEngine, type RuleEngineOptions } from "../../src/alerting/engine/rule-engine.js";
import { observedEventOf } from "../../src/alerting/observed-event-of.js";
import type { CompiledRule, ObservedEvent } from "../../src/alerting/rule-model.js";
import { compileRules } from "../../src/alerting/rules/compile-rules.js";
import type { AlertRuleConfig } from "../../src/alerting/rules/rule-schema.js";
import { prepareEvent } from "../../src/event/prepare-event.js";
import { sealedJson } from "../../src/event/prepared-event.js";
import type { StoredEvent } from "../../src/read-model/stored-event.js";

/**
 * Hand-built events and rules for the rule engine's tests: events are prepared and sealed as the
 * store seals them, then read back with `observedEventOf`, so the engine sees exactly what it
 * sees live. Times are given in minutes after {@link T0}.
 */

/** 2026-01-01T00:00:00Z: minute 0 of every test. */
export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The instant `minutes` after {@link T0}. */
export const at = (minutes: number): number => T0 + minutes * MINUTE;

/** One event of a test: its seq, its time in minutes after T0, and its fields. */
export type EventSpec = readonly [seq: number, minutes: number, fields: Record<string, unknown>];

/** The stored form of an event (canonical JSON with its seq). */
export function storedEvent([seq, minutes, fields]: EventSpec): StoredEvent {
  const input = { action: "test.event", ...fields, timestamp: new Date(at(minutes)).toISOString() };
  const prepared = prepareEvent(input, { receivedAt: at(minutes) });
  return { seq, json: sealedJson(prepared, seq) };
}

/** Events as the engine observes them. */
export function observed(...specs: EventSpec[]): ObservedEvent[] {
  return specs.map((spec) => observedEventOf(storedEvent(spec)));
}

/** A rule as written, with a title, severity and channels filled in. */
export function ruleConfig(config: Partial<AlertRuleConfig> & { id: string }): AlertRuleConfig {
  return { title: `rule ${config.id}`, severity: "high", match: [], channels: ["ops"], ...config };
}

/** Compiled rules from configs (see {@link ruleConfig}). */
export function rules(...configs: (Partial<AlertRuleConfig> & { id: string })[]): CompiledRule[] {
  return compileRules(configs.map(ruleConfig), { file: "test.yaml", basePath: "alerting.rules" });
}

/** One call to the engine: observe events, or advance to a minute. */
export type Step = { readonly observe: ObservedEvent[] } | { readonly advance: number };

/** Runs the steps on `engine` and returns every decision. */
export function runSteps(engine: RuleEngine, steps: readonly Step[]): AlertDecision[] {
  const decisions: AlertDecision[] = [];
  for (const step of steps) {
    decisions.push(...("observe" in step ? engine.observe(step.observe) : engine.advance(at(step.advance))));
  }
  return decisions;
}

/** Runs the steps on a fresh engine over `compiled`. */
export function run(
  compiled: readonly CompiledRule[],
  steps: readonly Step[],
  options: RuleEngineOptions = {},
) {
  return runSteps(new RuleEngine(compiled, { latenessMs: 0, ...options }), steps);
}

/** A decision as the tests assert it: times in minutes after T0, no id. */
export interface DecisionSummary {
  readonly type: "fired" | "resolved";
  readonly rule: string;
  readonly group: Record<string, unknown>;
  readonly from: number;
  readonly to: number;
  readonly count: number;
  readonly evidence: readonly number[];
}

/** The summary of a decision (see {@link DecisionSummary}). */
export function summary(d: AlertDecision): DecisionSummary {
  return {
    type: d.type,
    rule: d.ruleId,
    group: { ...d.group },
    from: (d.window.fromMs - T0) / MINUTE,
    to: (d.window.toMs - T0) / MINUTE,
    count: d.count,
    evidence: [...d.evidenceSeqs],
  };
}

/** Shorthand for an expected decision. */
export function decision(
  type: "fired" | "resolved",
  rule: string,
  group: Record<string, unknown>,
  from: number,
  to: number,
  count: number,
  evidence: readonly number[],
): DecisionSummary {
  return { type, rule, group, from, to, count, evidence };
}
