import assert from "node:assert/strict";
import { test } from "node:test";
import { isSealtrailError } from "../errors.js";
import { REPORT_TYPES, type ReportType, registerReportType, reportType } from "./report-types.js";

const logins: ReportType = {
  id: "logins-test",
  title: "Sign-ins",
  description: "Sign-ins over the period.",
  defaultPeriod: "7d",
  build: (_source, scope) =>
    Promise.resolve({ provenance: scope.provenance("logins-test", "Sign-ins"), sections: [] }),
};

test("reports/ alone defines the built-in types only: compliance is registered from outside", () => {
  const ids = REPORT_TYPES.map((t) => t.id);
  assert.ok(ids.includes("activity-daily") && ids.includes("crypto-compliance"), ids.join(", "));
  assert.ok(!ids.includes("compliance"), ids.join(", "));
  assert.throws(() => reportType("compliance"), /: type: expected one of activity-daily, /);
});

test("a registered type is listed after the others and found by id; registering it again changes nothing", () => {
  const before = REPORT_TYPES.map((t) => t.id);
  registerReportType(logins);
  assert.deepEqual(
    REPORT_TYPES.map((t) => t.id),
    [...before, "logins-test"],
  );
  assert.equal(reportType("logins-test"), logins);
  registerReportType(logins);
  assert.equal(REPORT_TYPES.filter((t) => t.id === "logins-test").length, 1);
});

test("another type with an id already taken is refused, naming the id", () => {
  const count = REPORT_TYPES.length;
  assert.throws(
    () => registerReportType({ ...logins, id: "access", title: "Another access report" }),
    (error: unknown) =>
      isSealtrailError(error) &&
      error.code === "ST_ERR_USAGE" &&
      /report type "access": expected an id not taken/.test(error.message),
  );
  assert.equal(REPORT_TYPES.length, count);
  assert.equal(reportType("access").title, "Access report");
});
