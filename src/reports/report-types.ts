import { SealtrailError } from "../errors.js";
import type { Report } from "./report-model.js";
import type { ReportScope, ReportSource } from "./report-source.js";
import { activitySummary } from "./types/activity-summary.js";

/** A kind of report: what it covers and how it is built. */
export interface ReportType {
  readonly id: string;
  readonly title: string;
  /** One paragraph: what the report shows and for whom. */
  readonly description: string;
  /** The period when none is given (`24h`, `7d`). */
  readonly defaultPeriod: string;
  build(source: ReportSource, scope: ReportScope): Promise<Report>;
}

/** Every report type, in the order `sealtrail report --list` shows them. */
export const REPORT_TYPES: readonly ReportType[] = [
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
];

/**
 * The report type `id`, or `ST_ERR_USAGE` naming the known ones.
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
      `--type: expected one of ${REPORT_TYPES.map((t) => t.id).join(", ")}, got "${id}"`,
    );
  }
  return found;
}
