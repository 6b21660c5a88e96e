import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareEvent } from "../../event/prepare-event.js";
import { sealedJson } from "../../event/prepared-event.js";
import { leafHash } from "../../ledger/rfc6962.js";
import { TileTree } from "../../ledger/tiles.js";
import type { Condition, FilterValue } from "../../read-model/event-filter.js";
import { SqliteDriver } from "../sqlite/sqlite-driver.js";
import type { SealedRow, StorageDriver } from "../storage-driver.js";

/**
 * The SQLite driver as the reference for filter semantics: events whose fields take the values
 * where SQL's typing shows (numbers and their texts, booleans, nulls, objects, astral and
 * high-BMP characters), and a grid of conditions over them. Tests compare the memory side's
 * answers with SQLite's on every condition of the grid.
 */

const T0 = Date.UTC(2026, 10, 1, 10, 0, 0);

/** Values of `details.v`, one event each (`undefined`: the event has no `details.v`). */
const VALUES: readonly unknown[] = [
  undefined,
  null,
  5,
  "5",
  5.5,
  "5.0",
  " 5",
  -1,
  0,
  16,
  "0x10",
  "1e3",
  1000,
  1e21,
  true,
  false,
  "true",
  "",
  "a",
  "ab",
  "é",
  "z",
  "\uffff",
  "🎉",
  "🎉x",
  { 10: 1, 9: 2, b: { c: true } },
  [1, "a", null, true],
  "{",
  "   ",
  "\t\u00a0\u3000",
  "\u200b",
  " x ",
  "?*[a]",
  "user.create",
  "x.user.create.y",
];

/** Tenants and tag lists that cycle over the events. */
const TENANTS: readonly (string | undefined)[] = [undefined, "acme", "5", "5.0", "1.0e+21", "é", "🎉"];
const TAGS: readonly (readonly string[] | undefined)[] = [
  undefined,
  [],
  ["a"],
  ["5", "b"],
  ["🎉", "é"],
  [" ", "\t"],
  ["", "b.create"],
];
const SEVERITY = ["debug", "info", "notice", "warning", "error", "critical"] as const;

/** The reference events' rows, seq = index. */
export function referenceRows(): SealedRow[] {
  return VALUES.map((v, i) => {
    const tenant = TENANTS[i % TENANTS.length];
    const tags = TAGS[i % TAGS.length];
    const event = prepareEvent(
      {
        action: i % 3 === 0 ? "user.login" : i % 3 === 1 ? "user.logout" : "key.rotate",
        outcome: i % 2 === 0 ? "success" : "failure",
        severity: SEVERITY[i % SEVERITY.length],
        timestamp: new Date(T0 + i * 17 * 60_000).toISOString(),
        ...(i % 4 === 0
          ? {}
          : { actor: { id: i % 4 === 1 ? "alice" : i % 4 === 2 ? (i % 3 === 0 ? " " : "zoë-🎉") : "5" } }),
        ...(tenant === undefined ? {} : { tenant }),
        ...(tags === undefined ? {} : { tags }),
        ...(i % 5 === 0 ? {} : { duration_ms: i * 10 }),
        details: v === undefined ? { other: i } : { v, n: i },
      },
      { receivedAt: T0 + i * 17 * 60_000 + 1000 },
    );
    return {
      seq: i,
      id: event.id,
      timestampMs: event.timestampMs,
      action: event.action,
      category: event.category,
      outcome: event.outcome,
      severityLevel: event.severityLevel,
      actorId: event.actorId,
      targetId: event.targetId,
      tenant: event.tenant,
      json: sealedJson(event, i),
    };
  });
}

/** Appends `rows` to `driver` as one batch. */
export async function appendRows(driver: StorageDriver, rows: readonly SealedRow[]): Promise<void> {
  const tree = new TileTree();
  await driver.appendBatch(0, rows, tree.append(rows.map((r) => leafHash(r.json))));
}

/** A SQLite store holding `rows`, and how to dispose of it. */
export async function referenceStore(
  rows: readonly SealedRow[],
): Promise<{ driver: SqliteDriver; path: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "sealtrail-reference-"));
  const path = join(dir, "log.db");
  const driver = SqliteDriver.open(path, { writerThread: false });
  await appendRows(driver, rows);
  return {
    driver,
    path,
    cleanup: async () => {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Values every field is compared with. */
const PROBES: readonly FilterValue[] = [
  "5",
  5,
  5.5,
  "5.0",
  " 5",
  "0x10",
  16,
  1000,
  "1e3",
  -1,
  0,
  1,
  1e21,
  "1.0e+21",
  "true",
  "false",
  true,
  false,
  "",
  "a",
  "é",
  "z",
  "🎉",
  "\uffff",
  "{",
  '{"10":1,"9":2,"b":{"c":true}}',
  "user.login",
  "alice",
  "acme",
  "warning",
  T0 + 17 * 60_000,
  T0 + 17 * 60_000 + 1000,
  new Date(T0 + 17 * 60_000 + 1000).toISOString(),
];

const FIELDS = [
  "details.v",
  "details.v.10",
  "details.n",
  "details.missing",
  "tags",
  "tenant",
  "action",
  "outcome",
  "actor.id",
  "target.id",
  "seq",
  "timestamp",
  "received_at",
  "duration_ms",
  "severity",
] as const;

/** Patterns every field is globbed with: `*` anywhere, characters other globs read as wildcards. */
const GLOBS: readonly (readonly string[])[] = [
  [],
  ["*"],
  [""],
  ["*.create"],
  ["user.*", "key.*"],
  ["*user*"],
  ["?*[a]"],
  ["*[a]"],
  ["5"],
  ["5*"],
  ["*🎉*"],
  ["é"],
  ["{*"],
  ["*e*t*"],
];

/**
 * The grid: every field with every op and probe (prefixes of text probes, `in` of neighbouring
 * pairs, every glob, blank or not). Some conditions are refused by SQLite (a boolean compared with list elements); the
 * comparison expects the same refusal.
 */
export function referenceConditions(): Condition[] {
  const out: Condition[] = [];
  for (const field of FIELDS) {
    out.push({ field, op: "absent" }, { field, op: "blank" }, { field, op: "not_blank" });
    for (const patterns of GLOBS) {
      out.push({ field, op: "glob", patterns }, { field, op: "not_glob", patterns });
    }
    for (const [i, value] of PROBES.entries()) {
      out.push({ field, op: "eq", value }, { field, op: "ne", value });
      out.push({ field, op: "in", values: [value, PROBES[(i + 1) % PROBES.length] as FilterValue] });
      if (typeof value === "string") out.push({ field, op: "prefix", value });
      if (typeof value !== "boolean") {
        for (const op of ["gt", "gte", "lt", "lte"] as const) out.push({ field, op, value });
      }
    }
  }
  return out;
}
