// Preloaded with `node --require` by the benchmarks: reports the process's peak RSS on exit.
// VmHWM from /proc, not getrusage's maxRSS: spawned by the (large) benchmark process, the same
// export reported a maxRSS of 193-235 MB where its VmHWM, the peak of its own memory, is 113 MB.
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
