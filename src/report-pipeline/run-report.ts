import type { Writable } from "node:stream";
import type { Report } from "../reports/report-model.js";
import { type ReportSource, reportScope } from "../reports/report-source.js";
import type { ReportPlan } from "./plan-report.js";

/**
 * The steps of a report after its plan: fix the scope (a checkpoint of the log as it is, its
 * signature checked, the store verified when asked), build the type's content on it, render it.
 * Events appended meanwhile never change the report.
 */

/**
 * The report of `plan` over `source`: its scope fixed, then its type built on it.
 *
 * @example
 * ```ts
 * const report = await buildReport(log, planReport({ type: "access" }, { files: true }));
 * ```
 */
export async function buildReport(source: ReportSource, plan: ReportPlan): Promise<Report> {
  const scope = await reportScope(source, plan.request);
  return plan.type.build(source, scope, plan.typeOptions);
}

/**
 * Writes `report` to `out` with the plan's renderer (the stream is not ended).
 *
 * @example
 * ```ts
 * await renderReport(plan, report, process.stdout);
 * ```
 */
export async function renderReport(plan: ReportPlan, report: Report, out: Writable): Promise<void> {
  await plan.renderer.render(report, out);
}
