import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { SealtrailError } from "../../errors.js";
import type { AlertChannel, AlertHandler } from "./alert-channel.js";
import { type ChannelIssue, channelIssues, describeValue, dotted } from "./channel-issues.js";
import {
  type AlertChannelConfig,
  type AlertChannelType,
  CHANNEL_NAME_PATTERN,
  CHANNEL_NAME_TITLE,
  CHANNEL_SCHEMA,
  CHANNEL_TYPES,
} from "./channel-schema.js";
import { discordChannel } from "./discord-channel.js";
import { emailChannel } from "./email-channel.js";
import { functionChannel } from "./function-channel.js";
import { pagerDutyChannel } from "./pagerduty-channel.js";
import { slackChannel } from "./slack-channel.js";
import { teamsChannel } from "./teams-channel.js";
import { webhookChannel } from "./webhook-channel.js";

/**
 * `alerting.channels` → the channels, by name. Each definition is checked against
 * {@link CHANNEL_SCHEMA} (with the validator generated from it at build time), then for what a
 * schema cannot say: URLs parse and are http or https without credentials in them, `whsec_`
 * secrets decode from base64 to at least 24 bytes, email addresses are addresses. Every problem
 * of every channel is reported at once, each naming the file, the path and what was expected,
 * and none showing a secret.
 */

/** A definition as the library takes it: a configured channel, or a custom handler. */
export type ChannelDefinition = AlertChannelConfig | AlertHandler;

/** Options of {@link parseChannels}. */
export interface ParseChannelsOptions {
  /** The file the definitions come from, named by every error; absent for definitions made in code. */
  readonly file?: string | undefined;
  /** Where the definitions sit in that file; default `alerting.channels`. */
  readonly path?: string;
}

/** A problem with one channel: where in the file, what was expected, what was found. */
export interface ChannelProblem {
  /** `alerting.channels.ops-mail.smtp.port`. */
  readonly path: string;
  readonly expected: string;
  readonly got: string;
}

const require = createRequire(import.meta.url);
let compiledCheck: ValidateFunction | undefined;

/** The validator of {@link CHANNEL_SCHEMA}, generated at build time, loaded on first use. */
function channelCheck(): ValidateFunction {
  compiledCheck ??= require("./channel-schema-check.cjs") as ValidateFunction;
  return compiledCheck;
}

type IsEmail = typeof import("validator/lib/isEmail.js").default;
let isEmail: IsEmail | undefined;

/** validator's `isEmail`, alone (not the whole package), loaded on first use. */
function emailCheck(): IsEmail {
  isEmail ??= require("validator/lib/isEmail.js") as IsEmail;
  return isEmail;
}

/**
 * Checks `definitions` and makes their channels.
 *
 * @throws SealtrailError `ST_ERR_ALERT_CHANNEL`, one line per problem:
 *   `sealtrail.yaml: alerting.channels.ops-mail.smtp.port: expected a port number 1–65535, got 0`;
 *   `details.issues` holds them as `{ path, expected, got }`.
 *
 * @example
 * ```ts
 * const channels = parseChannels(config.alerting.channels, { file: "/etc/sealtrail/sealtrail.yaml" });
 * await channels.get("ops-mail")?.send(notice, { number: 1, timeoutMs: 10_000 });
 * ```
 */
export function parseChannels(
  definitions: unknown,
  options: ParseChannelsOptions,
): Map<string, AlertChannel> {
  const base = options.path ?? "alerting.channels";
  const problems: ChannelProblem[] = [];
  if (typeof definitions !== "object" || definitions === null || Array.isArray(definitions)) {
    problems.push({
      path: base,
      expected: "a mapping of channel names to channel definitions",
      got: describeValue(definitions),
    });
    throw channelError(options.file, problems);
  }
  const valid: [string, ChannelDefinition][] = [];
  for (const [name, definition] of Object.entries(definitions)) {
    const where = (path: string) =>
      `${base}${keyPart(name)}${path === "" || path.startsWith("[") ? path : `.${path}`}`;
    const issues: ChannelIssue[] = [];
    if (!new RegExp(CHANNEL_NAME_PATTERN).test(name)) {
      issues.push({ path: "", expected: CHANNEL_NAME_TITLE, got: describeValue(name) });
    } else if (typeof definition !== "function") {
      const check = channelCheck();
      if (!check(definition)) issues.push(...channelIssues(check.errors ?? [], definition));
      if (typeof definition === "object" && definition !== null && !Array.isArray(definition)) {
        const reported = new Set(issues.map((i) => i.path));
        issues.push(
          ...semanticIssues(definition as Record<string, unknown>).filter((i) => !reported.has(i.path)),
        );
      }
    }
    problems.push(...issues.map((i) => ({ path: where(i.path), expected: i.expected, got: i.got })));
    if (issues.length === 0) valid.push([name, definition as ChannelDefinition]);
  }
  if (problems.length > 0) throw channelError(options.file, problems);
  return new Map(valid.map(([name, definition]) => [name, makeChannel(name, definition)]));
}

/** A channel's name in a dotted path: `.ops-mail`, or `["odd name"]`. */
function keyPart(name: string): string {
  return /^[A-Za-z0-9_$][\w$-]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** The channel for a checked definition. */
function makeChannel(name: string, definition: ChannelDefinition): AlertChannel {
  if (typeof definition === "function") return functionChannel(name, definition);
  switch (definition.type) {
    case "email":
      return emailChannel(name, definition);
    case "slack":
      return slackChannel(name, definition);
    case "discord":
      return discordChannel(name, definition);
    case "pagerduty":
      return pagerDutyChannel(name, definition);
    case "teams":
      return teamsChannel(name, definition);
    case "webhook":
      return webhookChannel(name, definition);
  }
}

/** The one error for every problem found. */
function channelError(file: string | undefined, problems: readonly ChannelProblem[]): SealtrailError {
  const lines = problems.map(
    (p) => `${file === undefined ? "" : `${file}: `}${p.path}: expected ${p.expected}, got ${p.got}`,
  );
  return new SealtrailError("ST_ERR_ALERT_CHANNEL", lines.join("\n"), {
    details: { file, field: problems[0]?.path, issues: problems.map((p) => ({ ...p })) },
  });
}

/** The title the schema gives a setting of a channel type (`["smtp", "port"]`). */
export function settingTitle(type: AlertChannelType, path: readonly string[]): string {
  const branch = CHANNEL_SCHEMA.allOf.find((b) => b.if.properties.type.const === type);
  let node: unknown = branch?.then;
  for (const part of path) {
    const schema = node as { properties?: Record<string, unknown>; items?: unknown } | undefined;
    node = /^\d+$/.test(part) ? schema?.items : schema?.properties?.[part];
  }
  const title = (node as { title?: unknown } | undefined)?.title;
  return typeof title === "string" ? title : "a valid value";
}

/**
 * What the schema cannot check: URLs, secrets, addresses. Run whatever the schema said, on the
 * values of the right type, so that every problem is reported at once.
 */
function semanticIssues(definition: Readonly<Record<string, unknown>>): ChannelIssue[] {
  const issues: ChannelIssue[] = [];
  const type = definition.type as AlertChannelType;
  if (!CHANNEL_TYPES.includes(type)) return issues;
  const expect = (path: readonly string[], got: string | undefined, expected?: string) => {
    if (got !== undefined)
      issues.push({ path: dotted(path), expected: expected ?? settingTitle(type, path), got });
  };
  const text = (value: unknown): value is string => typeof value === "string" && value.length > 0;
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  switch (type) {
    case "email":
      if (text(definition.from)) expect(["from"], addressProblem(definition.from));
      list(definition.to).forEach((to, i) => {
        if (text(to)) expect(["to", String(i)], addressProblem(to));
      });
      break;
    case "slack":
    case "discord":
    case "teams":
      if (text(definition.url)) expect(["url"], urlProblem(definition.url, true));
      break;
    case "pagerduty":
      if (text(definition.url)) expect(["url"], urlProblem(definition.url, false));
      break;
    case "webhook": {
      if (text(definition.url)) expect(["url"], urlProblem(definition.url, true));
      const { secret, secrets } = definition;
      if (secret !== undefined && secrets !== undefined) {
        expect(["secrets"], "secrets as well as secret", "secret or secrets, not both");
      } else if (secret === undefined && secrets === undefined) {
        expect(
          ["secret"],
          "nothing",
          `${settingTitle("webhook", ["secret"])} (secret or secrets is required)`,
        );
      }
      if (text(secret)) expect(["secret"], secretProblem(secret));
      list(secrets).forEach((s, i) => {
        if (text(s)) expect(["secrets", String(i)], secretProblem(s));
      });
      break;
    }
  }
  return issues;
}

/** Why `text` is not a URL a channel can post to, or undefined when it is. A secret URL is never quoted. */
export function urlProblem(text: string, secret: boolean): string | undefined {
  const shown = secret ? "a URL" : JSON.stringify(text);
  if (!URL.canParse(text)) return secret ? "a text that is not a URL" : `${shown}, which is not a URL`;
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") return `a ${url.protocol.slice(0, -1)}: URL`;
  if (url.username || url.password)
    return `${shown} with a user name or password in it (fetch refuses those)`;
  return undefined;
}

/** Why `secret` is not a usable Standard Webhooks secret, or undefined; never quotes it. */
export function secretProblem(secret: string): string | undefined {
  if (!secret.startsWith("whsec_")) return "a text that does not start with whsec_";
  const key = secret.slice("whsec_".length);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(key) || key.length === 0) {
    return "a whsec_ secret whose key is not base64";
  }
  const bytes = Buffer.from(key, "base64").length;
  return bytes < 24 ? `a whsec_ secret of ${bytes} bytes` : undefined;
}

/** Why `text` is not an email address (`a@example.com` or `Name <a@example.com>`), or undefined. */
export function addressProblem(text: string): string | undefined {
  return emailCheck()(text, { allow_display_name: true }) ? undefined : JSON.stringify(text);
}
