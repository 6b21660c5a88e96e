import type { AlertChannel } from "../alerting/channels/alert-channel.js";
import { type RetryPolicyOptions, retryPolicy } from "../delivery/retry-policy.js";
import type { AuditEventInput } from "../event/audit-event.js";
import type { ReportSource } from "../reports/report-source.js";
import { plannedAtOf, runsOf, scheduledReportEvent } from "./report-events.js";
import type { ReportSchedule } from "./report-schedule.js";
import { type RunContext, runSchedule, type ScheduleRun } from "./run-schedule.js";

/**
 * Runs schedules when they are due, and once for a run missed while nothing was running.
 *
 * - **Next runs** come from each schedule's cron expression in its time zone; the scheduler
 *   sleeps until the earliest (through its clock, which tests replace).
 * - **A missed run runs once on start.** The last run of each schedule is read from the log
 *   (its last `report.scheduled` event's `details.planned_at`); when a planned instant has
 *   passed since then, the latest such instant is run, once — not once per missed slot, since
 *   every run covers the period back from its own planned instant. A schedule that has never
 *   run has missed nothing: its first run is its next planned instant.
 * - **A run covers the period that ends at its planned instant** (`since: 7d` counts back from
 *   it), so a run made late gives the report it would have given on time, over the events the
 *   log holds by then.
 * - **Runs happen one at a time**, in the order they fell due, so that reports never compete
 *   with one another for the store. Each is recorded as a `report.scheduled` event after its
 *   deliveries end; a run cut short by a crash is not recorded, and runs again on the next
 *   start (receivers that honour ids see the same delivery id again).
 */

/** The time, and timers, the scheduler runs on. */
export interface SchedulerClock {
  /** Unix ms. */
  now(): number;
  /** Calls `fn` after `ms` (or later); returns what cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The longest a Node.js timer waits; a schedule further away is woken then, and sleeps again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The system's clock; its timers never keep a process alive. */
export const SYSTEM_CLOCK: SchedulerClock = Object.freeze({
  now: () => Date.now(),
  setTimer(fn: () => void, ms: number) {
    const timer = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    timer.unref();
    return () => clearTimeout(timer);
  },
});

/** What the scheduler needs of the log: reports are built from it, and runs recorded in it. `AuditLog` is one. */
export interface ScheduleLog extends ReportSource {
  append(event: AuditEventInput): Promise<unknown>;
}

/** The retries of a delivery by default: up to 6 more attempts, 2 s to 2 min apart, a `Retry-After` up to 10 min honoured. */
export const DEFAULT_REPORT_RETRY: Readonly<RetryPolicyOptions> = Object.freeze({
  maxRetries: 6,
  baseMs: 2_000,
  maxMs: 120_000,
  retryAfterMaxMs: 600_000,
});

/** Options of {@link ReportScheduler}. */
export interface ReportSchedulerOptions {
  readonly log: ScheduleLog;
  /** The channels by name (`parseChannels`' result). */
  readonly channels: ReadonlyMap<string, AlertChannel>;
  /** The schedules (`parseSchedules`' result). */
  readonly schedules: readonly ReportSchedule[];
  /** Default {@link SYSTEM_CLOCK}. */
  readonly clock?: SchedulerClock;
  /** Retries of each delivery; default {@link DEFAULT_REPORT_RETRY}. */
  readonly retry?: RetryPolicyOptions;
  /** One delivery attempt's time limit, ms; default 60 000 (reports are larger than alerts). */
  readonly timeoutMs?: number;
  /** Waits between attempts; default real timers (ended early by {@link ReportScheduler.stop}). */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called after each run is recorded (logging, metrics). */
  readonly onRun?: (run: ScheduleRun) => void;
  /** Called when a run cannot be recorded in the log; default a process warning. */
  readonly onError?: (error: unknown, schedule: string) => void;
}

/** A schedule's state: its next planned instant and its last run. */
export interface ScheduleState {
  readonly schedule: string;
  /** The next planned instant, Unix ms; undefined when there is none (or the scheduler is stopped). */
  readonly next?: number;
  /** The planned instant of the last run (recorded, or started since), Unix ms. */
  readonly last?: number;
}

interface Slot {
  schedule: ReportSchedule;
  next: number | undefined;
  last: number | undefined;
  cancel: (() => void) | undefined;
}

/** Waits `ms`, or until `signal` aborts. */
function abortableWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Makes scheduled reports.
 *
 * @example
 * ```ts
 * const channels = parseChannels(config.alerting.channels, { file });
 * const schedules = parseSchedules(config.alerting.schedules, { file, channels });
 * const scheduler = new ReportScheduler({ log, channels, schedules });
 * void scheduler.start(); // a missed run is made in the background
 * // …
 * await scheduler.stop();
 * ```
 */
export class ReportScheduler {
  readonly #options: ReportSchedulerOptions;
  readonly #clock: SchedulerClock;
  #slots = new Map<string, Slot>();
  #channels: ReadonlyMap<string, AlertChannel>;
  #queue: Promise<void> = Promise.resolve();
  #running = false;
  #abort = new AbortController();

  constructor(options: ReportSchedulerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#channels = options.channels;
    for (const schedule of options.schedules) this.#slots.set(schedule.name, this.#slot(schedule));
  }

  /**
   * Starts: reads each schedule's last run from the log, runs a missed one once, and sets the
   * timers of the next ones. Resolves when the missed runs are made (a server need not wait for
   * it); rejects when the log cannot be read.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    for (const slot of this.#slots.values()) {
      slot.last = await this.#lastRecorded(slot.schedule.name);
      if (!this.#running) return;
      this.#catchUp(slot);
    }
    await this.idle();
  }

  /** Stops: no more timers or retries; resolves when the run in progress (if any) is recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    for (const slot of this.#slots.values()) {
      slot.cancel?.();
      slot.cancel = undefined;
    }
    await this.idle();
  }

  /** Resolves when no run is waiting or in progress. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.#queue;
      await seen;
    } while (seen !== this.#queue);
  }

  /**
   * Replaces the schedules and channels (a configuration reload). A schedule kept (by name)
   * keeps its last run; new ones start from their next planned instant; removed ones stop. The
   * run in progress finishes with the channels it started with.
   */
  update(schedules: readonly ReportSchedule[], channels: ReadonlyMap<string, AlertChannel>): void {
    const old = this.#slots;
    this.#slots = new Map();
    this.#channels = channels;
    for (const slot of old.values()) slot.cancel?.();
    for (const schedule of schedules) {
      const slot = this.#slot(schedule);
      slot.last = old.get(schedule.name)?.last;
      this.#slots.set(schedule.name, slot);
      if (this.#running) this.#arm(slot, schedule.timing.nextAtOrAfter(this.#clock.now()));
    }
  }

  /**
   * Runs the schedule `name` now (planned at the clock's now, after any run waiting), and
   * resolves with the run once it is recorded.
   *
   * @throws RangeError when there is no such schedule.
   */
  runNow(name: string): Promise<ScheduleRun> {
    const slot = this.#slots.get(name);
    if (slot === undefined) throw new RangeError(`no schedule named ${JSON.stringify(name)}`);
    return this.#enqueue(slot, this.#clock.now(), true) as Promise<ScheduleRun>;
  }

  /** Each schedule's next planned instant and last run. */
  states(): ScheduleState[] {
    return [...this.#slots.values()].map((slot) => ({
      schedule: slot.schedule.name,
      ...(slot.next === undefined || !this.#running ? {} : { next: slot.next }),
      ...(slot.last === undefined ? {} : { last: slot.last }),
    }));
  }

  #slot(schedule: ReportSchedule): Slot {
    return { schedule, next: undefined, last: undefined, cancel: undefined };
  }

  /** The planned instant of the schedule's last recorded run. */
  async #lastRecorded(name: string): Promise<number | undefined> {
    const { events } = await this.#options.log.query(runsOf(name), { limit: 10, order: "desc" });
    const planned = events.map(plannedAtOf).filter((ms): ms is number => ms !== undefined);
    return planned.length === 0 ? undefined : Math.max(...planned);
  }

  /** On start: the latest planned instant missed since the last run, once; then the timer of the next. */
  #catchUp(slot: Slot): void {
    const { timing } = slot.schedule;
    const now = this.#clock.now();
    const next = timing.nextAtOrAfter(now);
    const missed = timing.latestBefore(next ?? now + 1);
    if (slot.last !== undefined && missed !== undefined && missed > slot.last) {
      void this.#enqueue(slot, missed, false);
    }
    this.#arm(slot, next);
  }

  /** Sets the timer of the planned instant `next`. */
  #arm(slot: Slot, next: number | undefined): void {
    slot.cancel?.();
    slot.cancel = undefined;
    slot.next = next;
    if (next === undefined || !this.#running) return;
    slot.cancel = this.#clock.setTimer(() => this.#fire(slot), next - this.#clock.now());
  }

  /** A timer went off: run the latest planned instant reached (once), and set the next timer. */
  #fire(slot: Slot): void {
    slot.cancel = undefined;
    if (!this.#running || this.#slots.get(slot.schedule.name) !== slot) return;
    const now = this.#clock.now();
    if (slot.next !== undefined && now < slot.next) {
      // Woken early (a far instant is reached in several sleeps).
      this.#arm(slot, slot.next);
      return;
    }
    const planned = slot.schedule.timing.latestBefore(now + 1);
    if (planned !== undefined && (slot.last === undefined || planned > slot.last)) {
      void this.#enqueue(slot, planned, false);
    }
    this.#arm(slot, slot.schedule.timing.nextAtOrAfter(now + 1));
  }

  /** Queues the run of `slot` planned at `plannedAt`; it resolves with the run (undefined if stopped first). */
  #enqueue(slot: Slot, plannedAt: number, always: boolean): Promise<ScheduleRun | undefined> {
    slot.last = slot.last === undefined ? plannedAt : Math.max(slot.last, plannedAt);
    const done = this.#queue.then(async () => {
      // A run not started before a stop is not recorded either: the next start makes it.
      if (!this.#running && !always) return undefined;
      return this.#run(slot.schedule, plannedAt);
    });
    this.#queue = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  async #run(schedule: ReportSchedule, plannedAt: number): Promise<ScheduleRun> {
    const retry = retryPolicy(this.#options.retry ?? DEFAULT_REPORT_RETRY);
    const context: RunContext = {
      channels: this.#channels,
      retry,
      timeoutMs: this.#options.timeoutMs ?? 60_000,
      wait: this.#options.wait ?? abortableWait,
      signal: this.#abort.signal,
    };
    const run = await runSchedule(schedule, plannedAt, this.#options.log, context);
    try {
      await this.#options.log.append(scheduledReportEvent(run));
    } catch (error) {
      const onError =
        this.#options.onError ??
        ((e: unknown, name: string) =>
          process.emitWarning(
            `Sealtrail could not record the run of schedule ${name}: ${(e as Error).message}`,
          ));
      onError(error, schedule.name);
    }
    this.#options.onRun?.(run);
    return run;
  }
}
