import type { Condition, EventFilter } from "../../read-model/event-filter.js";
import type { KeyFigure } from "../../reports/report-model.js";
import type { CompleteCheck } from "../control-map.js";
import { n, newestSeqs, percent } from "./check-helpers.js";
import type { CheckContext, CheckResult } from "./check-result.js";

/**
 * Conditions that hold when none of `field.anyOf` carries a (required) value. A blank value
 * (`""`, white space) carries nothing: a blank `actor.id` identifies no one.
 */
function missing(field: CompleteCheck["fields"][number]): Condition[] {
  return field.anyOf.flatMap((path): Condition[] =>
    field.values
      ? field.values.map((value) => ({ field: path, op: "ne", value }))
      : [{ field: path, op: "blank" }],
  );
}

/**
 * `complete`: events of a kind carry the required fields. Met when all do; partial or a gap (below
 * the map's threshold) when some lack one, citing the newest that do.
 *
 * @example
 * ```ts
 * const result = await completeCheck(ctx, check);
 * result.figures; // [{ label: "Events: …", value: 120 }, { label: "Complete: actor", value: 97.5, unit: "%" }]
 * ```
 */
export async function completeCheck(ctx: CheckContext, check: CompleteCheck): Promise<CheckResult> {
  const base = ctx.scope.narrow(...check.filter);
  const lackingFilters = check.fields.map(
    (field): EventFilter => ({ ...base, conditions: [...base.conditions, ...missing(field)] }),
  );
  const [total, ...lackingCounts] = await Promise.all([
    ctx.source.count(base),
    ...lackingFilters.map((filter) => ctx.source.count(filter)),
  ]);
  const perField = await Promise.all(
    check.fields.map(async (field, i) => {
      const lacking = lackingCounts[i] as number;
      return {
        field,
        lacking,
        seqs: await newestSeqs(ctx.source, lackingFilters[i] as EventFilter, lacking),
      };
    }),
  );
  const figures: KeyFigure[] = [
    { label: `Events: ${check.describe}`, value: total },
    ...perField.map(({ field, lacking }) => ({
      label: `Complete: ${field.label}`,
      value: percent(total - lacking, total),
      unit: "%",
    })),
  ];
  const incomplete = perField.filter((f) => f.lacking > 0);
  if (total === 0) {
    return {
      status: "not_applicable",
      evidence: `No ${check.describe} in the period to check.`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  const fieldWords = (f: CompleteCheck["fields"][number]) =>
    `${f.label} (${f.anyOf.join(" or ")}${f.values ? ` = ${f.values.join(" or ")}` : ""})`;
  if (incomplete.length === 0) {
    return {
      status: "met",
      evidence: `All ${n(total)} ${check.describe} carry ${check.fields.map(fieldWords).join(", ")}.`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  const worst = Math.min(...incomplete.map((f) => (total - f.lacking) / total));
  return {
    status: worst < check.threshold ? "gap" : "partial",
    evidence: `${n(total)} ${check.describe} checked; ${incomplete.length} of ${check.fields.length} required fields are missing from some.`,
    gaps: incomplete.map(
      ({ field, lacking, seqs }) =>
        `${n(lacking)} of ${n(total)} events (${percent(lacking, total)} %) lack ${fieldWords(field)}; newest: seq ${seqs.join(", ")}.`,
    ),
    figures,
    evidenceSeqs: [...new Set(incomplete.flatMap((f) => f.seqs))],
  };
}
