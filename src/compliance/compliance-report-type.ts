import { SealtrailError } from "../errors.js";
import { type ReportType, registerReportType } from "../reports/report-types.js";
import { complianceReport } from "./compliance-report.js";
import { FRAMEWORKS, loadControlMap } from "./control-map.js";

/**
 * The `compliance` report type: one framework's control map (`framework` option: a built-in
 * framework or the path of a control map file) checked against the store.
 *
 * @example
 * ```ts
 * const report = await complianceReportType.build(log, scope, { framework: "soc2" });
 * ```
 */
export const complianceReportType: ReportType = {
  id: "compliance",
  title: "Compliance evidence",
  description: `One framework's controls (--framework ${[...FRAMEWORKS.keys()].join(", ")}, or the path of a control map file), each with a status (met, partial, gap, not yet demonstrable, not applicable), the evidence (counts, sample events by seq) and the gaps in plain words. The store is verified for the integrity controls.`,
  defaultPeriod: "90d",
  build: (source, scope, o) => {
    if (!o.framework) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `--framework: expected one of ${[...FRAMEWORKS.keys()].join(", ")} or the path of a control map (.json)`,
      );
    }
    return complianceReport(source, scope, loadControlMap(o.framework));
  },
};

/**
 * Adds the `compliance` type to the report types (after the built-in ones), so that
 * `sealtrail report` and `GET /v1/reports` offer it. The CLI and the server call it when they are
 * built; calling it again does nothing.
 *
 * @example
 * ```ts
 * registerComplianceReport();
 * reportType("compliance").defaultPeriod; // "90d"
 * ```
 */
export function registerComplianceReport(): void {
  registerReportType(complianceReportType);
}
