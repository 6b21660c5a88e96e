/** Edit distance with adjacent transpositions (optimal string alignment): `prot` → `port` is 1. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const cell = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(cell(i - 1, j) + 1, cell(i, j - 1) + 1, cell(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, cell(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return cell(a.length, b.length);
}

/**
 * The candidate a misspelt `name` most likely meant, for "did you mean …?": the nearest by edit
 * distance (ignoring case, `-` for `_`), if it is at most 3 edits away and shares more than 40 %
 * of the longer name; else undefined.
 *
 * @example
 * ```ts
 * closestName("prot", ["host", "port"]); // "port"
 * closestName("colour", ["host", "port"]); // undefined
 * ```
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll("-", "_");
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(norm(name), norm(candidate));
    const length = Math.max(name.length, candidate.length);
    if (distance > 3 || (length - distance) / length <= 0.4) continue;
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best?.name;
}
