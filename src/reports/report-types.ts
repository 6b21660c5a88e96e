import { SealtrailError } from "../errors.js";
import { loadCryptoPolicy } from "./crypto-policy.js";
import type { Report } from "./report-model.js";
import type { ReportScope, ReportSource } from "./report-source.js";
import { accessReport } from "./types/access-report.js";
import { activitySummary } from "./types/activity-summary.js";
import { certificateExpiry } from "./types/certificate-expiry.js";
import { cryptoCompliance } from "./types/crypto-compliance.js";
import { keyUsage } from "./types/key-usage.js";
import { performanceReport } from "./types/performance-report.js";
import { policyViolations } from "./types/policy-violations.js";
import { securityIncidents } from "./types/security-incidents.js";

/** A kind of report: what it covers and how it is built. */
export interface ReportType {
  readonly id: string;
  readonly title: string;
  /** One paragraph: what the report shows and for whom. */
  readonly description: string;
  /** The period when none is given (`24h`, `7d`). */
  readonly defaultPeriod: string;
  build(source: ReportSource, scope: ReportScope, options: ReportTypeOptions): Promise<Report>;
}

/** Options some report types take (the others ignore them). */
export interface ReportTypeOptions {
  /** crypto-compliance: a crypto policy file (JSON); else the default policy. */
  readonly policy?: string | undefined;
  /** certificate-expiry: the horizon in days (default 30). */
  readonly days?: number | undefined;
  /** key-usage: the rotation period in days (default 90). */
  readonly rotationDays?: number | undefined;
  /** compliance: the framework whose control map is checked (`soc2`, `hipaa`, `pci-dss`, `gdpr`). */
  readonly framework?: string | undefined;
}

/** The report types `reports/` defines itself, in the order `sealtrail report --list` shows them. */
const BUILT_IN_TYPES: readonly ReportType[] = [
  {
    id: "activity-daily",
    title: "Daily activity summary",
    description:
      "Totals, events per hour, outcomes and categories, failures by action and error code, per-workflow figures, top actors and actions, the most recent events, and findings (a failure rate above 5 %, critical events).",
    defaultPeriod: "24h",
    build: (source, scope) => activitySummary(source, scope, "daily"),
  },
  {
    id: "activity-weekly",
    title: "Weekly activity summary",
    description: "The activity summary over a week, with events per day.",
    defaultPeriod: "7d",
    build: (source, scope) => activitySummary(source, scope, "weekly"),
  },
  {
    id: "access",
    title: "Access report",
    description:
      "Who accessed what (by actor, target and action), failed and denied access, privileged and administrative actions, and access to the audit log itself.",
    defaultPeriod: "7d",
    build: accessReport,
  },
  {
    id: "security-incidents",
    title: "Security incidents",
    description:
      "Failed sign-ins and bursts of them (5 or more by one actor within an hour), integrity failures (recorded, and the store's own verification with --verify), key management activity, configuration changes, events of severity warning and above.",
    defaultPeriod: "7d",
    build: securityIncidents,
  },
  {
    id: "performance",
    title: "Performance report",
    description:
      "Per operation (action): count, min, max, mean, p50, p95 and p99 of duration_ms (exact, nearest rank; the figures of sealtrail performance), a chart of p95 by operation, and operations whose p95 is at least 1.5 times the previous period's of the same length (at least 20 timed events in both), with their slowest events.",
    defaultPeriod: "7d",
    build: performanceReport,
  },
  {
    id: "policy-violations",
    title: "Policy violations",
    description:
      "Events that reference policies and failed, grouped by policy, with each policy's failure rate and the failing events as evidence (policies found among the newest 10,000 failing events).",
    defaultPeriod: "7d",
    build: (source, scope) => policyViolations(source, scope),
  },
  {
    id: "key-usage",
    title: "Key usage",
    description:
      "Operations per key id and algorithm, key-management activity by action, and keys not rotated within the rotation period (--rotation-days, default 90) before the period's end.",
    defaultPeriod: "30d",
    build: (source, scope, o) => keyUsage(source, scope, { rotationDays: o.rotationDays }),
  },
  {
    id: "certificate-expiry",
    title: "Certificate expiry",
    description:
      "Certificates, in their latest known state, already expired or expiring within --days N (default 30) of the period's end, sorted by days remaining.",
    defaultPeriod: "30d",
    build: (source, scope, o) => certificateExpiry(source, scope, { withinDays: o.days }),
  },
  {
    id: "crypto-compliance",
    title: "Crypto policy compliance",
    description:
      "The latest known state of every key and certificate checked against a crypto policy (--policy FILE: min_key_size, max_validity_days, allowed_algorithms; a default policy otherwise): violations per asset and the compliance percentage.",
    defaultPeriod: "30d",
    build: (source, scope, o) =>
      cryptoCompliance(
        source,
        scope,
        o.policy ? { policy: loadCryptoPolicy(o.policy), policySource: o.policy } : {},
      ),
  },
];

const registered: ReportType[] = [...BUILT_IN_TYPES];

/**
 * Every report type: the built-in ones, then those added with {@link registerReportType}, in
 * the order `sealtrail report --list` and `GET /v1/reports` show them. It is the registry
 * itself, so it includes types registered after it was imported.
 */
export const REPORT_TYPES: readonly ReportType[] = registered;

/**
 * Adds a report type defined outside `reports/` (the `compliance` type is added this way, from
 * `compliance/`, so that `reports/` never imports the modules that build on it). The shells
 * register such types before they list or look up any. Registering the same type again does
 * nothing; another type with an id already taken throws `ST_ERR_USAGE`.
 *
 * @example
 * ```ts
 * registerReportType({ id: "logins", title: "Sign-ins", description: "…", defaultPeriod: "7d", build });
 * reportType("logins").title; // "Sign-ins"
 * ```
 */
export function registerReportType(type: ReportType): void {
  const taken = registered.find((t) => t.id === type.id);
  if (taken === type) return;
  if (taken) {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `report type "${type.id}": expected an id not taken, got one already registered ("${taken.title}")`,
    );
  }
  registered.push(type);
}

/**
 * The report type `id`, or `ST_ERR_USAGE` naming the field `type` and the known ids.
 *
 * @example
 * ```ts
 * reportType("activity-weekly").defaultPeriod; // "7d"
 * ```
 */
export function reportType(id: string): ReportType {
  const found = REPORT_TYPES.find((t) => t.id === id);
  if (!found) {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `type: expected one of ${REPORT_TYPES.map((t) => t.id).join(", ")}, got "${id.slice(0, 100)}"`,
      { details: { field: "type" } },
    );
  }
  return found;
}
