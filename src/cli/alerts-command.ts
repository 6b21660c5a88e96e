import { dirname, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { AlertNotice } from "../alerting/alert-notice.js";
import type { AlertingSetup } from "../alerting/alert-runner.js";
import type { AlertDecision } from "../alerting/engine/alert-decision.js";
import type { AuditLog } from "../audit-log.js";
import type { LoadConfigOptions } from "../config/load-config.js";
import type { SealtrailConfig } from "../config/sealtrail-config.js";
import { SealtrailError } from "../errors.js";
import { counted } from "../human/counted.js";
import { configOption, loadConfigOrExit } from "./config-command.js";
import { colorsFor, humanCell, paint, table } from "./output.js";
import { EXIT, ExitCode } from "./program.js";

interface StoreOptions {
  home?: string;
  config?: string;
}

const homeOption = () =>
  new Option("--home <dir>", "store directory (default: $SEALTRAIL_HOME, else ./.sealtrail)");
const rulesOption = () =>
  new Option(
    "--rules <file>",
    "rules file (YAML or JSON: a list of rules) instead of the configuration's alerting.rules",
  );

/** Opens the store of an initialized home. */
async function openLog(options: StoreOptions, use: "read" | "write"): Promise<AuditLog> {
  const { AuditLog } = await import("../audit-log.js");
  return AuditLog.open({
    ...(options.home ? { home: options.home } : {}),
    create: false,
    checkpointIntervalMs: 0,
    readMostly: use === "read",
  });
}

function configLocation(options: StoreOptions): LoadConfigOptions {
  return {
    ...(options.home ? { home: options.home } : {}),
    ...(options.config === undefined ? {} : { path: options.config }),
  };
}

/** The alerting setup of the configuration (and `--rules`), or an error saying there is no rule. */
async function setupOf(config: SealtrailConfig, rulesFile: string | undefined): Promise<AlertingSetup> {
  const { alertingSetupFrom } = await import("../alerting/alerting-setup.js");
  const rules =
    rulesFile === undefined
      ? undefined
      : await (await import("../alerting/rules/read-rules-file.js")).readRulesFile(rulesFile);
  const file = config.source.file;
  const setup = await alertingSetupFrom(config.alerting, {
    file,
    baseDir: file === undefined ? process.cwd() : dirname(resolve(file)),
    ...(rules === undefined ? {} : { rules }),
  });
  if (!setup) {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `no alert rule: expected rules under alerting.rules or alerting.sigma in ${file ?? "the configuration file (there is none)"}, or --rules FILE`,
    );
  }
  return setup;
}

function duration(name: string) {
  return (text: string): string => {
    if (!/^\s*\d+(\.\d+)?\s*[smhdw]\s*$/.test(text)) {
      throw new InvalidArgumentError(`${name}: expected a duration like 2h or 30m, got "${text}"`);
    }
    return text.trim();
  };
}

function keyValue(text: string, previous: string[] = []): string[] {
  if (!/^[^=\s]+=.*/.test(text))
    throw new InvalidArgumentError(`--group: expected FIELD=VALUE, got "${text}"`);
  return [...previous, text];
}

/** A group's values as people read them: `actor.id=alice, actor.ip=10.0.0.1`, or `-`. */
function groupWords(group: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(group).map(([key, value]) => `${key}=${String(value)}`);
  return parts.length > 0 ? parts.join(", ") : "-";
}

/** Adds `watch` and `alerts list|verify|backtest|test|silence` to the `sealtrail` command. */
export function addAlertsCommands(program: Command): void {
  program
    .command("watch")
    .description(
      "run the alert rules over the store as it grows (for stores written by the library or the CLI) until SIGTERM/SIGINT; SIGHUP reloads the rules",
    )
    .addOption(homeOption())
    .addOption(configOption())
    .addOption(rulesOption())
    .action(async (options: StoreOptions & { rules?: string }) => {
      const location = configLocation(options);
      const config = await loadConfigOrExit(location);
      const setup = await setupOf(config, options.rules);
      const { startAlerting } = await import("../alerting/alert-runner.js");
      const log = await openLog(options, "write");
      try {
        const alerting = await startAlerting(log, setup);
        process.stdout.write(
          `sealtrail watching ${counted(setup.rules.length, "rule")} on ${log.origin}; alerts go to ${[...setup.channels.keys()].join(", ") || "no channel"}\n`,
        );
        const { loadConfig } = await import("../config/load-config.js");
        const onHangup = () => {
          void (async () => {
            try {
              const next = await setupOf(loadConfig(location), options.rules);
              await alerting.reload(next);
              process.stderr.write(`sealtrail: SIGHUP: reloaded ${counted(next.rules.length, "rule")}\n`);
            } catch (error) {
              process.stderr.write(
                `sealtrail: SIGHUP: not reloaded, still running the rules loaded before: ${(error as Error).message}\n`,
              );
            }
          })();
        };
        process.on("SIGHUP", onHangup);
        await new Promise<void>((done) => {
          process.once("SIGINT", done);
          process.once("SIGTERM", done);
        });
        process.off("SIGHUP", onHangup);
        await alerting.stop();
        if (alerting.failure) throw alerting.failure;
      } finally {
        await log.close();
      }
      process.stderr.write("sealtrail: stopped watching\n");
    });

  const alerts = program
    .command("alerts")
    .description("alerts raised by the rules: list, verify, backtest, test channels, silence");

  alerts
    .command("list")
    .description("the alerts recorded in the log, oldest first")
    .addOption(homeOption())
    .addOption(new Option("--since <time>", "from this time").default("24h"))
    .option("--rule <id>", "only this rule's alerts")
    .option(
      "--json",
      "print each alert in its JSON form, with its evidence proved against a checkpoint signed now",
    )
    .action(async (options: StoreOptions & { since: string; rule?: string; json?: boolean }) => {
      const log = await openLog(options, options.json ? "write" : "read");
      try {
        const { recordedAlerts } = await import("../alerting/recorded-alerts.js");
        const found = await recordedAlerts(log, options);
        if (options.json) {
          const { proveAlerts } = await import("../alerting/alert-evidence.js");
          const notices = await proveAlerts(
            log,
            found.map(({ type, alert: recorded }) => ({
              type: type === "alert.fired" ? "fired" : "resolved",
              alertId: recorded.id,
              rule: { id: recorded.rule, title: recorded.title, severity: recorded.severity },
              group: recorded.group,
              window: { fromMs: Date.parse(recorded.window.from), toMs: Date.parse(recorded.window.to) },
              count: recorded.count,
              evidenceSeqs: recorded.evidence_seqs,
            })),
          );
          process.stdout.write(`${JSON.stringify(notices, null, 2)}\n`);
          return;
        }
        if (found.length === 0) {
          process.stdout.write(
            `no alert since ${options.since}${options.rule ? ` for rule ${options.rule}` : ""}\n`,
          );
          return;
        }
        const c = colorsFor(process.stdout);
        process.stdout.write(
          `${table(
            ["recorded", "alert", "rule", "severity", "group", "events", "window", "id"],
            found.map(({ type, alert: recorded, recorded_at }) => [
              humanCell(recorded_at),
              type === "alert.fired" ? paint(c, "red", "fired") : paint(c, "green", "resolved"),
              recorded.rule,
              recorded.severity,
              groupWords(recorded.group),
              String(recorded.count),
              `${humanCell(recorded.window.from)} – ${humanCell(recorded.window.to)}`,
              recorded.id,
            ]),
          )}\n`,
        );
      } finally {
        await log.close();
      }
    });

  alerts
    .command("verify")
    .description(
      "check saved alerts offline (a file from alerts list --json, or a webhook body): the checkpoint's signature and every evidence proof",
    )
    .argument("<file>", "an alert in its JSON form, or a list of them")
    .addOption(homeOption())
    .option("--key <verifier-key>", "the log's verifier key (default: the home's)")
    .action(async (file: string, options: StoreOptions & { key?: string }) => {
      const { readInputText } = await import("./cli-files.js");
      const text = readInputText(
        "FILE",
        file,
        "an alert in its JSON form (alerts list --json, a webhook body)",
      );
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch (error) {
        throw new SealtrailError(
          "ST_ERR_ALERT_NOTICE",
          `${file}: expected JSON, got: ${(error as Error).message}`,
        );
      }
      let key = options.key;
      if (key === undefined) {
        const log = await openLog(options, "read");
        key = log.verifierKey();
        await log.close();
      }
      const { verifyAlertNotice } = await import("../alerting/verify-alert.js");
      const documents = Array.isArray(document) ? document : [document];
      const c = colorsFor(process.stdout);
      let failed = 0;
      documents.forEach((one, i) => {
        const label = Array.isArray(document) ? `${file}[${i}]` : file;
        try {
          const result = verifyAlertNotice(one, key as string);
          process.stdout.write(
            `${label}: ${paint(c, "green", "ok")} alert ${result.alertId}: ${counted(result.provedSeqs.length, "evidence event")} proved against ${result.checkpoint.origin} at size ${result.checkpoint.size}\n`,
          );
        } catch (error) {
          failed++;
          process.stdout.write(`${label}: ${paint(c, "red", "FAILED")} ${(error as Error).message}\n`);
        }
      });
      if (failed > 0) throw new ExitCode(EXIT.failure);
    });

  alerts
    .command("backtest")
    .description(
      "the alerts the rules would have raised over stored history: the live engine, over events in seq order",
    )
    .addOption(homeOption())
    .addOption(configOption())
    .addOption(rulesOption())
    .addOption(new Option("--since <time>", "from this time").default("30d"))
    .option("--until <time>", "before this time (default: now)")
    .option("--json", "print the decisions as JSON")
    .action(
      async (options: StoreOptions & { rules?: string; since: string; until?: string; json?: boolean }) => {
        const config = await loadConfigOrExit(configLocation(options));
        const setup = await setupOf(config, options.rules);
        const { parseFilter } = await import("../query/filter-syntax.js");
        const { backtest } = await import("../alerting/backtest.js");
        const filter = parseFilter([], { since: options.since, until: options.until });
        const log = await openLog(options, "read");
        try {
          const started = performance.now();
          let events = 0;
          const counting = async function* () {
            for await (const batch of log.exportEvents(filter)) {
              events += batch.length;
              yield batch;
            }
          };
          const nowMs = filter.until ?? Date.now();
          const decisions = await backtest(counting(), setup.rules, {
            nowMs,
            ...(setup.latenessMs === undefined ? {} : { latenessMs: setup.latenessMs }),
          });
          const seconds = (performance.now() - started) / 1000;
          if (options.json) {
            process.stdout.write(`${JSON.stringify({ events, decisions }, null, 2)}\n`);
            return;
          }
          process.stdout.write(
            `${counted(decisions.length, "alert")} from ${counted(events, "event")} and ${counted(setup.rules.length, "rule")} (${Math.round(events / Math.max(seconds, 1e-6)).toLocaleString("en-US")} events/s)\n`,
          );
          if (decisions.length > 0) process.stdout.write(`${decisionTable(decisions)}\n`);
        } finally {
          await log.close();
        }
      },
    );

  alerts
    .command("test")
    .description("send a test alert to a channel of the configuration, to check it is reachable")
    .argument("<channel>", "a channel name under alerting.channels")
    .addOption(homeOption())
    .addOption(configOption())
    .option("--dry-run", "print the alert that would be sent, and send nothing")
    .action(async (name: string, options: StoreOptions & { dryRun?: boolean }) => {
      const config = await loadConfigOrExit(configLocation(options));
      const { parseChannels } = await import("../alerting/channels/parse-channels.js");
      const channels = parseChannels(config.alerting.channels, {
        ...(config.source.file === undefined ? {} : { file: config.source.file }),
      });
      const channel = channels.get(name);
      if (!channel) {
        const known = [...channels.keys()];
        throw new SealtrailError(
          "ST_ERR_USAGE",
          `channel: expected one of the channels under alerting.channels${known.length > 0 ? ` (${known.join(", ")})` : " (none is defined)"}, got "${name}"`,
        );
      }
      const log = await openLog(options, "write");
      let notice: AlertNotice;
      try {
        const { testNotice } = await import("../alerting/test-notice.js");
        notice = await testNotice(log, name);
      } finally {
        await log.close();
      }
      if (options.dryRun) {
        process.stdout.write(`${JSON.stringify(notice, null, 2)}\n`);
        return;
      }
      const outcome = await channel.send(notice, { number: 1, timeoutMs: 10_000 });
      const c = colorsFor(process.stdout);
      if (outcome.ok) {
        process.stdout.write(
          `${name}: ${paint(c, "green", "delivered")} test alert ${notice.alert.id}${outcome.status ? ` (${outcome.status})` : ""}\n`,
        );
        return;
      }
      process.stdout.write(`${name}: ${paint(c, "red", "not delivered")}: ${outcome.reason}\n`);
      throw new ExitCode(EXIT.failure);
    });

  alerts
    .command("silence")
    .description(
      "hold back a rule's notifications for a while (recorded in the log; alerts are still decided and recorded)",
    )
    .argument("<rule>", "a rule id, or * for every rule")
    .addOption(homeOption())
    .option("--group <field=value>", "only alerts of this group (repeatable)", keyValue)
    .requiredOption("--for <duration>", "how long, like 2h", duration("--for"))
    .requiredOption("--reason <text>", "why (recorded)")
    .action(
      async (rule: string, options: StoreOptions & { group?: string[]; for: string; reason: string }) => {
        const { parseDuration } = await import("../query/time-range.js");
        const { silenceEvent } = await import("../alerting/alert-events.js");
        const { localUser } = await import("./local-user.js");
        const group: Record<string, string> = {};
        for (const pair of options.group ?? []) {
          const at = pair.indexOf("=");
          group[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const until = new Date(Date.now() + (parseDuration(options.for) as number)).toISOString();
        const log = await openLog(options, "write");
        try {
          const receipt = await log.append(
            silenceEvent(
              { rule, group, until, reason: options.reason },
              localUser("sealtrail alerts silence"),
            ),
          );
          process.stdout.write(
            `silenced ${rule === "*" ? "every rule" : `rule ${rule}`}${Object.keys(group).length > 0 ? ` for ${groupWords(group)}` : ""} until ${humanCell(until)} (seq ${receipt.seq})\n`,
          );
        } finally {
          await log.close();
        }
      },
    );
}

function decisionTable(decisions: readonly AlertDecision[]): string {
  return table(
    ["alert", "rule", "group", "events", "window", "evidence", "id"],
    decisions.map((d) => [
      d.type,
      d.ruleId,
      groupWords(d.group),
      String(d.count),
      `${humanCell(new Date(d.window.fromMs).toISOString())} – ${humanCell(new Date(d.window.toMs).toISOString())}`,
      d.evidenceSeqs.length > 3 ? `${d.evidenceSeqs.slice(0, 3).join(",")},…` : d.evidenceSeqs.join(","),
      d.alertId,
    ]),
  );
}
