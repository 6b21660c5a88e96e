/**
 * Keeping secrets out of what a channel says: a channel lists the secrets it holds, and every
 * reason it gives passes through {@link Redactor.redact} first.
 */

/** What stands in for a secret in a text. */
export const REDACTED = "[redacted]";

/**
 * Replaces the secrets it was given, wherever they occur in a text.
 *
 * @example
 * ```ts
 * const redactor = new Redactor(["s3cret"]);
 * redactor.redact("login s3cret refused"); // "login [redacted] refused"
 * ```
 */
export class Redactor {
  readonly #secrets: readonly string[];

  /** Empty texts are ignored; longer secrets are replaced first, so that a part never hides a whole. */
  constructor(secrets: readonly string[]) {
    this.#secrets = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by {@link REDACTED}. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.replaceAll(secret, REDACTED);
    return out;
  }
}

/**
 * The parts of a URL that may carry a credential, in the forms a message could quote them: the
 * whole URL, its path and query (a webhook token), its query alone (a signature), and any user
 * and password in it. Its origin (scheme, host and port) is what may be shown.
 *
 * @example
 * ```ts
 * urlSecrets(new URL("https://hooks.slack.com/services/T0/B0/XYZ"));
 * // ["https://hooks.slack.com/services/T0/B0/XYZ", "/services/T0/B0/XYZ"]
 * ```
 */
export function urlSecrets(url: URL, given?: string): string[] {
  const secrets = [url.href];
  if (given !== undefined) secrets.push(given);
  const pathAndQuery = `${url.pathname}${url.search}`;
  if (pathAndQuery.length > 1) secrets.push(pathAndQuery);
  if (url.search.length > 1) secrets.push(url.search.slice(1));
  if (url.username) secrets.push(url.username, decodeURIComponent(url.username));
  if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
  return secrets;
}

/**
 * A receiver's text as one short line: control characters and runs of space folded, at most
 * `max` characters (with an ellipsis).
 *
 * @example
 * ```ts
 * excerpt("invalid_payload\n"); // "invalid_payload"
 * ```
 */
export function excerpt(text: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: folding control characters is the point.
  const line = text.replace(/[\u0000-\u001f\u007f\s]+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
