import type { ChartBlock } from "../report-model.js";

/**
 * What every renderer calls each kind of chart, in captions, alternative text and titles.
 *
 * @example
 * ```ts
 * `${CHART_NAMES[block.chart]}: ${block.title}`; // "Bar chart: Events by action"
 * ```
 */
export const CHART_NAMES: Readonly<Record<ChartBlock["chart"], string>> = {
  timeseries: "Time series",
  bar: "Bar chart",
  breakdown: "Breakdown",
};
