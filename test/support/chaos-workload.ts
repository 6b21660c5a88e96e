/**
 * The workload of the alerting chaos test: a deterministic stream of events (each with its own
 * id, so that re-sending one after a crash is a duplicate, not a new event) and about thirty
 * rules of the kinds judged on events alone (any, threshold, ratio, distinct, new_value,
 * sequence) grouped by the events' fields. The kinds judged by the wall clock (absence, expiry,
 * degradation) and `resolve` are left out: live, time passing is the wall clock; in a backtest it
 * is event time, so those may legitimately differ between the two.
 */
import { createHash } from "node:crypto";

/** A generated event, as sent over HTTP. */
export interface ChaosEvent {
  readonly id: string;
  readonly timestamp: string;
  readonly action: string;
  readonly outcome: "success" | "failure";
  readonly severity: "info" | "warning" | "error" | "critical";
  readonly tenant: string;
  readonly actor: { readonly id: string; readonly ip: string };
  readonly target: { readonly type: string; readonly id: string };
  readonly duration_ms: number;
  readonly details: { readonly endpoint: string; readonly n: number };
}

/** Options of {@link chaosEvents}. */
export interface ChaosEventsOptions {
  /** Seeds the generator: the same seed gives the same events (ids included). */
  readonly seed: number;
  /** The first event's time (Unix ms). */
  readonly startMs: number;
  /** Events per second of event time (the rate they are offered at). */
  readonly rate: number;
}

/** A small, fast, seedable PRNG (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A UUID (version 4 layout) derived from `name`: the same name, the same id. */
function uuidOf(name: string): string {
  const b = createHash("sha256").update(name).digest().subarray(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const TENANTS = ["acme", "globex", "initech", "umbrella"];
const ENDPOINTS = ["/orders", "/users", "/search", "/billing", "/export", "/health"];
const USERS = Array.from({ length: 60 }, (_, i) => `user-${String(i).padStart(2, "0")}`);
const ATTACKERS = ["mallory", "trudy", "eve"];

/** The home address of a user (most of their events come from it). */
function homeIp(user: string): string {
  const n = Number.parseInt(createHash("sha256").update(user).digest("hex").slice(0, 4), 16);
  return `10.${(n >> 8) & 0xff}.${n & 0xff}.1`;
}

/**
 * `count` events, one every `1000 / rate` ms of event time from `startMs`, in a mix of sign-ins
 * (with bursts of failures from a few attackers, from many addresses), API calls, payments,
 * downloads, configuration changes, key exports and grants, over four tenants.
 *
 * @example
 * ```ts
 * const events = chaosEvents(20_000, { seed: 7, startMs: Date.now(), rate: 5000 });
 * ```
 */
export function chaosEvents(count: number, options: ChaosEventsOptions): ChaosEvent[] {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const events: ChaosEvent[] = [];
  // An attack: a burst of failed sign-ins by one attacker from many addresses, then a success,
  // a key export and a grant (sequences), spread over the following events.
  let attack: { actor: string; left: number } | undefined;
  for (let i = 0; i < count; i++) {
    const timestamp = new Date(options.startMs + Math.floor((i * 1000) / options.rate)).toISOString();
    if (!attack && random() < 1 / 700)
      attack = { actor: pick(ATTACKERS), left: 40 + Math.floor(random() * 30) };
    const user = attack && random() < 0.5 ? attack.actor : pick(USERS);
    const attacking = attack !== undefined && user === attack.actor;
    const r = random();
    let action: string;
    let outcome: "success" | "failure" = "success";
    let ip =
      random() < 0.97 ? homeIp(user) : `172.16.${Math.floor(random() * 8)}.${Math.floor(random() * 60)}`;
    if (attacking) {
      const a = attack as { actor: string; left: number };
      a.left--;
      ip = `203.0.113.${Math.floor(random() * 200)}`;
      if (a.left > 3) {
        action = "user.login";
        outcome = "failure";
      } else if (a.left === 3) action = "user.login";
      else if (a.left === 2) action = "key.export";
      else action = random() < 0.5 ? "admin.grant" : "config.update";
      if (a.left <= 0) attack = undefined;
    } else if (r < 0.28) {
      action = "user.login";
      outcome = random() < 0.08 ? "failure" : "success";
    } else if (r < 0.5) {
      action = "api.call";
      outcome = random() < 0.04 ? "failure" : "success";
    } else if (r < 0.6) {
      action = "payment.charge";
      outcome = random() < 0.1 ? "failure" : "success";
    } else if (r < 0.72) {
      action = "file.download";
      outcome = random() < 0.03 ? "failure" : "success";
    } else if (r < 0.8) action = "user.logout";
    else if (r < 0.88) {
      action = "db.query";
      outcome = random() < 0.02 ? "failure" : "success";
    } else if (r < 0.94) action = "config.update";
    else if (r < 0.975) action = "key.export";
    else action = "admin.grant";
    const failed = outcome === "failure";
    events.push({
      id: uuidOf(`chaos-${options.seed}-${i}`),
      timestamp,
      action,
      outcome,
      severity: failed ? (random() < 0.05 ? "critical" : "error") : random() < 0.1 ? "warning" : "info",
      tenant: pick(TENANTS),
      actor: { id: user, ip },
      target: { type: "resource", id: `res-${Math.floor(random() * 400)}` },
      duration_ms: Math.round(5 + random() * 200),
      details: { endpoint: pick(ENDPOINTS), n: i },
    });
  }
  return events;
}

/** The kinds the chaos rules use: those judged on events alone. */
export const CHAOS_RULE_KINDS = ["any", "threshold", "ratio", "distinct", "new_value", "sequence"] as const;

/**
 * Thirty rules over {@link chaosEvents}, each kind in several variants (filters, groups,
 * windows of a second or two of event time, cooldowns), all sending to `channels`.
 */
export function chaosRules(channels: readonly string[]): Array<Record<string, unknown>> {
  const rule = (id: string, fields: Record<string, unknown>) => ({
    id,
    title: id.replaceAll("-", " "),
    severity: "high",
    match: [],
    channels: [...channels],
    ...fields,
  });
  const attackers = "actor.ip=203.0.113.*";
  return [
    // any
    rule("grant-any", { match: ["action=admin.grant"], group_by: ["tenant"], cooldown: "5s", any: true }),
    rule("critical-any", { match: ["severity=critical"], group_by: ["tenant"], cooldown: "5s", any: true }),
    rule("export-by-attacker-any", {
      match: ["action=key.export", attackers],
      group_by: ["actor.id"],
      cooldown: "1s",
      any: true,
    }),
    rule("attacker-config-any", {
      match: ["action=config.update,admin.grant", attackers],
      group_by: ["actor.id", "action"],
      cooldown: "3s",
      any: true,
    }),
    rule("billing-failure-any", {
      match: ["action=api.call", "outcome=failure", "details.endpoint=/billing"],
      cooldown: "1s",
      any: true,
    }),
    // threshold
    rule("failed-logins", {
      match: ["action=user.login", "outcome=failure"],
      group_by: ["actor.id"],
      cooldown: "2s",
      threshold: { count: 8, window: "2s" },
    }),
    rule("api-failures-by-tenant", {
      match: ["action=api.call", "outcome=failure"],
      group_by: ["tenant"],
      cooldown: "2s",
      threshold: { count: 6, window: "1s" },
    }),
    rule("payment-failures", {
      match: ["action=payment.charge", "outcome=failure"],
      cooldown: "1s",
      threshold: { count: 12, window: "1s" },
    }),
    rule("downloads-by-actor", {
      match: ["action=file.download"],
      group_by: ["actor.id"],
      cooldown: "5s",
      threshold: { count: 24, window: "2s" },
    }),
    rule("db-errors", {
      match: ["action=db.query", "outcome=failure"],
      group_by: ["tenant", "details.endpoint"],
      cooldown: "1s",
      threshold: { count: 2, window: "1s" },
    }),
    // ratio
    rule("payment-failure-ratio", {
      match: ["outcome=failure"],
      group_by: ["tenant"],
      cooldown: "2s",
      ratio: { of: ["action=payment.charge"], at_least: 0.18, min_events: 20, window: "1s" },
    }),
    rule("login-failure-ratio", {
      match: ["outcome=failure"],
      group_by: ["tenant"],
      cooldown: "2s",
      ratio: { of: ["action=user.login"], at_least: 0.25, min_events: 30, window: "1s" },
    }),
    rule("api-failure-ratio-by-endpoint", {
      match: ["outcome=failure"],
      group_by: ["details.endpoint"],
      cooldown: "3s",
      ratio: { of: ["action=api.call"], at_least: 0.08, min_events: 15, window: "1s" },
    }),
    rule("warning-ratio", {
      match: ["severity>=warning"],
      cooldown: "2s",
      ratio: { of: ["action=db.query,config.update"], at_least: 0.14, min_events: 40, window: "1s" },
    }),
    // distinct
    rule("login-ips-per-actor", {
      match: ["action=user.login"],
      group_by: ["actor.id"],
      cooldown: "2s",
      distinct: { field: "actor.ip", count: 6, window: "2s" },
    }),
    rule("targets-per-actor", {
      match: ["action=file.download"],
      group_by: ["actor.id"],
      cooldown: "5s",
      distinct: { field: "target.id", count: 24, window: "2s" },
    }),
    rule("actors-per-ip", {
      match: ["action=user.login", "outcome=failure"],
      group_by: ["actor.ip"],
      cooldown: "2s",
      distinct: { field: "actor.id", count: 3, window: "0.4s" },
    }),
    rule("endpoints-per-tenant", {
      match: ["action=api.call", "outcome=failure"],
      group_by: ["tenant"],
      cooldown: "2s",
      distinct: { field: "details.endpoint", count: 4, window: "1s" },
    }),
    rule("tenants-per-exporter", {
      match: ["action=key.export"],
      group_by: ["actor.id"],
      cooldown: "10s",
      distinct: { field: "tenant", count: 4, window: "0.5s" },
    }),
    // new_value
    rule("new-ip-for-tenant", {
      match: ["action=user.login", "outcome=success"],
      group_by: ["tenant"],
      cooldown: "5s",
      new_value: { field: "actor.ip", learn: "1s" },
    }),
    rule("new-exporter-for-tenant", {
      match: ["action=key.export"],
      group_by: ["tenant"],
      cooldown: "5s",
      new_value: { field: "actor.id", learn: "2s" },
    }),
    rule("new-grant-target", {
      match: ["action=admin.grant"],
      group_by: ["tenant"],
      cooldown: "5s",
      new_value: { field: "target.id", learn: "0.5s" },
    }),
    rule("new-endpoint-for-actor", {
      match: ["action=api.call"],
      group_by: ["actor.id"],
      cooldown: "5s",
      new_value: { field: "details.endpoint", learn: "2s" },
    }),
    rule("new-ip-for-payments", {
      match: ["action=payment.charge"],
      group_by: ["tenant"],
      cooldown: "5s",
      new_value: { field: "actor.ip", learn: "1s" },
    }),
    // sequence
    rule("fail-then-succeed", {
      match: ["action=user.login", attackers],
      group_by: ["actor.id"],
      cooldown: "2s",
      sequence: { steps: [["outcome=failure"], ["outcome=success"]], within: "1s" },
    }),
    rule("login-then-export", {
      match: [attackers],
      group_by: ["actor.id"],
      cooldown: "2s",
      sequence: { steps: [["action=user.login", "outcome=success"], ["action=key.export"]], within: "1s" },
    }),
    rule("grant-then-config", {
      match: ["tenant=acme"],
      group_by: ["actor.id"],
      cooldown: "5s",
      sequence: { steps: [["action=admin.grant"], ["action=config.update"]], within: "0.3s" },
    }),
    rule("export-and-download-any-order", {
      match: ["tenant=globex"],
      group_by: ["actor.id"],
      cooldown: "5s",
      sequence: {
        steps: [["action=key.export"], ["action=file.download"]],
        within: "0.1s",
        ordered: false,
      },
    }),
    rule("takeover-chain", {
      match: [attackers],
      group_by: ["actor.id"],
      cooldown: "5s",
      sequence: {
        steps: [
          ["action=user.login", "outcome=failure"],
          ["action=user.login", "outcome=success"],
          ["action=key.export"],
        ],
        within: "2s",
      },
    }),
    rule("failed-payment-then-logout", {
      group_by: ["tenant"],
      cooldown: "2s",
      sequence: {
        steps: [["action=payment.charge", "outcome=failure"], ["action=user.logout"]],
        within: "0.5s",
      },
    }),
  ];
}
