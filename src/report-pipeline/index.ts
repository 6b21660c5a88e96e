/**
 * One report pipeline for every shell (the CLI, the server, a console): the options as given →
 * a checked plan ({@link planReport}) → the scope and the report ({@link buildReport}) → its
 * rendering ({@link renderReport}).
 *
 * @example
 * ```ts
 * const plan = planReport({ type: "access", format: "markdown", period: "7d" }, { files: true });
 * await renderReport(plan, await buildReport(log, plan), process.stdout);
 * ```
 */
export { planReport, type ReportInput, type ReportPlan, type ReportSetting } from "./plan-report.js";
export { findReportType, reportTypeList, reportTypes } from "./report-catalog.js";
export { buildReport, renderReport } from "./run-report.js";
