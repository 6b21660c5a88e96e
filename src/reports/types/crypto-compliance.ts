import { counted } from "../../human/counted.js";
import { humanTimestamp } from "../../human/human-time.js";
import {
  algorithmAllowed,
  type CryptoPolicy,
  DEFAULT_CRYPTO_POLICY,
  minKeySizeFor,
} from "../crypto-policy.js";
import type { Cell, Finding, FindingSeverity, Report, TableBlock } from "../report-model.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { summarySection } from "./blocks.js";
import { type CryptoAsset, cryptoInventory, SCAN_LIMIT } from "./crypto-assets.js";

const DAY = 86_400_000;

/** The columns of the crypto-compliance report's table of keys and certificates. */
export const CRYPTO_ASSET_COLUMNS = [
  { key: "asset", label: "Asset" },
  { key: "kind", label: "Kind" },
  { key: "fingerprint", label: "Fingerprint" },
  { key: "algorithm", label: "Algorithm" },
  { key: "keySize", label: "Key size" },
  { key: "validity", label: "Validity (days)" },
  { key: "compliant", label: "Compliant" },
  { key: "violations", label: "Violations" },
  { key: "seq", label: "Latest seq" },
] as const;

/** What the crypto-compliance report is asked for. */
export interface CryptoComplianceOptions {
  /** The policy to check against (`--policy FILE`, see `loadCryptoPolicy`); default {@link DEFAULT_CRYPTO_POLICY}. */
  readonly policy?: CryptoPolicy;
  /** Where the policy came from, stated on the report (a file name). */
  readonly policySource?: string;
}

/** One way an asset breaks the policy. */
interface Violation {
  readonly rule: "algorithm" | "key-size" | "validity";
  readonly severity: FindingSeverity;
  readonly text: string;
  readonly seqs: readonly number[];
}

function violationsOf(asset: CryptoAsset, policy: CryptoPolicy): Violation[] {
  const found: Violation[] = [];
  const algorithm = asset.algorithm;
  if (algorithm && !algorithmAllowed(policy, algorithm.value)) {
    found.push({
      rule: "algorithm",
      severity: "high",
      text: `algorithm ${algorithm.value} is not allowed`,
      seqs: [algorithm.seq],
    });
  }
  const min = algorithm ? minKeySizeFor(policy, algorithm.value) : undefined;
  if (algorithm && asset.keySize && min !== undefined && asset.keySize.value < min) {
    found.push({
      rule: "key-size",
      severity: "high",
      text: `${asset.keySize.value}-bit ${algorithm.value} key, below the ${min} bits required`,
      seqs: [asset.keySize.seq, algorithm.seq],
    });
  }
  if (
    asset.kind === "certificate" &&
    policy.maxValidityDays !== undefined &&
    asset.notBefore &&
    asset.notAfter
  ) {
    const days = validityDays(asset);
    if (days !== undefined && days > policy.maxValidityDays) {
      found.push({
        rule: "validity",
        severity: "medium",
        text: `valid for ${counted(days, "day")}, longer than the ${policy.maxValidityDays} allowed`,
        seqs: [asset.notBefore.seq, asset.notAfter.seq],
      });
    }
  }
  return found;
}

function validityDays(asset: CryptoAsset): number | undefined {
  if (!asset.notBefore || !asset.notAfter) return undefined;
  return Math.ceil((Date.parse(asset.notAfter.value) - Date.parse(asset.notBefore.value)) / DAY);
}

const uniqueSorted = (seqs: readonly number[]): number[] => [...new Set(seqs)].sort((a, b) => a - b);

/**
 * The crypto-compliance report: the latest known state of every key and certificate (one asset
 * per identity across rotations and renewals, see `cryptoAssetIdentity`) checked against a crypto policy — disallowed algorithms, keys smaller
 * than required, certificates valid for longer than allowed — with the compliance percentage
 * (compliant assets / assets). Revoked or deleted assets are left out.
 *
 * @example
 * ```ts
 * const report = await cryptoCompliance(log, scope, { policy: loadCryptoPolicy("policy.json") });
 * ```
 */
export async function cryptoCompliance(
  source: ReportSource,
  scope: ReportScope,
  options: CryptoComplianceOptions = {},
): Promise<Report> {
  const policy = options.policy ?? DEFAULT_CRYPTO_POLICY;
  const inventory = await cryptoInventory(source, scope);
  const assets = inventory.assets.filter((a) => !a.retired);
  const checked = assets.map((a) => ({ asset: a, violations: violationsOf(a, policy) }));
  const failing = checked.filter((c) => c.violations.length > 0);
  const compliant = checked.length - failing.length;
  const percent = checked.length === 0 ? 100 : Math.round((compliant / checked.length) * 10_000) / 100;

  const findings: Finding[] = failing.map(({ asset, violations }) => ({
    severity: violations.some((v) => v.severity === "high") ? "high" : "medium",
    title: `${asset.kind === "key" ? "Key" : "Certificate"} ${asset.id}: ${violations.map((v) => v.text).join("; ")}`,
    detail: `Its latest known state breaks the crypto policy (${violations.map((v) => v.rule).join(", ")}); replace or re-issue it.`,
    evidenceSeqs: uniqueSorted(violations.flatMap((v) => v.seqs)),
  }));
  if (inventory.truncated) {
    findings.push({
      severity: "info",
      title: "Inventory truncated",
      detail: `Only the newest ${SCAN_LIMIT} events of each kind were read; older keys and certificates may be missing.`,
    });
  }

  const table: TableBlock = {
    kind: "table",
    title: "Keys and certificates",
    columns: [...CRYPTO_ASSET_COLUMNS],
    rows: checked.map(
      ({ asset, violations }): Record<string, Cell> => ({
        asset: asset.id,
        kind: asset.kind,
        fingerprint: asset.fingerprint?.value ?? null,
        algorithm: asset.algorithm?.value ?? null,
        keySize: asset.keySize?.value ?? null,
        validity: validityDays(asset) ?? null,
        compliant: violations.length === 0,
        violations: violations.map((v) => v.text).join("; ") || null,
        seq: asset.latest.seq,
      }),
    ),
  };
  const policyTable: TableBlock = {
    kind: "table",
    title: `Policy${options.policySource ? ` (${options.policySource})` : options.policy ? "" : " (default)"}`,
    columns: [
      { key: "rule", label: "Rule" },
      { key: "value", label: "Value" },
    ],
    rows: [
      ...[...policy.minKeySize].map(([family, bits]) => ({
        rule: `Minimum ${family} key size (bits)`,
        value: bits,
      })),
      ...(policy.maxValidityDays === undefined
        ? []
        : [{ rule: "Maximum certificate validity (days)", value: policy.maxValidityDays }]),
      ...(policy.allowedAlgorithms === undefined
        ? []
        : [{ rule: "Allowed algorithms", value: policy.allowedAlgorithms.join(", ") }]),
    ],
  };

  return {
    provenance: scope.provenance("crypto-compliance", "Crypto policy compliance"),
    sections: [
      summarySection(
        [
          { label: "Assets", value: checked.length },
          { label: "Keys", value: checked.filter((c) => c.asset.kind === "key").length },
          { label: "Certificates", value: checked.filter((c) => c.asset.kind === "certificate").length },
          { label: "Compliant", value: compliant },
          { label: "Non-compliant", value: failing.length },
          { label: "Compliance", value: percent, unit: "%" },
        ],
        findings,
        `Inventory at the period's end (${humanTimestamp(scope.request.until)})`,
      ),
      { id: "assets", title: "Assets", blocks: [table] },
      { id: "policy", title: "Policy", blocks: [policyTable] },
    ],
  };
}
