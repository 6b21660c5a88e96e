import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, resolve } from "node:path";
import { fileProblem, SealtrailError } from "../errors.js";
import { parseCondition, parseFilter } from "../query/filter-syntax.js";
import { parseDuration } from "../query/time-range.js";
import { checkHtmlCss, checkHtmlLayout } from "./renderers/html/html-layout.js";
import type { BrandingLogo, Report, ReportBranding, ReportSection } from "./report-model.js";
import { narrowScope } from "./report-source.js";
import { REPORT_TYPES, type ReportType } from "./report-types.js";

const require = createRequire(import.meta.url);

/** The `yaml` package, loaded on first use: a program that handles no YAML never loads it. */
const yaml = (): typeof import("yaml") => require("yaml");

/**
 * User-defined report templates: a title, sections picked from the built-in report types (each
 * narrowed by its own filter), branding, and HTML overrides, in a YAML or JSON file.
 *
 * ```yaml
 * title: Weekly security review
 * period: 7d
 * branding: { organisation: Example Corp, color: "#0b5cad", logo: logo.png, footer: Confidential }
 * html: { css: extra.css, layout: layout.html }
 * sections:
 *   - kind: security-incidents.failed-logins
 *     title: Failed sign-ins (users)
 *     filter: ["actor.type=user"]
 * ```
 */

/** The largest logo a template may name. */
export const MAX_LOGO_BYTES = 512 * 1024;

/** One section of a template: which built-in section, its title and its own filter. */
export interface TemplateSection {
  /** `<report type id>.<section id>`, as written. */
  readonly kind: string;
  /** The built-in report type (`security-incidents`). */
  readonly typeId: string;
  /** The section of that type's report (`failed-logins`). */
  readonly sectionId: string;
  /** Replaces the built-in section's title. */
  readonly title?: string;
  /** Filter expressions (the CLI syntax) on top of the report's own filter. */
  readonly filter: readonly string[];
}

/**
 * A report template, as {@link loadReportTemplate} read and checked it: files it names are read
 * (the logo as bytes, the CSS and layout as text).
 *
 * @example
 * ```ts
 * const template: ReportTemplate = {
 *   file: "weekly.yaml",
 *   title: "Weekly security review",
 *   sections: [{ kind: "access.failed", typeId: "access", sectionId: "failed", filter: [] }],
 * };
 * ```
 */
export interface ReportTemplate {
  /** The template file (named in errors). */
  readonly file: string;
  readonly title: string;
  readonly description?: string;
  /** The default period (`7d`); else the longest default period of the types it uses. */
  readonly period?: string;
  readonly branding?: ReportBranding;
  readonly html?: {
    readonly css?: string;
    readonly cssFile?: string;
    readonly layout?: string;
    readonly layoutFile?: string;
  };
  readonly sections: readonly TemplateSection[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function invalid(file: string, path: string, expected: string, got: string): SealtrailError {
  return new SealtrailError("ST_ERR_CONFIG_INVALID", `${file}: ${path}: expected ${expected}, got ${got}`, {
    details: { file, path },
  });
}

/** How a value is described in an error: its type, and a short quote of text and numbers. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `"${value.length > 60 ? `${value.slice(0, 57)}…` : value}"`;
  return `${typeof value} ${String(value)}`;
}

function isMapping(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks that `value` is a mapping with only `allowed` keys and the `required` ones. */
function mapping(
  file: string,
  path: string,
  value: unknown,
  allowed: readonly string[],
  required: readonly string[] = [],
): { [key: string]: Json } {
  if (!isMapping(value)) throw invalid(file, path || "(top level)", "a mapping", describe(value));
  const at = (key: string) => (path ? `${path}.${key}` : key);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw invalid(file, at(key), `one of the keys ${allowed.join(", ")}`, `unknown key "${key}"`);
    }
  }
  for (const key of required) {
    if (value[key] === undefined) throw invalid(file, at(key), "a value (it is required)", "nothing");
  }
  return value;
}

function text(file: string, path: string, value: unknown, optional: true): string | undefined;
function text(file: string, path: string, value: unknown, optional?: false): string;
function text(file: string, path: string, value: unknown, optional = false): string | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw invalid(file, path, "a non-empty text", describe(value));
  }
  return value;
}

/** The parsed YAML or JSON document, or `ST_ERR_CONFIG_INVALID` naming where it is not valid. */
function readDocument(file: string): unknown {
  const ext = extname(file).toLowerCase();
  if (![".yaml", ".yml", ".json"].includes(ext)) {
    throw invalid(file, "file name", "a .yaml, .yml or .json file", `"${ext || "no extension"}"`);
  }
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    throw new SealtrailError(
      "ST_ERR_CONFIG_INVALID",
      `${file}: cannot read the template file: ${fileProblem(error)}`,
      {
        cause: error,
        details: { file },
      },
    );
  }
  if (ext === ".json") {
    try {
      return JSON.parse(source) as unknown;
    } catch (error) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `${file}: expected JSON, got a syntax error: ${(error as Error).message}`,
        { cause: error, details: { file } },
      );
    }
  }
  const doc = yaml().parseDocument(source, { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const where = error.linePos?.[0];
    const line = where ? `line ${where.line}, column ${where.col}: ` : "";
    const first = error.message.split("\n")[0] ?? error.message;
    throw new SealtrailError("ST_ERR_CONFIG_INVALID", `${file}: ${line}expected YAML, got ${first}`, {
      cause: error,
      details: { file },
    });
  }
  return doc.toJS() as unknown;
}

const LOGO_TYPES: Readonly<Record<string, BrandingLogo["mediaType"]>> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".svg": "image/svg+xml",
};

/** Reads a file the template names, relative to the template's folder. */
function readNamed(file: string, path: string, name: string, maxBytes: number): Buffer {
  const full = resolve(dirname(file), name);
  let size: number;
  try {
    size = statSync(full).size;
  } catch {
    throw invalid(file, path, "a readable file (relative to the template)", `"${name}" (not found)`);
  }
  if (size > maxBytes) throw invalid(file, path, `a file of at most ${maxBytes} bytes`, `${size} bytes`);
  try {
    return readFileSync(full);
  } catch {
    throw invalid(file, path, "a readable file (relative to the template)", `"${name}" (cannot be read)`);
  }
}

function logo(file: string, value: unknown): BrandingLogo {
  const name = text(file, "branding.logo", value);
  const mediaType = LOGO_TYPES[extname(name).toLowerCase()];
  if (!mediaType) throw invalid(file, "branding.logo", "a .png, .jpg, .jpeg or .svg file", `"${name}"`);
  const bytes = readNamed(file, "branding.logo", name, MAX_LOGO_BYTES);
  const ok =
    mediaType === "image/png"
      ? bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
      : mediaType === "image/jpeg"
        ? bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
        : /<svg[\s>]/.test(bytes.toString("utf8"));
  if (!ok) throw invalid(file, "branding.logo", `a ${mediaType} image`, `"${name}" (not one)`);
  return { mediaType, base64: bytes.toString("base64") };
}

function branding(file: string, value: unknown): ReportBranding {
  const b = mapping(file, "branding", value, ["organisation", "color", "logo", "footer"]);
  const color = text(file, "branding.color", b.color, true);
  if (color !== undefined && !/^#[0-9a-fA-F]{6}$/.test(color)) {
    throw invalid(file, "branding.color", "a colour as #rrggbb", describe(color));
  }
  const organisation = text(file, "branding.organisation", b.organisation, true);
  const footer = text(file, "branding.footer", b.footer, true);
  return {
    ...(organisation === undefined ? {} : { organisation }),
    ...(color === undefined ? {} : { color }),
    ...(b.logo === undefined ? {} : { logo: logo(file, b.logo) }),
    ...(footer === undefined ? {} : { footer }),
  };
}

function html(file: string, value: unknown): NonNullable<ReportTemplate["html"]> {
  const h = mapping(file, "html", value, ["css", "layout"]);
  const result: { css?: string; cssFile?: string; layout?: string; layoutFile?: string } = {};
  const cssName = text(file, "html.css", h.css, true);
  if (cssName !== undefined) {
    const cssFile = resolve(dirname(file), cssName);
    result.css = readNamed(file, "html.css", cssName, 1 << 20).toString("utf8");
    result.cssFile = cssFile;
    checkHtmlCss(result.css, `${file}: html.css (${cssName})`);
  }
  const layoutName = text(file, "html.layout", h.layout, true);
  if (layoutName !== undefined) {
    const layoutFile = resolve(dirname(file), layoutName);
    result.layout = readNamed(file, "html.layout", layoutName, 1 << 20).toString("utf8");
    result.layoutFile = layoutFile;
    checkHtmlLayout(result.layout, `${file}: html.layout (${layoutName})`);
  }
  return result;
}

function section(file: string, index: number, value: unknown): TemplateSection {
  const at = `sections[${index}]`;
  const s = mapping(file, at, value, ["kind", "title", "filter"], ["kind"]);
  const kind = text(file, `${at}.kind`, s.kind);
  const dot = kind.indexOf(".");
  const typeId = dot < 0 ? kind : kind.slice(0, dot);
  const sectionId = dot < 0 ? "" : kind.slice(dot + 1);
  if (!REPORT_TYPES.some((t) => t.id === typeId) || sectionId === "") {
    throw invalid(
      file,
      `${at}.kind`,
      `"<report type>.<section id>" with a report type among ${REPORT_TYPES.map((t) => t.id).join(", ")}`,
      describe(kind),
    );
  }
  const title = text(file, `${at}.title`, s.title, true);
  let filter: string[] = [];
  if (s.filter !== undefined) {
    const list = typeof s.filter === "string" ? [s.filter] : s.filter;
    if (!Array.isArray(list)) {
      throw invalid(file, `${at}.filter`, "a list of filter expressions", describe(s.filter));
    }
    filter = list.map((expression, j) => {
      const path = `${at}.filter[${j}]`;
      if (typeof expression !== "string") {
        throw invalid(file, path, 'a filter expression such as "outcome=failure"', describe(expression));
      }
      try {
        parseCondition(expression);
      } catch (error) {
        const why = error instanceof SealtrailError ? error.message : String(error);
        throw new SealtrailError(
          "ST_ERR_CONFIG_INVALID",
          `${file}: ${path}: expected a filter expression (FIELD OP VALUE), got ${describe(expression)}: ${why}`,
          { cause: error, details: { file, path } },
        );
      }
      return expression;
    });
  }
  return { kind, typeId, sectionId, ...(title === undefined ? {} : { title }), filter };
}

/**
 * Reads and checks a report template (`.yaml`, `.yml` or `.json`). Files it names (the logo,
 * the HTML CSS and layout) are relative to the template and read at once: a png, jpeg or svg
 * logo of at most 512 KiB. Any problem throws `ST_ERR_CONFIG_INVALID` naming the file, the
 * field (`sections[2].filter[0]`) and what was expected; unknown keys are errors.
 *
 * @example
 * ```ts
 * const template = loadReportTemplate("templates/weekly.yaml");
 * const report = await templateReportType(template).build(log, scope, {});
 * ```
 */
export function loadReportTemplate(file: string): ReportTemplate {
  const doc = mapping(
    file,
    "",
    readDocument(file),
    ["title", "description", "period", "branding", "html", "sections"],
    ["title", "sections"],
  );
  const title = text(file, "title", doc.title);
  const description = text(file, "description", doc.description, true);
  const period = text(file, "period", doc.period, true);
  if (period !== undefined && parseDuration(period) === undefined) {
    throw invalid(file, "period", "a duration such as 24h, 7d or 2w", describe(period));
  }
  if (!Array.isArray(doc.sections) || doc.sections.length === 0) {
    throw invalid(file, "sections", "a list of at least one section", describe(doc.sections));
  }
  const sections = doc.sections.map((s, i) => section(file, i, s));
  return {
    file,
    title,
    ...(description === undefined ? {} : { description }),
    ...(period === undefined ? {} : { period }),
    ...(doc.branding === undefined ? {} : { branding: branding(file, doc.branding) }),
    ...(doc.html === undefined ? {} : { html: html(file, doc.html) }),
    sections,
  };
}

/**
 * The report type a template defines (id `template`, provenance type `template`, the template's
 * title). Building it builds each built-in type the sections refer to, once per distinct type and
 * filter, on the scope narrowed by the section's filter, and takes the named section; a section
 * with a filter gets " — filter: …" after its title, so the report states what each section
 * counts. A section id the type's report does not have throws `ST_ERR_CONFIG_INVALID` naming
 * `sections[i].kind` and the ids it has.
 *
 * @example
 * ```ts
 * const type = templateReportType(loadReportTemplate("weekly.yaml"));
 * const scope = await reportScope(log, { since, until, expressions: [], filter: { conditions: [] } });
 * const report = await type.build(log, scope, {});
 * ```
 */
export function templateReportType(template: ReportTemplate): ReportType {
  const types = template.sections.map((s) => REPORT_TYPES.find((t) => t.id === s.typeId) ?? REPORT_TYPES[0]);
  const longest = types
    .map((t) => t?.defaultPeriod ?? "7d")
    .reduce((a, b) => ((parseDuration(b) ?? 0) > (parseDuration(a) ?? 0) ? b : a), "24h");
  return {
    id: "template",
    title: template.title,
    description:
      template.description ??
      `A report template (${template.file}): ${template.sections.map((s) => s.kind).join(", ")}.`,
    defaultPeriod: template.period ?? longest,
    async build(source, scope, options) {
      const now = Date.now();
      const built = new Map<string, Promise<Report>>();
      const sections: ReportSection[] = [];
      const ids = new Map<string, number>();
      for (const [i, s] of template.sections.entries()) {
        const type = REPORT_TYPES.find((t) => t.id === s.typeId);
        if (!type) {
          throw invalid(template.file, `sections[${i}].kind`, "a built-in report type", describe(s.kind));
        }
        const key = JSON.stringify([s.typeId, s.filter]);
        let report = built.get(key);
        if (!report) {
          const conditions = parseFilter(s.filter, {}, now).conditions;
          report = type.build(source, narrowScope(scope, conditions), options);
          built.set(key, report);
        }
        const found = (await report).sections.find((x) => x.id === s.sectionId);
        if (!found) {
          const known = (await report).sections.map((x) => `${s.typeId}.${x.id}`);
          throw invalid(
            template.file,
            `sections[${i}].kind`,
            `a section of ${s.typeId}: one of ${known.join(", ")}`,
            describe(s.kind),
          );
        }
        const n = (ids.get(s.kind) ?? 0) + 1;
        ids.set(s.kind, n);
        const title = s.title ?? found.title;
        sections.push({
          ...found,
          id: n === 1 ? s.kind : `${s.kind}-${n}`,
          title: s.filter.length === 0 ? title : `${title} — filter: ${s.filter.join(", ")}`,
        });
      }
      return {
        provenance: scope.provenance("template", template.title),
        sections,
        ...(template.branding ? { branding: template.branding } : {}),
      };
    },
  };
}
