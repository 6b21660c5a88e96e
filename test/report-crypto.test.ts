/**
 * End to end: the policy-violations, key-usage, certificate-expiry and crypto-compliance reports
 * over a seeded store with known, deliberate gaps (an expired certificate, one expiring in 10
 * days, a 1024-bit RSA key, a DSA key, a key last rotated 200 days ago, failing events under
 * policies), each flagged exactly. The store is seeded with the real CLI; the reports are built
 * directly from the library (the CLI does not list these types yet).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { AuditLog } from "../src/audit-log.js";
import { SealtrailError } from "../src/errors.js";
import { loadCryptoPolicy, parseCryptoPolicy } from "../src/reports/crypto-policy.js";
import type { FiguresBlock, Finding, Report, TableBlock } from "../src/reports/report-model.js";
import { type ReportScope, reportScope } from "../src/reports/report-source.js";
import { certificateExpiry } from "../src/reports/types/certificate-expiry.js";
import { cryptoCompliance } from "../src/reports/types/crypto-compliance.js";
import { keyUsage } from "../src/reports/types/key-usage.js";
import { policyViolations } from "../src/reports/types/policy-violations.js";
import { cli, exportLines, initStore, removeTempDirs, tempDir, writeNdjson } from "./cli-harness.js";
import { assertHumanWording } from "./support/report-wording.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.now();
const at = (ms: number) => new Date(ms).toISOString();
/** The policy fixture (compiled tests run from dist/test; the fixture stays in test/fixtures). */
const POLICY_FILE = fileURLToPath(new URL("../../test/fixtures/crypto-policy.json", import.meta.url));

/** Each event is named by `details.n`, so its seq can be looked up after ingest. */
const SEED: Array<Record<string, unknown>> = [
  // Certificates.
  {
    n: "cert-expired",
    action: "certificate.issue",
    timestamp: at(now - 300 * DAY),
    target: { type: "certificate", id: "api.example.com" },
    crypto: {
      serial: "S-EXPIRED",
      algorithm: "RSA",
      key_size: 2048,
      not_before: at(now - 300 * DAY),
      not_after: at(now - 5 * DAY + HOUR),
    },
  },
  {
    n: "cert-soon",
    action: "certificate.issue",
    timestamp: at(now - 300 * DAY),
    target: { type: "certificate", id: "www.example.com" },
    crypto: {
      serial: "S-SOON",
      algorithm: "RSA",
      key_size: 2048,
      not_before: at(now - 300 * DAY),
      not_after: at(now + 10 * DAY + HOUR),
    },
  },
  {
    n: "cert-fine",
    action: "certificate.issue",
    timestamp: at(now - 3 * DAY),
    target: { type: "certificate", id: "shop.example.com" },
    crypto: {
      serial: "S-FINE",
      algorithm: "ECDSA-P256",
      key_size: 256,
      not_before: at(now - 3 * DAY),
      not_after: at(now + 400 * DAY + HOUR),
    },
  },
  {
    n: "cert-renewed-old",
    action: "certificate.issue",
    timestamp: at(now - 400 * DAY),
    crypto: {
      serial: "S-RENEWED",
      algorithm: "RSA",
      key_size: 2048,
      not_before: at(now - 400 * DAY),
      not_after: at(now - 35 * DAY),
    },
  },
  {
    n: "cert-renewed",
    action: "certificate.renew",
    timestamp: at(now - 40 * DAY),
    crypto: { serial: "S-RENEWED", not_before: at(now - 40 * DAY), not_after: at(now + 200 * DAY) },
  },
  {
    n: "cert-revoked-issue",
    action: "certificate.issue",
    timestamp: at(now - 500 * DAY),
    crypto: {
      serial: "S-REVOKED",
      algorithm: "RSA",
      key_size: 1024,
      not_before: at(now - 500 * DAY),
      not_after: at(now - 100 * DAY),
    },
  },
  {
    n: "cert-revoked",
    action: "certificate.revoke",
    timestamp: at(now - 200 * DAY),
    crypto: { serial: "S-REVOKED" },
  },
  // Keys.
  {
    n: "k-old-rotate",
    action: "key.rotate",
    timestamp: at(now - 200 * DAY),
    crypto: { key_id: "k-old", algorithm: "RSA", key_size: 3072 },
  },
  { n: "k-old-use", action: "key.use", timestamp: at(now - 5 * DAY), crypto: { key_id: "k-old" } },
  {
    n: "k-new-rotate-1",
    action: "key.rotate",
    timestamp: at(now - 200 * DAY),
    crypto: { key_id: "k-new", algorithm: "Ed25519" },
  },
  {
    n: "k-new-rotate-2",
    action: "key.rotate",
    timestamp: at(now - 10 * DAY),
    crypto: { key_id: "k-new", algorithm: "Ed25519" },
  },
  { n: "k-new-use", action: "key.use", timestamp: at(now - 2 * DAY), crypto: { key_id: "k-new" } },
  {
    n: "k-weak",
    action: "key.rotate",
    timestamp: at(now - 5 * DAY),
    crypto: { key_id: "k-weak", algorithm: "RSA", key_size: 1024 },
  },
  {
    n: "k-dsa",
    action: "key.rotate",
    timestamp: at(now - 6 * DAY),
    crypto: { key_id: "k-dsa", algorithm: "DSA", key_size: 2048 },
  },
  // Policies.
  {
    n: "p-fail-1",
    action: "access.check",
    outcome: "failure",
    timestamp: at(now - DAY),
    policies: ["PCI-DSS-8.3", "SOC2-CC6.1"],
  },
  {
    n: "p-fail-2",
    action: "access.check",
    outcome: "failure",
    timestamp: at(now - 2 * DAY),
    policies: ["PCI-DSS-8.3"],
  },
  {
    n: "p-ok-1",
    action: "access.check",
    outcome: "success",
    timestamp: at(now - 3 * DAY),
    policies: ["PCI-DSS-8.3"],
  },
  {
    n: "p-ok-2",
    action: "access.check",
    outcome: "success",
    timestamp: at(now - 4 * DAY),
    policies: ["GDPR-32"],
  },
  {
    n: "p-fail-old",
    action: "access.check",
    outcome: "failure",
    timestamp: at(now - 40 * DAY),
    policies: ["HIPAA-164"],
  },
  { n: "no-policy-fail", action: "user.login", outcome: "failure", timestamp: at(now - DAY) },
];

let home: string;
let log: AuditLog;
let scope: ReportScope;
const seq = new Map<string, number>();
const s = (n: string): number => {
  const v = seq.get(n);
  assert.ok(v !== undefined, n);
  return v;
};

before(async () => {
  home = tempDir("sealtrail-crypto-report-");
  initStore(home);
  const file = `${home}.seed.ndjson`;
  writeNdjson(
    file,
    SEED.map(({ n, ...e }) => ({ ...e, details: { n } })),
  );
  cli(["ingest", file, "--home", home]);
  for (const line of exportLines(home)) {
    const e = JSON.parse(line) as { seq: number; details?: { n?: string } };
    if (e.details?.n) seq.set(e.details.n, e.seq);
  }
  assert.equal(seq.size, SEED.length);
  log = await AuditLog.open({ home });
  scope = await reportScope(log, {
    since: now - 30 * DAY,
    until: now,
    expressions: [],
    filter: { conditions: [] },
  });
});
after(async () => {
  await log?.close();
  removeTempDirs();
});

function figure(r: Report, label: string): number | string | undefined {
  return r.sections
    .flatMap((x) => x.blocks)
    .filter((b): b is FiguresBlock => b.kind === "figures")
    .flatMap((b) => b.figures)
    .find((f) => f.label === label)?.value;
}
function findings(r: Report): Finding[] {
  return r.sections.flatMap((x) => x.blocks).flatMap((b) => (b.kind === "findings" ? b.findings : []));
}
function table(r: Report, section: string, title: string): TableBlock {
  const t = r.sections
    .find((x) => x.id === section)
    ?.blocks.find((b): b is TableBlock => b.kind === "table" && b.title === title);
  assert.ok(t, `${section} / ${title}`);
  return t;
}
const brief = (fs: readonly Finding[]) => fs.map((f) => [f.title, f.evidenceSeqs]);

describe("policy-violations report", () => {
  test("groups exactly the failing events under their policies", async () => {
    const r = await policyViolations(log, scope);
    assertHumanWording(r);
    assert.equal(r.provenance.type, "policy-violations");
    assert.equal(figure(r, "Failing events referencing policies"), 2);
    assert.equal(figure(r, "Events referencing policies"), 4);
    assert.deepEqual(brief(findings(r)), [
      ["Policy PCI-DSS-8.3: 2 failing events", [s("p-fail-1"), s("p-fail-2")].sort((a, b) => a - b)],
      ["Policy SOC2-CC6.1: 1 failing event", [s("p-fail-1")]],
    ]);
    assert.deepEqual(
      table(r, "policies", "Failing events by policy").rows.map((row) => [
        row.policy,
        row.failures,
        row.events,
        row.rate,
      ]),
      [
        ["PCI-DSS-8.3", 2, 3, 66.67],
        ["SOC2-CC6.1", 1, 1, 100],
      ],
    );
  });
});

describe("key-usage report", () => {
  test("counts operations per key and algorithm", async () => {
    const r = await keyUsage(log, scope);
    assertHumanWording(r);
    assert.equal(figure(r, "Keys used"), 4);
    assert.equal(figure(r, "Events about keys"), 5);
    const byKey = Object.fromEntries(table(r, "usage", "By key").rows.map((row) => [row.key, row.events]));
    assert.deepEqual(byKey, { "k-new": 2, "k-old": 1, "k-weak": 1, "k-dsa": 1 });
    // Each key's operations under its latest known algorithm (uses rarely repeat it).
    const byAlg = Object.fromEntries(
      table(r, "usage", "By algorithm").rows.map((row) => [row.key, row.events]),
    );
    assert.deepEqual(byAlg, { Ed25519: 2, RSA: 2, DSA: 1 });
  });

  test("flags exactly the key last rotated 200 days ago", async () => {
    const r = await keyUsage(log, scope);
    assertHumanWording(r);
    assert.equal(figure(r, "Not rotated within 90 days"), 1);
    assert.deepEqual(brief(findings(r)), [
      ["Key k-old not rotated for 200 days", [s("k-old-rotate"), s("k-old-use")]],
    ]);
    const rotated = table(r, "rotation", "Keys and their last rotation").rows.find(
      (row) => row.key === "k-new",
    );
    assert.equal(rotated?.seq, s("k-new-rotate-2"));
    assert.equal(rotated?.status, "rotated");
  });

  test("a shorter rotation period flags more keys", async () => {
    const r = await keyUsage(log, scope, { rotationDays: 7 });
    assertHumanWording(r);
    assert.deepEqual(
      findings(r)
        .map((f) => f.title.split(" ")[1])
        .sort(),
      ["k-new", "k-old"],
    );
  });
});

describe("certificate-expiry report", () => {
  test("flags exactly the expired and the expiring certificate, in their latest state", async () => {
    const r = await certificateExpiry(log, scope);
    assertHumanWording(r);
    assert.equal(figure(r, "Expired"), 1);
    assert.equal(figure(r, "Expiring within 30 days"), 1);
    assert.equal(figure(r, "Certificates known"), 4);
    assert.equal(figure(r, "Revoked or deleted"), 1);
    assert.deepEqual(brief(findings(r)), [
      ["Certificate api.example.com expired 4 days ago", [s("cert-expired")]],
      ["Certificate www.example.com expires in 10 days", [s("cert-soon")]],
    ]);
    assert.deepEqual(
      table(r, "certificates", "Certificates by days remaining").rows.map((row) => [
        row.certificate,
        row.serial,
        row.days,
        row.expiry,
        row.status,
        row.seq,
      ]),
      [
        ["api.example.com", "S-EXPIRED", -4, "expired 4 days ago", "expired", s("cert-expired")],
        ["www.example.com", "S-SOON", 10, "expires in 10 days", "expiring", s("cert-soon")],
        ["S-RENEWED", "S-RENEWED", 200, "expires in 200 days", "valid", s("cert-renewed")],
        ["shop.example.com", "S-FINE", 400, "expires in 400 days", "valid", s("cert-fine")],
      ],
    );
  });
});

describe("crypto-compliance report", () => {
  test("flags exactly the small key, the disallowed algorithm and the over-long certificate", async () => {
    const policy = loadCryptoPolicy(POLICY_FILE);
    const r = await cryptoCompliance(log, scope, { policy, policySource: "crypto-policy.json" });
    assertHumanWording(r);
    assert.equal(figure(r, "Assets"), 8);
    assert.equal(figure(r, "Compliant"), 5);
    assert.equal(figure(r, "Compliance"), 62.5);
    assert.deepEqual(brief(findings(r)), [
      ["Certificate shop.example.com: valid for 404 days, longer than the 398 allowed", [s("cert-fine")]],
      ["Key k-dsa: algorithm DSA is not allowed", [s("k-dsa")]],
      ["Key k-weak: 1024-bit RSA key, below the 2048 bits required", [s("k-weak")]],
    ]);
    const row = table(r, "assets", "Keys and certificates").rows.find((x) => x.asset === "k-old");
    assert.deepEqual([row?.algorithm, row?.keySize, row?.compliant], ["RSA", 3072, true]);
  });

  test("policy files are validated with errors naming the field", () => {
    assert.throws(() => parseCryptoPolicy("[]", "p.json"), /p\.json: expected a JSON object/);
    assert.throws(
      () => parseCryptoPolicy("[]", "p.json"),
      (e: unknown) => e instanceof SealtrailError && e.code === "ST_ERR_CONFIG_INVALID",
    );
    assert.throws(() => parseCryptoPolicy('{"max_validity": 1}', "p.json"), /unknown field "max_validity"/);
    assert.throws(
      () => parseCryptoPolicy('{"min_key_size": {"RSA": "2048"}}'),
      /min_key_size\.RSA: expected a positive integer/,
    );
    assert.throws(
      () => parseCryptoPolicy('{"max_validity_days": 0}'),
      /max_validity_days: expected a positive integer/,
    );
    assert.throws(
      () => parseCryptoPolicy('{"allowed_algorithms": ["RSA", 3]}'),
      /allowed_algorithms\[1\]: expected a non-empty string/,
    );
    assert.throws(() => parseCryptoPolicy("{"), /not valid JSON/);
    assert.throws(
      () => loadCryptoPolicy("/nonexistent/policy.json"),
      (e: unknown) =>
        e instanceof Error && e.message.startsWith("policy: cannot read /nonexistent/policy.json"),
    );
  });
});
