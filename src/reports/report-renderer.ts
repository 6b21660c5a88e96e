import type { Writable } from "node:stream";
import type { Report } from "./report-model.js";

/**
 * The renderer role: turns a {@link Report} into one output format.
 *
 * Contract (checked for every renderer by `report-renderer.case.ts`):
 * - `render` MUST write the whole report to `out` and resolve once it is written; it MUST NOT
 *   end `out` (the caller owns it).
 * - The output MUST show the provenance: period, filter, checkpoint origin, tree size, root hash
 *   and whether the signature and the store verified, and the audit level; and the branding
 *   (organisation, footer) when the report has one.
 * - Every section, every table row (up to the table's own truncation), every figure and every
 *   finding MUST appear; numbers MUST NOT be rounded away (counts appear exactly).
 * - Output MUST be deterministic for the same report.
 */
export interface ReportRenderer {
  /** The format's name (`json`, `csv`, `markdown`, `html`, `pdf`, `xlsx`). */
  readonly format: string;
  /** The media type of the output. */
  readonly mediaType: string;
  /** The usual file extension, without the dot. */
  readonly extension: string;
  render(report: Report, out: Writable): Promise<void>;
}
