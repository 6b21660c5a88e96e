/**
 * The report model: what a report says, with no format in it. A report type turns a period and
 * a filter into a {@link Report}; a {@link ReportRenderer} turns that into bytes (JSON, CSV,
 * Markdown, HTML, PDF, XLSX). Every number a report shows is in here, so every renderer shows
 * the same numbers.
 */

import type { AuditLevel } from "./audit-level.js";

/** Where a report's numbers come from, stated on every report so that it can be checked. */
export interface ReportProvenance {
  /** The report type's id (`activity`, `access`, `pci-dss`…). */
  readonly type: string;
  readonly title: string;
  /** When it was computed, RFC 3339. */
  readonly generatedAt: string;
  /** The period covered: [since, until), RFC 3339. */
  readonly period: { readonly since: string; readonly until: string };
  /** The filter expressions applied on top of the period (empty: every event). */
  readonly filter: readonly string[];
  /**
   * The audit level the report was made at (`minimal`, `standard` or `detailed`): which event
   * fields its event tables show (see `EVENT_COLUMNS`).
   */
  readonly auditLevel: AuditLevel;
  /** The signed checkpoint the report was computed from. */
  readonly checkpoint: {
    readonly origin: string;
    readonly treeSize: number;
    /** Base64 root hash. */
    readonly rootHash: string;
    /** The checkpoint's signature verified with the log's verifier key. */
    readonly signatureVerified: boolean;
    /** A full `verify` of the store passed (undefined: not run for this report). */
    readonly storeVerified?: boolean;
    /** The checkpoint note itself. */
    readonly note: string;
  };
}

/** A single figure: "Events: 12,408". */
export interface KeyFigure {
  readonly label: string;
  readonly value: number | string;
  /** Unit or qualifier shown after the value (`ms`, `%`). */
  readonly unit?: string;
}

/** A table cell: numbers stay numbers so spreadsheets can add them up. */
export type Cell = string | number | boolean | null;

/**
 * A column of a table. A `timestamp` column holds instants as stored (RFC 3339 text, UTC): formats
 * for people show them with `humanTimestamp` (no zero milliseconds), formats for programs as
 * they are.
 */
export interface TableColumn {
  readonly key: string;
  readonly label: string;
  readonly type?: "timestamp";
}

/** A table of rows under named columns. */
export interface TableBlock {
  readonly kind: "table";
  readonly title: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly Readonly<Record<string, Cell>>[];
  /** Rows left out (the table shows the first ones). */
  readonly truncated?: number;
}

/** Key figures side by side. */
export interface FiguresBlock {
  readonly kind: "figures";
  readonly title: string;
  readonly figures: readonly KeyFigure[];
}

/** A chart: a time series (points in time order), bars, or a breakdown (parts of a whole). */
export interface ChartBlock {
  readonly kind: "chart";
  readonly title: string;
  readonly chart: "timeseries" | "bar" | "breakdown";
  /** Label of each point: an RFC 3339 time for a time series, a category otherwise. */
  readonly points: readonly { readonly label: string; readonly value: number }[];
  /** What the values count (`events`). */
  readonly unit: string;
}

/** How much a finding matters. */
export type FindingSeverity = "info" | "low" | "medium" | "high" | "critical";

/** Something a reader must notice: a gap, a violation, an anomaly, with its evidence. */
export interface Finding {
  readonly severity: FindingSeverity;
  readonly title: string;
  /** Plain words: what is wrong and why it matters. */
  readonly detail: string;
  /** Seqs of events that show it (each one provable with an inclusion proof). */
  readonly evidenceSeqs?: readonly number[];
}

/** Findings of a section. */
export interface FindingsBlock {
  readonly kind: "findings";
  readonly title: string;
  readonly findings: readonly Finding[];
}

/** One block of content. */
export type ReportBlock = FiguresBlock | TableBlock | ChartBlock | FindingsBlock;

/** A titled section. */
export interface ReportSection {
  /** Stable id (`timeline`, `errors`), used for sheet and file names. */
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly ReportBlock[];
}

/** An image shown with the report: its media type and its bytes, base64 (the model stays JSON). */
export interface BrandingLogo {
  readonly mediaType: "image/png" | "image/jpeg" | "image/svg+xml";
  /** The image bytes, base64. */
  readonly base64: string;
}

/**
 * Who the report is for and how it looks, from a report template: every renderer shows the
 * organisation and the footer; HTML and PDF also the logo and the accent colour. None of it
 * changes a number.
 *
 * @example
 * ```ts
 * const branding: ReportBranding = { organisation: "Example Corp", color: "#0b5cad", footer: "Confidential" };
 * ```
 */
export interface ReportBranding {
  /** Shown above the title. */
  readonly organisation?: string;
  /** Accent colour, `#rrggbb` (headings, rules). */
  readonly color?: string;
  readonly logo?: BrandingLogo;
  /** Shown at the end (HTML, Markdown) or on every page (PDF). */
  readonly footer?: string;
}

/**
 * A whole report.
 *
 * @example
 * ```ts
 * const report: Report = { provenance, sections: [{ id: "totals", title: "Totals", blocks: [
 *   { kind: "figures", title: "Events", figures: [{ label: "Events", value: 1200 }] },
 * ] }] };
 * ```
 */
export interface Report {
  readonly provenance: ReportProvenance;
  readonly sections: readonly ReportSection[];
  /** Organisation, colour, logo and footer (none: the plain Sealtrail look). */
  readonly branding?: ReportBranding;
}
