import type { ReportFact } from "../alerting/channels/alert-channel.js";
import { counted } from "../human/counted.js";
import { humanTimestamp } from "../human/human-time.js";
import type { FindingSeverity, Report } from "../reports/report-model.js";
import { zonedParts } from "./report-schedule.js";

/**
 * A report in a headline and a few facts, for the message that carries it: the period, the
 * report's first key figures, its findings by severity, and the checkpoint it was computed
 * against. Every number is the report's own.
 */

/** Most key figures a summary lists. */
export const SUMMARY_FIGURES = 6;

const SEVERITIES: readonly FindingSeverity[] = ["critical", "high", "medium", "low", "info"];

/** The summary of a scheduled report. */
export interface ReportSummary {
  /** `Access report, 2026-11-16T06:00:00Z to 2026-11-23T06:00:00Z: 1 high finding`. */
  readonly headline: string;
  readonly facts: readonly ReportFact[];
}

/** `12,408`, `35.2 ms`. */
function figureText(value: number | string, unit?: string): string {
  const shown = typeof value === "number" ? value.toLocaleString("en-US") : value;
  return unit === undefined || unit === "" ? shown : `${shown}${unit === "%" ? "" : " "}${unit}`;
}

/** `2 high, 1 medium`; `none`. */
export function findingsText(report: Report): string {
  const counts = new Map<FindingSeverity, number>();
  for (const section of report.sections) {
    for (const block of section.blocks) {
      if (block.kind !== "findings") continue;
      for (const f of block.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
    }
  }
  const parts = SEVERITIES.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

/**
 * The summary of `report`, made by the run planned at `plannedAt` in `timeZone`.
 *
 * @example
 * ```ts
 * reportSummary(report, Date.UTC(2026, 10, 23, 6), "Europe/Paris").facts[0];
 * // { label: "Period", value: "2026-11-16T06:00:00Z to 2026-11-23T06:00:00Z" }
 * ```
 */
export function reportSummary(report: Report, plannedAt: number, timeZone: string): ReportSummary {
  const { provenance } = report;
  const period = `${humanTimestamp(provenance.period.since)} to ${humanTimestamp(provenance.period.until)}`;
  const figures = report.sections
    .flatMap((s) => s.blocks)
    .flatMap((b) => (b.kind === "figures" ? b.figures : []))
    .slice(0, SUMMARY_FIGURES);
  const findings = findingsText(report);
  const { date, time } = zonedParts(plannedAt, timeZone);
  const facts: ReportFact[] = [
    { label: "Period", value: period },
    ...(provenance.filter.length > 0 ? [{ label: "Filter", value: provenance.filter.join(" ") }] : []),
    ...figures.map((f) => ({ label: f.label, value: figureText(f.value, f.unit) })),
    { label: "Findings", value: findings },
    {
      label: "Checkpoint",
      value: `${provenance.checkpoint.origin}, tree size ${provenance.checkpoint.treeSize}`,
    },
    { label: "Planned", value: `${date} ${time.slice(0, 2)}:${time.slice(2)} ${timeZone}` },
  ];
  const found = findings === "none" ? "no findings" : `findings: ${findings}`;
  const events = figures.find((f) => /^events$/i.test(f.label) && typeof f.value === "number");
  const counts = events === undefined ? "" : `${counted(events.value as number, "event")}, `;
  const headline = `${provenance.title}, ${period}: ${counts}${found}.`;
  return { headline, facts };
}
