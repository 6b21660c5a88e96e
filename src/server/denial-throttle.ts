/**
 * Bounds how many refused requests one client address gets recorded: a flood of bad keys must
 * not fill the audit log (or the disk) on the attacker's behalf. Each address has a budget per
 * minute; beyond it refusals are only counted, and the counts come back as summaries.
 */

/** Refusals from one address that were counted but not recorded one by one. */
export interface SuppressedDenials {
  readonly source: string;
  readonly suppressed: number;
  /** Start of the minute they fell in, Unix ms. */
  readonly windowStart: number;
}

interface Window {
  start: number;
  recorded: number;
  suppressed: number;
}

const WINDOW_MS = 60_000;
/** Addresses tracked at once; beyond, new ones share one budget. */
const MAX_SOURCES = 10_000;
const OVERFLOW_SOURCE = "(other addresses)";

/**
 * Per-address budget of recorded refusals.
 *
 * @example
 * ```ts
 * const throttle = new DenialThrottle(30);
 * if (throttle.admit(request.ip)) record(request);
 * for (const s of throttle.drain()) recordSummary(s);
 * ```
 */
export class DenialThrottle {
  readonly #perMinute: number;
  readonly #windows = new Map<string, Window>();

  constructor(perMinute = 30) {
    this.#perMinute = perMinute;
  }

  /** True when this refusal from `source` is to be recorded; false when it is only counted. */
  admit(source: string, now = Date.now()): boolean {
    const key = this.#windows.has(source) || this.#windows.size < MAX_SOURCES ? source : OVERFLOW_SOURCE;
    let window = this.#windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      if (window && window.suppressed > 0) return this.#count(window);
      window = { start: now, recorded: 0, suppressed: 0 };
      this.#windows.set(key, window);
    }
    if (window.recorded < this.#perMinute) {
      window.recorded++;
      return true;
    }
    return this.#count(window);
  }

  #count(window: Window): false {
    window.suppressed++;
    return false;
  }

  /**
   * The suppressed counts of windows that have ended (all of them with `all`), forgetting those
   * windows; windows without suppressed refusals are forgotten once ended.
   */
  drain(now = Date.now(), all = false): SuppressedDenials[] {
    const out: SuppressedDenials[] = [];
    for (const [source, window] of this.#windows) {
      if (!all && now - window.start < WINDOW_MS) continue;
      if (window.suppressed > 0)
        out.push({ source, suppressed: window.suppressed, windowStart: window.start });
      this.#windows.delete(source);
    }
    return out;
  }
}
