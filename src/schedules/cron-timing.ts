import { createRequire } from "node:module";

/**
 * When a schedule runs: its cron expression read in its time zone by croner (a well-kept cron
 * library: five-field expressions, names of months and days, `L` and `W`, time zones and daylight
 * saving time). croner only computes instants here; it never holds a timer, so the scheduler
 * decides when to wake (and tests move a clock of their own).
 *
 * croner is loaded on first use, synchronously from its CommonJS build, so that checking a
 * configuration stays synchronous and a command that has no schedules never loads it.
 */

type Croner = typeof import("croner");

const require = createRequire(import.meta.url);
let croner: Croner | undefined;

/** croner, loaded once on first use. */
function loadCroner(): Croner {
  croner ??= require("croner") as Croner;
  return croner;
}

/**
 * The instants a cron expression names in a time zone.
 *
 * @example
 * ```ts
 * const mondays = cronTiming("0 7 * * 1", "Europe/Paris");
 * new Date(mondays.nextAtOrAfter(Date.UTC(2026, 10, 20)) ?? 0).toISOString(); // "2026-11-23T06:00:00.000Z"
 * ```
 */
export interface CronTiming {
  /** The first run at or after `ms` (Unix ms); undefined when the expression names no later instant. */
  nextAtOrAfter(ms: number): number | undefined;
  /** The last run strictly before `ms`; undefined when there is none. */
  latestBefore(ms: number): number | undefined;
}

/**
 * The timing of `expression` (five fields: minute hour day-of-month month day-of-week) in
 * `timeZone` (IANA).
 *
 * @throws Error with croner's reason (`Invalid value for minute: 61`) when the expression does
 *   not parse.
 */
export function cronTiming(expression: string, timeZone: string): CronTiming {
  const { Cron } = loadCroner();
  const cron = new Cron(expression, { timezone: timeZone, mode: "5-part" });
  return {
    nextAtOrAfter(ms) {
      // croner's next run is strictly after its reference, in whole seconds: start a second
      // early and step over anything before `ms`.
      let next = cron.nextRun(new Date(ms - 1000));
      while (next !== null && next.getTime() < ms) next = cron.nextRun(next);
      return next === null ? undefined : next.getTime();
    },
    latestBefore(ms) {
      // croner's previous runs may include its reference's own second: keep the first one before `ms`.
      const runs = cron.previousRuns(2, new Date(ms));
      const before = runs.find((run) => run.getTime() < ms);
      return before === undefined ? undefined : before.getTime();
    },
  };
}

/**
 * True when `timeZone` is a time zone this runtime knows (an IANA name such as `Europe/Paris`,
 * or `UTC`).
 *
 * @example
 * ```ts
 * isTimeZone("Europe/Paris"); // true
 * isTimeZone("Mars/Olympus"); // false
 * ```
 */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return true;
  } catch {
    return false;
  }
}
