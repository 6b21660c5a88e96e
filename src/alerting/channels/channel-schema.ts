// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} is the configuration file's own syntax, named in titles.
/**
 * The JSON Schema (draft 2020-12) of one entry of `alerting.channels`: a channel's name maps to
 * `{ type, …settings }`. The configuration file's schema embeds it, and `parseChannels` checks a
 * definition against it (a validator generated at build time) before the checks a schema cannot
 * make (URLs, `whsec_` secrets, email addresses).
 *
 * The entry is discriminated by `type` with `if`/`then` branches rather than `oneOf`: an unknown
 * type is reported once at `type` (with the list of types), and a bad setting of a known type is
 * reported at that setting alone, instead of one complaint per type that did not match. Every
 * property has a `title` that says what is expected there, which is how errors word it. Values
 * that are secrets (webhook URLs, routing keys, passwords, signing secrets) are marked
 * `writeOnly`, so that no error message prints them.
 *
 * This module imports nothing: the configuration module and the validator generator read it.
 */

/** The kinds of channel a configuration may define (a library may also pass a function). */
export const CHANNEL_TYPES = ["email", "slack", "discord", "pagerduty", "teams", "webhook"] as const;

/** A kind of channel a configuration may define. */
export type AlertChannelType = (typeof CHANNEL_TYPES)[number];

/** What a channel's name (its key under `alerting.channels`, the name rules refer to) may be. */
export const CHANNEL_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";

/** The title of a channel's name, for errors about it. */
export const CHANNEL_NAME_TITLE =
  "a channel name: letters, digits, '_', '.' or '-', starting with a letter or digit, at most 64 characters";

/** PagerDuty's Events API v2 endpoint, the default `url` of a `pagerduty` channel. */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** An incoming-webhook URL that is itself the credential (Slack, Discord, Teams). */
function secretUrl(service: string) {
  return {
    type: "string",
    minLength: 1,
    writeOnly: true,
    title: `the ${service} webhook URL (http or https; it is a secret: take it from \${ENV})`,
  } as const;
}

const TYPE_TITLE = `one of the channel types ${CHANNEL_TYPES.join(", ")}`;

/** `type` inside a branch: the branch is only taken for this value. */
function typeIs<T extends AlertChannelType>(type: T) {
  return { const: type, title: TYPE_TITLE } as const;
}

/** The branch for one type: its settings, and nothing else. */
function when<T extends AlertChannelType, S extends object>(type: T, then: S) {
  return { if: { properties: { type: { const: type } }, required: ["type"] }, then } as const;
}

const EMAIL_ADDRESS = {
  type: "string",
  minLength: 1,
  title: "an email address (alerts@example.com, or Name <alerts@example.com>)",
} as const;

const WEBHOOK_SECRET = {
  type: "string",
  minLength: 1,
  writeOnly: true,
  title: "a Standard Webhooks secret: whsec_ then at least 24 bytes in base64 (take it from ${ENV})",
} as const;

/** The JSON Schema of one channel definition, without a `$schema` header. */
export const CHANNEL_SCHEMA = {
  type: "object",
  title: `a channel: a mapping with a type (${CHANNEL_TYPES.join(", ")}) and its settings`,
  required: ["type"],
  properties: {
    type: { type: "string", enum: [...CHANNEL_TYPES], title: TYPE_TITLE },
  },
  allOf: [
    when("email", {
      type: "object",
      title: "an email channel: type, smtp, from and to",
      additionalProperties: false,
      required: ["type", "smtp", "from", "to"],
      properties: {
        type: typeIs("email"),
        smtp: {
          type: "object",
          title: "a mapping of SMTP settings: host, port, and optionally secure and auth",
          additionalProperties: false,
          required: ["host", "port"],
          properties: {
            host: {
              type: "string",
              minLength: 1,
              pattern: "^[^\\s/]+$",
              title: "the SMTP server's host name or IP address",
            },
            port: { type: "integer", minimum: 1, maximum: 65_535, title: "a port number 1–65535" },
            secure: {
              type: "boolean",
              title:
                "true (TLS from the first byte, usually port 465) or false (plain, upgraded with STARTTLS when the server offers it); default: true on port 465",
            },
            auth: {
              type: "object",
              title: "a mapping with the SMTP user and pass",
              additionalProperties: false,
              required: ["user", "pass"],
              properties: {
                user: { type: "string", minLength: 1, title: "the SMTP user name" },
                pass: {
                  type: "string",
                  minLength: 1,
                  writeOnly: true,
                  title: "the SMTP password (a secret: take it from ${ENV})",
                },
              },
            },
          },
        },
        from: EMAIL_ADDRESS,
        to: {
          type: "array",
          minItems: 1,
          title: "a list of at least one email address",
          items: EMAIL_ADDRESS,
        },
      },
    }),
    when("slack", {
      type: "object",
      title: "a Slack channel: type and url",
      additionalProperties: false,
      required: ["type", "url"],
      properties: { type: typeIs("slack"), url: secretUrl("Slack incoming") },
    }),
    when("discord", {
      type: "object",
      title: "a Discord channel: type and url",
      additionalProperties: false,
      required: ["type", "url"],
      properties: { type: typeIs("discord"), url: secretUrl("Discord") },
    }),
    when("pagerduty", {
      type: "object",
      title: "a PagerDuty channel: type, routing_key, and optionally url and source",
      additionalProperties: false,
      required: ["type", "routing_key"],
      properties: {
        type: typeIs("pagerduty"),
        routing_key: {
          type: "string",
          pattern: "^[A-Za-z0-9]{32}$",
          writeOnly: true,
          title: "a PagerDuty integration key: 32 letters and digits (a secret: take it from ${ENV})",
        },
        url: {
          type: "string",
          minLength: 1,
          title: `the Events API v2 URL, http or https (default ${PAGERDUTY_EVENTS_URL})`,
        },
        source: {
          type: "string",
          minLength: 1,
          maxLength: 255,
          title: "the payload's source: a non-empty text of at most 255 characters (default sealtrail)",
        },
      },
    }),
    when("teams", {
      type: "object",
      title: "a Microsoft Teams channel: type and url",
      additionalProperties: false,
      required: ["type", "url"],
      properties: { type: typeIs("teams"), url: secretUrl("Teams Workflows") },
    }),
    when("webhook", {
      type: "object",
      title: "a webhook channel: type, url, and secret (or secrets)",
      additionalProperties: false,
      required: ["type", "url"],
      properties: {
        type: typeIs("webhook"),
        url: { type: "string", minLength: 1, writeOnly: true, title: "the receiver's URL, http or https" },
        secret: WEBHOOK_SECRET,
        secrets: {
          type: "array",
          minItems: 1,
          maxItems: 10,
          title: "a list of 1 to 10 Standard Webhooks secrets (whsec_…), each signing every message",
          items: WEBHOOK_SECRET,
        },
      },
    }),
  ],
} as const;

/** SMTP settings of an `email` channel. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte; default: true on port 465, else false (STARTTLS when offered). */
  readonly secure?: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** An `email` channel: SMTP through nodemailer. */
export interface EmailChannelConfig {
  readonly type: "email";
  readonly smtp: SmtpSettings;
  /** `alerts@example.com` or `Sealtrail <alerts@example.com>`. */
  readonly from: string;
  readonly to: readonly string[];
}

/** A `slack` channel: an incoming webhook. */
export interface SlackChannelConfig {
  readonly type: "slack";
  /** The webhook URL (a secret). */
  readonly url: string;
}

/** A `discord` channel: a webhook. */
export interface DiscordChannelConfig {
  readonly type: "discord";
  /** The webhook URL (a secret). */
  readonly url: string;
}

/** A `pagerduty` channel: the Events API v2. */
export interface PagerDutyChannelConfig {
  readonly type: "pagerduty";
  /** The integration key (a secret). */
  readonly routing_key: string;
  /** Default {@link PAGERDUTY_EVENTS_URL}. */
  readonly url?: string;
  /** The payload's `source`; default `sealtrail`. */
  readonly source?: string;
}

/** A `teams` channel: a Workflows webhook posting an Adaptive Card. */
export interface TeamsChannelConfig {
  readonly type: "teams";
  /** The workflow's URL (a secret). */
  readonly url: string;
}

/** A `webhook` channel: Standard Webhooks, signed with one secret or several (rotation). */
export interface WebhookChannelConfig {
  readonly type: "webhook";
  readonly url: string;
  /** `whsec_…`; give `secret` or `secrets`. */
  readonly secret?: string;
  /** Several `whsec_…` secrets: every message carries one signature per secret. */
  readonly secrets?: readonly string[];
}

/** One entry of `alerting.channels`, as the file gives it. */
export type AlertChannelConfig =
  | EmailChannelConfig
  | SlackChannelConfig
  | DiscordChannelConfig
  | PagerDutyChannelConfig
  | TeamsChannelConfig
  | WebhookChannelConfig;
