import { SealtrailError } from "../errors.js";
import type { AuditEvent, AuditEventInput } from "./audit-event.js";
import { SEVERITIES } from "./audit-event.js";
import { canonicalize } from "./canonical-json.js";
import { categoryOf } from "./category-rules.js";
import { DEFAULT_EVENT_LIMITS, type EventLimits } from "./event-limits.js";
import type { PreparedEvent } from "./prepared-event.js";
import { formatTimestamp, parseRfc3339 } from "./timestamp.js";
import { uuidv7 } from "./uuid-v7.js";
import { keyMaterialError, PEM_BLOCK, validateEvent } from "./validate-event.js";

/**
 * An event validated and normalized, as the transform stage sees it: every default filled in,
 * times in their stored form, and no `seq` yet.
 */
export type NormalizedEvent = Omit<AuditEvent, "seq">;

/**
 * One step of the transform stage, between normalization and sealing: it returns the event to
 * seal (rewritten or not) or throws a {@link SealtrailError} naming the path it rejects. It MUST
 * NOT change `id`, `received_at` or `seq`-related fields, and MUST return a schema-valid event
 * (the stage validates it again before sealing).
 */
export type EventTransform = (event: NormalizedEvent) => NormalizedEvent;

/** Options for {@link prepareEvent}. */
export interface PrepareOptions {
  /** Limits to enforce; defaults to {@link DEFAULT_EVENT_LIMITS}. */
  limits?: EventLimits;
  /** When the log accepted the event, Unix ms; defaults to now. */
  receivedAt?: number;
  /** The transform stage, run in order after normalization (see {@link EventTransform}). */
  transforms?: readonly EventTransform[];
}

const SEVERITY_LEVEL = new Map<string, number>(SEVERITIES.map((name, level) => [name, level]));
/** Room kept for the seq digits when checking the size limit before sequencing. */
const SEQ_ALLOWANCE = 24;

/**
 * The prepare pipeline of one producer event: validate → normalize → transforms → seal.
 * Throws a {@link SealtrailError} naming the field on any invalid input.
 *
 * @example
 * ```ts
 * const prepared = prepareEvent({ action: "key.rotate", crypto: { key_id: "k1" } });
 * prepared.category; // "key_management"
 * ```
 */
export function prepareEvent(input: unknown, options: PrepareOptions = {}): PreparedEvent {
  const limits = options.limits ?? DEFAULT_EVENT_LIMITS;
  let event = normalizeEvent(input, options);
  const transforms = options.transforms;
  if (transforms && transforms.length > 0) {
    const { id, received_at } = event;
    for (const transform of transforms) event = transform(event);
    if (event.id !== id || event.received_at !== received_at) {
      // A defect of the transform, not of the event: no registry code describes it to a producer.
      throw new Error("a transform changed the event's id or received_at");
    }
    const { received_at: _assigned, ...producerFields } = event;
    validateEvent(producerFields, limits);
  }
  return sealEvent(event, (input as AuditEventInput).id !== undefined, limits);
}

/**
 * Validates one producer event and fills in its defaults: id (UUIDv7 when absent), UTC
 * millisecond timestamps, `outcome` unknown, `severity` info, category from the action, crypto
 * dates in stored form.
 *
 * @example
 * ```ts
 * normalizeEvent({ action: "user.login" }).outcome; // "unknown"
 * ```
 */
export function normalizeEvent(input: unknown, options: PrepareOptions = {}): NormalizedEvent {
  validateEvent(input, options.limits ?? DEFAULT_EVENT_LIMITS);
  const event = input as AuditEventInput;
  const receivedAt = options.receivedAt ?? Date.now();
  const timestamp =
    event.timestamp === undefined
      ? formatTimestamp(receivedAt)
      : isStoredForm(event.timestamp)
        ? event.timestamp
        : formatTimestamp(parseTime(event.timestamp, "timestamp"));
  const normalized: NormalizedEvent = {
    ...event,
    id: event.id !== undefined ? event.id.toLowerCase() : uuidv7(receivedAt),
    timestamp,
    received_at: formatTimestamp(receivedAt),
    category: event.category ?? categoryOf(event.action),
    outcome: event.outcome ?? "unknown",
    severity: event.severity ?? "info",
  };
  if (event.crypto !== undefined) normalized.crypto = normalizeCrypto(event.crypto);
  return normalized;
}

/**
 * Seals a normalized event: its canonical JSON built key-sorted so that RFC 8785 costs one
 * `JSON.stringify` per member, split around the `seq` to come, with the columns the store
 * indexes. Refuses an event over the size limit or holding a PEM block.
 */
export function sealEvent(event: NormalizedEvent, producerId: boolean, limits: EventLimits): PreparedEvent {
  // Keys in RFC 8785 order (UTF-16 code units); see PreparedEvent for why seq splits them.
  let head = `{"action":${JSON.stringify(event.action)}`;
  if (event.actor !== undefined) head += `,"actor":${fixedObject(event.actor, ACTOR_KEYS)}`;
  head += `,"category":"${event.category}"`;
  if (event.context !== undefined) head += `,"context":${canonicalize(event.context)}`;
  if (event.crypto !== undefined) head += `,"crypto":${fixedObject(event.crypto, CRYPTO_KEYS)}`;
  if (event.details !== undefined) head += `,"details":${canonicalize(event.details)}`;
  if (event.duration_ms !== undefined) head += `,"duration_ms":${JSON.stringify(event.duration_ms)}`;
  if (event.error !== undefined) head += `,"error":${fixedObject(event.error, ERROR_KEYS)}`;
  head += `,"id":"${event.id}","outcome":"${event.outcome}"`;
  if (event.policies !== undefined) head += `,"policies":${canonicalize(event.policies)}`;
  head += `,"received_at":"${event.received_at}","seq":`;

  let tail = `,"severity":"${event.severity}"`;
  if (event.source !== undefined) tail += `,"source":${fixedObject(event.source, SOURCE_KEYS)}`;
  if (event.tags !== undefined) tail += `,"tags":${canonicalize(event.tags)}`;
  if (event.target !== undefined) tail += `,"target":${fixedObject(event.target, TARGET_KEYS)}`;
  if (event.tenant !== undefined) tail += `,"tenant":${JSON.stringify(event.tenant)}`;
  tail += `,"timestamp":"${event.timestamp}"}`;

  const size = Buffer.byteLength(head) + Buffer.byteLength(tail) + SEQ_ALLOWANCE;
  if (size > limits.maxEventBytes) {
    throw new SealtrailError(
      "ST_ERR_EVENT_TOO_LARGE",
      `(event): expected at most ${limits.maxEventBytes} bytes serialized, got about ${size}`,
      { details: { bytes: size, limit: limits.maxEventBytes } },
    );
  }
  if (head.includes("-----BEGIN") || tail.includes("-----BEGIN")) rejectPem(event);

  return {
    id: event.id,
    producerId,
    timestampMs: Date.parse(event.timestamp),
    action: event.action,
    category: event.category,
    outcome: event.outcome,
    severityLevel: SEVERITY_LEVEL.get(event.severity) as number,
    actorId: event.actor?.id ?? null,
    targetId: event.target?.id ?? null,
    tenant: event.tenant ?? null,
    head,
    tail,
  };
}

/**
 * The members of each fixed-shape object in RFC 8785 order. The schema allows no others, so
 * serializing them in this order is canonical without sorting per event.
 */
const ACTOR_KEYS = ["id", "ip", "name", "session_id", "type", "user_agent"] as const;
const TARGET_KEYS = ["id", "name", "type", "version"] as const;
const SOURCE_KEYS = ["component", "host", "tool", "tool_version"] as const;
const ERROR_KEYS = ["code", "message", "stack"] as const;
const CRYPTO_KEYS = [
  "algorithm",
  "fingerprint",
  "key_id",
  "key_size",
  "not_after",
  "not_before",
  "serial",
] as const;

/** Canonical JSON of a schema-validated object whose members are strings or numbers. */
function fixedObject<K extends string>(object: Partial<Record<K, unknown>>, keys: readonly K[]): string {
  let out = "";
  for (const key of keys) {
    const value = object[key];
    if (value !== undefined) out += `${out ? "," : ""}"${key}":${JSON.stringify(value)}`;
  }
  return `{${out}}`;
}

const STORED_FORM = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** True when `text` is already `YYYY-MM-DDTHH:mm:ss.sssZ` (a calendar-valid one, once parsed). */
function isStoredForm(text: string): boolean {
  return STORED_FORM.test(text);
}

function parseTime(text: string, path: string): number {
  const ms = parseRfc3339(text);
  if (ms === undefined) {
    throw new SealtrailError(
      "ST_ERR_EVENT_INVALID",
      `${path}: expected a valid RFC 3339 date-time, got "${text}"`,
      {
        details: { path },
      },
    );
  }
  return ms;
}

function normalizeCrypto(crypto: NonNullable<AuditEventInput["crypto"]>): typeof crypto {
  const out = { ...crypto };
  if (out.not_before !== undefined)
    out.not_before = formatTimestamp(parseTime(out.not_before, "crypto.not_before"));
  if (out.not_after !== undefined)
    out.not_after = formatTimestamp(parseTime(out.not_after, "crypto.not_after"));
  return out;
}

/**
 * Finds the value or field name holding a PEM block and rejects it, naming its path. Returns
 * when the `-----BEGIN` seen in the text is not a PEM block (details accept such text too).
 */
function rejectPem(event: NormalizedEvent): void {
  const stack: Array<[unknown, string]> = Object.entries(event).map(([k, v]) => [v, k]);
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === "string" && PEM_BLOCK.test(value)) throw keyMaterialError(path, "a PEM block");
    if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (PEM_BLOCK.test(k)) throw keyMaterialError(path, "a PEM block in a field name");
        stack.push([v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`]);
      }
    }
  }
}
