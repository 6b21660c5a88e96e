import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CATEGORIES } from "./audit-event.js";
import { categoryOf } from "./category-rules.js";

describe("categoryOf", () => {
  test("the design's example actions", () => {
    assert.equal(categoryOf("user.login"), "authentication");
    assert.equal(categoryOf("package.install"), "package");
    assert.equal(categoryOf("key.rotate"), "key_management");
    assert.equal(categoryOf("lead.ingested"), "data");
  });

  test("by domain", () => {
    const cases: Array<[string, string]> = [
      ["session.create", "authentication"],
      ["mfa.enroll", "authentication"],
      ["token.issue", "authentication"],
      ["user.create", "account"],
      ["group.add_member", "account"],
      ["role.assign", "authorization"],
      ["permission.grant", "authorization"],
      ["access.request", "access"],
      ["config.update", "configuration"],
      ["feature_flag.toggle", "configuration"],
      ["record.update", "data"],
      ["export.csv", "data"],
      ["kms.encrypt", "key_management"],
      ["secret.rotate", "key_management"],
      ["cert.renew", "certificate"],
      ["tls.handshake", "certificate"],
      ["vulnerability.found", "package"],
      ["compliance.check", "policy"],
      ["alert.fired", "incident"],
      ["service.start", "system"],
      ["metric.sample", "performance"],
    ];
    for (const [action, category] of cases) assert.equal(categoryOf(action), category, action);
  });

  test("authentication verbs win over the domain", () => {
    assert.equal(categoryOf("user.logout"), "authentication");
    assert.equal(categoryOf("account.password_reset"), "authentication");
    assert.equal(categoryOf("record.login_failed"), "authentication");
    assert.equal(categoryOf("app.sso.authenticate"), "authentication");
  });

  test("access verbs apply only when the domain says nothing", () => {
    assert.equal(categoryOf("report.download"), "access");
    assert.equal(categoryOf("dashboard.view"), "access");
    assert.equal(categoryOf("invoice.pdf.open"), "access");
    assert.equal(categoryOf("record.read"), "data", "the domain wins over an access verb");
    assert.equal(categoryOf("key.list"), "key_management");
  });

  test("unknown actions are other, never system; matching ignores case", () => {
    assert.equal(categoryOf("widget.frobnicate"), "other");
    assert.equal(categoryOf("x.y"), "other");
    assert.equal(categoryOf("audit_log.review"), "other", "a domain the rules do not know");
    assert.equal(categoryOf("constructor.x"), "other");
    assert.equal(categoryOf("User.LOGIN"), "authentication");
    assert.equal(categoryOf("KEY.Rotate"), "key_management");
    assert.equal(categoryOf("Report.Download"), "access");
    assert.equal(categoryOf("key.version.destroy"), "key_management", "domain is the first part");
    assert.equal(categoryOf("app.user.login"), "authentication", "verb is the last part");
  });

  test("always one of the schema's categories", () => {
    for (const action of [
      "a.b",
      "user.login",
      "x.read",
      "constructor.x",
      "__proto__.x",
      "toString.y",
      "hasOwnProperty.z",
    ]) {
      assert.ok(
        (CATEGORIES as readonly string[]).includes(categoryOf(action)),
        `${action} → ${categoryOf(action)}`,
      );
    }
  });
});
