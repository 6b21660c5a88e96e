import { registerComplianceReport } from "../compliance/compliance-report-type.js";
import { REPORT_TYPES, type ReportType, reportType } from "../reports/report-types.js";
import type { ReportTypeList } from "../wire/reports.js";

/**
 * The report types the pipeline computes, for every shell: the list the CLI prints and the
 * server answers, and the lookup by id. This is where the catalog is composed: the built-in
 * types of `reports/`, then `compliance` (registered from here, so `reports/` never imports
 * `compliance/` and no shell can forget it).
 */
registerComplianceReport();

/**
 * Every report type, in the order they are listed.
 *
 * @example
 * ```ts
 * reportTypes().map((t) => t.id); // ["activity-daily", "activity-weekly", …]
 * ```
 */
export function reportTypes(): readonly ReportType[] {
  return REPORT_TYPES;
}

/**
 * The report type `id`; `ST_ERR_USAGE` naming the field `type` and the known ids when there is none.
 *
 * @example
 * ```ts
 * findReportType("access").defaultPeriod; // "7d"
 * ```
 */
export function findReportType(id: string): ReportType {
  return reportType(id);
}

/**
 * The report types as the wire shows them (`GET /v1/reports`).
 *
 * @example
 * ```ts
 * reportTypeList().types[0]; // { id: "activity-daily", title: "Daily activity summary", …, default_period: "24h" }
 * ```
 */
export function reportTypeList(): ReportTypeList {
  return {
    types: reportTypes().map((t) => ({
      id: t.id,
      title: t.title,
      description: t.description,
      default_period: t.defaultPeriod,
    })),
  };
}
