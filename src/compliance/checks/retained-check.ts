import type { EventFilter } from "../../read-model/event-filter.js";
import type { KeyFigure } from "../../reports/report-model.js";
import type { RetainedCheck } from "../control-map.js";
import { DAY, day } from "./check-helpers.js";
import type { CheckContext, CheckResult } from "./check-result.js";

/**
 * `retained`: the store keeps history online for as long as the map requires. Met when it holds
 * at least `retainDays` of history; not yet demonstrable when nothing was pruned but the log is
 * younger than that (a log three months old cannot show twelve months of retention); partial
 * when history was pruned and fewer days remain but those that must be at hand do; a gap
 * otherwise.
 *
 * @example
 * ```ts
 * const result = await retainedCheck(ctx, { kind: "retained", describe: "audit history", retainDays: 365, atHandDays: 90 });
 * ```
 */
export async function retainedCheck(ctx: CheckContext, check: RetainedCheck): Promise<CheckResult> {
  // Retention is a fact of the store, not of one tenant's part of it: what it holds from its
  // first retained event on (only that event's seq and when it was received are shown).
  const bound: EventFilter = { conditions: [{ field: "seq", op: "lt", value: ctx.scope.checkpoint.size }] };
  const [oldest] = (await ctx.source.query(bound, { limit: 1, order: "asc" })).events;
  const pruned = oldest !== undefined && oldest.seq > 0;
  const end = ctx.scope.request.until;
  if (!oldest) {
    return {
      status: "not_yet_demonstrable",
      evidence: "The log holds no events yet.",
      gaps: [`No history is held yet: ${check.retainDays} days of ${check.describe} cannot be shown.`],
      figures: [],
      evidenceSeqs: [],
    };
  }
  // How long the log has held it: when it was received (its own time may be older, backfilled).
  const held = Date.parse(oldest.received_at);
  if (held >= end) {
    return {
      status: "not_applicable",
      evidence: `The log's oldest event was received on ${day(held)}, after the period's end.`,
      gaps: [],
      figures: [],
      evidenceSeqs: [],
    };
  }
  const ageDays = Math.floor((end - held) / DAY);
  const figures: KeyFigure[] = [
    { label: "Oldest event held", value: `seq ${oldest.seq}, received ${day(held)}` },
    { label: "History online", value: ageDays, unit: "days" },
  ];
  if (!pruned) {
    const evidence = `Nothing has been pruned: every event since the oldest (seq ${oldest.seq}, ${day(held)}, ${ageDays} days before the period's end) is online and at hand.`;
    if (ageDays < check.retainDays) {
      // All of a young log's history is kept, but that shows nothing of keeping it for the
      // time required: the log has not been around that long.
      return {
        status: "not_yet_demonstrable",
        evidence: `${evidence} The log is ${ageDays} days old, younger than the ${check.retainDays} days of ${check.describe} required.`,
        gaps: [
          `${check.retainDays} days of retention cannot be shown from ${ageDays} days of history; the log can show it from ${day(held + check.retainDays * DAY)}.`,
        ],
        figures,
        evidenceSeqs: [],
      };
    }
    return { status: "met", evidence, gaps: [], figures, evidenceSeqs: [] };
  }
  if (ageDays >= check.retainDays) {
    return {
      status: "met",
      evidence: `Events before seq ${oldest.seq} were pruned; the store still holds ${ageDays} days online, more than the ${check.retainDays} required.`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  const atHand = ageDays >= check.atHandDays;
  return {
    status: atHand ? "partial" : "gap",
    evidence: `Events before seq ${oldest.seq} were pruned; the store holds ${ageDays} days online.`,
    gaps: [
      atHand
        ? `Only ${ageDays} of the ${check.retainDays} days required are online: the rest must be shown from archives, which this report cannot check.`
        : `Only ${ageDays} days are online, fewer than the ${check.atHandDays} that must be at hand.`,
    ],
    figures,
    evidenceSeqs: [],
  };
}
