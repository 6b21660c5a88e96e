/**
 * The crypto reports (crypto-compliance, certificate-expiry, key-usage) see the same keys and
 * certificates: what makes a certificate is not a fingerprint, a key keeps its identity across
 * rotations and a certificate across renewals, and each is judged by its latest state. Each
 * scenario is its own in-memory log, its events appended by the library.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AuditLog } from "../src/audit-log.js";
import type { AuditEventInput } from "../src/event/audit-event.js";
import type { FiguresBlock, Finding, Report, TableBlock } from "../src/reports/report-model.js";
import { reportScope } from "../src/reports/report-source.js";
import { certificateExpiry } from "../src/reports/types/certificate-expiry.js";
import { cryptoAssetIdentity } from "../src/reports/types/crypto-assets.js";
import { cryptoCompliance } from "../src/reports/types/crypto-compliance.js";
import { keyUsage } from "../src/reports/types/key-usage.js";
import { memoryStorage } from "../src/storage/memory/memory-storage.js";
import { assertHumanWording } from "./support/report-wording.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const now = Date.now();
const at = (ms: number) => new Date(ms).toISOString();

interface Reports {
  readonly compliance: Report;
  readonly expiry: Report;
  readonly usage: Report;
  /** The seq of each event, by its `details.n`. */
  readonly seq: (n: string) => number;
}

/** Appends `events` (each named by `n`) to a fresh log and builds the three reports over the last 30 days. */
async function reportsOf(events: ReadonlyArray<AuditEventInput & { n: string }>): Promise<Reports> {
  const log = await AuditLog.open({
    storage: memoryStorage(),
    origin: "crypto.test/log",
    checkpointIntervalMs: 0,
  });
  try {
    const seqs = new Map<string, number>();
    for (const { n, ...e } of events) {
      const { seq } = await log.append({ ...e, details: { n } });
      seqs.set(n, seq);
    }
    const scope = await reportScope(log, {
      since: now - 30 * DAY,
      until: now,
      expressions: [],
      filter: { conditions: [] },
    });
    const built = {
      compliance: await cryptoCompliance(log, scope),
      expiry: await certificateExpiry(log, scope),
      usage: await keyUsage(log, scope),
    };
    for (const r of Object.values(built)) assertHumanWording(r);
    return {
      ...built,
      seq: (n) => seqs.get(n) ?? assert.fail(`no event ${n}`),
    };
  } finally {
    await log.close();
  }
}

function figure(r: Report, label: string): number | string | undefined {
  const f = r.sections
    .flatMap((x) => x.blocks)
    .filter((b): b is FiguresBlock => b.kind === "figures")
    .flatMap((b) => b.figures)
    .find((x) => x.label === label);
  assert.ok(f, `figure "${label}" in ${r.provenance.type}`);
  return f.value;
}
function findings(r: Report): Finding[] {
  return r.sections.flatMap((x) => x.blocks).flatMap((b) => (b.kind === "findings" ? b.findings : []));
}
function rows(r: Report, title: string): TableBlock["rows"] {
  const t = r.sections
    .flatMap((x) => x.blocks)
    .find((b): b is TableBlock => b.kind === "table" && b.title === title);
  assert.ok(t, `table "${title}" in ${r.provenance.type}`);
  return t.rows;
}
/** The assets of the crypto-compliance report as `kind:id`, sorted. */
const assetsOf = (r: Report) =>
  rows(r, "Keys and certificates")
    .map((row) => `${row.kind}:${row.asset}`)
    .sort();
/** The keys the key-usage report saw used, sorted. */
const keysUsed = (r: Report) =>
  rows(r, "Keys and their last rotation")
    .map((row) => String(row.key))
    .sort();
/** The certificates the certificate-expiry report lists, sorted. */
const certificatesOf = (r: Report) =>
  rows(r, "Certificates by days remaining")
    .map((row) => String(row.certificate))
    .sort();

/** Every report agrees on the keys and certificates (all events here fall in the period). */
function assertAgree(r: Reports): void {
  const assets = assetsOf(r.compliance);
  assert.deepEqual(
    keysUsed(r.usage),
    assets.filter((a) => a.startsWith("key:")).map((a) => a.slice(4)),
    "key-usage and crypto-compliance see the same keys",
  );
  assert.deepEqual(
    certificatesOf(r.expiry),
    assets.filter((a) => a.startsWith("certificate:")).map((a) => a.slice(12)),
    "certificate-expiry and crypto-compliance see the same certificates",
  );
}

const ROTATION: ReadonlyArray<AuditEventInput & { n: string }> = [
  {
    n: "create",
    action: "key.create",
    timestamp: at(now - 20 * DAY),
    crypto: { key_id: "signing-key", algorithm: "RSA", key_size: 1024, fingerprint: "SHA256:old" },
  },
  {
    n: "rotate",
    action: "key.rotate",
    timestamp: at(now - 5 * DAY),
    crypto: { key_id: "signing-key", algorithm: "RSA", key_size: 3072, fingerprint: "SHA256:new" },
  },
];

describe("crypto assets: what makes a certificate, who an asset is, its latest state", () => {
  test("a key rotated from RSA-1024 to RSA-3072 with fingerprints is one compliant key, not two certificates", async () => {
    const r = await reportsOf(ROTATION);
    assert.deepEqual(
      [
        figure(r.compliance, "Keys"),
        figure(r.compliance, "Certificates"),
        figure(r.compliance, "Compliance"),
      ],
      [1, 0, 100],
    );
    assert.deepEqual(findings(r.compliance), []);
    const [row] = rows(r.compliance, "Keys and certificates");
    assert.deepEqual(
      [row?.asset, row?.kind, row?.algorithm, row?.keySize, row?.fingerprint, row?.compliant, row?.seq],
      ["signing-key", "key", "RSA", 3072, "SHA256:new", true, r.seq("rotate")],
    );
    assert.equal(figure(r.expiry, "Certificates known"), 0);
    assert.deepEqual(findings(r.expiry), []);
    assert.equal(figure(r.usage, "Keys used"), 1);
    assertAgree(r);
  });

  test("a key rotated back to a weak size is judged by that latest state", async () => {
    const r = await reportsOf([
      ...ROTATION,
      {
        n: "weak",
        action: "key.rotate",
        timestamp: at(now - DAY),
        crypto: { key_id: "signing-key", algorithm: "RSA", key_size: 1024, fingerprint: "SHA256:weak" },
      },
    ]);
    assert.deepEqual(
      findings(r.compliance).map((f) => [f.title, f.evidenceSeqs]),
      [["Key signing-key: 1024-bit RSA key, below the 2048 bits required", [r.seq("weak")]]],
    );
  });

  test("an event naming only an old fingerprint counts as use of the key, not as its state", async () => {
    const r = await reportsOf([
      ...ROTATION,
      {
        n: "decrypt",
        action: "data.decrypt",
        timestamp: at(now - DAY),
        crypto: { fingerprint: "SHA256:old" },
      },
    ]);
    assert.deepEqual(assetsOf(r.compliance), ["key:signing-key"]);
    assert.deepEqual(findings(r.compliance), []);
    const [row] = rows(r.compliance, "Keys and certificates");
    assert.equal(row?.fingerprint, "SHA256:new");
    assert.deepEqual(
      rows(r.usage, "By key").map((x) => [x.key, x.events]),
      [["signing-key", 3]],
    );
    assertAgree(r);
  });

  test("destroying a key's old version after a rotation does not retire the key; destroying the key does", async () => {
    const old = await reportsOf([
      ...ROTATION,
      {
        n: "destroy-old",
        action: "key.destroy",
        timestamp: at(now - DAY),
        crypto: { key_id: "signing-key", fingerprint: "SHA256:old" },
      },
    ]);
    assert.deepEqual([figure(old.compliance, "Keys"), figure(old.compliance, "Compliance")], [1, 100]);
    const whole = await reportsOf([
      ...ROTATION,
      { n: "destroy", action: "key.destroy", timestamp: at(now - DAY), crypto: { key_id: "signing-key" } },
    ]);
    assert.equal(figure(whole.compliance, "Keys"), 0);
  });

  test("a key recorded without a key id is a key identified by its fingerprint", async () => {
    const r = await reportsOf([
      {
        n: "sign",
        action: "package.sign",
        timestamp: at(now - 3 * DAY),
        crypto: { fingerprint: "SHA256:release", algorithm: "Ed25519" },
      },
      {
        n: "sign-again",
        action: "package.sign",
        timestamp: at(now - 2 * DAY),
        crypto: { fingerprint: "SHA256:release" },
      },
    ]);
    assert.deepEqual(assetsOf(r.compliance), ["key:SHA256:release"]);
    assert.equal(figure(r.expiry, "Certificates known"), 0);
    assert.deepEqual(
      rows(r.usage, "By key").map((x) => [x.key, x.events]),
      [["SHA256:release", 2]],
    );
    assertAgree(r);
  });

  test("a certificate renewed with a new serial is one certificate, judged by the renewal", async () => {
    const target = { type: "certificate", id: "api.example.com" };
    const r = await reportsOf([
      {
        n: "issue",
        action: "certificate.issue",
        timestamp: at(now - 25 * DAY),
        target,
        crypto: {
          serial: "01:AA",
          algorithm: "RSA",
          key_size: 2048,
          not_before: at(now - 385 * DAY),
          not_after: at(now + 5 * DAY),
        },
      },
      {
        n: "renew",
        action: "certificate.renew",
        timestamp: at(now - DAY),
        target,
        crypto: {
          serial: "02:BB",
          algorithm: "ECDSA-P256",
          key_size: 256,
          not_before: at(now - DAY),
          not_after: at(now + 90 * DAY),
        },
      },
    ]);
    assert.deepEqual(assetsOf(r.compliance), ["certificate:api.example.com"]);
    assert.deepEqual(findings(r.expiry), []);
    assert.deepEqual(
      rows(r.expiry, "Certificates by days remaining").map((x) => [
        x.certificate,
        x.serial,
        x.algorithm,
        x.status,
        x.seq,
      ]),
      [["api.example.com", "02:BB", "ECDSA-P256", "valid", r.seq("renew")]],
    );
    assert.deepEqual(findings(r.compliance), []);
    assert.equal(figure(r.usage, "Keys used"), 0);
    assertAgree(r);
  });

  test("a certificate and a key with the same fingerprint are two assets of two kinds", async () => {
    const r = await reportsOf([
      {
        n: "key",
        action: "key.create",
        timestamp: at(now - 10 * DAY),
        crypto: { key_id: "mail-key", fingerprint: "SHA256:shared", algorithm: "EC", key_size: 256 },
      },
      {
        n: "cert",
        action: "certificate.issue",
        timestamp: at(now - 10 * DAY),
        target: { type: "certificate", id: "mail.example.com" },
        crypto: {
          serial: "0F",
          fingerprint: "SHA256:shared",
          algorithm: "EC",
          key_size: 256,
          not_before: at(now - 10 * DAY),
          not_after: at(now + 80 * DAY),
        },
      },
    ]);
    assert.deepEqual(assetsOf(r.compliance), ["certificate:mail.example.com", "key:mail-key"]);
    assert.deepEqual(
      [
        figure(r.compliance, "Keys"),
        figure(r.compliance, "Certificates"),
        figure(r.compliance, "Compliance"),
      ],
      [1, 1, 100],
    );
    assertAgree(r);
  });

  test("a certificate known only by its fingerprint and validity is a certificate", async () => {
    const r = await reportsOf([
      {
        n: "seen",
        action: "tls.handshake",
        timestamp: at(now - DAY),
        target: { type: "service", id: "edge-proxy" },
        crypto: {
          fingerprint: "SHA256:edge",
          not_before: at(now - 10 * DAY),
          not_after: at(now + 100 * DAY),
        },
      },
    ]);
    assert.deepEqual(assetsOf(r.compliance), ["certificate:SHA256:edge"]);
    assertAgree(r);
  });

  test("a key with an expiry date is still a key", async () => {
    const r = await reportsOf([
      {
        n: "create",
        action: "key.create",
        timestamp: at(now - DAY),
        crypto: { key_id: "gpg-1", algorithm: "Ed25519", not_after: at(now + 365 * DAY) },
      },
    ]);
    assert.deepEqual(assetsOf(r.compliance), ["key:gpg-1"]);
    assertAgree(r);
  });

  test("ages read right: expired two minutes ago, expires in one day", async () => {
    const r = await reportsOf([
      {
        n: "lapsed",
        action: "certificate.issue",
        timestamp: at(now - 10 * DAY),
        target: { type: "certificate", id: "lapsed.example.com" },
        crypto: { serial: "AA", not_before: at(now - 10 * DAY), not_after: at(now - 2 * MINUTE) },
      },
      {
        n: "soon",
        action: "certificate.issue",
        timestamp: at(now - 10 * DAY),
        target: { type: "certificate", id: "soon.example.com" },
        crypto: { serial: "BB", not_before: at(now - 10 * DAY), not_after: at(now + DAY + HOUR) },
      },
    ]);
    assert.deepEqual(
      findings(r.expiry).map((f) => f.title),
      [
        "Certificate lapsed.example.com expired 2 minutes ago",
        "Certificate soon.example.com expires in 1 day",
      ],
    );
    assert.deepEqual(
      rows(r.expiry, "Certificates by days remaining").map((x) => [x.days, x.expiry]),
      [
        [0, "expired 2 minutes ago"],
        [1, "expires in 1 day"],
      ],
    );
  });
});

describe("cryptoAssetIdentity", () => {
  const event = {
    seq: 0,
    id: "x",
    timestamp: at(now),
    received_at: at(now),
    outcome: "success",
    severity: "info",
  } as const;
  test("a fingerprint alone makes a key; a serial, the certificate category or a validity makes a certificate", () => {
    const kind = (e: Partial<AuditEventInput> & { category?: string }) =>
      cryptoAssetIdentity({ ...event, action: "x.y", category: "system", ...e } as never)?.kind;
    assert.equal(kind({ crypto: { fingerprint: "f" } }), "key");
    assert.equal(kind({ crypto: { key_id: "k", fingerprint: "f" } }), "key");
    assert.equal(kind({ crypto: { key_id: "k", not_after: at(now) } }), "key");
    assert.equal(kind({ crypto: { serial: "s" } }), "certificate");
    assert.equal(kind({ crypto: { fingerprint: "f", not_after: at(now) } }), "certificate");
    assert.equal(kind({ category: "certificate", crypto: { key_id: "k", fingerprint: "f" } }), "certificate");
    assert.equal(kind({ crypto: { algorithm: "RSA" } }), undefined);
    assert.equal(kind({}), undefined);
  });
});
