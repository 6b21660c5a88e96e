/**
 * `npm run bench`: Sealtrail's figures of record, each beside peers measured in the
 * same run on the same generated events. Sizes scale with BENCH_SCALE (default 1: 200,000
 * events for ingest, 1,000,000 for the store); ratios matter more than absolute numbers on a
 * shared machine.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { build, type Histogram } from "hdr-histogram-js";
import { AuditLog } from "../src/audit-log.js";
import { sampleEvents } from "../src/demo/sample-events.js";
import { parseFilter } from "../src/query/filter-syntax.js";
import { backtestThroughput } from "./alert-backtest.js";
import { httpLoad } from "./http-load.js";

const root = resolve(import.meta.dirname, "../..");
const dist = join(root, "dist");
const cli = join(dist, "src/cli/main.js");
const data = join(root, "bench/.data");
const scale = Number(process.env.BENCH_SCALE ?? 1);
const INGEST_EVENTS = Math.round(200_000 * scale);
const STORE_EVENTS = Math.round(1_000_000 * scale);
const RUNS = 3;

interface Row {
  figure: string;
  sealtrail: string;
  peer: string;
  ratio: string;
  target: string;
}
const rows: Row[] = [];
const log = (text: string) => process.stderr.write(`${text}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function writeNdjson(path: string, count: number, seed: number): number {
  let bytes = 0;
  const chunks: string[] = [];
  for (let done = 0; done < count; done += 50_000) {
    const n = Math.min(50_000, count - done);
    const text = `${sampleEvents(n, {
      seed: seed + done,
      stepMs: 1000,
      startMs: Date.now() - (count - done) * 1000,
    })
      .map((e) => JSON.stringify(e))
      .join("\n")}\n`;
    bytes += Buffer.byteLength(text);
    chunks.push(text);
  }
  writeFileSync(path, chunks.join(""));
  return bytes / count;
}

/** Runs a whole process; returns wall seconds and peak RSS (KiB). */
function timeProcess(args: string[]): { seconds: number; rssKb: number } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ["--require", join(root, "bench/rss-probe.cjs"), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(result.stderr);
  return { seconds, rssKb: rss ? Number(rss[1]) : Number.NaN };
}

/** Wall milliseconds of one whole process (`node ARGS`), its output discarded; throws when it fails. */
function timeMs(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return ms;
}

const CLI_RUNS = 10;

/**
 * Whole-process start-up of the light commands a script runs once per step (`append`, `query`,
 * `pubkey`), beside bare Node start-up (`node -e ""`) measured in the same rounds, so the ratio
 * is what Sealtrail adds to Node itself: one round runs each once, in turn, after a warm-up round.
 */
async function cliStartup(): Promise<void> {
  const home = join(data, "cli-store");
  rmSync(home, { recursive: true, force: true });
  const events = Math.max(1_000, Math.round(10_000 * scale));
  const store = await AuditLog.open({ home, checkpointIntervalMs: 0 });
  await store.append(sampleEvents(events, { seed: 11, stepMs: 1000, startMs: Date.now() - events * 1000 }));
  await store.close();
  const event = JSON.stringify({ action: "deploy.step", actor: { id: "ci" }, outcome: "success" });
  const commands: Array<{ name: string; figure: string; args: string[] }> = [
    { name: "append", figure: "`sealtrail append` of one event", args: ["append", "--json", event] },
    {
      name: "query",
      figure: `\`sealtrail query\` of \`action=user.*\` (a page of 50) on ${fmt(events)} events`,
      args: ["query", "action=user.*"],
    },
    { name: "pubkey", figure: "`sealtrail pubkey`", args: ["pubkey"] },
  ];
  const times = new Map<string, number[]>([
    ["node", []],
    ...commands.map((c) => [c.name, []] as [string, number[]]),
  ]);
  for (let round = 0; round <= CLI_RUNS; round++) {
    const node = timeMs(["-e", ""]);
    const ours = commands.map((c) => timeMs([cli, ...c.args, "--home", home]));
    if (round === 0) continue;
    times.get("node")?.push(node);
    for (const [i, c] of commands.entries()) times.get(c.name)?.push(ours[i] as number);
  }
  const bare = median(times.get("node") as number[]);
  for (const c of commands) {
    const ms = median(times.get(c.name) as number[]);
    rows.push({
      figure: `whole-process ${c.figure} (ms, median of ${CLI_RUNS})`,
      sealtrail: ms.toFixed(0),
      peer: `bare \`node -e ""\`: ${bare.toFixed(0)}`,
      ratio: (ms / bare).toFixed(2),
      target: "≤ 150 ms",
    });
  }
  rmSync(home, { recursive: true, force: true });
}

async function ingestThroughput(): Promise<void> {
  const file = join(data, "events.ndjson");
  const avg = writeNdjson(file, INGEST_EVENTS, 1);
  log(`generated ${fmt(INGEST_EVENTS)} events, ${avg.toFixed(0)} bytes each on average`);
  const times: Record<string, number[]> = { sealtrail: [], pino: [], fs: [], sqlite: [] };
  for (let run = 0; run < RUNS; run++) {
    const home = join(data, `ingest-${run}`);
    rmSync(home, { recursive: true, force: true });
    execFileSync(process.execPath, [cli, "init", "--home", home, "--origin", "bench.local/ingest"]);
    times.sealtrail?.push(timeProcess([cli, "ingest", file, "--home", home]).seconds);
    times.pino?.push(
      timeProcess([join(dist, "bench/peers/pino-ingest.js"), file, join(data, `pino-${run}.log`)]).seconds,
    );
    times.fs?.push(
      timeProcess([join(dist, "bench/peers/fs-ingest.js"), file, join(data, `fs-${run}.log`)]).seconds,
    );
    const sqlitePath = join(data, `plain-${run}.db`);
    rmSync(sqlitePath, { force: true });
    rmSync(`${sqlitePath}-wal`, { force: true });
    times.sqlite?.push(timeProcess([join(dist, "bench/peers/sqlite-ingest.js"), file, sqlitePath]).seconds);
    log(`ingest run ${run + 1}/${RUNS} done`);
  }
  const rate = (k: string) => INGEST_EVENTS / median(times[k] as number[]);
  const ours = rate("sealtrail");
  for (const [peer, label] of [
    ["pino", "pino → file"],
    ["fs", "fs appends"],
    ["sqlite", "better-sqlite3 plain inserts"],
  ] as const) {
    rows.push({
      figure: `whole-process \`sealtrail ingest\` of ${fmt(INGEST_EVENTS)} events (events/s, median of ${RUNS})`,
      sealtrail: fmt(ours),
      peer: `${label}: ${fmt(rate(peer))}`,
      ratio: (ours / rate(peer)).toFixed(2),
      target: peer === "pino" ? "≥ 0.50" : "",
    });
  }
}

async function batchApiThroughput(): Promise<void> {
  const home = join(data, "batch-api");
  rmSync(home, { recursive: true, force: true });
  const events = sampleEvents(INGEST_EVENTS, { seed: 2, stepMs: 1000 });
  const auditLog = await AuditLog.open({ home, origin: "bench.local/batch", checkpointIntervalMs: 0 });
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < events.length; i += 1000) {
    inFlight.push(auditLog.append(events.slice(i, i + 1000)));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await auditLog.close();
  rows.push({
    figure: "batch API `append(events[])`, 1,000 per call (events/s, durable)",
    sealtrail: fmt(INGEST_EVENTS / seconds),
    peer: "",
    ratio: "",
    target: "",
  });
}

/**
 * The batch API's throughput with a stalled durable follower (it read one batch and never asked
 * for more) against none, runs interleaved so that both meet the same machine: a follower never
 * sits on the write path.
 */
async function followerCost(): Promise<void> {
  const events = sampleEvents(INGEST_EVENTS, { seed: 4, stepMs: 1000 });
  const times: Record<"none" | "stalled", number[]> = { none: [], stalled: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const mode of ["none", "stalled"] as const) {
      const home = join(data, `follower-${mode}`);
      rmSync(home, { recursive: true, force: true });
      const auditLog = await AuditLog.open({ home, origin: "bench.local/follower", checkpointIntervalMs: 0 });
      await auditLog.append(events.slice(0, 1000));
      let stalled: AsyncGenerator<unknown> | undefined;
      if (mode === "stalled") {
        stalled = auditLog.follow("stalled", { batchSize: 100 }).batches();
        await stalled.next();
      }
      const started = performance.now();
      const inFlight: Promise<unknown>[] = [];
      for (let i = 1000; i < events.length; i += 1000) {
        inFlight.push(auditLog.append(events.slice(i, i + 1000)));
        if (inFlight.length >= 8) await inFlight.shift();
      }
      await Promise.all(inFlight);
      times[mode].push((performance.now() - started) / 1000);
      await stalled?.return(undefined);
      await auditLog.close();
      rmSync(home, { recursive: true, force: true });
    }
  }
  const rate = (mode: "none" | "stalled") => (INGEST_EVENTS - 1000) / median(times[mode]);
  rows.push({
    figure: `batch API append with a stalled durable follower (events/s, median of ${RUNS})`,
    sealtrail: fmt(rate("stalled")),
    peer: `no follower: ${fmt(rate("none"))}`,
    ratio: (rate("stalled") / rate("none")).toFixed(2),
    target: "≈ 1.00",
  });
}

/**
 * Offers `send` one event at a time at `rate` events/s (a 1 ms timer, so the generator does not
 * compete for a core) and returns the latency histogram of every event after the first second.
 */
async function offerAtRate(
  events: readonly unknown[],
  rate: number,
  send: (event: unknown, index: number) => Promise<void>,
): Promise<Histogram> {
  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const warmUp = rate;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const due = Math.min(events.length, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) {
        const index = sent;
        const t0 = performance.now();
        pending.push(
          send(events[index], index).then(() => {
            if (index >= warmUp)
              histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          }),
        );
      }
      if (sent >= events.length) {
        clearInterval(timer);
        done();
      }
    }, 1);
  });
  await Promise.all(pending);
  return histogram;
}

async function appendLatency(): Promise<void> {
  const home = join(data, "latency");
  rmSync(home, { recursive: true, force: true });
  const rate = 5000;
  const seconds = Math.max(3, Math.round(7 * Math.min(scale, 1)));
  const events = sampleEvents(rate * seconds, { seed: 3, stepMs: 200 });
  const acceptedAt = new Float64Array(events.length);
  const coveredAfter: number[] = [];
  let covered = 0;
  const auditLog = await AuditLog.open({
    home,
    origin: "bench.local/latency",
    checkpointIntervalMs: 1000,
    onCheckpoint: (cp) => {
      const now = performance.now();
      for (; covered < cp.size; covered++) coveredAfter.push(now - (acceptedAt[covered] as number));
    },
  });
  const ours = await offerAtRate(events, rate, async (event) => {
    const receipt = await auditLog.append(event as (typeof events)[number]);
    acceptedAt[receipt.seq] = performance.now();
  });
  await new Promise((r) => setTimeout(r, 1100));
  await auditLog.close();

  // Peer: the same events through plain better-sqlite3 (WAL, synchronous=FULL), one transaction
  // per event-loop turn (group commit) — the durable floor of this disk, without integrity.
  const peerPath = join(data, "latency-peer.db");
  for (const suffix of ["", "-wal", "-shm"]) rmSync(peerPath + suffix, { force: true });
  const db = new Database(peerPath);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO events (body) VALUES (?)");
  let queue: Array<[unknown, () => void]> = [];
  const commit = db.transaction((batch: Array<[unknown, () => void]>) => {
    for (const [event] of batch) insert.run(JSON.stringify(event));
  });
  const peer = await offerAtRate(
    events,
    rate,
    (event) =>
      new Promise<void>((resolve) => {
        queue.push([event, resolve]);
        if (queue.length === 1) {
          setImmediate(() => {
            const batch = queue;
            queue = [];
            commit(batch);
            for (const [, done] of batch) done();
          });
        }
      }),
  );
  db.close();
  const ms = (h: Histogram, p: number) => (h.getValueAtPercentile(p) / 1000).toFixed(2);
  rows.push({
    figure: `\`append()\` latency at ${fmt(rate)} events/s offered, durable, after 1 s warm-up: p50 / p99 / max (ms)`,
    sealtrail: `${ms(ours, 50)} / ${ms(ours, 99)} / ${(ours.maxValue / 1000).toFixed(2)}`,
    peer: `better-sqlite3 group commit, no integrity: ${ms(peer, 50)} / ${ms(peer, 99)} / ${(peer.maxValue / 1000).toFixed(2)}`,
    ratio: `p99 ×${(ours.getValueAtPercentile(99) / peer.getValueAtPercentile(99)).toFixed(1)}`,
    target: "p99 ≤ 1 ms",
  });
  const cov = coveredAfter.sort((a, b) => a - b);
  rows.push({
    figure: "acceptance → covered by a signed checkpoint (1 s interval): mean / p99 (ms)",
    sealtrail: `${(cov.reduce((a, b) => a + b, 0) / Math.max(1, cov.length)).toFixed(0)} / ${(cov[Math.floor(cov.length * 0.99)] ?? 0).toFixed(0)}`,
    peer: "",
    ratio: "",
    target: "",
  });
}

const LARGE_STORE = join(data, "store-1m");

/** Builds the large store: STORE_EVENTS sample events, one every 5 s up to now. */
async function buildLargeStore(): Promise<AuditLog> {
  const home = LARGE_STORE;
  rmSync(home, { recursive: true, force: true });
  const auditLog = await AuditLog.open({ home, origin: "bench.local/store", checkpointIntervalMs: 0 });
  const stepMs = 5000;
  const start = Date.now() - STORE_EVENTS * stepMs;
  const built = performance.now();
  for (let done = 0; done < STORE_EVENTS; done += 50_000) {
    const chunk = sampleEvents(Math.min(50_000, STORE_EVENTS - done), {
      seed: 10 + done,
      stepMs,
      startMs: start + done * stepMs,
    });
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < chunk.length; i += 2000) inFlight.push(auditLog.append(chunk.slice(i, i + 2000)));
    await Promise.all(inFlight);
  }
  await auditLog.checkpoint();
  log(`built a ${fmt(STORE_EVENTS)}-event store in ${((performance.now() - built) / 1000).toFixed(1)} s`);
  return auditLog;
}

async function largeStore(): Promise<void> {
  const home = LARGE_STORE;
  const auditLog = await buildLargeStore();

  const verifyStart = performance.now();
  const report = await auditLog.verify();
  const verifySeconds = (performance.now() - verifyStart) / 1000;
  if (!report.ok) throw new Error(`verify failed: ${report.problem}`);
  rows.push({
    figure: `\`verify\` of ${fmt(STORE_EVENTS)} events (events/s)`,
    sealtrail: fmt(STORE_EVENTS / verifySeconds),
    peer: "",
    ratio: "",
    target: "≥ 300,000",
  });

  const timeQuery = async (label: string, target: string, run: (i: number) => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await run(i);
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    rows.push({
      figure: `${label} on ${fmt(STORE_EVENTS)} events: p50 / p99 (ms)`,
      sealtrail: `${(samples[100] as number).toFixed(2)} / ${(samples[198] as number).toFixed(2)}`,
      peer: "",
      ratio: "",
      target,
    });
  };
  const users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];
  await timeQuery("indexed query page (one actor, last 7 days, 100 rows)", "p50 ≤ 5 ms", (i) =>
    auditLog.query(parseFilter([`actor.id=${users[i % users.length]}`], { since: "7d" }), { limit: 100 }),
  );
  await timeQuery("nested-field query page (details.source=webinar, 100 rows)", "", () =>
    auditLog.query(parseFilter(["details.source=webinar"]), { limit: 100 }),
  );
  await timeQuery("count by action (last 7 days)", "", () =>
    auditLog.countBy(parseFilter([], { since: "7d" }), "action"),
  );
  await auditLog.close();

  const exportFile = join(data, "export.ndjson");
  const exported = timeProcess([cli, "export", "--format", "ndjson", "--out", exportFile, "--home", home]);
  const size = statSync(exportFile).size;
  rows.push({
    figure: `\`export --format ndjson\` of ${fmt(STORE_EVENTS)} events: peak RSS (MB), events/s`,
    sealtrail: `${(exported.rssKb / 1024).toFixed(0)} MB, ${fmt(STORE_EVENTS / exported.seconds)}/s (${(size / 1e6).toFixed(0)} MB written)`,
    peer: "",
    ratio: "",
    target: "RSS ≤ 200 MB",
  });
}

/**
 * Reports over the large store, each a whole `sealtrail report` process (so peak RSS is the
 * report's own): the weekly activity summary and the PCI DSS compliance report (90 days: the
 * whole store, with its full verification) in several formats.
 */
async function reportsAtScale(): Promise<void> {
  if (!existsSync(join(LARGE_STORE, "sealtrail.db"))) await (await buildLargeStore()).close();
  const runs: Array<{ label: string; args: string[]; target: string }> = [
    {
      label: "weekly activity report (json)",
      args: ["--type", "activity-weekly", "--format", "json"],
      target: "≤ 10 s, RSS ≤ 300 MB",
    },
    {
      label: "weekly activity report (pdf)",
      args: ["--type", "activity-weekly", "--format", "pdf"],
      target: "",
    },
    {
      label: "PCI DSS compliance report, 90 days incl. full verify (json)",
      args: ["--type", "compliance", "--framework", "pci-dss", "--format", "json"],
      target: "≤ 10 s, RSS ≤ 300 MB",
    },
    {
      label: "PCI DSS compliance report, 90 days incl. full verify (xlsx)",
      args: ["--type", "compliance", "--framework", "pci-dss", "--format", "xlsx"],
      target: "",
    },
  ];
  for (const run of runs) {
    const out = join(data, "report.out");
    // The first run warms the page cache, as a server that reports regularly would have it.
    timeProcess([cli, "report", ...run.args, "--home", LARGE_STORE, "--out", out]);
    const samples = Array.from({ length: RUNS }, () =>
      timeProcess([cli, "report", ...run.args, "--home", LARGE_STORE, "--out", out]),
    );
    const seconds = median(samples.map((r) => r.seconds));
    const rssMb = Math.max(...samples.map((r) => r.rssKb)) / 1024;
    rows.push({
      figure: `${run.label} over ${fmt(STORE_EVENTS)} events: wall (s), peak RSS (MB)`,
      sealtrail: `${seconds.toFixed(2)} s, ${rssMb.toFixed(0)} MB`,
      peer: "",
      ratio: "",
      target: run.target,
    });
  }
}

mkdirSync(data, { recursive: true });
log(`Sealtrail benchmarks (BENCH_SCALE=${scale}) — node ${process.version}`);
// BENCH_ONLY=cli,ingest,batch,follower,latency,store,reports,http,backtest runs a subset.
const only = new Set(
  (process.env.BENCH_ONLY ?? "cli,ingest,batch,follower,latency,store,reports,http,backtest").split(","),
);
if (only.has("cli")) await cliStartup();
if (only.has("ingest")) await ingestThroughput();
if (only.has("batch")) await batchApiThroughput();
if (only.has("follower")) await followerCost();
if (only.has("latency")) await appendLatency();
if (only.has("store")) await largeStore();
if (only.has("reports")) await reportsAtScale();
if (only.has("http")) rows.push(...(await httpLoad({ root, data, scale, log })));
if (only.has("backtest")) rows.push(...(await backtestThroughput({ scale, log })));

const header = "| figure | Sealtrail | peer (same run) | ratio | target |\n| --- | --- | --- | --- | --- |";
const table = rows
  .map((r) => `| ${r.figure} | ${r.sealtrail} | ${r.peer} | ${r.ratio} | ${r.target} |`)
  .join("\n");
const output = `${header}\n${table}\n`;
process.stdout.write(output);
writeFileSync(join(data, "results.md"), output);
if (process.env.BENCH_KEEP !== "1") {
  for (const entry of ["ingest-0", "ingest-1", "ingest-2", "batch-api", "latency"])
    rmSync(join(data, entry), { recursive: true, force: true });
}
