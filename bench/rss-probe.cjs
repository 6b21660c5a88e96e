// Preloaded with `node --require` by the benchmarks: reports the process's peak RSS on exit.
// VmHWM from /proc, not getrusage's maxRSS: Linux carries maxRSS across exec, so a child spawned
// by a large parent would report the parent's size from the moment between fork and exec.
const { readFileSync } = require("node:fs");

process.on("exit", () => {
  let kb = process.resourceUsage().maxRSS;
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) kb = Number(hwm[1]);
  } catch {
    // not Linux: keep maxRSS
  }
  process.stderr.write(`\nBENCH_MAX_RSS_KB=${kb}\n`);
});
