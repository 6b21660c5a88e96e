import type { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import type { AuditLog } from "../audit-log.js";
import { SealtrailError } from "../errors.js";
import type { AuditEvent } from "../event/audit-event.js";
import { EXPORT_FORMATS, type ExportFormat, exportEvents } from "../export/export-events.js";
import type { PageOrder, PageSort } from "../query/cursor.js";
import { parseFilter } from "../query/filter-syntax.js";
import { sealtrailVersion } from "../version.js";
import { addAlertsCommands } from "./alerts-command.js";
import { addVerifyBundleCommand } from "./bundle-commands.js";
import { closeOutput, openInput, openOutput, readInputText } from "./cli-files.js";
import { addConfigCommand } from "./config-command.js";
import { parseEventText, readEventText } from "./event-input.js";
import type { PageReader } from "./event-listing.js";
import { addHelpExamples } from "./help-examples.js";
import { localUser } from "./local-user.js";
import { colorsFor, humanCell, paint, table } from "./output.js";
import { addPerformanceCommand } from "./performance-command.js";
import { addReportCommand } from "./report-command.js";
import { addServerCommands } from "./server-commands.js";

/** Exit codes of the `sealtrail` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Thrown by a command to end with a given exit code after it has printed its own output. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface HomeOption {
  home?: string;
}

function integer(name: string, min = 0) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name}: expected an integer ≥ ${min}, got "${text}"`);
    }
    return n;
  };
}

const homeOption = () =>
  new Option("--home <dir>", "store directory (default: $SEALTRAIL_HOME, else ./.sealtrail)");

/**
 * The library facade, loaded when a command runs: defining the commands (and `--help`) loads
 * only what their options need. Every action imports what it uses this way.
 */
async function auditLog(): Promise<typeof AuditLog> {
  return (await import("../audit-log.js")).AuditLog;
}

/** A progress bar on stderr when `show`; cli-progress is loaded only then. */
async function progressBar(show: boolean, format: string): Promise<SingleBar | undefined> {
  if (!show) return undefined;
  const { SingleBar } = await import("cli-progress");
  return new SingleBar({ format, stream: process.stderr });
}

/**
 * Opens the store for one command: `ingest` for writing, `append` for one write (no writer
 * thread to start), the rest for reading.
 */
async function withLog<T>(
  options: HomeOption,
  fn: (log: AuditLog) => Promise<T>,
  use: "read" | "write" | "one-write" = "read",
): Promise<T> {
  const log = await (await auditLog()).open({
    ...(options.home ? { home: options.home } : {}),
    create: false,
    checkpointIntervalMs: 0,
    readMostly: use === "read",
    fewWrites: use === "one-write",
  });
  try {
    return await fn(log);
  } finally {
    await log.close();
  }
}

function summaryLine(event: AuditEvent): string[] {
  return [
    String(event.seq),
    event.timestamp,
    event.action,
    event.outcome,
    event.actor?.id ?? "",
    event.target ? [event.target.type, event.target.id ?? event.target.name].filter(Boolean).join(":") : "",
    event.tenant ?? "",
  ];
}

/** A failure's error as recorded (`CODE: message`), or that none was. */
function errorWords(event: AuditEvent): string {
  const { code, message } = event.error ?? {};
  if (code && message) return `${code}: ${message}`;
  return code || message || "none recorded";
}

/**
 * Builds the `sealtrail` command. Errors propagate to the caller (`exitOverride`), which maps
 * them to exit codes.
 */
export function buildProgram(): Command {
  const program = new Command("sealtrail")
    .description("Sealtrail: a tamper-evident audit trail (RFC 6962 Merkle log, signed C2SP checkpoints)")
    .version(sealtrailVersion())
    .showHelpAfterError()
    // Set before the subcommands are added, so that they inherit it: usage errors must reach main() (exit 2).
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command("init")
    .description("create a store with a new Ed25519 signing key; prints the verifier key")
    .addOption(homeOption())
    .option("--origin <name>", "log name used in checkpoints (default: <host>/sealtrail/<random>)")
    .action(async (options: HomeOption & { origin?: string }) => {
      const result = await (await auditLog()).init({
        ...(options.home ? { home: options.home } : {}),
        ...(options.origin ? { origin: options.origin } : {}),
        actor: localUser("sealtrail init"),
      });
      const c = colorsFor(process.stdout);
      process.stdout.write(
        `${paint(c, "green", "Created")} store in ${result.home}\norigin: ${result.origin}\nverifier key: ${result.verifierKey}\n` +
          `signing key: ${result.signingKey}\n`,
      );
    });

  program
    .command("append")
    .description(
      "append one event, given as JSON in the argument, on standard input or with --json; prints its seq and id once durable",
    )
    .argument("[event]", "the event as a JSON object, or - to read it from standard input")
    .addOption(homeOption())
    .option("--json <event>", "the event as a JSON object (instead of the argument)")
    .action(async (argument: string | undefined, options: HomeOption & { json?: string }) => {
      const event = parseEventText(
        await readEventText(
          { argument, json: options.json },
          process.stdin,
          (await import("../ingest/ndjson-lines.js")).DEFAULT_MAX_LINE_BYTES,
        ),
      );
      await withLog(
        options,
        async (log) => {
          const [outcome] = await log.appendSettled([event]);
          if (!outcome?.ok) {
            process.stderr.write(`rejected: ${outcome?.error.message}\n`);
            throw new ExitCode(EXIT.failure);
          }
          process.stdout.write(
            `${JSON.stringify({ seq: outcome.seq, id: outcome.id, duplicate: outcome.duplicate })}\n`,
          );
        },
        "one-write",
      );
    });

  program
    .command("ingest")
    .description("append NDJSON events from FILE or - (stdin); reports each rejected line by number")
    .argument("<file>", "NDJSON file, or - for standard input")
    .addOption(homeOption())
    .option("--json", "print the summary as JSON")
    .action(async (file: string, options: HomeOption & { json?: boolean }) => {
      // Opened first: a missing file is a usage error naming it (exit 2), not a stream error.
      const opened =
        file === "-"
          ? { stream: process.stdin, size: 0 }
          : await openInput("FILE", file, "an NDJSON file of events (or - for standard input)", {
              highWaterMark: 1 << 20,
            });
      const total = opened.size;
      const input = opened.stream;
      // The bar goes at the first rejected line, so that "line N: reason" reports stay readable.
      let bar = await progressBar(
        Boolean(process.stderr.isTTY) && total > 0,
        "ingest [{bar}] {percentage}% | {events} events | {rate}/s",
      );
      const { ingestNdjson } = await import("../ingest/ingest-ndjson.js");
      const started = performance.now();
      bar?.start(total, 0, { events: 0, rate: 0 });
      const summary = await withLog(
        options,
        (log) =>
          ingestNdjson(input, (events) => log.submitPrepared(events), {
            logTransforms: log.transforms,
            ...(log.limits ? { limits: log.limits } : {}),
            onRejected: (line, reason) => {
              bar?.stop();
              bar = undefined;
              process.stderr.write(`line ${line}: ${reason}\n`);
            },
            onProgress: (s) => {
              const events = s.accepted + s.duplicates;
              const rate = Math.round(events / ((performance.now() - started) / 1000));
              bar?.update("bytesRead" in input ? (input.bytesRead as number) : 0, { events, rate });
            },
          }),
        "write",
      );
      bar?.stop();
      const seconds = (performance.now() - started) / 1000;
      if (options.json) process.stdout.write(`${JSON.stringify({ ...summary, seconds })}\n`);
      else {
        process.stdout.write(
          `accepted ${summary.accepted}, duplicate ${summary.duplicates}, rejected ${summary.rejected} (${seconds.toFixed(2)} s)\n`,
        );
      }
      if (summary.rejected > 0) throw new ExitCode(EXIT.failure);
    });

  const filterHelp = "FIELD=VALUE, FIELD!=VALUE, FIELD=a,b, FIELD=prefix*, FIELD>N, FIELD<=T …";
  const sortOption = () =>
    new Option(
      "--sort <field>",
      "seq: the order the log received events in (default); timestamp: the order they happened in, ties by seq",
    ).choices(["seq", "timestamp"]);
  const orderOption = () =>
    new Option("--order <order>", "desc: newest first (default); asc: oldest first").choices(["desc", "asc"]);
  const cursorOption = () =>
    new Option("--cursor <cursor>", "continue after a previous page, in that page's sort and order");
  const machineHelp = (what: string, flag: string, human: number) =>
    `\nWith ${flag}, every matching ${what} is written (streamed page by page, as export does) unless --limit N is given; ` +
    `with --limit N at most N are, and more are signalled in the output (JSON: "next_cursor", NDJSON: a "more: --cursor …" line on stderr), exit 0. ` +
    `The human output lists ${human} unless --limit says otherwise. Every output says its order (JSON: "sort" and "order"; NDJSON: an "order: …" line on stderr).\n`;
  program
    .command("query")
    .description("list events matching filters, newest received first (--sort timestamp: as they happened)")
    .argument("[filters...]", filterHelp)
    .addOption(homeOption())
    .option("--since <time>", "from this time: 24h, 7d, 2026-11-01, or RFC 3339")
    .option("--until <time>", "before this time")
    .option(
      "--limit <n>",
      "at most N events (table: default 50; json, ndjson: every matching event)",
      integer("--limit", 1),
    )
    .addOption(cursorOption())
    .addOption(sortOption())
    .addOption(orderOption())
    .addOption(
      new Option("--format <format>", "output format").choices(["table", "json", "ndjson"]).default("table"),
    )
    .addHelpText("after", machineHelp("event", "--format json or ndjson", 50))
    .action(
      async (
        filters: string[],
        options: HomeOption & {
          since?: string;
          until?: string;
          limit?: number;
          cursor?: string;
          sort?: PageSort;
          order?: PageOrder;
          format: "table" | "json" | "ndjson";
        },
      ) => {
        const filter = parseFilter(filters, { since: options.since, until: options.until });
        const { listingRequest, orderWords, readPages, writeListing } = await import("./event-listing.js");
        await withLog(options, async (log) => {
          const read: PageReader = (paging) => log.query(filter, paging);
          if (options.format !== "table") {
            await writeListing(options.format, read, listingRequest(options), process.stdout, process.stderr);
            return;
          }
          const events: AuditEvent[] = [];
          const end = await readPages(read, listingRequest(options, 50), (page) => {
            events.push(...page.events);
          });
          process.stdout.write(
            `order: ${orderWords(end.sort, end.order)}\n` +
              `${table(["seq", "timestamp", "action", "outcome", "actor", "target", "tenant"], events.map(summaryLine))}\n`,
          );
          if (end.nextCursor) process.stderr.write(`more: --cursor ${end.nextCursor}\n`);
        });
      },
    );

  program
    .command("stats")
    .description("counts by action, outcome, actor, category, severity, per hour and per day")
    .argument("[filters...]", filterHelp)
    .addOption(homeOption())
    .option("--since <time>", "from this time")
    .option("--until <time>", "before this time")
    .option(
      "--top <n>",
      "most groups listed per dimension; the rest are counted as others",
      integer("--top", 1),
      10,
    )
    .option("--json", "print JSON (with top and others: how many events the lists leave out)")
    .action(
      async (
        filters: string[],
        options: HomeOption & { since?: string; until?: string; top: number; json?: boolean },
      ) => {
        const filter = parseFilter(filters, { since: options.since, until: options.until });
        await withLog(options, async (log) => {
          const stats = await log.stats(filter, options.top);
          if (options.json) {
            process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
            return;
          }
          const c = colorsFor(process.stdout);
          const section = (title: string, rows: { key: string | null; count: number }[], others = 0) =>
            `${paint(c, "bold", title)}\n${table(
              ["", "count"],
              [
                ...rows.map((r) => [r.key ?? "(none)", String(r.count)]),
                ...(others > 0 ? [["(all others)", String(others)]] : []),
              ],
            )}\n`;
          process.stdout.write(
            [
              `${paint(c, "bold", "events")}: ${stats.total}\n`,
              section("by outcome", stats.byOutcome, stats.others.byOutcome),
              section("by category", stats.byCategory, stats.others.byCategory),
              section("by severity", stats.bySeverity, stats.others.bySeverity),
              section("top actions", stats.byAction, stats.others.byAction),
              section("top actors", stats.byActor, stats.others.byActor),
              section(
                "per day",
                stats.perDay.map((r) => ({ key: r.key?.slice(0, 10) ?? null, count: r.count })),
              ),
              section(
                "per hour (latest 24)",
                stats.perHour.slice(-24).map((r) => ({ key: r.key?.slice(0, 13) ?? null, count: r.count })),
              ),
            ].join("\n"),
          );
        });
      },
    );

  program
    .command("errors")
    .description(
      "the most recent failures with their error details, newest received first (--sort timestamp: as they happened)",
    )
    .argument("[filters...]", filterHelp)
    .addOption(homeOption())
    .option(
      "--limit <n>",
      "at most N failures (text: default 20; --json: every failure)",
      integer("--limit", 1),
    )
    .option("--since <time>", "from this time")
    .option("--until <time>", "before this time")
    .addOption(cursorOption())
    .addOption(sortOption())
    .addOption(orderOption())
    .option("--json", 'print JSON: {"sort", "order", "events", "next_cursor"}')
    .addHelpText("after", machineHelp("failure", "--json", 20))
    .action(
      async (
        filters: string[],
        options: HomeOption & {
          limit?: number;
          since?: string;
          until?: string;
          cursor?: string;
          sort?: PageSort;
          order?: PageOrder;
          json?: boolean;
        },
      ) => {
        const filter = parseFilter(filters, { since: options.since, until: options.until });
        const { listingRequest, orderWords, readPages, writeListing } = await import("./event-listing.js");
        await withLog(options, async (log) => {
          const read: PageReader = (paging) => log.errors(filter, paging);
          if (options.json) {
            await writeListing("json", read, listingRequest(options), process.stdout, process.stderr);
            return;
          }
          const events: AuditEvent[] = [];
          const end = await readPages(read, listingRequest(options, 20), (page) => {
            events.push(...page.events);
          });
          const c = colorsFor(process.stdout);
          if (events.length === 0) process.stdout.write("no failures recorded\n");
          else process.stdout.write(`failures, ${orderWords(end.sort, end.order)}:\n`);
          for (const e of events) {
            const target = summaryLine(e)[5];
            process.stdout.write(
              `${paint(c, "red", `#${e.seq}`)} ${humanCell(e.timestamp)} ${paint(c, "bold", e.action)} actor=${e.actor?.id ?? "-"}` +
                `${target ? ` target=${target}` : ""} severity=${e.severity}\n` +
                `  error: ${errorWords(e)}\n` +
                (e.details ? `  details: ${JSON.stringify(e.details)}\n` : ""),
            );
          }
          if (end.nextCursor) process.stderr.write(`more: --cursor ${end.nextCursor}\n`);
        });
      },
    );

  program
    .command("export")
    .description("stream events as NDJSON (exactly as hashed), a JSON array, or CSV")
    .argument("[filters...]", filterHelp)
    .addOption(homeOption())
    .addOption(
      new Option("--format <format>", "output format").choices([...EXPORT_FORMATS]).default("ndjson"),
    )
    .option("--out <file>", "write to FILE instead of standard output")
    .option("--since <time>", "from this time")
    .option("--until <time>", "before this time")
    .option(
      "--raw-csv",
      "CSV cells exactly as stored; by default text a spreadsheet would run as a formula gets a ' in front, named in the formula_escaped column",
    )
    .action(
      async (
        filters: string[],
        options: HomeOption & {
          format: ExportFormat;
          out?: string;
          since?: string;
          until?: string;
          rawCsv?: boolean;
        },
      ) => {
        if (options.rawCsv && options.format !== "csv") {
          throw new SealtrailError("ST_ERR_USAGE", "--raw-csv: applies to --format csv only");
        }
        const filter = parseFilter(filters, { since: options.since, until: options.until });
        await withLog(options, async (log) => {
          const what = "the export";
          const file = options.out ? await openOutput("--out", options.out, what) : undefined;
          const count = await exportEvents(log, filter, options.format, file ?? process.stdout, {
            csvFormulas: options.rawCsv ? "keep" : "escape",
          });
          if (file && options.out) {
            await closeOutput(file, "--out", options.out, what);
            process.stderr.write(`exported ${count} events to ${options.out}\n`);
          }
        });
      },
    );

  program
    .command("checkpoint")
    .description("print a signed checkpoint (C2SP tlog-checkpoint) covering every committed event")
    .addOption(homeOption())
    .action(async (options: HomeOption) => {
      await withLog(options, async (log) => {
        process.stdout.write((await log.checkpoint()).note);
      });
    });

  program
    .command("pubkey")
    .description("print the verifier key (<name>+<hex key id>+<base64 key>)")
    .addOption(homeOption())
    .action(async (options: HomeOption) => {
      await withLog(options, async (log) => {
        process.stdout.write(`${log.verifierKey()}\n`);
      });
    });

  const proof = program.command("proof").description("print RFC 6962 proofs as JSON");
  proof
    .command("inclusion")
    .description("inclusion proof of event SEQ in the tree of SIZE events (default: the latest checkpoint)")
    .addOption(homeOption())
    .requiredOption("--seq <n>", "the event's seq", integer("--seq"))
    .option("--size <m>", "tree size", integer("--size", 1))
    .action(async (options: HomeOption & { seq: number; size?: number }) => {
      await withLog(options, async (log) => {
        process.stdout.write(`${JSON.stringify(await log.proveInclusion(options.seq, options.size))}\n`);
      });
    });
  proof
    .command("consistency")
    .description("consistency proof from tree size A to B (default: the latest checkpoint)")
    .addOption(homeOption())
    .requiredOption("--from <a>", "older tree size", integer("--from", 1))
    .option("--to <b>", "newer tree size", integer("--to", 1))
    .action(async (options: HomeOption & { from: number; to?: number }) => {
      await withLog(options, async (log) => {
        process.stdout.write(`${JSON.stringify(await log.proveConsistency(options.from, options.to))}\n`);
      });
    });

  program
    .command("verify")
    .alias("integrity")
    .description(
      "recompute every leaf, rebuild the tree and check every checkpoint; exit 1 naming the first bad seq (alias: integrity, same options)",
    )
    .addOption(homeOption())
    .option("--trusted <file>", "a signed checkpoint kept elsewhere that the store must extend")
    .option("--key <verifier>", "verifier key to check signatures with (default: the home's verifier.key)")
    .option("--deep", "also check the columns copied out of each event for indexes against its JSON")
    .option("--json", "print the report as JSON")
    .action(
      async (options: HomeOption & { trusted?: string; key?: string; deep?: boolean; json?: boolean }) => {
        const trusted =
          options.trusted === undefined
            ? undefined
            : readInputText(
                "--trusted",
                options.trusted,
                "a signed checkpoint file (sealtrail checkpoint > FILE)",
              );
        await withLog(options, async (log) => {
          const bar = await progressBar(Boolean(process.stderr.isTTY), "verify [{bar}] {value}/{total}");
          bar?.start(0, 0);
          const report = await log.verify({
            ...(trusted === undefined ? {} : { trusted }),
            ...(options.key ? { verifierKey: options.key } : {}),
            ...(options.deep ? { deep: true } : {}),
            onProgress: (checked, total) => {
              bar?.setTotal(total);
              bar?.update(checked);
            },
          });
          bar?.stop();
          const c = colorsFor(process.stdout);
          if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
          else if (report.ok) {
            process.stdout.write(
              `${paint(c, "green", "OK")}: ${report.checked} events verified, ${report.checkpointsVerified} checkpoint(s), root ${report.root}` +
                (report.trustedSize === undefined
                  ? ""
                  : `, extends the trusted checkpoint at size ${report.trustedSize}`) +
                "\n",
            );
          } else {
            process.stdout.write(
              `${paint(c, "red", "FAILED")}: ${report.firstBadSeq === undefined ? "" : `first bad seq ${report.firstBadSeq}: `}${report.problem}\n`,
            );
          }
          if (!report.ok) throw new ExitCode(EXIT.failure);
        });
      },
    );

  addPerformanceCommand(program);
  addServerCommands(program);
  addAlertsCommands(program);
  addReportCommand(program);
  addVerifyBundleCommand(program);
  addConfigCommand(program);
  addHelpExamples(program);
  return program;
}
