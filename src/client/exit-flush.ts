/**
 * Flushes on `beforeExit`: one listener for every registered flush, removed when the last one
 * is. Node emits `beforeExit` when the event loop empties, not on `process.exit()` or a signal.
 */

const flushes = new Set<() => void>();

function onBeforeExit(): void {
  for (const flush of flushes) flush();
}

/**
 * Calls `flush` whenever the process is about to exit for want of work, until
 * {@link unregisterExitFlush}.
 *
 * @example
 * ```ts
 * const flush = () => void queue.flush();
 * registerExitFlush(flush);
 * ```
 */
export function registerExitFlush(flush: () => void): void {
  if (flushes.size === 0) process.on("beforeExit", onBeforeExit);
  flushes.add(flush);
}

/**
 * Stops calling `flush` on exit.
 *
 * @example
 * ```ts
 * unregisterExitFlush(flush);
 * ```
 */
export function unregisterExitFlush(flush: () => void): void {
  flushes.delete(flush);
  if (flushes.size === 0) process.off("beforeExit", onBeforeExit);
}
