/**
 * Scheduled reports end to end: a real store (SQLite in a temporary home), real channels from
 * `parseChannels`, and real receivers on 127.0.0.1 — an SMTP server (smtp-server, messages
 * parsed by mailparser), a Standard Webhooks endpoint (signatures verified by the
 * `standardwebhooks` package), a Discord webhook that reads the multipart upload, Slack and
 * Teams. Time is a clock of the test's own: no test waits for a cron minute.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { AlertChannel } from "../src/alerting/channels/alert-channel.js";
import { parseChannels } from "../src/alerting/channels/parse-channels.js";
import { AuditLog } from "../src/audit-log.js";
import { isSealtrailError } from "../src/errors.js";
import type { AuditEvent } from "../src/event/audit-event.js";
import { cronTiming } from "../src/schedules/cron-timing.js";
import { parseSchedules } from "../src/schedules/parse-schedules.js";
import { REPORT_SCHEDULED, runsOf } from "../src/schedules/report-events.js";
import { type ReportSchedule, runId } from "../src/schedules/report-schedule.js";
import { ReportScheduler, type SchedulerClock } from "../src/schedules/report-scheduler.js";
import { removeTempDirs, tempDir } from "./cli-harness.js";
import { type DiscordForm, readDiscordForm, startDiscordReceiver } from "./receivers/discord-receiver.js";
import type { HttpReceiver } from "./receivers/http-receiver.js";
import { textAnswer } from "./receivers/http-receiver.js";
import { startSlackReceiver } from "./receivers/slack-receiver.js";
import { type SmtpReceiver, startSmtpReceiver } from "./receivers/smtp-receiver.js";
import { startTeamsReceiver } from "./receivers/teams-receiver.js";
import {
  newWebhookSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./receivers/webhook-receiver.js";

const FILE = "/etc/sealtrail/sealtrail.yaml";
const H = 3_600_000;
const D = 24 * H;
const SMTP = { user: "reports", pass: "smtp-pa55-do-not-log" };

/** A clock that moves only when told; timers fire as it passes them. */
class ManualClock implements SchedulerClock {
  #now: number;
  #timers: { at: number; fn: () => void }[] = [];

  constructor(now: number) {
    this.#now = now;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves `ms` ahead, firing each timer reached, earliest first, at its own instant. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.fn();
    }
    this.#now = target;
  }

  /**
   * Jumps `ms` ahead at once (a machine that was suspended), then fires the timers that came due
   * meanwhile, each once, at the new instant.
   */
  jump(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.at <= this.#now);
    this.#timers = this.#timers.filter((t) => t.at > this.#now);
    for (const t of due) t.fn();
  }

  /** Timers waiting. */
  get pending(): number {
    return this.#timers.length;
  }
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A store with a week of events before `end`: sign-ins (some failed) and reads. */
async function seededLog(end: number): Promise<{ log: AuditLog; home: string }> {
  const home = tempDir("sealtrail-schedules-");
  await AuditLog.init({ home, origin: "schedules.example/test" });
  const log = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
  for (let i = 0; i < 40; i++) {
    await log.append({
      action: i % 4 === 0 ? "user.login" : "document.read",
      actor: { id: `user-${i % 5}`, type: "user" },
      outcome: i % 7 === 0 ? "failure" : "success",
      timestamp: new Date(end - 8 * D + i * 4 * H).toISOString(),
    });
  }
  return { log, home };
}

/** The recorded runs of `schedule`, oldest first. */
async function recordedRuns(log: AuditLog, schedule: string): Promise<AuditEvent[]> {
  const page = await log.query(runsOf(schedule), { limit: 100, order: "asc" });
  return page.events;
}

/** A run's recorded details. */
function detailsOf(event: AuditEvent): Record<string, unknown> & {
  report: Record<string, unknown>;
  deliveries: Record<string, unknown>[];
  file?: Record<string, unknown>;
} {
  return event.details as never;
}

after(() => removeTempDirs());

describe("a schedule due now runs and reaches every target", () => {
  // Monday 23 November 2026, 07:00 in Paris (06:00 UTC).
  const planned = Date.UTC(2026, 10, 23, 6, 0);
  let log: AuditLog;
  let smtp: SmtpReceiver;
  let hook: WebhookReceiver;
  let discord: HttpReceiver;
  let slack: HttpReceiver;
  let teams: HttpReceiver;
  let secret = "";
  let channels: Map<string, AlertChannel>;
  let directory = "";
  let recorded: AuditEvent;

  before(async () => {
    ({ log } = await seededLog(planned));
    smtp = await startSmtpReceiver(SMTP);
    secret = newWebhookSecret();
    hook = await startWebhookReceiver([secret]);
    discord = await startDiscordReceiver();
    slack = await startSlackReceiver();
    teams = await startTeamsReceiver();
    directory = join(tempDir("sealtrail-schedule-files-"), "reports");
    channels = parseChannels(
      {
        "ops-mail": {
          type: "email",
          smtp: { host: smtp.host, port: smtp.port, secure: false, auth: SMTP },
          from: "Sealtrail <reports@example.com>",
          to: ["security@example.com"],
        },
        siem: { type: "webhook", url: hook.url, secret },
        "sec-discord": { type: "discord", url: discord.url },
        "sec-slack": { type: "slack", url: slack.url },
        "sec-teams": { type: "teams", url: teams.url },
      },
      { file: FILE },
    );
    const schedules = parseSchedules(
      [
        {
          name: "weekly-access",
          cron: "0 7 * * 1",
          time_zone: "Europe/Paris",
          report: "activity-weekly",
          format: "pdf",
          options: { since: "7d" },
          channels: ["ops-mail", "siem", "sec-discord", "sec-slack", "sec-teams"],
          file: { directory, public_url: "https://reports.example.com/sealtrail" },
        },
      ],
      { file: FILE, channels },
    );
    const clock = new ManualClock(planned - 1_000);
    const scheduler = new ReportScheduler({ log, channels, schedules, clock });
    await scheduler.start();
    // Nothing had run before: nothing was missed, and nothing runs before its time.
    assert.equal((await recordedRuns(log, "weekly-access")).length, 0);
    assert.equal(scheduler.states()[0]?.next, planned);
    clock.advance(1_000);
    await scheduler.idle();
    await scheduler.stop();
    const runs = await recordedRuns(log, "weekly-access");
    assert.equal(runs.length, 1);
    recorded = runs[0] as AuditEvent;
  });

  after(async () => {
    await log.close();
    await smtp.close();
    await Promise.all([hook, discord, slack, teams].map((r) => r.close()));
  });

  test("the run is recorded: planned instant, the window ending there, the file's size and SHA-256, each channel", () => {
    assert.equal(recorded.action, REPORT_SCHEDULED);
    assert.equal(recorded.outcome, "success", JSON.stringify(recorded.details));
    assert.deepEqual(recorded.actor, { id: "sealtrail.reports", type: "system" });
    const details = detailsOf(recorded);
    assert.equal(details.schedule, "weekly-access");
    assert.equal(details.planned_at, new Date(planned).toISOString());
    assert.equal(details.time_zone, "Europe/Paris");
    assert.equal(details.report.type, "activity-weekly");
    assert.equal(details.report.format, "pdf");
    assert.equal(details.report.file_name, "weekly-access-2026-11-23.pdf");
    assert.equal(details.report.since, new Date(planned - 7 * D).toISOString());
    assert.equal(details.report.until, new Date(planned).toISOString());
    assert.match(String(details.report.sha256), /^[0-9a-f]{64}$/);
    assert.deepEqual(
      details.deliveries.map((d) => [d.channel, d.ok, d.attempts]),
      [
        ["ops-mail", true, 1],
        ["siem", true, 1],
        ["sec-discord", true, 1],
        ["sec-slack", true, 1],
        ["sec-teams", true, 1],
      ],
    );
    assert.deepEqual(details.file, { path: join(directory, "weekly-access-2026-11-23.pdf"), ok: true });
    // No secret of any channel is in the record.
    const text = JSON.stringify(recorded);
    for (const s of [SMTP.pass, secret, new URL(slack.url).pathname, new URL(discord.url).pathname]) {
      assert.ok(!text.includes(s), `the record holds a secret: ${s.slice(0, 12)}…`);
    }
  });

  test("the email arrives with the report attached: its bytes' SHA-256 is the recorded one", () => {
    assert.equal(smtp.messages.length, 1);
    const { mail, user } = smtp.messages[0] as SmtpReceiver["messages"][number];
    assert.equal(user, SMTP.user);
    assert.match(String(mail.subject), /^Report: .+ \(weekly-access\)$/);
    assert.equal(
      mail.messageId,
      `<${runId({ name: "weekly-access" } as ReportSchedule, planned)}@sealtrail>`,
    );
    assert.equal(mail.attachments.length, 1);
    const attachment = mail.attachments[0] as (typeof mail.attachments)[number];
    assert.equal(attachment.filename, "weekly-access-2026-11-23.pdf");
    assert.equal(attachment.contentType, "application/pdf");
    assert.equal(attachment.content.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.equal(sha256(attachment.content), detailsOf(recorded).report.sha256);
    assert.equal(attachment.content.length, detailsOf(recorded).report.size);
    // The bodies summarise the report: its period and the file.
    assert.match(String(mail.text), /Period: +2026-11-16T06:00:00Z to 2026-11-23T06:00:00Z/);
    assert.match(String(mail.text), /The report is attached \(weekly-access-2026-11-23\.pdf\)/);
    assert.match(String(mail.html), /weekly-access-2026-11-23\.pdf/);
  });

  test("the file target holds the same bytes", () => {
    assert.deepEqual(readdirSync(directory), ["weekly-access-2026-11-23.pdf"]);
    const bytes = readFileSync(join(directory, "weekly-access-2026-11-23.pdf"));
    assert.equal(sha256(bytes), detailsOf(recorded).report.sha256);
  });

  test("the webhook's signature verifies, and its body carries the file as documented", () => {
    assert.equal(hook.requests.length, 1);
    assert.deepEqual(hook.invalid(), []);
    const request = hook.requests[0] as WebhookReceiver["requests"][number];
    assert.equal(request.status, 204);
    assert.deepEqual(hook.verifiedWith, [[0]]);
    assert.equal(request.headers["webhook-id"], runId({ name: "weekly-access" } as ReportSchedule, planned));
    const body = request.json as {
      type: string;
      schedule: string;
      planned_at: string;
      report: Record<string, unknown>;
    };
    assert.equal(body.type, "report.scheduled");
    assert.equal(body.schedule, "weekly-access");
    assert.equal(body.planned_at, new Date(planned).toISOString());
    assert.equal(body.report.sha256, detailsOf(recorded).report.sha256);
    assert.equal(body.report.url, "https://reports.example.com/sealtrail/weekly-access-2026-11-23.pdf");
    const content = Buffer.from(String(body.report.content_base64), "base64");
    assert.equal(sha256(content), detailsOf(recorded).report.sha256);
  });

  test("Discord receives the report as a multipart upload", async () => {
    assert.equal(discord.requests.length, 1);
    assert.deepEqual(discord.invalid(), []);
    const request = discord.requests[0] as HttpReceiver["requests"][number];
    assert.equal(request.status, 204);
    assert.match(String(request.headers["content-type"]), /^multipart\/form-data; boundary=/);
    const form: DiscordForm = await readDiscordForm(request);
    assert.equal(form.files.length, 1);
    const file = form.files[0] as DiscordForm["files"][number];
    assert.equal(file.field, "files[0]");
    assert.equal(file.fileName, "weekly-access-2026-11-23.pdf");
    assert.equal(sha256(file.bytes), detailsOf(recorded).report.sha256);
    const payload = form.payload as { attachments: { id: number; filename: string }[]; embeds: unknown[] };
    assert.deepEqual(
      payload.attachments.map((a) => [a.id, a.filename]),
      [[0, "weekly-access-2026-11-23.pdf"]],
    );
    assert.equal(payload.embeds.length, 1);
  });

  test("Slack and Teams, which take no files, get the summary and the link", () => {
    for (const receiver of [slack, teams]) {
      assert.equal(receiver.requests.length, 1);
      assert.deepEqual(receiver.invalid(), []);
    }
    const link = "https://reports.example.com/sealtrail/weekly-access-2026-11-23.pdf";
    const slackBody = (slack.requests[0] as HttpReceiver["requests"][number]).body;
    assert.ok(slackBody.includes(`<${link}|weekly-access-2026-11-23.pdf>`), slackBody);
    assert.match(slackBody, /cannot carry files/);
    const card = (teams.requests[0] as HttpReceiver["requests"][number]).json as {
      attachments: { content: { actions: { type: string; url: string }[] } }[];
    };
    assert.deepEqual(card.attachments[0]?.content.actions, [
      { type: "Action.OpenUrl", title: "Open the report", url: link },
    ]);
  });
});

describe("a missed run", () => {
  // Daily at 06:00 in Paris (05:00 UTC in winter); the server comes back on 20 November at 10:00 UTC.
  const now = Date.UTC(2026, 10, 20, 10, 0);
  const lastSlot = Date.UTC(2026, 10, 20, 5, 0);
  let log: AuditLog;
  let directory = "";
  let schedules: ReportSchedule[];

  before(async () => {
    ({ log } = await seededLog(now));
    directory = tempDir("sealtrail-schedule-missed-");
    schedules = parseSchedules(
      [
        {
          name: "daily",
          cron: "0 6 * * *",
          time_zone: "Europe/Paris",
          report: "activity-daily",
          format: "json",
          file: { directory, name: "{name}-{date}-{time}.{ext}" },
        },
        {
          name: "never-ran",
          cron: "0 6 * * *",
          time_zone: "Europe/Paris",
          report: "activity-daily",
          format: "csv",
          file: { directory },
        },
      ],
      { file: FILE, channels: new Map() },
    );
    // The last run recorded is three days old: the runs of the 18th, 19th and 20th were missed.
    await log.append({
      action: REPORT_SCHEDULED,
      outcome: "success",
      actor: { id: "sealtrail.reports", type: "system" },
      details: { schedule: "daily", planned_at: new Date(Date.UTC(2026, 10, 17, 5, 0)).toISOString() },
    });
  });

  after(async () => {
    await log.close();
  });

  test("runs once on start (the latest slot, over the window ending there), and not again on a second start", async () => {
    const clock = new ManualClock(now);
    const first = new ReportScheduler({ log, channels: new Map(), schedules, clock });
    await first.start();
    await first.stop();
    const runs = await recordedRuns(log, "daily");
    assert.equal(runs.length, 2, "one run for three missed slots");
    const details = detailsOf(runs[1] as AuditEvent);
    assert.equal(details.planned_at, new Date(lastSlot).toISOString());
    // The report covers the day before its planned instant, not the day before now.
    assert.equal(details.report.since, new Date(lastSlot - D).toISOString());
    assert.equal(details.report.until, new Date(lastSlot).toISOString());
    assert.deepEqual(readdirSync(directory), ["daily-2026-11-20-0600.json"]);
    const written = readFileSync(join(directory, "daily-2026-11-20-0600.json"));
    assert.equal(sha256(written), details.report.sha256);
    assert.equal(JSON.parse(written.toString("utf8")).provenance.period.until, "2026-11-20T05:00:00.000Z");
    // A schedule that never ran has missed nothing.
    assert.equal((await recordedRuns(log, "never-ran")).length, 0);

    const second = new ReportScheduler({
      log,
      channels: new Map(),
      schedules,
      clock: new ManualClock(now + H),
    });
    await second.start();
    assert.deepEqual(
      second.states().map((s) => [s.schedule, s.next, s.last]),
      [
        ["daily", Date.UTC(2026, 10, 21, 5, 0), lastSlot],
        ["never-ran", Date.UTC(2026, 10, 21, 5, 0), undefined],
      ],
    );
    await second.stop();
    assert.equal((await recordedRuns(log, "daily")).length, 2, "the second start ran nothing");
    assert.equal(readdirSync(directory).length, 1);
  });

  test("a timer that wakes after several slots runs the latest one, once", async () => {
    const clock = new ManualClock(now + 2 * H);
    const scheduler = new ReportScheduler({
      log,
      channels: new Map(),
      schedules: [schedules[0] as ReportSchedule],
      clock,
    });
    await scheduler.start();
    assert.equal(clock.pending, 1);
    // Three days pass in one step (a suspended machine): the 21st, 22nd and 23rd are due.
    clock.jump(3 * D);
    await scheduler.idle();
    await scheduler.stop();
    const runs = await recordedRuns(log, "daily");
    assert.equal(runs.length, 3);
    assert.equal(
      detailsOf(runs[2] as AuditEvent).planned_at,
      new Date(Date.UTC(2026, 10, 23, 5, 0)).toISOString(),
    );
  });
});

describe("delivery retries", () => {
  const planned = Date.UTC(2026, 10, 16, 6, 0);
  let log: AuditLog;
  let flaky: WebhookReceiver;
  let down: WebhookReceiver;
  let secret = "";

  before(async () => {
    ({ log } = await seededLog(planned));
    secret = newWebhookSecret();
    flaky = await startWebhookReceiver([secret]);
    down = await startWebhookReceiver([secret]);
  });

  after(async () => {
    await log.close();
    await flaky.close();
    await down.close();
  });

  test("a channel answering 500, then 429 with Retry-After, then 204 is retried; one that stays down is given up", async () => {
    flaky.script(textAnswer(500, "upstream down"), textAnswer(429, "slow down", { "retry-after": "3" }));
    down.override(() => textAnswer(503, "maintenance"));
    const channels = parseChannels(
      {
        flaky: { type: "webhook", url: flaky.url, secret },
        down: { type: "webhook", url: down.url, secret },
      },
      { file: FILE },
    );
    const schedules = parseSchedules(
      [{ name: "weekly", cron: "0 7 * * 1", report: "access", format: "csv", channels: ["flaky", "down"] }],
      { file: FILE, channels },
    );
    const waits: number[] = [];
    const scheduler = new ReportScheduler({
      log,
      channels,
      schedules,
      clock: new ManualClock(planned),
      retry: { maxRetries: 3, baseMs: 10, maxMs: 20 },
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    const run = await scheduler.runNow("weekly");
    assert.deepEqual(
      run.deliveries.map((d) => [d.channel, d.ok, d.attempts, d.status]),
      [
        ["flaky", true, 3, 204],
        ["down", false, 4, 503],
      ],
    );
    // The receiver's Retry-After was honoured (3 s), the backoff bounded by the policy.
    assert.ok(waits.includes(3_000), JSON.stringify(waits));
    assert.ok(
      waits.filter((w) => w !== 3_000).every((w) => w >= 0 && w <= 20),
      JSON.stringify(waits),
    );
    // Every attempt carried the same delivery id; the one accepted had its effect once.
    const ids = new Set(flaky.requests.map((r) => r.headers["webhook-id"]));
    assert.equal(ids.size, 1);
    assert.deepEqual([...flaky.deliveries.values()], [1]);
    assert.equal(down.requests.length, 4);
    const [recorded] = await recordedRuns(log, "weekly");
    assert.ok(recorded);
    assert.equal(recorded.outcome, "failure");
    assert.equal(recorded.error?.code, "delivery_failed");
    assert.match(String(recorded.error?.message), /^down: http:\/\/127\.0\.0\.1:\d+ answered 503/);
    assert.deepEqual(
      detailsOf(recorded).deliveries.map((d) => [d.channel, d.ok, d.attempts]),
      [
        ["flaky", true, 3],
        ["down", false, 4],
      ],
    );
    await scheduler.stop();
  });
});

describe("broken schedules are rejected with the file, the path and what was expected", () => {
  const channels = parseChannels(
    {
      "ops-mail": {
        type: "email",
        smtp: { host: "127.0.0.1", port: 2525 },
        from: "reports@example.com",
        to: ["security@example.com"],
      },
      oncall: { type: "pagerduty", routing_key: "R0UT1NGKEY0000000000000000000000" },
    },
    { file: FILE },
  );
  const good = { name: "weekly", cron: "0 7 * * 1", report: "access", channels: ["ops-mail"] };
  const cases: [string, unknown, string, RegExp][] = [
    [
      "a cron expression that does not parse",
      { ...good, cron: "61 7 * * 1" },
      "cron",
      /^expected a cron expression like "0 7 \* \* 1" .*got "61 7 \* \* 1": Invalid value for minute: 61$/,
    ],
    [
      "a cron expression with six fields",
      { ...good, cron: "0 0 7 * * 1" },
      "cron",
      /^expected a cron expression like "0 7 \* \* 1"/,
    ],
    [
      "an unknown time zone",
      { ...good, time_zone: "Europe/Atlantis" },
      "time_zone",
      /^expected an IANA time zone such as Europe\/Paris.*, got "Europe\/Atlantis"$/,
    ],
    [
      "an unknown report type",
      { ...good, report: "weekly-gossip" },
      "report",
      /^expected one of activity-daily, .*compliance, got "weekly-gossip"$/,
    ],
    [
      "a format the pipeline does not render",
      { ...good, format: "docx" },
      "format",
      /^expected a report format: one of pdf, html, csv, xlsx, json, markdown .*got "docx"$/,
    ],
    [
      "a period that is not a duration",
      { ...good, options: { since: "last week" } },
      "options.since",
      /^expected a duration \(30m, 24h, 7d\), a date .*got "last week"$/,
    ],
    [
      "period and since together",
      { ...good, options: { period: "7d", since: "14d" } },
      "options.since",
      /^expected period or since, not both$/,
    ],
    [
      "a filter that does not parse",
      { ...good, options: { filter: ["actor.type=user", "outcome"] } },
      "options.filter[1]",
      /^expected FIELD=VALUE, .*got "outcome"$/,
    ],
    [
      "a framework that is neither built in nor a file",
      { ...good, report: "compliance", options: { framework: "./iso27001.json" } },
      "options.framework",
      /^expected a framework \(soc2, hipaa, pci-dss, gdpr\) or a control map file that can be read, got "\.\/iso27001\.json"/,
    ],
    [
      "an unknown channel",
      { ...good, channels: ["ops-mail", "ops-sms"] },
      "channels[1]",
      /^expected a channel of alerting\.channels \(ops-mail, oncall\), got "ops-sms"$/,
    ],
    [
      "a channel that cannot carry reports",
      { ...good, channels: ["oncall"] },
      "channels[0]",
      /^expected a channel that can carry reports \(email, slack, discord, teams or webhook\), got "oncall", a pagerduty channel$/,
    ],
    [
      "nowhere to send the report",
      { ...good, channels: [] },
      "",
      /^expected channels or a file target to send the report to, got neither$/,
    ],
    [
      "a file name with an unknown placeholder",
      { ...good, file: { directory: "/tmp/r", name: "{name}-{week}.{ext}" } },
      "file.name",
      /^expected a file name with \{name\}, .*got "\{name\}-\{week\}\.\{ext\}": unknown placeholder \{week\}$/,
    ],
    [
      "a file name that names a directory",
      { ...good, file: { directory: "/tmp/r", name: "../{name}.{ext}" } },
      "file.name",
      /a file name cannot name a directory$/,
    ],
    [
      "a public URL that is not http",
      { ...good, file: { directory: "/tmp/r", public_url: "file:///srv/reports" } },
      "file.public_url",
      /^expected an http or https URL .*got "file:\/\/\/srv\/reports"$/,
    ],
    [
      "an unknown key",
      { ...good, every: "monday" },
      "every",
      /^expected one of the keys name, cron, time_zone, report, format, options, channels, file, got unknown key "every"$/,
    ],
    [
      "a missing cron expression",
      { name: "weekly", report: "access", channels: ["ops-mail"] },
      "cron",
      /^expected a cron expression of five fields .*\(it is required\), got nothing$/,
    ],
    [
      "a days option out of range",
      { ...good, report: "certificate-expiry", options: { days: 0 } },
      "options.days",
      /^expected certificate-expiry: days ahead, an integer from 1 to 36500, got 0$/,
    ],
  ];

  for (const [what, entry, path, expected] of cases) {
    test(what, () => {
      const base = "alerting.schedules[0]";
      const where = path === "" ? base : path.startsWith("[") ? `${base}${path}` : `${base}.${path}`;
      try {
        parseSchedules([entry], { file: FILE, channels });
      } catch (error) {
        assert.ok(isSealtrailError(error), String(error));
        assert.equal(error.code, "ST_ERR_ALERT_SCHEDULE");
        const lines = error.message.split("\n");
        assert.equal(lines.length, 1, error.message);
        const prefix = `${FILE}: ${where}: `;
        assert.ok(lines[0]?.startsWith(prefix), `${lines[0]} does not start with ${prefix}`);
        assert.match(lines[0]?.slice(prefix.length) ?? "", expected);
        assert.equal(error.details?.field, where);
        return;
      }
      assert.fail("the entry was accepted");
    });
  }

  test("every problem of every entry is reported at once, and a readable control map file is accepted", () => {
    const dir = tempDir("sealtrail-schedule-files-");
    writeFileSync(join(dir, "mine.json"), "{}");
    const accepted = parseSchedules(
      [{ ...good, report: "compliance", options: { framework: "mine.json" } }],
      { file: join(dir, "sealtrail.yaml"), channels },
    );
    assert.equal(accepted[0]?.input.framework, join(dir, "mine.json"));
    const entries = [
      good,
      { ...good, cron: "0 25 * * *", options: { since: "soon", level: "loud" } },
      { ...good, format: 7 },
    ];
    assert.throws(
      () => parseSchedules(entries, { file: FILE, channels }),
      (error: unknown) => {
        assert.ok(isSealtrailError(error), String(error));
        const issues = (error.details?.issues ?? []) as { path: string }[];
        assert.deepEqual(
          issues.map((i) => i.path),
          [
            "alerting.schedules[1].options.level",
            "alerting.schedules[1].name",
            "alerting.schedules[1].cron",
            "alerting.schedules[1].options.since",
            "alerting.schedules[2].format",
            "alerting.schedules[2].name",
          ],
        );
        assert.equal(error.message.split("\n").length, 6);
        return true;
      },
    );
    assert.throws(() => parseSchedules({ weekly: good }, { file: FILE, channels }), {
      code: "ST_ERR_ALERT_SCHEDULE",
      message: `${FILE}: alerting.schedules: expected a list of scheduled reports, got a mapping`,
    });
  });
});

test("cron times are read in the schedule's time zone, across daylight saving time", () => {
  const paris = cronTiming("0 7 * * 1", "Europe/Paris");
  // Before the change of 29 March 2026: 07:00 CET is 06:00 UTC; after it, 07:00 CEST is 05:00 UTC.
  assert.equal(paris.nextAtOrAfter(Date.UTC(2026, 2, 20)), Date.UTC(2026, 2, 23, 6));
  assert.equal(paris.nextAtOrAfter(Date.UTC(2026, 2, 24)), Date.UTC(2026, 2, 30, 5));
  assert.equal(
    paris.nextAtOrAfter(Date.UTC(2026, 2, 30, 5)),
    Date.UTC(2026, 2, 30, 5),
    "at the instant itself",
  );
  assert.equal(paris.latestBefore(Date.UTC(2026, 2, 30, 5)), Date.UTC(2026, 2, 23, 6), "strictly before");
  assert.equal(paris.latestBefore(Date.UTC(2026, 2, 30, 5, 0, 0, 1)), Date.UTC(2026, 2, 30, 5));
  const utc = cronTiming("30 9 1 * *", "UTC");
  assert.equal(utc.nextAtOrAfter(Date.UTC(2026, 10, 2)), Date.UTC(2026, 11, 1, 9, 30));
});
