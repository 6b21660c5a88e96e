import type { AuditEvent } from "../event/audit-event.js";
import { batchCounts } from "../reports/batched-counts.js";
import type { Finding, Report, ReportSection } from "../reports/report-model.js";
import type { ReportScope, ReportSource } from "../reports/report-source.js";
import { byTimeNewestFirst, eventTable, summarySection } from "../reports/types/blocks.js";
import {
  type CheckResult,
  CONTROL_STATUSES,
  type ControlStatus,
  combineStatuses,
  STATUS_WORDS,
} from "./checks/check-result.js";
import type { Control, ControlMap } from "./control-map.js";
import { evaluateCheck } from "./evaluate-check.js";

/** A control with what its checks found. */
export interface ControlResult {
  readonly control: Control;
  readonly status: ControlStatus;
  readonly checks: readonly CheckResult[];
}

/** How a status weighs as a finding: a gap is high, partial medium, not yet demonstrable low. */
const SEVERITY: Readonly<Record<ControlStatus, Finding["severity"]>> = {
  met: "info",
  partial: "medium",
  gap: "high",
  not_yet_demonstrable: "low",
  not_applicable: "info",
};

/** Statuses the summary lists as findings: every one that is not met and applies. */
const UNMET: ReadonlySet<ControlStatus> = new Set(["gap", "partial", "not_yet_demonstrable"]);

/** `10.2.1.1` → `control-10-2-1-1`, `164.312(b)` → `control-164-312-b`. */
function sectionId(control: Control): string {
  return `control-${control.id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")}`;
}

/**
 * Evaluates every control of `map` over the report's scope. The store is verified for the
 * integrity checks unless the scope already was.
 *
 * @example
 * ```ts
 * const results = await evaluateControls(log, scope, loadControlMap("pci-dss"));
 * results.filter((r) => r.status === "gap").map((r) => r.control.id);
 * ```
 */
export async function evaluateControls(
  source: ReportSource,
  scope: ReportScope,
  map: ControlMap,
): Promise<{ results: ControlResult[]; verification: ReportScope["verification"] }> {
  const needsVerification = map.controls.some((c) => c.checks.some((k) => k.kind === "integrity"));
  const verification = scope.verification ?? (needsVerification ? await source.verify() : undefined);
  // Counts of every check asked for together are read in one pass over the period.
  const ctx = { source: batchCounts(source, scope.filter), scope, verification };
  const results = await Promise.all(
    map.controls.map(async (control) => {
      const checks = await Promise.all(control.checks.map((check) => evaluateCheck(ctx, check)));
      return { control, checks, status: combineStatuses(checks.map((c) => c.status)) };
    }),
  );
  return { results, verification };
}

/** The events `seqs` names that the report's scope may show (its tenant and filter; any time). */
async function citedEvents(
  source: ReportSource,
  scope: ReportScope,
  seqs: readonly number[],
): Promise<Map<number, AuditEvent>> {
  if (seqs.length === 0) return new Map();
  const { events } = await source.query(
    {
      conditions: [...scope.filter.conditions, { field: "seq", op: "in", values: [...seqs] }],
    },
    { limit: seqs.length, order: "asc" },
  );
  return new Map(events.map((e) => [e.seq, e]));
}

function controlSection(
  result: ControlResult,
  events: Map<number, AuditEvent>,
  scope: ReportScope,
): ReportSection {
  const { control, checks, status } = result;
  const cited = [...new Set(checks.flatMap((c) => c.evidenceSeqs))]
    .map((seq) => events.get(seq))
    .filter((e): e is AuditEvent => e !== undefined)
    .sort(byTimeNewestFirst);
  return {
    id: sectionId(control),
    title: `${control.id} ${control.title}`,
    blocks: [
      {
        kind: "figures",
        title: control.requirement,
        figures: [{ label: "Status", value: STATUS_WORDS[status] }, ...checks.flatMap((c) => c.figures)],
      },
      {
        kind: "findings",
        title: "Evidence and gaps",
        findings: checks.map((c) => ({
          severity: SEVERITY[c.status],
          title: `${STATUS_WORDS[c.status]}: ${c.evidence}`,
          detail: c.gaps.length > 0 ? c.gaps.join(" ") : "Nothing missing.",
          ...(c.evidenceSeqs.length > 0 ? { evidenceSeqs: c.evidenceSeqs } : {}),
        })),
      },
      ...(cited.length > 0 ? [eventTable("Cited events", cited, cited.length, scope.level)] : []),
    ],
  };
}

/**
 * The compliance report of one framework: every control of its map with a status (met,
 * partial, gap, not yet demonstrable, not applicable), the evidence (counts, sample events by
 * seq) and the gaps in plain words; a summary of the statuses, which counts as met only the
 * controls that are (not yet demonstrable ones count as applicable and not met), and lists
 * every other control that applies as a finding; a section per control with the events it
 * cites.
 *
 * @example
 * ```ts
 * const report = await complianceReport(log, scope, loadControlMap("soc2"));
 * ```
 */
export async function complianceReport(
  source: ReportSource,
  scope: ReportScope,
  map: ControlMap,
): Promise<Report> {
  const { results, verification } = await evaluateControls(source, scope, map);
  const cited = [...new Set(results.flatMap((r) => r.checks.flatMap((c) => c.evidenceSeqs)))];
  const events = await citedEvents(source, scope, cited);
  const tally = new Map<ControlStatus, number>(CONTROL_STATUSES.map((s) => [s, 0]));
  for (const r of results) tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
  const applicable = results.length - (tally.get("not_applicable") ?? 0);

  const findings: Finding[] = results
    .filter((r) => UNMET.has(r.status))
    .map((r) => {
      const seqs = [...new Set(r.checks.flatMap((c) => (c.status === "met" ? [] : c.evidenceSeqs)))];
      return {
        severity: SEVERITY[r.status],
        title: `${r.control.id} ${r.control.title}: ${STATUS_WORDS[r.status]}`,
        detail: r.checks.flatMap((c) => c.gaps).join(" "),
        ...(seqs.length > 0 ? { evidenceSeqs: seqs } : {}),
      };
    });
  findings.push({ severity: "info", title: "What this evidence covers", detail: map.scope });

  const sections: ReportSection[] = [
    summarySection(
      [
        { label: "Controls", value: results.length },
        { label: "Met", value: tally.get("met") ?? 0 },
        { label: "Partial", value: tally.get("partial") ?? 0 },
        { label: "Gap", value: tally.get("gap") ?? 0 },
        { label: "Not yet demonstrable", value: tally.get("not_yet_demonstrable") ?? 0 },
        { label: "Not applicable", value: tally.get("not_applicable") ?? 0 },
        {
          label: "Met of applicable",
          value: applicable === 0 ? 100 : Math.round(((tally.get("met") ?? 0) / applicable) * 10_000) / 100,
          unit: "%",
        },
      ],
      findings,
      `${map.title} (${map.version})`,
    ),
    {
      id: "controls",
      title: "Controls",
      blocks: [
        {
          kind: "chart",
          title: "Controls by status",
          chart: "breakdown",
          unit: "controls",
          points: CONTROL_STATUSES.map((s) => ({ label: STATUS_WORDS[s], value: tally.get(s) ?? 0 })),
        },
        {
          kind: "table",
          title: "Every control",
          columns: [
            { key: "control", label: "Control" },
            { key: "title", label: "Title" },
            { key: "status", label: "Status" },
            { key: "evidence", label: "Evidence" },
            { key: "gaps", label: "Gaps" },
          ],
          rows: results.map((r) => ({
            control: r.control.id,
            title: r.control.title,
            status: STATUS_WORDS[r.status],
            evidence: r.checks.map((c) => c.evidence).join(" "),
            gaps: r.checks.flatMap((c) => c.gaps).join(" "),
          })),
        },
      ],
    },
    ...results.map((r) => controlSection(r, events, scope)),
  ];

  const provenance = scope.provenance("compliance", map.title);
  return {
    provenance:
      scope.verification === undefined && verification !== undefined
        ? { ...provenance, checkpoint: { ...provenance.checkpoint, storeVerified: verification.ok } }
        : provenance,
    sections,
  };
}
