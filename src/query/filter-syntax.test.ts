import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSealtrailError, SealtrailError } from "../errors.js";
import { SEVERITIES } from "../event/audit-event.js";
import type { Condition } from "../read-model/event-filter.js";
import { checkFieldPath, parseCondition, parseFilter } from "./filter-syntax.js";

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Asserts `fn` throws a SealtrailError with `code` whose message names `expression` and matches `expected`. */
function assertFilterError(
  fn: () => unknown,
  code: SealtrailError["code"],
  expression: string,
  expected: RegExp,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SealtrailError, `expected a SealtrailError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, 400);
    assert.ok(e.message.includes(`"${expression}"`), `message names the expression: ${e.message}`);
    assert.match(e.message, expected);
    return true;
  });
}

describe("parseCondition: the forms of the syntax table", () => {
  const forms: ReadonlyArray<[string, Condition]> = [
    ["outcome=failure", { field: "outcome", op: "eq", value: "failure" }],
    ["tags=pci", { field: "tags", op: "eq", value: "pci" }],
    ["policies=PCI-DSS-10.2.1.5", { field: "policies", op: "eq", value: "PCI-DSS-10.2.1.5" }],
    ["outcome!=success", { field: "outcome", op: "ne", value: "success" }],
    ["action=user.login,user.logout", { field: "action", op: "in", values: ["user.login", "user.logout"] }],
    ["tags=a,b,c", { field: "tags", op: "in", values: ["a", "b", "c"] }],
    ["action=user.*", { field: "action", op: "prefix", value: "user." }],
    ["action=*", { field: "action", op: "prefix", value: "" }],
    ["actor.id!=*", { field: "actor.id", op: "absent" }],
    ["details.workflow=sal*", { field: "details.workflow", op: "prefix", value: "sal" }],
    ["duration_ms>=250", { field: "duration_ms", op: "gte", value: 250 }],
    ["duration_ms>250.5", { field: "duration_ms", op: "gt", value: 250.5 }],
    ["duration_ms<=10", { field: "duration_ms", op: "lte", value: 10 }],
    ["duration_ms<1e3", { field: "duration_ms", op: "lt", value: 1000 }],
    ["timestamp<2026-11-01", { field: "timestamp", op: "lt", value: Date.UTC(2026, 10, 1) }],
    [
      "timestamp>=2026-11-01T10:15:00+01:00",
      { field: "timestamp", op: "gte", value: Date.UTC(2026, 10, 1, 9, 15) },
    ],
    ["severity>=warning", { field: "severity", op: "gte", value: "warning" }],
    ["severity<error", { field: "severity", op: "lt", value: "error" }],
    ["severity=info,debug", { field: "severity", op: "in", values: ["info", "debug"] }],
    ["severity!=debug", { field: "severity", op: "ne", value: "debug" }],
    ["seq=1,2,3", { field: "seq", op: "in", values: [1, 2, 3] }],
    ["seq>100", { field: "seq", op: "gt", value: 100 }],
    ["crypto.key_size>=2048", { field: "crypto.key_size", op: "gte", value: 2048 }],
    ["crypto.not_after<2027-01-01", { field: "crypto.not_after", op: "lt", value: Date.UTC(2027, 0, 1) }],
    [
      "received_at=2026-11-01T00:00:00.000Z",
      { field: "received_at", op: "eq", value: Date.UTC(2026, 10, 1) },
    ],
    ["actor.id=alice", { field: "actor.id", op: "eq", value: "alice" }],
    ["actor.ip=10.0.0.1", { field: "actor.ip", op: "eq", value: "10.0.0.1" }],
    ["target.version=1.3.0", { field: "target.version", op: "eq", value: "1.3.0" }],
    ["source.tool=trivy", { field: "source.tool", op: "eq", value: "trivy" }],
    ["error.code=E42", { field: "error.code", op: "eq", value: "E42" }],
    ["tenant=acme", { field: "tenant", op: "eq", value: "acme" }],
    ["category=key_management", { field: "category", op: "eq", value: "key_management" }],
    [
      "id=0190f1a2-0000-7000-8000-000000000000",
      { field: "id", op: "eq", value: "0190f1a2-0000-7000-8000-000000000000" },
    ],
    // details.* and context.* take any path; their values stay text (the store matches numbers too).
    ["details.workflow=sales", { field: "details.workflow", op: "eq", value: "sales" }],
    ["details.count=5", { field: "details.count", op: "eq", value: "5" }],
    ["details.amount>100", { field: "details.amount", op: "gt", value: "100" }],
    ["details.a.b-c_d.0=x", { field: "details.a.b-c_d.0", op: "eq", value: "x" }],
    ["context.request_id=r-1", { field: "context.request_id", op: "eq", value: "r-1" }],
    ["context.lead_id!=L1", { field: "context.lead_id", op: "ne", value: "L1" }],
    // The first operator splits; the rest is the value.
    ["details.query=a=b", { field: "details.query", op: "eq", value: "a=b" }],
    ["details.cmp=x>=y", { field: "details.cmp", op: "eq", value: "x>=y" }],
    ["tenant=", { field: "tenant", op: "eq", value: "" }],
    ["  outcome=failure  ", { field: "outcome", op: "eq", value: "failure" }],
    ["actor.name=Zoë 🎉", { field: "actor.name", op: "eq", value: "Zoë 🎉" }],
    // A '*' inside a value is literal; only a single trailing one means "starts with".
    ["action=a*b", { field: "action", op: "eq", value: "a*b" }],
    ["action=a**", { field: "action", op: "eq", value: "a**" }],
  ];
  for (const [expression, expected] of forms) {
    test(expression, () => {
      assert.deepEqual(parseCondition(expression), expected);
    });
  }
});

describe("parseCondition: errors name the expression and what was expected", () => {
  test("no operator", () => {
    for (const expression of ["outcome", "outcome failure", "=failure", "", "outcome =failure", "1field=x"]) {
      assertFilterError(
        () => parseCondition(expression),
        "ST_ERR_QUERY_FILTER",
        expression,
        /expected FIELD=VALUE/,
      );
    }
  });

  test("unknown fields are rejected, pointing at details.* and context.*", () => {
    for (const [expression, field] of [
      ["foo=1", "foo"],
      ["actor.foo=1", "actor.foo"],
      ["actor=alice", "actor"],
      ["actor.id.x=1", "actor.id.x"],
      ["details=1", "details"],
      ["context=x", "context"],
      ["outcome.x=1", "outcome.x"],
      ["tags.x=1", "tags.x"],
      ["crypto.private_key=1", "crypto.private_key"],
      ["Outcome=failure", "Outcome"],
    ] as const) {
      assertFilterError(
        () => parseCondition(expression),
        "ST_ERR_QUERY_FILTER",
        expression,
        new RegExp(`unknown field "${field.replace(".", "\\.")}"`),
      );
      assertFilterError(
        () => parseCondition(expression),
        "ST_ERR_QUERY_FILTER",
        expression,
        /details\.\* or context\.\*/,
      );
    }
  });

  test("malformed paths are rejected", () => {
    for (const expression of ["details..x=1", "details.=1", "details.x.=1"]) {
      assertFilterError(
        () => parseCondition(expression),
        "ST_ERR_QUERY_FILTER",
        expression,
        /expected a field path/,
      );
    }
  });

  test("numbers", () => {
    for (const expression of [
      "duration_ms>fast",
      "seq=abc",
      "seq=",
      "seq=1,x",
      "crypto.key_size>= ",
      "duration_ms=1*",
    ]) {
      assertFilterError(
        () => parseCondition(expression),
        "ST_ERR_QUERY_FILTER",
        expression,
        /expected a number for /,
      );
    }
  });

  test("severities", () => {
    for (const expression of [
      "severity=loud",
      "severity>=WARNING",
      "severity=info,loud",
      "severity=warn*",
      "severity=*",
    ]) {
      assertFilterError(
        () => parseCondition(expression),
        "ST_ERR_QUERY_FILTER",
        expression,
        new RegExp(`expected one of ${SEVERITIES.join(", ")}`),
      );
    }
  });

  test("every enumerated field refuses a value outside its list, as severity does", () => {
    for (const [expression, field, list] of [
      ["outcome=failed", "outcome", "success, failure, unknown"],
      ["outcome!=ok", "outcome", "success, failure, unknown"],
      ["outcome=success,failed", "outcome", "success, failure, unknown"],
      ["outcome=fl*", "outcome", "success, failure, unknown"],
      ["actor.type=human", "actor.type", "user, service, system"],
      ["category=authn", "category", ""],
    ] as const) {
      assertFilterError(
        () => parseCondition(expression),
        "ST_ERR_QUERY_FILTER",
        expression,
        new RegExp(`${field.replace(".", "\\.")}: expected one of ${list}`),
      );
    }
    assert.deepEqual(parseCondition("outcome=fail*"), { field: "outcome", op: "prefix", value: "fail" });
    assert.deepEqual(parseCondition("actor.type!=service"), {
      field: "actor.type",
      op: "ne",
      value: "service",
    });
  });

  test("times are ST_ERR_QUERY_TIME naming the expression", () => {
    for (const expression of [
      "timestamp>=yesterday",
      "timestamp<2026-02-30",
      "received_at=2026*",
      "crypto.not_before<soon",
    ]) {
      assertFilterError(
        () => parseCondition(expression),
        "ST_ERR_QUERY_TIME",
        expression,
        /expected a duration/,
      );
      assert.throws(
        () => parseCondition(expression),
        (e: unknown) =>
          isSealtrailError(e, "ST_ERR_QUERY_TIME") && e.message.startsWith(`filter "${expression}"`),
      );
    }
  });

  test("the expression is in the error details", () => {
    assert.throws(
      () => parseCondition("nope=1"),
      (e: unknown) => isSealtrailError(e, "ST_ERR_QUERY_FILTER") && e.details?.expression === "nope=1",
    );
  });
});

describe("checkFieldPath", () => {
  test("accepts every schema field, details.* and context.*", () => {
    for (const field of [
      "seq",
      "id",
      "timestamp",
      "received_at",
      "action",
      "category",
      "outcome",
      "severity",
      "tenant",
      "duration_ms",
      "tags",
      "policies",
      "actor.id",
      "actor.type",
      "actor.name",
      "actor.ip",
      "actor.user_agent",
      "actor.session_id",
      "target.type",
      "target.id",
      "target.name",
      "target.version",
      "source.tool",
      "source.tool_version",
      "source.host",
      "source.component",
      "crypto.key_id",
      "crypto.algorithm",
      "crypto.key_size",
      "crypto.fingerprint",
      "crypto.not_before",
      "crypto.not_after",
      "crypto.serial",
      "error.code",
      "error.message",
      "error.stack",
      "details.x",
      "details.x.y.z",
      "details.0",
      "context.trace_id",
    ]) {
      assert.equal(checkFieldPath(field), field);
    }
  });

  test("rejects unknown and malformed fields, naming the given expression", () => {
    assertFilterError(
      () => checkFieldPath("details.ünï"),
      "ST_ERR_QUERY_FILTER",
      "details.ünï",
      /expected a field path/,
    );
    assertFilterError(
      () => checkFieldPath("nope", "nope>1"),
      "ST_ERR_QUERY_FILTER",
      "nope>1",
      /unknown field "nope"/,
    );
    assertFilterError(() => checkFieldPath(""), "ST_ERR_QUERY_FILTER", "", /expected a field path/);
  });
});

describe("parseFilter", () => {
  test("combines expressions, skipping blank ones", () => {
    assert.deepEqual(parseFilter(["actor.id=alice", " ", "outcome=failure", ""], {}, NOW), {
      conditions: [
        { field: "actor.id", op: "eq", value: "alice" },
        { field: "outcome", op: "eq", value: "failure" },
      ],
    });
    assert.deepEqual(parseFilter([]), { conditions: [] });
  });

  test("since and until take durations relative to now, dates and RFC 3339", () => {
    assert.deepEqual(parseFilter([], { since: "24h" }, NOW), { conditions: [], since: NOW - DAY });
    assert.deepEqual(parseFilter([], { since: "7d", until: "1h" }, NOW), {
      conditions: [],
      since: NOW - 7 * DAY,
      until: NOW - HOUR,
    });
    assert.deepEqual(parseFilter([], { since: "2026-11-01", until: "2026-11-02T00:00:00Z" }, NOW), {
      conditions: [],
      since: Date.UTC(2026, 10, 1),
      until: Date.UTC(2026, 10, 2),
    });
    assert.deepEqual(parseFilter([], { since: undefined, until: undefined }, NOW), { conditions: [] });
  });

  test("durations inside expressions are relative to the same now", () => {
    assert.deepEqual(parseFilter(["timestamp>=24h", "received_at<15m"], {}, NOW).conditions, [
      { field: "timestamp", op: "gte", value: NOW - DAY },
      { field: "received_at", op: "lt", value: NOW - 15 * 60_000 },
    ]);
  });

  test("a bad window names the option plainly (the CLI spells it as its flag)", () => {
    assert.throws(
      () => parseFilter([], { since: "yesterday" }, NOW),
      (e: unknown) =>
        isSealtrailError(e, "ST_ERR_QUERY_TIME") &&
        e.message.startsWith("since:") &&
        e.message.includes('"yesterday"'),
    );
    assert.throws(
      () => parseFilter([], { until: "2026-13-01" }, NOW),
      (e: unknown) => isSealtrailError(e, "ST_ERR_QUERY_TIME") && e.message.startsWith("until:"),
    );
  });

  test("a bad expression fails the whole filter", () => {
    assertFilterError(
      () => parseFilter(["outcome=failure", "bogus=1"], {}, NOW),
      "ST_ERR_QUERY_FILTER",
      "bogus=1",
      /unknown field/,
    );
  });
});
