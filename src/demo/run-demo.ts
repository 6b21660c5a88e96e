import { AuditLog } from "../audit-log.js";
import { colorsFor, paint, table } from "../cli/output.js";
import { sampleEvents } from "./sample-events.js";

/**
 * `npm start`: the demo on the embedded store. Creates (or reuses) `./.sealtrail`, records a few
 * hundred events from several producers appending concurrently, signs a checkpoint, verifies the
 * whole store, and prints what to try next.
 */
async function runDemo(): Promise<void> {
  const home = process.env.SEALTRAIL_HOME ?? ".sealtrail";
  const log = await AuditLog.open({ home, checkpointIntervalMs: 0 });
  const c = colorsFor(process.stdout);
  try {
    const events = sampleEvents(400, { seed: Date.now() % 100_000, stepMs: 45_000 });
    const started = performance.now();
    // Each producer appends its own events one by one, all at once: the appender group-commits them.
    const producers = new Map<string, typeof events>();
    for (const e of events) {
      const name = e.source?.tool ?? "app";
      producers.set(name, [...(producers.get(name) ?? []), e]);
    }
    await Promise.all(
      [...producers.values()].map(async (mine) => {
        for (const e of mine) await log.append(e);
      }),
    );
    const ms = performance.now() - started;
    const checkpoint = await log.checkpoint();
    const report = await log.verify();
    const stats = await log.stats();

    const out: string[] = [];
    out.push(paint(c, "bold", "Sealtrail demo"), "");
    out.push(
      `Recorded ${events.length} events from ${producers.size} producers in ${ms.toFixed(0)} ms (durable, group-committed).`,
    );
    out.push(`Store: ${log.home} (${report.size} events in all)`, "");
    out.push(
      table(
        ["producer", "events"],
        [...producers].map(([name, mine]) => [name, String(mine.length)]),
      ),
      "",
    );
    out.push(
      table(
        ["outcome", "events"],
        stats.byOutcome.map((r) => [r.key ?? "(none)", String(r.count)]),
      ),
      "",
    );
    out.push(
      `${paint(c, "bold", "Signed checkpoint")} (C2SP tlog-checkpoint):`,
      checkpoint.note.trimEnd(),
      "",
    );
    out.push(
      report.ok
        ? `${paint(c, "green", "Verified")}: ${report.checked} leaves recomputed, ${report.checkpointsVerified} checkpoint(s) checked.`
        : `${paint(c, "red", "Verification FAILED")}: first bad seq ${report.firstBadSeq}: ${report.problem}`,
    );
    out.push(`Verifier key: ${log.verifierKey()}`, "");
    out.push(paint(c, "bold", "Explore further:"));
    const cli = "./sealtrail";
    const homeFlag = home === ".sealtrail" ? "" : ` --home ${home}`;
    for (const line of [
      `${cli} query${homeFlag} outcome=failure --since 24h`,
      `${cli} query${homeFlag} 'action=package.*' details.integrity=advisory`,
      `${cli} stats${homeFlag}`,
      `${cli} errors${homeFlag} --limit 5`,
      `${cli} export${homeFlag} --format csv --out events.csv`,
      `${cli} proof inclusion${homeFlag} --seq 0`,
      `${cli} checkpoint${homeFlag} > trusted.checkpoint   # keep it somewhere else`,
      `${cli} verify${homeFlag} --trusted trusted.checkpoint`,
    ]) {
      out.push(`  ${line}`);
    }
    process.stdout.write(`${out.join("\n")}\n`);
    if (!report.ok) process.exitCode = 1;
  } finally {
    await log.close();
  }
}

await runDemo();
