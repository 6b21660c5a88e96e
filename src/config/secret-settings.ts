/**
 * Settings whose values are secrets wherever they are written, even inline rather than from
 * `${ENV}`: an alert channel's URL (Slack, Discord and Teams URLs carry their token), webhook
 * secrets, PagerDuty routing keys, SMTP passwords. Errors, `config check --print` and the
 * configuration recorded in the log show them as `***` or "a secret (not shown)".
 */
const SECRET_SETTING =
  /^\/alerting\/channels\/[^/]+\/(url|secret|secrets(\/\d+)?|routing_key|smtp\/auth\/pass)$/;

/**
 * Whether the setting at a JSON pointer (`/alerting/channels/ops/secret`) holds a secret.
 *
 * @example
 * ```ts
 * isSecretSetting("/alerting/channels/chat/url"); // true
 * isSecretSetting("/server/port"); // false
 * ```
 */
export function isSecretSetting(pointer: string): boolean {
  return SECRET_SETTING.test(pointer);
}
