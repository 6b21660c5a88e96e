import { counted } from "../../human/counted.js";
import { humanTimestamp } from "../../human/human-time.js";
import type { Condition } from "../../read-model/event-filter.js";
import type { Finding, Report } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { countTable, eventTable, NEWEST_BY_TIME, summarySection } from "./blocks.js";

const LISTED = 50;
/** Failed sign-ins by one actor within one hour that make a burst. */
const BURST_PER_HOUR = 5;
/** Actors checked for bursts (those with the most failed sign-ins). */
const BURST_CANDIDATES = 10;
const HOUR = 3_600_000;

const FAILED_LOGIN: readonly Condition[] = [
  { field: "category", op: "eq", value: "authentication" },
  { field: "outcome", op: "eq", value: "failure" },
];
const INTEGRITY_FAILURE: readonly Condition[] = [
  { field: "action", op: "prefix", value: "integrity." },
  { field: "outcome", op: "eq", value: "failure" },
];
const KEY_ACCESS: Condition = { field: "category", op: "eq", value: "key_management" };
const CONFIGURATION: Condition = { field: "category", op: "eq", value: "configuration" };
const WARNING_OR_WORSE: Condition = { field: "severity", op: "gte", value: "warning" };

/**
 * The security incidents report: failed sign-ins and bursts of them (five or more by one actor
 * within an hour), integrity failures (recorded ones, and the store's own verification),
 * key management activity, configuration changes, and events of severity warning and above.
 *
 * @example
 * ```ts
 * const report = await securityIncidents(log, scope);
 * ```
 */
export async function securityIncidents(source: ReportSource, scope: ReportScope): Promise<Report> {
  const failedLogins = scope.narrow(...FAILED_LOGIN);
  const integrity = scope.narrow(...INTEGRITY_FAILURE);
  const keys = scope.narrow(KEY_ACCESS);
  const config = scope.narrow(CONFIGURATION);
  const severe = scope.narrow(WARNING_OR_WORSE);
  const [
    failedCount,
    failedByActor,
    failedByIp,
    integrityCount,
    integrityEvents,
    keyCount,
    keyByAction,
    keyEvents,
    configCount,
    configEvents,
    severeCount,
    severeBySeverity,
    severeEvents,
  ] = await Promise.all([
    source.count(failedLogins),
    source.countBy(failedLogins, "actor", BURST_CANDIDATES),
    source.countBy(failedLogins, "field:actor.ip", 20),
    source.count(integrity),
    source.query(integrity, { limit: LISTED, ...NEWEST_BY_TIME }),
    source.count(keys),
    source.countBy(keys, "action", 20),
    source.query(keys, { limit: LISTED, ...NEWEST_BY_TIME }),
    source.count(config),
    source.query(config, { limit: LISTED, ...NEWEST_BY_TIME }),
    source.count(severe),
    source.countBy(severe, "severity", 10),
    source.query(severe, { limit: LISTED, ...NEWEST_BY_TIME }),
  ]);

  // Bursts: for the actors with the most failures, the hours in which they failed often.
  const bursts: Array<{ actor: string | null; hour: string; failures: number; seqs: number[] }> = [];
  for (const row of failedByActor) {
    if (row.count < BURST_PER_HOUR || row.key === null) continue;
    const actor: Condition = { field: "actor.id", op: "eq", value: row.key };
    const perHour = await source.countBy(scope.narrow(...FAILED_LOGIN, actor), "hour", 10_000);
    for (const h of perHour) {
      if (h.count < BURST_PER_HOUR || h.key === null) continue;
      const start = Date.parse(h.key);
      const inHour = await source.query(
        { ...scope.narrow(...FAILED_LOGIN, actor), since: start, until: start + HOUR },
        { limit: 10, order: "asc", sort: "timestamp" },
      );
      bursts.push({ actor: row.key, hour: h.key, failures: h.count, seqs: inHour.events.map((e) => e.seq) });
    }
  }

  const findings: Finding[] = [];
  for (const b of bursts) {
    findings.push({
      severity: "high",
      title: `Burst of ${counted(b.failures, "failed sign-in")} by ${b.actor} in the hour from ${humanTimestamp(b.hour)}`,
      detail: `${BURST_PER_HOUR} or more failed sign-ins by one actor within an hour suggest password guessing or a broken client.`,
      evidenceSeqs: b.seqs,
    });
  }
  const storeVerified = scope.storeVerified;
  if (storeVerified === false) {
    findings.push({
      severity: "critical",
      title: "The audit log failed verification",
      detail:
        "`sealtrail verify` found events or tiles that do not match the signed tree: the log was altered. Run it for the first bad seq.",
    });
  }
  if (integrityCount > 0) {
    findings.push({
      severity: "high",
      title: `${counted(integrityCount, "integrity check failure")} recorded`,
      detail: "Events reporting failed integrity checks (packages, files or data).",
      evidenceSeqs: integrityEvents.events.slice(0, 10).map((e) => e.seq),
    });
  }

  return {
    provenance: scope.provenance("security-incidents", "Security incidents"),
    sections: [
      summarySection(
        [
          { label: "Failed sign-ins", value: failedCount },
          { label: "Bursts of failed sign-ins", value: bursts.length },
          { label: "Integrity failures recorded", value: integrityCount },
          {
            label: "Store verification",
            value: storeVerified === undefined ? "not checked" : storeVerified ? "verified" : "FAILED",
          },
          { label: "Key management events", value: keyCount },
          { label: "Configuration changes", value: configCount },
          { label: "Warning or worse", value: severeCount },
        ],
        findings,
      ),
      {
        id: "failed-logins",
        title: "Failed sign-ins",
        blocks: [
          countTable("By actor", "Actor", failedByActor, failedCount),
          countTable("By address", "IP", failedByIp, failedCount),
          {
            kind: "table",
            title: `Bursts (${BURST_PER_HOUR} or more by one actor within an hour)`,
            columns: [
              { key: "actor", label: "Actor" },
              { key: "hour", label: "Hour", type: "timestamp" },
              { key: "failures", label: "Failures" },
              { key: "seqs", label: "First seqs" },
            ],
            rows: bursts.map((b) => ({
              actor: b.actor,
              hour: b.hour,
              failures: b.failures,
              seqs: b.seqs.join(" "),
            })),
          },
        ],
      },
      {
        id: "integrity",
        title: "Integrity",
        blocks: [
          eventTable("Recorded integrity failures", integrityEvents.events, integrityCount, scope.level),
        ],
      },
      {
        id: "keys",
        title: "Key management",
        blocks: [
          countTable("By action", "Action", keyByAction, keyCount),
          eventTable("Key management events", keyEvents.events, keyCount, scope.level),
        ],
      },
      {
        id: "configuration",
        title: "Configuration changes",
        blocks: [eventTable("Configuration changes", configEvents.events, configCount, scope.level)],
      },
      {
        id: "severe",
        title: "Warning and above",
        blocks: [
          countTable("By severity", "Severity", severeBySeverity, severeCount),
          eventTable("Warning or worse", severeEvents.events, severeCount, scope.level),
        ],
      },
    ],
  };
}
