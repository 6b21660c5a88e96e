import assert from "node:assert/strict";
import { test } from "node:test";
import { combineStatuses } from "./check-result.js";

test("a control's status is the worst of its checks that apply", () => {
  assert.equal(combineStatuses(["met", "met"]), "met");
  assert.equal(combineStatuses(["met", "partial", "not_applicable"]), "partial");
  assert.equal(combineStatuses(["partial", "gap", "met"]), "gap");
  assert.equal(combineStatuses(["not_applicable", "met"]), "met");
});

test("a control whose evidence needs more history than the log holds is not yet demonstrable, never met", () => {
  assert.equal(combineStatuses(["met", "not_yet_demonstrable"]), "not_yet_demonstrable");
  assert.equal(combineStatuses(["not_yet_demonstrable", "not_applicable"]), "not_yet_demonstrable");
  assert.equal(combineStatuses(["not_yet_demonstrable", "partial"]), "partial");
  assert.equal(combineStatuses(["gap", "not_yet_demonstrable"]), "gap");
});

test("a control is not applicable only when none of its checks applies", () => {
  assert.equal(combineStatuses(["not_applicable", "not_applicable"]), "not_applicable");
  assert.equal(combineStatuses([]), "not_applicable");
});
