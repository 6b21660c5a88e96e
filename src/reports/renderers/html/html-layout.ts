import { SealtrailError } from "../../../errors.js";
import type { Report } from "../../report-model.js";
import { brandAccent } from "../palette.js";
import { section } from "./html-blocks.js";
import { provenance } from "./html-provenance.js";
import { style } from "./html-style.js";
import { htmlText } from "./html-text.js";

/**
 * Options of the HTML renderer (`htmlRendererWith`): extra CSS, a page layout, the document title.
 *
 * @example
 * ```ts
 * const options: HtmlRendererOptions = { css: "body{max-width:none}", title: (r) => `Audit: ${r.provenance.title}` };
 * ```
 */
export interface HtmlRendererOptions {
  /** Extra CSS, added after the default style sheet (so it overrides it). */
  readonly css?: string;
  /**
   * A whole HTML page to lay the report out in, with the placeholders `{{title}}` (the document
   * title, escaped), `{{style}}` (the `<style>` element), `{{header}}` (the provenance card,
   * with the organisation and logo), `{{sections}}` and `{{footer}}`; `{{header}}` and
   * `{{sections}}` are required, each placeholder at most once (see {@link checkHtmlLayout}).
   */
  readonly layout?: string;
  /** Where `layout` and `css` came from, named in their errors (default `layout` / `css`). */
  readonly layoutFile?: string;
  readonly cssFile?: string;
  /** The document title (the browser tab, the PDF's title); default: the report's title. */
  readonly title?: (report: Report) => string;
}

/** The document title, escaped. */
function documentTitle(report: Report, options: HtmlRendererOptions): string {
  return htmlText(options.title ? options.title(report) : report.provenance.title);
}

/** The page footer: the branding's footer, then what generated the report. */
function footer(report: Report): string {
  const p = report.provenance;
  const brandFooter = report.branding?.footer
    ? `<p class="brand-footer" data-brand="footer">${htmlText(report.branding.footer)}</p>`
    : "";
  return `<footer>${brandFooter}Sealtrail report ${htmlText(p.type)}, generated ${htmlText(p.generatedAt)}.</footer>`;
}

/** The document head, ready to write. */
function head(report: Report, options: HtmlRendererOptions): string {
  return [
    "<!DOCTYPE html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="sealtrail">`,
    `<title>${documentTitle(report, options)}</title>`,
    style(report, options.css),
    "</head>",
    `<body${brandAccent(report) ? ` class="branded"` : ""}>`,
  ].join("\n");
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_-]*)\s*\}\}/g;
const PLACEHOLDERS = ["title", "style", "header", "sections", "footer"] as const;
const REQUIRED_PLACEHOLDERS = new Set(["header", "sections"]);

/** What a layout or extra CSS must not contain: anything that loads from outside the file, or runs. */
const LOADS_FROM_OUTSIDE: readonly [RegExp, string][] = [
  [/<\s*(script|link|iframe|frame|object|embed|base|meta\s+http-equiv)\b/i, "a <$1> element"],
  [/@import\b/i, "@import"],
  [/\burl\(\s*(?!["']?\s*(?:data:|#))[^)]*\)/i, "url() of anything but a data: URI"],
  [
    /<[^>]*\s(?:src|srcset|poster|background|data)\s*=\s*(?!["']?\s*(?:data:|#))/i,
    "a src attribute outside data: URIs",
  ],
  [/<[^>]*\son[a-z]+\s*=/i, "an event handler attribute"],
];

function checkSelfContained(
  text: string,
  where: string,
  patterns: readonly [RegExp, string][] = LOADS_FROM_OUTSIDE,
): void {
  for (const [pattern, what] of patterns) {
    const m = pattern.exec(text);
    if (m) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${where}: expected a self-contained page (no scripts, nothing loaded from elsewhere), got ${what.replace("$1", (m[1] ?? "").toLowerCase())}`,
      );
    }
  }
}

/**
 * Checks an HTML layout ({@link HtmlRendererOptions.layout}): only known placeholders, each at
 * most once, `{{header}}` and `{{sections}}` present, nothing that loads from outside the file
 * or runs (scripts, links, `src` other than `data:` URIs, event handlers). Throws
 * `ST_ERR_CONFIG_INVALID` naming `source` and what was expected.
 *
 * @example
 * ```ts
 * checkHtmlLayout("<html><body>{{header}}{{sections}}</body></html>", "layout.html"); // passes
 * checkHtmlLayout("<html><body>{{header}}</body></html>", "layout.html"); // throws: {{sections}} missing
 * ```
 */
export function checkHtmlLayout(layout: string, source = "layout"): void {
  const seen = new Map<string, number>();
  for (const m of layout.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? "";
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${source}: expected placeholders ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}, got {{${name}}}`,
      );
    }
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  for (const name of PLACEHOLDERS) {
    const count = seen.get(name) ?? 0;
    if (count > 1) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${source}: expected {{${name}}} once, got it ${count} times`,
      );
    }
    if (count === 0 && REQUIRED_PLACEHOLDERS.has(name)) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${source}: expected a {{${name}}} placeholder (where the ${name === "header" ? "provenance" : "report's sections"} go), got none`,
      );
    }
  }
  checkSelfContained(layout.replace(PLACEHOLDER, ""), source);
}

/**
 * Checks extra CSS: nothing that loads from outside the file (`@import`, `url()` other than
 * `data:` URIs). Throws `ST_ERR_CONFIG_INVALID` naming `source`.
 *
 * @example
 * ```ts
 * checkHtmlCss("h1{color:#0b5cad}", "extra.css"); // passes
 * checkHtmlCss("@import url(https://x.example/a.css);", "extra.css"); // throws
 * ```
 */
export function checkHtmlCss(css: string, source = "css"): void {
  // Markup inside the CSS is inert: `</style` is escaped where the CSS is inserted.
  checkSelfContained(css, source, LOADS_FROM_OUTSIDE.slice(1, 3));
}

/**
 * The document in parts (head, provenance, each section, end), written one by one; with a
 * layout, the layout's text around the sections, its placeholders filled.
 *
 * @example
 * ```ts
 * for (const part of htmlParts(report, {})) await writeText(out, part);
 * ```
 */
export function htmlParts(report: Report, options: HtmlRendererOptions): string[] {
  const sections = report.sections.map((s, i) => `${section(s, i)}\n`);
  if (options.layout === undefined) {
    return [
      `${head(report, options)}\n${provenance(report)}\n<main>\n`,
      ...sections,
      `</main>\n${footer(report)}\n</body>\n</html>\n`,
    ];
  }
  const values: Readonly<Record<string, string>> = {
    title: documentTitle(report, options),
    style: style(report, options.css),
    header: provenance(report),
    footer: footer(report),
  };
  // Split at {{sections}}, then fill the other placeholders in each half (the report's text
  // never goes through the placeholder pattern).
  const fill = (text: string) => text.replace(PLACEHOLDER, (_, name: string) => values[name] ?? "");
  const [before = "", after = ""] = options.layout.split(/\{\{\s*sections\s*\}\}/);
  return [fill(before), ...sections, fill(after)];
}
