import { SealtrailError } from "../errors.js";

/**
 * Module errors name fields (`since: expected a time before until`, with `details.field` or
 * `details.fields`); on the command line those fields are flags. This rewords such an error for
 * a command: each field it names, and that the command has a flag for, becomes the flag
 * (`--since: expected a time before --until`). Quoted text (a value as given) is left alone.
 */

/**
 * `error` reworded with flags, or `error` itself when it names no field of `flags`.
 * `flags` maps a field to its flag; by default a field `rotation_days` is `--rotation-days`.
 *
 * @example
 * ```ts
 * const e = new SealtrailError("ST_ERR_USAGE", "period and since: give one of them", { details: { fields: ["period", "since"] } });
 * inFlagWords(e, ["period", "since"]).message; // "--period and --since: give one of them"
 * ```
 */
export function inFlagWords(error: unknown, fields: readonly string[]): unknown {
  if (!(error instanceof SealtrailError)) return error;
  const named = namedFields(error.details).filter((f) => fields.includes(f));
  if (named.length === 0) return error;
  const message = error.message
    .split(/("[^"]*")/)
    .map((part, i) => (i % 2 === 1 ? part : named.reduce((text, field) => asFlag(text, field), part)))
    .join("");
  return new SealtrailError(error.code, message, {
    cause: error.cause,
    ...(error.details ? { details: error.details } : {}),
  });
}

/**
 * The flag of a field: `rotation_days` → `--rotation-days`.
 *
 * @example
 * ```ts
 * flagOf("rotation_days"); // "--rotation-days"
 * ```
 */
export function flagOf(field: string): string {
  return `--${field.replaceAll("_", "-")}`;
}

function namedFields(details: Record<string, unknown> | undefined): string[] {
  if (!details) return [];
  const fields = Array.isArray(details.fields) ? details.fields : [details.field];
  return fields.filter((f): f is string => typeof f === "string");
}

/** `text` with the word `field` (not part of a longer name, a path or a flag) as its flag. */
function asFlag(text: string, field: string): string {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text.replace(new RegExp(`(?<![\\w./\\\\-])${escaped}(?![\\w-]|\\.\\w)`, "g"), flagOf(field));
}
