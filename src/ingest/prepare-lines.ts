import { type ErrorCode, SealtrailError } from "../errors.js";
import type { EventLimits } from "../event/event-limits.js";
import { type EventTransform, prepareEvent } from "../event/prepare-event.js";
import type { PreparedEvent } from "../event/prepared-event.js";
import type { NumberedLine } from "./ndjson-lines.js";

/** A rejected input line: its 1-based number, the reason naming the field, and the registry code. */
export interface RejectedLine {
  readonly line: number;
  readonly reason: string;
  readonly code: ErrorCode;
}

/**
 * Parses and prepares NDJSON lines: every valid one becomes a {@link PreparedEvent} (with its
 * line number at the same index of `lines`), every invalid one a {@link RejectedLine}; one bad
 * line never affects another. `transforms` is the pipeline's transform stage.
 *
 * @example
 * ```ts
 * const { prepared, rejected } = prepareLines(lines, DEFAULT_EVENT_LIMITS);
 * ```
 */
export function prepareLines(
  lines: readonly NumberedLine[],
  limits: EventLimits,
  transforms: readonly EventTransform[] = [],
): { prepared: PreparedEvent[]; lines: number[]; rejected: RejectedLine[] } {
  const prepared: PreparedEvent[] = [];
  const numbers: number[] = [];
  const rejected: RejectedLine[] = [];
  for (const line of lines) {
    if (line.problem) {
      rejected.push({ line: line.number, reason: line.problem.reason, code: line.problem.code });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch (error) {
      rejected.push({
        line: line.number,
        reason: `invalid JSON: ${(error as Error).message}`,
        code: "ST_ERR_EVENT_JSON",
      });
      continue;
    }
    try {
      prepared.push(prepareEvent(parsed, { limits, transforms }));
      numbers.push(line.number);
    } catch (error) {
      if (!(error instanceof SealtrailError)) throw error;
      rejected.push({ line: line.number, reason: error.message, code: error.code });
    }
  }
  return { prepared, lines: numbers, rejected };
}
