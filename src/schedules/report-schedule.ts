import { planReport, type ReportInput, type ReportPlan } from "../report-pipeline/index.js";
import type { CronTiming } from "./cron-timing.js";
import type { ScheduleFormat } from "./schedule-schema.js";

/**
 * A checked schedule (what `parseSchedules` makes of an `alerting.schedules` entry) and what a
 * run of it derives from its planned instant: the report's plan, the file's name.
 */

/** Where a schedule writes its report. */
export interface ScheduleFileTarget {
  /** An absolute directory, created when missing. */
  readonly directory: string;
  /** The file name template (`{name}-{date}.{ext}`). */
  readonly name: string;
  /** The URL the directory is served at, ending in `/`: the report's link. */
  readonly publicUrl?: string;
}

/**
 * A checked schedule.
 *
 * @example
 * ```ts
 * const [weekly] = parseSchedules(entries, { file, channels });
 * weekly.timing.nextAtOrAfter(Date.now()); // the next Monday 07:00 in Europe/Paris, Unix ms
 * ```
 */
export interface ReportSchedule {
  readonly name: string;
  /** The cron expression as given. */
  readonly cron: string;
  /** IANA time zone the expression is read in. */
  readonly timeZone: string;
  /** The report type's id. */
  readonly reportType: string;
  readonly format: ScheduleFormat | string;
  /** The report pipeline's input (files made absolute); durations count back from the planned instant. */
  readonly input: ReportInput;
  /** Channel names, each able to carry reports. */
  readonly channels: readonly string[];
  readonly file?: ScheduleFileTarget;
  /** When it runs. */
  readonly timing: CronTiming;
}

/**
 * The plan of the run planned at `plannedAt`: durations (`since: 7d`, the type's default period)
 * count back from the planned instant, not from when the run happens, and the period ends there
 * unless `until` says otherwise — so a run made late (after a restart) covers the period it
 * would have covered on time.
 *
 * @example
 * ```ts
 * planFor(weekly, Date.UTC(2026, 10, 23, 6)).request.until; // Date.UTC(2026, 10, 23, 6)
 * ```
 */
export function planFor(schedule: ReportSchedule, plannedAt: number): ReportPlan {
  return planReport(schedule.input, { files: true, now: plannedAt });
}

/** The parts of an instant in a time zone: `2026-11-23` and `0700`. */
export function zonedParts(ms: number, timeZone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return {
    date: `${part("year")}-${part("month")}-${part("day")}`,
    time: `${part("hour")}${part("minute")}`,
  };
}

/**
 * The file name of the run planned at `plannedAt`: the template with `{name}`, `{date}` and
 * `{time}` (the planned instant in the schedule's time zone: `2026-11-23`, `0700`), `{type}` and
 * `{ext}` filled in.
 *
 * @example
 * ```ts
 * reportFileName(weekly, Date.UTC(2026, 10, 23, 6), "pdf"); // "weekly-access-2026-11-23.pdf"
 * ```
 */
export function reportFileName(schedule: ReportSchedule, plannedAt: number, extension: string): string {
  const { date, time } = zonedParts(plannedAt, schedule.timeZone);
  const values: Readonly<Record<string, string>> = {
    name: schedule.name,
    date,
    time,
    type: schedule.reportType,
    ext: extension,
  };
  const template = schedule.file?.name ?? "{name}-{date}.{ext}";
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

/**
 * The id of the run planned at `plannedAt`: `rpt_<schedule>_<yyyymmddThhmmZ>`. Channels use it as
 * the delivery id (`webhook-id`, Message-ID): the same on every attempt, and when a restart
 * repeats a run that was not recorded.
 */
export function runId(schedule: ReportSchedule, plannedAt: number): string {
  const stamp = new Date(plannedAt)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
  return `rpt_${schedule.name}_${stamp}`;
}
