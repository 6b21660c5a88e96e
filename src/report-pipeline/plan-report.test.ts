import assert from "node:assert/strict";
import { test } from "node:test";
import { isSealtrailError, type SealtrailError } from "../errors.js";
import { planReport } from "./plan-report.js";

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const H = 3_600_000;
const D = 24 * H;

/** The error `fn` throws, which must be a SealtrailError. */
function thrown(fn: () => unknown): SealtrailError {
  try {
    fn();
  } catch (e) {
    assert.ok(isSealtrailError(e), String(e));
    return e;
  }
  assert.fail("nothing was thrown");
}

test("the period defaults to the type's own, back from until; since and until as given", () => {
  const weekly = planReport({ type: "activity-weekly" }, { files: true, now: NOW });
  assert.deepEqual([weekly.request.since, weekly.request.until], [NOW - 7 * D, NOW]);
  assert.equal(weekly.renderer.format, "json");
  assert.equal(weekly.request.auditLevel, "standard");
  assert.equal(weekly.request.verifyStore, undefined);
  const ended = planReport({ type: "access", period: "2d", until: "2026-11-10" }, { files: true, now: NOW });
  assert.deepEqual(
    [ended.request.since, ended.request.until],
    [Date.UTC(2026, 10, 8), Date.UTC(2026, 10, 10)],
  );
  const window = planReport(
    { type: "access", since: "2026-11-01", until: "6h", format: "csv", level: "DETAILED", verify: true },
    { files: true, now: NOW },
  );
  assert.deepEqual([window.request.since, window.request.until], [Date.UTC(2026, 10, 1), NOW - 6 * H]);
  assert.deepEqual(
    [window.renderer.format, window.request.auditLevel, window.request.verifyStore],
    ["csv", "detailed", true],
  );
});

test("the filter is parsed, and a tenant binding is a condition of its own, stated in the filter", () => {
  const plan = planReport(
    { type: "access", filter: ["actor.type=user"], tenant: "acme,globex*" },
    { files: false, now: NOW },
  );
  assert.deepEqual(plan.request.expressions, ["actor.type=user", "tenant=acme,globex*"]);
  assert.deepEqual(plan.request.filter.conditions, [
    { field: "actor.type", op: "eq", value: "user" },
    { field: "tenant", op: "eq", value: "acme,globex*" },
  ]);
});

test("errors name fields, never flags", () => {
  const cases: Array<[() => unknown, RegExp, Record<string, unknown>]> = [
    [
      () => planReport({ type: "nope" }, { files: true }),
      /^type: expected one of activity-daily, /,
      { field: "type" },
    ],
    [
      () => planReport({ type: "access", template: "t.yaml" }, { files: true }),
      /^type and template: give one of them$/,
      { fields: ["type", "template"] },
    ],
    [
      () => planReport({}, { files: true }),
      /^type: expected a report type/,
      { fields: ["type", "template"] },
    ],
    [
      () => planReport({ type: "access", period: "1d", since: "2d" }, { files: true }),
      /^period and since: give one of them$/,
      { fields: ["period", "since"] },
    ],
    [
      () => planReport({ type: "access", since: "1h", until: "2h" }, { files: true, now: NOW }),
      /^since: expected a time before until$/,
      { fields: ["since", "until"] },
    ],
    [
      () => planReport({ type: "access", until: "soon" }, { files: true }),
      /^until: expected a duration/,
      { field: "until" },
    ],
    [() => planReport({ type: "access", level: "loud" }, { files: true }), /^level: /, { field: "level" }],
    [
      () => planReport({ type: "key-usage", rotationDays: "0" }, { files: true }),
      /^rotation_days: expected an integer from 1 to 36500, got "0"$/,
      { field: "rotation_days" },
    ],
    [
      () => planReport({ type: "certificate-expiry", days: 2.5 }, { files: true }),
      /^days: /,
      { field: "days" },
    ],
  ];
  for (const [fn, message, details] of cases) {
    const e = thrown(fn);
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /--/);
    assert.deepEqual(e.details, details, e.message);
  }
});

test("where files may not be named, only built-in frameworks, and no template or policy file", () => {
  assert.equal(
    planReport({ type: "compliance", framework: "pci-dss" }, { files: false }).typeOptions.framework,
    "pci-dss",
  );
  const path = thrown(() => planReport({ type: "compliance", framework: "/etc/passwd" }, { files: false }));
  assert.match(path.message, /^framework: expected one of soc2, hipaa, pci-dss, gdpr, got "\/etc\/passwd"$/);
  assert.match(
    thrown(() => planReport({ template: "/etc/passwd" }, { files: false })).message,
    /^template: /,
  );
  assert.match(
    thrown(() => planReport({ type: "crypto-compliance", policy: "/etc/passwd" }, { files: false })).message,
    /^policy: /,
  );
  // Where files may be named, the path is the type's to read when it is built.
  const local = planReport({ type: "compliance", framework: "./mine.json" }, { files: true });
  assert.equal(local.typeOptions.framework, "./mine.json");
});

test("an html renderer takes the CSS given; other formats are as named", () => {
  const plan = planReport(
    { type: "access", format: "html", html: { css: "h1{color:#123456}" } },
    { files: true },
  );
  assert.equal(plan.renderer.format, "html");
  assert.equal(
    thrown(() => planReport({ type: "access", format: "docx" }, { files: true })).code,
    "ST_ERR_USAGE",
  );
});
