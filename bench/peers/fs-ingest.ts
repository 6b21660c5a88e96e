// Peer: plain fs appends of JSON.stringify(event) lines, fsync at the end.
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { readEvents } from "./read-events.js";

const [input, output] = process.argv.slice(2) as [string, string];
const fd = openSync(output, "w");
let buffer = "";
for (const event of readEvents(input)) {
  buffer += `${JSON.stringify(event)}\n`;
  if (buffer.length > 1 << 20) {
    writeSync(fd, buffer);
    buffer = "";
  }
}
writeSync(fd, buffer);
fsyncSync(fd);
closeSync(fd);
