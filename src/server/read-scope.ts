import type { ApiKeyRecord } from "../access/api-key-store.js";
import { SealtrailError } from "../errors.js";
import type { AuditEvent } from "../event/audit-event.js";
import { parseCondition } from "../query/filter-syntax.js";
import { parseInstant } from "../query/time-range.js";
import type { EventFilter } from "../read-model/event-filter.js";

/**
 * What a read request asks for: the command line's filter expressions written as bare query
 * parameters (`?actor.id=alice&severity>=warning&since=7d`), or as repeated `filter=` ones, and
 * the route's own named parameters. Then the tenant scope of the asking key, which every read
 * goes through: a tenant-bound key sees only its tenant's events.
 */

/** A read request's query string, split. */
export interface ReadQuery {
  /** The filter, time window included. */
  readonly filter: EventFilter;
  /** The filter expressions as given (for the access record). */
  readonly expressions: readonly string[];
  /** The route's named parameters (`limit`, `cursor`, `format`…), last value wins. */
  readonly params: ReadonlyMap<string, string>;
}

const WINDOW = new Set(["since", "until"]);

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new SealtrailError("ST_ERR_QUERY_FILTER", `query string: "${text}" is not valid percent-encoding`);
  }
}

/**
 * Splits the query string of `url`. Parameters named in `named` (and `since`/`until`/`filter`)
 * are parameters; every other one is a filter expression. A `+` stays a plus.
 *
 * @example
 * ```ts
 * parseReadQuery("/v1/events?actor.id=alice&severity>=warning&limit=20", ["limit"]);
 * // filter: actor.id = alice and severity ≥ warning; params: limit → "20"
 * ```
 */
export function parseReadQuery(url: string, named: readonly string[], now = Date.now()): ReadQuery {
  const at = url.indexOf("?");
  const query = at < 0 ? "" : url.slice(at + 1);
  const params = new Map<string, string>();
  const expressions: string[] = [];
  const names = new Set(named);
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? decode(part) : decode(part.slice(0, eq));
    const value = eq < 0 ? "" : decode(part.slice(eq + 1));
    if (name === "filter") expressions.push(value);
    else if (names.has(name) || WINDOW.has(name)) params.set(name, value);
    else expressions.push(decode(part));
  }
  const conditions = expressions.filter((e) => e.trim() !== "").map((e) => parseCondition(e, now));
  const since = params.get("since");
  const until = params.get("until");
  const filter: EventFilter = {
    conditions,
    ...(since === undefined ? {} : { since: parseInstant(since, "since", now) }),
    ...(until === undefined ? {} : { until: parseInstant(until, "until", now) }),
  };
  return { filter, expressions, params };
}

/** `filter` narrowed to what `key` may see: its tenant's events when it is bound to one. */
export function scopeToKey(filter: EventFilter, key: ApiKeyRecord): EventFilter {
  if (key.tenant === null) return filter;
  return { ...filter, conditions: [...filter.conditions, { field: "tenant", op: "eq", value: key.tenant }] };
}

/** True when `key` may see `event`. */
export function visibleTo(event: AuditEvent, key: ApiKeyRecord): boolean {
  return key.tenant === null || event.tenant === key.tenant;
}

/** The integer parameter `name`, within [min, max], else `fallback` when absent. */
export function integerParam(
  params: ReadonlyMap<string, string>,
  name: string,
  range: { min: number; max: number },
  fallback?: number,
): number | undefined {
  const text = params.get(name);
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `${name}: expected an integer from ${range.min} to ${range.max}, got "${text}"`,
    );
  }
  return n;
}
