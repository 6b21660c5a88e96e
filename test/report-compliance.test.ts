/**
 * End to end: the compliance reports (PCI DSS, SOC 2, HIPAA, GDPR) over seeded stores with
 * known, deliberate gaps — a missing PCI event kind, events without an actor, days without a
 * review, a tampered store, plain personal data, overdue erasure requests and incidents — each
 * flagged exactly, with the seqs that show it; and a complete store meeting every control.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { chromium } from "playwright-core";
import { AuditLog } from "../src/audit-log.js";
import { complianceReport } from "../src/compliance/compliance-report.js";
import { FRAMEWORKS, loadControlMap, parseControlMap } from "../src/compliance/control-map.js";
import { SealtrailError } from "../src/errors.js";
import type { AuditEventInput } from "../src/event/audit-event.js";
import { MATCH_ALL } from "../src/read-model/event-filter.js";
import { rendererFor } from "../src/reports/renderers/index.js";
import type { ChartBlock, Finding, Report, TableBlock } from "../src/reports/report-model.js";
import { renderBytes } from "../src/reports/report-renderer.case.js";
import { reportScope } from "../src/reports/report-source.js";
import { cli, removeTempDirs, runCli, tempDir } from "./cli-harness.js";
import { startTestServer } from "./server-harness.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.now();
const at = (ms: number) => new Date(ms).toISOString();
/** Noon (UTC) of each of the last `days` days that has already come. */
const noons = (days: number) =>
  Array.from({ length: days + 1 }, (_, d) => Math.floor(now / DAY) * DAY - d * DAY + 12 * HOUR).filter(
    (t) => t < now && t >= now - days * DAY,
  );

after(removeTempDirs);

const alice = { id: "alice", type: "user", ip: "10.0.0.7" } as const;
const target = { type: "record", id: "rec-1" } as const;
const host = { tool: "billing", host: "app-1" } as const;

/** One day of every event kind PCI DSS requirement 10 asks for, each with every required field. */
function pciDay(t: number, omit: ReadonlySet<string> = new Set()): AuditEventInput[] {
  const events: AuditEventInput[] = [
    { action: "record.read", category: "data", outcome: "success", actor: alice, target, source: host },
    {
      action: "config.update",
      category: "configuration",
      outcome: "success",
      actor: alice,
      target,
      source: host,
    },
    {
      action: "audit_log.query",
      category: "access",
      outcome: "success",
      actor: { id: "apikey:1", type: "service", ip: "10.0.0.9" },
      target: { type: "audit_log", id: "log" },
      source: host,
    },
    {
      action: "user.login_failed",
      category: "authentication",
      outcome: "failure",
      actor: alice,
      target: { type: "application", id: "console" },
      source: host,
    },
    { action: "user.create", category: "account", outcome: "success", actor: alice, target, source: host },
    {
      action: "audit_log.start",
      category: "system",
      outcome: "success",
      actor: { id: "sealtrail", type: "system" },
      target: { type: "audit_log", id: "log" },
      source: host,
    },
    { action: "service.create", category: "system", outcome: "success", actor: alice, target, source: host },
    {
      action: "audit_log.review",
      category: "access",
      outcome: "success",
      actor: alice,
      target: { type: "audit_log", id: "log" },
      source: host,
    },
  ];
  return events.filter((e) => !omit.has(e.action)).map((e, i) => ({ ...e, timestamp: at(t + i * 60_000) }));
}

async function seededStore(events: readonly AuditEventInput[]): Promise<{ home: string; seqs: number[] }> {
  const home = tempDir("sealtrail-compliance-");
  const log = await AuditLog.open({ home, origin: "compliance.example/log", checkpointIntervalMs: 0 });
  try {
    const stored = await log.append([...events]);
    return { home, seqs: stored.map((s) => s.seq) };
  } finally {
    await log.close();
  }
}

async function report(
  home: string,
  framework: string,
  days: number,
  verifyStore = false,
  until = now,
): Promise<Report> {
  const log = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
  try {
    const scope = await reportScope(log, {
      since: until - days * DAY,
      until,
      expressions: [],
      filter: MATCH_ALL,
      verifyStore,
    });
    return await complianceReport(log, scope, loadControlMap(framework));
  } finally {
    await log.close();
  }
}

/** Control id → status, from the report's table of every control. */
function statuses(r: Report): Map<string, string> {
  const table = r.sections
    .find((s) => s.id === "controls")
    ?.blocks.find((b) => b.kind === "table") as TableBlock;
  return new Map(table.rows.map((row) => [String(row.control), String(row.status)]));
}

/** The controls that are not met (and apply), with their statuses. */
function flagged(r: Report): Record<string, string> {
  return Object.fromEntries([...statuses(r)].filter(([, s]) => s !== "met" && s !== "not applicable"));
}

function finding(r: Report, control: string): Finding {
  const summary = r.sections.find((s) => s.id === "summary");
  const findings = summary?.blocks.flatMap((b) => (b.kind === "findings" ? b.findings : [])) ?? [];
  const found = findings.find((f) => f.title.startsWith(`${control} `));
  assert.ok(found, `no finding for ${control}: ${findings.map((f) => f.title).join(" | ")}`);
  return found;
}

describe("PCI DSS requirement 10", () => {
  test("a store with every required event kind, complete fields and daily reviews meets every control", async () => {
    const { home } = await seededStore(noons(14).flatMap((t) => pciDay(t)));
    const r = await report(home, "pci-dss", 14);
    assert.deepEqual(flagged(r), {});
    assert.equal(statuses(r).size, 12);
    assert.equal(r.provenance.type, "compliance");
    assert.equal(r.provenance.checkpoint.storeVerified, true, "the integrity control verifies the store");
  });

  test("a missing event kind (no invalid access attempts) is a gap of 10.2.1.4 only", async () => {
    const { home } = await seededStore(noons(14).flatMap((t) => pciDay(t, new Set(["user.login_failed"]))));
    const r = await report(home, "pci-dss", 14);
    assert.deepEqual(flagged(r), { "10.2.1.4": "gap" });
    assert.match(finding(r, "10.2.1.4").detail, /No failed access attempts were recorded/);
  });

  test("events without an actor make 10.2.2 partial, citing exactly those events", async () => {
    const anonymous: AuditEventInput[] = [0, 1, 2].map((i) => ({
      action: "record.read",
      category: "data",
      outcome: "success",
      target,
      source: host,
      timestamp: at(now - (i + 1) * HOUR),
    }));
    const days = noons(14).flatMap((t) => pciDay(t));
    const { home, seqs } = await seededStore([...days, ...anonymous]);
    const r = await report(home, "pci-dss", 14);
    assert.deepEqual(flagged(r), { "10.2.2": "partial" });
    const f = finding(r, "10.2.2");
    assert.deepEqual(
      [...(f.evidenceSeqs ?? [])].sort((a, b) => a - b),
      seqs.slice(days.length),
    );
    assert.match(f.detail, /^3 of \d+ events \([\d.]+ %\) lack User identification \(actor\.id\)/);
  });

  test("days without a review make 10.4.1 partial and name the days", async () => {
    const all = noons(14);
    const skipped = [all[3], all[5]] as number[];
    const events = all.flatMap((t) => pciDay(t, new Set(skipped.includes(t) ? ["audit_log.review"] : [])));
    const { home } = await seededStore(events);
    const r = await report(home, "pci-dss", 14);
    assert.deepEqual(flagged(r), { "10.4.1": "partial" });
    const detail = finding(r, "10.4.1").detail;
    for (const t of skipped) assert.ok(detail.includes(at(t).slice(0, 10)), `${detail} names ${at(t)}`);
    assert.match(detail, /^2 of \d+ days have no evidence of log reviews/);
  });

  test("a tampered store is a gap of 10.3, citing the first bad seq; nothing else changes", async () => {
    const events = noons(14).flatMap((t) => pciDay(t));
    const { home, seqs } = await seededStore(events);
    const victim = seqs[20] as number;
    const db = new Database(join(home, "sealtrail.db"));
    const body = db.prepare("SELECT body FROM events WHERE seq = ?").pluck().get(victim) as string;
    const edited = body.replace('"alice"', '"mallory"');
    assert.notEqual(edited, body);
    db.prepare("UPDATE events SET body = ? WHERE seq = ?").run(edited, victim);
    db.close();
    const r = await report(home, "pci-dss", 14);
    assert.deepEqual(flagged(r), { "10.3": "gap" });
    const f = finding(r, "10.3");
    assert.deepEqual(f.evidenceSeqs, [victim]);
    assert.match(f.detail, new RegExp(`First bad seq: ${victim}\\.`));
    assert.equal(r.provenance.checkpoint.storeVerified, false);
  });

  test("daily evidence is judged from the log's first event: older days are not counted, a day-old log is not yet judged", async () => {
    // Noon of each of the last three days before today: the log began three days ago.
    const days = [3, 2, 1].map((k) => Math.floor(now / DAY) * DAY - k * DAY + 12 * HOUR);
    const young = await seededStore(days.flatMap((t) => pciDay(t)));
    const r = await report(young.home, "pci-dss", 14);
    assert.deepEqual(flagged(r), {});
    const logging = r.sections.find((s) => s.id === "control-10-2-1");
    const evidence =
      logging?.blocks.flatMap((b) => (b.kind === "findings" ? b.findings : []))[0]?.title ?? "";
    assert.match(
      evidence,
      /^met: \d+ events of the systems in scope in 2 of 2 whole days of the period\. The 1[12] days of the period up to the log's first day/,
    );

    const today = await seededStore([
      { ...pciDay(now - HOUR)[0], timestamp: at(now - HOUR) } as AuditEventInput,
    ]);
    const fresh = statuses(await report(today.home, "pci-dss", 14));
    assert.equal(fresh.get("10.2.1"), "not yet demonstrable");
    assert.equal(fresh.get("10.4.1"), "not yet demonstrable");
  });

  test("each control has its own section citing its evidence events", async () => {
    const { home } = await seededStore(noons(3).flatMap((t) => pciDay(t)));
    const r = await report(home, "pci-dss", 3);
    const section = r.sections.find((s) => s.id === "control-10-2-1-4");
    assert.ok(section, r.sections.map((s) => s.id).join(", "));
    const cited = section.blocks.find((b) => b.kind === "table") as TableBlock;
    assert.ok(cited.rows.length > 0);
    assert.ok(cited.rows.every((row) => row.action === "user.login_failed"));
  });
});

describe("SOC 2, HIPAA and GDPR", () => {
  test("SOC 2: an incident left open past 30 days is a gap of CC7.4 only; a resolved one is evidence", async () => {
    const days = noons(45).flatMap((t) => pciDay(t));
    const incident = (action: string, id: string, t: number): AuditEventInput => ({
      action,
      category: "incident",
      outcome: "success",
      actor: alice,
      target: { type: "incident", id },
      source: host,
      timestamp: at(t),
    });
    const extra = [
      incident("incident.opened", "INC-1", now - 40 * DAY),
      incident("incident.resolved", "INC-1", now - 38 * DAY),
      incident("incident.opened", "INC-2", now - 35 * DAY),
      { ...incident("role.grant", "r", now - 2 * DAY), category: "authorization" as const },
    ];
    const { home, seqs } = await seededStore([...days, ...extra]);
    const r = await report(home, "soc2", 45);
    assert.deepEqual(flagged(r), { "CC7.4": "gap" });
    const f = finding(r, "CC7.4");
    assert.deepEqual(f.evidenceSeqs, [seqs[days.length + 2]]);
    assert.match(f.detail, /1 incidents have no resolution after 30 days/);
  });

  test("HIPAA: a complete store meets both controls", async () => {
    const { home } = await seededStore(noons(14).flatMap((t) => pciDay(t)));
    const r = await report(home, "hipaa", 14);
    assert.deepEqual(flagged(r), {});
    assert.deepEqual([...statuses(r).keys()], ["164.312(b)", "164.308(a)(1)(ii)(D)"]);
  });

  test("GDPR: plain personal values and an overdue erasure request are flagged with their seqs", async () => {
    const person = (email: string, t: number): AuditEventInput => ({
      action: "crm.update",
      category: "data",
      outcome: "success",
      actor: { id: "svc", type: "service" },
      target: { type: "person", id: "p" },
      details: { email },
      timestamp: at(t),
    });
    const erasure = (action: string, subject: string, t: number): AuditEventInput => ({
      action,
      category: "data",
      outcome: "success",
      actor: { id: "dpo", type: "user" },
      target: { type: "subject", id: subject },
      timestamp: at(t),
    });
    const events: AuditEventInput[] = [
      ...Array.from({ length: 19 }, (_, i) => person(`psn:tok${i}abcdefgh`, now - (i + 1) * HOUR)),
      person("jane@example.com", now - 30 * HOUR),
      erasure("privacy.erasure_requested", "subject-1", now - 50 * DAY),
      erasure("privacy.erasure_completed", "subject-1", now - 45 * DAY),
      erasure("privacy.erasure_requested", "subject-2", now - 40 * DAY),
    ];
    const { home, seqs } = await seededStore(events);
    const r = await report(home, "gdpr", 60, true);
    assert.deepEqual(flagged(r), { "Art. 25, 32(1)(a)": "partial", "Art. 17, 12(3)": "gap" });
    assert.deepEqual(finding(r, "Art. 25,").evidenceSeqs, [seqs[19]]);
    assert.match(finding(r, "Art. 25,").detail, /1 of 20 values of details\.email are not pseudonymized/);
    assert.deepEqual(finding(r, "Art. 17,").evidenceSeqs, [seqs[22]]);
  });
});

/** The status of every control of `framework` over a store holding `events`, with the seqs stored. */
async function statusesOf(
  events: readonly AuditEventInput[],
  framework: string,
  days = 14,
): Promise<{ all: Map<string, string>; report: Report; seqs: number[] }> {
  const { home, seqs } = await seededStore(events);
  const r = await report(home, framework, days);
  return { all: statuses(r), report: r, seqs };
}

/** An event `hoursAgo` hours back, with every field 10.2.2 asks for. */
function event(action: string, hoursAgo: number, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    action,
    outcome: "success",
    actor: alice,
    target,
    source: host,
    timestamp: at(now - hoursAgo * HOUR),
    ...extra,
  };
}

describe("what counts as evidence", () => {
  test("an unknown domain is category other: a review alone does not meet 10.2.1.7; creations and deletions of system objects do", async () => {
    const review = await statusesOf([event("audit_log.review", 2)], "pci-dss");
    assert.equal(review.all.get("10.2.1.7"), "gap");
    const stored = await report((await seededStore([event("audit_log.review", 2)])).home, "pci-dss", 14);
    const cited = stored.sections.find((s) => s.id === "control-10-2-1-7");
    assert.ok(cited, "the control has a section");
    const lifecycle = await statusesOf(
      [
        event("service.start", 3, { category: "system" }),
        event("process.restart", 2, { category: "system" }),
      ],
      "pci-dss",
    );
    assert.equal(lifecycle.all.get("10.2.1.7"), "gap", "system events that create or delete nothing");
    const created = await statusesOf(
      [
        event("service.create", 3, { category: "system" }),
        event("process.deleted", 2, { category: "system" }),
      ],
      "pci-dss",
    );
    assert.equal(created.all.get("10.2.1.7"), "met");
  });

  test("credential and privilege changes recorded outside category account meet 10.2.1.5, CC6.2 and CC6.3", async () => {
    const credential = [
      event("apikey.create", 4, { category: "authentication" }),
      event("iam.password_change", 3),
    ];
    const pci = await statusesOf(credential, "pci-dss");
    assert.equal(pci.all.get("10.2.1.5"), "met");
    const soc2 = await statusesOf([...credential, event("iam.role_grant", 2)], "soc2");
    assert.equal(soc2.all.get("CC6.2"), "met");
    assert.equal(soc2.all.get("CC6.3"), "met");
    const privilege = await statusesOf([event("db.privilege_grant", 2)], "pci-dss");
    assert.equal(privilege.all.get("10.2.1.5"), "met", "an elevation of privilege is a credential change");
  });

  test("reads of accounts, sign-ins and refused requests are no changes of accounts or rights", async () => {
    const events = [
      event("user.view", 5, { category: "account" }),
      event("user.list", 4),
      event("user.login", 3),
      event("role.view", 3),
      event("authz.access_denied", 2, { category: "authorization", outcome: "failure" }),
    ];
    const pci = await statusesOf(events, "pci-dss");
    assert.equal(pci.all.get("10.2.1.5"), "gap");
    const refused = await statusesOf(events.slice(-1), "pci-dss");
    assert.equal(refused.all.get("10.2.1.2"), "gap", "a refused request is no administrative action");
    const soc2 = await statusesOf(events, "soc2");
    assert.equal(soc2.all.get("CC6.2"), "gap");
    assert.equal(soc2.all.get("CC6.3"), "gap");
  });

  test("a blank actor.id identifies no one: not an individual's access, change or review, and 10.2.2 lacks it", async () => {
    const nobody = { id: " \t", type: "user", ip: "10.0.0.7" } as const;
    const events = [
      event("record.read", 5, { category: "data", actor: nobody }),
      event("user.create", 4, { category: "account", actor: { ...nobody, id: "" } }),
      event("config.update", 3, { category: "configuration", actor: nobody }),
      event("audit_log.review", 2, { actor: nobody }),
    ];
    const { all, report: r, seqs } = await statusesOf(events, "pci-dss");
    assert.equal(all.get("10.2.1.1"), "gap");
    assert.equal(all.get("10.2.1.2"), "gap");
    assert.equal(all.get("10.2.1.5"), "gap");
    assert.equal(all.get("10.2.2"), "gap");
    const f = finding(r, "10.2.2");
    assert.match(f.detail, /^4 of \d+ events \([\d.]+ %\) lack User identification \(actor\.id\)/);
    assert.deepEqual(
      [...(f.evidenceSeqs ?? [])].sort((a, b) => a - b),
      seqs,
    );
    const soc2 = await statusesOf(events, "soc2", 14);
    assert.equal(soc2.all.get("CC6.2"), "gap");
  });

  test("the log's records of itself (starts, reads) do not show that the systems in scope log, nor an access to it", async () => {
    const own = noons(14).flatMap((t) => [
      { ...event("audit_log.start", 0, { category: "system" }), timestamp: at(t) },
      { ...event("audit_log.query", 0, { category: "access" }), timestamp: at(t + 60_000) },
    ]);
    const pci = await statusesOf(own, "pci-dss");
    assert.equal(pci.all.get("10.2.1"), "gap");
    assert.equal(pci.all.get("10.2.1.3"), "met", "a read through the server is an access to the log");
    assert.equal(pci.all.get("10.2.1.1"), "gap", "a read of the audit log is no access to cardholder data");
    const started = await statusesOf([event("audit_log.start", 2, { category: "system" })], "pci-dss");
    assert.equal(started.all.get("10.2.1.3"), "gap", "a start is no access to the log");
    const soc2 = await statusesOf(own, "soc2");
    assert.equal(soc2.all.get("CC7.2"), "gap");
  });
});

/** The summary's figure `label`. */
function summaryFigure(r: Report, label: string): unknown {
  const summary = r.sections.find((s) => s.id === "summary");
  return summary?.blocks
    .flatMap((b) => (b.kind === "figures" ? b.figures : []))
    .find((f) => f.label === label)?.value;
}

describe("evidence that needs more history than the log holds", () => {
  test("10.5.1 on a log younger than twelve months is not yet demonstrable, never met, and the summary counts it so", async () => {
    const { home } = await seededStore(noons(14).flatMap((t) => pciDay(t)));
    const received = Date.now();
    const r = await report(home, "pci-dss", 14, false, Date.now());
    assert.equal(statuses(r).get("10.5.1"), "not yet demonstrable");
    assert.deepEqual(flagged(r), { "10.5.1": "not yet demonstrable" });
    assert.equal(summaryFigure(r, "Met"), 11);
    assert.equal(summaryFigure(r, "Not yet demonstrable"), 1);
    assert.equal(summaryFigure(r, "Met of applicable"), Math.round((11 / 12) * 10_000) / 100);
    const f = finding(r, "10.5.1");
    assert.equal(f.severity, "low");
    assert.equal(f.title, "10.5.1 Audit log history is retained: not yet demonstrable");
    const from = new Date(received + 365 * DAY).toISOString().slice(0, 10);
    assert.match(
      f.detail,
      new RegExp(
        `^365 days of retention cannot be shown from 0 days of history; the log can show it from ${from}\\.$`,
      ),
    );
    const chart = r.sections
      .find((s) => s.id === "controls")
      ?.blocks.find((b) => b.kind === "chart") as ChartBlock;
    assert.deepEqual(
      chart.points.find((p) => p.label === "not yet demonstrable"),
      { label: "not yet demonstrable", value: 1 },
    );
  });

  test("the same log judged at a period ending a year and a day later shows twelve months: met", async () => {
    const { home } = await seededStore([event("record.read", 1, { category: "data" })]);
    const r = await report(home, "pci-dss", 30, false, Date.now() + 366 * DAY);
    assert.equal(statuses(r).get("10.5.1"), "met");
  });

  test("weekly reviews are judged once a whole week of log has passed; before, not yet demonstrable", async () => {
    const daysAgo = (k: number) => Math.floor(now / DAY) * DAY - k * DAY + 12 * HOUR;
    const reviews = (days: number[]) =>
      days.map((k) => ({
        ...event("audit_log.review", 0, { category: "access" }),
        timestamp: at(daysAgo(k)),
      }));
    const young = await statusesOf(reviews([4, 3, 2, 1]), "hipaa");
    assert.equal(young.all.get("164.308(a)(1)(ii)(D)"), "not yet demonstrable");
    const weeks = await statusesOf(reviews([13, 12, 5]), "hipaa");
    assert.equal(weeks.all.get("164.308(a)(1)(ii)(D)"), "met", "the week since the log began has a review");
  });

  test("every format shows the status: JSON, CSV, Markdown, HTML, PDF and XLSX", async () => {
    const { home } = await seededStore(noons(3).flatMap((t) => pciDay(t)));
    const r = await report(home, "pci-dss", 3, false, Date.now());
    assert.equal(statuses(r).get("10.5.1"), "not yet demonstrable");
    const text = async (format: string) => (await renderBytes(rendererFor(format), r)).toString("utf8");
    const json = JSON.parse(await text("json")) as Report;
    assert.equal(statuses(json).get("10.5.1"), "not yet demonstrable");
    const rows = parseCsv(await text("csv"), { columns: true }) as Array<Record<string, string>>;
    const row = rows.find((c) => c.section === "controls" && c.column === "control" && c.value === "10.5.1");
    assert.equal(
      rows.find((c) => c.row === row?.row && c.column === "status" && c.section === "controls")?.value,
      "not yet demonstrable",
    );
    assert.match(
      await text("markdown"),
      /\| 10\.5\.1 \| Audit log history is retained \| not yet demonstrable \|/,
    );
    const html = await text("html");
    assert.match(html, /10\.5\.1 Audit log history is retained: not yet demonstrable/);
    assert.match(html, /Not yet demonstrable/);
    const pdf = join(tempDir(), "pci.pdf");
    writeFileSync(pdf, await renderBytes(rendererFor("pdf"), r));
    const pdfText = execFileSync("pdftotext", ["-raw", pdf, "-"], { encoding: "utf8" });
    assert.match(pdfText, /10\.5\.1 Audit log history is retained: not yet demonstrable/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await renderBytes(rendererFor("xlsx"), r)) as unknown as ExcelJS.Buffer);
    const controlsSheet = workbook.getWorksheet("Controls");
    assert.ok(controlsSheet, workbook.worksheets.map((w) => w.name).join(", "));
    const cells: string[][] = [];
    controlsSheet.eachRow((xlsxRow) => {
      cells.push((xlsxRow.values as unknown[]).slice(1).map(String));
    });
    assert.equal(cells.find((c) => c[0] === "10.5.1")?.[2], "not yet demonstrable");
  });
});

describe("control maps", () => {
  test("the built-in frameworks load, each control with at least one check", () => {
    assert.deepEqual([...FRAMEWORKS.keys()], ["soc2", "hipaa", "pci-dss", "gdpr"]);
    assert.deepEqual(
      loadControlMap("soc2").controls.map((c) => c.id),
      ["CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC7.3", "CC7.4"],
    );
    const pci = loadControlMap("pci-dss").controls.map((c) => c.id);
    for (const id of ["10.2.1.1", "10.2.1.2", "10.2.1.3", "10.2.1.4", "10.2.1.5", "10.2.1.6", "10.2.1.7"])
      assert.ok(pci.includes(id), id);
    for (const id of ["10.2.2", "10.3", "10.4.1", "10.5.1"]) assert.ok(pci.includes(id), id);
  });

  const base = {
    framework: "mine",
    title: "Mine",
    version: "1",
    scope: "test",
    controls: [
      {
        id: "A.1",
        title: "A",
        requirement: "r",
        checks: [{ kind: "recorded", describe: "x", filter: ["action=a"] }],
      },
    ],
  };
  const broken: Array<[string, (m: typeof base) => unknown, RegExp]> = [
    [
      "an unknown check kind",
      (m) => ({ ...m, controls: [{ ...m.controls[0], checks: [{ kind: "vibes", describe: "x" }] }] }),
      /^mine\.json: controls\[0\]\.checks\[0\]\.kind: expected one of recorded, complete/,
    ],
    [
      "a bad filter expression",
      (m) => ({
        ...m,
        controls: [
          { ...m.controls[0], checks: [{ kind: "recorded", describe: "x", filter: ["severity>=loud"] }] },
        ],
      }),
      /^mine\.json: controls\[0\]\.checks\[0\]\.filter\[0\]: filter "severity>=loud": severity: expected one of emergency, /,
    ],
    [
      "a missing requirement",
      (m) => ({ ...m, controls: [{ id: "A.1", title: "A", checks: m.controls[0]?.checks }] }),
      /^mine\.json: controls\[0\]\.requirement: expected a non-empty text \(it is required\), got nothing$/,
    ],
    [
      "an unknown field",
      (m) => ({ ...m, owner: "me" }),
      /^mine\.json: owner: expected one of the keys framework, title, version, scope, controls, got unknown key "owner"$/,
    ],
    [
      "a duplicate control id",
      (m) => ({ ...m, controls: [m.controls[0], m.controls[0]] }),
      /^mine\.json: controls\[1\]\.id: "A\.1" appears twice/,
    ],
    [
      "a filter selecting category other",
      (m) => ({
        ...m,
        controls: [
          {
            ...m.controls[0],
            checks: [{ kind: "recorded", describe: "x", filter: ["category=other,system"] }],
          },
        ],
      }),
      /^mine\.json: controls\[0\]\.checks\[0\]\.filter\[0\]: "category=other,system" selects category other, .* name the actions that count instead \(actions\)$/,
    ],
    [
      "actions on an integrity check",
      (m) => ({
        ...m,
        controls: [
          { ...m.controls[0], checks: [{ kind: "integrity", describe: "x", actions: ["*.create"] }] },
        ],
      }),
      /^mine\.json: controls\[0\]\.checks\[0\]\.actions: expected nothing here: actions, not_actions and attributable belong to recorded, complete, regular and pseudonymized checks, got a list$/,
    ],
    [
      "an action glob with a space",
      (m) => ({
        ...m,
        controls: [
          { ...m.controls[0], checks: [{ kind: "recorded", describe: "x", actions: ["user create"] }] },
        ],
      }),
      /^mine\.json: controls\[0\]\.checks\[0\]\.actions\[0\]: expected an action name, \* standing for any run of characters \(user\.create, \*\.delete, \*\.mfa_\*\), got "user create"$/,
    ],
    [
      "a recorded check with neither filter nor actions",
      (m) => ({
        ...m,
        controls: [{ ...m.controls[0], checks: [{ kind: "recorded", describe: "x", attributable: true }] }],
      }),
      /^mine\.json: controls\[0\]\.checks\[0\]\.filter: expected a list of at least 1 item \(it is required\), got nothing$|checks\[0\]\.filter: expected .*\(it is required\), got nothing$/,
    ],
    [
      "a resolved check without its match field",
      (m) => ({
        ...m,
        controls: [
          {
            ...m.controls[0],
            checks: [
              {
                kind: "resolved",
                describe: "x",
                requests: ["action=a"],
                resolutions: ["action=b"],
                within_days: 3,
              },
            ],
          },
        ],
      }),
      /checks\[0\]\.match: expected a text matching .* \(it is required\), got nothing$/,
    ],
  ];
  for (const [what, mutate, message] of broken) {
    test(`a control map with ${what} is refused, naming the field`, () => {
      assert.throws(
        () => parseControlMap(mutate(structuredClone(base)), "mine.json"),
        (e: unknown) =>
          e instanceof SealtrailError && e.code === "ST_ERR_CONFIG_INVALID" && message.test(e.message),
      );
    });
  }

  test("the CLI renders a framework, takes a control map file, and refuses an unknown framework", async () => {
    const { home } = await seededStore(noons(3).flatMap((t) => pciDay(t, new Set(["user.create"]))));
    const json = JSON.parse(
      cli([
        "report",
        "--home",
        home,
        "--type",
        "compliance",
        "--framework",
        "pci-dss",
        "--period",
        "3d",
        "--format",
        "json",
      ]).stdout,
    ) as Report;
    // The log is minutes old: it cannot show twelve months of retention.
    assert.deepEqual(flagged(json), { "10.2.1.5": "gap", "10.5.1": "not yet demonstrable" });
    assert.equal(json.provenance.auditLevel, "standard");
    const minimal = JSON.parse(
      cli([
        "report",
        "--home",
        home,
        "--type",
        "compliance",
        "--framework",
        "pci-dss",
        "--level",
        "minimal",
        "--format",
        "json",
      ]).stdout,
    ) as Report;
    assert.equal(
      minimal.provenance.auditLevel,
      "minimal",
      "the report states the audit level it was asked for",
    );

    const mapFile = join(tempDir(), "mine.json");
    writeFileSync(mapFile, JSON.stringify(base));
    const custom = JSON.parse(
      cli([
        "report",
        "--home",
        home,
        "--type",
        "compliance",
        "--framework",
        mapFile,
        "--period",
        "3d",
        "--format",
        "json",
      ]).stdout,
    ) as Report;
    assert.deepEqual(Object.fromEntries(statuses(custom)), { "A.1": "gap" });

    const unknown = runCli(["report", "--home", home, "--type", "compliance", "--framework", "iso9001"]);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /--framework: expected one of soc2, hipaa, pci-dss, gdpr or the path of a control map/,
    );
  });
});

describe("the compliance report type", () => {
  test("report --list and GET /v1/reports offer it, after the built-in types", async () => {
    const listed = cli(["report", "--list"])
      .stdout.split("\n")
      .map((line) => /^(\S+) {2}\(default period/.exec(line)?.[1])
      .filter((id) => id !== undefined);
    assert.equal(listed.at(-1), "compliance");
    assert.ok(listed.includes("activity-daily") && listed.length > 2, listed.join(", "));
    const server = await startTestServer();
    try {
      const auditor = await server.key("auditor");
      const res = await server.app.inject({ method: "GET", url: "/v1/reports", headers: auditor.headers });
      assert.equal(res.statusCode, 200);
      const types = (res.json() as { types: { id: string; default_period: string }[] }).types;
      assert.deepEqual(
        types.map((t) => t.id),
        listed,
      );
      assert.equal(types.at(-1)?.default_period, "90d");
    } finally {
      await server.close();
    }
  });
});

describe("the PCI DSS report read by other readers", () => {
  const POPPLER = spawnSync("pdftotext", ["-v"]).error === undefined;
  const PYTHON = "/usr/bin/python3";
  const OPENPYXL = spawnSync(PYTHON, ["-c", "import openpyxl"]).status === 0;
  const CHROMIUM = "/usr/bin/chromium";
  const READ_XLSX = fileURLToPath(new URL("../../test/read-xlsx.py", import.meta.url));
  let home = "";
  let out = "";
  const render = (format: string): string => {
    const file = join(out, `pci.${format}`);
    cli(
      ["report", "--home", home, "--type", "compliance", "--framework", "pci-dss", "--period", "3d"].concat([
        "--format",
        format,
        "--out",
        file,
      ]),
    );
    return file;
  };

  // Seeded with one gap: no account changes.
  before(async () => {
    home = (await seededStore(noons(3).flatMap((t) => pciDay(t, new Set(["user.create"]))))).home;
    out = tempDir();
  });

  test("CSV through csv-parse: the gap's row and every control", () => {
    const rows = parseCsv(readFileSync(render("csv")), { columns: true }) as Array<Record<string, string>>;
    // Table cells only (not the header row): one per control and column.
    const cells = rows.filter(
      (r) => r.section === "controls" && r.kind === "table" && /^\d+$/.test(r.row ?? ""),
    );
    const controls = cells.filter((r) => r.column === "control").map((r) => r.value);
    assert.equal(controls.length, 12);
    const gapRow = cells.find((r) => r.column === "control" && r.value === "10.2.1.5");
    const status = cells.find((r) => r.row === gapRow?.row && r.column === "status");
    assert.equal(status?.value, "gap");
  });

  test("PDF through pdftotext and pdftoppm", {
    skip: POPPLER ? false : "poppler-utils not installed",
  }, () => {
    const file = render("pdf");
    const text = execFileSync("pdftotext", ["-raw", file, "-"], { encoding: "utf8" });
    assert.match(text, /10\.2\.1\.5 Changes to identification and authentication credentials: gap/);
    assert.match(text, /No attributed account, credential and privilege changes were recorded in the period/);
    execFileSync("pdftoppm", ["-r", "30", "-png", file, join(out, "page")]);
    assert.ok(existsSync(join(out, "page-1.png")) || existsSync(join(out, "page-01.png")), "pages rendered");
  });

  test("XLSX through openpyxl: a sheet per section, a row per control", {
    skip: OPENPYXL ? false : "openpyxl not installed",
  }, () => {
    const run = spawnSync(PYTHON, [READ_XLSX], { input: readFileSync(render("xlsx")) });
    assert.equal(run.status, 0, run.stderr.toString());
    const { sheets } = JSON.parse(run.stdout.toString()) as {
      sheets: Array<{ name: string; rows: unknown[][] }>;
    };
    assert.equal(sheets.length, 1 + 2 + 12, sheets.map((s) => s.name).join(", "));
    const controls = sheets.find((s) => s.name === "Controls");
    const gapRow = controls?.rows.find((r) => r[0] === "10.2.1.5");
    assert.equal(gapRow?.[2], "gap");
  });

  test("HTML in Chromium: no errors, the status chart drawn, the gap shown", {
    skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed`,
  }, async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : undefined));
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(pathToFileURL(render("html")).href, { waitUntil: "load" });
      assert.deepEqual(errors, []);
      assert.ok((await page.locator("svg").count()) >= 1, "the controls-by-status chart");
      assert.match(
        (await page.textContent("body")) ?? "",
        /10\.2\.1\.5 Changes to identification and authentication credentials: gap/,
      );
      await page.screenshot({ path: join(out, "pci.png"), fullPage: true });
      assert.ok(existsSync(join(out, "pci.png")));
    } finally {
      await browser.close();
    }
  });

  test("Markdown and JSON state the same statuses", () => {
    const markdown = readFileSync(render("markdown"), "utf8");
    assert.match(
      markdown,
      /\| 10\.2\.1\.5 \| Changes to identification and authentication credentials \| gap \|/,
    );
    const json = JSON.parse(readFileSync(render("json"), "utf8")) as Report;
    // The log is minutes old: it cannot show twelve months of retention.
    assert.deepEqual(flagged(json), { "10.2.1.5": "gap", "10.5.1": "not yet demonstrable" });
  });
});
