import { readFileSync } from "node:fs";
import { fileProblem, SealtrailError } from "../errors.js";

/**
 * A crypto policy: what the crypto-compliance report checks every key and certificate against.
 * Given as a JSON file (`--policy FILE`); every field is optional, a missing one is not checked.
 *
 * @example
 * ```json
 * { "min_key_size": { "RSA": 2048, "EC": 256 }, "max_validity_days": 398,
 *   "allowed_algorithms": ["RSA", "EC", "Ed25519", "ECDSA-P256"] }
 * ```
 */
export interface CryptoPolicy {
  /**
   * Smallest key size in bits per algorithm family. An algorithm matches the longest family
   * it starts with, case-insensitively (`RSA-PSS` → `RSA`, `ECDSA-P256` → `EC`).
   */
  readonly minKeySize: ReadonlyMap<string, number>;
  /** Longest certificate validity (not_before → not_after), in days. */
  readonly maxValidityDays?: number;
  /** Algorithms allowed (case-insensitive exact names); undefined: any. */
  readonly allowedAlgorithms?: readonly string[];
}

/** The policy used when none is given: common CA/Browser Forum and NIST minimums. */
export const DEFAULT_CRYPTO_POLICY: CryptoPolicy = {
  minKeySize: new Map([
    ["RSA", 2048],
    ["EC", 256],
  ]),
  maxValidityDays: 398,
  allowedAlgorithms: ["RSA", "EC", "ECDSA", "ECDSA-P256", "ECDSA-P384", "Ed25519", "Ed448"],
};

const FIELDS = new Set(["min_key_size", "max_validity_days", "allowed_algorithms"]);

function invalid(source: string, message: string): SealtrailError {
  return new SealtrailError("ST_ERR_CONFIG_INVALID", `${source}: ${message}`);
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v > 0;
}

/**
 * Parses and validates a crypto policy's JSON text; errors (`ST_ERR_CONFIG_INVALID`) name the source and
 * the field.
 *
 * @example
 * ```ts
 * parseCryptoPolicy('{"max_validity_days": 398}', "policy.json").maxValidityDays; // 398
 * ```
 */
export function parseCryptoPolicy(text: string, source = "policy"): CryptoPolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalid(source, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(source, "expected a JSON object");
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!FIELDS.has(key)) {
      throw invalid(source, `unknown field "${key}" (expected ${[...FIELDS].join(", ")})`);
    }
  }
  const minKeySize = new Map<string, number>();
  const sizes = obj.min_key_size;
  if (sizes !== undefined) {
    if (typeof sizes !== "object" || sizes === null || Array.isArray(sizes)) {
      throw invalid(source, "min_key_size: expected an object of algorithm → bits");
    }
    for (const [algorithm, bits] of Object.entries(sizes as Record<string, unknown>)) {
      if (algorithm.trim() === "") throw invalid(source, "min_key_size: expected non-empty algorithm names");
      if (!isPositiveInteger(bits)) {
        throw invalid(source, `min_key_size.${algorithm}: expected a positive integer number of bits`);
      }
      minKeySize.set(algorithm, bits);
    }
  }
  const days = obj.max_validity_days;
  if (days !== undefined && !isPositiveInteger(days)) {
    throw invalid(source, "max_validity_days: expected a positive integer number of days");
  }
  const allowed = obj.allowed_algorithms;
  if (allowed !== undefined) {
    if (!Array.isArray(allowed) || allowed.length === 0) {
      throw invalid(source, "allowed_algorithms: expected a non-empty array of algorithm names");
    }
    allowed.forEach((a, i) => {
      if (typeof a !== "string" || a.trim() === "") {
        throw invalid(source, `allowed_algorithms[${i}]: expected a non-empty string`);
      }
    });
  }
  return {
    minKeySize,
    ...(days === undefined ? {} : { maxValidityDays: days as number }),
    ...(allowed === undefined ? {} : { allowedAlgorithms: allowed as string[] }),
  };
}

/**
 * Reads and validates a crypto policy file (`--policy FILE`).
 *
 * @example
 * ```ts
 * const policy = loadCryptoPolicy("crypto-policy.json");
 * ```
 */
export function loadCryptoPolicy(path: string): CryptoPolicy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SealtrailError(
      "ST_ERR_CONFIG_INVALID",
      `policy: cannot read ${path}: ${fileProblem(e)}; expected a JSON file of crypto rules`,
      { details: { field: "policy", file: path } },
    );
  }
  return parseCryptoPolicy(text, path);
}

/** The smallest key size the policy allows for `algorithm` (longest matching family), if any. */
export function minKeySizeFor(policy: CryptoPolicy, algorithm: string): number | undefined {
  const upper = algorithm.toUpperCase();
  let best: { family: string; bits: number } | undefined;
  for (const [family, bits] of policy.minKeySize) {
    if (upper.startsWith(family.toUpperCase()) && (!best || family.length > best.family.length)) {
      best = { family, bits };
    }
  }
  return best?.bits;
}

/** Whether the policy allows `algorithm` (no list: every algorithm). */
export function algorithmAllowed(policy: CryptoPolicy, algorithm: string): boolean {
  if (!policy.allowedAlgorithms) return true;
  const upper = algorithm.toUpperCase();
  return policy.allowedAlgorithms.some((a) => a.toUpperCase() === upper);
}
