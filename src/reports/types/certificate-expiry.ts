import { counted } from "../../human/counted.js";
import { humanTimestamp, relativeTime, wholeDays } from "../../human/human-time.js";
import type { Cell, Finding, Report, TableBlock } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { periodEndName, summarySection } from "./blocks.js";
import { cryptoInventory, SCAN_LIMIT } from "./crypto-assets.js";

const DAY = 86_400_000;

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
  const reference = periodEndName(end);
  const inventory = await cryptoInventory(source, scope);
  const certificates = inventory.assets.filter((a) => a.kind === "certificate");
  const live = certificates.filter((a) => !a.retired);
  const dated = live
    .flatMap((a) => (a.notAfter ? [{ a, notAfter: a.notAfter, at: Date.parse(a.notAfter.value) }] : []))
    .sort((x, y) => x.at - y.at || (x.a.id < y.a.id ? -1 : 1));
  const status = (at: number): "expired" | "expiring" | "valid" =>
    at <= end ? "expired" : at - end < within * DAY ? "expiring" : "valid";
  const expired = dated.filter((d) => status(d.at) === "expired");
  const expiring = dated.filter((d) => status(d.at) === "expiring");
  const undated = live.filter((a) => !a.notAfter);
  const about = (d: (typeof dated)[number]) =>
    `${d.a.subject && d.a.subject !== d.a.id ? `${d.a.subject}: ` : ""}not valid after ${humanTimestamp(d.notAfter.value)}`;

  const findings: Finding[] = [
    ...expired.map(
      (d): Finding => ({
        severity: "high",
        title: `Certificate ${d.a.id} expired ${relativeTime(d.at, end, reference)}`,
        detail: `${about(d)}; replace or revoke it.`,
        evidenceSeqs: [d.notAfter.seq],
      }),
    ),
    ...expiring.map(
      (d): Finding => ({
        severity: "medium",
        title: `Certificate ${d.a.id} expires ${relativeTime(d.at, end, reference)}`,
        detail: `${about(d)}, within ${counted(within, "day")} of the period's end.`,
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

  const table: TableBlock = {
    kind: "table",
    title: "Certificates by days remaining",
    columns: [
      { key: "certificate", label: "Certificate" },
      { key: "subject", label: "Subject" },
      { key: "serial", label: "Serial" },
      { key: "algorithm", label: "Algorithm" },
      { key: "notAfter", label: "Not after", type: "timestamp" },
      { key: "days", label: "Days remaining" },
      { key: "expiry", label: "Expiry" },
      { key: "status", label: "Status" },
      { key: "seq", label: "Seq" },
    ],
    rows: dated.map(
      (d): Record<string, Cell> => ({
        certificate: d.a.id,
        subject: d.a.subject ?? null,
        serial: d.a.serial?.value ?? null,
        algorithm: d.a.algorithm?.value ?? null,
        notAfter: d.notAfter.value,
        days: wholeDays(end, d.at),
        expiry: `${status(d.at) === "expired" ? "expired" : "expires"} ${relativeTime(d.at, end, reference)}`,
        status: status(d.at),
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
          { label: `Expiring within ${counted(within, "day")}`, value: expiring.length },
          { label: "Without an expiry date", value: undated.length },
          { label: "Revoked or deleted", value: certificates.length - live.length },
          { label: "Events read", value: inventory.scanned },
        ],
        findings,
        `At the period's end (${humanTimestamp(end)})`,
      ),
      { id: "certificates", title: "Certificates", blocks: [table] },
    ],
  };
}
