import { createServer } from "node:http";
import { createRecordedKey } from "../access/key-changes.js";
import type { AlertNotice } from "../alerting/alert-notice.js";
import { startAlerting } from "../alerting/alert-runner.js";
import { parseChannels } from "../alerting/channels/parse-channels.js";
import { compileRules } from "../alerting/rules/compile-rules.js";
import { colorsFor, paint, table } from "../cli/output.js";
import { closeOnSignals, type RunningServer, startServer } from "../server/serve.js";
import { sampleEvents } from "./sample-events.js";

/**
 * `npm start`: Sealtrail as a service on the embedded store. Creates (or reuses) `./.sealtrail`,
 * starts the HTTP server, lets several producers write demo events over HTTP at once (single
 * events and NDJSON batches, each with a writer key), verifies the store, and prints the URL, a
 * freshly created admin key, the verifier key and requests to try. Serves until Ctrl-C.
 * It also shows detection: a rule on repeated failed sign-ins, an attack on the demo's producers,
 * and the alert arriving, signed and with its proofs, at a webhook receiver the demo starts.
 */

/** A Standard Webhooks receiver on loopback that keeps the alerts whose signature verifies. */
async function demoReceiver(secret: string) {
  const { Webhook } = await import("standardwebhooks");
  const received: AlertNotice[] = [];
  const waiting: Array<(notice: AlertNotice) => void> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        new Webhook(secret).verify(body, request.headers as Record<string, string>);
      } catch {
        response.writeHead(401).end();
        return;
      }
      const notice = JSON.parse(body) as AlertNotice;
      received.push(notice);
      for (const resolve of waiting.splice(0)) resolve(notice);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/demo`,
    next: () =>
      new Promise<AlertNotice>((resolve) => {
        const [first] = received;
        if (first) resolve(first);
        else waiting.push(resolve);
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

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

  // Detection: a rule, a webhook receiver, then five failed sign-ins from one address.
  const secret = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
  const receiver = await demoReceiver(secret);
  const alerting = await startAlerting(server.log, {
    rules: compileRules(
      [
        {
          id: "demo-failed-logins",
          title: "Repeated failed sign-ins",
          severity: "high",
          match: ["action=user.login", "outcome=failure"],
          group_by: ["actor.id"],
          threshold: { count: 5, window: "5m" },
          channels: ["demo-webhook"],
        },
      ],
      { basePath: "demo.rules" },
    ),
    channels: parseChannels({ "demo-webhook": { type: "webhook", url: receiver.url, secret } }, {}),
  });
  const attack = Array.from({ length: 5 }, () => ({
    action: "user.login",
    outcome: "failure",
    actor: { id: "mallory", ip: "203.0.113.66" },
    source: { tool: "demo-attacker" },
  }));
  const attackAt = performance.now();
  await post(
    server.url,
    writer,
    "application/x-ndjson",
    `${attack.map((e) => JSON.stringify(e)).join("\n")}\n`,
  );
  const alert = await receiver.next();
  const alertMs = performance.now() - attackAt;
  await alerting.stop();
  await receiver.close();

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
  out.push(
    `${paint(c, "red", "Alert")}: ${alert.alert.title} (${alert.alert.severity}) for actor.id=mallory, ${alert.alert.count} events,`,
    `  delivered ${alertMs.toFixed(0)} ms after the attack to a signed webhook (id ${alert.alert.id}),`,
    `  with ${alert.alert.evidence.length} inclusion proofs against a signed checkpoint of ${alert.alert.checkpoint.split("\n")[1]} events.`,
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
    `curl -s ${auth} '${server.url}/v1/alerts?since=1h'                # the alert above, as the log recorded it`,
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
