import { createRecordedKey } from "../access/key-changes.js";
import { colorsFor, paint, table } from "../cli/output.js";
import { closeOnSignals, type RunningServer, startServer } from "../server/serve.js";
import { sampleEvents } from "./sample-events.js";

/**
 * `npm start`: Sealtrail as a service on the embedded store. Creates (or reuses) `./.sealtrail`,
 * starts the HTTP server, lets several producers write demo events over HTTP at once (single
 * events and NDJSON batches, each with a writer key), verifies the store, and prints the URL, a
 * freshly created admin key, the verifier key and requests to try. Serves until Ctrl-C.
 */

const DEFAULT_PORT = 7469;

async function listen(home: string): Promise<RunningServer> {
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  try {
    return await startServer({ home, port, recordLifecycle: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    process.stderr.write(`port ${port} is taken; using a free one\n`);
    return startServer({ home, port: 0, recordLifecycle: true });
  }
}

async function post(url: string, key: string, type: string, body: string): Promise<unknown> {
  const response = await fetch(`${url}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": type },
    body,
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`POST /v1/events → ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

async function runDemo(): Promise<void> {
  const home = process.env.SEALTRAIL_HOME ?? ".sealtrail";
  const server = await listen(home);
  const c = colorsFor(process.stdout);
  const keys = server.log.apiKeys;
  const operator = { type: "user" as const, id: "local:npm-start", name: "npm start demo" };
  const admin = (
    await createRecordedKey(keys, server.log, { role: "admin", name: "npm start demo admin" }, operator)
  ).key;
  const writer = (
    await createRecordedKey(keys, server.log, { role: "writer", name: "npm start demo producers" }, operator)
  ).key;

  const events = sampleEvents(400, { seed: Date.now() % 100_000, stepMs: 45_000 });
  const producers = new Map<string, typeof events>();
  for (const e of events) {
    const name = e.source?.tool ?? "app";
    producers.set(name, [...(producers.get(name) ?? []), e]);
  }
  const started = performance.now();
  // Half the producers send each event on its own, the others one NDJSON batch: all at once.
  await Promise.all(
    [...producers.values()].map(async (mine, i) => {
      if (i % 2 === 0) {
        for (const e of mine) await post(server.url, writer, "application/json", JSON.stringify(e));
      } else {
        await post(
          server.url,
          writer,
          "application/x-ndjson",
          `${mine.map((e) => JSON.stringify(e)).join("\n")}\n`,
        );
      }
    }),
  );
  const ms = performance.now() - started;
  const checkpoint = await server.log.checkpoint();
  const report = await server.log.verify();

  const out: string[] = [];
  out.push(paint(c, "bold", "Sealtrail is serving"), "");
  out.push(
    `${events.length} events from ${producers.size} producers written over HTTP in ${ms.toFixed(0)} ms (each durable before its answer).`,
  );
  out.push(
    table(
      ["producer", "events"],
      [...producers].map(([name, mine]) => [name, String(mine.length)]),
    ),
    "",
  );
  out.push(
    report.ok
      ? `${paint(c, "green", "Verified")}: ${report.checked} events in ${server.log.home}, ${report.checkpointsVerified} checkpoint(s) checked.`
      : `${paint(c, "red", "Verification FAILED")}: first bad seq ${report.firstBadSeq}: ${report.problem}`,
    "",
  );
  out.push(`${paint(c, "bold", "URL")}           ${server.url}`);
  out.push(`${paint(c, "bold", "Admin API key")} ${admin}   (shown once; only its hash is stored)`);
  out.push(`${paint(c, "bold", "Verifier key")}  ${server.log.verifierKey()}`, "");
  out.push(`${paint(c, "bold", "Signed checkpoint")}:`, checkpoint.note.trimEnd(), "");
  out.push(paint(c, "bold", "Try:"));
  const auth = `-H 'Authorization: Bearer ${admin}'`;
  for (const line of [
    `curl -s ${auth} '${server.url}/v1/events?outcome=failure&limit=5'`,
    `curl -s ${auth} '${server.url}/v1/stats?since=24h'`,
    `curl -N ${auth} '${server.url}/v1/stream?severity>=warning'      # live tail (Server-Sent Events)`,
    `curl -s ${auth} -H 'Content-Type: application/json' -d '{"action":"user.login","actor":{"id":"alice"},"outcome":"success"}' ${server.url}/v1/events`,
    `curl -s ${auth} '${server.url}/v1/export?format=csv' > events.csv`,
    `curl -s ${auth} '${server.url}/v1/reports/activity-daily?format=html' > activity.html`,
    `curl -s ${auth} '${server.url}/v1/reports/compliance?framework=pci-dss&format=pdf' > pci-dss.pdf`,
    `curl -s ${auth} ${server.url}/checkpoint`,
    `curl -s ${server.url}/v1/openapi.json                          # the API, OpenAPI 3`,
    `./sealtrail keys create --role reader --tenant acme               # more keys (writer, reader, auditor, admin)`,
  ]) {
    out.push(`  ${line}`);
  }
  out.push("", "Ctrl-C stops the server (it flushes and signs a final checkpoint).");
  process.stdout.write(`${out.join("\n")}\n`);
  if (!report.ok) process.exitCode = 1;
  closeOnSignals(server, (code) => {
    process.exitCode = code;
  });
}

await runDemo();
