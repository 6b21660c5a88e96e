import { counted } from "../../human/counted.js";
import type { CountRow } from "../../read-model/stored-event.js";
import type { ChartBlock, Finding, Report, ReportSection } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { countTable, eventTable, NEWEST_BY_TIME, summarySection } from "./blocks.js";

/** How many rows the top-N tables and the recent-events table show. */
const TOP = 10;
const RECENT = 20;
/** A failure rate above this is reported as a finding. */
const FAILURE_RATE_FINDING = 0.05;

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Counts per time bucket with every bucket of the period present (zero when empty), in order. */
function timeline(
  rows: readonly CountRow[],
  since: number,
  until: number,
  bucket: number,
): ChartBlock["points"] {
  const counts = new Map(rows.map((r) => [r.key, r.count]));
  const points: Array<{ label: string; value: number }> = [];
  for (let t = Math.floor(since / bucket) * bucket; t < until; t += bucket) {
    const label = new Date(t).toISOString();
    points.push({ label, value: counts.get(label) ?? 0 });
  }
  return points;
}

/**
 * The activity summary: totals, the activity timeline, outcomes and categories, errors by
 * action and error code, per-workflow figures (`context.workflow`), top actors and actions, the
 * most recent events, and findings (a high failure rate; critical events). Every figure is a
 * count or group computed by the store.
 *
 * @example
 * ```ts
 * const report = await activitySummary(log, scope, "weekly");
 * ```
 */
export async function activitySummary(
  source: ReportSource,
  scope: ReportScope,
  cadence: "daily" | "weekly",
): Promise<Report> {
  const { filter } = scope;
  const failures = scope.narrow({ field: "outcome", op: "eq", value: "failure" });
  const severe = scope.narrow({ field: "severity", op: "gte", value: "warning" });
  const critical = scope.narrow({ field: "severity", op: "gte", value: "critical" });
  const bucket = cadence === "daily" ? HOUR : DAY;
  const [
    total,
    failed,
    warnings,
    perBucket,
    outcomes,
    categories,
    failedByAction,
    failedByCode,
    workflows,
    workflowFailures,
    actors,
    actions,
    recent,
    criticalEvents,
  ] = await Promise.all([
    source.count(filter),
    source.count(failures),
    source.count(severe),
    source.countBy(filter, cadence === "daily" ? "hour" : "day", 1000),
    source.countBy(filter, "outcome", 10),
    source.countBy(filter, "category", 20),
    source.countBy(failures, "action", TOP),
    source.countBy(failures, "field:error.code", TOP),
    source.countBy(filter, "field:context.workflow", TOP),
    source.countBy(failures, "field:context.workflow", 1000),
    source.countBy(filter, "actor", TOP),
    source.countBy(filter, "action", TOP),
    source.query(filter, { limit: RECENT, ...NEWEST_BY_TIME }),
    source.query(critical, { limit: 50, ...NEWEST_BY_TIME }),
  ]);
  const failuresOf = new Map(workflowFailures.map((r) => [r.key, r.count]));
  const rate = total === 0 ? 0 : failed / total;

  const findings: Finding[] = [];
  if (rate > FAILURE_RATE_FINDING) {
    findings.push({
      severity: "medium",
      title: `Failure rate ${(rate * 100).toFixed(1)} %`,
      detail: `${failed} of the ${counted(total, "event")} in the period failed, more than ${FAILURE_RATE_FINDING * 100} %. The errors section breaks them down.`,
    });
  }
  if (criticalEvents.events.length > 0) {
    findings.push({
      severity: "high",
      title: `${criticalEvents.events.length === 50 ? "50 or more events" : counted(criticalEvents.events.length, "event")} of severity critical or worse`,
      detail:
        "Events at critical, alert or emergency severity need a review; their seqs are listed as evidence.",
      evidenceSeqs: criticalEvents.events.map((e) => e.seq),
    });
  }

  const sections: ReportSection[] = [
    summarySection(
      [
        { label: "Events", value: total },
        { label: "Failures", value: failed },
        { label: "Failure rate", value: Math.round(rate * 10_000) / 100, unit: "%" },
        { label: "Warning or worse", value: warnings },
      ],
      findings,
    ),
    {
      id: "timeline",
      title: "Activity timeline",
      blocks: [
        {
          kind: "chart",
          title: cadence === "daily" ? "Events per hour" : "Events per day",
          chart: "timeseries",
          unit: "events",
          points: timeline(perBucket, scope.request.since, scope.request.until, bucket),
        },
        {
          kind: "chart",
          title: "Outcomes",
          chart: "breakdown",
          unit: "events",
          points: outcomes.map((r) => ({ label: r.key ?? "(none)", value: r.count })),
        },
        {
          kind: "chart",
          title: "Categories",
          chart: "bar",
          unit: "events",
          points: categories.map((r) => ({ label: r.key ?? "(none)", value: r.count })),
        },
      ],
    },
    {
      id: "errors",
      title: "Errors",
      blocks: [
        countTable("Failures by action", "Action", failedByAction, failed),
        countTable("Failures by error code", "Error code", failedByCode, failed),
      ],
    },
    {
      id: "workflows",
      title: "Workflows",
      blocks: [
        {
          kind: "table",
          title: "Per workflow (context.workflow)",
          columns: [
            { key: "workflow", label: "Workflow" },
            { key: "events", label: "Events" },
            { key: "failures", label: "Failures" },
            { key: "failure_rate", label: "Failure rate %" },
          ],
          rows: workflows.map((r) => {
            const f = failuresOf.get(r.key) ?? 0;
            return {
              workflow: r.key ?? "(none)",
              events: r.count,
              failures: f,
              failure_rate: r.count === 0 ? 0 : Math.round((f / r.count) * 10_000) / 100,
            };
          }),
        },
      ],
    },
    {
      id: "top",
      title: "Top actors and actions",
      blocks: [
        countTable("Top actors", "Actor", actors, total),
        countTable("Top actions", "Action", actions, total),
      ],
    },
    {
      id: "recent",
      title: "Recent events",
      blocks: [eventTable(`The ${RECENT} most recent events`, recent.events, total, scope.level)],
    },
  ];
  const type = cadence === "daily" ? "activity-daily" : "activity-weekly";
  const title = cadence === "daily" ? "Daily activity summary" : "Weekly activity summary";
  return { provenance: scope.provenance(type, title), sections };
}
