import type { Writable } from "node:stream";
import { EVENT_FIELDS } from "../event/event-schema.js";
import type { EventFilter } from "../read-model/event-filter.js";
import type { StoredEvent } from "../read-model/stored-event.js";

/** What an export reads: events matching a filter, exactly as stored, in seq order and in chunks. `AuditLog` is one. */
export interface ExportSource {
  exportEvents(filter: EventFilter): AsyncIterable<StoredEvent[]>;
}

/** Export formats. */
export const EXPORT_FORMATS = ["ndjson", "json", "csv"] as const;
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const WRITE_SIZE = 64 * 1024;

/** Thrown when whoever reads the export went away (a closed socket, a destroyed stream). */
export class ExportAbortedError extends Error {
  constructor() {
    super("the export's output was closed before the export ended");
    this.name = "ExportAbortedError";
  }
}

/** Writes `text`, waiting while `out` is full; rejects when `out` closes meanwhile. */
async function write(out: Writable, text: string): Promise<void> {
  if (out.destroyed) throw new ExportAbortedError();
  if (text.length === 0 || out.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      out.off("drain", onDrain);
      out.off("close", onClose);
      out.off("error", onError);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new ExportAbortedError());
    const onError = (error: Error) => settle(error);
    out.on("drain", onDrain);
    out.on("close", onClose);
    out.on("error", onError);
  });
}

/** Columns every CSV export starts with, in schema order; members of fixed-shape objects are dotted. */
const LEADING_COLUMNS: readonly string[] = EVENT_FIELDS.flatMap((f) =>
  f.members === "any" ? [] : Array.isArray(f.members) ? f.members.map((m) => `${f.name}.${m}`) : [f.name],
);

/**
 * Flattens an event into dotted columns (`details.lead.source`); arrays become JSON text.
 *
 * @example
 * ```ts
 * flattenEvent({ actor: { id: "a" }, tags: ["x"] }); // { "actor.id": "a", tags: '["x"]' }
 * ```
 */
export function flattenEvent(
  value: Record<string, unknown>,
  prefix = "",
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [key, item] of Object.entries(value)) {
    const column = prefix + key;
    if (item !== null && typeof item === "object" && !Array.isArray(item) && Object.keys(item).length > 0) {
      flattenEvent(item as Record<string, unknown>, `${column}.`, out);
    } else {
      out[column] =
        Array.isArray(item) || (item !== null && typeof item === "object") ? JSON.stringify(item) : item;
    }
  }
  return out;
}

/** Options of {@link exportEvents}. */
export interface ExportOptions {
  /**
   * CSV only: `escape` (the default) prefixes text cells a spreadsheet would run as a formula
   * with `'` and names them in the row's `formula_escaped` column; `keep` writes every cell
   * exactly as stored, for programs that must not see it changed.
   */
  readonly csvFormulas?: "escape" | "keep";
}

/** The column of an escaped CSV export naming, per row, the columns whose cells got a `'`. */
export const FORMULA_ESCAPED_COLUMN = "formula_escaped";

/**
 * Text a spreadsheet would run as a formula: `=`, `+`, `-`, `@`, TAB or CR first, after any
 * `'` (so that a text already starting with `'` is escaped too, and unescaping stays exact).
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * Streams the events matching `filter` to `out` in seq order; memory stays flat. `ndjson`
 * writes each event exactly as hashed (one canonical JSON object per line); `json` one array;
 * `csv` one row per event with nested fields flattened into dotted columns (two passes: the
 * first finds the columns), text a spreadsheet would run as a formula (`=HYPERLINK(…)`,
 * `+cmd|…`, `@SUM(…)`, `-1+1`, a leading TAB or CR) prefixed with `'` (OWASP's advice) and named
 * in a last column, `formula_escaped`, unless `csvFormulas` is `keep`. Returns the number of
 * events written.
 *
 * @example
 * ```ts
 * await exportEvents(log, parseFilter(["outcome=failure"]), "csv", createWriteStream("failures.csv"));
 * ```
 */
export async function exportEvents(
  log: ExportSource,
  filter: EventFilter,
  format: ExportFormat,
  out: Writable,
  options: ExportOptions = {},
): Promise<number> {
  let count = 0;
  if (format === "ndjson" || format === "json") {
    const separator = format === "ndjson" ? "\n" : ",\n";
    if (format === "json") await write(out, "[\n");
    for await (const chunk of log.exportEvents(filter)) {
      let text = "";
      for (const event of chunk) {
        text += format === "ndjson" ? event.json + separator : (count > 0 ? separator : "") + event.json;
        count++;
        // Writes of at most ~64 KiB: large ones become large native buffers, which the allocator
        // is slow to give back, and peak memory would depend on its mood rather than on us.
        if (text.length >= WRITE_SIZE) {
          await write(out, text);
          text = "";
        }
      }
      await write(out, text);
    }
    if (format === "json") await write(out, count > 0 ? "\n]\n" : "]\n");
    return count;
  }
  // Loaded here: only CSV needs it, and a program that never exports CSV never loads it.
  const { stringify } = await import("csv-stringify/sync");
  const extra = new Set<string>();
  const leading = new Set(LEADING_COLUMNS);
  let lastSeq = -1;
  for await (const chunk of log.exportEvents(filter)) {
    for (const event of chunk) {
      lastSeq = event.seq;
      for (const column of Object.keys(flattenEvent(JSON.parse(event.json))))
        if (!leading.has(column)) extra.add(column);
    }
  }
  const escapeFormulaCells = options.csvFormulas !== "keep";
  const columns = [
    ...LEADING_COLUMNS,
    ...[...extra].sort(),
    ...(escapeFormulaCells ? [FORMULA_ESCAPED_COLUMN] : []),
  ];
  await write(out, stringify([], { header: true, columns }));
  // The second pass stops where the first did, so events appended meanwhile cannot bring new columns.
  for await (const chunk of log.exportEvents(filter)) {
    const records = chunk
      .filter((event) => event.seq <= lastSeq)
      .map((event) => {
        const record = flattenEvent(JSON.parse(event.json));
        return escapeFormulaCells ? escapeFormulas(record) : record;
      });
    count += records.length;
    await write(out, stringify(records, { columns, cast: { boolean: (b) => String(b) } }));
    if (records.length < chunk.length) break;
  }
  return count;
}

/** Prefixes formula-like text cells of `record` with `'` and names them in its `formula_escaped` cell. */
function escapeFormulas(record: Record<string, unknown>): Record<string, unknown> {
  const escaped: string[] = [];
  for (const [column, value] of Object.entries(record)) {
    if (typeof value === "string" && FORMULA_START.test(value)) {
      record[column] = `'${value}`;
      escaped.push(column);
    }
  }
  record[FORMULA_ESCAPED_COLUMN] = escaped.join(" ");
  return record;
}
