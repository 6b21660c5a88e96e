import type { ReportDelivery, ReportFact } from "./alert-channel.js";

/**
 * A scheduled report in words, worded once for every channel that carries reports: the subject
 * line, the facts (the report's summary, then the file), and what a service that cannot carry
 * files says instead. Each channel lays these out in its own format and escapes them for it.
 */

/** `Report: Weekly activity summary (weekly-activity)`, one line. */
export function reportSubject(report: ReportDelivery): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a subject is one line.
  return `Report: ${report.title} (${report.schedule})`.replace(/[\u0000-\u001f\u007f]+/g, " ");
}

/** `48.2 KB`: a size for people (1 KB = 1024 bytes). */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `weekly-access-2026-11-23.pdf, 48.2 KB, SHA-256 3a7b…`. */
export function fileText(report: ReportDelivery): string {
  return `${report.fileName}, ${sizeText(report.bytes.length)}, SHA-256 ${report.sha256}`;
}

/** The facts every channel shows, in order: the report's summary, the schedule, the file. */
export function reportFacts(report: ReportDelivery): ReportFact[] {
  return [
    ...report.summary.facts,
    { label: "Schedule", value: report.schedule },
    { label: "File", value: fileText(report) },
  ];
}

/**
 * Where the report is, in a sentence: attached, or — with why it is not (`Slack incoming
 * webhooks cannot carry files`) — linked, or neither, saying what to configure
 * (`file.public_url`).
 */
export function whereText(report: ReportDelivery, attached: boolean, whyNot = ""): string {
  if (attached) return `The report is attached (${report.fileName}).`;
  const because = whyNot === "" ? "The report is not attached" : `${whyNot}, so the report is not attached`;
  if (report.url !== undefined) return `${because}; it is at ${report.url}`;
  return `${because}; give the schedule a file target with a public_url to link it here.`;
}
