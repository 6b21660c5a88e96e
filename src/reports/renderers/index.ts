import { SealtrailError } from "../../errors.js";
import type { ReportRenderer } from "../report-renderer.js";
import { csvRenderer } from "./csv-renderer.js";
import { htmlRenderer } from "./html-renderer.js";
import { jsonRenderer } from "./json-renderer.js";
import { markdownRenderer } from "./markdown-renderer.js";
import { pdfRenderer } from "./pdf-renderer.js";
import { xlsxRenderer } from "./xlsx-renderer.js";

/**
 * Every report renderer, by format name.
 *
 * @example
 * ```ts
 * Object.keys(RENDERERS); // ["json", "csv", "markdown", "html", "pdf", "xlsx"]
 * ```
 */
export const RENDERERS: Readonly<Record<string, ReportRenderer>> = Object.freeze({
  [jsonRenderer.format]: jsonRenderer,
  [csvRenderer.format]: csvRenderer,
  [markdownRenderer.format]: markdownRenderer,
  [htmlRenderer.format]: htmlRenderer,
  [pdfRenderer.format]: pdfRenderer,
  [xlsxRenderer.format]: xlsxRenderer,
});

/**
 * The renderer of `format`; throws `ST_ERR_USAGE` naming the known formats when there is none.
 *
 * @example
 * ```ts
 * await rendererFor("markdown").render(report, process.stdout);
 * rendererFor("docx"); // throws SealtrailError ST_ERR_USAGE: unknown report format "docx": expected json, …
 * ```
 */
export function rendererFor(format: string): ReportRenderer {
  const renderer = Object.hasOwn(RENDERERS, format) ? RENDERERS[format] : undefined;
  if (renderer) return renderer;
  const known = Object.keys(RENDERERS);
  const list = `${known.slice(0, -1).join(", ")} or ${known.at(-1)}`;
  throw new SealtrailError("ST_ERR_USAGE", `unknown report format "${format}": expected ${list}`, {
    details: { format, known },
  });
}

export { csvRenderer, htmlRenderer, jsonRenderer, markdownRenderer, pdfRenderer, xlsxRenderer };
