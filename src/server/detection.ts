import { dirname, resolve } from "node:path";
import type { AlertingRun, AlertingSetup } from "../alerting/alert-runner.js";
import type { AlertChannel } from "../alerting/channels/alert-channel.js";
import type { AuditLog } from "../audit-log.js";
import type { SealtrailConfig } from "../config/sealtrail-config.js";
import type { ServerMetrics } from "../metrics/server-metrics.js";
import type { ReportScheduler } from "../schedules/report-scheduler.js";

/**
 * What `sealtrail serve` runs beside the HTTP service when the configuration asks for it: the
 * alert rules (on the follower, never on the write path) and the scheduled reports. Built from
 * the configuration's `alerting` section, rebuilt on reload.
 */
export interface Detection {
  /** The running alerting, when the configuration has rules. */
  readonly alerting: AlertingRun | undefined;
  /** The running scheduler, when the configuration has schedules. */
  readonly scheduler: ReportScheduler | undefined;
  /**
   * Applies a changed `alerting` section: rules, channels and schedules are rebuilt and swapped
   * in; when the new section cannot be built, nothing changes and the error is thrown.
   */
  reload(config: SealtrailConfig): Promise<void>;
  stop(): Promise<void>;
}

interface Built {
  readonly setup: AlertingSetup | undefined;
  readonly channels: ReadonlyMap<string, AlertChannel>;
  readonly schedules: Awaited<ReturnType<typeof import("../schedules/index.js")["parseSchedules"]>>;
}

async function build(config: SealtrailConfig): Promise<Built> {
  const section = config.alerting;
  const file = config.source.file;
  const baseDir = file === undefined ? process.cwd() : dirname(resolve(file));
  const { alertingSetupFrom } = await import("../alerting/alerting-setup.js");
  const { parseChannels } = await import("../alerting/channels/parse-channels.js");
  const setup = await alertingSetupFrom(section, { file, baseDir });
  const channels = parseChannels(section.channels, { file });
  const schedules =
    section.schedules.length === 0
      ? []
      : (await import("../schedules/index.js")).parseSchedules(section.schedules, {
          file: file ?? "(configuration)",
          channels,
          baseDirectory: baseDir,
        });
  return { setup, channels, schedules };
}

/**
 * Starts the alert rules and the scheduled reports of `config` over `log`, reporting to
 * `metrics`. Resolves once both run (a missed scheduled run is made in the background).
 *
 * @example
 * ```ts
 * const detection = await startDetection(server.log, config, metrics);
 * await detection.reload(nextConfig); // SIGHUP
 * await detection.stop();
 * ```
 */
export async function startDetection(
  log: AuditLog,
  config: SealtrailConfig,
  metrics?: ServerMetrics,
  onError: (message: string) => void = (message) => process.stderr.write(`sealtrail: ${message}\n`),
): Promise<Detection> {
  const built = await build(config);
  let alerting: AlertingRun | undefined;
  let scheduler: ReportScheduler | undefined;
  const { startAlerting } = await import("../alerting/alert-runner.js");
  const observer = {
    evaluated: (events: number) => metrics?.observeEvaluated(events),
    decided: (decision: { ruleId: string; type: "fired" | "resolved" }, silenced: boolean) =>
      metrics?.observeAlert(decision.ruleId, decision.type, silenced),
    attempted: (channel: string, outcome: "delivered" | "retrying" | "failed") =>
      metrics?.observeDelivery(channel, outcome),
  };
  const startScheduler = async (current: Built) => {
    if (current.schedules.length === 0) return undefined;
    const { ReportScheduler } = await import("../schedules/report-scheduler.js");
    const started = new ReportScheduler({
      log,
      channels: current.channels,
      schedules: current.schedules,
      onError: (error, schedule) => onError(`scheduled report ${schedule}: ${(error as Error).message}`),
    });
    void started.start().catch((error: unknown) => onError(`scheduled reports: ${(error as Error).message}`));
    return started;
  };
  if (built.setup) alerting = await startAlerting(log, built.setup, observer);
  scheduler = await startScheduler(built);
  metrics?.watchAlerting(alerting ? () => (alerting as AlertingRun).status() : undefined);
  return {
    get alerting() {
      return alerting;
    },
    get scheduler() {
      return scheduler;
    },
    async reload(next) {
      const rebuilt = await build(next);
      if (rebuilt.setup && alerting) await alerting.reload(rebuilt.setup);
      else if (rebuilt.setup) alerting = await startAlerting(log, rebuilt.setup, observer);
      else if (alerting) {
        await alerting.stop();
        alerting = undefined;
      }
      metrics?.watchAlerting(alerting ? () => (alerting as AlertingRun).status() : undefined);
      if (scheduler && rebuilt.schedules.length > 0) scheduler.update(rebuilt.schedules, rebuilt.channels);
      else {
        await scheduler?.stop();
        scheduler = await startScheduler(rebuilt);
      }
    },
    async stop() {
      await scheduler?.stop();
      await alerting?.stop();
    },
  };
}
