import type { AuditEventInput } from "../event/audit-event.js";

/**
 * Realistic audit events from the producers Sealtrail is built for — a package security
 * scanner, a lead-routing workflow with CRM updates and emails, key rotation and certificate
 * issuance, sign-ins and configuration changes — for the demo, the benchmarks and tests.
 * Deterministic for a given seed; about 350 bytes per event serialized.
 */

/** A small fast seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PACKAGES = [
  "lodash",
  "express",
  "left-pad",
  "axios",
  "react",
  "chalk",
  "minimist",
  "event-stream",
  "ua-parser-js",
  "colors",
];
const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];
const TENANTS = ["acme", "globex", "initech"];
const SOURCES = ["web-form", "partner-api", "webinar", "referral"];
const REPS = ["rep-north", "rep-south", "rep-east", "rep-west"];

/** Options for {@link sampleEvents}. */
export interface SampleOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Time of the first event, Unix ms (default: `count` minutes before now). */
  startMs?: number;
  /** Milliseconds between events (default 60 000). */
  stepMs?: number;
  /** Give every event a deterministic UUID id, so re-sending is idempotent. */
  withIds?: boolean;
}

/**
 * Generates `count` realistic events.
 *
 * @example
 * ```ts
 * for (const event of sampleEvents(300, { seed: 7 })) await log.append(event);
 * ```
 */
export function sampleEvents(count: number, options: SampleOptions = {}): AuditEventInput[] {
  const rnd = random(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const step = options.stepMs ?? 60_000;
  const start = options.startMs ?? Date.now() - count * step;
  const events: AuditEventInput[] = [];
  for (let i = 0; i < count; i++) {
    const timestamp = new Date(start + i * step).toISOString();
    const tenant = pick(TENANTS);
    const user = pick(USERS);
    const ip = `10.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${1 + Math.floor(rnd() * 250)}`;
    const roll = rnd();
    let event: AuditEventInput;
    if (roll < 0.3) {
      const pkg = pick(PACKAGES);
      const version = `${1 + Math.floor(rnd() * 5)}.${Math.floor(rnd() * 20)}.${Math.floor(rnd() * 10)}`;
      const vulnerable = rnd() < 0.08;
      event = {
        timestamp,
        action: rnd() < 0.5 ? "package.install" : "package.scan",
        outcome: vulnerable ? "failure" : "success",
        severity: vulnerable ? "warning" : "info",
        actor: { id: "ci-runner", type: "service", ip },
        target: { type: "package", id: `npm:${pkg}`, name: pkg, version },
        source: { tool: "pkgguard", tool_version: "2.4.1", host: "build-03" },
        tenant,
        policies: ["POL-SUPPLY-CHAIN"],
        duration_ms: Math.round(rnd() * 4000) / 10,
        details: {
          registry: "registry.npmjs.org",
          integrity: vulnerable ? "advisory" : "sha512-ok",
          advisories: vulnerable ? 1 : 0,
        },
        ...(vulnerable
          ? { error: { code: "VULN_FOUND", message: `advisory GHSA for ${pkg}@${version}` } }
          : {}),
      };
    } else if (roll < 0.6) {
      const lead = `L-${100000 + Math.floor(rnd() * 900000)}`;
      const stage = pick(["lead.ingested", "lead.routed", "crm.update", "email.sent"] as const);
      const failed = stage === "email.sent" && rnd() < 0.1;
      event = {
        timestamp,
        action: stage,
        outcome: failed ? "failure" : "success",
        severity: failed ? "error" : "info",
        actor: { id: "lead-router", type: "service" },
        target: { type: stage === "email.sent" ? "email" : "lead", id: lead },
        source: { tool: "automation-orchestrator", component: "lead-routing" },
        tenant,
        context: {
          workflow: "sales",
          lead_id: lead,
          request_id: `req-${Math.floor(rnd() * 1e9).toString(36)}`,
        },
        duration_ms: Math.round(rnd() * 9000) / 10,
        details: { source: pick(SOURCES), assigned_to: pick(REPS), score: Math.floor(rnd() * 100) },
        ...(failed ? { error: { code: "SMTP_451", message: "temporary failure: mailbox busy" } } : {}),
      };
    } else if (roll < 0.72) {
      const cert = rnd() < 0.5;
      const keyId = `kms-key-${Math.floor(rnd() * 40)}`;
      const notBefore = new Date(start + i * step).toISOString();
      const notAfter = new Date(start + i * step + (30 + Math.floor(rnd() * 365)) * 86_400_000).toISOString();
      event = cert
        ? {
            timestamp,
            action: "certificate.issue",
            outcome: "success",
            actor: { id: "cert-manager", type: "service" },
            target: {
              type: "certificate",
              id: `cert-${Math.floor(rnd() * 1e6)}`,
              name: `${pick(["api", "www", "mail"])}.${tenant}.example`,
            },
            source: { tool: "cert-manager", tool_version: "1.14.2" },
            crypto: {
              key_id: keyId,
              algorithm: "ECDSA-P256",
              key_size: 256,
              serial: Math.floor(rnd() * 1e12).toString(16),
              not_before: notBefore,
              not_after: notAfter,
            },
            tenant,
            policies: ["POL-CERT-LIFETIME"],
          }
        : {
            timestamp,
            action: "key.rotate",
            outcome: "success",
            actor: { id: user, type: "user", ip },
            target: { type: "key", id: keyId },
            source: { tool: "kms-console" },
            crypto: {
              key_id: keyId,
              algorithm: pick(["RSA", "ECDSA-P256", "Ed25519"]),
              key_size: pick([2048, 3072, 256]),
            },
            tenant,
            policies: ["POL-KEY-ROTATION"],
          };
    } else if (roll < 0.95) {
      const failed = rnd() < 0.15;
      event = {
        timestamp,
        action: failed ? "user.login_failed" : "user.login",
        outcome: failed ? "failure" : "success",
        severity: failed ? "warning" : "info",
        actor: {
          id: user,
          type: "user",
          ip,
          user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
          session_id: `s-${Math.floor(rnd() * 1e9).toString(36)}`,
        },
        target: { type: "application", id: "console" },
        source: { tool: "sso-gateway", host: "idp-1" },
        tenant,
        policies: ["PCI-DSS-10.2.1.4"],
        ...(failed ? { error: { code: "BAD_PASSWORD", message: "invalid credentials" } } : {}),
      };
    } else {
      event = {
        timestamp,
        action: "config.update",
        outcome: "success",
        severity: "notice",
        actor: { id: user, type: "user", ip },
        target: {
          type: "setting",
          id: pick(["mfa.required", "session.timeout", "scanner.block_on_advisory"]),
        },
        source: { tool: "admin-console" },
        tenant,
        policies: ["PCI-DSS-10.2.1.7"],
        details: { old: String(Math.floor(rnd() * 60)), new: String(Math.floor(rnd() * 60)) },
      };
    }
    if (options.withIds) event.id = deterministicId(options.seed ?? 1, i);
    events.push(event);
  }
  return events;
}

/** A UUIDv7-shaped id fixed by (seed, index). */
function deterministicId(seed: number, index: number): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, "0").slice(-width);
  return `${hex(seed, 8)}-${hex(index >>> 16, 4)}-7${hex(index & 0xfff, 3)}-8${hex(seed >>> 4, 3)}-${hex(index, 12)}`;
}
