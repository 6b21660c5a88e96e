/**
 * Sigma rules read into compiled rules: every modifier and condition form, field mapping, lists
 * in events, collections, correlation rules translated into our conditions, and broken rules
 * rejected with the file, the rule and the field. Each rule's predicate is run over one
 * hand-built set of events and must match exactly the events expected.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CompiledRule, EventPredicate, ObservedEvent } from "../src/alerting/rule-model.js";
import { loadSigmaRules, type SigmaLoadOptions } from "../src/alerting/sigma/load-sigma-rules.js";
import { isSealtrailError } from "../src/errors.js";

const base = mkdtempSync(join(tmpdir(), "sealtrail-sigma-"));
after(() => rmSync(base, { recursive: true, force: true }));

/** The hand-built events every predicate is run over, by name. */
const EVENTS: Readonly<Record<string, Record<string, unknown>>> = {
  aliceFails: {
    action: "user.login",
    outcome: "failure",
    actor: { id: "alice", ip: "10.1.2.3", user_agent: "Mozilla/5.0 (X11; Linux)" },
    tags: ["auth", "web"],
    details: { command: "ssh -i key root@DB1", path: "C:\\Temp\\*.exe", attempts: 5, hosts: ["web1", "db2"] },
  },
  bobSucceeds: {
    action: "user.login",
    outcome: "success",
    actor: { id: "bob", ip: "203.0.113.9" },
    tags: ["auth"],
    details: { path: "C:\\Temp\\a.exe" },
  },
  carolFailsV6: { action: "USER.LOGIN", outcome: "failure", actor: { id: "carol", ip: "fd00::1" } },
  ciDeploys: {
    action: "deploy.start",
    outcome: "success",
    actor: { id: "ci", type: "service" },
    details: { env: "prod", approver: null },
  },
  alertFired: { action: "alert.fired", outcome: "success", actor: { id: "sealtrail" } },
  aliceRotates: {
    action: "key.rotate",
    outcome: "success",
    actor: { id: "alice" },
    crypto: { key_size: 2048 },
    policies: ["pci", "sox"],
  },
};

const FIELD_MAP = {
  SourceIp: "actor.ip",
  User: "actor.id",
  EventType: "action",
  CommandLine: "details.command",
};

function observed(name: string): ObservedEvent {
  return { seq: Object.keys(EVENTS).indexOf(name), id: name, timestampMs: 0, event: EVENTS[name] ?? {} };
}

/** The names of the events `predicate` matches, in the set's order. */
function matching(predicate: EventPredicate): string[] {
  return Object.keys(EVENTS).filter((name) => predicate(observed(name)));
}

let written = 0;
/** Writes `text` at `path` under the base directory (a fresh file name when none is given). */
function write(text: string, path = `rules/r${written++}.yml`): string {
  const full = join(base, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return path;
}

function options(overrides: Partial<SigmaLoadOptions> = {}): SigmaLoadOptions {
  return {
    fieldMap: FIELD_MAP,
    channels: ["ops", "pager"],
    cooldownMs: 900_000,
    baseDir: base,
    ...overrides,
  };
}

/** Loads one file's text; returns its rules. */
async function loadText(text: string): Promise<CompiledRule[]> {
  return loadSigmaRules([write(text)], options());
}

/** A detection rule over `detection` (YAML lines, indented by two). */
function detectionRule(detection: string, title = `Rule ${written}`): string {
  return `title: ${title}\ndetection:\n${detection
    .trim()
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n")}\n`;
}

/** The events the one rule of `detection` matches. */
async function matchedBy(detection: string): Promise<string[]> {
  const rules = await loadText(detectionRule(detection));
  assert.equal(rules.length, 1);
  return matching((rules[0] as CompiledRule).match);
}

/** The `ST_ERR_ALERT_RULE` error loading `patterns` throws. */
async function rejection(patterns: string[]): Promise<Error & { details?: Record<string, unknown> }> {
  try {
    await loadSigmaRules(patterns, options());
  } catch (error) {
    assert.ok(isSealtrailError(error, "ST_ERR_ALERT_RULE"), String(error));
    return error;
  }
  assert.fail(`${patterns.join(", ")} was accepted`);
}

describe("Sigma string values", () => {
  test("plain values match whole fields, case-insensitively; fields of a map all match", async () => {
    assert.deepEqual(await matchedBy("sel:\n  action: user.login\ncondition: sel"), [
      "aliceFails",
      "bobSucceeds",
      "carolFailsV6",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  action: User.Login\n  outcome: failure\ncondition: sel"), [
      "aliceFails",
      "carolFailsV6",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  action: user\ncondition: sel"), []);
  });

  test("* and ? are wildcards; a backslash escapes them and itself", async () => {
    assert.deepEqual(await matchedBy("sel:\n  action: 'user.log?n'\ncondition: sel"), [
      "aliceFails",
      "bobSucceeds",
      "carolFailsV6",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  action: '*.start'\ncondition: sel"), ["ciDeploys"]);
    // \* is a plain star: only the path holding a star matches.
    assert.deepEqual(await matchedBy("sel:\n  details.path: 'C:\\Temp\\\\\\*.exe'\ncondition: sel"), [
      "aliceFails",
    ]);
    // \\* is a backslash followed by a wildcard.
    assert.deepEqual(await matchedBy("sel:\n  details.path: 'C:\\Temp\\\\*'\ncondition: sel"), [
      "aliceFails",
      "bobSucceeds",
    ]);
  });

  test("a list of values is an OR; with |all an AND", async () => {
    assert.deepEqual(await matchedBy("sel:\n  actor.id: [alice, bob]\ncondition: sel"), [
      "aliceFails",
      "bobSucceeds",
      "aliceRotates",
    ]);
    assert.deepEqual(
      await matchedBy("sel:\n  details.command|contains|all: [SSH, 'root@']\ncondition: sel"),
      ["aliceFails"],
    );
    assert.deepEqual(
      await matchedBy("sel:\n  details.command|contains|all: [ssh, sudo]\ncondition: sel"),
      [],
    );
  });

  test("contains, startswith and endswith place the value, wildcards still apply", async () => {
    assert.deepEqual(await matchedBy("sel:\n  actor.user_agent|contains: x11\ncondition: sel"), [
      "aliceFails",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  actor.user_agent|contains: 'mozilla*linux'\ncondition: sel"), [
      "aliceFails",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  action|startswith: DEPLOY.\ncondition: sel"), ["ciDeploys"]);
    assert.deepEqual(await matchedBy("sel:\n  action|endswith: .login\ncondition: sel"), [
      "aliceFails",
      "bobSucceeds",
      "carolFailsV6",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  details.command|endswith: '@db1'\ncondition: sel"), [
      "aliceFails",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  action|startswith: login\ncondition: sel"), []);
  });

  test("re searches case-sensitively, i (or an inline (?i)) ignores case", async () => {
    assert.deepEqual(await matchedBy("sel:\n  action|re: 'log'\ncondition: sel"), [
      "aliceFails",
      "bobSucceeds",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  actor.id|re: '^(alice|carol)$'\ncondition: sel"), [
      "aliceFails",
      "carolFailsV6",
      "aliceRotates",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  actor.id|re: '^ALICE$'\ncondition: sel"), []);
    assert.deepEqual(await matchedBy("sel:\n  actor.id|re|i: '^ALICE$'\ncondition: sel"), [
      "aliceFails",
      "aliceRotates",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  actor.id|re: '(?i)^ALICE$'\ncondition: sel"), [
      "aliceFails",
      "aliceRotates",
    ]);
  });

  test("cidr matches IPv4 and IPv6 addresses in a block, and nothing that is not an address", async () => {
    assert.deepEqual(await matchedBy("sel:\n  actor.ip|cidr: 10.0.0.0/8\ncondition: sel"), ["aliceFails"]);
    assert.deepEqual(await matchedBy("sel:\n  actor.ip|cidr: ['10.0.0.0/8', 'fd00::/8']\ncondition: sel"), [
      "aliceFails",
      "carolFailsV6",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  actor.ip|cidr: 203.0.113.0/24\ncondition: sel"), [
      "bobSucceeds",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  actor.id|cidr: 0.0.0.0/0\ncondition: sel"), []);
  });

  test("exists asks whether a field is present (null included); null matches a missing or null field", async () => {
    assert.deepEqual(await matchedBy("sel:\n  crypto.key_size|exists: true\ncondition: sel"), [
      "aliceRotates",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  details.approver|exists: true\ncondition: sel"), ["ciDeploys"]);
    assert.deepEqual(await matchedBy("sel:\n  actor.ip|exists: false\ncondition: sel"), [
      "ciDeploys",
      "alertFired",
      "aliceRotates",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  actor.ip: null\ncondition: sel"), [
      "ciDeploys",
      "alertFired",
      "aliceRotates",
    ]);
    assert.deepEqual(await matchedBy("sel:\n  details.approver: null\n  outcome: success\ncondition: sel"), [
      "bobSucceeds",
      "ciDeploys",
      "alertFired",
      "aliceRotates",
    ]);
  });

  test("numbers match as Sigma writes them, whether the rule or the event holds the number", async () => {
    assert.deepEqual(await matchedBy("sel:\n  crypto.key_size: 2048\ncondition: sel"), ["aliceRotates"]);
    assert.deepEqual(await matchedBy("sel:\n  details.attempts: '5'\ncondition: sel"), ["aliceFails"]);
    assert.deepEqual(await matchedBy("sel:\n  crypto.key_size: [1024, 4096]\ncondition: sel"), []);
  });

  test("a field holding a list matches when any element matches", async () => {
    assert.deepEqual(await matchedBy("sel:\n  tags: web\ncondition: sel"), ["aliceFails"]);
    assert.deepEqual(await matchedBy("sel:\n  tags|all: [auth, web]\ncondition: sel"), ["aliceFails"]);
    assert.deepEqual(await matchedBy("sel:\n  policies: SOX\ncondition: sel"), ["aliceRotates"]);
    assert.deepEqual(await matchedBy("sel:\n  details.hosts|startswith: db\ncondition: sel"), ["aliceFails"]);
    assert.deepEqual(await matchedBy("sel:\n  details.hosts: db\ncondition: sel"), []);
  });

  test("a selection that is a list of maps matches when any map does", async () => {
    assert.deepEqual(
      await matchedBy(
        "sel:\n  - actor.id: bob\n  - action|startswith: deploy\n    outcome: success\ncondition: sel",
      ),
      ["bobSucceeds", "ciDeploys"],
    );
  });
});

describe("Sigma conditions", () => {
  const selections = [
    "login:\n  action: user.login",
    "failed:\n  outcome: failure",
    "v6:\n  actor.ip|cidr: 'fd00::/8'",
    "alice:\n  actor.id: alice",
  ].join("\n");
  const condition = (text: string) => matchedBy(`${selections}\ncondition: ${text}`);

  test("and, or and not", async () => {
    assert.deepEqual(await condition("login and failed and not v6"), ["aliceFails"]);
    assert.deepEqual(await condition("login and not failed"), ["bobSucceeds"]);
    assert.deepEqual(await condition("not login"), ["ciDeploys", "alertFired", "aliceRotates"]);
    assert.deepEqual(await condition("v6 or alice"), ["aliceFails", "carolFailsV6", "aliceRotates"]);
    assert.deepEqual(await condition("not not alice"), ["aliceFails", "aliceRotates"]);
  });

  test("not binds tighter than and, and tighter than or; parentheses group", async () => {
    assert.deepEqual(await condition("alice or login and failed"), [
      "aliceFails",
      "carolFailsV6",
      "aliceRotates",
    ]);
    assert.deepEqual(await condition("(alice or login) and failed"), ["aliceFails", "carolFailsV6"]);
    assert.deepEqual(await condition("not alice and failed"), ["carolFailsV6"]);
    assert.deepEqual(await condition("not (alice and failed)"), [
      "bobSucceeds",
      "carolFailsV6",
      "ciDeploys",
      "alertFired",
      "aliceRotates",
    ]);
    assert.deepEqual(await condition("((login) and ((not failed)))"), ["bobSucceeds"]);
  });

  const patterned = [
    "sel_login:\n  action: user.login",
    "sel_fail:\n  outcome: failure",
    "filter_v6:\n  actor.ip|cidr: 'fd00::/8'",
    "_internal:\n  actor.id: sealtrail",
  ].join("\n");
  const of = (text: string) => matchedBy(`${patterned}\ncondition: ${text}`);

  test("1 of and all of a pattern", async () => {
    assert.deepEqual(await of("all of sel_*"), ["aliceFails", "carolFailsV6"]);
    assert.deepEqual(await of("1 of sel_*"), ["aliceFails", "bobSucceeds", "carolFailsV6"]);
    assert.deepEqual(await of("all of sel_* and not 1 of filter*"), ["aliceFails"]);
    assert.deepEqual(await of("1 of _*"), ["alertFired"]);
  });

  test("1 of them and all of them leave out identifiers starting with _", async () => {
    assert.deepEqual(await of("1 of them"), ["aliceFails", "bobSucceeds", "carolFailsV6"]);
    assert.deepEqual(await of("all of them"), ["carolFailsV6"]);
  });

  test("a list of conditions matches when any does", async () => {
    assert.deepEqual(await of("\n  - sel_fail\n  - 1 of _*"), ["aliceFails", "carolFailsV6", "alertFired"]);
  });
});

describe("Sigma rules as compiled rules", () => {
  test("Sigma field names go through the field map; other names are event paths as written", async () => {
    assert.deepEqual(
      await matchedBy("sel:\n  EventType: user.login\n  SourceIp|cidr: 10.0.0.0/8\ncondition: sel"),
      ["aliceFails"],
    );
    assert.deepEqual(await matchedBy("sel:\n  User: carol\ncondition: sel"), ["carolFailsV6"]);
    assert.deepEqual(await matchedBy("sel:\n  CommandLine|contains: root\ncondition: sel"), ["aliceFails"]);
    assert.deepEqual(await matchedBy("sel:\n  details.env: prod\ncondition: sel"), ["ciDeploys"]);
  });

  test("id, title, level, channels, cooldown and source", async () => {
    const path = write(
      [
        "title: Failed login from the office",
        "id: 5638f7c0-ac70-491d-8465-2a65075e0d86",
        "level: informational",
        "detection:\n  sel:\n    outcome: failure\n  condition: sel",
        "---",
        "title: 'Deploy: to production!'",
        "detection:\n  sel:\n    action: deploy.start\n  condition: sel",
        ...["low", "medium", "high", "critical"].flatMap((level) => [
          "---",
          `title: Level ${level}\nlevel: ${level}\ndetection:\n  sel:\n    action: x\n  condition: sel`,
        ]),
      ].join("\n"),
    );
    const rules = await loadSigmaRules([path], options());
    const [first, second] = rules as [CompiledRule, CompiledRule];
    assert.equal(first.id, "5638f7c0-ac70-491d-8465-2a65075e0d86");
    assert.equal(first.title, "Failed login from the office");
    assert.equal(first.severity, "info");
    assert.deepEqual(first.channels, ["ops", "pager"]);
    assert.equal(first.cooldownMs, 900_000);
    assert.deepEqual(first.groupBy, []);
    assert.equal(first.resolve, false);
    assert.deepEqual(first.condition, { kind: "any" });
    assert.equal(first.watchesAlertEvents, false);
    assert.deepEqual(first.source, { file: path, path: "Failed login from the office" });
    assert.deepEqual(matching(first.match), ["aliceFails", "carolFailsV6"]);
    // No id: a slug of the title; no level: medium.
    assert.equal(second.id, "deploy-to-production");
    assert.equal(second.severity, "medium");
    assert.deepEqual(
      rules.slice(2).map((r) => r.severity),
      ["low", "medium", "high", "critical"],
    );
  });

  test("a rule watches alert events only when it names alert.* actions", async () => {
    const watches = async (detection: string) => {
      const [rule] = await loadText(detectionRule(detection));
      return { watches: rule?.watchesAlertEvents, matches: matching((rule as CompiledRule).match) };
    };
    assert.deepEqual(await watches("sel:\n  action: alert.fired\ncondition: sel"), {
      watches: true,
      matches: ["alertFired"],
    });
    assert.deepEqual(await watches("sel:\n  EventType|startswith: alert.\ncondition: sel"), {
      watches: true,
      matches: ["alertFired"],
    });
    assert.deepEqual(await watches("sel:\n  action: [user.login, 'alert.*']\ncondition: sel"), {
      watches: true,
      matches: ["aliceFails", "bobSucceeds", "carolFailsV6", "alertFired"],
    });
    assert.deepEqual(await watches("sel:\n  outcome: success\ncondition: sel"), {
      watches: false,
      matches: ["bobSucceeds", "ciDeploys", "alertFired", "aliceRotates"],
    });
    assert.deepEqual(await watches("sel:\n  action|contains: alert\ncondition: sel"), {
      watches: false,
      matches: ["alertFired"],
    });
  });

  test("collections: action global is merged into the rules after it, repeat repeats the one before", async () => {
    const path = write(
      [
        "action: global",
        "level: high",
        "detection:\n  login:\n    action: user.login\n  condition: login and sel",
        "---",
        "title: Failed logins",
        "detection:\n  sel:\n    outcome: failure",
        "---",
        "action: repeat",
        "title: Successful logins",
        "detection:\n  sel:\n    outcome: success",
        "---",
        "action: reset",
        "---",
        "title: Deploys",
        "detection:\n  sel:\n    action: deploy.start\n  condition: sel",
      ].join("\n"),
    );
    const rules = await loadSigmaRules([path], options());
    assert.deepEqual(
      rules.map((r) => [r.title, r.severity, matching(r.match)]),
      [
        ["Failed logins", "high", ["aliceFails", "carolFailsV6"]],
        ["Successful logins", "high", ["bobSucceeds"]],
        ["Deploys", "medium", ["ciDeploys"]],
      ],
    );
  });

  test("paths, directories and globs, each file once, named relative to the base directory", async () => {
    write(detectionRule("sel:\n  action: a\ncondition: sel", "A"), "many/a.yml");
    write(detectionRule("sel:\n  action: b\ncondition: sel", "B"), "many/sub/b.yaml");
    write("not a rule", "many/notes.txt");
    const byGlob = await loadSigmaRules(["many/**/*.{yml,yaml}", "many/a.yml"], options());
    assert.deepEqual(
      byGlob.map((r) => [r.title, r.source.file]),
      [
        ["A", "many/a.yml"],
        ["B", "many/sub/b.yaml"],
      ],
    );
    const byDirectory = await loadSigmaRules(["many"], options());
    assert.deepEqual(
      byDirectory.map((r) => r.title),
      ["A", "B"],
    );
    const absolute = await loadSigmaRules(
      [join(base, "many/a.yml")],
      options({ baseDir: join(base, "rules") }),
    );
    assert.deepEqual(
      absolute.map((r) => r.source.file),
      [join(base, "many/a.yml")],
    );
  });
});

describe("Sigma correlation rules", () => {
  const baseRules = [
    "title: Failed login",
    "name: failed_login",
    "id: 6d1a5d8e-0c41-4b61-9d1c-7c3c0e0b9a01",
    "level: low",
    "detection:\n  sel:\n    action: user.login\n    outcome: failure\n  condition: sel",
    "---",
    "title: Successful login",
    "name: successful_login",
    "detection:\n  sel:\n    EventType: user.login\n    outcome: success\n  condition: sel",
    "---",
    "title: Key rotated",
    "id: key-rotated",
    "detection:\n  sel:\n    action: key.rotate\n  condition: sel",
    "---",
    "title: Deploy started",
    "detection:\n  sel:\n    action: deploy.start\n  condition: sel",
  ].join("\n");
  const correlations = [
    "title: Brute force",
    "id: brute-force",
    "level: high",
    "correlation:",
    "  type: event_count",
    "  rules: [6d1a5d8e-0c41-4b61-9d1c-7c3c0e0b9a01]",
    "  group-by: [User]",
    "  timespan: 5m",
    "  condition:\n    gte: 10",
    "---",
    "title: Logins from many addresses",
    "correlation:",
    "  type: value_count",
    "  rules: [failed_login, successful_login]",
    "  group-by: [User, outcome]",
    "  timespan: 1h",
    "  condition:\n    field: SourceIp\n    gt: 4",
    "---",
    "title: Login then key rotation",
    "correlation:",
    "  type: temporal_ordered",
    "  rules: [successful_login, key-rotated]",
    "  group-by: [User]",
    "  timespan: 1d",
    "---",
    "title: Failure and success close together",
    "correlation:",
    "  type: temporal",
    "  rules: [failed_login, successful_login]",
    "  aliases:\n    person:\n      failed_login: User\n      successful_login: actor.id",
    "  group-by: [person]",
    "  timespan: 30s",
    "  condition:\n    gte: 2",
  ].join("\n");

  test("each type becomes its condition, over exactly the referenced rules' events, across files", async () => {
    write(baseRules, "corr/base.yml");
    write(correlations, "corr/correlations.yml");
    const rules = await loadSigmaRules(["corr/*.yml"], options());
    // Rules a correlation refers to do not alert on their own; the others do.
    assert.deepEqual(
      rules.map((r) => r.id),
      [
        "deploy-started",
        "brute-force",
        "logins-from-many-addresses",
        "login-then-key-rotation",
        "failure-and-success-close-together",
      ],
    );
    const [, brute, many, ordered, temporal] = rules as CompiledRule[] as [
      CompiledRule,
      CompiledRule,
      CompiledRule,
      CompiledRule,
      CompiledRule,
    ];

    assert.deepEqual(brute.condition, { kind: "threshold", count: 10, windowMs: 300_000 });
    assert.deepEqual(brute.groupBy, ["actor.id"]);
    assert.equal(brute.severity, "high");
    assert.deepEqual(brute.source, { file: "corr/correlations.yml", path: "Brute force" });
    assert.deepEqual(brute.channels, ["ops", "pager"]);
    assert.deepEqual(matching(brute.match), ["aliceFails", "carolFailsV6"]);

    assert.deepEqual(many.condition, { kind: "distinct", field: "actor.ip", count: 5, windowMs: 3_600_000 });
    assert.deepEqual(many.groupBy, ["actor.id", "outcome"]);
    assert.equal(many.severity, "medium");
    assert.deepEqual(matching(many.match), ["aliceFails", "bobSucceeds", "carolFailsV6"]);

    assert.equal(ordered.condition.kind, "sequence");
    if (ordered.condition.kind !== "sequence") return;
    assert.equal(ordered.condition.ordered, true);
    assert.equal(ordered.condition.withinMs, 86_400_000);
    assert.deepEqual(
      ordered.condition.steps.map((step) => matching(step)),
      [["bobSucceeds"], ["aliceRotates"]],
    );
    assert.deepEqual(ordered.groupBy, ["actor.id"]);
    assert.deepEqual(matching(ordered.match), ["bobSucceeds", "aliceRotates"]);

    assert.equal(temporal.condition.kind, "sequence");
    if (temporal.condition.kind !== "sequence") return;
    assert.equal(temporal.condition.ordered, false);
    assert.equal(temporal.condition.withinMs, 30_000);
    assert.deepEqual(
      temporal.condition.steps.map((step) => matching(step)),
      [["aliceFails", "carolFailsV6"], ["bobSucceeds"]],
    );
    assert.deepEqual(temporal.groupBy, ["actor.id"]);
  });

  test("generate: true keeps the referenced rules alerting on their own", async () => {
    const path = write(
      [
        "title: Alert raised",
        "name: alert_raised",
        "detection:\n  sel:\n    action|startswith: alert.\n  condition: sel",
        "---",
        "title: Alert storm",
        "correlation:\n  type: event_count\n  rules: [alert_raised]\n  timespan: 10m\n  condition:\n    gte: 3",
        "generate: true",
      ].join("\n"),
    );
    const rules = await loadSigmaRules([path], options());
    assert.deepEqual(
      rules.map((r) => [r.id, r.condition.kind, r.watchesAlertEvents, matching(r.match)]),
      [
        ["alert-raised", "any", true, ["alertFired"]],
        ["alert-storm", "threshold", true, ["alertFired"]],
      ],
    );
    assert.deepEqual((rules[1] as CompiledRule).groupBy, []);
  });
});

describe("broken Sigma rules are rejected naming the file, the rule and the field", () => {
  const detection = (lines: string) =>
    `title: Broken\ndetection:\n${lines
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n")}\n`;
  const failedLogin =
    "title: Failed login\nname: failed_login\ndetection:\n  sel:\n    outcome: failure\n  condition: sel\n---\n";
  const cases: { name: string; text: string; rule: string; field: string; message: string }[] = [
    {
      name: "a CIDR that is not one",
      text: 'title: Brute force\ndetection:\n  selection:\n    actor.ip|cidr: "10.0.0"\n  condition: selection\n',
      rule: "Brute force",
      field: "detection.selection.actor.ip|cidr",
      message: 'expected a CIDR like 10.0.0.0/8, got "10.0.0"',
    },
    {
      name: "a keyword list",
      text: detection("keywords:\n  - mimikatz\n  - 'event::clear'\ncondition: keywords"),
      rule: "Broken",
      field: "detection.keywords",
      message:
        "keyword lists (values with no field name) are not supported; name the field, as in action|contains: login",
    },
    {
      name: "a modifier not supported",
      text: detection("sel:\n  details.command|base64offset|contains: evil\ncondition: sel"),
      rule: "Broken",
      field: "detection.sel.details.command|base64offset|contains",
      message:
        'unsupported modifier "base64offset"; expected one of contains, startswith, endswith, re, cidr, all, exists (and i, m, s after re)',
    },
    {
      name: "a regular expression that does not compile",
      text: detection("sel:\n  actor.id|re: '(alice'\ncondition: sel"),
      rule: "Broken",
      field: "detection.sel.actor.id|re",
      message: 'expected a regular expression, got "(alice" (/(alice/: Unterminated group)',
    },
    {
      name: "a condition naming an identifier that is not defined",
      text: detection("selection:\n  action: user.login\ncondition: selection and not filter"),
      rule: "Broken",
      field: "detection.condition",
      message: 'unknown search identifier "filter" (defined: selection)',
    },
    {
      name: "a condition that ends too soon",
      text: detection("selection:\n  action: user.login\ncondition: selection and"),
      rule: "Broken",
      field: "detection.condition",
      message: 'expected a search identifier, "not", "(", "1 of" or "all of", got the end of the condition',
    },
    {
      name: "a parenthesis left open",
      text: detection("a:\n  action: x\nb:\n  action: y\ncondition: (a or b"),
      rule: "Broken",
      field: "detection.condition",
      message: 'expected ")" closing the "(" at column 1, got the end of the condition',
    },
    {
      name: "a pattern matching no identifier",
      text: detection("selection:\n  action: x\ncondition: selection and not 1 of filter*"),
      rule: "Broken",
      field: "detection.condition",
      message: '"1 of filter*" matches no search identifier',
    },
    {
      name: "an aggregation",
      text: detection("selection:\n  action: x\ncondition: selection | count() by actor.id > 5"),
      rule: "Broken",
      field: "detection.condition",
      message: "aggregations after | (count() … by …) are not supported; write a correlation rule instead",
    },
    {
      name: "all with a single value",
      text: detection("sel:\n  tags|all: auth\ncondition: sel"),
      rule: "Broken",
      field: "detection.sel.tags|all",
      message: "the all modifier needs a list of at least two values",
    },
    {
      name: "exists without a boolean",
      text: detection("sel:\n  actor.ip|exists: yes\ncondition: sel"),
      rule: "Broken",
      field: "detection.sel.actor.ip|exists",
      message: 'expected true or false, got "yes"',
    },
    {
      name: "two comparisons at once",
      text: detection("sel:\n  action|contains|startswith: user\ncondition: sel"),
      rule: "Broken",
      field: "detection.sel.action|contains|startswith",
      message: 'modifiers "contains" and "startswith" cannot be combined',
    },
    {
      name: "a field that is neither mapped nor an event field",
      text: detection("sel:\n  TargetUserName: alice\ncondition: sel"),
      rule: "Broken",
      field: "detection.sel.TargetUserName",
      message:
        'expected an event field (such as action, outcome, actor.ip, details.<name>) or a Sigma field the field map maps to one, got "TargetUserName"',
    },
    {
      name: "a value that is a map, in a list",
      text: detection("sel:\n  actor.id:\n    - alice\n    - { name: bob }\ncondition: sel"),
      rule: "Broken",
      field: "detection.sel.actor.id[1]",
      message: "expected a string, number, boolean or null, got a map",
    },
    {
      name: "a level that is not one",
      text: "title: Broken\nlevel: severe\ndetection:\n  sel:\n    action: x\n  condition: sel\n",
      rule: "Broken",
      field: "level",
      message: 'expected one of informational, low, medium, high, critical, got "severe"',
    },
    {
      name: "no condition",
      text: detection("sel:\n  action: x"),
      rule: "Broken",
      field: "detection.condition",
      message: 'expected a condition such as "selection and not filter", got nothing',
    },
    {
      name: "a correlation condition other than gte and gt",
      text: `${failedLogin}title: Quiet\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  timespan: 1h\n  condition:\n    lte: 2\n`,
      rule: "Quiet",
      field: "correlation.condition.lte",
      message: "only gte and gt are supported: a correlation here alerts when a count reaches a value",
    },
    {
      name: "a correlation referring to no loaded rule",
      text: `${failedLogin}title: Typo\ncorrelation:\n  type: event_count\n  rules: [failed_logins]\n  timespan: 1h\n  condition:\n    gte: 5\n`,
      rule: "Typo",
      field: "correlation.rules[0]",
      message: 'no loaded rule has the name or id "failed_logins"',
    },
    {
      name: "a timespan that is not a duration",
      text: `${failedLogin}title: Slow\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  timespan: an hour\n  condition:\n    gte: 5\n`,
      rule: "Slow",
      field: "correlation.timespan",
      message: 'expected a duration like 30s, 5m, 1h or 1d, got "an hour"',
    },
    {
      name: "a value_count with no field",
      text: `${failedLogin}title: Spread\ncorrelation:\n  type: value_count\n  rules: [failed_login]\n  timespan: 1h\n  condition:\n    gte: 5\n`,
      rule: "Spread",
      field: "correlation.condition.field",
      message: "expected the field whose distinct values are counted, got nothing",
    },
    {
      name: "a temporal condition asking for fewer than all its rules",
      text: `${failedLogin}title: Either\nname: either\ndetection:\n  sel:\n    outcome: success\n  condition: sel\n---\ntitle: Some\ncorrelation:\n  type: temporal\n  rules: [failed_login, either]\n  timespan: 1h\n  condition:\n    gte: 1\n`,
      rule: "Some",
      field: "correlation.condition",
      message:
        "expected every referenced rule to be required (gte: 2), got a count of 1: a temporal correlation here needs all its rules",
    },
    {
      name: "an alias naming different fields per rule",
      text: `${failedLogin}title: Other\nname: other\ndetection:\n  sel:\n    outcome: success\n  condition: sel\n---\ntitle: Crossed\ncorrelation:\n  type: temporal\n  rules: [failed_login, other]\n  aliases:\n    who:\n      failed_login: actor.id\n      other: target.id\n  group-by: [who]\n  timespan: 1h\n`,
      rule: "Crossed",
      field: "correlation.aliases.who",
      message:
        "names different event fields per rule (actor.id, target.id); only an alias that names the same event field for every rule is supported",
    },
    {
      name: "a correlation of a correlation",
      text: `${failedLogin}title: First\nname: first\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  timespan: 1h\n  condition:\n    gte: 5\n---\ntitle: Second\ncorrelation:\n  type: event_count\n  rules: [first]\n  timespan: 1d\n  condition:\n    gte: 2\n`,
      rule: "Second",
      field: "correlation.rules[0]",
      message: '"first" is a correlation rule; a correlation can refer only to detection rules here',
    },
  ];

  for (const { name, text, rule, field, message } of cases) {
    test(name, async () => {
      const path = write(text);
      const error = await rejection([path]);
      assert.equal(error.message, `${path}: rule ${JSON.stringify(rule)}: ${field}: ${message}`);
      assert.equal(error.details?.file, path);
      assert.equal(error.details?.field, field);
      assert.equal(typeof error.details?.line, "number");
    });
  }

  test("the line of the offending field is in the details", async () => {
    const path = write(
      'title: Brute force\ndetection:\n  selection:\n    actor.ip|cidr: "10.0.0"\n  condition: selection\n',
    );
    const error = await rejection([path]);
    assert.equal(error.details?.line, 4);
    assert.equal(error.details?.rule, "Brute force");
  });

  test("a rule with no title is named by its id, else by its document", async () => {
    const byId = write("id: r-1\ndetection:\n  sel:\n    action: x\n  condition: sel\n");
    assert.equal(
      (await rejection([byId])).message,
      `${byId}: rule "r-1": title: expected a non-empty string, got nothing`,
    );
    const byDocument = write(
      `${detectionRule("sel:\n  action: x\ncondition: sel", "Fine")}---\nlevel: high\n`,
    );
    assert.equal(
      (await rejection([byDocument])).message,
      `${byDocument}: document 2: title: expected a non-empty string, got nothing`,
    );
  });

  test("two rules with one id, across files", async () => {
    const first = write("title: One\nid: same\ndetection:\n  sel:\n    action: x\n  condition: sel\n");
    const second = write("title: Two\nid: same\ndetection:\n  sel:\n    action: y\n  condition: sel\n");
    assert.equal(
      (await rejection([first, second])).message,
      `${second}: rule "Two": id: the id "same" is already the id of rule "One" (${first}); give each rule its own id`,
    );
  });

  test("files that cannot be read as Sigma rules", async () => {
    const yaml = write("title: Bad\ndetection:\n  sel: [unclosed\n");
    assert.match(
      (await rejection([yaml])).message,
      new RegExp(`^${yaml}: document 1: line \\d+, column \\d+: not valid YAML: `),
    );
    const scalar = write("just text\n");
    assert.equal(
      (await rejection([scalar])).message,
      `${scalar}: document 1: expected a Sigma rule: a map with a title and a detection or correlation section`,
    );
    assert.equal((await rejection(["rules/missing.yml"])).message, "rules/missing.yml: no such file");
    assert.equal((await rejection(["nowhere/*.yml"])).message, "nowhere/*.yml: no file matches this pattern");
  });
});

describe("loading Sigma rules stays lazy", () => {
  test("importing the loader loads neither the YAML parser nor the glob matcher; loading rules does", () => {
    const recorder = fileURLToPath(new URL("./support/module-recorder.js", import.meta.url));
    const loader = pathToFileURL(
      fileURLToPath(new URL("../src/alerting/sigma/load-sigma-rules.js", import.meta.url)),
    ).href;
    const rule = write(detectionRule("sel:\n  action: x\ncondition: sel"));
    const run = (program: string): string[] => {
      const record = join(base, `modules-${written++}.txt`);
      const script = join(base, `program-${written++}.mjs`);
      writeFileSync(script, program);
      const result = spawnSync(process.execPath, ["--import", pathToFileURL(recorder).href, script], {
        encoding: "utf8",
        env: { ...process.env, MODULE_RECORD_FILE: record },
      });
      assert.equal(result.status, 0, result.stderr);
      return readFileSync(record, "utf8").split("\n");
    };
    const heavy = (loaded: string[]) =>
      loaded.filter((url) => /\/node_modules\/(yaml|tinyglobby)\//.test(url));
    const imported = run(`await import(${JSON.stringify(loader)});`);
    assert.ok(imported.includes(loader), "the recorder saw the loader");
    assert.deepEqual(heavy(imported), []);
    const loading = run(
      `const { loadSigmaRules } = await import(${JSON.stringify(loader)});
       await loadSigmaRules([${JSON.stringify(rule)}], { fieldMap: {}, channels: [], cooldownMs: 0, baseDir: ${JSON.stringify(base)} });`,
    );
    assert.ok(heavy(loading).some((url) => url.includes("/yaml/")));
    assert.ok(heavy(loading).some((url) => url.includes("/tinyglobby/")));
  });
});
