import { FRAMEWORKS } from "../compliance/control-map.js";
import { SealtrailError } from "../errors.js";
import { parseFilter } from "../query/filter-syntax.js";
import { parseInstant } from "../query/time-range.js";
import type { EventFilter } from "../read-model/event-filter.js";
import { parseAuditLevel } from "../reports/audit-level.js";
import { type HtmlRendererOptions, htmlRendererWith } from "../reports/renderers/html-renderer.js";
import { rendererFor } from "../reports/renderers/index.js";
import type { ReportRenderer } from "../reports/report-renderer.js";
import type { ReportRequest } from "../reports/report-source.js";
import { loadReportTemplate, type ReportTemplate, templateReportType } from "../reports/report-template.js";
import type { ReportType, ReportTypeOptions } from "../reports/report-types.js";
import { findReportType } from "./report-catalog.js";

/**
 * The first step of a report, shared by `sealtrail report` and `GET /v1/reports/{type}`: the
 * options as given (text) become a checked plan — the type, the renderer, the period, the
 * filter, the audit level and the type's own options — before the store is touched. Errors name
 * the option as a field (`since: …`, `type and template: …`, with `details.field` or
 * `details.fields`), never a command-line flag: each shell words them its own way.
 */

/**
 * What a report is asked for, as given.
 *
 * @example
 * ```ts
 * const input: ReportInput = { type: "access", format: "csv", period: "30d", filter: ["actor.type=user"] };
 * ```
 */
export interface ReportInput {
  /** A report type id (see {@link findReportType}); or give `template`. */
  readonly type?: string | undefined;
  /** A report template file (YAML or JSON), instead of `type`; only where files may be named. */
  readonly template?: string | undefined;
  /** The output format. Default `json`. */
  readonly format?: string | undefined;
  /** The period back from `until` (`24h`, `7d`); default the type's own. Not with `since`. */
  readonly period?: string | undefined;
  /** The period's start: a date, an RFC 3339 time or a duration back from now. */
  readonly since?: string | undefined;
  /** The period's end (exclusive): a date, an RFC 3339 time or a duration back from now. Default now. */
  readonly until?: string | undefined;
  /** Which event fields tables show: `minimal`, `standard` (the default) or `detailed`. */
  readonly level?: string | undefined;
  /** Verify the whole store too, and state the outcome on the report. */
  readonly verify?: boolean | undefined;
  /** compliance: a built-in framework id, or (where files may be named) a control map file. */
  readonly framework?: string | undefined;
  /** crypto-compliance: a crypto policy file; only where files may be named. */
  readonly policy?: string | undefined;
  /** certificate-expiry: days ahead, 1 to 36 500 (text as given, or a number). */
  readonly days?: string | number | undefined;
  /** key-usage: the rotation period in days, 1 to 36 500. */
  readonly rotationDays?: string | number | undefined;
  /** Filter expressions on top of the period (the query syntax). */
  readonly filter?: readonly string[] | undefined;
  /** Binds the report to one tenant: its filter says so, and it counts that tenant's events only. */
  readonly tenant?: string | null | undefined;
  /** html: CSS and a page layout (already read), over the template's own. */
  readonly html?: HtmlRendererOptions | undefined;
}

/**
 * Where a report is asked for.
 *
 * @example
 * ```ts
 * const overHttp: ReportSetting = { files: false };
 * ```
 */
export interface ReportSetting {
  /**
   * Whether options may name files on this machine (templates, policies, control maps). A
   * server says no: it must not read, or quote in errors, a file on a client's behalf.
   */
  readonly files: boolean;
  /** The time durations count back from. Default `Date.now()`. */
  readonly now?: number;
}

/**
 * A checked report request, ready to build.
 *
 * @example
 * ```ts
 * const plan = planReport({ type: "access", period: "7d" }, { files: true });
 * plan.type.id; // "access"
 * ```
 */
export interface ReportPlan {
  readonly type: ReportType;
  /** The template the type comes from, if any. */
  readonly template: ReportTemplate | undefined;
  readonly renderer: ReportRenderer;
  /** The period, the filter (tenant included), the audit level and whether to verify the store. */
  readonly request: ReportRequest;
  readonly typeOptions: ReportTypeOptions;
}

/** Days options' bounds: a day to a century. */
const MAX_DAYS = 36_500;

/**
 * Checks `input` and makes its plan. Throws `ST_ERR_USAGE` (or the parser's own code:
 * `ST_ERR_QUERY_TIME`, `ST_ERR_QUERY_FILTER`, `ST_ERR_CONFIG_INVALID` for a template) naming the
 * field.
 *
 * @example
 * ```ts
 * const plan = planReport({ type: "security-incidents", format: "pdf", period: "30d", verify: true }, { files: true });
 * ```
 */
export function planReport(input: ReportInput, setting: ReportSetting): ReportPlan {
  const now = setting.now ?? Date.now();
  const { type, template } = chooseType(input, setting);
  const renderer = chooseRenderer(input.format ?? "json", { ...template?.html, ...input.html });
  const auditLevel = parseAuditLevel(input.level ?? "standard");
  if (input.period !== undefined && input.since !== undefined) {
    throw usage(["period", "since"], "period and since: give one of them");
  }
  const until = input.until === undefined ? now : parseInstant(input.until, "until", now);
  const since =
    input.since === undefined
      ? parseInstant(input.period ?? type.defaultPeriod, "period", until)
      : parseInstant(input.since, "since", now);
  if (!(since < until)) throw usage(["since", "until"], "since: expected a time before until");
  const { expressions, filter } = scopedFilter(input, now);
  return {
    type,
    template,
    renderer,
    request: {
      since,
      until,
      expressions,
      filter,
      auditLevel,
      ...(input.verify ? { verifyStore: true } : {}),
    },
    typeOptions: {
      framework: checkFramework(input.framework, setting),
      policy: fileOption("policy", input.policy, setting),
      days: dayCount("days", input.days),
      rotationDays: dayCount("rotation_days", input.rotationDays),
    },
  };
}

function chooseType(
  input: ReportInput,
  setting: ReportSetting,
): { type: ReportType; template: ReportTemplate | undefined } {
  if (input.type !== undefined && input.template !== undefined) {
    throw usage(["type", "template"], "type and template: give one of them");
  }
  if (input.template !== undefined) {
    const template = loadReportTemplate(fileOption("template", input.template, setting) as string);
    return { type: templateReportType(template), template };
  }
  if (input.type === undefined) {
    throw usage(["type", "template"], "type: expected a report type, or a template");
  }
  return { type: findReportType(input.type), template: undefined };
}

/** The renderer of `format`; for html, with the CSS and layout given. */
function chooseRenderer(format: string, html: HtmlRendererOptions): ReportRenderer {
  const styled = html.css !== undefined || html.layout !== undefined;
  if (format === "html" && styled) return htmlRendererWith(html);
  return rendererFor(format);
}

/** The filter as given (for the provenance) and parsed, bound to the tenant when there is one. */
function scopedFilter(input: ReportInput, now: number): { expressions: string[]; filter: EventFilter } {
  const given = input.filter ?? [];
  const parsed = parseFilter(given, {}, now);
  const tenant = input.tenant ?? null;
  if (tenant === null) return { expressions: [...given], filter: parsed };
  return {
    expressions: [...given, `tenant=${tenant}`],
    // The condition itself, not the expression: a tenant with `*` or `,` in it names itself only.
    filter: { ...parsed, conditions: [...parsed.conditions, { field: "tenant", op: "eq", value: tenant }] },
  };
}

/** A compliance framework: any where files may be named, else a built-in one. */
function checkFramework(framework: string | undefined, setting: ReportSetting): string | undefined {
  if (framework === undefined || setting.files || FRAMEWORKS.has(framework)) return framework;
  throw usage(
    ["framework"],
    `framework: expected one of ${[...FRAMEWORKS.keys()].join(", ")}, got "${framework.slice(0, 100)}"`,
  );
}

function fileOption(field: string, value: string | undefined, setting: ReportSetting): string | undefined {
  if (value === undefined || setting.files) return value;
  throw usage([field], `${field}: files cannot be named here`);
}

function dayCount(field: string, value: string | number | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  const text = String(value);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > MAX_DAYS) {
    throw usage([field], `${field}: expected an integer from 1 to ${MAX_DAYS}, got "${text.slice(0, 100)}"`);
  }
  return n;
}

function usage(fields: readonly string[], message: string): SealtrailError {
  return new SealtrailError("ST_ERR_USAGE", message, {
    details: fields.length === 1 ? { field: fields[0] } : { fields: [...fields] },
  });
}
