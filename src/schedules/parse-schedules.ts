import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import type { ValidateFunction } from "ajv/dist/2020.js";
import type { AlertChannel } from "../alerting/channels/alert-channel.js";
import { FRAMEWORKS } from "../compliance/control-map.js";
import { isSealtrailError } from "../errors.js";
import { planReport, type ReportInput } from "../report-pipeline/index.js";
import { cronTiming, isTimeZone } from "./cron-timing.js";
import type { ReportSchedule } from "./report-schedule.js";
import {
  describeValue,
  joinPath,
  type ScheduleIssue,
  scheduleError,
  schemaIssues,
} from "./schedule-issues.js";
import {
  DEFAULT_SCHEDULE_FILE_NAME,
  DEFAULT_SCHEDULE_FORMAT,
  DEFAULT_SCHEDULE_TIME_ZONE,
  SCHEDULE_FILE_PLACEHOLDERS,
  SCHEDULE_SCHEMA,
  type ScheduleConfig,
} from "./schedule-schema.js";

/**
 * `alerting.schedules` → the schedules, checked. Each entry is checked against
 * {@link SCHEDULE_SCHEMA} (with the validator generated from it at build time), then for what a
 * schema cannot say: the name is unique, the cron expression parses (croner), the time zone
 * exists, the report type exists and its options plan (the report pipeline's own planning, so a
 * schedule accepts exactly what `sealtrail report` accepts), the files it names can be read, the
 * channels exist and can carry reports, and the report goes somewhere. Every problem of every
 * entry is reported at once, each naming the file, the path and what was expected.
 */

/** A channel as schedules need to know it: its type, and whether it carries reports. */
export type ScheduleChannel = Pick<AlertChannel, "type" | "sendReport">;

/** Options of {@link parseSchedules}. */
export interface ParseSchedulesOptions {
  /** The file the entries come from, named by every error (a configuration file, or e.g. `<library>`). */
  readonly file: string;
  /** Where the entries sit in that file; default `alerting.schedules`. */
  readonly path?: string;
  /** The channels defined (`parseChannels`' result): schedules may name these, if they carry reports. */
  readonly channels: ReadonlyMap<string, ScheduleChannel>;
  /**
   * The directory relative paths (file targets, control maps, crypto policies) are read from;
   * default the directory of `file`.
   */
  readonly baseDirectory?: string;
}

const require = createRequire(import.meta.url);
let compiledCheck: ValidateFunction | undefined;

/** The validator of {@link SCHEDULE_SCHEMA}, generated at build time, loaded on first use. */
function scheduleCheck(): ValidateFunction {
  compiledCheck ??= require("./schedule-schema-check.cjs") as ValidateFunction;
  return compiledCheck;
}

/** The channel types whose channels carry reports, for errors. */
const REPORT_CHANNEL_TYPES = "email, slack, discord, teams or webhook";

/**
 * Checks `entries` and makes their schedules, in order.
 *
 * @throws SealtrailError `ST_ERR_ALERT_SCHEDULE`, one line per problem:
 *   `sealtrail.yaml: alerting.schedules[1].cron: expected a cron expression …, got "61 * * * *": Invalid value for minute: 61`;
 *   `details.issues` holds them as `{ path, message }`.
 *
 * @example
 * ```ts
 * const channels = parseChannels(config.alerting.channels, { file });
 * const schedules = parseSchedules(config.alerting.schedules, { file, channels });
 * ```
 */
export function parseSchedules(entries: unknown, options: ParseSchedulesOptions): ReportSchedule[] {
  const base = options.path ?? "alerting.schedules";
  const baseDirectory = options.baseDirectory ?? dirname(resolve(options.file));
  if (!Array.isArray(entries)) {
    throw scheduleError(options.file, [
      { path: base, message: `expected a list of scheduled reports, got ${describeValue(entries)}` },
    ]);
  }
  const problems: ScheduleIssue[] = [];
  const schedules: ReportSchedule[] = [];
  const names = new Map<string, number>();
  entries.forEach((entry: unknown, index) => {
    const where = `${base}[${index}]`;
    const check = scheduleCheck();
    const issues = check(entry) ? [] : schemaIssues(check.errors ?? [], entry);
    if (typeof entry === "object" && entry !== null && !Array.isArray(entry)) {
      const reported = new Set(issues.map((i) => i.path));
      const more = semanticIssues(entry as ScheduleConfig, { ...options, baseDirectory }, names, index);
      issues.push(...more.issues.filter((i) => !reported.has(i.path)));
      if (issues.length === 0 && more.schedule) schedules.push(more.schedule);
    }
    problems.push(...issues.map((i) => ({ path: joinPath(where, i.path), message: i.message })));
  });
  if (problems.length > 0) throw scheduleError(options.file, problems);
  return schedules;
}

/** What the schema cannot check, on the values of the right type; the schedule when all is well. */
function semanticIssues(
  entry: ScheduleConfig,
  options: ParseSchedulesOptions & { readonly baseDirectory: string },
  names: Map<string, number>,
  index: number,
): { issues: ScheduleIssue[]; schedule?: ReportSchedule } {
  const issues: ScheduleIssue[] = [];
  const text = (value: unknown): value is string => typeof value === "string" && value.length > 0;
  if (text(entry.name)) {
    const first = names.get(entry.name);
    if (first === undefined) names.set(entry.name, index);
    else
      issues.push({
        path: "name",
        message: `expected a name no other schedule has, got ${describeValue(entry.name)}, the name of schedule [${first}] too`,
      });
  }
  const timeZone = text(entry.time_zone) ? entry.time_zone : DEFAULT_SCHEDULE_TIME_ZONE;
  const zoneKnown = isTimeZone(timeZone);
  if (!zoneKnown) {
    issues.push({
      path: "time_zone",
      message: `expected an IANA time zone such as Europe/Paris or America/New_York, got ${describeValue(timeZone)}`,
    });
  }
  let timing: ReturnType<typeof cronTiming> | undefined;
  if (text(entry.cron)) {
    try {
      timing = cronTiming(entry.cron, zoneKnown ? timeZone : DEFAULT_SCHEDULE_TIME_ZONE);
    } catch (error) {
      const reason = (error as Error).message.replace(/^CronPattern: /, "");
      issues.push({
        path: "cron",
        message: `expected a cron expression like "0 7 * * 1" (minute hour day-of-month month day-of-week), got ${describeValue(entry.cron)}: ${reason}`,
      });
    }
    if (timing !== undefined && timing.nextAtOrAfter(Date.now()) === undefined) {
      issues.push({
        path: "cron",
        message: `expected a cron expression that names times to come, got ${describeValue(entry.cron)}`,
      });
    }
  }
  const input = text(entry.report) ? reportInput(entry, options.baseDirectory, issues) : undefined;
  if (input !== undefined) issues.push(...planIssues(input, entry));
  const channels = Array.isArray(entry.channels) ? entry.channels.filter(text) : [];
  channels.forEach((name, i) => {
    const channel = options.channels.get(name);
    if (channel === undefined) {
      const known = [...options.channels.keys()];
      issues.push({
        path: `channels[${i}]`,
        message: `expected a channel of alerting.channels (${known.length > 0 ? known.join(", ") : "none is defined"}), got ${describeValue(name)}`,
      });
    } else if (channel.sendReport === undefined) {
      issues.push({
        path: `channels[${i}]`,
        message: `expected a channel that can carry reports (${REPORT_CHANNEL_TYPES}), got ${describeValue(name)}, a ${channel.type} channel`,
      });
    }
  });
  const file = entry.file !== undefined && typeof entry.file === "object" ? entry.file : undefined;
  if (channels.length === 0 && file === undefined) {
    issues.push({
      path: "",
      message: "expected channels or a file target to send the report to, got neither",
    });
  }
  const fileName = text(file?.name) ? file.name : DEFAULT_SCHEDULE_FILE_NAME;
  const nameProblem = fileNameProblem(fileName);
  if (file !== undefined && nameProblem !== undefined) {
    issues.push({
      path: "file.name",
      message: `expected a file name with {${SCHEDULE_FILE_PLACEHOLDERS.join("}, {")}} filled in and no / or \\, got ${describeValue(fileName)}: ${nameProblem}`,
    });
  }
  const publicUrl = file?.public_url;
  if (text(publicUrl) && !isHttpUrl(publicUrl)) {
    issues.push({
      path: "file.public_url",
      message: `expected an http or https URL such as https://reports.example.com/sealtrail/, got ${describeValue(publicUrl)}`,
    });
  }
  if (issues.length > 0 || input === undefined || timing === undefined) return { issues };
  return {
    issues,
    schedule: {
      name: entry.name,
      cron: entry.cron,
      timeZone,
      reportType: entry.report,
      format: entry.format ?? DEFAULT_SCHEDULE_FORMAT,
      input,
      channels,
      ...(file !== undefined && text(file.directory)
        ? {
            file: {
              directory: resolve(options.baseDirectory, file.directory),
              name: fileName,
              ...(text(publicUrl) ? { publicUrl: withTrailingSlash(publicUrl) } : {}),
            },
          }
        : {}),
      timing,
    },
  };
}

/** The report pipeline's input for an entry, with the files it names made absolute and checked. */
function reportInput(entry: ScheduleConfig, baseDirectory: string, issues: ScheduleIssue[]): ReportInput {
  const given: Record<string, unknown> =
    typeof entry.options === "object" && entry.options !== null ? { ...entry.options } : {};
  // Values of the wrong type are the schema's to report; the plan is made without them.
  const textOption = (key: string) => (typeof given[key] === "string" ? (given[key] as string) : undefined);
  const options = {
    period: textOption("period"),
    since: textOption("since"),
    until: textOption("until"),
    level: textOption("level"),
    verify: given.verify === true,
    framework: textOption("framework"),
    policy: textOption("policy"),
    days: typeof given.days === "number" ? given.days : undefined,
    rotation_days: typeof given.rotation_days === "number" ? given.rotation_days : undefined,
    filter: Array.isArray(given.filter) ? given.filter.filter((f): f is string => typeof f === "string") : [],
  };
  const readable = (field: string, path: string | undefined, what: string): string | undefined => {
    if (path === undefined) return undefined;
    const absolute = isAbsolute(path) ? path : resolve(baseDirectory, path);
    try {
      accessSync(absolute, constants.R_OK);
    } catch {
      issues.push({
        path: `options.${field}`,
        message: `expected ${what} that can be read, got ${describeValue(path)} (${absolute})`,
      });
    }
    return absolute;
  };
  const framework =
    options.framework === undefined || FRAMEWORKS.has(options.framework)
      ? options.framework
      : readable(
          "framework",
          options.framework,
          `a framework (${[...FRAMEWORKS.keys()].join(", ")}) or a control map file`,
        );
  return {
    type: entry.report,
    format: typeof entry.format === "string" ? entry.format : DEFAULT_SCHEDULE_FORMAT,
    period: options.period,
    since: options.since,
    until: options.until,
    level: options.level,
    ...(options.verify ? { verify: true } : {}),
    framework,
    policy: readable("policy", options.policy, "a crypto policy file"),
    days: options.days,
    rotationDays: options.rotation_days,
    filter: options.filter,
  };
}

/** Where each field of the pipeline's input sits in an entry. */
const FIELD_PATHS: Readonly<Record<string, string>> = {
  type: "report",
  template: "report",
  format: "format",
  rotation_days: "options.rotation_days",
};

/** The input's key for a field the pipeline names (`rotation_days` is `rotationDays`). */
const INPUT_KEYS: Readonly<Record<string, keyof ReportInput>> = { rotation_days: "rotationDays" };

/**
 * The pipeline's planning errors for `input` (planned as at now: a duration is as valid then as
 * at any run), at the entry's paths. The pipeline stops at the first problem, so each one found
 * is set aside and the plan tried again, to report every problem of the entry at once.
 */
function planIssues(input: ReportInput, entry: ScheduleConfig): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  let rest: ReportInput = input;
  for (let tries = 0; tries < 16; tries++) {
    try {
      planReport(rest, { files: true });
      return issues;
    } catch (error) {
      if (!isSealtrailError(error)) throw error;
      const found = planIssue(error.message, error.details ?? {}, entry, rest);
      issues.push(found.issue);
      if (found.without === undefined) return issues;
      rest = found.without;
    }
  }
  return issues;
}

/** One planning error at its path, and the input without what caused it (none: planning cannot go on). */
function planIssue(
  message: string,
  details: Readonly<Record<string, unknown>>,
  entry: ScheduleConfig,
  input: ReportInput,
): { issue: ScheduleIssue; without?: ReportInput } {
  const without = (...keys: (keyof ReportInput)[]) => {
    const copy: Record<string, unknown> = { ...input };
    for (const key of keys) delete copy[key];
    return copy as ReportInput;
  };
  if (typeof details.expression === "string") {
    // A filter expression: at its place in the list, the message after `filter "…": `.
    const expression = details.expression;
    const at = (entry.options?.filter ?? []).indexOf(expression);
    const reason = message.replace(/^filter "(?:[^"\\]|\\.)*": /, "");
    const expected = reason.startsWith("expected ") ? reason : `expected ${reason}`;
    return {
      issue: {
        path: `options.filter${at >= 0 ? `[${at}]` : ""}`,
        message: / got /.test(expected) ? expected : `${expected}, got ${describeValue(expression)}`,
      },
      without: { ...input, filter: (input.filter ?? []).filter((f) => f !== expression) },
    };
  }
  if (typeof details.format === "string") {
    return { issue: { path: "format", message }, without: { ...input, format: "json" } };
  }
  const pathOf = (field: string) => FIELD_PATHS[field] ?? `options.${field}`;
  const keyOf = (field: string) => INPUT_KEYS[field] ?? (field as keyof ReportInput);
  const both = /^(\w+) and (\w+): give one of them$/.exec(message);
  if (both) {
    const [, first = "", second = ""] = both;
    const issue = { path: pathOf(second), message: `expected ${first} or ${second}, not both` };
    return FIELD_PATHS[first] === undefined ? { issue, without: without(keyOf(first)) } : { issue };
  }
  const fields =
    typeof details.field === "string"
      ? [details.field]
      : Array.isArray(details.fields)
        ? details.fields.map(String)
        : [];
  const field = fields[0];
  if (field === undefined) return { issue: { path: "", message } };
  const issue = { path: pathOf(field), message: message.replace(new RegExp(`^${field}: `), "") };
  // Without a report type there is nothing more to plan.
  if (fields.some((f) => FIELD_PATHS[f] === "report")) return { issue };
  return { issue, without: without(...fields.map(keyOf)) };
}

/** Why a file name template is not one, or undefined. */
function fileNameProblem(template: string): string | undefined {
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(SCHEDULE_FILE_PLACEHOLDERS as readonly string[]).includes(m[1] as string)) {
      return `unknown placeholder {${m[1]}}`;
    }
  }
  if (/[/\\]/.test(template)) return "a file name cannot name a directory";
  if (template === "." || template === "..") return "not a file name";
  return undefined;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return url.protocol === "http:" || url.protocol === "https:";
}

/** `https://host/reports` → `https://host/reports/`: file names are resolved inside it. */
function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
