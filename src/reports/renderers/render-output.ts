import type { Writable } from "node:stream";
import type { Cell } from "../report-model.js";

/**
 * What every renderer writes with: text into the caller's stream (without ending it) and cell
 * values as text.
 */

/**
 * What the audit level decides, shown after it on every report ("Audit level: standard — which
 * event fields tables show").
 *
 * @example
 * ```ts
 * `Audit level: ${report.provenance.auditLevel} — ${AUDIT_LEVEL_MEANING}`;
 * ```
 */
export const AUDIT_LEVEL_MEANING = "which event fields tables show";

/**
 * Writes `text` to `out`; resolves once `out` has taken it, rejects when `out` fails or is destroyed.
 *
 * @example
 * ```ts
 * await writeText(process.stdout, "# Weekly activity\n");
 * ```
 */
export function writeText(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(text, "utf8", (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * A cell as text: `""` for null, `true`/`false`, `String(n)` for numbers (nothing rounded, no grouping).
 *
 * @example
 * ```ts
 * cellText(1234.5); // "1234.5"
 * ```
 */
export function cellText(value: Cell | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}
