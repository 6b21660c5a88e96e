import { humanTimestamp } from "../../human/human-time.js";
import type { Report, ReportBlock } from "../report-model.js";

/**
 * What formats for people (Markdown, HTML, PDF, XLSX) show of a report's times: the report with
 * every instant in the human form (`humanTimestamp`: no zero milliseconds) — the provenance's
 * generation time and period, the cells of `timestamp` columns and the points of time series.
 * Formats for programs (JSON, CSV) show the report as it is.
 */

function blockForPeople(block: ReportBlock): ReportBlock {
  if (block.kind === "chart" && block.chart === "timeseries") {
    return { ...block, points: block.points.map((p) => ({ ...p, label: humanTimestamp(p.label) })) };
  }
  if (block.kind === "table") {
    const times = block.columns.filter((c) => c.type === "timestamp").map((c) => c.key);
    if (times.length === 0) return block;
    return {
      ...block,
      rows: block.rows.map((row) => {
        const shown = { ...row };
        for (const key of times) {
          const value = row[key];
          if (typeof value === "string") shown[key] = humanTimestamp(value);
        }
        return shown;
      }),
    };
  }
  return block;
}

/**
 * `report` with its times as people read them (see above); nothing else changes.
 *
 * @example
 * ```ts
 * forPeople(report).provenance.generatedAt; // "2026-12-01T00:00:05.123Z" stays, "…T00:00:00.000Z" becomes "…T00:00:00Z"
 * ```
 */
export function forPeople(report: Report): Report {
  const p = report.provenance;
  return {
    ...report,
    provenance: {
      ...p,
      generatedAt: humanTimestamp(p.generatedAt),
      period: { since: humanTimestamp(p.period.since), until: humanTimestamp(p.period.until) },
    },
    sections: report.sections.map((s) => ({ ...s, blocks: s.blocks.map(blockForPeople) })),
  };
}
