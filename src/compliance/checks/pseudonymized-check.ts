import type { EventFilter } from "../../read-model/event-filter.js";
import type { KeyFigure } from "../../reports/report-model.js";
import type { PseudonymizedCheck } from "../control-map.js";
import { n, percent, SAMPLES, valueAt } from "./check-helpers.js";
import type { CheckContext, CheckResult } from "./check-result.js";

/**
 * `pseudonymized`: personal values in the named fields are pseudonyms (they start with the map's
 * prefix). Met when all are; partial or a gap (coverage below the threshold) otherwise, citing
 * the newest events with plain values.
 *
 * @example
 * ```ts
 * const result = await pseudonymizedCheck(ctx, check);
 * ```
 */
export async function pseudonymizedCheck(ctx: CheckContext, check: PseudonymizedCheck): Promise<CheckResult> {
  const base = ctx.scope.narrow(...check.filter);
  const perField = await Promise.all(
    check.fields.map(async (field) => {
      // A blank value is no personal data, plain or pseudonymized.
      const present: EventFilter = {
        ...base,
        conditions: [...base.conditions, { field, op: "not_blank" }],
      };
      const pseudonymous: EventFilter = {
        ...base,
        conditions: [...base.conditions, { field, op: "prefix", value: check.prefix }],
      };
      const [withField, withPseudonym] = await Promise.all([
        ctx.source.count(present),
        ctx.source.count(pseudonymous),
      ]);
      const newest =
        withField > withPseudonym
          ? await ctx.source.query(present, { limit: 200, order: "desc" })
          : { events: [] };
      // Samples of plain values come from the newest 200 events with the field: the store
      // cannot select "does not start with" directly.
      const plainSeqs = newest.events
        .filter((e) => !(valueAt(e, field) ?? "").startsWith(check.prefix))
        .slice(0, SAMPLES)
        .map((e) => e.seq);
      return { field, withField, plain: withField - withPseudonym, plainSeqs };
    }),
  );
  const present = perField.filter((f) => f.withField > 0);
  const figures: KeyFigure[] = present.map((f) => ({
    label: `Pseudonymized: ${f.field}`,
    value: percent(f.withField - f.plain, f.withField),
    unit: "%",
  }));
  if (present.length === 0) {
    return {
      status: "not_applicable",
      evidence: `No event in the period carries ${check.describe} (${check.fields.join(", ")}).`,
      gaps: [],
      figures,
      evidenceSeqs: [],
    };
  }
  const exposed = present.filter((f) => f.plain > 0);
  const values = present.reduce((s, f) => s + f.withField, 0);
  const plain = exposed.reduce((s, f) => s + f.plain, 0);
  const coverage = (values - plain) / values;
  figures.unshift({
    label: "Coverage over all personal values",
    value: percent(values - plain, values),
    unit: "%",
  });
  return {
    status: exposed.length === 0 ? "met" : coverage < check.threshold ? "gap" : "partial",
    evidence: `${n(values)} values of ${check.describe} in ${present.map((f) => f.field).join(", ")}; ${n(values - plain)} are pseudonyms (${check.prefix}…).`,
    gaps: exposed.map(
      (f) =>
        `${n(f.plain)} of ${n(f.withField)} values of ${f.field} are not pseudonymized${f.plainSeqs.length > 0 ? ` (newest: seq ${f.plainSeqs.join(", ")})` : ""}.`,
    ),
    figures,
    evidenceSeqs: exposed.flatMap((f) => f.plainSeqs),
  };
}
