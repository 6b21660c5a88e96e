import assert from "node:assert/strict";
import { test } from "node:test";
import { SealtrailError } from "../errors.js";
import { flagOf, inFlagWords } from "./flag-wording.js";

const error = (message: string, details?: Record<string, unknown>) =>
  new SealtrailError("ST_ERR_USAGE", message, details ? { details } : {});

test("the fields an error names become the command's flags", () => {
  const both = inFlagWords(error("since: expected a time before until", { fields: ["since", "until"] }), [
    "since",
    "until",
  ]) as SealtrailError;
  assert.equal(both.message, "--since: expected a time before --until");
  assert.equal(both.code, "ST_ERR_USAGE");
  const one = inFlagWords(error("rotation_days: expected an integer", { field: "rotation_days" }), [
    "rotation_days",
  ]) as SealtrailError;
  assert.equal(one.message, "--rotation-days: expected an integer");
});

test("quoted values, longer names and fields the command has no flag for stay as they are", () => {
  const e = inFlagWords(
    error('type: expected one of access, got "type" (see the type.list and --type)', { field: "type" }),
    ["type"],
  ) as SealtrailError;
  assert.equal(e.message, '--type: expected one of access, got "type" (see the type.list and --type)');
  const path = inFlagWords(error("policy: cannot read /tmp/policy dir/x.json", { field: "policy" }), [
    "policy",
  ]) as SealtrailError;
  assert.equal(path.message, "--policy: cannot read /tmp/policy dir/x.json");
  const other = error("days: expected an integer", { field: "days" });
  assert.equal(inFlagWords(other, ["type"]), other);
  const plain = error("period: no details");
  assert.equal(inFlagWords(plain, ["period"]), plain);
  const notOurs = new Error("since: x");
  assert.equal(inFlagWords(notOurs, ["since"]), notOurs);
});

test("flagOf", () => {
  assert.equal(flagOf("html_css"), "--html-css");
  assert.equal(flagOf("level"), "--level");
});
