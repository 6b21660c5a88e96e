import { createReadStream, createWriteStream, readFileSync, statSync } from "node:fs";
import { finished } from "node:stream/promises";
import type { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import type { AuditLog } from "../audit-log.js";
import { SealtrailError } from "../errors.js";
import type { AuditEvent } from "../event/audit-event.js";
import { EXPORT_FORMATS, type ExportFormat, exportEvents } from "../export/export-events.js";
import { parseFilter } from "../query/filter-syntax.js";
import { addVerifyBundleCommand } from "./bundle-commands.js";
import { addConfigCommand } from "./config-command.js";
import { colorsFor, paint, table } from "./output.js";
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

/**
 * Builds the `sealtrail` command. Errors propagate to the caller (`exitOverride`), which maps
 * them to exit codes.
 */
export function buildProgram(): Command {
  const program = new Command("sealtrail")
    .description("Sealtrail: a tamper-evident audit trail (RFC 6962 Merkle log, signed C2SP checkpoints)")
    .version(readVersion())
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
      });
      const c = colorsFor(process.stdout);
      process.stdout.write(
        `${paint(c, "green", "Created")} store in ${result.home}\norigin: ${result.origin}\nverifier key: ${result.verifierKey}\n` +
          `signing key: ${result.signingKey}\n`,
      );
    });

  program
    .command("append")
    .description("append one event given as JSON; prints its seq and id once durable")
    .addOption(homeOption())
    .requiredOption("--json <event>", "the event as a JSON object")
    .action(async (options: HomeOption & { json: string }) => {
      let event: unknown;
      try {
        event = JSON.parse(options.json);
      } catch (cause) {
        throw new SealtrailError("ST_ERR_EVENT_JSON", `--json: invalid JSON: ${(cause as Error).message}`);
      }
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
      // Stat first: a missing file is a usage error (exit 2), not a stream error.
      const total = file === "-" ? 0 : statSync(file).size;
      const input = file === "-" ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
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
  program
    .command("query")
    .description("list events matching filters, newest first")
    .argument("[filters...]", filterHelp)
    .addOption(homeOption())
    .option("--since <time>", "from this time: 24h, 7d, 2026-11-01, or RFC 3339")
    .option("--until <time>", "before this time")
    .option("--limit <n>", "events per page", integer("--limit", 1), 50)
    .option("--cursor <cursor>", "continue after a previous page")
    .addOption(new Option("--order <order>", "page order").choices(["desc", "asc"]).default("desc"))
    .addOption(
      new Option("--format <format>", "output format").choices(["table", "json", "ndjson"]).default("table"),
    )
    .action(
      async (
        filters: string[],
        options: HomeOption & {
          since?: string;
          until?: string;
          limit: number;
          cursor?: string;
          order: "asc" | "desc";
          format: string;
        },
      ) => {
        const filter = parseFilter(filters, { since: options.since, until: options.until });
        await withLog(options, async (log) => {
          const page = await log.query(filter, {
            limit: options.limit,
            order: options.order,
            ...(options.cursor ? { cursor: options.cursor } : {}),
          });
          if (options.format === "json") {
            process.stdout.write(
              `${JSON.stringify({ events: page.events, next_cursor: page.nextCursor ?? null }, null, 2)}\n`,
            );
            return;
          }
          if (options.format === "ndjson") {
            for (const e of page.events) process.stdout.write(`${JSON.stringify(e)}\n`);
          } else {
            process.stdout.write(
              `${table(["seq", "timestamp", "action", "outcome", "actor", "target", "tenant"], page.events.map(summaryLine))}\n`,
            );
          }
          if (page.nextCursor) process.stderr.write(`more: --cursor ${page.nextCursor}\n`);
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
    .option("--json", "print JSON")
    .action(
      async (filters: string[], options: HomeOption & { since?: string; until?: string; json?: boolean }) => {
        const filter = parseFilter(filters, { since: options.since, until: options.until });
        await withLog(options, async (log) => {
          const stats = await log.stats(filter);
          if (options.json) {
            process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
            return;
          }
          const c = colorsFor(process.stdout);
          const section = (title: string, rows: { key: string | null; count: number }[]) =>
            `${paint(c, "bold", title)}\n${table(
              ["", "count"],
              rows.map((r) => [r.key ?? "(none)", String(r.count)]),
            )}\n`;
          process.stdout.write(
            [
              `${paint(c, "bold", "events")}: ${stats.total}\n`,
              section("by outcome", stats.byOutcome),
              section("by category", stats.byCategory),
              section("by severity", stats.bySeverity),
              section("top actions", stats.byAction),
              section("top actors", stats.byActor),
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
    .description("the most recent failures with their error details")
    .argument("[filters...]", filterHelp)
    .addOption(homeOption())
    .option("--limit <n>", "how many", integer("--limit", 1), 20)
    .option("--since <time>", "from this time")
    .option("--json", "print JSON")
    .action(
      async (filters: string[], options: HomeOption & { limit: number; since?: string; json?: boolean }) => {
        const filter = parseFilter(filters, { since: options.since });
        await withLog(options, async (log) => {
          const events = await log.errors(options.limit, filter);
          if (options.json) {
            process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
            return;
          }
          const c = colorsFor(process.stdout);
          if (events.length === 0) process.stdout.write("no failures recorded\n");
          for (const e of events) {
            process.stdout.write(
              `${paint(c, "red", `#${e.seq}`)} ${e.timestamp} ${paint(c, "bold", e.action)} actor=${e.actor?.id ?? "-"}\n` +
                `  error: ${e.error?.code ?? "-"} ${e.error?.message ?? ""}\n` +
                (e.details ? `  details: ${JSON.stringify(e.details)}\n` : ""),
            );
          }
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
          const out = options.out ? createWriteStream(options.out) : process.stdout;
          const count = await exportEvents(log, filter, options.format, out, {
            csvFormulas: options.rawCsv ? "keep" : "escape",
          });
          if (options.out) {
            out.end();
            await finished(out);
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
    .description(
      "recompute every leaf, rebuild the tree and check every checkpoint; exit 1 naming the first bad seq",
    )
    .addOption(homeOption())
    .option("--trusted <file>", "a signed checkpoint kept elsewhere that the store must extend")
    .option("--key <verifier>", "verifier key to check signatures with (default: the home's verifier.key)")
    .option("--deep", "also check the columns copied out of each event for indexes against its JSON")
    .option("--json", "print the report as JSON")
    .action(
      async (options: HomeOption & { trusted?: string; key?: string; deep?: boolean; json?: boolean }) => {
        const trusted = options.trusted === undefined ? undefined : readFileSync(options.trusted, "utf8");
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

  addServerCommands(program);
  addReportCommand(program);
  addVerifyBundleCommand(program);
  addConfigCommand(program);
  return program;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    return pkg.version;
  } catch {
    return "unknown";
  }
}
