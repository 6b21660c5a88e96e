import type { FindingSeverity, Report } from "../report-model.js";

/**
 * The colours of every renderer that draws (HTML, PDF) or styles cells (XLSX): one palette, so
 * that a report looks the same in each format. Text on the severity and state colours is white.
 */

/**
 * Chart series, in order (Okabe–Ito: told apart by colour-blind readers and in greyscale print).
 *
 * @example
 * ```ts
 * SERIES_COLORS[0]; // "#0072b2"
 * ```
 */
export const SERIES_COLORS: readonly string[] = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#56b4e9",
  "#d55e00",
  "#f0e442",
  "#000000",
];

/**
 * The colour of series `i`: the series colours in turn, again from the first after the last.
 *
 * @example
 * ```ts
 * seriesColor(SERIES_COLORS.length) === SERIES_COLORS[0]; // true
 * ```
 */
export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] ?? "#000000";
}

/**
 * A finding's badge by severity (`unknown`: a severity outside the model).
 *
 * @example
 * ```ts
 * SEVERITY_COLORS.high; // "#cf222e"
 * ```
 */
export const SEVERITY_COLORS: Readonly<Record<FindingSeverity | "unknown", string>> = {
  critical: "#82071e",
  high: "#cf222e",
  medium: "#bc4c00",
  low: "#9a6700",
  info: "#0969da",
  unknown: "#59636e",
};

/**
 * The page's colours: text, rules and fills, the accent where the branding names none, and the
 * verification states (`ok` verified, `bad` not verified, `none` not checked).
 *
 * @example
 * ```ts
 * COLORS.muted; // "#59636e": secondary text, axes
 * ```
 */
export const COLORS = {
  /** Text. */
  ink: "#1f2328",
  /** Secondary text (labels, notes, footers) and chart axes. */
  muted: "#59636e",
  /** Rules, borders and grid lines. */
  line: "#d1d9e0",
  /** Every other table row. */
  zebra: "#f6f8fa",
  /** Boxes: the provenance card, figures. */
  card: "#f6f8fa",
  /** A table's header row. */
  head: "#eef1f4",
  /** The page, and text on coloured badges. */
  paper: "#ffffff",
  /** Headings' accent when the branding has no colour. */
  accent: "#0969da",
  ok: "#1a7f37",
  bad: "#cf222e",
  none: "#59636e",
} as const;

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/**
 * The branding's accent colour when it is a valid `#rrggbb` (anything else is ignored: it could
 * break out of the CSS or the PDF operators it is written into).
 *
 * @example
 * ```ts
 * brandAccent({ ...report, branding: { color: "#0b5cad" } }); // "#0b5cad"
 * brandAccent({ ...report, branding: { color: "red" } }); // undefined
 * ```
 */
export function brandAccent(report: Report): string | undefined {
  const color = report.branding?.color;
  return color && HEX_COLOR.test(color) ? color : undefined;
}

/**
 * `#rrggbb` as the ARGB Excel takes (`FFRRGGBB`, opaque).
 *
 * @example
 * ```ts
 * argb(COLORS.muted); // "FF59636E"
 * ```
 */
export function argb(color: string): string {
  return `FF${color.slice(1).toUpperCase()}`;
}
