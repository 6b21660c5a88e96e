/**
 * `sealtrail export --format csv` keeps spreadsheets from running what an event holds: text that
 * starts like a formula gets a `'` in front and is named in the row's `formula_escaped` column,
 * so the file says what was done and it can be undone exactly; `--raw-csv` writes cells as stored.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "csv-parse/sync";
import { cli, ingestFile, initStore, removeTempDirs, tempDir, writeNdjson } from "./cli-harness.js";

const HOSTILE = [
  '=HYPERLINK("http://evil.example","click")',
  "+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "-1+1",
  "\tleading tab",
  "\rleading CR",
  "'=already quoted",
];
let home = "";

before(() => {
  const work = tempDir();
  home = join(work, "home");
  initStore(home);
  const file = join(work, "events.ndjson");
  writeNdjson(file, [
    ...HOSTILE.map((text, i) => ({
      action: "crm.update",
      actor: { id: i % 2 === 0 ? text : `user-${i}` },
      details: { note: text, amount: -5 - i },
    })),
    { action: "crm.update", actor: { id: "plain" }, details: { note: "nothing to see", amount: 3 } },
  ]);
  ingestFile(home, file);
});
after(removeTempDirs);

const rowsOf = (text: string) => parse(text, { columns: true }) as Record<string, string>[];
/** The file's events: the store's own init event is not one of them. */
const FILE_EVENTS = "action=crm.update";

test("formula-like text is prefixed with ' and named in formula_escaped; numbers stay numbers", () => {
  const rows = rowsOf(cli(["export", "--home", home, "--format", "csv", FILE_EVENTS]).stdout);
  assert.equal(rows.length, HOSTILE.length + 1);
  HOSTILE.forEach((text, i) => {
    const row = rows[i] as Record<string, string>;
    assert.equal(row["details.note"], `'${text}`, `seq ${i}: the note is escaped`);
    assert.equal(row["details.amount"], String(-5 - i), "a negative number is a number, not text to escape");
    const named = i % 2 === 0 ? ["actor.id", "details.note"] : ["details.note"];
    assert.deepEqual(row.formula_escaped?.split(" ").sort(), named);
    if (i % 2 === 0) assert.equal(row["actor.id"], `'${text}`);
  });
  const plain = rows[HOSTILE.length] as Record<string, string>;
  assert.equal(plain["details.note"], "nothing to see");
  assert.equal(plain.formula_escaped, "");
  // Undoing exactly what formula_escaped names gives back the stored text.
  for (const [i, row] of rows.slice(0, HOSTILE.length).entries()) {
    for (const column of row.formula_escaped?.split(" ") ?? []) {
      assert.equal(row[column]?.slice(1), HOSTILE[i]);
    }
  }
});

test("--raw-csv writes every cell exactly as stored, without formula_escaped", () => {
  const rows = rowsOf(cli(["export", "--home", home, "--format", "csv", "--raw-csv", FILE_EVENTS]).stdout);
  for (const [i, text] of HOSTILE.entries()) assert.equal(rows[i]?.["details.note"], text);
  assert.ok(!("formula_escaped" in (rows[0] ?? {})));
  const wrong = cli(["export", "--home", home, "--raw-csv"], 2);
  assert.match(wrong.stderr, /--raw-csv: applies to --format csv only/);
});
