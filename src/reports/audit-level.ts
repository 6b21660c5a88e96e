import { SealtrailError } from "../errors.js";
import type { AuditEvent } from "../event/audit-event.js";
import type { Cell } from "./report-model.js";

/**
 * Audit levels decide which fields of an event a report shows: `minimal` shows what happened and
 * when but no one's identity (for wide distribution), `standard` adds who, to what and with which
 * error, `detailed` adds addresses, tenant, source, request ids and the event's details (for
 * investigators).
 */

/** The audit levels, least detail first. */
export const AUDIT_LEVELS = ["minimal", "standard", "detailed"] as const;
/** An audit level. */
export type AuditLevel = (typeof AUDIT_LEVELS)[number];

/** One column of an event table. */
export interface EventColumn {
  readonly key: string;
  readonly label: string;
  /** `timestamp`: the value is an instant as stored (see `TableColumn`). */
  readonly type?: "timestamp";
  readonly value: (e: AuditEvent) => Cell;
}

/** Longest `details` text a detailed table shows. */
const DETAILS_CHARS = 300;

const MINIMAL: readonly EventColumn[] = [
  { key: "seq", label: "Seq", value: (e) => e.seq },
  { key: "timestamp", label: "Time", type: "timestamp", value: (e) => e.timestamp },
  { key: "action", label: "Action", value: (e) => e.action },
  { key: "outcome", label: "Outcome", value: (e) => e.outcome },
];
const STANDARD: readonly EventColumn[] = [
  ...MINIMAL,
  { key: "severity", label: "Severity", value: (e) => e.severity },
  { key: "actor", label: "Actor", value: (e) => e.actor?.id ?? null },
  {
    key: "target",
    label: "Target",
    value: (e) => (e.target ? [e.target.type, e.target.id ?? e.target.name].filter(Boolean).join(":") : null),
  },
  { key: "error", label: "Error", value: (e) => e.error?.code ?? null },
];
const DETAILED: readonly EventColumn[] = [
  ...STANDARD,
  { key: "ip", label: "IP", value: (e) => e.actor?.ip ?? null },
  { key: "tenant", label: "Tenant", value: (e) => e.tenant ?? null },
  { key: "source", label: "Source", value: (e) => e.source?.tool ?? null },
  { key: "request_id", label: "Request", value: (e) => e.context?.request_id ?? null },
  {
    key: "details",
    label: "Details",
    value: (e) => {
      if (e.details === undefined) return null;
      const text = JSON.stringify(e.details);
      return text.length > DETAILS_CHARS ? `${text.slice(0, DETAILS_CHARS)}…` : text;
    },
  },
];

/** The event columns each level shows. */
export const EVENT_COLUMNS: Readonly<Record<AuditLevel, readonly EventColumn[]>> = {
  minimal: MINIMAL,
  standard: STANDARD,
  detailed: DETAILED,
};

/**
 * The audit level named `text`, or `ST_ERR_USAGE` naming the levels.
 *
 * @example
 * ```ts
 * parseAuditLevel("DETAILED"); // "detailed"
 * ```
 */
export function parseAuditLevel(text: string): AuditLevel {
  const level = text.toLowerCase();
  if ((AUDIT_LEVELS as readonly string[]).includes(level)) return level as AuditLevel;
  throw new SealtrailError("ST_ERR_USAGE", `level: expected minimal, standard or detailed, got "${text}"`, {
    details: { field: "level" },
  });
}
