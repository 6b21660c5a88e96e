/**
 * An alert carries its proof: the evidence events' inclusion proofs against a checkpoint signed
 * on demand, which `verifyAlertNotice` checks offline with only the verifier key — and which
 * fails for any changed byte of the proof, the checkpoint or the evidence.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { alertSchemaDocument } from "../scripts/write-docs.js";
import { type AlertToProve, proveAlerts } from "../src/alerting/alert-evidence.js";
import type { AlertNotice } from "../src/alerting/alert-notice.js";
import { verifyAlertNotice } from "../src/alerting/verify-alert.js";
import { AuditLog } from "../src/audit-log.js";
import { isSealtrailError } from "../src/errors.js";
import { generateNoteKey } from "../src/ledger/signed-note.js";
import { memoryStorage } from "../src/storage/memory/memory-storage.js";

async function logWith(events: number): Promise<{ log: AuditLog; verifierKey: string }> {
  const storage = memoryStorage();
  const { verifierKey } = await AuditLog.init({ storage, origin: "alerts.example/test" });
  const log = await AuditLog.open({ storage, checkpointIntervalMs: 0 });
  await log.append(
    Array.from({ length: events }, (_, i) => ({
      action: "user.login",
      outcome: i % 3 === 0 ? ("failure" as const) : ("success" as const),
      actor: { id: `user-${i % 4}` },
    })),
  );
  return { log, verifierKey };
}

function decision(evidenceSeqs: number[]): AlertToProve {
  return {
    type: "fired",
    alertId: "0193a1b2-c3d4-8e5f-9a0b-1c2d3e4f5a6b",
    rule: { id: "failed-logins", title: "Repeated failed sign-ins", severity: "high" },
    group: { "actor.id": "user-0" },
    window: { fromMs: Date.parse("2026-12-03T10:00:00Z"), toMs: Date.parse("2026-12-03T10:05:00Z") },
    count: evidenceSeqs.length,
    evidenceSeqs,
  };
}

function mutate(notice: AlertNotice, change: (alert: Record<string, unknown>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(notice)) as { alert: Record<string, unknown> };
  change(copy.alert);
  return copy;
}

test("an alert's evidence is proved against one checkpoint, and the proof verifies offline", async () => {
  const { log, verifierKey } = await logWith(37);
  try {
    const [notice] = await proveAlerts(log, [decision([0, 12, 36])]);
    assert.ok(notice);
    assert.equal(notice.type, "alert.fired");
    assert.deepEqual(
      notice.alert.evidence.map((e) => e.seq),
      [0, 12, 36],
    );
    const stored = await log.readEntries(12, 1);
    assert.equal(notice.alert.evidence[1]?.id, (JSON.parse(stored[0]?.json ?? "{}") as { id: string }).id);
    assert.equal(notice.alert.window.from, "2026-12-03T10:00:00.000Z");
    const result = verifyAlertNotice(JSON.parse(JSON.stringify(notice)), verifierKey);
    assert.deepEqual(result.provedSeqs, [0, 12, 36]);
    assert.equal(result.checkpoint.origin, "alerts.example/test");
    assert.ok(result.checkpoint.size >= 37);
  } finally {
    await log.close();
  }
});

test("several alerts of one batch share one checkpoint", async () => {
  const { log } = await logWith(10);
  try {
    const notices = await proveAlerts(log, [decision([1, 2]), { ...decision([2, 9]), type: "resolved" }]);
    assert.equal(notices.length, 2);
    assert.equal(notices[0]?.alert.checkpoint, notices[1]?.alert.checkpoint);
    assert.equal(notices[1]?.type, "alert.resolved");
    assert.deepEqual(notices[0]?.alert.evidence[1], notices[1]?.alert.evidence[0]);
  } finally {
    await log.close();
  }
});

test("any change to a saved alert's proof, evidence or checkpoint fails verification, naming what", async () => {
  const { log, verifierKey } = await logWith(20);
  try {
    const [notice] = await proveAlerts(log, [decision([3, 7, 19])]);
    assert.ok(notice);
    const other = generateNoteKey("alerts.example/test").verifierKey;
    const cases: Array<[string, unknown, string, RegExp]> = [
      [
        "a proof hash changed",
        mutate(notice, (a) => {
          const ev = (a.evidence as Array<{ proof: string[] }>)[1] as { proof: string[] };
          ev.proof[0] = Buffer.alloc(32, 7).toString("base64");
        }),
        "ST_ERR_LEDGER_PROOF",
        /alert\.evidence\[1\] \(seq 7\)/,
      ],
      [
        "a leaf hash swapped for another event's",
        mutate(notice, (a) => {
          const ev = a.evidence as Array<{ leaf_hash: string }>;
          (ev[0] as { leaf_hash: string }).leaf_hash = (ev[2] as { leaf_hash: string }).leaf_hash;
        }),
        "ST_ERR_LEDGER_PROOF",
        /alert\.evidence\[0\] \(seq 3\)/,
      ],
      [
        "an evidence seq moved",
        mutate(notice, (a) => {
          ((a.evidence as Array<{ seq: number }>)[2] as { seq: number }).seq = 18;
        }),
        "ST_ERR_LEDGER_PROOF",
        /seq 18/,
      ],
      [
        "the checkpoint's root edited",
        mutate(notice, (a) => {
          const lines = String(a.checkpoint).split("\n");
          lines[2] = Buffer.alloc(32, 1).toString("base64");
          a.checkpoint = lines.join("\n");
        }),
        "ST_ERR_LEDGER_PROOF",
        /./,
      ],
      ["a document that is not an alert", { type: "alert.fired" }, "ST_ERR_ALERT_NOTICE", /alert|required/],
      [
        "a severity outside the list",
        mutate(notice, (a) => {
          a.severity = "urgent";
        }),
        "ST_ERR_ALERT_NOTICE",
        /alert\.severity/,
      ],
    ];
    for (const [what, document, code, message] of cases) {
      assert.throws(
        () => verifyAlertNotice(document, verifierKey),
        (e) => isSealtrailError(e) && e.code.startsWith(code.slice(0, 13)) && message.test(e.message),
        what,
      );
    }
    assert.throws(() => verifyAlertNotice(notice, other), /./, "another log's key");
  } finally {
    await log.close();
  }
});

test("docs/schema/alert.v1.json is the published alert schema, and alerts we make pass it", async () => {
  const text = readFileSync(new URL("../../docs/schema/alert.v1.json", import.meta.url), "utf8");
  assert.equal(text, alertSchemaDocument(), "the published schema is out of step: run npm run docs");
  const validate = new Ajv2020({ strict: true, validateFormats: false }).compile(JSON.parse(text));
  const { log } = await logWith(5);
  try {
    const [notice] = await proveAlerts(log, [decision([4])]);
    assert.equal(validate(notice), true, JSON.stringify(validate.errors));
    assert.equal(validate({ ...notice, type: "alert.raised" }), false);
  } finally {
    await log.close();
  }
});
