import { styleText } from "node:util";
import { humanTimestamp } from "../human/human-time.js";

/**
 * Human output helpers for the CLI: colour only on a terminal (and never with NO_COLOR), and
 * plain aligned tables.
 */

type Style = Parameters<typeof styleText>[0];

/** Whether `stream` should get colours. */
export function colorsFor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
}

/** Styles `text` when `enabled`. */
export function paint(enabled: boolean, style: Style, text: string): string {
  return enabled ? styleText(style, text) : text;
}

/** An instant in the stored form (`YYYY-MM-DDTHH:mm:ss.sssZ`), as event times and key dates are kept. */
const STORED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A cell as a person reads it: an instant in the stored form without zero milliseconds
 * (`humanTimestamp`), any other text as it is.
 *
 * @example
 * ```ts
 * humanCell("2026-11-22T10:15:00.000Z"); // "2026-11-22T10:15:00Z"
 * ```
 */
export function humanCell(text: string): string {
  return STORED_INSTANT.test(text) ? humanTimestamp(text) : text;
}

/**
 * Renders rows as an aligned text table under a header row; cells longer than `maxWidth`
 * are cut with an ellipsis, and instants are shown as people read them ({@link humanCell}).
 *
 * @example
 * ```ts
 * table(["seq", "action"], [["0", "user.login"]]);
 * ```
 */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidth = 48,
): string {
  const cut = (s: string) => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const cells = [header, ...rows].map((r) => r.map((c) => cut(humanCell(c).replace(/\s+/g, " "))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(cells[0] as string[]),
    line(widths.map((w) => "─".repeat(w))),
    ...cells.slice(1).map(line),
  ].join("\n");
}
