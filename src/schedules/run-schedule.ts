import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import type { AlertChannel, DeliveryOutcome, ReportDelivery } from "../alerting/channels/alert-channel.js";
import type { RetryPolicy } from "../delivery/retry-policy.js";
import { buildReport } from "../report-pipeline/index.js";
import type { Report } from "../reports/report-model.js";
import type { ReportRenderer } from "../reports/report-renderer.js";
import type { ReportSource } from "../reports/report-source.js";
import { planFor, type ReportSchedule, reportFileName, runId } from "./report-schedule.js";
import { reportSummary } from "./report-summary.js";

/**
 * One run of a schedule: plan the report for the planned instant, build and render it, then
 * deliver it to every channel (each with its own retries, side by side, so a slow channel
 * delays only itself) and write the file target, and say what came of each. Recording the run
 * is the caller's ({@link ScheduleRun} is what it records).
 */

/** How a run delivers. */
export interface RunContext {
  /** The channels by name. */
  readonly channels: ReadonlyMap<string, AlertChannel>;
  /** When to try a channel again (its `Retry-After` honoured), and when to give up. */
  readonly retry: RetryPolicy;
  /** One attempt's time limit, ms. */
  readonly timeoutMs: number;
  /** Waits `ms` or until `signal` aborts (a stop), whichever comes first. */
  readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborted when the scheduler stops: no more retries. */
  readonly signal: AbortSignal;
}

/** What came of delivering to one channel. */
export interface ChannelResult {
  readonly channel: string;
  readonly type: string;
  readonly ok: boolean;
  /** Attempts made. */
  readonly attempts: number;
  /** The last answer's HTTP status or SMTP reply code. */
  readonly status?: number;
  /** Why it failed (free of secrets), or what the service noted. */
  readonly reason?: string;
}

/** What came of writing the file target. */
export interface FileResult {
  /** The file's absolute path. */
  readonly path: string;
  readonly ok: boolean;
  readonly reason?: string;
}

/** The rendered report of a run. */
export interface RenderedReport {
  readonly type: string;
  readonly title: string;
  readonly format: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  /** SHA-256 of the file, lowercase hex. */
  readonly sha256: string;
  /** The period, RFC 3339. */
  readonly since: string;
  readonly until: string;
  /** The tree size of the checkpoint the report was computed against. */
  readonly treeSize: number;
}

/** A run, as recorded. */
export interface ScheduleRun {
  readonly schedule: ReportSchedule;
  /** The planned instant, Unix ms. */
  readonly plannedAt: number;
  /** The run's delivery id (see {@link runId}). */
  readonly id: string;
  /** The report, unless making it failed. */
  readonly report?: RenderedReport;
  /** Why the report could not be made. */
  readonly failure?: string;
  readonly deliveries: readonly ChannelResult[];
  readonly file?: FileResult;
  /** The report made and every target reached. */
  readonly ok: boolean;
}

/**
 * Runs `schedule` for the instant `plannedAt` over `source`; never rejects (a failure is in the
 * result).
 *
 * @example
 * ```ts
 * const run = await runSchedule(weekly, plannedAt, log, context);
 * if (!run.ok) console.error(run.failure ?? run.deliveries.filter((d) => !d.ok));
 * ```
 */
export async function runSchedule(
  schedule: ReportSchedule,
  plannedAt: number,
  source: ReportSource,
  context: RunContext,
): Promise<ScheduleRun> {
  const id = runId(schedule, plannedAt);
  let report: Report;
  let renderer: ReportRenderer;
  let bytes: Buffer;
  try {
    const plan = planFor(schedule, plannedAt);
    renderer = plan.renderer;
    report = await buildReport(source, plan);
    bytes = await renderToBuffer(renderer, report);
  } catch (error) {
    return {
      schedule,
      plannedAt,
      id,
      failure: `the report could not be made: ${(error as Error).message ?? String(error)}`,
      deliveries: [],
      ok: false,
    };
  }
  const fileName = reportFileName(schedule, plannedAt, renderer.extension);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const publicUrl = schedule.file?.publicUrl;
  const delivery: ReportDelivery = {
    id,
    schedule: schedule.name,
    plannedAt: new Date(plannedAt).toISOString(),
    reportType: schedule.reportType,
    format: renderer.format,
    title: report.provenance.title,
    fileName,
    contentType: renderer.mediaType,
    bytes,
    sha256,
    summary: reportSummary(report, plannedAt, schedule.timeZone),
    ...(publicUrl === undefined ? {} : { url: new URL(encodeURIComponent(fileName), publicUrl).href }),
  };
  const [file, ...deliveries] = await Promise.all([
    schedule.file === undefined ? undefined : writeReportFile(join(schedule.file.directory, fileName), bytes),
    ...schedule.channels.map((name) => deliver(name, delivery, context)),
  ]);
  return {
    schedule,
    plannedAt,
    id,
    report: {
      type: schedule.reportType,
      title: report.provenance.title,
      format: renderer.format,
      fileName,
      contentType: renderer.mediaType,
      size: bytes.length,
      sha256,
      since: report.provenance.period.since,
      until: report.provenance.period.until,
      treeSize: report.provenance.checkpoint.treeSize,
    },
    deliveries: deliveries as ChannelResult[],
    ...(file === undefined ? {} : { file }),
    ok: (file?.ok ?? true) && deliveries.every((d) => (d as ChannelResult).ok),
  };
}

/** Delivers to the channel `name`, trying again as the policy allows. */
async function deliver(name: string, report: ReportDelivery, context: RunContext): Promise<ChannelResult> {
  const channel = context.channels.get(name);
  if (channel?.sendReport === undefined) {
    return {
      channel: name,
      type: channel?.type ?? "unknown",
      ok: false,
      attempts: 0,
      reason: channel === undefined ? "no such channel" : `a ${channel.type} channel carries no reports`,
    };
  }
  let outcome: DeliveryOutcome;
  for (let attempt = 0; ; attempt++) {
    outcome = await channel.sendReport(report, { number: attempt + 1, timeoutMs: context.timeoutMs });
    const result = { channel: name, type: channel.type, attempts: attempt + 1 };
    const status = outcome.status === undefined ? {} : { status: outcome.status };
    if (outcome.ok) {
      return {
        ...result,
        ok: true,
        ...status,
        ...(outcome.note === undefined ? {} : { reason: outcome.note }),
      };
    }
    const wait = outcome.retryable ? context.retry.delay(attempt, outcome.retryAfterMs) : undefined;
    if (wait === undefined || context.signal.aborted) {
      const why = !outcome.retryable
        ? ""
        : context.signal.aborted
          ? " (stopped before another attempt)"
          : " (gave up)";
      return { ...result, ok: false, ...status, reason: `${outcome.reason}${why}` };
    }
    await context.wait(wait, context.signal);
  }
}

/**
 * Writes `bytes` to `path` whole or not at all: into a temporary file beside it, then renamed
 * over it (a reader never sees half a report). The directory is made when missing.
 */
async function writeReportFile(path: string, bytes: Buffer): Promise<FileResult> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, bytes, { flag: "wx" });
    await rename(temporary, path);
    return { path, ok: true };
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    return { path, ok: false, reason: (error as Error).message };
  }
}

/** The whole rendering of `report` in memory (a scheduled report is sent whole). */
async function renderToBuffer(renderer: ReportRenderer, report: Report): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, encoding, callback) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk, encoding) : Buffer.from(chunk));
      callback();
    },
  });
  await renderer.render(report, sink);
  return Buffer.concat(chunks);
}
