/**
 * End to end: `sealtrail report` and `GET /v1/reports/{type}` are one pipeline: the same
 * options over the same store give the same report, and the same mistake the same error, worded
 * with flags on the command line and with fields over HTTP.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ApiKeyStore } from "../src/access/api-key-store.js";
import { AuditLog } from "../src/audit-log.js";
import { buildApp } from "../src/server/build-app.js";
import { type CliResult, initStore, removeTempDirs, runCli, tempDir } from "./cli-harness.js";
import { openApiKeys } from "./support/api-keys.js";

const SINCE = "2026-11-01T00:00:00Z";
const UNTIL = "2026-11-08T00:00:00Z";

describe("the CLI and the server share the report pipeline", () => {
  let home = "";
  let log: AuditLog;
  let keys: ApiKeyStore;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let headers: { authorization: string };
  /** The command line's runs, made while no other process has the store open. */
  let viaCli: Record<string, CliResult>;

  before(async () => {
    home = tempDir("sealtrail-report-pipeline-");
    initStore(home, "e2e.example/report-pipeline");
    const seeding = await AuditLog.open({ home, create: false });
    for (let i = 0; i < 12; i++) {
      await seeding.append({
        action: i % 3 === 0 ? "auth.login" : "document.read",
        actor: { id: `user-${i % 4}`, type: "user" },
        outcome: i % 5 === 0 ? "failure" : "success",
        timestamp: new Date(Date.parse(SINCE) + i * 3_600_000).toISOString(),
      });
    }
    await seeding.close();
    const report = (...args: string[]) => runCli(["report", "--home", home, ...args]);
    viaCli = {
      access: report(
        "--type",
        "access",
        "--format",
        "json",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "actor.type=user",
      ),
      both: report("--type", "access", "--period", "1d", "--since", SINCE),
      unknown: report("--type", "nope"),
      days: report("--type", "key-usage", "--rotation-days", "0"),
    };
    log = await AuditLog.open({ home, create: false });
    keys = openApiKeys(home);
    app = await buildApp({ log, keys });
    const { key } = await keys.create({ role: "auditor" });
    headers = { authorization: `Bearer ${key}` };
  });

  after(async () => {
    await app.close();
    keys.close();
    await log.close();
    removeTempDirs();
  });

  test("the same options give the same report", async () => {
    const access = viaCli.access as CliResult;
    assert.equal(access.code, 0, access.stderr);
    const fromCli = JSON.parse(access.stdout);
    const res = await app.app.inject({
      method: "GET",
      url: `/v1/reports/access?format=json&since=${SINCE}&until=${UNTIL}&actor.type=user`,
      headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    const viaHttp = res.json();
    assert.deepEqual(viaHttp.sections, fromCli.sections);
    for (const report of [fromCli, viaHttp]) {
      assert.deepEqual(report.provenance.period, {
        since: "2026-11-01T00:00:00.000Z",
        until: "2026-11-08T00:00:00.000Z",
      });
      assert.deepEqual(report.provenance.filter, ["actor.type=user"]);
    }
  });

  test("the same mistake is the same error: flags on the command line, fields over HTTP", async () => {
    const both = viaCli.both as CliResult;
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--period and --since: give one of them \[ST_ERR_USAGE\]/);
    const res = await app.app.inject({
      method: "GET",
      url: `/v1/reports/access?period=1d&since=${SINCE}`,
      headers,
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().detail, "period and since: give one of them");

    assert.match((viaCli.unknown as CliResult).stderr, /--type: expected one of activity-daily/);
    const unknownHttp = await app.app.inject({ method: "GET", url: "/v1/reports/nope", headers });
    assert.equal(unknownHttp.statusCode, 400);
    assert.match(unknownHttp.json().detail, /^type: expected one of activity-daily/);

    assert.match(
      (viaCli.days as CliResult).stderr,
      /--rotation-days: expected an integer from 1 to 36500, got "0"/,
    );
    const daysHttp = await app.app.inject({
      method: "GET",
      url: "/v1/reports/key-usage?rotation_days=0",
      headers,
    });
    assert.match(daysHttp.json().detail, /^rotation_days: expected an integer from 1 to 36500/);
  });
});
