/**
 * Scheduled reports (`alerting.schedules`): the daily and weekly reports people want in their
 * inbox. {@link parseSchedules} checks the entries of the configuration (after
 * `parseChannels`, whose channels they name), and a {@link ReportScheduler} makes each report
 * when it is due — and once for a run missed while the server was down — delivers it to its
 * channels and file target, and records each run as a `report.scheduled` event.
 *
 * @example
 * ```ts
 * const channels = parseChannels(config.alerting.channels, { file });
 * const schedules = parseSchedules(config.alerting.schedules, { file, channels });
 * const scheduler = new ReportScheduler({ log, channels, schedules });
 * void scheduler.start();
 * ```
 */
export { type CronTiming, cronTiming, isTimeZone } from "./cron-timing.js";
export { type ParseSchedulesOptions, parseSchedules, type ScheduleChannel } from "./parse-schedules.js";
export { REPORT_SCHEDULED, REPORTS_ACTOR, runsOf, scheduledReportEvent } from "./report-events.js";
export {
  planFor,
  type ReportSchedule,
  reportFileName,
  runId,
  type ScheduleFileTarget,
} from "./report-schedule.js";
export {
  DEFAULT_REPORT_RETRY,
  ReportScheduler,
  type ReportSchedulerOptions,
  type ScheduleLog,
  type SchedulerClock,
  type ScheduleState,
  SYSTEM_CLOCK,
} from "./report-scheduler.js";
export { type ReportSummary, reportSummary } from "./report-summary.js";
export type { ChannelResult, FileResult, RenderedReport, ScheduleRun } from "./run-schedule.js";
export {
  SCHEDULE_SCHEMA,
  SCHEDULES_SCHEMA,
  type ScheduleConfig,
  type ScheduleFileConfig,
  type ScheduleOptionsConfig,
} from "./schedule-schema.js";
