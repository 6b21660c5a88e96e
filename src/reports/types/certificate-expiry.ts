import type { AuditEvent } from "../../event/audit-event.js";
import type { Condition, EventFilter } from "../../read-model/event-filter.js";
import type { Cell, Finding, Report, TableBlock } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { summarySection } from "./blocks.js";

export const DAY = 86_400_000;
/** The most events one scan reads (newest first); more are stated as truncated. */
export const SCAN_LIMIT = 10_000;
const PAGE = 1_000;

/** Events read by {@link scanEvents}, newest first, and whether the bound cut the scan short. */
export interface Scan {
  readonly events: AuditEvent[];
  readonly truncated: boolean;
}

/**
 * Reads events matching `filter`, newest first, page by page (by seq), until `limit` events,
 * the end, or `stop` returns true for an event (that event is the last one returned).
 */
export async function scanEvents(
  source: ReportSource,
  filter: EventFilter,
  limit = SCAN_LIMIT,
  stop?: (e: AuditEvent) => boolean,
): Promise<Scan> {
  const events: AuditEvent[] = [];
  while (events.length < limit) {
    const size = Math.min(PAGE, limit - events.length);
    const page = await source.query(afterLast(filter, events), { limit: size, order: "desc" });
    for (const e of page.events) {
      events.push(e);
      if (stop?.(e)) return { events, truncated: false };
    }
    const last = page.events[page.events.length - 1];
    if (page.events.length < size || !last) return { events, truncated: false };
  }
  const more = await source.query(afterLast(filter, events), { limit: 1, order: "desc" });
  return { events, truncated: more.events.length > 0 };
}

/** `filter` restricted to events older than the last one read. */
function afterLast(filter: EventFilter, events: readonly AuditEvent[]): EventFilter {
  const last = events[events.length - 1];
  if (!last) return filter;
  return { ...filter, conditions: [...filter.conditions, { field: "seq", op: "lt", value: last.seq }] };
}

/**
 * The scope's filter without its start: every event before the period's end (and within the
 * checkpoint), for the latest known state of keys and certificates, which may predate the period.
 */
export function untilEnd(scope: ReportScope, ...conditions: Condition[]): EventFilter {
  return {
    conditions: [...scope.filter.conditions, ...conditions],
    ...(scope.filter.until === undefined ? {} : { until: scope.filter.until }),
  };
}

/** A key or certificate as last known. */
export interface CryptoAsset {
  readonly kind: "key" | "certificate";
  /** Key id, or certificate serial / fingerprint / target id. */
  readonly id: string;
  /** The newest event about it. */
  readonly latest: AuditEvent;
  /** Its newest event retires it (`*.revoke`, `*.delete`, `*.destroy`). */
  readonly retired: boolean;
  algorithm?: { value: string; seq: number };
  keySize?: { value: number; seq: number };
  notBefore?: { value: string; seq: number };
  notAfter?: { value: string; seq: number };
  /** Subject: the newest target name or id. */
  subject?: string;
}

const RETIRING = /\.(revoke|revoked|delete|deleted|destroy|destroyed)$/i;

function assetOf(e: AuditEvent): { kind: "key" | "certificate"; id: string } | undefined {
  const c = e.crypto;
  const certId = c?.serial ?? c?.fingerprint;
  if (certId) return { kind: "certificate", id: certId };
  if (e.action.toLowerCase().startsWith("certificate.") && e.target?.id) {
    return { kind: "certificate", id: e.target.id };
  }
  if (c?.key_id) return { kind: "key", id: c.key_id };
  return undefined;
}

/** The crypto inventory: every key and certificate before the period's end, latest state. */
export interface Inventory {
  readonly assets: CryptoAsset[];
  /** Events read. */
  readonly scanned: number;
  /** A scan reached {@link SCAN_LIMIT}: older events were not read. */
  readonly truncated: boolean;
}

/**
 * Builds the crypto inventory from `certificate.*` events and events with `crypto` metadata,
 * newest first (each scan bounded by {@link SCAN_LIMIT}); each field of an asset is its newest
 * known value, with the seq of the event that gave it.
 */
export async function cryptoInventory(source: ReportSource, scope: ReportScope): Promise<Inventory> {
  const scans = await Promise.all(
    [
      { field: "crypto.key_id", op: "prefix", value: "" } as const,
      { field: "crypto.serial", op: "prefix", value: "" } as const,
      { field: "crypto.fingerprint", op: "prefix", value: "" } as const,
      { field: "action", op: "prefix", value: "certificate." } as const,
    ].map((c) => scanEvents(source, untilEnd(scope, c))),
  );
  const bySeq = new Map<number, AuditEvent>();
  for (const s of scans) for (const e of s.events) bySeq.set(e.seq, e);
  const events = [...bySeq.values()].sort((a, b) => b.seq - a.seq);
  const assets = new Map<string, CryptoAsset>();
  for (const e of events) {
    const which = assetOf(e);
    if (!which) continue;
    const key = `${which.kind}:${which.id}`;
    let asset = assets.get(key);
    if (!asset) {
      asset = { ...which, latest: e, retired: RETIRING.test(e.action) };
      assets.set(key, asset);
    }
    const c = e.crypto;
    if (!asset.algorithm && c?.algorithm) asset.algorithm = { value: c.algorithm, seq: e.seq };
    if (!asset.keySize && c?.key_size !== undefined) asset.keySize = { value: c.key_size, seq: e.seq };
    if (!asset.notBefore && c?.not_before) asset.notBefore = { value: c.not_before, seq: e.seq };
    if (!asset.notAfter && c?.not_after) asset.notAfter = { value: c.not_after, seq: e.seq };
    if (asset.subject === undefined && (e.target?.name ?? e.target?.id))
      asset.subject = e.target?.name ?? e.target?.id;
  }
  return {
    assets: [...assets.values()].sort((a, b) => (a.kind + a.id < b.kind + b.id ? -1 : 1)),
    scanned: events.length,
    truncated: scans.some((s) => s.truncated),
  };
}

/** What the certificate-expiry report is asked for. */
export interface CertificateExpiryOptions {
  /** Flag certificates expiring within this many days of the period's end (default 30). */
  readonly withinDays?: number;
}

/**
 * The certificate-expiry report: certificates already expired or expiring within N days of the
 * period's end, by days remaining, each in its latest known state.
 *
 * @example
 * ```ts
 * const report = await certificateExpiry(log, scope, { withinDays: 30 });
 * ```
 */
export async function certificateExpiry(
  source: ReportSource,
  scope: ReportScope,
  options: CertificateExpiryOptions = {},
): Promise<Report> {
  const within = options.withinDays ?? 30;
  const end = scope.request.until;
  const inventory = await cryptoInventory(source, scope);
  const certificates = inventory.assets.filter((a) => a.kind === "certificate");
  const live = certificates.filter((a) => !a.retired);
  const dated = live
    .flatMap((a) =>
      a.notAfter
        ? [{ a, notAfter: a.notAfter, days: Math.floor((Date.parse(a.notAfter.value) - end) / DAY) }]
        : [],
    )
    .sort((x, y) => x.days - y.days || (x.a.id < y.a.id ? -1 : 1));
  const expired = dated.filter((d) => Date.parse(d.notAfter.value) <= end);
  const expiring = dated.filter((d) => Date.parse(d.notAfter.value) > end && d.days < within);
  const undated = live.filter((a) => !a.notAfter);

  const findings: Finding[] = [
    ...expired.map(
      (d): Finding => ({
        severity: "high",
        title: `Certificate ${d.a.id} expired ${-d.days} days before the period's end`,
        detail: `${d.a.subject ? `${d.a.subject}: ` : ""}not valid after ${d.notAfter.value}; replace or revoke it.`,
        evidenceSeqs: [d.notAfter.seq],
      }),
    ),
    ...expiring.map(
      (d): Finding => ({
        severity: "medium",
        title: `Certificate ${d.a.id} expires in ${d.days} days`,
        detail: `${d.a.subject ? `${d.a.subject}: ` : ""}not valid after ${d.notAfter.value}, within ${within} days of the period's end.`,
        evidenceSeqs: [d.notAfter.seq],
      }),
    ),
  ];
  if (inventory.truncated) {
    findings.push({
      severity: "info",
      title: "Inventory truncated",
      detail: `Only the newest ${SCAN_LIMIT} events of each kind were read; older certificates may be missing.`,
    });
  }

  const status = (d: { notAfter: { value: string }; days: number }): string =>
    Date.parse(d.notAfter.value) <= end ? "expired" : d.days < within ? "expiring" : "valid";
  const table: TableBlock = {
    kind: "table",
    title: "Certificates by days remaining",
    columns: [
      { key: "certificate", label: "Certificate" },
      { key: "subject", label: "Subject" },
      { key: "algorithm", label: "Algorithm" },
      { key: "notAfter", label: "Not after" },
      { key: "days", label: "Days remaining" },
      { key: "status", label: "Status" },
      { key: "seq", label: "Seq" },
    ],
    rows: dated.map(
      (d): Record<string, Cell> => ({
        certificate: d.a.id,
        subject: d.a.subject ?? null,
        algorithm: d.a.algorithm?.value ?? null,
        notAfter: d.notAfter.value,
        days: d.days,
        status: status(d),
        seq: d.notAfter.seq,
      }),
    ),
  };

  return {
    provenance: scope.provenance("certificate-expiry", "Certificate expiry"),
    sections: [
      summarySection(
        [
          { label: "Certificates known", value: live.length },
          { label: "Expired", value: expired.length },
          { label: `Expiring within ${within} days`, value: expiring.length },
          { label: "Without an expiry date", value: undated.length },
          { label: "Revoked or deleted", value: certificates.length - live.length },
          { label: "Events read", value: inventory.scanned },
        ],
        findings,
        `At the period's end (${new Date(end).toISOString()})`,
      ),
      { id: "certificates", title: "Certificates", blocks: [table] },
    ],
  };
}
