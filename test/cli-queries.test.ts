/**
 * End-to-end: `query`, `stats`, `errors` and `export` on a store of known events return exactly
 * what a plain JavaScript filter over the store's own NDJSON export returns.
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "csv-parse/sync";
import { sampleEvents } from "../src/demo/sample-events.js";
import {
  cli,
  exportLines,
  ingestFile,
  initStore,
  removeTempDirs,
  tempDir,
  writeNdjson,
} from "./cli-harness.js";

after(removeTempDirs);

// biome-ignore lint/suspicious/noExplicitAny: events are free-form JSON here
type Event = Record<string, any>;

const STEP = 5 * 60_000;
const COUNT = 600;
const SEVERITIES = ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"];
/**
 * Event times sit on a 5-minute grid offset by 2.5 minutes from "now", so a relative bound such
 * as `--since 24h` (computed a few seconds apart by the CLI and by the test) always falls
 * between two events.
 */
const NOW = Date.now();
const gridTime = (k: number) => NOW - (COUNT - k) * STEP + STEP / 2;

/**
 * Events with tags, nested details, booleans, missing actors and outcomes, failures with and
 * without an error object, times out of seq order.
 */
function taggedEvents(): Event[] {
  const users = ["alice", "bob", "carol"];
  return Array.from({ length: 60 }, (_, i) => {
    const e: Event = {
      id: `00000000-0000-7000-8000-${i.toString(16).padStart(12, "0")}`,
      timestamp: new Date(gridTime((i * 97) % COUNT)).toISOString(),
      action: i % 3 === 0 ? "deploy.release" : "deploy.rollback",
      tenant: ["acme", "globex", "initech"][i % 3],
      tags: i % 2 === 0 ? ["pci", "prod", ...(i % 5 === 0 ? ["canary"] : [])] : ["staging"],
      policies: i % 4 === 0 ? ["POL-CHANGE-MGMT", "PCI-DSS-6.4.5"] : ["POL-CHANGE-MGMT"],
      duration_ms: i * 13.5,
      details: {
        score: (i * 37) % 100,
        env: i % 2 === 0 ? "prod" : "staging",
        source: i % 6 === 0 ? "webinar" : "pipeline",
        deploy: { region: i % 2 === 0 ? "eu-west-1" : "us-east-1", canary: i % 5 === 0 },
      },
    };
    if (i % 4 !== 0) e.actor = { id: users[i % 3], type: "user" };
    if (i % 7 === 0) {
      e.outcome = "failure";
      e.severity = "error";
      // Some failures carry no error object, only a reason in their details.
      if (i % 14 === 7) e.details.reason = "rollback window closed";
      else e.error = { code: "DEPLOY_FAILED", message: `health check failed on attempt ${i}` };
    } else if (i % 7 !== 1) {
      e.outcome = "success";
    }
    if (i % 10 === 3) e.severity = "critical";
    return e;
  });
}

let home = "";
let work = "";
/** Every stored event, parsed from `export --format ndjson`, in seq order. */
let all: Event[] = [];
let ndjson = "";

before(() => {
  work = tempDir();
  home = join(work, "home");
  initStore(home);
  writeNdjson(
    join(work, "samples.ndjson"),
    sampleEvents(COUNT, { withIds: true, seed: 51, startMs: gridTime(0), stepMs: STEP }),
  );
  writeNdjson(join(work, "tagged.ndjson"), taggedEvents());
  assert.equal(ingestFile(home, join(work, "samples.ndjson")).accepted, COUNT);
  assert.equal(ingestFile(home, join(work, "tagged.ndjson")).accepted, 60);
  ndjson = cli(["export", "--home", home]).stdout;
  all = exportLines(home).map((line) => JSON.parse(line));
  // The store's own init event (seq 0), then the files.
  assert.equal(all[0]?.action, "audit_log.init");
  assert.equal(all.length, 1 + COUNT + 60);
});

const get = (e: Event, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Event)[k] : undefined), e);
const ts = (e: Event) => Date.parse(e.timestamp);
const seqsOf = (events: Event[]) => events.map((e) => e.seq as number);
const desc = (events: Event[]) => seqsOf(events).sort((a, b) => b - a);

/** Runs `query` with `args` (everything on one page) and returns the events. */
function query(args: string[], order: "asc" | "desc" = "desc"): Event[] {
  const out = cli([
    "query",
    "--home",
    home,
    "--format",
    "ndjson",
    "--limit",
    "10000",
    "--order",
    order,
    ...args,
  ]).stdout;
  return out === ""
    ? []
    : out
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
}

describe("query filters match a plain JS filter over the export", () => {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const mid = () => all[300] as Event;
  const sev = (e: Event) => SEVERITIES.indexOf(e.severity);
  const cases: [string, () => string[], (e: Event) => boolean][] = [
    ["equals", () => ["outcome=failure"], (e) => e.outcome === "failure"],
    ["differs (missing counts as different)", () => ["outcome!=success"], (e) => e.outcome !== "success"],
    ["differs on a nested field", () => ["details.env!=prod"], (e) => get(e, "details.env") !== "prod"],
    ["one of", () => ["actor.id=alice,bob"], (e) => ["alice", "bob"].includes(e.actor?.id)],
    [
      "one of (actions)",
      () => ["action=package.install,package.scan"],
      (e) => e.action.startsWith("package."),
    ],
    ["prefix", () => ["action=user.*"], (e) => e.action.startsWith("user.")],
    [
      "prefix on a non-indexed field",
      () => ["actor.ip=10.1*"],
      (e) => String(e.actor?.ip ?? "").startsWith("10.1"),
    ],
    [
      "number >=",
      () => ["duration_ms>=100"],
      (e) => typeof e.duration_ms === "number" && e.duration_ms >= 100,
    ],
    ["number <", () => ["duration_ms<50"], (e) => typeof e.duration_ms === "number" && e.duration_ms < 50],
    ["crypto.key_size >=", () => ["crypto.key_size>=2048"], (e) => (e.crypto?.key_size ?? -1) >= 2048],
    ["nested details field", () => ["details.source=webinar"], (e) => get(e, "details.source") === "webinar"],
    [
      "deeper nested details field",
      () => ["details.deploy.region=eu-west-1"],
      (e) => get(e, "details.deploy.region") === "eu-west-1",
    ],
    ["nested boolean", () => ["details.deploy.canary=true"], (e) => get(e, "details.deploy.canary") === true],
    ["nested number equality", () => ["details.score=74"], (e) => get(e, "details.score") === 74],
    [
      "nested number >=",
      () => ["details.score>=50"],
      (e) => typeof get(e, "details.score") === "number" && (get(e, "details.score") as number) >= 50,
    ],
    [
      "nested number <",
      () => ["details.score<50"],
      (e) => typeof get(e, "details.score") === "number" && (get(e, "details.score") as number) < 50,
    ],
    ["context field", () => ["context.workflow=sales"], (e) => e.context?.workflow === "sales"],
    ["tags contains", () => ["tags=pci"], (e) => (e.tags ?? []).includes("pci")],
    [
      "tags contains one of",
      () => ["tags=canary,staging"],
      (e) => (e.tags ?? []).some((t: string) => ["canary", "staging"].includes(t)),
    ],
    [
      "policies contains",
      () => ["policies=POL-SUPPLY-CHAIN"],
      (e) => (e.policies ?? []).includes("POL-SUPPLY-CHAIN"),
    ],
    [
      "policies contains (second element)",
      () => ["policies=PCI-DSS-6.4.5"],
      (e) => (e.policies ?? []).includes("PCI-DSS-6.4.5"),
    ],
    [
      "conjunction",
      () => ["tenant=acme", "outcome=failure"],
      (e) => e.tenant === "acme" && e.outcome === "failure",
    ],
    ["severity at least", () => ["severity>=warning"], (e) => sev(e) <= SEVERITIES.indexOf("warning")],
    ["category", () => ["category=key_management"], (e) => e.category === "key_management"],
    ["target.type", () => ["target.type=package"], (e) => e.target?.type === "package"],
    [
      "error.code one of",
      () => ["error.code=VULN_FOUND,SMTP_451"],
      (e) => ["VULN_FOUND", "SMTP_451"].includes(e.error?.code),
    ],
    ["seq range", () => ["seq>=100", "seq<200"], (e) => e.seq >= 100 && e.seq < 200],
    ["id", () => [`id=${mid().id}`], (e) => e.id === mid().id],
    ["timestamp >= an event's time", () => [`timestamp>=${mid().timestamp}`], (e) => ts(e) >= ts(mid())],
    [
      "timestamp < a date",
      () => [`timestamp<${day(ts(mid()))}`],
      (e) => ts(e) < Date.parse(`${day(ts(mid()))}T00:00:00Z`),
    ],
    ["--since 24h", () => ["--since", "24h"], (e) => ts(e) >= Date.now() - 86_400_000],
    [
      "--since 24h --until 6h",
      () => ["--since", "24h", "--until", "6h"],
      (e) => ts(e) >= Date.now() - 86_400_000 && ts(e) < Date.now() - 6 * 3_600_000,
    ],
    [
      "--since a date (midnight UTC)",
      () => ["--since", day(ts(mid()))],
      (e) => ts(e) >= Date.parse(`${day(ts(mid()))}T00:00:00Z`),
    ],
    [
      "--until an event's exact time (exclusive)",
      () => ["--until", mid().timestamp],
      (e) => ts(e) < ts(mid()),
    ],
    [
      "--since with a UTC offset",
      () => ["--since", new Date(ts(mid()) + 2 * 3_600_000).toISOString().replace("Z", "+02:00")],
      (e) => ts(e) >= ts(mid()),
    ],
  ];

  for (const [name, args, predicate] of cases) {
    test(`query: ${name}`, () => {
      const expected = all.filter(predicate);
      const got = query(args());
      assert.deepEqual(
        seqsOf(got),
        desc(expected),
        `query ${args().join(" ")}: ${got.length} vs ${expected.length} expected`,
      );
      // The events come back whole, exactly as exported.
      for (const e of got) assert.deepEqual(e, all[e.seq]);
    });
  }

  test("the filters above are not vacuous (each matches some but not all events)", () => {
    for (const [name, , predicate] of cases) {
      const n = all.filter(predicate).length;
      assert.ok(n > 0 && n < all.length, `${name} matches ${n} of ${all.length}`);
    }
  });

  test("--order asc returns the same events in log order; the table format lists them", () => {
    const descending = query(["tenant=globex", "action=user.*"]);
    const ascending = query(["tenant=globex", "action=user.*"], "asc");
    assert.ok(ascending.length > 5);
    assert.deepEqual(seqsOf(ascending), seqsOf(descending).reverse());
    const target = mid();
    const table = cli(["query", "--home", home, `id=${target.id}`]).stdout;
    assert.match(table, /seq/);
    assert.match(table, new RegExp(`\\b${target.seq}\\b.*${target.action.replace(".", "\\.")}`));
    assert.equal(table.match(new RegExp(target.action.replace(".", "\\."), "g"))?.length, 1);
  });
});

describe("cursor pagination", () => {
  type Page = { events: Event[]; next_cursor: string | null };
  function walk(
    h: string,
    filters: string[],
    order: "asc" | "desc",
    onPage?: (n: number) => void,
  ): Event[][] {
    const pages: Event[][] = [];
    let cursor: string | null = null;
    do {
      const args = ["query", "--home", h, "--limit", "7", "--format", "json", "--order", order, ...filters];
      if (cursor) args.push("--cursor", cursor);
      const page = JSON.parse(cli(args).stdout) as Page;
      pages.push(page.events);
      cursor = page.next_cursor;
      onPage?.(pages.length);
      assert.ok(pages.length < 100, "pagination does not end");
    } while (cursor);
    return pages;
  }

  test("--limit 7 pages walk every match once, newest first, with no gap", () => {
    const filters = ["tenant=acme", "action=user.*"];
    const expected = desc(all.filter((e) => e.tenant === "acme" && e.action.startsWith("user.")));
    assert.ok(expected.length > 21, `enough matches for several pages (${expected.length})`);
    const pages = walk(home, filters, "desc");
    for (const p of pages.slice(0, -1)) assert.equal(p.length, 7);
    assert.ok((pages.at(-1) as Event[]).length >= 1 && (pages.at(-1) as Event[]).length <= 7);
    const seqs = pages.flat().map((e) => e.seq);
    assert.equal(new Set(seqs).size, seqs.length, "no duplicates");
    assert.deepEqual(seqs, expected);
  });

  test("ascending pages too, and events appended meanwhile do not shift them", () => {
    const copy = join(work, "paging-copy");
    cpSync(home, copy, { recursive: true });
    const expected = seqsOf(all.filter((e) => e.outcome === "failure")).sort((a, b) => a - b);
    const descExpected = [...expected].reverse();
    const sneak = (n: number) => {
      if (n === 2) {
        cli([
          "append",
          "--home",
          copy,
          "--json",
          JSON.stringify({ action: "user.login_failed", outcome: "failure" }),
        ]);
      }
    };
    const descSeqs = walk(copy, ["outcome=failure"], "desc", sneak)
      .flat()
      .map((e) => e.seq);
    assert.deepEqual(descSeqs, descExpected, "a newest-first walk started before the append does not see it");
    const ascSeqs = walk(copy, ["outcome=failure"], "asc")
      .flat()
      .map((e) => e.seq);
    assert.deepEqual(
      ascSeqs,
      [...expected, all.length],
      "the new event is at the end of a later log-order walk",
    );
  });

  test("the table lists 50 by default and names the cursor that continues after them", () => {
    const first = cli(["query", "--home", home]);
    const rows = (r: string) => r.trimEnd().split("\n").slice(3);
    assert.deepEqual(
      rows(first.stdout).map((line) => Number(line.split(/\s+/)[0])),
      desc(all).slice(0, 50),
    );
    const cursor = /^more: --cursor (\S+)$/m.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const second = cli(["query", "--home", home, "--cursor", cursor]);
    assert.deepEqual(
      rows(second.stdout).map((line) => Number(line.split(/\s+/)[0])),
      desc(all).slice(50, 100),
    );
  });

  test("--sort timestamp pages walk every match once in event-time order, ties by seq, with no gap", () => {
    const byTime = (events: Event[]) =>
      [...events].sort((a, b) => ts(b) - ts(a) || b.seq - a.seq).map((e) => e.seq as number);
    const cases: Array<[string, (e: Event) => boolean]> = [
      ["action=deploy.*", (e) => e.action.startsWith("deploy.")],
      ["outcome=failure", (e) => e.outcome === "failure"],
    ];
    for (const [filter, keep] of cases) {
      const pages = walk(home, [filter, "--sort", "timestamp"], "desc");
      const seqs = pages.flat().map((e) => e.seq);
      assert.equal(new Set(seqs).size, seqs.length, "no duplicates");
      const expected = byTime(all.filter(keep));
      assert.ok(expected.length > 14, `several pages for ${filter}`);
      assert.deepEqual(seqs, expected);
      // These events were received out of time order: the orders differ.
      assert.notDeepEqual(expected, desc(all.filter((e) => expected.includes(e.seq))));
    }
  });
});

describe("machine formats never stop silently at a limit", () => {
  test("json and ndjson without --limit stream every matching event, however many pages", () => {
    const lines = cli(["query", "--home", home, "--format", "ndjson"]).stdout.trimEnd().split("\n");
    assert.equal(lines.length, all.length);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as Event).seq),
      desc(all),
    );
    const page = JSON.parse(cli(["query", "--home", home, "--format", "json", "--order", "asc"]).stdout);
    assert.deepEqual(page.events, all);
    assert.equal(page.next_cursor, null);
    assert.deepEqual([page.sort, page.order], ["seq", "asc"]);
    const failures = all.filter((e) => e.outcome === "failure");
    assert.ok(failures.length > 20, "more failures than the human listing shows");
    const errors = JSON.parse(cli(["errors", "--home", home, "--json"]).stdout);
    assert.deepEqual(seqsOf(errors.events), desc(failures));
    assert.equal(errors.next_cursor, null);
  });

  test("an explicit --limit is a request: exit 0, at most N, and where the rest continues is in the output", () => {
    const r = cli(["query", "--home", home, "--format", "ndjson", "--limit", "25"]);
    assert.equal(r.stdout.trimEnd().split("\n").length, 25);
    const cursor = /^more: --cursor (\S+)$/m.exec(r.stderr)?.[1];
    assert.ok(cursor, r.stderr);
    const rest = cli(["query", "--home", home, "--format", "ndjson", "--cursor", cursor]).stdout;
    assert.deepEqual(
      [...r.stdout.trimEnd().split("\n"), ...rest.trimEnd().split("\n")].map(
        (l) => (JSON.parse(l) as Event).seq,
      ),
      desc(all),
    );
    const json = JSON.parse(cli(["query", "--home", home, "--format", "json", "--limit", "25"]).stdout);
    assert.equal(json.events.length, 25);
    assert.equal(typeof json.next_cursor, "string");
    const exact = JSON.parse(
      cli(["query", "--home", home, "--format", "json", "--limit", String(all.length)]).stdout,
    );
    assert.equal(exact.events.length, all.length);
    assert.equal(exact.next_cursor, null, "a limit that covers every match leaves nothing to continue");
    const errors = JSON.parse(cli(["errors", "--home", home, "--json", "--limit", "3"]).stdout);
    assert.equal(errors.events.length, 3);
    assert.equal(typeof errors.next_cursor, "string");
  });

  test("every output says its order: a line for people, fields in JSON, a line on stderr for NDJSON", () => {
    assert.match(
      cli(["query", "--home", home, "--limit", "1"]).stdout,
      /^order: newest received first \(--sort seq --order desc\)\n/,
    );
    assert.match(
      cli(["query", "--home", home, "--limit", "1", "--sort", "timestamp", "--order", "asc"]).stdout,
      /^order: oldest first by event time \(--sort timestamp --order asc\)\n/,
    );
    assert.match(
      cli(["query", "--home", home, "--format", "ndjson", "--limit", "1", "--sort", "timestamp"]).stderr,
      /^order: newest first by event time \(--sort timestamp --order desc\)$/m,
    );
    const json = JSON.parse(cli(["errors", "--home", home, "--json", "--sort", "timestamp"]).stdout);
    assert.deepEqual([json.sort, json.order], ["timestamp", "desc"]);
    assert.match(
      cli(["errors", "--home", home, "--limit", "1", "--sort", "timestamp"]).stdout,
      /^failures, newest first by event time \(--sort timestamp --order desc\):\n/,
    );
  });

  test("--help says how machine formats treat the limit", () => {
    for (const command of ["query", "errors"]) {
      const help = cli([command, "--help"]).stdout.replace(/\s+/g, " ");
      assert.match(help, /is written \(streamed page by page, as export does\) unless --limit N is given/);
      assert.match(help, /--sort <field>/);
    }
  });
});

describe("stats and errors", () => {
  type Row = { key: string | null; count: number };
  /** Counts by `key`, most first, ties by key (nulls first), at most `top`. */
  function countBy(
    events: Event[],
    key: (e: Event) => string | null,
    top: number,
    tieOrder?: (k: string | null) => number,
  ): Row[] {
    const counts = new Map<string | null, number>();
    for (const e of events) counts.set(key(e), (counts.get(key(e)) ?? 0) + 1);
    const tie = (a: string | null, b: string | null) => {
      if (tieOrder) return tieOrder(a) - tieOrder(b);
      if (a === b) return 0;
      if (a === null) return -1;
      if (b === null) return 1;
      return a < b ? -1 : 1;
    };
    return [...counts]
      .map(([k, count]) => ({ key: k, count }))
      .sort((a, b) => b.count - a.count || tie(a.key, b.key))
      .slice(0, top);
  }
  function perBucket(events: Event[], size: number, latest: number): Row[] {
    const counts = new Map<number, number>();
    for (const e of events) {
      const b = Math.floor(ts(e) / size);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    return [...counts]
      .sort((a, b) => a[0] - b[0])
      .slice(-latest)
      .map(([b, count]) => ({ key: new Date(b * size).toISOString(), count }));
  }

  test("stats --json totals equal JS counts", () => {
    const stats = JSON.parse(cli(["stats", "--home", home, "--json"]).stdout);
    assert.equal(stats.total, all.length);
    assert.deepEqual(
      stats.byOutcome,
      countBy(all, (e) => e.outcome, 10),
    );
    assert.deepEqual(
      stats.byCategory,
      countBy(all, (e) => e.category, 10),
    );
    assert.deepEqual(
      stats.byAction,
      countBy(all, (e) => e.action, 10),
    );
    assert.deepEqual(
      stats.byActor,
      countBy(all, (e) => e.actor?.id ?? null, 10),
    );
    assert.deepEqual(
      stats.bySeverity,
      countBy(
        all,
        (e) => e.severity,
        10,
        (k) => SEVERITIES.indexOf(k as string),
      ),
    );
    assert.deepEqual(stats.perHour, perBucket(all, 3_600_000, 48));
    assert.deepEqual(stats.perDay, perBucket(all, 86_400_000, 31));
  });

  test("stats never leaves groups out silently: --top sets the lists' length, others counts the rest", () => {
    const actions = new Set(all.map((e) => e.action)).size;
    assert.ok(actions > 3, "the fixture has more than 3 actions");
    const top3 = JSON.parse(cli(["stats", "--home", home, "--json", "--top", "3"]).stdout);
    assert.equal(top3.top, 3);
    assert.deepEqual(
      top3.byAction,
      countBy(all, (e) => e.action, 3),
    );
    const listed = top3.byAction.reduce((sum: number, r: Row) => sum + r.count, 0);
    assert.equal(top3.others.byAction, all.length - listed);
    assert.ok(top3.others.byAction > 0);
    const everything = JSON.parse(cli(["stats", "--home", home, "--json", "--top", "1000"]).stdout);
    assert.equal(everything.byAction.length, actions);
    assert.deepEqual(everything.others, {
      byAction: 0,
      byOutcome: 0,
      byActor: 0,
      byCategory: 0,
      bySeverity: 0,
    });
    const human = cli(["stats", "--home", home, "--top", "3"]).stdout;
    assert.match(human, new RegExp(`\\(all others\\)\\s+${top3.others.byAction}\\b`));
  });

  test("stats with a filter and a time window count only the matches", () => {
    const failures = all.filter((e) => e.outcome === "failure");
    const filtered = JSON.parse(cli(["stats", "--home", home, "--json", "outcome=failure"]).stdout);
    assert.equal(filtered.total, failures.length);
    assert.deepEqual(filtered.byOutcome, [{ key: "failure", count: failures.length }]);
    assert.deepEqual(
      filtered.byAction,
      countBy(failures, (e) => e.action, 10),
    );
    const recent = JSON.parse(cli(["stats", "--home", home, "--json", "--since", "24h"]).stdout);
    assert.equal(recent.total, all.filter((e) => ts(e) >= Date.now() - 86_400_000).length);
  });

  test("errors --json returns only failures, newest received first, or by event time", () => {
    const failures = all.filter((e) => e.outcome === "failure").sort((a, b) => b.seq - a.seq);
    assert.ok(failures.length > 20);
    const errors = (...args: string[]) =>
      (JSON.parse(cli(["errors", "--home", home, "--json", ...args]).stdout) as { events: Event[] }).events;
    assert.deepEqual(errors("--limit", "1000"), failures);
    assert.deepEqual(errors("--limit", "20"), failures.slice(0, 20));
    assert.deepEqual(
      errors("tenant=acme"),
      failures.filter((e) => e.tenant === "acme"),
    );
    assert.deepEqual(
      seqsOf(errors("--sort", "timestamp")),
      [...failures].sort((a, b) => ts(b) - ts(a) || b.seq - a.seq).map((e) => e.seq),
    );
  });

  test("errors lists 20 for people, each with its error, or says none was recorded", () => {
    const failures = all.filter((e) => e.outcome === "failure").sort((a, b) => b.seq - a.seq);
    const text = cli(["errors", "--home", home]).stdout;
    const listed = [...text.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
    assert.deepEqual(listed, seqsOf(failures.slice(0, 20)));
    assert.doesNotMatch(text, /error: -/);
    const withoutError = failures.find((e) => e.error === undefined);
    const withError = failures.find((e) => e.error?.code && e.error?.message);
    assert.ok(withoutError && withError, "failures both with and without an error object");
    const one = (e: Event) => cli(["errors", "--home", home, `id=${e.id}`]).stdout;
    assert.match(one(withoutError), /^ {2}error: none recorded$/m);
    assert.match(
      one(withError),
      new RegExp(
        `^  error: ${withError.error.code}: ${withError.error.message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
        "m",
      ),
    );
  });
});

describe("export formats", () => {
  /** Dotted columns: nested non-empty objects flattened, arrays and empty objects as JSON text. */
  function flatten(value: Event, prefix = "", out: Record<string, string> = {}): Record<string, string> {
    for (const [k, v] of Object.entries(value)) {
      const column = prefix + k;
      if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0)
        flatten(v, `${column}.`, out);
      else if (v !== null && typeof v === "object") out[column] = JSON.stringify(v);
      else out[column] = v === null ? "" : String(v);
    }
    return out;
  }

  test("csv (parsed with csv-parse): dotted columns, one row per event, values matching", () => {
    const text = cli(["export", "--home", home, "--format", "csv"]).stdout;
    const [header] = parse(text, { to_line: 1 }) as string[][];
    const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    for (const column of [
      "seq",
      "id",
      "timestamp",
      "action",
      "actor.id",
      "actor.ip",
      "target.id",
      "details.source",
      "details.deploy.region",
      "context.workflow",
      "crypto.key_size",
      "tags",
      "policies",
    ]) {
      assert.ok(header?.includes(column), `column ${column} in ${header?.join(",")}`);
    }
    assert.equal(new Set(header).size, header?.length, "no duplicate columns");
    assert.equal(rows.length, all.length);
    const columns = new Set(header);
    rows.forEach((row, i) => {
      const flat = flatten(all[i] as Event);
      for (const column of Object.keys(flat))
        assert.ok(columns.has(column), `column ${column} of seq ${i} is exported`);
      for (const column of columns) {
        assert.equal(row[column], flat[column] ?? "", `seq ${i}, column ${column}`);
      }
    });
    // A filtered csv holds only the matching rows.
    const failures = parse(cli(["export", "--home", home, "--format", "csv", "outcome=failure"]).stdout, {
      columns: true,
    }) as Record<string, string>[];
    assert.deepEqual(
      failures.map((r) => Number(r.seq)),
      seqsOf(all.filter((e) => e.outcome === "failure")),
    );
  });

  test("json is an array equal to the ndjson lines", () => {
    const array = JSON.parse(cli(["export", "--home", home, "--format", "json"]).stdout);
    assert.ok(Array.isArray(array));
    assert.deepEqual(array, all);
    const empty = JSON.parse(cli(["export", "--home", home, "--format", "json", "tenant=nobody"]).stdout);
    assert.deepEqual(empty, []);
  });

  test("ndjson export with filters returns the matching events in seq order", () => {
    const lines = exportLines(home, "tenant=globex", "--since", "24h");
    const expected = all.filter((e) => e.tenant === "globex" && ts(e) >= Date.now() - 86_400_000);
    assert.ok(expected.length > 0);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)),
      expected,
    );
  });

  test("--out FILE writes the export to the file", () => {
    const out = join(work, "export.ndjson");
    const r = cli(["export", "--home", home, "--out", out]);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`exported ${all.length} events`));
    assert.equal(readFileSync(out, "utf8"), ndjson);
    const csv = join(work, "failures.csv");
    cli(["export", "--home", home, "--format", "csv", "--out", csv, "outcome=failure"]);
    const rows = parse(readFileSync(csv, "utf8"), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, all.filter((e) => e.outcome === "failure").length);
  });
});
