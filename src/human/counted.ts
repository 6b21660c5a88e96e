/**
 * `n` and its noun, singular for exactly 1, plural otherwise (`many` defaults to `one` + "s").
 *
 * @example
 * ```ts
 * counted(1, "event"); // "1 event"
 * counted(3, "policy", "policies"); // "3 policies"
 * ```
 */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
