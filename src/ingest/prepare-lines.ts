import { SealtrailError } from "../errors.js";
import type { EventLimits } from "../event/event-limits.js";
import { prepareEvent } from "../event/prepare-event.js";
import type { PreparedEvent } from "../event/prepared-event.js";
import type { NumberedLine } from "./ndjson-lines.js";

/** A rejected input line: its 1-based number and the reason, naming the field. */
export interface RejectedLine {
  readonly line: number;
  readonly reason: string;
}

/**
 * Parses and prepares NDJSON lines: every valid one becomes a {@link PreparedEvent}, every
 * invalid one a {@link RejectedLine}; one bad line never affects another.
 *
 * @example
 * ```ts
 * const { prepared, rejected } = prepareLines(lines, DEFAULT_EVENT_LIMITS);
 * ```
 */
export function prepareLines(
  lines: readonly NumberedLine[],
  limits: EventLimits,
): { prepared: PreparedEvent[]; rejected: RejectedLine[] } {
  const prepared: PreparedEvent[] = [];
  const rejected: RejectedLine[] = [];
  for (const line of lines) {
    if (line.problem) {
      rejected.push({ line: line.number, reason: line.problem });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch (error) {
      rejected.push({ line: line.number, reason: `invalid JSON: ${(error as Error).message}` });
      continue;
    }
    try {
      prepared.push(prepareEvent(parsed, { limits }));
    } catch (error) {
      if (!(error instanceof SealtrailError)) throw error;
      rejected.push({ line: line.number, reason: error.message });
    }
  }
  return { prepared, rejected };
}
