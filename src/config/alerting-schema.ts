import {
  CHANNEL_NAME_PATTERN,
  CHANNEL_NAME_TITLE,
  CHANNEL_SCHEMA,
} from "../alerting/channels/channel-schema.js";
import { RULE_SCHEMA } from "../alerting/rules/rule-schema.js";
import { SCHEDULE_SCHEMA } from "../schedules/schedule-schema.js";

/**
 * The `alerting` section of the configuration file: rules, Sigma rules, channels and how alerts
 * are delivered. Rules and channels have their own schemas (`alerting/rules/rule-schema.ts`,
 * `alerting/channels/channel-schema.ts`); what a schema cannot check (filters, durations,
 * channel names a rule refers to) is checked when alerting starts, and by `config check`.
 */

const LIVE = "Reload: live (a SIGHUP applies a change at once).";
const RESTART = "Reload: restart (a change takes effect when sealtrail serve starts again).";

const DURATION = "^\\s*\\d+(\\.\\d+)?\\s*[smhdw]\\s*$";

function duration(example: string, description: string, fallback: string) {
  return {
    type: "string",
    pattern: DURATION,
    title: `a duration like ${example}`,
    description,
    default: fallback,
  } as const;
}

/** The JSON Schema of the `alerting` section. */
export const ALERTING_SCHEMA = {
  type: "object",
  title: "a mapping of alerting settings (rules, sigma, channels, …)",
  description:
    "Rules that watch events as they are committed (in sealtrail serve and sealtrail watch), and where alerts go.",
  additionalProperties: false,
  default: {},
  properties: {
    rules: {
      type: "array",
      title: "a list of rules",
      description: `Detection rules: id, title, severity, match, channels and one kind (any, threshold, ratio, distinct, new_value, sequence, absence, degradation, expiry). ${LIVE}`,
      items: RULE_SCHEMA,
      default: [],
    },
    channels: {
      type: "object",
      title: "a mapping of channel names to channels",
      description: `Where alerts go: email, slack, discord, pagerduty, teams or webhook, by name. Secrets belong in \${ENV}. ${LIVE}`,
      propertyNames: { pattern: CHANNEL_NAME_PATTERN, title: CHANNEL_NAME_TITLE },
      additionalProperties: CHANNEL_SCHEMA,
      default: {},
    },
    sigma: {
      type: "array",
      title: "a list of paths or globs",
      description: `Sigma rule files (paths, directories or globs, relative to this file's directory). ${LIVE}`,
      items: { type: "string", minLength: 1, title: "a path or glob like rules/*.yml" },
      default: [],
    },
    sigma_fields: {
      type: "object",
      title: "a mapping of Sigma field names to event field paths",
      description: `Sigma field names → event fields (SourceIp: actor.ip); other names are read as event field paths. ${LIVE}`,
      additionalProperties: { type: "string", minLength: 1, title: "an event field path like actor.ip" },
      default: {},
    },
    sigma_channels: {
      type: "array",
      title: "a list of channel names",
      description: `The channels the alerts of every Sigma rule go to. ${LIVE}`,
      items: { type: "string", pattern: CHANNEL_NAME_PATTERN, title: CHANNEL_NAME_TITLE },
      default: [],
    },
    sigma_cooldown: duration(
      "15m",
      `No new alert of a Sigma rule for the same group within this long. ${LIVE}`,
      "15m",
    ),
    lateness: duration(
      "10s",
      `How late after its time an event may arrive and still count in its windows (event time); windows are judged this long after they end. ${LIVE}`,
      "10s",
    ),
    start_at: {
      type: "string",
      enum: ["end", "beginning"],
      title: "end or beginning",
      description: `Where alerting starts the first time it runs on a store: end (events committed from then on) or beginning (the whole log). Afterwards it resumes where it stopped. ${RESTART}`,
      default: "end",
    },
    give_up_after: duration(
      "24h",
      `Stop retrying an alert's delivery this long after it was raised; the failure is recorded as an alert.delivery event. ${LIVE}`,
      "24h",
    ),
    delivery_timeout: duration("10s", `Longest wait for one delivery attempt. ${LIVE}`, "10s"),
    schedules: {
      type: "array",
      title: "a list of scheduled reports",
      description: `Reports made on a cron schedule and sent to channels or written to a directory (see docs/scheduled-reports.md). ${LIVE}`,
      items: SCHEDULE_SCHEMA,
      default: [],
    },
  },
} as const;
