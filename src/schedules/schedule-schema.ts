/**
 * The JSON Schema (draft 2020-12) of one entry of `alerting.schedules`: a report made on a cron
 * schedule, in a time zone, and sent to channels and/or written into a directory.
 *
 * ```yaml
 * alerting:
 *   schedules:
 *     - name: weekly-access
 *       cron: "0 7 * * 1"          # Mondays at 07:00
 *       time_zone: Europe/Paris    # IANA; default UTC
 *       report: access             # a report type (sealtrail report --list)
 *       format: pdf                # pdf, html, csv, xlsx, json or markdown; default pdf
 *       options: { period: 7d, level: standard, filter: ["actor.type=user"] }
 *       channels: [ops-mail, siem]
 *       file: { directory: /var/lib/sealtrail/reports, name: "{name}-{date}.{ext}" }
 * ```
 *
 * The configuration file's schema embeds {@link SCHEDULE_SCHEMA} (as the items of
 * {@link SCHEDULES_SCHEMA}); `parseSchedules` checks an entry against it (a validator generated
 * at build time) and then for what a schema cannot say: the cron expression parses, the time
 * zone exists, the report type exists and its options plan, the channels exist and can carry
 * reports. Every property has a `title` that says what is expected there, which is how errors
 * word it.
 *
 * This module imports nothing: the configuration module and the validator generator read it.
 */

/** What a schedule's name may be: it names the schedule in the log (`details.schedule`) and in file names. */
export const SCHEDULE_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";

/** The title of a schedule's name, for errors about it. */
export const SCHEDULE_NAME_TITLE =
  "a schedule name: letters, digits, '_', '.' or '-', starting with a letter or digit, at most 64 characters";

/** The formats a scheduled report may be rendered in (the report pipeline's renderers). */
export const SCHEDULE_FORMATS = ["pdf", "html", "csv", "xlsx", "json", "markdown"] as const;

/** A format of a scheduled report. */
export type ScheduleFormat = (typeof SCHEDULE_FORMATS)[number];

/** The format of a schedule that names none: a document people read in their inbox. */
export const DEFAULT_SCHEDULE_FORMAT: ScheduleFormat = "pdf";

/** The time zone of a schedule that names none. */
export const DEFAULT_SCHEDULE_TIME_ZONE = "UTC";

/** The file name of a file target that names none. */
export const DEFAULT_SCHEDULE_FILE_NAME = "{name}-{date}.{ext}";

/** The placeholders a file target's `name` may use. */
export const SCHEDULE_FILE_PLACEHOLDERS = ["name", "date", "time", "type", "ext"] as const;

const DAY_COUNT = {
  type: "integer",
  minimum: 1,
  maximum: 36_500,
} as const;

/** The JSON Schema of one schedule entry, without a `$schema` header. */
export const SCHEDULE_SCHEMA = {
  type: "object",
  title: "a schedule: a mapping with name, cron, report, and channels or a file target",
  required: ["name", "cron", "report"],
  additionalProperties: false,
  properties: {
    name: { type: "string", pattern: SCHEDULE_NAME_PATTERN, title: SCHEDULE_NAME_TITLE },
    cron: {
      type: "string",
      minLength: 1,
      title:
        'a cron expression of five fields (minute hour day-of-month month day-of-week), like "0 7 * * 1" (Mondays at 07:00)',
    },
    time_zone: {
      type: "string",
      minLength: 1,
      default: DEFAULT_SCHEDULE_TIME_ZONE,
      title: "an IANA time zone such as Europe/Paris or America/New_York (default UTC)",
    },
    report: {
      type: "string",
      minLength: 1,
      title: "a report type (sealtrail report --list), such as activity-weekly or compliance",
    },
    format: {
      type: "string",
      enum: [...SCHEDULE_FORMATS],
      default: DEFAULT_SCHEDULE_FORMAT,
      title: `a report format: one of ${SCHEDULE_FORMATS.join(", ")} (default ${DEFAULT_SCHEDULE_FORMAT})`,
    },
    options: {
      type: "object",
      additionalProperties: false,
      title:
        "the report's options: period, since, until, level, verify, framework, policy, days, rotation_days, filter",
      properties: {
        period: {
          type: "string",
          minLength: 1,
          title: "the period back from the run's planned time, such as 24h or 7d (default: the type's own)",
        },
        since: {
          type: "string",
          minLength: 1,
          title:
            "the period's start: a date, an RFC 3339 time, or a duration back from the run's planned time (instead of period)",
        },
        until: {
          type: "string",
          minLength: 1,
          title:
            "the period's end: a date, an RFC 3339 time, or a duration back from the run's planned time (default: the planned time)",
        },
        level: {
          type: "string",
          enum: ["minimal", "standard", "detailed"],
          title: "which event fields tables show: minimal, standard or detailed",
        },
        verify: {
          type: "boolean",
          title: "true to verify the whole store and state the result on the report",
        },
        framework: {
          type: "string",
          minLength: 1,
          title: "compliance: a framework (soc2, hipaa, pci-dss, gdpr) or a control map file",
        },
        policy: { type: "string", minLength: 1, title: "crypto-compliance: a crypto policy file (JSON)" },
        days: { ...DAY_COUNT, title: "certificate-expiry: days ahead, an integer from 1 to 36500" },
        rotation_days: {
          ...DAY_COUNT,
          title: "key-usage: the rotation period in days, an integer from 1 to 36500",
        },
        filter: {
          type: "array",
          title: "a list of filter expressions on top of the period (as for query), such as actor.type=user",
          items: { type: "string", minLength: 1, title: "a filter expression such as actor.type=user" },
        },
      },
    },
    channels: {
      type: "array",
      uniqueItems: true,
      title: "a list of channel names (keys of alerting.channels), each at most once",
      items: { type: "string", minLength: 1, title: "a channel name (a key of alerting.channels)" },
    },
    file: {
      type: "object",
      required: ["directory"],
      additionalProperties: false,
      title: "a file target: a mapping with directory, and optionally name and public_url",
      properties: {
        directory: {
          type: "string",
          minLength: 1,
          title: "the directory reports are written into (a relative one is from the configuration file's)",
        },
        name: {
          type: "string",
          minLength: 1,
          title:
            "the file name, with {name}, {date}, {time}, {type} and {ext} filled in (default {name}-{date}.{ext})",
        },
        public_url: {
          type: "string",
          minLength: 1,
          title:
            "the http or https URL the directory is served at, such as https://reports.example.com/sealtrail/ (links in Slack, Teams and webhooks)",
        },
      },
    },
  },
} as const;

/** The JSON Schema of `alerting.schedules`: a list of schedule entries. */
export const SCHEDULES_SCHEMA = {
  type: "array",
  title: "a list of scheduled reports",
  items: SCHEDULE_SCHEMA,
} as const;

/** The options of a scheduled report, as the configuration gives them. */
export interface ScheduleOptionsConfig {
  /** The period back from the run's planned time (`24h`, `7d`); not with `since`. */
  readonly period?: string;
  /** The period's start: a date, an RFC 3339 time, or a duration back from the planned time. */
  readonly since?: string;
  /** The period's end (exclusive); default the planned time. */
  readonly until?: string;
  readonly level?: "minimal" | "standard" | "detailed";
  readonly verify?: boolean;
  /** compliance: a built-in framework id or a control map file. */
  readonly framework?: string;
  /** crypto-compliance: a crypto policy file. */
  readonly policy?: string;
  /** certificate-expiry: days ahead. */
  readonly days?: number;
  /** key-usage: the rotation period in days. */
  readonly rotation_days?: number;
  /** Filter expressions on top of the period. */
  readonly filter?: readonly string[];
}

/** Where a scheduled report's file is written. */
export interface ScheduleFileConfig {
  /** The directory (relative: from the configuration file's). */
  readonly directory: string;
  /** The file name template (default {@link DEFAULT_SCHEDULE_FILE_NAME}). */
  readonly name?: string;
  /** The URL the directory is served at, for links. */
  readonly public_url?: string;
}

/**
 * One entry of `alerting.schedules`, as the configuration gives it.
 *
 * @example
 * ```ts
 * const weekly: ScheduleConfig = {
 *   name: "weekly-access", cron: "0 7 * * 1", time_zone: "Europe/Paris",
 *   report: "access", format: "pdf", options: { period: "7d" }, channels: ["ops-mail"],
 * };
 * ```
 */
export interface ScheduleConfig {
  readonly name: string;
  readonly cron: string;
  /** IANA time zone; default `UTC`. */
  readonly time_zone?: string;
  /** A report type id. */
  readonly report: string;
  /** Default `pdf`. */
  readonly format?: ScheduleFormat;
  readonly options?: ScheduleOptionsConfig;
  readonly channels?: readonly string[];
  readonly file?: ScheduleFileConfig;
}
