import type { Report } from "../report-model.js";
import type { ReportRenderer } from "../report-renderer.js";
import { writeText } from "./render-output.js";

/**
 * The report as JSON text: `{ "provenance": …, "sections": … }` (and `"branding"` when the report
 * has it, the logo as base64), exactly the report model (its names, numbers as numbers, `null`
 * cells as `null`), indented by two spaces, with a final newline.
 *
 * @example
 * ```ts
 * renderJson(report); // '{\n  "provenance": {\n    "type": "activity",\n …'
 * ```
 */
export function renderJson(report: Report): string {
  const { provenance, sections, branding } = report;
  return `${JSON.stringify({ provenance, sections, ...(branding ? { branding } : {}) }, null, 2)}\n`;
}

/**
 * Renders a report as JSON ({@link renderJson}): the model itself, for programs.
 *
 * @example
 * ```ts
 * await jsonRenderer.render(report, process.stdout);
 * ```
 */
export const jsonRenderer: ReportRenderer = {
  format: "json",
  mediaType: "application/json",
  extension: "json",
  async render(report, out) {
    await writeText(out, renderJson(report));
  },
};
