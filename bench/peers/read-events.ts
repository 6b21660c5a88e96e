import { readFileSync } from "node:fs";

/** Reads an NDJSON file and parses every line: the work every peer does before writing. */
export function readEvents(path: string): unknown[] {
  const text = readFileSync(path, "utf8");
  const events: unknown[] = [];
  let start = 0;
  for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
    if (nl > start) events.push(JSON.parse(text.slice(start, nl)));
    start = nl + 1;
  }
  return events;
}
