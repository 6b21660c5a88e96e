/**
 * The rule engine's throughput (`BENCH_ONLY=backtest`): `backtest` of 100 rules of every kind
 * over stored sample events held in memory (so the figure is the engine's, not the store's),
 * beside parsing the same events' JSON alone, measured in the same run.
 */

import { backtest } from "../src/alerting/backtest.js";
import type { AlertDecision } from "../src/alerting/engine/alert-decision.js";
import { compileRules } from "../src/alerting/rules/compile-rules.js";
import type { AlertRuleConfig } from "../src/alerting/rules/rule-schema.js";
import { sampleEvents } from "../src/demo/sample-events.js";
import { prepareEvent } from "../src/event/prepare-event.js";
import { sealedJson } from "../src/event/prepared-event.js";
import type { StoredEvent } from "../src/read-model/stored-event.js";

/** A row of the bench table (the same shape as bench/run.ts's). */
export interface BacktestRow {
  figure: string;
  sealtrail: string;
  peer: string;
  ratio: string;
  target: string;
}

export interface BacktestBenchOptions {
  /** BENCH_SCALE: 200,000 events × scale. */
  scale: number;
  log: (text: string) => void;
}

const TENANTS = ["acme", "globex", "initech"];

/** Events per second of the generated history (a busy service: 200,000 events ≈ 2.8 hours). */
const EVENTS_PER_SECOND = 20;

/**
 * 100 rules over the sample events: every kind, each kind in variants (different filters,
 * groups, windows), some filtering on the action and some not (so that every event is shown
 * to them).
 */
export function benchRules(): AlertRuleConfig[] {
  const kinds: ((i: number, tenant: string) => Partial<AlertRuleConfig>)[] = [
    (i, tenant) => ({
      match: i % 2 ? ["action=package.scan", "outcome=failure", `tenant=${tenant}`] : ["severity>=error"],
      group_by: i % 2 ? [] : ["tenant"],
      cooldown: "10m",
      any: true,
    }),
    (i) => ({
      match: i % 2 ? ["action=user.login_failed"] : ["outcome=failure"],
      group_by: i % 2 ? ["actor.id"] : ["tenant"],
      threshold: { count: 3 + (i % 5), window: `${1 + (i % 5)}m` },
    }),
    (_i, tenant) => ({
      match: ["outcome=failure"],
      group_by: ["tenant"],
      resolve: true,
      ratio: { of: ["action=email.sent", `tenant=${tenant}`], at_least: 0.15, min_events: 20, window: "10m" },
    }),
    (i) => ({
      match: ["action=user.login"],
      group_by: i % 2 ? ["actor.id"] : [],
      distinct: { field: i % 2 ? "actor.ip" : "actor.id", count: 4 + (i % 3), window: "10m" },
    }),
    (_i, tenant) => ({
      match: ["action=key.rotate", `tenant=${tenant}`],
      group_by: ["actor.id"],
      new_value: { field: "actor.ip", learn: "30m" },
    }),
    (i) => ({
      group_by: ["actor.id"],
      sequence: {
        steps: [["action=user.login_failed"], ["action=config.update"]],
        within: `${1 + (i % 10)}m`,
        ordered: i % 2 === 1,
      },
    }),
    (_i, tenant) => ({ match: ["action=lead.routed", `tenant=${tenant}`], absence: { window: "5s" } }),
    (i) => ({
      match: ["action=crm.update"],
      group_by: ["tenant"],
      resolve: true,
      degradation: { percentile: 90 + (i % 9), window: "10m", baseline: "1h", factor: 1.2 },
    }),
    () => ({ match: ["action=certificate.issue"], cooldown: "1d", expiry: { within: "30d" } }),
  ];
  return Array.from({ length: 100 }, (_, i) => ({
    id: `rule-${i}`,
    title: `Rule ${i}`,
    severity: "medium",
    match: [],
    channels: ["ops"],
    ...(kinds[i % kinds.length] as (i: number, tenant: string) => Partial<AlertRuleConfig>)(
      i,
      TENANTS[i % 3] as string,
    ),
  }));
}

/** `count` sample events, sealed as the store seals them, {@link EVENTS_PER_SECOND} a second. */
function storedSampleEvents(count: number): StoredEvent[] {
  const startMs = Date.UTC(2026, 0, 1);
  const stepMs = 1000 / EVENTS_PER_SECOND;
  return sampleEvents(count, { seed: 5, stepMs, startMs }).map((input, seq) => ({
    seq,
    json: sealedJson(prepareEvent(input, { receivedAt: startMs + seq * stepMs }), seq),
  }));
}

async function* inBatches(events: readonly StoredEvent[], size: number): AsyncIterable<StoredEvent[]> {
  for (let i = 0; i < events.length; i += size) yield events.slice(i, i + size);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Backtest throughput with 100 rules, beside bare `JSON.parse` of the same events. */
export async function backtestThroughput(options: BacktestBenchOptions): Promise<BacktestRow[]> {
  const count = Math.round(200_000 * options.scale);
  options.log(`backtest: sealing ${fmt(count)} sample events…`);
  const events = storedSampleEvents(count);
  const rules = compileRules(benchRules(), { basePath: "rules" });
  const nowMs = Date.UTC(2026, 0, 1) + (count * 1000) / EVENTS_PER_SECOND + 3_600_000;
  const engine: number[] = [];
  const parse: number[] = [];
  let decisions: AlertDecision[] = [];
  for (let run = 0; run < 3; run++) {
    let started = performance.now();
    let sink = 0;
    for (const e of events) sink += (JSON.parse(e.json) as { seq: number }).seq;
    parse.push(count / ((performance.now() - started) / 1000));
    if (sink < 0) throw new Error("unreachable");
    started = performance.now();
    decisions = await backtest(inBatches(events, 1000), rules, { nowMs });
    engine.push(count / ((performance.now() - started) / 1000));
  }
  options.log(`backtest: ${fmt(decisions.length)} decisions from ${rules.length} rules`);
  return [
    {
      figure: `\`backtest\` of ${rules.length} rules of every kind over ${fmt(count)} stored events in memory (events/s, median of 3)`,
      sealtrail: fmt(median(engine)),
      peer: `\`JSON.parse\` of the same events alone: ${fmt(median(parse))}`,
      ratio: (median(engine) / median(parse)).toFixed(2),
      target: "≥ 200,000 events/s",
    },
  ];
}
