// Peer: pino, the fastest Node logger, writing the parsed events as JSON lines to a file
// (no integrity, no index, no fsync per batch). Whole process, like `sealtrail ingest`.
import { once } from "node:events";
import pino from "pino";
import { readEvents } from "./read-events.js";

const [input, output] = process.argv.slice(2) as [string, string];
const destination = pino.destination({ dest: output, sync: false, minLength: 4096 });
await once(destination, "ready");
const logger = pino({ base: undefined, timestamp: false }, destination);
for (const event of readEvents(input)) logger.info(event);
destination.flushSync();
destination.end();
