import type { AuditEvent } from "../../event/audit-event.js";
import type { Condition } from "../../read-model/event-filter.js";
import type { Cell, Finding, Report, TableBlock } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { countTable, summarySection } from "./blocks.js";
import { DAY, SCAN_LIMIT, scanEvents, untilEnd } from "./certificate-expiry.js";

const TOP = 20;
/** The most key ids the report follows. */
const KEYS = 1_000;

const HAS_KEY: Condition = { field: "crypto.key_id", op: "prefix", value: "" };
const KEY_MANAGEMENT: Condition = { field: "category", op: "eq", value: "key_management" };

/** A rotation: `key.rotate`, or any action ending in `.rotate`. */
const isRotation = (e: AuditEvent): boolean => e.action.toLowerCase().endsWith(".rotate");

/** What the key-usage report is asked for. */
export interface KeyUsageOptions {
  /** A key not rotated within this many days before the period's end is flagged (default 90). */
  readonly rotationDays?: number;
}

/**
 * The key-usage report: operations per key id and algorithm, key-management activity, and keys
 * not rotated within the rotation period (for each key seen in the period, its last `*.rotate`
 * event before the period's end, looked up beyond the period's start).
 *
 * @example
 * ```ts
 * const report = await keyUsage(log, scope, { rotationDays: 90 });
 * ```
 */
export async function keyUsage(
  source: ReportSource,
  scope: ReportScope,
  options: KeyUsageOptions = {},
): Promise<Report> {
  const rotationDays = options.rotationDays ?? 90;
  const end = scope.request.until;
  const withKey = scope.narrow(HAS_KEY);
  const keyManagement = scope.narrow(KEY_MANAGEMENT);
  const [keyEvents, managementEvents, byKey, byAlgorithm, managementByAction] = await Promise.all([
    source.count(withKey),
    source.count(keyManagement),
    source.countBy(withKey, "field:crypto.key_id", KEYS),
    source.countBy(withKey, "field:crypto.algorithm", TOP),
    source.countBy(keyManagement, "action", TOP),
  ]);
  const keys = byKey.flatMap((r) => (r.key === null ? [] : [{ id: r.key, operations: r.count }]));

  const states = await Promise.all(
    keys.map(async (k) => {
      const scan = await scanEvents(
        source,
        untilEnd(scope, { field: "crypto.key_id", op: "eq", value: k.id }),
        SCAN_LIMIT,
        isRotation,
      );
      const rotation = scan.events.find(isRotation);
      const algorithm = scan.events.find((e) => e.crypto?.algorithm)?.crypto?.algorithm;
      const latest = scan.events[0];
      const rotatedMs = rotation ? Date.parse(rotation.timestamp) : undefined;
      return {
        ...k,
        algorithm,
        latest,
        rotation,
        daysSince: rotatedMs === undefined ? undefined : Math.floor((end - rotatedMs) / DAY),
        stale: rotatedMs === undefined || rotatedMs < end - rotationDays * DAY,
        truncated: scan.truncated && !rotation,
      };
    }),
  );
  const stale = states.filter((s) => s.stale);

  const findings: Finding[] = stale.map((s) => ({
    severity: s.rotation ? "medium" : "high",
    title: s.rotation
      ? `Key ${s.id} not rotated for ${s.daysSince} days`
      : `Key ${s.id} has no recorded rotation`,
    detail: s.rotation
      ? `Last rotated ${s.rotation.timestamp}, more than ${rotationDays} days before the period's end; it was used ${s.operations} times in the period.`
      : `No rotation event before the period's end${s.truncated ? ` among its newest ${SCAN_LIMIT} events` : ""}; it was used ${s.operations} times in the period.`,
    evidenceSeqs: [
      ...new Set([s.rotation?.seq, s.latest?.seq].filter((q): q is number => q !== undefined)),
    ].sort((a, b) => a - b),
  }));
  if (byKey.length >= KEYS) {
    findings.push({
      severity: "info",
      title: `Only the ${KEYS} most used keys were checked`,
      detail: "More key ids were used in the period; narrow the filter to check the others.",
    });
  }

  const rotationTable: TableBlock = {
    kind: "table",
    title: "Keys and their last rotation",
    columns: [
      { key: "key", label: "Key id" },
      { key: "algorithm", label: "Algorithm" },
      { key: "operations", label: "Operations" },
      { key: "lastRotation", label: "Last rotation" },
      { key: "days", label: "Days since" },
      { key: "status", label: "Status" },
      { key: "seq", label: "Rotation seq" },
    ],
    rows: states.map(
      (s): Record<string, Cell> => ({
        key: s.id,
        algorithm: s.algorithm ?? null,
        operations: s.operations,
        lastRotation: s.rotation?.timestamp ?? null,
        days: s.daysSince ?? null,
        status: s.stale ? "not rotated" : "rotated",
        seq: s.rotation?.seq ?? null,
      }),
    ),
  };

  return {
    provenance: scope.provenance("key-usage", "Key usage"),
    sections: [
      summarySection(
        [
          { label: "Events with a key id", value: keyEvents },
          { label: "Key management events", value: managementEvents },
          { label: "Keys used", value: keys.length },
          { label: `Not rotated within ${rotationDays} days`, value: stale.length },
        ],
        findings,
      ),
      {
        id: "usage",
        title: "Operations per key",
        blocks: [
          countTable("By key id", "Key id", byKey.slice(0, TOP * 5), keyEvents),
          countTable("By algorithm", "Algorithm", byAlgorithm, keyEvents),
          countTable("Key management by action", "Action", managementByAction, managementEvents),
        ],
      },
      { id: "rotation", title: "Rotation", blocks: [rotationTable] },
    ],
  };
}
