import assert from "node:assert/strict";
import type { Report } from "../../src/reports/report-model.js";

/**
 * Checks the words a report says to people (section, block and table titles, figure labels and
 * units, finding titles and details, column labels): no stored-form `.000Z` times, no "1 days"
 * or "1 events" (a count of one with a plural noun), no negative ages ("-1 days").
 */
export function assertHumanWording(report: Report): void {
  const said: string[] = [];
  for (const section of report.sections) {
    said.push(section.title);
    for (const block of section.blocks) {
      said.push(block.title);
      if (block.kind === "figures") for (const f of block.figures) said.push(f.label, f.unit ?? "");
      if (block.kind === "findings") for (const f of block.findings) said.push(f.title, f.detail);
      if (block.kind === "table") for (const c of block.columns) said.push(c.label);
    }
  }
  for (const text of said) {
    assert.doesNotMatch(
      text,
      /\d{2}:\d{2}:\d{2}\.000Z/,
      `${report.provenance.type}: zero milliseconds in "${text}"`,
    );
    assert.doesNotMatch(
      text,
      /(?<![\d.,])1 (?:[a-z-]+ ){0,3}(?:days|hours|minutes|seconds|events|times|failures|attempts|actions|sign-ins|rows|keys|certificates)\b/,
      `${report.provenance.type}: a count of one with a plural noun in "${text}"`,
    );
    assert.doesNotMatch(
      text,
      /-\d+ (?:days|hours|minutes)/,
      `${report.provenance.type}: a negative age in "${text}"`,
    );
  }
}
