// Peer: better-sqlite3 plain inserts of the JSON text, no integrity and no secondary index,
// WAL + synchronous=FULL, one transaction per 8,192 events (the same durability as Sealtrail).
import Database from "better-sqlite3";
import { readEvents } from "./read-events.js";

const [input, output] = process.argv.slice(2) as [string, string];
const db = new Database(output);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO events (body) VALUES (?)");
const batch = db.transaction((events: unknown[]) => {
  for (const e of events) insert.run(JSON.stringify(e));
});
const events = readEvents(input);
for (let i = 0; i < events.length; i += 8192) batch(events.slice(i, i + 8192));
db.close();
