import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ApiKeyRecord } from "../access/api-key-store.js";
import { isSealtrailError } from "../errors.js";
import type { AuditEvent } from "../event/audit-event.js";
import type { EventFilter } from "../read-model/event-filter.js";
import { integerParam, parseReadQuery, scopeToKey, visibleTo } from "./read-scope.js";

const NOW = Date.UTC(2026, 4, 17, 12, 0, 0);
const HOUR = 3_600_000;

function key(tenant: string | null): ApiKeyRecord {
  return {
    id: "0123456789abcdef",
    role: "reader",
    tenant,
    name: null,
    createdAt: "2026-05-01T00:00:00.000Z",
    revokedAt: null,
  };
}

const failsWith = (code: string, message?: RegExp) => (error: unknown) => {
  assert.ok(isSealtrailError(error, code as never), `expected ${code}, got ${String(error)}`);
  if (message) assert.match((error as Error).message, message);
  return true;
};

describe("parseReadQuery", () => {
  test("bare expressions are filters, named parameters are parameters", () => {
    const q = parseReadQuery(
      "/v1/events?actor.id=alice&severity>=warning&limit=20&order=asc",
      ["limit", "order"],
      NOW,
    );
    assert.deepEqual(q.expressions, ["actor.id=alice", "severity>=warning"]);
    assert.deepEqual(q.filter, {
      conditions: [
        { field: "actor.id", op: "eq", value: "alice" },
        { field: "severity", op: "gte", value: "warning" },
      ],
    });
    assert.deepEqual(
      [...q.params],
      [
        ["limit", "20"],
        ["order", "asc"],
      ],
    );
  });

  test("no query string, or an empty one, is no filter", () => {
    for (const url of ["/v1/events", "/v1/events?", "/v1/events?&&"]) {
      const q = parseReadQuery(url, ["limit"], NOW);
      assert.deepEqual(q.filter, { conditions: [] }, url);
      assert.deepEqual(q.expressions, []);
      assert.equal(q.params.size, 0);
    }
  });

  test("since and until are always the time window, whatever the route names", () => {
    const q = parseReadQuery("/v1/stats?since=24h&until=2026-05-17&action=user.*", [], NOW);
    assert.equal(q.filter.since, NOW - 24 * HOUR);
    assert.equal(q.filter.until, Date.UTC(2026, 4, 17));
    assert.deepEqual(q.filter.conditions, [{ field: "action", op: "prefix", value: "user." }]);
    assert.deepEqual(q.expressions, ["action=user.*"], "the window is not an expression");
    assert.equal(q.params.get("since"), "24h");
    assert.equal(q.params.get("until"), "2026-05-17");
  });

  test("a name the route does not reserve is a filter expression (so an unknown one is an error)", () => {
    const asParam = parseReadQuery("/v1/events?limit=5", ["limit"], NOW);
    assert.equal(asParam.params.get("limit"), "5");
    assert.throws(
      () => parseReadQuery("/v1/stats?limit=5", ["top"], NOW),
      failsWith("ST_ERR_QUERY_FILTER", /limit=5/),
    );
  });

  test("filter= may be repeated; empty expressions are ignored", () => {
    const q = parseReadQuery("/v1/events?filter=actor.id%3Dalice&filter=outcome!=success&filter=", [], NOW);
    assert.deepEqual(q.expressions, ["actor.id=alice", "outcome!=success", ""]);
    assert.deepEqual(q.filter.conditions, [
      { field: "actor.id", op: "eq", value: "alice" },
      { field: "outcome", op: "ne", value: "success" },
    ]);
  });

  test("repeated filter= and bare expressions keep their order; a bad one names itself", () => {
    const q = parseReadQuery("/v1/events?filter=actor.id%3Dalice&filter=&outcome!=success", [], NOW);
    assert.deepEqual(q.expressions, ["actor.id=alice", "", "outcome!=success"]);
    assert.equal(q.filter.conditions.length, 2);
    assert.throws(
      () => parseReadQuery("/v1/events?filter=actor.id", [], NOW),
      failsWith("ST_ERR_QUERY_FILTER", /"actor\.id"/),
    );
    assert.throws(
      () => parseReadQuery("/v1/events?severity=loud", [], NOW),
      failsWith("ST_ERR_QUERY_FILTER", /severity=loud/),
    );
  });

  test("names and values are percent-decoded; a + stays a plus", () => {
    const q = parseReadQuery(
      "/v1/events?details.source=a%26b%20c&actor%2Eid=bob&details.q=x+y&cursor=abc%3D&severity%3E%3Dwarning",
      ["cursor"],
      NOW,
    );
    assert.deepEqual(q.filter.conditions, [
      { field: "details.source", op: "eq", value: "a&b c" },
      { field: "actor.id", op: "eq", value: "bob" },
      { field: "details.q", op: "eq", value: "x+y" },
      { field: "severity", op: "gte", value: "warning" },
    ]);
    assert.equal(q.params.get("cursor"), "abc=");
    const plus = parseReadQuery("/v1/events?details.q=%2B1", [], NOW);
    assert.deepEqual(plus.filter.conditions, [{ field: "details.q", op: "eq", value: "+1" }]);
  });

  test("a literal + in a time zone offset is kept, in the window and in expressions", () => {
    const q = parseReadQuery(
      "/v1/events?since=2026-01-01T10:00:00+02:00&timestamp<2026-01-02T00:00:00+05:30",
      [],
      NOW,
    );
    assert.equal(q.filter.since, Date.UTC(2026, 0, 1, 8));
    assert.deepEqual(q.filter.conditions, [
      { field: "timestamp", op: "lt", value: Date.UTC(2026, 0, 1, 18, 30) },
    ]);
    // The same time with the + decoded as a space is not a time.
    assert.throws(
      () => parseReadQuery("/v1/events?since=2026-01-01T10:00:00%2002:00", [], NOW),
      failsWith("ST_ERR_QUERY_TIME", /since/),
    );
  });

  test("bad percent-encoding → ST_ERR_QUERY_FILTER naming the text", () => {
    for (const url of [
      "/v1/events?actor.id=%E0%A4%A",
      "/v1/events?actor.id=%zz",
      "/v1/events?%=1",
      "/v1/events?limit=%",
    ]) {
      assert.throws(
        () => parseReadQuery(url, ["limit"], NOW),
        failsWith("ST_ERR_QUERY_FILTER", /percent-encoding/),
        url,
      );
    }
    assert.throws(
      () => parseReadQuery("/v1/events?actor.id=%E0%A4%A", [], NOW),
      failsWith("ST_ERR_QUERY_FILTER", /%E0%A4%A/),
    );
  });

  test("the last value of a named parameter wins; a name without = has an empty value", () => {
    const q = parseReadQuery("/v1/events/x?proof=false&proof=true&limit", ["proof", "limit"], NOW);
    assert.equal(q.params.get("proof"), "true");
    assert.equal(q.params.get("limit"), "");
    assert.deepEqual(q.filter, { conditions: [] });
  });

  test("durations in expressions and the window count back from the same now", () => {
    const q = parseReadQuery("/v1/events?since=2h&timestamp<30m", [], NOW);
    assert.equal(q.filter.since, NOW - 2 * HOUR);
    assert.deepEqual(q.filter.conditions, [{ field: "timestamp", op: "lt", value: NOW - 30 * 60_000 }]);
    assert.throws(
      () => parseReadQuery("/v1/events?until=soon", [], NOW),
      failsWith("ST_ERR_QUERY_TIME", /until/),
    );
  });
});

describe("scopeToKey and visibleTo", () => {
  const filter: EventFilter = {
    conditions: [{ field: "actor.id", op: "eq", value: "alice" }],
    since: NOW - HOUR,
    until: NOW,
  };

  test("an unbound key sees the filter as it is", () => {
    assert.equal(scopeToKey(filter, key(null)), filter);
  });

  test("a tenant-bound key's filter gains its tenant, the original unchanged", () => {
    const scoped = scopeToKey(filter, key("acme"));
    assert.deepEqual(scoped, {
      conditions: [
        { field: "actor.id", op: "eq", value: "alice" },
        { field: "tenant", op: "eq", value: "acme" },
      ],
      since: NOW - HOUR,
      until: NOW,
    });
    assert.equal(filter.conditions.length, 1, "not mutated");
    assert.deepEqual(scopeToKey({ conditions: [] }, key("globex")), {
      conditions: [{ field: "tenant", op: "eq", value: "globex" }],
    });
  });

  test("visibleTo: only the key's tenant, or everything for an unbound key", () => {
    const event = (tenant?: string) =>
      ({ action: "a.b", ...(tenant ? { tenant } : {}) }) as unknown as AuditEvent;
    assert.equal(visibleTo(event("acme"), key("acme")), true);
    assert.equal(visibleTo(event("globex"), key("acme")), false);
    assert.equal(visibleTo(event(), key("acme")), false, "an event without tenant is not a tenant's");
    assert.equal(visibleTo(event("globex"), key(null)), true);
    assert.equal(visibleTo(event(), key(null)), true);
  });
});

describe("integerParam", () => {
  const params = (entries: Record<string, string>) => new Map(Object.entries(entries));
  const range = { min: 1, max: 1000 };

  test("absent or empty → the fallback; in range → the number", () => {
    assert.equal(integerParam(params({}), "limit", range, 100), 100);
    assert.equal(integerParam(params({}), "limit", range), undefined);
    assert.equal(integerParam(params({ limit: "" }), "limit", range, 100), 100);
    assert.equal(integerParam(params({ limit: "1" }), "limit", range, 100), 1);
    assert.equal(integerParam(params({ limit: "1000" }), "limit", range, 100), 1000);
    assert.equal(integerParam(params({ seq: "0" }), "seq", { min: 0, max: Number.MAX_SAFE_INTEGER }), 0);
    assert.equal(
      integerParam(params({ seq: String(Number.MAX_SAFE_INTEGER) }), "seq", {
        min: 0,
        max: Number.MAX_SAFE_INTEGER,
      }),
      Number.MAX_SAFE_INTEGER,
    );
  });

  test("out of range, fractional, signed, spaced, exponent, hex or unsafe → ST_ERR_USAGE naming the parameter", () => {
    for (const text of [
      "0",
      "1001",
      "-1",
      "1.5",
      "1e3",
      "0x10",
      " 5",
      "5 ",
      "+5",
      "ten",
      "9007199254740993",
    ]) {
      assert.throws(
        () => integerParam(params({ limit: text }), "limit", range, 100),
        failsWith(
          "ST_ERR_USAGE",
          new RegExp(`^limit: expected an integer from 1 to 1000, got "${text.replace(/[+.]/g, "\\$&")}"$`),
        ),
        JSON.stringify(text),
      );
    }
  });
});
