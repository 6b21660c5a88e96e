import { hostname } from "node:os";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { AuditLog } from "../audit-log.js";
import type { SealtrailConfig } from "../config/sealtrail-config.js";
import type { AppOptions, LiveLimits } from "./build-app.js";
import { recordConfigEvent } from "./config-events.js";
import type { Detection } from "./detection.js";
import { buildApp } from "./load-app.js";
import type { ServerLimits } from "./server-context.js";

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** The store's home (created when empty); default `$SEALTRAIL_HOME`, else `./.sealtrail`. */
  readonly home?: string;
  /** Default 7469; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly limits?: Partial<ServerLimits>;
  readonly logger?: FastifyServerOptions["logger"];
  /** Reverse proxies whose `X-Forwarded-For` is believed (see {@link AppOptions.trustProxy}). */
  readonly trustProxy?: AppOptions["trustProxy"];
  /** Options passed to {@link AuditLog.open}. */
  readonly checkpointIntervalMs?: number;
  /**
   * Record the server's start and stop in the log itself (`audit_log.start`, `audit_log.stop`),
   * as PCI DSS 10.2.1.6 asks; `sealtrail serve` does.
   */
  readonly recordLifecycle?: boolean;
  /**
   * The configuration the server was started with: with `recordLifecycle`, the configuration in
   * force is recorded after every start (`audit_log.config_loaded`: the file and its SHA-256, or
   * that there was none, and every setting, those from environment variables as `***`).
   */
  readonly config?: SealtrailConfig;
  /**
   * Run the alert rules and scheduled reports of `config.alerting` beside the service
   * (`sealtrail serve` does); they stop when the server closes.
   */
  readonly detection?: boolean;
}

/** Appends `audit_log.start` or `audit_log.stop`: the log's own record of serving it. */
async function recordLifecycle(
  log: AuditLog,
  what: "start" | "stop",
  details: Record<string, string | number>,
) {
  await log.append({
    action: `audit_log.${what}`,
    category: "system",
    outcome: "success",
    severity: "notice",
    actor: { type: "system", id: "sealtrail", name: "sealtrail serve" },
    target: { type: "audit_log", id: log.origin },
    source: { tool: "sealtrail", host: hostname(), component: "server" },
    details: { pid: process.pid, ...details },
  });
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly app: FastifyInstance;
  /** The log it serves (for the embedding process's own appends and reads). */
  readonly log: AuditLog;
  /** The alert rules and scheduled reports running beside the service, when asked for. */
  readonly detection: Detection | undefined;
  /** Holds requests from now on to new limits (the body size excepted: it is fixed at start). */
  setLimits(limits: Partial<LiveLimits>): void;
  /** Stops accepting, ends live tails, answers requests in flight, flushes, checkpoints, closes. */
  close(): Promise<void>;
}

/**
 * Opens the store and its API keys, and serves them over HTTP.
 *
 * @example
 * ```ts
 * const server = await startServer({ home: "./.sealtrail", port: 0 });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const log = await AuditLog.open({
    ...(options.home ? { home: options.home } : {}),
    ...(options.checkpointIntervalMs === undefined
      ? {}
      : { checkpointIntervalMs: options.checkpointIntervalMs }),
  });
  const keys = log.apiKeys;
  let built: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    built = await buildApp({
      log,
      keys,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    });
    await built.app.listen({ port: options.port ?? 7469, host: options.host ?? "127.0.0.1" });
    if (options.recordLifecycle) {
      await recordLifecycle(log, "start", { listening: listeningOn(built.app) });
      if (options.config !== undefined) {
        await recordConfigEvent(log, { kind: "loaded", config: options.config });
      }
    }
  } catch (error) {
    await built?.close();
    await log.close();
    throw error;
  }
  let detection: Detection | undefined;
  if (options.detection && options.config) {
    try {
      const { startDetection } = await import("./detection.js");
      detection = await startDetection(log, options.config, built.metrics);
    } catch (error) {
      await built.close();
      await log.close();
      throw error;
    }
  }
  const address = built.app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.host ?? "127.0.0.1";
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    app: built.app,
    log,
    detection,
    setLimits: (limits) => built.setLimits(limits),
    close() {
      closed ??= (async () => {
        try {
          await detection?.stop();
          await built.close();
          if (options.recordLifecycle) await recordLifecycle(log, "stop", { reason: "closed" });
        } finally {
          await log.close();
        }
      })();
      return closed;
    },
  };
}

/** `host:port` the app listens on. */
function listeningOn(app: FastifyInstance): string {
  const address = app.server.address();
  return typeof address === "object" && address ? `${address.address}:${address.port}` : String(address);
}

/**
 * Closes `server` gracefully on SIGTERM or SIGINT (once; a second signal exits at once), then
 * calls `onClosed` with the exit code.
 */
export function closeOnSignals(server: RunningServer, onClosed: (code: number) => void): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`sealtrail: ${signal}: closing (flushing events, signing a final checkpoint)\n`);
    server.close().then(
      () => onClosed(0),
      (error: unknown) => {
        process.stderr.write(`sealtrail: close failed: ${(error as Error).message}\n`);
        onClosed(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
