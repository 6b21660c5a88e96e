import { derivedUuid } from "../alerting/derived-id.js";
import type { AuditEvent, AuditEventInput, JsonValue } from "../event/audit-event.js";
import type { EventFilter } from "../read-model/event-filter.js";
import type { ScheduleRun } from "./run-schedule.js";

/**
 * The event each run of a schedule is recorded as, `report.scheduled`, and how the scheduler
 * finds the last one of a schedule again (which is how a restart knows whether a run was
 * missed). The event holds no secret: channels are named, their reasons are already free of
 * secrets, and the report itself is represented by its size and SHA-256.
 */

/** The action of a recorded run. */
export const REPORT_SCHEDULED = "report.scheduled";

/** Who records scheduled reports. */
export const REPORTS_ACTOR = Object.freeze({ id: "sealtrail.reports", type: "system" as const });

/**
 * The `report.scheduled` event of `run`. Its id is derived from the schedule and the planned
 * instant, so that recording one run twice is a duplicate the log ignores.
 *
 * Its `details`: `schedule`, `planned_at` (RFC 3339), `cron`, `time_zone`, `report` (`type`,
 * `title`, `format`, `since`, `until`, `file_name`, `content_type`, `size`, `sha256`,
 * `tree_size`; absent when the report could not be made), `deliveries` (per channel: `channel`,
 * `type`, `ok`, `attempts`, `status`, `reason`) and `file` (`path`, `ok`, `reason`).
 *
 * @example
 * ```ts
 * await log.append(scheduledReportEvent(run));
 * ```
 */
export function scheduledReportEvent(run: ScheduleRun): AuditEventInput {
  const { schedule, report } = run;
  const failedTargets = [
    ...run.deliveries.filter((d) => !d.ok).map((d) => `${d.channel}: ${d.reason ?? "failed"}`),
    ...(run.file && !run.file.ok ? [`file ${run.file.path}: ${run.file.reason ?? "failed"}`] : []),
  ];
  const error =
    run.failure !== undefined
      ? { code: "report_failed", message: run.failure.slice(0, 1024) }
      : failedTargets.length > 0
        ? { code: "delivery_failed", message: failedTargets.join("; ").slice(0, 1024) }
        : undefined;
  const details = {
    schedule: schedule.name,
    planned_at: new Date(run.plannedAt).toISOString(),
    cron: schedule.cron,
    time_zone: schedule.timeZone,
    ...(report === undefined
      ? {}
      : {
          report: {
            type: report.type,
            title: report.title,
            format: report.format,
            since: report.since,
            until: report.until,
            file_name: report.fileName,
            content_type: report.contentType,
            size: report.size,
            sha256: report.sha256,
            tree_size: report.treeSize,
          },
        }),
    deliveries: run.deliveries.map((d) => ({
      channel: d.channel,
      type: d.type,
      ok: d.ok,
      attempts: d.attempts,
      ...(d.status === undefined ? {} : { status: d.status }),
      ...(d.reason === undefined ? {} : { reason: d.reason.slice(0, 1024) }),
    })),
    ...(run.file === undefined
      ? {}
      : {
          file: {
            path: run.file.path,
            ok: run.file.ok,
            ...(run.file.reason === undefined ? {} : { reason: run.file.reason.slice(0, 1024) }),
          },
        }),
  };
  return {
    id: derivedUuid("report-scheduled", schedule.name, String(run.plannedAt)),
    action: REPORT_SCHEDULED,
    outcome: run.ok ? "success" : "failure",
    severity: run.ok ? "info" : "error",
    actor: { ...REPORTS_ACTOR },
    target: { type: "report_schedule", id: schedule.name, ...(report ? { name: report.title } : {}) },
    ...(error === undefined ? {} : { error }),
    details: details as unknown as Record<string, JsonValue>,
  };
}

/** The filter of a schedule's recorded runs. */
export function runsOf(schedule: string): EventFilter {
  return {
    conditions: [
      { field: "action", op: "eq", value: REPORT_SCHEDULED },
      { field: "details.schedule", op: "eq", value: schedule },
    ],
  };
}

/** The planned instant a recorded run names (`details.planned_at`), Unix ms; undefined when it names none. */
export function plannedAtOf(event: AuditEvent): number | undefined {
  const planned = (event.details as Record<string, unknown> | undefined)?.planned_at;
  const ms = typeof planned === "string" ? Date.parse(planned) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}
