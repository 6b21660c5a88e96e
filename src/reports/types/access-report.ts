import type { AuditEvent } from "../../event/audit-event.js";
import { counted } from "../../human/counted.js";
import type { Condition } from "../../read-model/event-filter.js";
import type { Finding, Report } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { byTimeNewestFirst, countTable, eventTable, NEWEST_BY_TIME, summarySection } from "./blocks.js";

const TOP = 20;
const LISTED = 50;

/** Events about access: sign-ins, access decisions, data access. */
const ACCESS: Condition = {
  field: "category",
  op: "in",
  values: ["access", "authentication", "authorization", "data"],
};
/** Privileged and administrative actions: changes of rights, keys, configuration and accounts. */
const PRIVILEGED: readonly Condition[] = [
  { field: "category", op: "in", values: ["authorization", "configuration"] },
  { field: "action", op: "prefix", value: "apikey." },
  { field: "action", op: "prefix", value: "admin." },
  { field: "tags", op: "eq", value: "privileged" },
];
/**
 * Reads of the audit log itself (recorded by the server for every read): its `audit_log.*`
 * events, but not those of its own life (created, started, stopped, configured).
 */
const LOG_ACCESS: readonly Condition[] = [
  { field: "action", op: "prefix", value: "audit_log." },
  {
    field: "action",
    op: "not_glob",
    patterns: [
      "audit_log.init",
      "audit_log.start",
      "audit_log.stop",
      "audit_log.pause",
      "audit_log.resume",
      "audit_log.config_*",
    ],
  },
];

/** Newest first by event time, each event once (several filters may match the same one). */
function union(pages: ReadonlyArray<{ events: AuditEvent[] }>, limit: number): AuditEvent[] {
  const bySeq = new Map<number, AuditEvent>();
  for (const page of pages) for (const e of page.events) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort(byTimeNewestFirst).slice(0, limit);
}

/**
 * The access report: who accessed what, failed and denied access, privileged and administrative
 * actions, and access to the audit log itself.
 *
 * @example
 * ```ts
 * const report = await accessReport(log, scope);
 * ```
 */
export async function accessReport(source: ReportSource, scope: ReportScope): Promise<Report> {
  const access = scope.narrow(ACCESS);
  const denied = scope.narrow(ACCESS, { field: "outcome", op: "eq", value: "failure" });
  const logAccess = scope.narrow(...LOG_ACCESS);
  const [
    total,
    deniedCount,
    byActor,
    byTarget,
    byAction,
    deniedByActor,
    deniedEvents,
    logReads,
    logReaders,
    ...privileged
  ] = await Promise.all([
    source.count(access),
    source.count(denied),
    source.countBy(access, "actor", TOP),
    source.countBy(access, "field:target.id", TOP),
    source.countBy(access, "action", TOP),
    source.countBy(denied, "actor", TOP),
    source.query(denied, { limit: LISTED, ...NEWEST_BY_TIME }),
    source.count(logAccess),
    source.countBy(logAccess, "actor", TOP),
    ...PRIVILEGED.map((c) => source.query(scope.narrow(c), { limit: LISTED, ...NEWEST_BY_TIME })),
  ]);
  const privilegedEvents = union(privileged, LISTED);
  const privilegedCounts = await Promise.all(PRIVILEGED.map((c) => source.count(scope.narrow(c))));
  const privilegedAtMost = privilegedCounts.reduce((a, b) => a + b, 0);

  const findings: Finding[] = [];
  if (deniedCount > 0) {
    findings.push({
      severity: deniedCount >= 10 ? "medium" : "low",
      title: `${counted(deniedCount, "failed or denied access attempt")}`,
      detail:
        "Sign-ins, access decisions or data access that failed; the newest (by event time) are listed with their seqs.",
      evidenceSeqs: deniedEvents.events.slice(0, 10).map((e) => e.seq),
    });
  }
  if (privilegedEvents.length > 0) {
    findings.push({
      severity: "info",
      title:
        privilegedEvents.length >= LISTED
          ? `${LISTED} or more privileged or administrative actions`
          : counted(privilegedEvents.length, "privileged or administrative action"),
      detail: "Changes of rights, API keys, configuration or accounts: each needs a known reason.",
      evidenceSeqs: privilegedEvents.slice(0, 10).map((e) => e.seq),
    });
  }

  return {
    provenance: scope.provenance("access", "Access report"),
    sections: [
      summarySection(
        [
          { label: "Access events", value: total },
          { label: "Failed or denied", value: deniedCount },
          { label: "Privileged actions (at most)", value: privilegedAtMost },
          { label: "Reads of the audit log", value: logReads },
        ],
        findings,
      ),
      {
        id: "who-what",
        title: "Who accessed what",
        blocks: [
          countTable("By actor", "Actor", byActor, total),
          countTable("By target", "Target id", byTarget, total),
          countTable("By action", "Action", byAction, total),
        ],
      },
      {
        id: "denied",
        title: "Failed and denied access",
        blocks: [
          countTable("By actor", "Actor", deniedByActor, deniedCount),
          eventTable("Failed or denied", deniedEvents.events, deniedCount, scope.level),
        ],
      },
      {
        id: "privileged",
        title: "Privileged and administrative actions",
        blocks: [eventTable("Privileged actions", privilegedEvents, privilegedEvents.length, scope.level)],
      },
      {
        id: "audit-log",
        title: "Access to the audit log",
        blocks: [countTable("Readers of the audit log", "Actor", logReaders, logReads)],
      },
    ],
  };
}
