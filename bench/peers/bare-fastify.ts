// Peer for the HTTP load test: a bare Fastify 5 route that only parses the bodies Sealtrail's
// `POST /v1/events` gets and discards them — no validation, no hashing, no storage — then answers
// a JSON of about the size Sealtrail answers. The ceiling of an HTTP server on this machine.
//   node dist/bench/peers/bare-fastify.js [--port 0] [--host 127.0.0.1]
// prints `listening on http://<host>:<port>` on stdout once it accepts connections.
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import Fastify from "fastify";

const argument = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};

const app = Fastify({ logger: false });
let seq = 0;

// NDJSON: the raw stream reaches the handler, which splits it into lines and parses each, as
// Sealtrail does (never buffering the body whole).
app.addContentTypeParser("application/x-ndjson", (_request, payload, done) => done(null, payload));

async function parseNdjson(stream: Readable): Promise<number> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let lines = 0;
  const parse = (line: string) => {
    if (line.trim() === "") return;
    JSON.parse(line);
    lines++;
  };
  for await (const chunk of stream) {
    const text = carry + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      parse(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  parse(carry + decoder.end());
  return lines;
}

app.post("/v1/events", async (request, reply) => {
  if (request.body !== null && typeof request.body === "object" && "pipe" in request.body) {
    const lines = await parseNdjson(request.body as Readable);
    const results: { index: number; seq: number; id: string }[] = [];
    for (let index = 0; index < lines; index++) results.push({ index, seq: seq++, id: randomUUID() });
    return reply.code(200).send({ accepted: lines, duplicates: 0, rejected: 0, results });
  }
  if (Array.isArray(request.body)) {
    const results = request.body.map((_event, index) => ({ index, seq: seq++, id: randomUUID() }));
    return reply.code(200).send({ accepted: results.length, duplicates: 0, rejected: 0, results });
  }
  return reply.code(201).send({ seq: seq++, id: randomUUID(), duplicate: false });
});

const address = await app.listen({
  port: Number(argument("--port", "0")),
  host: argument("--host", "127.0.0.1"),
});
process.stdout.write(`listening on ${address}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
