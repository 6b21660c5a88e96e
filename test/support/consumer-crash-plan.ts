/**
 * What the consumer crash test's child commits, worked out from the commit's number alone, so
 * that the test can tell exactly what a store must hold after any number of commits: commit `k`
 * (its revision, and its position) stores {@link stateOf}(k) and adds {@link messagesOf}(k).
 */
import type { OutboxMessageInput } from "../../src/index.js";

/** The consumer's name. */
export const CONSUMER = "crash-consumer";

/** The state commit `k` stores: its number, padded to vary the row's size. */
export function stateOf(k: number): string {
  return JSON.stringify({ k, filler: "s".repeat((k * 37) % 2000) });
}

/** The messages commit `k` adds: none to three, over three lanes, keyed `k.i`. */
export function messagesOf(k: number): OutboxMessageInput[] {
  return Array.from({ length: k % 4 }, (_, i) => ({
    lane: `lane-${(k + i) % 3}`,
    key: `${k}.${i}`,
    payload: JSON.stringify({ k, i, filler: "p".repeat((k * 13 + i) % 500) }),
  }));
}
