import type { AuditEvent } from "../../event/audit-event.js";
import { counted } from "../../human/counted.js";
import { humanDuration, humanTimestamp, wholeDays } from "../../human/human-time.js";
import type { CountRow } from "../../read-model/stored-event.js";
import type { Cell, Finding, Report, TableBlock } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { countTable, summarySection } from "./blocks.js";
import { cryptoInventory, SCAN_LIMIT } from "./crypto-assets.js";

const TOP = 20;
/** Keys listed in the table of operations per key. */
const LISTED = 100;
const DAY = 86_400_000;

/** A rotation: `key.rotate`, or any action ending in `.rotate`. */
const isRotation = (e: AuditEvent): boolean => e.action.toLowerCase().endsWith(".rotate");

/** What the key-usage report is asked for. */
export interface KeyUsageOptions {
  /** A key not rotated within this many days before the period's end is flagged (default 90). */
  readonly rotationDays?: number;
}

/** Count rows of `groups`, largest first (ties by key). */
function rowsOf(groups: ReadonlyMap<string | null, number>): CountRow[] {
  return [...groups]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || ((a.key ?? "") < (b.key ?? "") ? -1 : 1));
}

/**
 * The key-usage report: operations per key and algorithm, key-management activity, and keys not
 * rotated within the rotation period. Keys are the crypto inventory's (see `cryptoAssetIdentity`:
 * one key across its rotations, whether events name its key id or only its fingerprint); a key is
 * used when an event about it falls in the period, its algorithm is its latest known one, and its
 * last rotation is its latest `*.rotate` event before the period's end, looked up beyond the
 * period's start.
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
  const since = scope.filter.since ?? scope.request.since;
  const until = scope.filter.until ?? end;
  const keyManagement = scope.narrow({ field: "category", op: "eq", value: "key_management" });
  const [inventory, managementEvents, managementByAction] = await Promise.all([
    cryptoInventory(source, scope),
    source.count(keyManagement),
    source.countBy(keyManagement, "action", TOP),
  ]);
  const inPeriod = (e: AuditEvent) => {
    const t = Date.parse(e.timestamp);
    return t >= since && t < until;
  };
  const states = inventory.assets
    .filter((a) => a.kind === "key")
    .map((a) => {
      const operations = a.events.filter(inPeriod).length;
      const rotation = a.events
        .filter(isRotation)
        .reduce<AuditEvent | undefined>(
          (last, e) => (last && Date.parse(last.timestamp) >= Date.parse(e.timestamp) ? last : e),
          undefined,
        );
      const rotatedMs = rotation ? Date.parse(rotation.timestamp) : undefined;
      return {
        id: a.id,
        algorithm: a.algorithm?.value,
        operations,
        latest: a.events[0],
        rotation,
        rotatedMs,
        stale: rotatedMs === undefined || rotatedMs < end - rotationDays * DAY,
      };
    })
    .filter((s) => s.operations > 0)
    .sort((a, b) => b.operations - a.operations || (a.id < b.id ? -1 : 1));
  const keyEvents = states.reduce((n, s) => n + s.operations, 0);
  const stale = states.filter((s) => s.stale);
  const byAlgorithm = new Map<string | null, number>();
  for (const s of states)
    byAlgorithm.set(s.algorithm ?? null, (byAlgorithm.get(s.algorithm ?? null) ?? 0) + s.operations);

  const used = (s: (typeof states)[number]) => `it was used ${counted(s.operations, "time")} in the period`;
  const findings: Finding[] = stale.map((s) => ({
    severity: s.rotation ? "medium" : "high",
    title:
      s.rotatedMs !== undefined
        ? `Key ${s.id} not rotated for ${humanDuration(end - s.rotatedMs)}`
        : `Key ${s.id} has no recorded rotation`,
    detail: s.rotation
      ? `Last rotated ${humanTimestamp(s.rotation.timestamp)}, more than ${counted(rotationDays, "day")} before the period's end; ${used(s)}.`
      : `No rotation event before the period's end${inventory.truncated ? ` among the newest ${SCAN_LIMIT} events read` : ""}; ${used(s)}.`,
    evidenceSeqs: [
      ...new Set([s.rotation?.seq, s.latest?.seq].filter((q): q is number => q !== undefined)),
    ].sort((a, b) => a - b),
  }));
  if (inventory.truncated) {
    findings.push({
      severity: "info",
      title: "Inventory truncated",
      detail: `Only the newest ${SCAN_LIMIT} events of each kind were read; older keys and rotations may be missing.`,
    });
  }

  const rotationTable: TableBlock = {
    kind: "table",
    title: "Keys and their last rotation",
    columns: [
      { key: "key", label: "Key" },
      { key: "algorithm", label: "Algorithm" },
      { key: "operations", label: "Operations" },
      { key: "lastRotation", label: "Last rotation", type: "timestamp" },
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
        days: s.rotatedMs === undefined ? null : wholeDays(s.rotatedMs, end),
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
          { label: "Events about keys", value: keyEvents },
          { label: "Key management events", value: managementEvents },
          { label: "Keys used", value: states.length },
          { label: `Not rotated within ${counted(rotationDays, "day")}`, value: stale.length },
        ],
        findings,
      ),
      {
        id: "usage",
        title: "Operations per key",
        blocks: [
          {
            ...countTable(
              "By key",
              "Key",
              states.slice(0, LISTED).map((s) => ({ key: s.id, count: s.operations })),
              keyEvents,
            ),
            ...(states.length > LISTED ? { truncated: states.length - LISTED } : {}),
          },
          countTable("By algorithm", "Algorithm", rowsOf(byAlgorithm), keyEvents),
          countTable("Key management by action", "Action", managementByAction, managementEvents),
        ],
      },
      { id: "rotation", title: "Rotation", blocks: [rotationTable] },
    ],
  };
}
