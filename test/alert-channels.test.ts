// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} is the configuration file's own syntax, quoted from the schema's titles.
/**
 * Every alert channel against a real receiver on 127.0.0.1: a real SMTP server (smtp-server,
 * messages parsed with mailparser) and HTTP receivers that check each service's documented
 * payload rules and answer as the service does (test/receivers/). Each channel makes one attempt
 * per send; these tests assert what that attempt comes to — delivered, retryable (with the wait
 * the service asked for) or permanent — and that no reason ever holds a secret.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { AlertNotice } from "../src/alerting/alert-notice.js";
import type { AlertChannel, DeliveryOutcome } from "../src/alerting/channels/alert-channel.js";
import { type AlertChannelConfig, CHANNEL_SCHEMA } from "../src/alerting/channels/channel-schema.js";
import { DISCORD_COLOURS } from "../src/alerting/channels/discord-channel.js";
import { emailChannel } from "../src/alerting/channels/email-channel.js";
import { functionChannel } from "../src/alerting/channels/function-channel.js";
import { outcomeOfReply } from "../src/alerting/channels/http-attempt.js";
import { parseChannels } from "../src/alerting/channels/parse-channels.js";
import { REDACTED } from "../src/alerting/channels/redact.js";
import { SealtrailError } from "../src/errors.js";
import { refusedPort, startSilentServer } from "./receivers/dead-ends.js";
import { discordRateLimited, startDiscordReceiver } from "./receivers/discord-receiver.js";
import {
  type HttpReceiver,
  jsonAnswer,
  type ReceivedRequest,
  textAnswer,
} from "./receivers/http-receiver.js";
import { PAGERDUTY_THROTTLED, startPagerDutyReceiver } from "./receivers/pagerduty-receiver.js";
import { oversizedNotice, resolvedOf, sampleNotice } from "./receivers/sample-notices.js";
import { SLACK_ARCHIVED, slackRateLimited, startSlackReceiver } from "./receivers/slack-receiver.js";
import { startSmtpReceiver } from "./receivers/smtp-receiver.js";
import { startTeamsReceiver } from "./receivers/teams-receiver.js";
import { newWebhookSecret, startWebhookReceiver } from "./receivers/webhook-receiver.js";

const FILE = "/etc/sealtrail/sealtrail.yaml";
const ATTEMPT = { number: 1, timeoutMs: 5_000 };
const SHORT = { number: 1, timeoutMs: 300 };

/** Every outcome any test saw, with the secrets of its channel: checked at the end for leaks. */
const seen: { outcome: DeliveryOutcome; secrets: readonly string[]; what: string }[] = [];

/** Sends once and keeps the outcome for the leak check. */
async function sendOnce(
  channel: AlertChannel,
  notice: AlertNotice,
  secrets: readonly string[],
  attempt = ATTEMPT,
): Promise<DeliveryOutcome> {
  const outcome = await channel.send(notice, attempt);
  seen.push({ outcome, secrets, what: `${channel.type} ${channel.name}` });
  return outcome;
}

/** The one channel `parseChannels` makes of `config`. */
function channelOf(name: string, config: AlertChannelConfig): AlertChannel {
  const channel = parseChannels({ [name]: config }, { file: FILE }).get(name);
  assert.ok(channel);
  return channel;
}

function assertFailed(
  outcome: DeliveryOutcome,
  expected: { retryable: boolean; status?: number; reason?: RegExp; retryAfterMs?: number },
): asserts outcome is Extract<DeliveryOutcome, { ok: false }> {
  assert.equal(outcome.ok, false, `expected a failure, got ${JSON.stringify(outcome)}`);
  if (outcome.ok) return;
  assert.equal(outcome.retryable, expected.retryable, outcome.reason);
  if ("status" in expected) assert.equal(outcome.status, expected.status, outcome.reason);
  if (expected.reason) assert.match(outcome.reason, expected.reason);
  if ("retryAfterMs" in expected) assert.equal(outcome.retryAfterMs, expected.retryAfterMs);
}

/** The last request a receiver got. */
function lastRequest(receiver: HttpReceiver): ReceivedRequest {
  const request = receiver.requests.at(-1);
  assert.ok(request, "the receiver got no request");
  return request;
}

/** The last request's JSON body. */
function lastJson<T>(receiver: HttpReceiver): T {
  return lastRequest(receiver).json as T;
}

/** The secret parts of a receiver's URL: its path and query. */
function urlSecretsOf(receiver: HttpReceiver): string[] {
  const url = new URL(receiver.url);
  return [
    receiver.url,
    `${url.pathname}${url.search}`,
    ...url.pathname.split("/").filter((p) => p.length >= 16),
  ];
}

after(() => {
  // No reason of any attempt of any test holds a secret of its channel.
  assert.ok(seen.length > 30, `only ${seen.length} outcomes were seen`);
  for (const { outcome, secrets, what } of seen) {
    if (outcome.ok) continue;
    for (const secret of secrets) {
      assert.ok(!outcome.reason.includes(secret), `${what}: the reason "${outcome.reason}" shows a secret`);
    }
  }
});

describe("email through a real SMTP server", () => {
  const credentials = { user: "alerts", pass: "smtp-Pa55word-never-shown" };
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let config: AlertChannelConfig & { type: "email" };

  before(async () => {
    smtp = await startSmtpReceiver(credentials);
    config = {
      type: "email",
      smtp: { host: smtp.host, port: smtp.port, secure: false, auth: credentials },
      from: "Sealtrail <alerts@example.com>",
      to: ["oncall@example.com", "security@example.org"],
    };
  });
  after(() => smtp.close());

  test("a fired notice arrives as readable text and HTML, with its JSON attached and a stable Message-ID", async () => {
    const notice = sampleNotice();
    const outcome = await sendOnce(channelOf("ops-mail", config), notice, [credentials.pass]);
    assert.deepEqual(outcome, { ok: true, status: 250 });
    const received = smtp.messages.at(-1);
    assert.ok(received);
    const { mail, envelope, user } = received;
    assert.equal(user, "alerts");
    assert.deepEqual(
      envelope.rcptTo.map((r) => r.address),
      ["oncall@example.com", "security@example.org"],
    );
    assert.equal(mail.subject, "[HIGH] Repeated failed sign-ins (actor.id=alice)");
    assert.equal(mail.messageId, `<${notice.alert.id}@sealtrail>`);
    assert.equal(mail.headers.get("x-sealtrail-alert-id"), notice.alert.id);
    const text = mail.text ?? "";
    for (const expected of [
      "Fired: rule failed-logins saw 3 matching events from 2026-11-22T10:00:00Z to 2026-11-22T10:05:00Z.",
      "Severity:",
      "HIGH",
      "Rule:",
      "failed-logins",
      "actor.id=alice",
      "seq 41, 42, 47",
      "audit.example.com/log, tree size 48",
      notice.alert.id,
      `sealtrail alerts verify alert-${notice.alert.id}.json`,
    ]) {
      assert.ok(text.includes(expected), `the text body lacks ${JSON.stringify(expected)}:\n${text}`);
    }
    const html = String(mail.html);
    assert.match(html, /<h1[^>]*>\[HIGH\] Repeated failed sign-ins \(actor\.id=alice\)<\/h1>/);
    assert.match(html, /seq 41, 42, 47/);
    const [attachment] = mail.attachments;
    assert.ok(attachment);
    assert.equal(attachment.filename, `alert-${notice.alert.id}.json`);
    assert.equal(attachment.contentType, "application/json");
    assert.deepEqual(JSON.parse(attachment.content.toString("utf8")), notice);
  });

  test("a resolved notice says resolved and threads under the fired one", async () => {
    const notice = resolvedOf(sampleNotice());
    const outcome = await sendOnce(channelOf("ops-mail", config), notice, [credentials.pass]);
    assert.equal(outcome.ok, true);
    const received = smtp.messages.at(-1);
    assert.ok(received);
    assert.equal(received.mail.subject, "[HIGH] Resolved: Repeated failed sign-ins (actor.id=alice)");
    assert.equal(received.mail.messageId, `<${notice.alert.id}.resolved@sealtrail>`);
    assert.equal(received.mail.inReplyTo, `<${notice.alert.id}@sealtrail>`);
    assert.match(received.mail.text ?? "", /^Resolved: the condition of rule failed-logins has cleared/m);
  });

  test("event text is escaped in the HTML body", async () => {
    const notice = sampleNotice({ group: { "actor.id": '<script>alert("x")</script>' } });
    assert.equal((await sendOnce(channelOf("ops-mail", config), notice, [credentials.pass])).ok, true);
    const html = String(smtp.messages.at(-1)?.mail.html);
    assert.ok(!html.includes("<script>"), "a group value became markup");
    assert.ok(html.includes("&lt;script&gt;"));
  });

  test("an SMTP 4xx reply is retryable, a 5xx reply permanent", async () => {
    const channel = channelOf("ops-mail", config);
    // Every recipient deferred: nothing was sent.
    smtp.script(
      { stage: "rcpt", code: 451, message: "4.7.1 Greylisted, try again later" },
      { stage: "rcpt", code: 451, message: "4.7.1 Greylisted, try again later" },
    );
    assertFailed(await sendOnce(channel, sampleNotice(), [credentials.pass]), {
      retryable: true,
      status: 451,
      reason: /smtp:\/\/127\.0\.0\.1:\d+ answered .*451/,
    });
    smtp.script({ stage: "data", code: 552, message: "5.3.4 Message too big for system" });
    assertFailed(await sendOnce(channel, sampleNotice(), [credentials.pass]), {
      retryable: false,
      status: 552,
      reason: /552/,
    });
    smtp.script({ stage: "mail", code: 421, message: "4.3.2 Service shutting down" });
    assertFailed(await sendOnce(channel, sampleNotice(), [credentials.pass]), {
      retryable: true,
      status: 421,
    });
  });

  test("a recipient refused while another accepts: delivered, with a note naming the refused one", async () => {
    smtp.script({ stage: "rcpt", code: 550, message: "5.1.1 No such user" });
    const outcome = await sendOnce(channelOf("ops-mail", config), sampleNotice(), [credentials.pass]);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.ok && outcome.note, "refused recipients: oncall@example.com");
    assert.deepEqual(
      smtp.messages.at(-1)?.envelope.rcptTo.map((r) => r.address),
      ["security@example.org"],
    );
  });

  test("a refused login is permanent and the password is not in the reason", async () => {
    const wrong = { ...credentials, pass: "Wr0ng-Secret-Pass-Not-Shown" };
    const channel = emailChannel("ops-mail", { ...config, smtp: { ...config.smtp, auth: wrong } });
    const outcome = await sendOnce(channel, sampleNotice(), [wrong.pass, credentials.pass]);
    assertFailed(outcome, { retryable: false, status: 535 });
    assert.ok(smtp.refusedLogins.includes("alerts"));
  });

  test("a server that never greets times out, a closed port is refused: both retryable", async () => {
    const silent = await startSilentServer();
    try {
      const channel = emailChannel("slow-mail", { ...config, smtp: { ...config.smtp, port: silent.port } });
      assertFailed(await sendOnce(channel, sampleNotice(), [credentials.pass], SHORT), {
        retryable: true,
        reason: /no answer from smtp:\/\/127\.0\.0\.1:\d+/,
      });
      assert.equal(silent.connections(), 1);
    } finally {
      await silent.close();
    }
    const port = await refusedPort();
    const channel = emailChannel("dead-mail", { ...config, smtp: { ...config.smtp, port } });
    assertFailed(await sendOnce(channel, sampleNotice(), [credentials.pass]), {
      retryable: true,
      reason: /ECONNREFUSED/,
    });
  });
});

describe("slack incoming webhook", () => {
  let slack: HttpReceiver;
  before(async () => {
    slack = await startSlackReceiver();
  });
  after(() => slack.close());

  test("a notice is a valid Block Kit message with a text fallback, answered ok", async () => {
    const notice = sampleNotice();
    const outcome = await sendOnce(
      channelOf("sec-slack", { type: "slack", url: slack.url }),
      notice,
      urlSecretsOf(slack),
    );
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const request = lastRequest(slack);
    assert.ok(request);
    assert.deepEqual(request.problems, []);
    const body = request.json as {
      text: string;
      blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    };
    assert.match(body.text, /^\[HIGH\] Repeated failed sign-ins \(actor\.id=alice\) — Fired: /);
    assert.deepEqual(
      body.blocks.map((b) => b.type),
      ["header", "section", "section", "context"],
    );
    assert.match(body.blocks[0]?.text?.text ?? "", /Repeated failed sign-ins \(actor\.id=alice\)/);
    const fields = body.blocks[2]?.fields?.map((f) => f.text) ?? [];
    assert.ok(fields.includes("*Rule*\nfailed-logins"), fields.join(" | "));
    assert.ok(fields.includes("*Evidence*\nseq 41, 42, 47"), fields.join(" | "));
  });

  test("an oversized notice stays within Block Kit's limits and cannot mention @channel", async () => {
    const outcome = await sendOnce(
      channelOf("sec-slack", { type: "slack", url: slack.url }),
      oversizedNotice(),
      urlSecretsOf(slack),
    );
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    const request = lastRequest(slack);
    assert.deepEqual(request.problems, []);
    // Slack reads mentions and links in mrkdwn (the fallback `text` too), not in plain_text.
    const body = request.json as { text: string; blocks: unknown[] };
    const mrkdwn: string[] = [body.text];
    JSON.stringify(body.blocks, (key, value: unknown) => {
      if (key === "" || typeof value !== "object" || value === null) return value;
      const o = value as { type?: string; text?: unknown };
      if (o.type === "mrkdwn" && typeof o.text === "string") mrkdwn.push(o.text);
      return value;
    });
    assert.ok(mrkdwn.length > 5);
    for (const text of mrkdwn)
      assert.ok(!/<[!@#]|<https?:/.test(text), `unescaped mrkdwn reached Slack: ${text.slice(0, 80)}`);
    assert.ok(mrkdwn.some((t) => t.includes("&lt;!channel&gt;")));
  });

  test("429 is retryable after Retry-After; 410, 404 and 400 are permanent; 500 retryable", async () => {
    const channel = channelOf("sec-slack", { type: "slack", url: slack.url });
    const secrets = urlSecretsOf(slack);
    slack.script(slackRateLimited(7));
    assertFailed(await sendOnce(channel, sampleNotice(), secrets), {
      retryable: true,
      status: 429,
      retryAfterMs: 7_000,
      reason: new RegExp(`^${slack.origin} answered 429 Too Many Requests: rate_limited$`),
    });
    slack.script(SLACK_ARCHIVED);
    assertFailed(await sendOnce(channel, sampleNotice(), secrets), {
      retryable: false,
      status: 410,
      reason: /channel_is_archived/,
    });
    slack.script(textAnswer(500, "rollup_error"));
    assertFailed(await sendOnce(channel, sampleNotice(), secrets), { retryable: true, status: 500 });
    // A webhook that was removed: Slack's own 404 no_service, and the URL is not in the reason.
    const removed = channelOf("old-slack", {
      type: "slack",
      url: `${slack.origin}/services/T0/B0/removedtoken000000000000`,
    });
    const outcome = await sendOnce(removed, sampleNotice(), [...secrets, "removedtoken000000000000"]);
    assertFailed(outcome, { retryable: false, status: 404, reason: /no_service/ });
    assert.ok(outcome.reason.includes(slack.origin));
    slack.script(textAnswer(400, "invalid_payload"));
    assertFailed(await sendOnce(channel, sampleNotice(), secrets), {
      retryable: false,
      status: 400,
      reason: /invalid_payload/,
    });
  });
});

describe("discord webhook", () => {
  let discord: HttpReceiver;
  before(async () => {
    discord = await startDiscordReceiver();
  });
  after(() => discord.close());

  test("a notice is one embed coloured by severity, answered 204", async () => {
    const notice = sampleNotice({ severity: "critical" });
    const outcome = await sendOnce(
      channelOf("sec-discord", { type: "discord", url: discord.url }),
      notice,
      urlSecretsOf(discord),
    );
    assert.deepEqual(outcome, { ok: true, status: 204 });
    const request = lastRequest(discord);
    assert.deepEqual(request.problems, []);
    const body = request.json as {
      allowed_mentions: { parse: string[] };
      embeds: {
        title: string;
        color: number;
        fields: { name: string; value: string }[];
        timestamp: string;
      }[];
    };
    const embed = body.embeds[0];
    assert.ok(embed);
    assert.equal(embed.title, "[CRITICAL] Repeated failed sign-ins (actor.id=alice)");
    assert.equal(embed.color, DISCORD_COLOURS.critical);
    assert.equal(embed.timestamp, "2026-11-22T10:05:00.000Z");
    assert.deepEqual(body.allowed_mentions, { parse: [] });
    assert.ok(embed.fields.some((f) => f.name === "Alert id" && f.value === notice.alert.id));
  });

  test("an oversized notice is cut to Discord's limits with an ellipsis; a resolved one is grey", async () => {
    const channel = channelOf("sec-discord", { type: "discord", url: discord.url });
    assert.equal((await sendOnce(channel, oversizedNotice(), urlSecretsOf(discord))).ok, true);
    const request = lastRequest(discord);
    assert.deepEqual(request.problems, []);
    const embed = (request.json as { embeds: { title: string; color: number }[] }).embeds[0];
    assert.equal(embed?.title.length, 256);
    assert.ok(embed?.title.endsWith("…"));
    assert.equal((await sendOnce(channel, resolvedOf(sampleNotice()), urlSecretsOf(discord))).ok, true);
    const resolved = lastJson<{ embeds: { title: string; color: number }[] }>(discord).embeds[0];
    assert.equal(resolved?.color, DISCORD_COLOURS.resolved);
    assert.match(resolved?.title ?? "", /Resolved: /);
  });

  test("with ?wait=true Discord answers 200 with the message", async () => {
    const waiting = await startDiscordReceiver({ wait: true });
    try {
      const outcome = await sendOnce(
        channelOf("d", { type: "discord", url: waiting.url }),
        sampleNotice(),
        urlSecretsOf(waiting),
      );
      assert.deepEqual(outcome, { ok: true, status: 200 });
    } finally {
      await waiting.close();
    }
  });

  test("429's JSON retry_after (fractional seconds) is the wait; an unknown webhook is permanent", async () => {
    const channel = channelOf("sec-discord", { type: "discord", url: discord.url });
    discord.script(discordRateLimited(1.337));
    assertFailed(await sendOnce(channel, sampleNotice(), urlSecretsOf(discord)), {
      retryable: true,
      status: 429,
      retryAfterMs: 1_337,
    });
    const unknown = channelOf("gone", {
      type: "discord",
      url: `${discord.origin}/api/webhooks/1/not-the-token-xyz0123456789`,
    });
    assertFailed(
      await sendOnce(unknown, sampleNotice(), [...urlSecretsOf(discord), "not-the-token-xyz0123456789"]),
      {
        retryable: false,
        status: 404,
        reason: /Unknown Webhook/,
      },
    );
  });
});

describe("pagerduty events API v2", () => {
  const routingKey = "R0uT1nGkEy0123456789abcdefABCDEF";
  let pd: Awaited<ReturnType<typeof startPagerDutyReceiver>>;
  let channel: AlertChannel;
  before(async () => {
    pd = await startPagerDutyReceiver([routingKey]);
    channel = channelOf("oncall", {
      type: "pagerduty",
      routing_key: routingKey,
      url: pd.url,
      source: "audit-prod",
    });
  });
  after(() => pd.close());

  test("trigger then resolve on the alert id: one incident opened and closed, repeats folded", async () => {
    const notice = sampleNotice({ severity: "medium" });
    assert.deepEqual(await sendOnce(channel, notice, [routingKey]), { ok: true, status: 202 });
    const trigger = lastRequest(pd);
    assert.deepEqual(trigger.problems, []);
    const event = trigger.json as {
      event_action: string;
      dedup_key: string;
      payload: {
        summary: string;
        source: string;
        severity: string;
        timestamp: string;
        custom_details: { evidence_seqs: number[] };
      };
    };
    assert.equal(event.event_action, "trigger");
    assert.equal(event.dedup_key, notice.alert.id);
    assert.equal(event.payload.summary, "[MEDIUM] Repeated failed sign-ins (actor.id=alice)");
    assert.equal(event.payload.source, "audit-prod");
    assert.equal(event.payload.severity, "warning");
    assert.equal(event.payload.timestamp, "2026-11-22T10:05:00.000Z");
    assert.deepEqual(event.payload.custom_details.evidence_seqs, [41, 42, 47]);
    // A retry of the same trigger (its acknowledgement lost) opens nothing new.
    assert.equal((await sendOnce(channel, notice, [routingKey], { number: 2, timeoutMs: 5_000 })).ok, true);
    assert.equal((await sendOnce(channel, resolvedOf(notice), [routingKey])).ok, true);
    assert.equal(lastJson<{ event_action: string }>(pd).event_action, "resolve");
    assert.deepEqual(pd.incidents.get(notice.alert.id), {
      dedupKey: notice.alert.id,
      triggers: 2,
      resolves: 1,
      open: false,
      opened: 1,
    });
  });

  test("our five severities map onto PagerDuty's four; an oversized summary is cut to 1024", async () => {
    const mapped: string[] = [];
    for (const severity of ["critical", "high", "medium", "low", "info"] as const) {
      assert.equal((await sendOnce(channel, sampleNotice({ severity }), [routingKey])).ok, true);
      mapped.push(lastJson<{ payload: { severity: string } }>(pd).payload.severity);
    }
    assert.deepEqual(mapped, ["critical", "error", "warning", "info", "info"]);
    assert.equal((await sendOnce(channel, oversizedNotice(), [routingKey])).ok, true);
    const summary = lastJson<{ payload: { summary: string } }>(pd).payload.summary;
    assert.equal(summary.length, 1024);
    assert.deepEqual(pd.invalid(), []);
  });

  test("an unknown routing key is a permanent 400 that does not show the key; 429 is retryable", async () => {
    const otherKey = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZ0000";
    const wrong = channelOf("wrong", { type: "pagerduty", routing_key: otherKey, url: pd.url });
    const outcome = await sendOnce(wrong, sampleNotice(), [otherKey, routingKey]);
    assertFailed(outcome, { retryable: false, status: 400, reason: /invalid event/ });
    pd.script(PAGERDUTY_THROTTLED);
    assertFailed(await sendOnce(channel, sampleNotice(), [routingKey]), { retryable: true, status: 429 });
    pd.script(jsonAnswer(503, { status: "unavailable" }, { "retry-after": "2" }));
    assertFailed(await sendOnce(channel, sampleNotice(), [routingKey]), {
      retryable: true,
      status: 503,
      retryAfterMs: 2_000,
    });
  });
});

describe("teams workflow", () => {
  let teams: HttpReceiver;
  before(async () => {
    teams = await startTeamsReceiver();
  });
  after(() => teams.close());

  test("a notice is an Adaptive Card 1.4 message, answered 202", async () => {
    const notice = sampleNotice();
    const outcome = await sendOnce(
      channelOf("sec-teams", { type: "teams", url: teams.url }),
      notice,
      urlSecretsOf(teams),
    );
    assert.deepEqual(outcome, { ok: true, status: 202 });
    const request = lastRequest(teams);
    assert.deepEqual(request.problems, []);
    const card = (
      request.json as {
        attachments: {
          content: { version: string; body: { type: string; facts?: { title: string; value: string }[] }[] };
        }[];
      }
    ).attachments[0]?.content;
    assert.equal(card?.version, "1.4");
    const facts = card?.body.find((b) => b.type === "FactSet")?.facts ?? [];
    assert.deepEqual(
      facts.find((f) => f.title === "Group"),
      { title: "Group", value: "actor.id=alice" },
    );
  });

  test("an oversized notice stays under Teams' 28 KB; any 2xx is success", async () => {
    const channel = channelOf("sec-teams", { type: "teams", url: teams.url });
    assert.equal((await sendOnce(channel, oversizedNotice(), urlSecretsOf(teams))).ok, true);
    assert.deepEqual(lastRequest(teams).problems, []);
    teams.script({ status: 200, body: "1" });
    assert.deepEqual(await sendOnce(channel, sampleNotice(), urlSecretsOf(teams)), { ok: true, status: 200 });
  });

  test("a wrong signature is permanent; 503 with an HTTP-date Retry-After is retryable after it", async () => {
    const url = new URL(teams.url);
    url.searchParams.set("sig", "forged-signature-value-0123456789");
    const forged = channelOf("forged", { type: "teams", url: url.href });
    const outcome = await sendOnce(forged, sampleNotice(), [
      ...urlSecretsOf(teams),
      "forged-signature-value-0123456789",
    ]);
    assertFailed(outcome, { retryable: false, status: 401 });
    const later = new Date(Date.now() + 30_000).toUTCString();
    teams.script({ status: 503, headers: { "retry-after": later } });
    const busy = await sendOnce(
      channelOf("sec-teams", { type: "teams", url: teams.url }),
      sampleNotice(),
      urlSecretsOf(teams),
    );
    assertFailed(busy, { retryable: true, status: 503 });
    assert.ok(
      busy.retryAfterMs !== undefined && busy.retryAfterMs > 25_000 && busy.retryAfterMs <= 30_000,
      String(busy.retryAfterMs),
    );
  });
});

describe("standard webhooks", () => {
  const secret = newWebhookSecret();
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  before(async () => {
    hook = await startWebhookReceiver([secret]);
  });
  after(() => hook.close());

  test("the notice JSON, signed: Webhook.verify accepts it; ids are the alert id and <id>.resolved", async () => {
    const channel = channelOf("siem", { type: "webhook", url: hook.url, secret });
    const notice = sampleNotice();
    assert.deepEqual(await sendOnce(channel, notice, [secret]), { ok: true, status: 204 });
    const fired = lastRequest(hook);
    assert.deepEqual(fired.problems, []);
    assert.equal(fired.headers["webhook-id"], notice.alert.id);
    assert.match(String(fired.headers["webhook-timestamp"]), /^\d{10}$/);
    assert.match(String(fired.headers["webhook-signature"]), /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(fired.json, notice);
    assert.equal((await sendOnce(channel, resolvedOf(notice), [secret])).ok, true);
    assert.equal(lastRequest(hook).headers["webhook-id"], `${notice.alert.id}.resolved`);
    // A retry carries the same id: the receiver sees one effect and a repeat.
    assert.equal((await sendOnce(channel, notice, [secret], { number: 2, timeoutMs: 5_000 })).ok, true);
    assert.equal(hook.deliveries.get(notice.alert.id), 2);
    assert.equal(hook.deliveries.get(`${notice.alert.id}.resolved`), 1);
  });

  test("during a rotation both secrets sign: receivers knowing only the old or only the new one verify", async () => {
    const next = newWebhookSecret(48);
    const oldOnly = await startWebhookReceiver([secret]);
    const newOnly = await startWebhookReceiver([next]);
    try {
      for (const receiver of [oldOnly, newOnly]) {
        const channel = channelOf("siem", { type: "webhook", url: receiver.url, secrets: [next, secret] });
        assert.equal((await sendOnce(channel, sampleNotice(), [secret, next])).ok, true);
        const request = lastRequest(receiver);
        assert.deepEqual(request.problems, []);
        assert.equal(String(request.headers["webhook-signature"]).split(" ").length, 2);
      }
      assert.deepEqual(oldOnly.verifiedWith, [[0]]);
      assert.deepEqual(newOnly.verifiedWith, [[0]]);
      // A sender that no longer has the receiver's secret is refused.
      const stale = channelOf("siem", { type: "webhook", url: oldOnly.url, secret: next });
      assertFailed(await sendOnce(stale, sampleNotice(), [secret, next]), { retryable: false, status: 401 });
    } finally {
      await oldOnly.close();
      await newOnly.close();
    }
  });

  test("410 asks to disable the channel (permanent); 429 and 5xx retry after Retry-After", async () => {
    const channel = channelOf("siem", { type: "webhook", url: hook.url, secret });
    hook.script({ status: 410 });
    assertFailed(await sendOnce(channel, sampleNotice(), [secret]), {
      retryable: false,
      status: 410,
      reason: /disable this channel/,
    });
    hook.script({ status: 429, headers: { "retry-after": "12" } });
    assertFailed(await sendOnce(channel, sampleNotice(), [secret]), {
      retryable: true,
      status: 429,
      retryAfterMs: 12_000,
    });
    hook.script({ status: 502 });
    assertFailed(await sendOnce(channel, sampleNotice(), [secret]), { retryable: true, status: 502 });
    hook.script({ status: 501 });
    assertFailed(await sendOnce(channel, sampleNotice(), [secret]), { retryable: false, status: 501 });
    hook.script({ status: 302, headers: { location: "https://elsewhere.example/" } });
    assertFailed(await sendOnce(channel, sampleNotice(), [secret]), {
      retryable: false,
      status: 302,
      reason: /redirects are not followed/,
    });
  });

  test("a receiver slower than the attempt's limit times out; a closed port is refused: both retryable", async () => {
    const channel = channelOf("siem", { type: "webhook", url: hook.url, secret });
    hook.script({ status: 204, delayMs: 3_000 });
    assertFailed(await sendOnce(channel, sampleNotice(), [secret], SHORT), {
      retryable: true,
      reason: new RegExp(`^no answer from ${hook.origin} within 300 ms$`),
    });
    const port = await refusedPort();
    const dead = channelOf("siem", {
      type: "webhook",
      url: `http://127.0.0.1:${port}/hooks/secret-path-0123456789`,
      secret,
    });
    const outcome = await sendOnce(dead, sampleNotice(), [secret, "secret-path-0123456789"]);
    assertFailed(outcome, { retryable: true, reason: /ECONNREFUSED/ });
    assert.equal(outcome.status, undefined);
  });
});

describe("function channel", () => {
  test("resolving is delivery; a throw is a retryable failure; a handler past the limit times out", async () => {
    const handled: AlertNotice[] = [];
    const notice = sampleNotice();
    const ok = functionChannel("custom", async (n) => {
      handled.push(n);
    });
    assert.deepEqual(await sendOnce(ok, notice, []), { ok: true });
    assert.deepEqual(handled, [notice]);
    const throwing = functionChannel("custom", () => {
      throw new RangeError("queue full");
    });
    assertFailed(await sendOnce(throwing, notice, []), { retryable: true, reason: /RangeError: queue full/ });
    const slow = functionChannel("custom", () => new Promise((resolve) => setTimeout(resolve, 2_000)));
    assertFailed(await sendOnce(slow, notice, [], SHORT), { retryable: true, reason: /within 300 ms/ });
  });

  test("parseChannels takes a function as a custom handler", async () => {
    let calls = 0;
    const channels = parseChannels(
      {
        custom: async () => {
          calls++;
        },
      },
      { file: "<library>" },
    );
    assert.equal(channels.get("custom")?.type, "function");
    assert.equal((await channels.get("custom")?.send(sampleNotice(), ATTEMPT))?.ok, true);
    assert.equal(calls, 1);
  });
});

describe("the common reading of an HTTP answer", () => {
  const origin = "https://hooks.example.com";
  const reply = (status: number, headers: Record<string, string> = {}, text = "") => ({
    status,
    statusText: "",
    headers: new Headers(headers),
    text,
  });

  test("statuses map to delivered, retryable or permanent", () => {
    const table: [number, boolean | "ok"][] = [
      [200, "ok"],
      [202, "ok"],
      [204, "ok"],
      [301, false],
      [400, false],
      [401, false],
      [403, false],
      [404, false],
      [408, true],
      [410, false],
      [413, false],
      [429, true],
      [500, true],
      [501, false],
      [502, true],
      [503, true],
      [504, true],
    ];
    for (const [status, expected] of table) {
      const outcome = outcomeOfReply(reply(status), origin);
      if (expected === "ok") assert.deepEqual(outcome, { ok: true, status }, `HTTP ${status}`);
      else assert.equal(!outcome.ok && outcome.retryable, expected, `HTTP ${status}`);
    }
  });

  test("Retry-After in seconds or as an HTTP date; malformed or on a permanent answer ignored", () => {
    const now = Date.now();
    const seconds = outcomeOfReply(reply(429, { "retry-after": "120" }), origin);
    assert.equal(!seconds.ok && seconds.retryAfterMs, 120_000);
    const date = outcomeOfReply(reply(503, { "retry-after": new Date(now + 60_000).toUTCString() }), origin);
    assert.ok(
      !date.ok &&
        date.retryAfterMs !== undefined &&
        date.retryAfterMs > 55_000 &&
        date.retryAfterMs <= 60_000,
    );
    const malformed = outcomeOfReply(reply(429, { "retry-after": "soon" }), origin);
    assert.ok(!malformed.ok && malformed.retryAfterMs === undefined);
    const permanent = outcomeOfReply(reply(400, { "retry-after": "5" }), origin);
    assert.ok(!permanent.ok && permanent.retryAfterMs === undefined);
  });
});

describe("parseChannels", () => {
  const secret = newWebhookSecret();

  test("the schema compiles in strict mode (as the configuration embeds it) and accepts every channel type", () => {
    const validate = new Ajv2020({ allErrors: true, strict: true, useDefaults: true }).compile(
      CHANNEL_SCHEMA,
    );
    const good: AlertChannelConfig[] = [
      {
        type: "email",
        smtp: { host: "smtp.example.com", port: 587, auth: { user: "u", pass: "p" } },
        from: "a@example.com",
        to: ["b@example.com"],
      },
      { type: "slack", url: "https://hooks.slack.com/services/T0/B0/x" },
      { type: "discord", url: "https://discord.com/api/webhooks/1/x" },
      { type: "pagerduty", routing_key: "0123456789abcdef0123456789abcdef" },
      { type: "teams", url: "https://example.logic.azure.com/workflows/x" },
      { type: "webhook", url: "https://siem.example.com/in", secret },
    ];
    for (const config of good) assert.equal(validate(config), true, JSON.stringify(validate.errors));
    const channels = parseChannels(Object.fromEntries(good.map((c) => [`c-${c.type}`, c])), { file: FILE });
    assert.deepEqual(
      [...channels.values()].map((c) => [c.name, c.type]),
      good.map((c) => [`c-${c.type}`, c.type]),
    );
  });

  const routingKey = "0123456789abcdef0123456789abcdef";
  const smtp = { host: "smtp.example.com", port: 587, auth: { user: "alerts", pass: "hunter2-is-the-pass" } };
  /** [channel name, definition, the path of the error, what is expected there, what was found, secrets not to show] */
  const broken: [string, unknown, string, string, string, string[]][] = [
    [
      "ops-mail",
      { type: "email", smtp: { ...smtp, port: 0 }, from: "a@example.com", to: ["b@example.com"] },
      "smtp.port",
      "a port number 1–65535",
      "0",
      [smtp.auth.pass],
    ],
    [
      "ops-mail",
      { type: "email", smtp: { ...smtp, port: "587" }, from: "a@example.com", to: ["b@example.com"] },
      "smtp.port",
      "a port number 1–65535",
      '"587"',
      [],
    ],
    [
      "ops-mail",
      {
        type: "email",
        smtp: { host: "smtp.example.com", port: 25, auth: { user: "alerts" } },
        from: "a@example.com",
        to: ["b@example.com"],
      },
      "smtp.auth.pass",
      "the SMTP password (a secret: take it from ${ENV}) (it is required)",
      "nothing",
      [],
    ],
    [
      "ops-mail",
      { type: "email", smtp, from: "not an address", to: ["b@example.com"] },
      "from",
      "an email address (alerts@example.com, or Name <alerts@example.com>)",
      '"not an address"',
      [smtp.auth.pass],
    ],
    [
      "ops-mail",
      { type: "email", smtp, from: "a@example.com", to: ["b@example.com", "bad@"] },
      "to[1]",
      "an email address (alerts@example.com, or Name <alerts@example.com>)",
      '"bad@"',
      [],
    ],
    [
      "ops-mail",
      { type: "email", smtp, from: "a@example.com", to: [] },
      "to",
      "a list of at least one email address",
      "an empty list",
      [],
    ],
    [
      "ops-mail",
      { type: "email", smtp: { ...smtp, pass: "x" }, from: "a@example.com", to: ["b@example.com"] },
      "smtp.pass",
      "one of the keys host, port, secure, auth",
      'unknown key "pass"',
      [],
    ],
    [
      "chat",
      { type: "slak", url: "https://hooks.slack.com/services/T0/B0/SECRETTOKEN" },
      "type",
      "one of the channel types email, slack, discord, pagerduty, teams, webhook",
      '"slak"',
      ["SECRETTOKEN"],
    ],
    [
      "chat",
      { url: "https://hooks.slack.com/services/T0/B0/SECRETTOKEN" },
      "type",
      "one of the channel types email, slack, discord, pagerduty, teams, webhook (it is required)",
      "nothing",
      ["SECRETTOKEN"],
    ],
    [
      "chat",
      { type: "slack", url: "hooks.slack.com/services/T0/B0/SECRETTOKEN" },
      "url",
      "the Slack incoming webhook URL (http or https; it is a secret: take it from ${ENV})",
      "a text that is not a URL",
      ["SECRETTOKEN"],
    ],
    [
      "chat",
      { type: "slack", url: "https://hooks.slack.com/x", channel: "#sec" },
      "channel",
      "one of the keys type, url",
      'unknown key "channel"',
      [],
    ],
    [
      "chat",
      { type: "discord", url: "ftp://discord.com/api/webhooks/1/SECRETTOKEN" },
      "url",
      "the Discord webhook URL (http or https; it is a secret: take it from ${ENV})",
      "a ftp: URL",
      ["SECRETTOKEN"],
    ],
    [
      "chat",
      { type: "discord", url: 42 },
      "url",
      "the Discord webhook URL (http or https; it is a secret: take it from ${ENV})",
      "a number",
      [],
    ],
    [
      "chat",
      { type: "teams" },
      "url",
      "the Teams Workflows webhook URL (http or https; it is a secret: take it from ${ENV}) (it is required)",
      "nothing",
      [],
    ],
    [
      "pager",
      { type: "pagerduty", routing_key: routingKey.slice(1) },
      "routing_key",
      "a PagerDuty integration key: 32 letters and digits (a secret: take it from ${ENV})",
      "a hidden text of 31 characters",
      [routingKey.slice(1)],
    ],
    [
      "pager",
      { type: "pagerduty", routing_key: routingKey, url: "mailto:pd@example.com" },
      "url",
      "the Events API v2 URL, http or https (default https://events.pagerduty.com/v2/enqueue)",
      "a mailto: URL",
      [routingKey],
    ],
    [
      "hook",
      { type: "webhook", url: "https://siem.example.com/in", secret: "s3cr3t-not-whsec" },
      "secret",
      "a Standard Webhooks secret: whsec_ then at least 24 bytes in base64 (take it from ${ENV})",
      "a text that does not start with whsec_",
      ["s3cr3t-not-whsec"],
    ],
    [
      "hook",
      { type: "webhook", url: "https://siem.example.com/in", secret: "whsec_not*base64!!" },
      "secret",
      "a Standard Webhooks secret: whsec_ then at least 24 bytes in base64 (take it from ${ENV})",
      "a whsec_ secret whose key is not base64",
      ["not*base64!!"],
    ],
    [
      "hook",
      { type: "webhook", url: "https://siem.example.com/in", secret: "whsec_MDEyMzQ1Njc4OWFiY2RlZg==" },
      "secret",
      "a Standard Webhooks secret: whsec_ then at least 24 bytes in base64 (take it from ${ENV})",
      "a whsec_ secret of 16 bytes",
      ["MDEyMzQ1Njc4OWFiY2RlZg=="],
    ],
    [
      "hook",
      { type: "webhook", url: "https://siem.example.com/in" },
      "secret",
      "a Standard Webhooks secret: whsec_ then at least 24 bytes in base64 (take it from ${ENV}) (secret or secrets is required)",
      "nothing",
      [],
    ],
    [
      "hook",
      { type: "webhook", url: "https://siem.example.com/in", secret, secrets: [secret] },
      "secrets",
      "secret or secrets, not both",
      "secrets as well as secret",
      [secret],
    ],
    [
      "hook",
      { type: "webhook", url: "https://siem.example.com/in", secrets: [secret, "whsec_c2hvcnQ="] },
      "secrets[1]",
      "a Standard Webhooks secret: whsec_ then at least 24 bytes in base64 (take it from ${ENV})",
      "a whsec_ secret of 5 bytes",
      [secret, "c2hvcnQ="],
    ],
    [
      "hook",
      { type: "webhook", url: "https://user:pa55@siem.example.com/in", secret },
      "url",
      "the receiver's URL, http or https",
      "a URL with a user name or password in it (fetch refuses those)",
      ["pa55", secret],
    ],
    [
      "bad name!",
      { type: "slack", url: "https://hooks.slack.com/x" },
      "",
      "a channel name: letters, digits, '_', '.' or '-', starting with a letter or digit, at most 64 characters",
      '"bad name!"',
      [],
    ],
    [
      "plain",
      "https://hooks.slack.com/services/T0/B0/SECRETTOKEN",
      "",
      "a channel: a mapping with a type (email, slack, discord, pagerduty, teams, webhook) and its settings",
      "a hidden text of 50 characters",
      ["SECRETTOKEN"],
    ],
  ];

  for (const [name, definition, path, expected, got, secrets] of broken) {
    const key = /^[A-Za-z0-9_$][\w$-]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
    const where = `alerting.channels${key}${path === "" ? "" : path.startsWith("[") ? path : `.${path}`}`;
    test(`rejects ${where}: ${got}`, () => {
      assert.throws(
        () => parseChannels({ [name]: definition }, { file: FILE }),
        (error: unknown) => {
          assert.ok(error instanceof SealtrailError);
          assert.equal(error.code, "ST_ERR_ALERT_CHANNEL");
          assert.equal(error.message, `${FILE}: ${where}: expected ${expected}, got ${got}`);
          assert.equal(error.details?.field, where);
          for (const secret of secrets)
            assert.ok(!error.message.includes(secret), `the message shows ${secret}`);
          return true;
        },
      );
    });
  }

  test("every problem of every channel is reported at once", () => {
    assert.throws(
      () =>
        parseChannels(
          {
            "ops-mail": {
              type: "email",
              smtp: { host: "h", port: 70_000 },
              from: "a@example.com",
              to: ["x"],
            },
            hook: { type: "webhook", url: "gopher://x", secret: "whsec_" },
            fine: { type: "slack", url: "https://hooks.slack.com/services/x" },
          },
          { file: FILE },
        ),
      (error: unknown) => {
        assert.ok(error instanceof SealtrailError);
        const lines = error.message.split("\n");
        assert.deepEqual(
          lines.map((l) => l.split(": expected")[0]),
          [
            `${FILE}: alerting.channels.ops-mail.smtp.port`,
            `${FILE}: alerting.channels.ops-mail.to[0]`,
            `${FILE}: alerting.channels.hook.url`,
            `${FILE}: alerting.channels.hook.secret`,
          ],
        );
        return true;
      },
    );
  });

  test("a mapping is required", () => {
    assert.throws(() => parseChannels(["slack"], { file: FILE }), {
      code: "ST_ERR_ALERT_CHANNEL",
      message: `${FILE}: alerting.channels: expected a mapping of channel names to channel definitions, got a list`,
    });
  });

  test("a secret quoted back by a receiver is redacted", async () => {
    const slack = await startSlackReceiver();
    try {
      slack.script(textAnswer(400, `invalid_payload for ${slack.url}`));
      const outcome = await sendOnce(
        channelOf("s", { type: "slack", url: slack.url }),
        sampleNotice(),
        urlSecretsOf(slack),
      );
      assertFailed(outcome, { retryable: false, status: 400 });
      assert.equal(
        outcome.reason,
        `${slack.origin} answered 400 Bad Request: invalid_payload for ${REDACTED}`,
      );
    } finally {
      await slack.close();
    }
  });
});
