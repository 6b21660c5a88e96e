import assert from "node:assert/strict";
import { type ErrorCode, SealtrailError } from "../../src/errors.js";

/**
 * Asserts that `fn` throws a {@link SealtrailError} with `code` (and a message matching
 * `message`, when given); returns the message for further checks.
 *
 * @example
 * ```ts
 * throwsCode(() => parseVerifierKey("nope"), "ST_ERR_KEY_INVALID", /verifier key/);
 * ```
 */
export function throwsCode(fn: () => unknown, code: ErrorCode, message?: RegExp, label = ""): string {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SealtrailError, `${label} expected a SealtrailError, got ${String(caught)}`);
  assert.equal(caught.code, code, `${label} ${caught.message}`);
  if (message) assert.match(caught.message, message, label);
  return caught.message;
}
