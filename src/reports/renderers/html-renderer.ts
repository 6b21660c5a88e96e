import type { Report } from "../report-model.js";
import type { ReportRenderer } from "../report-renderer.js";
import { forPeople } from "./for-people.js";
import { checkHtmlCss, checkHtmlLayout, type HtmlRendererOptions, htmlParts } from "./html/html-layout.js";
import { writeText } from "./render-output.js";

export type { HtmlRendererOptions } from "./html/html-layout.js";

/**
 * The report as one self-contained HTML document: no scripts, fonts, images or any other resource
 * from outside the file.
 *
 * @example
 * ```ts
 * renderHtml(report).startsWith("<!DOCTYPE html>"); // true
 * ```
 */
export function renderHtml(report: Report, options: HtmlRendererOptions = {}): string {
  return htmlParts(forPeople(report), options).join("");
}

/**
 * An HTML renderer with layout overrides: extra CSS, a whole-page layout with placeholders, and
 * the document title. The layout and the CSS are checked at once (`ST_ERR_CONFIG_INVALID`):
 * the output stays one self-contained file.
 *
 * @example
 * ```ts
 * const renderer = htmlRendererWith({
 *   css: "h1{color:#0969da}",
 *   layout: "<!DOCTYPE html><html><head>{{style}}<title>{{title}}</title></head><body>{{header}}<main>{{sections}}</main>{{footer}}</body></html>",
 * });
 * await renderer.render(report, file);
 * ```
 */
export function htmlRendererWith(options: HtmlRendererOptions): ReportRenderer {
  if (options.layout !== undefined) checkHtmlLayout(options.layout, options.layoutFile);
  if (options.css !== undefined) checkHtmlCss(options.css, options.cssFile);
  return {
    format: "html",
    mediaType: "text/html; charset=utf-8",
    extension: "html",
    async render(report, out) {
      // One write per part, each awaited: a slow destination is never flooded.
      for (const part of htmlParts(forPeople(report), options)) await writeText(out, part);
    },
  };
}

/**
 * Renders a report as one self-contained HTML file for people and for print: inline CSS (system
 * fonts, zebra tables, right-aligned numbers, print rules with a page per section), a header card
 * with the provenance (period, filter, audit level, checkpoint origin, tree size, root hash, the signature and
 * store states as coloured badges, the checkpoint note), figures as cards, tables, charts drawn as
 * inline SVG (a line chart for a time series, horizontal bars, a stacked 100 % bar for a
 * breakdown) each followed by a table of its points, and findings with severity badges and
 * evidence seqs. No scripts and nothing loaded from elsewhere; every text is escaped
 * ({@link htmlText}) and every number shown exactly (`String(n)`).
 *
 * @example
 * ```ts
 * await htmlRenderer.render(report, createWriteStream("report.html"));
 * ```
 */
export const htmlRenderer: ReportRenderer = htmlRendererWith({});
