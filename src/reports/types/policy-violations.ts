import { counted } from "../../human/counted.js";
import type { Condition } from "../../read-model/event-filter.js";
import type { Cell, Finding, Report, TableBlock } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { byTimeNewestFirst, eventTable, NEWEST_BY_TIME, summarySection } from "./blocks.js";
import { SCAN_LIMIT, scanEvents } from "./event-scan.js";

const LISTED = 50;
const EVIDENCE = 10;

const FAILURE: Condition = { field: "outcome", op: "eq", value: "failure" };
/** Events that name at least one policy. */
const HAS_POLICY: Condition = { field: "policies", op: "prefix", value: "" };

/** "the newest is the evidence", "the newest 3 are the evidence". */
const evidenceWords = (n: number): string =>
  n === 1 ? "the newest is the evidence" : `the newest ${n} are the evidence`;

/** What the policy-violations report is asked for. */
export interface PolicyViolationsOptions {
  /** The most failing events read to find the policies (default 10,000). */
  readonly scanLimit?: number;
}

/**
 * The policy-violations report: events that reference policies and failed, grouped by policy,
 * with each policy's failure rate. The policies are found by reading the failing events (bounded,
 * stated when cut short); every count is then exact.
 *
 * @example
 * ```ts
 * const report = await policyViolations(log, scope);
 * ```
 */
export async function policyViolations(
  source: ReportSource,
  scope: ReportScope,
  options: PolicyViolationsOptions = {},
): Promise<Report> {
  const limit = options.scanLimit ?? SCAN_LIMIT;
  const failing = scope.narrow(HAS_POLICY, FAILURE);
  const [total, withPolicies, scan, newest] = await Promise.all([
    source.count(failing),
    source.count(scope.narrow(HAS_POLICY)),
    scanEvents(source, failing, limit),
    source.query(failing, { limit: LISTED, ...NEWEST_BY_TIME }),
  ]);
  // Each policy's evidence: its newest failing events by event time, among those read.
  const seqsByPolicy = new Map<string, number[]>();
  for (const e of [...scan.events].sort(byTimeNewestFirst)) {
    for (const p of new Set(e.policies ?? [])) seqsByPolicy.set(p, [...(seqsByPolicy.get(p) ?? []), e.seq]);
  }
  const policies = await Promise.all(
    [...seqsByPolicy.keys()].map(async (policy) => {
      const named: Condition = { field: "policies", op: "eq", value: policy };
      const [failures, events] = await Promise.all([
        source.count(scope.narrow(named, FAILURE)),
        source.count(scope.narrow(named)),
      ]);
      return { policy, failures, events, seqs: seqsByPolicy.get(policy) ?? [] };
    }),
  );
  policies.sort((a, b) => b.failures - a.failures || (a.policy < b.policy ? -1 : 1));

  const findings: Finding[] = policies.map((p) => ({
    severity: p.failures >= 10 ? "high" : "medium",
    title: `Policy ${p.policy}: ${counted(p.failures, "failing event")}`,
    detail: `${p.failures} of the ${counted(p.events, "event")} referencing ${p.policy} in the period failed; ${evidenceWords(Math.min(EVIDENCE, p.seqs.length))}.`,
    evidenceSeqs: p.seqs.slice(0, EVIDENCE).sort((a, b) => a - b),
  }));
  if (scan.truncated) {
    findings.push({
      severity: "info",
      title: "Policies found among the latest received failing events only",
      detail: `${counted(total, "failing event")} ${total === 1 ? "references" : "reference"} policies; only the ${limit} received last were read to find which policies, so policies failing only in events received earlier are missing.`,
    });
  }

  const byPolicy: TableBlock = {
    kind: "table",
    title: "Failing events by policy",
    columns: [
      { key: "policy", label: "Policy" },
      { key: "failures", label: "Failures" },
      { key: "events", label: "Events" },
      { key: "rate", label: "Failure %" },
    ],
    rows: policies.map(
      (p): Record<string, Cell> => ({
        policy: p.policy,
        failures: p.failures,
        events: p.events,
        rate: p.events === 0 ? 0 : Math.round((p.failures / p.events) * 10_000) / 100,
      }),
    ),
  };

  return {
    provenance: scope.provenance("policy-violations", "Policy violations"),
    sections: [
      summarySection(
        [
          { label: "Events referencing policies", value: withPolicies },
          { label: "Failing events referencing policies", value: total },
          { label: "Policies with failures", value: policies.length },
        ],
        findings,
      ),
      { id: "policies", title: "By policy", blocks: [byPolicy] },
      {
        id: "events",
        title: "Failing events",
        blocks: [eventTable("Failing events", newest.events, total, scope.level)],
      },
    ],
  };
}
