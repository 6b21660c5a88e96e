/**
 * The HTTP load test (`BENCH_ONLY=http`): autocannon, in this process, against `sealtrail serve`
 * running as a child process, beside a bare Fastify route (bench/peers/bare-fastify.ts) that
 * only parses and discards the same bodies, started the same way in the same run. Single-event
 * `application/json` POSTs and `application/x-ndjson` batches of 1,000 events; events/s counts
 * 2xx answers only. After each Sealtrail run the store is opened to check that it holds what
 * was acknowledged.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build, type Histogram } from "hdr-histogram-js";
import { sampleEvents } from "../src/demo/sample-events.js";

/** A row of the bench table (the same shape as bench/run.ts's). */
export interface HttpLoadRow {
  figure: string;
  sealtrail: string;
  peer: string;
  ratio: string;
  target: string;
}

export interface HttpLoadOptions {
  /** The repository root (dist/ is under it). */
  root: string;
  /** The bench's scratch directory (bench/.data). */
  data: string;
  /** BENCH_SCALE: scales the measured duration (10 s × scale, at least 5 s). */
  scale: number;
  log: (text: string) => void;
}

// autocannon has no type declarations; the part of its API used here.
interface CannonRequest {
  body: Buffer;
}
interface CannonOptions {
  url: string;
  method: "POST";
  connections: number;
  pipelining: number;
  duration: number;
  timeout: number;
  headers: Record<string, string>;
  requests: CannonRequest[];
  excludeErrorStats: boolean;
}
interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { sent: number; total: number };
}
interface CannonInstance {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  options: CannonOptions,
  done: (error: Error | null, result: CannonResult) => void,
) => CannonInstance;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

const WARM_UP_SECONDS = 2;
const listening = /listening on (http:\/\/[^\s/]+)/;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

interface Mode {
  name: "single" | "batch";
  contentType: string;
  eventsPerBody: number;
  connections: number;
  bodies: Buffer[];
}

interface Measured {
  seconds: number;
  ok: number;
  /** Requests sent but not answered when the run stopped (their events may be stored). */
  unanswered: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: string;
  /** Of 2xx answers, in microseconds. */
  latency: Histogram;
}

function makeModes(): Mode[] {
  const single = sampleEvents(1000, { seed: 41, stepMs: 1000 }).map((e) => Buffer.from(JSON.stringify(e)));
  const batchEvents = sampleEvents(20 * 1000, { seed: 42, stepMs: 100 });
  const batches: Buffer[] = [];
  for (let i = 0; i < batchEvents.length; i += 1000) {
    const lines = batchEvents.slice(i, i + 1000).map((e) => JSON.stringify(e));
    batches.push(Buffer.from(`${lines.join("\n")}\n`));
  }
  return [
    { name: "single", contentType: "application/json", eventsPerBody: 1, connections: 32, bodies: single },
    {
      name: "batch",
      contentType: "application/x-ndjson",
      eventsPerBody: 1000,
      connections: 8,
      bodies: batches,
    },
  ];
}

/** A child process serving HTTP; `url` is taken from its `listening on` line. */
interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function startServer(label: string, args: string[]): Promise<Server> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  // Keep draining both pipes for the server's whole life (a full pipe would stall it); keep the
  // latest output to show when something fails.
  let tail = "";
  const keep = (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  };
  child.stderr?.setEncoding("utf8").on("data", keep);
  return new Promise((resolve, reject) => {
    let seen = "";
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${label}: no "listening on" line within 30 s:\n${tail}`));
    }, 30_000);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? signal}) before listening:\n${tail}`));
    };
    child.once("exit", onExit);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      keep(chunk);
      if (ready) return;
      seen += chunk;
      const match = listening.exec(seen);
      if (match) {
        ready = true;
        seen = "";
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve({ child, url: match[1] as string, output: () => tail });
      } else if (seen.length > 100_000) seen = seen.slice(-1000);
    });
  });
}

/** SIGTERM, then waits for the exit (SIGKILL after 60 s); returns how it ended. */
async function stopServer(server: Server): Promise<string> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return `had already exited (${child.exitCode})`;
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code !== null ? `exit code ${code}` : `signal ${signal}`)),
  );
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const how = await exited;
  clearTimeout(timer);
  return how;
}

function load(
  url: string,
  mode: Mode,
  seconds: number,
  authorization: string | undefined,
): Promise<Measured> {
  const latency = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const headers: Record<string, string> = { "Content-Type": mode.contentType };
  if (authorization) headers.Authorization = authorization;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/events`,
        method: "POST",
        connections: mode.connections,
        pipelining: 1,
        duration: seconds,
        timeout: 30,
        headers,
        requests: mode.bodies.map((body) => ({ body })),
        excludeErrorStats: true,
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          seconds: result.duration,
          ok: result["2xx"],
          unanswered: Math.max(0, result.requests.sent - result.requests.total),
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statuses: Object.entries(result.statusCodeStats)
            .map(([code, { count }]) => `${code}×${fmt(count)}`)
            .join(", "),
          latency,
        });
      },
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latency.recordValue(Math.max(1, Math.round(ms * 1000)));
    });
  });
}

interface Figures {
  eventsPerSecond: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  problems: string[];
}

function figures(mode: Mode, m: Measured): Figures {
  const problems: string[] = [];
  if (m.non2xx > 0) problems.push(`${fmt(m.non2xx)} non-2xx (${m.statuses})`);
  if (m.errors > 0) problems.push(`${fmt(m.errors)} errors`);
  if (m.timeouts > 0) problems.push(`${fmt(m.timeouts)} timeouts`);
  return {
    eventsPerSecond: (m.ok * mode.eventsPerBody) / m.seconds,
    requestsPerSecond: m.ok / m.seconds,
    p50: m.latency.getValueAtPercentile(50) / 1000,
    p99: m.latency.getValueAtPercentile(99) / 1000,
    problems,
  };
}

/** Warm-up, then the measured run; returns the measured run and every 2xx/unanswered of both. */
async function warmAndMeasure(
  label: string,
  url: string,
  mode: Mode,
  seconds: number,
  log: (text: string) => void,
  authorization?: string,
): Promise<{ measured: Measured; acknowledged: number; unanswered: number }> {
  const warm = await load(url, mode, WARM_UP_SECONDS, authorization);
  const measured = await load(url, mode, seconds, authorization);
  const f = figures(mode, measured);
  log(
    `http ${mode.name} ${label}: ${fmt(f.requestsPerSecond)} req/s, ${fmt(f.eventsPerSecond)} events/s, ` +
      `p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms over ${measured.seconds} s, ${mode.connections} connections` +
      (f.problems.length ? ` — ${f.problems.join("; ")}` : "") +
      (warm.non2xx + warm.errors > 0 ? ` (warm-up: ${warm.non2xx} non-2xx, ${warm.errors} errors)` : ""),
  );
  return {
    measured,
    acknowledged: (warm.ok + measured.ok) * mode.eventsPerBody,
    unanswered: (warm.unanswered + measured.unanswered) * mode.eventsPerBody,
  };
}

function countEvents(database: string): number {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export async function httpLoad(options: HttpLoadOptions): Promise<HttpLoadRow[]> {
  const { root, data, log } = options;
  const cli = join(root, "dist/src/cli/main.js");
  const bare = join(root, "dist/bench/peers/bare-fastify.js");
  const seconds = Math.max(5, Math.round(10 * options.scale));
  const modes = makeModes();
  const rows: HttpLoadRow[] = [];
  const servers: Server[] = [];
  const homes: string[] = [];
  try {
    for (const mode of modes) {
      const avg = mode.bodies.reduce((n, b) => n + b.length, 0) / mode.bodies.length;
      log(
        `http ${mode.name}: ${mode.bodies.length} bodies of ${fmt(mode.eventsPerBody)} event${mode.eventsPerBody === 1 ? "" : "s"}, ${fmt(avg)} bytes each`,
      );

      const peer = await startServer("bare Fastify", [bare, "--port", "0", "--host", "127.0.0.1"]);
      servers.push(peer);
      const peerRun = await warmAndMeasure("bare Fastify", peer.url, mode, seconds, log);
      log(`bare Fastify stopped: ${await stopServer(peer)}`);

      const home = join(data, `http-${mode.name}`);
      homes.push(home);
      rmSync(home, { recursive: true, force: true });
      mkdirSync(data, { recursive: true });
      execFileSync(process.execPath, [
        cli,
        "init",
        "--home",
        home,
        "--origin",
        `bench.local/http-${mode.name}`,
      ]);
      const created = JSON.parse(
        execFileSync(
          process.execPath,
          [cli, "keys", "create", "--home", home, "--role", "writer", "--json"],
          {
            encoding: "utf8",
          },
        ),
      ) as { key: string };
      const database = join(home, "sealtrail.db");
      const before = countEvents(database);
      const server = await startServer("sealtrail serve", [
        cli,
        "serve",
        "--home",
        home,
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--rate-limit",
        "0",
      ]);
      servers.push(server);
      const ours = await warmAndMeasure("sealtrail", server.url, mode, seconds, log, `Bearer ${created.key}`);
      const stopped = await stopServer(server);
      log(`sealtrail serve stopped: ${stopped}`);
      const problems = figures(mode, ours.measured).problems;
      if (stopped !== "exit code 0") {
        problems.push(`server ${stopped} on SIGTERM`);
        log(`sealtrail serve's last output:\n${server.output()}`);
      }

      // The store must hold every acknowledged event; requests cut off when a run stopped may
      // have been stored too.
      const stored = countEvents(database) - before;
      const low = ours.acknowledged;
      const high = ours.acknowledged + ours.unanswered;
      log(
        `http ${mode.name} store check: ${fmt(stored)} events stored, ${fmt(low)} acknowledged` +
          (ours.unanswered ? ` (+ up to ${fmt(ours.unanswered)} in requests unanswered at the stops)` : "") +
          ` — ${stored >= low && stored <= high ? "OK" : "MISMATCH"}`,
      );
      if (stored < low) problems.push(`store holds ${fmt(stored)} events, ${fmt(low)} acknowledged`);
      if (stored > high) problems.push(`store holds ${fmt(stored)} events, at most ${fmt(high)} sent`);

      const a = figures(mode, ours.measured);
      const b = figures(mode, peerRun.measured);
      rows.push({
        figure:
          mode.name === "single"
            ? "HTTP single-event POST (events/s, p99 ms)"
            : "HTTP NDJSON batches of 1,000 (events/s durable, p99 ms)",
        sealtrail:
          `${fmt(a.eventsPerSecond)} / ${a.p99.toFixed(2)}` +
          (problems.length ? ` — FAILED: ${problems.join("; ")}` : ""),
        peer:
          `bare Fastify, parse + discard: ${fmt(b.eventsPerSecond)} / ${b.p99.toFixed(2)}` +
          (b.problems.length ? ` (${b.problems.join("; ")})` : ""),
        ratio: (a.eventsPerSecond / b.eventsPerSecond).toFixed(2),
        target: mode.name === "batch" ? "≥ 50,000 ev/s" : "",
      });
    }
  } finally {
    for (const server of servers) await stopServer(server);
    if (process.env.BENCH_KEEP !== "1")
      for (const home of homes) rmSync(home, { recursive: true, force: true });
  }
  return rows;
}
