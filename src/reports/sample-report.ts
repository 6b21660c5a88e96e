import type { AuditLevel } from "./audit-level.js";
import type {
  Cell,
  Finding,
  Report,
  ReportBranding,
  ReportProvenance,
  ReportSection,
  TableBlock,
} from "./report-model.js";
import { CRYPTO_ASSET_COLUMNS } from "./types/crypto-compliance.js";

/**
 * Report fixtures for tests: a rich report with every block kind and text that formats trip on
 * (separators, quotes, line breaks, markup, unicode), and an edge-case report (empty sections,
 * tables without rows, charts without points). Everything is a literal or computed from the row
 * index, so two calls build equal reports.
 */

/**
 * Options of {@link sampleReport}.
 *
 * @example
 * ```ts
 * const options: SampleReportOptions = { signatureVerified: false, storeVerified: "not-run", filter: [] };
 * ```
 */
export interface SampleReportOptions {
  /** `rich` (default): every block kind, with awkward text; `edge-cases`: empty and odd blocks. */
  readonly variant?: "rich" | "edge-cases";
  /** Whether the checkpoint signature verified (default: true for `rich`, false for `edge-cases`). */
  readonly signatureVerified?: boolean;
  /**
   * Whether a full store verify passed, or `not-run` to leave `storeVerified` out
   * (default: true for `rich`, `not-run` for `edge-cases`).
   */
  readonly storeVerified?: boolean | "not-run";
  /** The filter expressions (default: two for `rich`, none for `edge-cases`). */
  readonly filter?: readonly string[];
  /** The audit level stated (default: `standard` for `rich`, `minimal` for `edge-cases`). */
  readonly auditLevel?: AuditLevel;
  /** Rows of the rich report's big table (default 25). */
  readonly tableRows?: number;
  /** Add {@link SAMPLE_BRANDING} (organisation, colour, logo and footer with awkward text). */
  readonly branded?: boolean;
}

/** A 1×1 PNG, base64: the sample logo. */
const PIXEL_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/**
 * The branding of `sampleReport({ branded: true })`: text that formats trip on, a colour and a
 * one-pixel PNG logo.
 *
 * @example
 * ```ts
 * sampleReport({ branded: true }).branding === SAMPLE_BRANDING; // true
 * ```
 */
export const SAMPLE_BRANDING: ReportBranding = {
  organisation: 'Example Corp — Zürich & Söhne "AG" | *ops*',
  color: "#0b5cad",
  logo: { mediaType: "image/png", base64: PIXEL_PNG },
  footer: "Confidential — internal use <only> | 2026",
};

const ORIGIN = "audit.example.com/sealtrail";
const TREE_SIZE = 48_213;
const ROOT_HASH = "3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho=";

/** Awkward texts the big table's `note` column cycles through. */
const AWKWARD: readonly Cell[] = [
  "plain text",
  "comma, inside",
  "\"double quotes\" and 'single'",
  "line one\nline two",
  "crlf\r\nline",
  "carriage\rreturn",
  "pipe | in | cell",
  "back\\slash and \\| an escaped pipe",
  "*bold* _em_ `code` [link](https://x.example) <b>html</b> &amp; $x$ ~~gone~~",
  "# heading? - list? 1. ordered?",
  "  leading and trailing spaces  ",
  "tab\tinside",
  "Zürich 🎉 日本語 Ελληνικά עברית",
  "e\u0301 combining, \u2028 line separator, zero\u200bwidth",
  "=SUM(A1:A9)",
  "-5 looks negative",
  "007",
  "",
  null,
  "trailing backslash \\",
  "<br> literal",
  "&#32; entity-like",
  "---",
  "| starts with a pipe",
  "ends with a pipe |",
];

const ACTIONS = ["user.login", "user.logout", "key.rotate", "config.change", "package.install"] as const;

/** The big table: `rows` rows over eight columns, numbers, booleans, nulls and awkward text. */
function activityTable(rows: number): TableBlock {
  const total = Array.from({ length: rows }, (_, i) => 4_000 - i * 151).reduce((a, b) => a + b, 0);
  return {
    kind: "table",
    title: "Top actors, by events",
    columns: [
      { key: "actor", label: "Actor" },
      { key: "action", label: "Most frequent action" },
      { key: "outcome", label: "Outcome" },
      { key: "events", label: "Events" },
      { key: "share", label: "Share %" },
      { key: "verified", label: "Verified" },
      { key: "last_seen", label: "Last seen", type: "timestamp" },
      { key: "note", label: 'Note, "quoted" | piped' },
    ],
    rows: Array.from({ length: rows }, (_, i) => {
      const events = 4_000 - i * 151;
      const row: Record<string, Cell> = {
        actor: i === 3 ? "zoë@example.com" : i === 7 ? null : `user-${String(i).padStart(2, "0")}`,
        action: ACTIONS[i % ACTIONS.length] ?? null,
        outcome: i % 4 === 1 ? "failure" : "success",
        events,
        // Unrounded on purpose: renderers must not round it away.
        share: (events / total) * 100,
        verified: i % 3 !== 0,
        // Times as stored: most with zero milliseconds (people see them without), one with some.
        last_seen:
          i % 5 === 4
            ? null
            : new Date(Date.UTC(2026, 10, 30, 23, 59 - i, 1, i === 2 ? 120 : 0)).toISOString(),
        note: AWKWARD[i % AWKWARD.length] ?? null,
      };
      // One row lacks a column altogether: it shows as an empty (null) cell.
      if (i === 11) delete row.last_seen;
      return row;
    }),
  };
}

/**
 * A wide table of short words (which must not break across lines) and one fingerprint too long
 * for any column (which must): the crypto inventory's layout.
 */
function assetTable(): TableBlock {
  return {
    kind: "table",
    title: "Keys and certificates",
    columns: [...CRYPTO_ASSET_COLUMNS],
    rows: [
      {
        asset: "signing-key",
        kind: "key",
        fingerprint: "SHA256:3f9a6c1e0b7d4f2a9c8e1d0b3a5f7c9e2d4b6a8c0e1f3a5b7c9d1e3f5a7b9c1d",
        algorithm: "RSA",
        keySize: 1024,
        validity: null,
        compliant: false,
        violations: "1024-bit RSA key, below the 2048 bits required",
        seq: 12,
      },
      {
        asset: "api.example.com",
        kind: "certificate",
        fingerprint: null,
        algorithm: "ECDSA-P256",
        keySize: 256,
        validity: 404,
        compliant: false,
        violations: "valid for 404 days, longer than the 398 allowed",
        seq: 9,
      },
    ],
  };
}

function provenance(options: SampleReportOptions, edge: boolean): ReportProvenance {
  const storeVerified = options.storeVerified ?? (edge ? "not-run" : true);
  const note =
    `${ORIGIN}\n${TREE_SIZE}\n${ROOT_HASH}\n\n` +
    "— audit.example.com/sealtrail Az3wRgAAAAEAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/\n";
  return {
    type: edge ? "edge-cases" : "activity",
    title: edge ? "Edge | cases # *all* [empty]" : "Activity — November 2026",
    generatedAt: "2026-12-01T00:00:05.123Z",
    period: { since: "2026-11-01T00:00:00.000Z", until: "2026-12-01T00:00:00.000Z" },
    filter: [...(options.filter ?? (edge ? [] : ["tenant=acme", 'actor.id~"zoë, *"']))],
    auditLevel: options.auditLevel ?? (edge ? "minimal" : "standard"),
    checkpoint: {
      origin: ORIGIN,
      treeSize: TREE_SIZE,
      rootHash: ROOT_HASH,
      signatureVerified: options.signatureVerified ?? !edge,
      ...(storeVerified === "not-run" ? {} : { storeVerified }),
      note,
    },
  };
}

const FINDINGS: readonly Finding[] = [
  {
    severity: "critical",
    title: "Events deleted from the store",
    detail: "Seqs 40 to 41 no longer match the signed tree: the store was changed after it was sealed.",
    evidenceSeqs: [40, 41],
  },
  {
    severity: "high",
    title: "Burst of failed logins | bob",
    detail: "14 failed logins within one minute from one address,\nthen a success.",
    evidenceSeqs: [12, 13, 9_007_199_254_740_991],
  },
  {
    severity: "medium",
    title: "Key rotated late: *k1*",
    detail: "- The policy asks for 90 days; this key was 97 days old.",
    evidenceSeqs: [3],
  },
  {
    severity: "low",
    title: "Unusual hour",
    detail: "1. A change at 03:12 UTC, outside office hours.",
    evidenceSeqs: [],
  },
  { severity: "info", title: "Retention", detail: "Events older than 400 days were archived." },
];

function richSections(options: SampleReportOptions): ReportSection[] {
  const days = [120, 0, 4_521, 3_980, 12_408, 1, 27_183];
  return [
    {
      id: "overview",
      title: "Overview",
      blocks: [
        {
          kind: "figures",
          title: "Totals",
          figures: [
            { label: "Events", value: 48_213 },
            { label: "Failure rate", value: 0.30000000000000004, unit: "%" },
            { label: "Mean latency", value: 12.345678901, unit: "ms" },
            { label: "Largest seq", value: 9_007_199_254_740_991 },
            { label: "Busiest tenant, by events", value: 'acme, "inc." | *main*' },
            { label: "Clock drift", value: -3, unit: "s" },
          ],
        },
        {
          kind: "chart",
          title: "Events per day",
          chart: "timeseries",
          unit: "events",
          points: days.map((value, i) => ({
            label: new Date(Date.UTC(2026, 10, 1 + i)).toISOString(),
            value,
          })),
        },
      ],
    },
    {
      id: "actors",
      title: "Activity by actor",
      blocks: [
        activityTable(options.tableRows ?? 25),
        {
          kind: "chart",
          title: "Events by action",
          chart: "bar",
          unit: "events",
          points: [
            { label: "user.login", value: 30_112 },
            { label: "key|rotate *now*", value: 17 },
            { label: "config, change", value: 5_903.5 },
            { label: "日本語 🎉", value: 1 },
          ],
        },
        {
          kind: "chart",
          title: "Outcomes",
          chart: "breakdown",
          unit: "events",
          points: [
            { label: "success", value: 45_210 },
            { label: "failure", value: 2_803 },
            { label: "unknown", value: 200 },
          ],
        },
        assetTable(),
      ],
    },
    {
      id: "recent-failures",
      title: "Recent failures",
      blocks: [
        {
          kind: "table",
          title: "Latest failures (first 5)",
          columns: [
            { key: "seq", label: "Seq" },
            { key: "time", label: "Time", type: "timestamp" },
            { key: "action", label: "Action" },
            { key: "actor", label: "Actor" },
          ],
          rows: [48_212, 48_190, 47_001, 46_950, 12].map((seq, i) => ({
            seq,
            time: new Date(Date.UTC(2026, 10, 30, 12 - i, 0, 0)).toISOString(),
            action: ACTIONS[(i + 1) % ACTIONS.length] ?? null,
            actor: i === 2 ? null : `svc-${i}`,
          })),
          truncated: 37,
        },
      ],
    },
    {
      id: "findings",
      title: "Findings",
      blocks: [{ kind: "findings", title: "What needs attention", findings: FINDINGS }],
    },
  ];
}

function edgeSections(): ReportSection[] {
  return [
    { id: "empty", title: "An empty section", blocks: [] },
    {
      id: "nothing",
      title: "Nothing to show",
      blocks: [
        { kind: "figures", title: "No figures", figures: [] },
        {
          kind: "table",
          title: "No rows",
          columns: [
            { key: "a", label: "A" },
            { key: "b", label: "B" },
          ],
          rows: [],
        },
        {
          kind: "table",
          title: "Every row left out",
          columns: [{ key: "a", label: "A" }],
          rows: [],
          truncated: 12,
        },
        { kind: "table", title: "", columns: [], rows: [] },
        { kind: "chart", title: "No points", chart: "timeseries", unit: "events", points: [] },
        { kind: "findings", title: "No findings", findings: [] },
      ],
    },
    {
      id: "odd",
      title: "Odd values",
      blocks: [
        {
          kind: "figures",
          title: "Odd figures",
          figures: [
            { label: "Empty", value: "", unit: "" },
            { label: "Zero", value: 0 },
            { label: "Negative", value: -12.5, unit: "%" },
            { label: "Huge", value: 1e21 },
            { label: "Tiny", value: 5e-324 },
          ],
        },
        {
          kind: "chart",
          title: "All zero",
          chart: "bar",
          unit: "",
          points: [
            { label: "a", value: 0 },
            { label: "b", value: 0 },
          ],
        },
        {
          kind: "chart",
          title: "Negative parts",
          chart: "breakdown",
          unit: "ms",
          points: [
            { label: "up", value: 10 },
            { label: "down", value: -4 },
            { label: "flat", value: 0 },
          ],
        },
        {
          kind: "chart",
          title: "One point",
          chart: "timeseries",
          unit: "events",
          points: [{ label: "2026-11-01T00:00:00.000Z", value: 7 }],
        },
        {
          kind: "table",
          title: "All null",
          columns: [
            { key: "x", label: "X" },
            { key: "y", label: "Y" },
          ],
          rows: [{ x: null, y: null }, {}],
        },
        {
          kind: "findings",
          title: "Findings without evidence",
          findings: [
            { severity: "info", title: "No evidence given", detail: "" },
            { severity: "low", title: "Empty evidence", detail: "Nothing to point at.", evidenceSeqs: [] },
          ],
        },
      ],
    },
  ];
}

/**
 * Builds a sample {@link Report} for renderer tests: by default a rich one (every block kind,
 * a 25-row table with separators, quotes, line breaks, markup, unicode and null cells, a truncated
 * table, time series, bar and breakdown charts, findings of every severity), or with
 * `variant: "edge-cases"` one of empty sections, tables without rows and charts without points.
 *
 * @example
 * ```ts
 * const report = sampleReport({ storeVerified: "not-run" });
 * await jsonRenderer.render(report, process.stdout);
 * const edge = sampleReport({ variant: "edge-cases" });
 * ```
 */
export function sampleReport(options: SampleReportOptions = {}): Report {
  const edge = options.variant === "edge-cases";
  return {
    provenance: provenance(options, edge),
    sections: edge ? edgeSections() : richSections(options),
    ...(options.branded ? { branding: SAMPLE_BRANDING } : {}),
  };
}
