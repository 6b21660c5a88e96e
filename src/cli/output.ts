import { styleText } from "node:util";

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

/**
 * Renders rows as an aligned text table under a header row; cells longer than `maxWidth`
 * are cut with an ellipsis.
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
  const cells = [header, ...rows].map((r) => r.map((c) => cut(c.replace(/\s+/g, " "))));
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
