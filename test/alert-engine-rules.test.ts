import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { observedEventOf } from "../src/alerting/observed-event-of.js";
import { compileRules } from "../src/alerting/rules/compile-rules.js";
import { filterPredicate, requiredActions } from "../src/alerting/rules/filter-predicate.js";
import { readRulesFile } from "../src/alerting/rules/read-rules-file.js";
import { type AlertRuleConfig, RULE_KINDS, RULE_SCHEMA } from "../src/alerting/rules/rule-schema.js";
import { SealtrailError } from "../src/errors.js";
import { prepareEvent } from "../src/event/prepare-event.js";
import { sealedJson } from "../src/event/prepared-event.js";
import { parseFilter } from "../src/query/filter-syntax.js";
import { throwsCode } from "./support/throws-code.js";

/** Events as the engine sees them: sealed as the store seals them, then read back. */
const observed = (...events: [number, Record<string, unknown>][]) =>
  events.map(([seq, fields]) => observedEventOf({ seq, json: sealedJson(prepareEvent(fields), seq) }));

const valid = { id: "r", title: "A rule", severity: "high", match: ["action=user.login"], channels: ["ops"] };
const compile = (configs: unknown[]) =>
  compileRules(configs, { file: "sealtrail.yaml", basePath: "alerting.rules" });

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// Fails to compile when the type's keys and the schema's properties disagree.
const keysAgree: Equal<keyof AlertRuleConfig, keyof (typeof RULE_SCHEMA)["properties"]> = true;

describe("the rule schema", () => {
  test("is a valid draft 2020-12 schema in strict mode, whose keys the TypeScript type shares", () => {
    assert.equal(keysAgree, true);
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    assert.ok(ajv.validateSchema(RULE_SCHEMA), JSON.stringify(ajv.errors));
    const validate = ajv.compile(RULE_SCHEMA);
    for (const kind of RULE_KINDS) assert.ok(kind in RULE_SCHEMA.properties, kind);
    assert.equal(validate({ ...valid, any: true }), true);
  });

  test("every property says in its title what is expected", () => {
    const untitled: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (typeof node !== "object" || node === null) return;
      const properties = (node as { properties?: Record<string, unknown> }).properties ?? {};
      for (const [key, sub] of Object.entries(properties)) {
        if (typeof (sub as { title?: unknown }).title !== "string") untitled.push(`${path}${key}`);
        walk(sub, `${path}${key}.`);
        walk((sub as { items?: unknown }).items, `${path}${key}[].`);
      }
    };
    walk(RULE_SCHEMA, "");
    assert.deepEqual(untitled, []);
  });
});

describe("compileRules", () => {
  test("compiles each kind, durations in ms, with the defaults filled in", () => {
    const compiled = compile([
      { ...valid, id: "a", any: true },
      { ...valid, id: "b", threshold: { count: 5, window: "5m" }, group_by: ["actor.id"], cooldown: "1h" },
      { ...valid, id: "c", ratio: { of: ["action=payment.*"], at_least: 0.2, window: "10m" } },
      { ...valid, id: "d", distinct: { field: "actor.ip", count: 3, window: "1h" } },
      { ...valid, id: "e", new_value: { field: "actor.ip" } },
      { ...valid, id: "f", sequence: { steps: [["action=a.b"], ["action=c.d"]], within: "10m" } },
      { ...valid, id: "g", absence: { window: "1h" }, resolve: true },
      { ...valid, id: "h", degradation: {} },
      { ...valid, id: "i", expiry: {} },
    ]);
    const conditions = compiled.map((r) =>
      JSON.parse(JSON.stringify(r.condition, (_k, v) => (typeof v === "function" ? "fn" : v))),
    );
    assert.deepEqual(conditions, [
      { kind: "any" },
      { kind: "threshold", count: 5, windowMs: 300_000 },
      { kind: "ratio", of: "fn", atLeast: 0.2, minEvents: 20, windowMs: 600_000 },
      { kind: "distinct", field: "actor.ip", count: 3, windowMs: 3_600_000 },
      { kind: "new_value", field: "actor.ip", learnMs: 604_800_000 },
      { kind: "sequence", steps: ["fn", "fn"], withinMs: 600_000, ordered: true },
      { kind: "absence", count: 1, windowMs: 3_600_000 },
      {
        kind: "degradation",
        field: "duration_ms",
        percentile: 95,
        windowMs: 3_600_000,
        baselineMs: 604_800_000,
        factor: 1.5,
      },
      { kind: "expiry", field: "crypto.not_after", withinMs: 2_592_000_000 },
    ]);
    assert.deepEqual(
      compiled.map((r) => [r.id, r.cooldownMs, r.resolve, r.groupBy]),
      [
        ["a", 900_000, false, []],
        ["b", 3_600_000, false, ["actor.id"]],
        ["c", 900_000, false, []],
        ["d", 900_000, false, []],
        ["e", 900_000, false, []],
        ["f", 900_000, false, []],
        ["g", 900_000, true, []],
        ["h", 900_000, false, []],
        ["i", 900_000, false, []],
      ],
    );
    assert.deepEqual(compiled[1]?.source, { file: "sealtrail.yaml", path: "alerting.rules[1]" });
  });

  test("match filters are the query syntax, matched as the store matches them", () => {
    const [rule] = compile([
      { ...valid, match: ["action=user.*", "outcome=failure", "actor.id!=bot"], any: true },
    ]);
    const [a, b, c, d] = observed(
      [1, { action: "user.login", outcome: "failure", actor: { id: "alice" } }],
      [2, { action: "user.login", outcome: "success", actor: { id: "alice" } }],
      [3, { action: "user.login", outcome: "failure", actor: { id: "bot" } }],
      [4, { action: "key.export", outcome: "failure" }],
    );
    assert.deepEqual(
      [a, b, c, d].map((e) => e !== undefined && rule?.match(e)),
      [true, false, false, false],
    );
  });

  test("says which actions a filter allows, so that the engine shows a rule only those", () => {
    const actionsOf = (expressions: string[]) => requiredActions(filterPredicate(parseFilter(expressions)));
    assert.deepEqual(actionsOf(["action=user.login", "outcome=failure"]), new Set(["user.login"]));
    assert.deepEqual(actionsOf(["action=a.b,c.d", "action=c.d,e.f"]), new Set(["c.d"]));
    assert.equal(actionsOf(["action=user.*"]), undefined);
    assert.equal(actionsOf(["outcome=failure"]), undefined);
  });

  test("does not change the configs it is given", () => {
    const config = { ...valid, any: true };
    compile([config]);
    assert.deepEqual(config, { ...valid, any: true });
  });

  // Twenty-odd broken definitions, each rejected naming the file, the path and what was expected.
  const broken: ReadonlyArray<[what: string, rules: unknown[], message: string]> = [
    [
      "a window that is not a duration",
      [{ ...valid, threshold: { count: 5, window: "5 minutes" } }],
      'sealtrail.yaml: alerting.rules[0].threshold.window: expected a duration like 5m, got "5 minutes"',
    ],
    [
      "no id",
      [{ title: "t", severity: "high", match: [], channels: [], any: true }],
      "alerting.rules[0].id: expected an id",
    ],
    [
      "an id with capitals",
      [{ ...valid, id: "Failed-Logins", any: true }],
      "alerting.rules[0].id: expected an id of lower-case letters, digits, '.', '_' and '-' like failed-logins, got \"Failed-Logins\"",
    ],
    [
      "an unknown severity",
      [{ ...valid, severity: "urgent", any: true }],
      'alerting.rules[0].severity: expected one of info, low, medium, high, critical, got "urgent"',
    ],
    ["no kind", [{ ...valid }], "alerting.rules[0]: expected exactly one kind key: any, threshold, ratio"],
    [
      "two kinds",
      [{ ...valid, any: true, threshold: { count: 1, window: "1m" } }],
      "alerting.rules[0]: expected exactly one kind key: any, threshold, ratio, distinct, new_value, sequence, absence, degradation, expiry, not two",
    ],
    [
      "a misspelt key",
      [{ ...valid, any: true, cooldwn: "5m" }],
      'alerting.rules[0].cooldwn: expected one of the keys id, title, severity, match, channels, group_by, cooldown, resolve, any, threshold, ratio, distinct, new_value, sequence, absence, degradation, expiry, got unknown key "cooldwn"',
    ],
    [
      "match as a text",
      [{ ...valid, match: "action=user.login", any: true }],
      'alerting.rules[0].match: expected a list of filter expressions like "action=user.login", got "action=user.login"',
    ],
    [
      "an outcome that does not exist",
      [{ ...valid, match: ["action=user.login", "outcome=failed"], any: true }],
      'alerting.rules[0].match[1]: expected one of success, failure, unknown for outcome, got "failed" in "outcome=failed"',
    ],
    [
      "a filter without an operator",
      [{ ...valid, match: ["user.login"], any: true }],
      'alerting.rules[0].match[0]: expected FIELD=VALUE, FIELD!=VALUE, FIELD>VALUE, FIELD>=VALUE, FIELD<VALUE or FIELD<=VALUE, got "user.login"',
    ],
    [
      "a filter on an unknown field",
      [{ ...valid, match: ["actr.id=alice"], any: true }],
      'alerting.rules[0].match[0]: expected a known event field (nested free-form fields live under details.* or context.*), got unknown field "actr.id" in "actr.id=alice"',
    ],
    [
      "an empty filter",
      [{ ...valid, match: [" "], any: true }],
      'alerting.rules[0].match[0]: expected a filter expression like "outcome=failure", got an empty text',
    ],
    [
      "two rules with one id",
      [
        { ...valid, id: "dup", any: true },
        { ...valid, id: "dup", any: true },
      ],
      'alerting.rules[1].id: expected an id no other rule has (alerting.rules[0] has it), got "dup"',
    ],
    [
      "a threshold of zero",
      [{ ...valid, threshold: { count: 0, window: "5m" } }],
      "alerting.rules[0].threshold.count: expected an integer from 1 to 100000, got 0",
    ],
    [
      "a share above one",
      [{ ...valid, ratio: { of: [], at_least: 1.5, window: "5m" } }],
      "alerting.rules[0].ratio.at_least: expected a share greater than 0 and at most 1, like 0.2, got 1.5",
    ],
    [
      "a bad filter in a ratio's of",
      [{ ...valid, ratio: { of: ["duration_ms>=fast"], at_least: 0.5, window: "5m" } }],
      'alerting.rules[0].ratio.of[0]: expected a number for duration_ms, got "duration_ms>=fast"',
    ],
    [
      "a sequence of one step",
      [{ ...valid, sequence: { steps: [["action=a.b"]], within: "5m" } }],
      "alerting.rules[0].sequence.steps: expected a list of 2 to 8 steps, each a list of filter expressions, got a list",
    ],
    [
      "a bad filter in a sequence step",
      [{ ...valid, sequence: { steps: [["action=a.b"], ["severity=loud"]], within: "5m" } }],
      'alerting.rules[0].sequence.steps[1][0]: expected one of emergency, alert, critical, error, warning, notice, info, debug for severity, got "loud" in "severity=loud"',
    ],
    [
      "a percentile of 100",
      [{ ...valid, degradation: { percentile: 100 } }],
      "alerting.rules[0].degradation.percentile: expected a percentile greater than 0 and less than 100, like 95, got 100",
    ],
    [
      "a baseline shorter than the window",
      [{ ...valid, degradation: { window: "1h", baseline: "30m" } }],
      'alerting.rules[0].degradation.baseline: expected a baseline at least as long as the window (1h), got "30m"',
    ],
    [
      "a factor of one",
      [{ ...valid, degradation: { factor: 1 } }],
      "alerting.rules[0].degradation.factor: expected a factor greater than 1, like 1.5, got 1",
    ],
    [
      "a group_by field that does not exist",
      [{ ...valid, group_by: ["actor.id", "actor.name2"], any: true }],
      'alerting.rules[0].group_by[1]: expected a field of the event like actor.id (free-form fields live under details.* or context.*), got "actor.name2"',
    ],
    [
      "a distinct field that does not exist",
      [{ ...valid, distinct: { field: "ip", count: 3, window: "1h" } }],
      'alerting.rules[0].distinct.field: expected a field of the event like actor.id (free-form fields live under details.* or context.*), got "ip"',
    ],
    [
      "an absence window of zero",
      [{ ...valid, absence: { window: "0m" } }],
      'alerting.rules[0].absence.window: expected a duration longer than zero like 1h, got "0m"',
    ],
    [
      "resolve on a kind that cannot clear",
      [{ ...valid, any: true, resolve: true }],
      "alerting.rules[0].resolve: expected false for a rule of kind any (it has no condition that clears), got true",
    ],
    [
      "a cooldown that is not a duration",
      [{ ...valid, any: true, cooldown: "soon" }],
      'alerting.rules[0].cooldown: expected a duration like 15m, got "soon"',
    ],
    [
      "channels as a text",
      [{ ...valid, any: true, channels: "ops" }],
      'alerting.rules[0].channels: expected a list of channel names, got "ops"',
    ],
    ["any: false", [{ ...valid, any: false }], "alerting.rules[0].any: expected true, got false"],
    [
      "a second rule broken, the first fine",
      [
        { ...valid, id: "ok", any: true },
        { ...valid, id: "bad", new_value: { field: "actor.ip", learn: "a week" } },
      ],
      'sealtrail.yaml: alerting.rules[1].new_value.learn: expected a duration like 7d, got "a week"',
    ],
  ];

  test(`rejects ${broken.length} broken definitions, naming the file, the path and what was expected`, () => {
    assert.ok(broken.length >= 20);
    for (const [what, configs, message] of broken) {
      const text = throwsCode(() => compile(configs), "ST_ERR_ALERT_RULE", undefined, what);
      assert.ok(text.startsWith("sealtrail.yaml: alerting.rules["), `${what}: ${text}`);
      assert.ok(text.includes(message), `${what}:\n  got      ${text}\n  expected ${message}`);
    }
  });

  test("reports every problem at once, one line each, with the issues as data", () => {
    let caught: unknown;
    try {
      compile([
        { ...valid, id: "a", threshold: { count: 5, window: "5 minutes" } },
        { ...valid, id: "b", match: ["outcome=failed"], cooldown: "0s", absence: { window: "1h" } },
      ]);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof SealtrailError);
    assert.deepEqual(caught.message.split("\n"), [
      'sealtrail.yaml: alerting.rules[0].threshold.window: expected a duration like 5m, got "5 minutes"',
      'sealtrail.yaml: alerting.rules[1].match[0]: expected one of success, failure, unknown for outcome, got "failed" in "outcome=failed"',
    ]);
    assert.deepEqual(
      ((caught.details?.issues ?? []) as { path: string }[]).map((i) => i.path),
      ["alerting.rules[0].threshold.window", "alerting.rules[1].match[0]"],
    );
  });
});

describe("readRulesFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealtrail-rules-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  test("reads a YAML list, a YAML mapping with rules, and JSON", async () => {
    const list = write(
      "list.yaml",
      "- id: failed-logins\n  title: Failed sign-ins\n  severity: high\n  match: [action=user.login, outcome=failure]\n  channels: [ops]\n  group_by: [actor.id]\n  threshold: { count: 5, window: 5m }\n",
    );
    const mapping = write(
      "mapping.yml",
      "rules:\n  - id: quiet\n    title: Quiet\n    severity: low\n    match: []\n    channels: []\n    absence: { window: 1h }\n",
    );
    const json = write("rules.json", JSON.stringify({ rules: [{ ...valid, id: "j", any: true }] }));
    const [a] = await readRulesFile(list);
    assert.deepEqual(
      [a?.id, a?.condition, a?.source],
      ["failed-logins", { kind: "threshold", count: 5, windowMs: 300_000 }, { file: list, path: "[0]" }],
    );
    const [b] = await readRulesFile(mapping);
    assert.deepEqual(
      [b?.id, b?.condition, b?.source],
      ["quiet", { kind: "absence", count: 1, windowMs: 3_600_000 }, { file: mapping, path: "rules[0]" }],
    );
    const [c] = await readRulesFile(json);
    assert.equal(c?.id, "j");
  });

  test("names the file, the path, what was expected and the line", async () => {
    const file = write(
      "bad.yaml",
      "rules:\n  - id: ok\n    title: Ok\n    severity: high\n    match: []\n    channels: []\n    any: true\n  - id: bad\n    title: Bad\n    severity: high\n    match: [outcome=failed]\n    channels: []\n    threshold:\n      count: 5\n      window: 5 minutes\n",
    );
    await assert.rejects(readRulesFile(file), (e: unknown) => {
      assert.ok(e instanceof SealtrailError);
      assert.equal(e.code, "ST_ERR_ALERT_RULE");
      assert.deepEqual(e.message.split("\n"), [
        `${file}: rules[1].threshold.window: expected a duration like 5m, got "5 minutes" (line 15)`,
      ]);
      return true;
    });
    const semantic = write(
      "semantic.yaml",
      "- id: bad\n  title: Bad\n  severity: high\n  match:\n    - action=user.login\n    - outcome=failed\n  channels: []\n  any: true\n",
    );
    await assert.rejects(readRulesFile(semantic), {
      code: "ST_ERR_ALERT_RULE",
      message: `${semantic}: [0].match[1]: expected one of success, failure, unknown for outcome, got "failed" in "outcome=failed" (line 6)`,
    });
  });

  test("refuses a file that is not YAML, not a list of rules, or not there", async () => {
    const syntax = write("syntax.yaml", "rules: [\n  - id: x\n");
    await assert.rejects(readRulesFile(syntax), (e: unknown) => {
      assert.ok(e instanceof SealtrailError && e.code === "ST_ERR_ALERT_RULE");
      assert.match(
        e.message,
        new RegExp(
          `^${syntax.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: expected YAML, got a syntax error at column \\d+: .*\\(line \\d+\\)$`,
        ),
      );
      return true;
    });
    const scalar = write("scalar.yaml", "just text\n");
    await assert.rejects(readRulesFile(scalar), {
      code: "ST_ERR_ALERT_RULE",
      message: `${scalar}: expected a list of rules, or a mapping with rules: [...], got "just text"`,
    });
    const extra = write("extra.yaml", "rules: []\nchannels: {}\n");
    await assert.rejects(readRulesFile(extra), {
      code: "ST_ERR_ALERT_RULE",
      message: `${extra}: channels: expected only the keys rules and $schema, got unknown key "channels"`,
    });
    const missing = join(dir, "missing.yaml");
    await assert.rejects(readRulesFile(missing), {
      code: "ST_ERR_FILE_UNREADABLE",
      message: `--rules: expected a rules file (YAML or JSON), got "${missing}": no such file`,
    });
  });
});
