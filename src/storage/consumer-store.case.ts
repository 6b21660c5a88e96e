import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isSealtrailError } from "../errors.js";
import type {
  ConsumerCommit,
  ConsumerState,
  ConsumerStore,
  OutboxMessage,
  OutboxMessageInput,
} from "./consumer-store.js";

/**
 * The contract suite of {@link ConsumerStore}, part of every storage driver's contract
 * (`storage-driver.case.ts` registers it): commits whole or not at all, fenced by revision,
 * outbox lanes in id order, ids never reused.
 */

/** A fresh, empty store and how to dispose of it. */
export interface ConsumerStoreFixture {
  readonly driver: ConsumerStore;
  cleanup(): Promise<void>;
}

/** Every field of an outbox message, in the order `OutboxMessage` declares them. */
const MESSAGE_FIELDS = [
  "id",
  "consumer",
  "lane",
  "key",
  "payload",
  "status",
  "attempts",
  "nextAttemptAt",
  "createdAt",
  "updatedAt",
  "lastError",
];

const HOUR = 3_600_000;

/** Text with characters that JSON escapes, astral code points and line separators. */
const UNICODE_TEXT = 'Zürich 🎉 "quoted" \\ back\nslash\ttab \u0001 \u2028 \u{10FFFF} 日本語';

function message(lane: string, key: string, notBefore?: number): OutboxMessageInput {
  return {
    lane,
    key,
    payload: JSON.stringify({ lane, key }),
    ...(notBefore === undefined ? {} : { notBefore }),
  };
}

function conflict(e: unknown): boolean {
  return (
    isSealtrailError(e, "ST_ERR_STORE_CONSUMER_CONFLICT") &&
    /another process is running the same consumer/.test(e.message)
  );
}

/** Every message of `consumer`, in id order. */
function allMessages(driver: ConsumerStore, consumer: string): Promise<OutboxMessage[]> {
  return driver.listMessages(consumer, { limit: 1_000_000 });
}

/**
 * Registers the {@link ConsumerStore} contract suite for one driver.
 *
 * @param name - the driver's name in test titles.
 * @param makeDriver - opens a fresh, empty store; `cleanup` closes it and removes its files.
 */
export function consumerStoreContract(name: string, makeDriver: () => Promise<ConsumerStoreFixture>): void {
  describe(`ConsumerStore contract: ${name}`, () => {
    let fixture: ConsumerStoreFixture;
    let driver: ConsumerStore;
    before(async () => {
      fixture = await makeDriver();
      driver = fixture.driver;
    });
    after(async () => {
      await fixture.cleanup();
    });

    test("a consumer that never committed has no state and no messages", async () => {
      assert.equal(await driver.getConsumerState("never"), undefined);
      assert.deepEqual(await driver.laneHeads("never", Number.MAX_SAFE_INTEGER), []);
      assert.deepEqual(await driver.pendingMessages("never", { limit: 10 }), []);
      assert.deepEqual(await driver.listMessages("never", { limit: 10 }), []);
      assert.equal(await driver.pruneMessages("never", Number.MAX_SAFE_INTEGER), 0);
    });

    test("a commit stores position, state and messages together; each commit is a revision", async () => {
      const started = Date.now();
      const first = await driver.commitConsumer("stored", {
        expected: undefined,
        position: 5,
        state: '{"window":[1,2]}',
        messages: [message("email", "a-1"), message("slack", "a-1", started + HOUR)],
      });
      const ended = Date.now();
      assert.deepEqual(first, { position: 5, state: '{"window":[1,2]}', revision: 1 });
      assert.deepEqual(await driver.getConsumerState("stored"), first);

      const messages = await allMessages(driver, "stored");
      assert.equal(messages.length, 2);
      const [email, slack] = messages as [OutboxMessage, OutboxMessage];
      for (const m of messages) {
        assert.deepEqual(Object.keys(m).sort(), [...MESSAGE_FIELDS].sort(), "every field, no other");
        assert.ok(Number.isSafeInteger(m.id) && m.id > 0, `id ${m.id}`);
        assert.ok(m.createdAt >= started && m.createdAt <= ended, "createdAt is the commit's time");
        assert.equal(m.updatedAt, m.createdAt);
      }
      assert.ok(slack.id > email.id, "ids follow the order of the commit's messages");
      assert.deepEqual(email, {
        id: email.id,
        consumer: "stored",
        lane: "email",
        key: "a-1",
        payload: '{"lane":"email","key":"a-1"}',
        status: "pending",
        attempts: 0,
        nextAttemptAt: email.createdAt,
        createdAt: email.createdAt,
        updatedAt: email.createdAt,
        lastError: null,
      });
      assert.equal(slack.nextAttemptAt, started + HOUR, "notBefore sets the first attempt");

      // A commit that only changes state (a window closed by time) is a revision of its own.
      const second = await driver.commitConsumer("stored", {
        expected: first,
        position: 5,
        state: null,
        messages: [],
      });
      assert.deepEqual(second, { position: 5, state: null, revision: 2 });
      assert.deepEqual(await driver.getConsumerState("stored"), second);
      const third = await driver.commitConsumer("stored", {
        expected: second,
        position: 9,
        state: UNICODE_TEXT,
        messages: [message("email", "a-2")],
      });
      assert.deepEqual(await driver.getConsumerState("stored"), {
        position: 9,
        state: UNICODE_TEXT,
        revision: 3,
      });
      assert.equal(third.revision, 3);
      const after = await allMessages(driver, "stored");
      assert.deepEqual(
        after.map((m) => m.key),
        ["a-1", "a-1", "a-2"],
      );
      assert.ok((after[2] as OutboxMessage).id > slack.id);
    });

    test("payloads and states read back exactly as given (unicode, 256 KiB)", async () => {
      const large = `${UNICODE_TEXT}${"x".repeat(256 * 1024)}`;
      const state = await driver.commitConsumer("exact", {
        expected: undefined,
        position: 0,
        state: large,
        messages: [
          { lane: "ü lane 🎉", key: UNICODE_TEXT, payload: UNICODE_TEXT },
          { lane: "big", key: "k", payload: large },
          { lane: "empty", key: "k", payload: "" },
        ],
      });
      assert.equal((await driver.getConsumerState("exact"))?.state, large);
      assert.equal(state.state, large);
      const [unicode, big, empty] = (await allMessages(driver, "exact")) as [
        OutboxMessage,
        OutboxMessage,
        OutboxMessage,
      ];
      assert.deepEqual(
        [unicode.lane, unicode.key, unicode.payload],
        ["ü lane 🎉", UNICODE_TEXT, UNICODE_TEXT],
      );
      assert.equal(big.payload, large);
      assert.equal(empty.payload, "");
    });

    test("a commit that does not expect the stored revision is refused (ST_ERR_STORE_CONSUMER_CONFLICT) and stores nothing", async () => {
      // Two processes running the same consumer both read revision 1 …
      const read = await driver.commitConsumer("fenced", {
        expected: undefined,
        position: 10,
        state: "s1",
        messages: [message("email", "first")],
      });
      const processA = read;
      const processB = read;
      // … A commits first; B's commit, from the same revision, must not land.
      const committedA = await driver.commitConsumer("fenced", {
        expected: processA,
        position: 20,
        state: "A",
        messages: [message("email", "from-a")],
      });
      await assert.rejects(
        driver.commitConsumer("fenced", {
          expected: processB,
          position: 20,
          state: "B",
          messages: [message("email", "from-b"), message("slack", "from-b")],
        }),
        (e: unknown) => conflict(e) && /revision 1.*revision 2/.test((e as Error).message),
      );
      assert.deepEqual(await driver.getConsumerState("fenced"), committedA);
      assert.deepEqual(
        (await allMessages(driver, "fenced")).map((m) => m.key),
        ["first", "from-a"],
        "none of the refused commit's messages",
      );

      // The same when neither moved its position (a state-only commit): the revision still fences.
      const stillA = await driver.commitConsumer("fenced", {
        expected: committedA,
        position: 20,
        state: "A again",
        messages: [message("email", "timer-a")],
      });
      await assert.rejects(
        driver.commitConsumer("fenced", {
          expected: committedA,
          position: 20,
          state: "B again",
          messages: [message("email", "timer-b")],
        }),
        conflict,
      );
      assert.deepEqual(await driver.getConsumerState("fenced"), stillA);

      // A new consumer expects nothing; a stored one must be expected; a made-up revision is refused.
      await assert.rejects(
        driver.commitConsumer("fenced", { expected: undefined, position: 0, state: null, messages: [] }),
        (e: unknown) => conflict(e) && /expected no commit/.test((e as Error).message),
      );
      await assert.rejects(
        driver.commitConsumer("fenced", {
          expected: { ...stillA, revision: stillA.revision + 1 },
          position: 0,
          state: null,
          messages: [],
        }),
        conflict,
      );
      await assert.rejects(
        driver.commitConsumer("fenced-new", { expected: stillA, position: 0, state: null, messages: [] }),
        (e: unknown) => conflict(e) && /holds no commit/.test((e as Error).message),
      );
      assert.equal(await driver.getConsumerState("fenced-new"), undefined);
      assert.deepEqual(await driver.getConsumerState("fenced"), stillA);
      assert.deepEqual(
        (await allMessages(driver, "fenced")).map((m) => m.key),
        ["first", "from-a", "timer-a"],
      );

      // And the consumer goes on from what is stored.
      const next = await driver.commitConsumer("fenced", {
        expected: stillA,
        position: 21,
        state: "on",
        messages: [message("email", "next")],
      });
      assert.equal(next.revision, stillA.revision + 1);
      const keys = await allMessages(driver, "fenced");
      assert.deepEqual(
        keys.map((m) => m.key),
        ["first", "from-a", "timer-a", "next"],
      );
      assert.deepEqual(
        keys.map((m) => m.id),
        keys.map((m) => m.id).sort((a, b) => a - b),
      );
    });

    test("consumers are independent: states, messages, lanes and pruning", async () => {
      const one = await driver.commitConsumer("one", {
        expected: undefined,
        position: 1,
        state: "one",
        messages: [message("email", "one-1")],
      });
      const two = await driver.commitConsumer("two", {
        expected: undefined,
        position: 2,
        state: "two",
        messages: [message("email", "two-1"), message("email", "two-2")],
      });
      assert.deepEqual(await driver.getConsumerState("one"), one);
      assert.deepEqual(await driver.getConsumerState("two"), two);
      const now = Date.now();
      assert.deepEqual(
        (await driver.laneHeads("one", now)).map((m) => m.key),
        ["one-1"],
      );
      assert.deepEqual(
        (await driver.laneHeads("two", now)).map((m) => m.key),
        ["two-1"],
      );
      assert.deepEqual(
        (await driver.pendingMessages("two", { limit: 10 })).map((m) => [m.consumer, m.key]),
        [
          ["two", "two-1"],
          ["two", "two-2"],
        ],
      );
      const [oneMessage] = await allMessages(driver, "one");
      await driver.updateMessage((oneMessage as OutboxMessage).id, {
        status: "delivered",
        attempts: 1,
        nextAttemptAt: now,
        lastError: null,
      });
      const [twoFirst] = await allMessages(driver, "two");
      await driver.updateMessage((twoFirst as OutboxMessage).id, {
        status: "delivered",
        attempts: 1,
        nextAttemptAt: now,
        lastError: null,
      });
      assert.equal(await driver.pruneMessages("one", Number.MAX_SAFE_INTEGER), 1);
      assert.deepEqual(
        (await allMessages(driver, "two")).map((m) => m.key),
        ["two-1", "two-2"],
        "pruning one consumer leaves another's messages",
      );
    });

    test("laneHeads: each lane's first pending message when it is due; the rest of a lane waits behind it", async () => {
      const now = Date.now();
      await driver.commitConsumer("lanes", {
        expected: undefined,
        position: 1,
        state: null,
        messages: [
          message("a", "a1"),
          message("b", "b1", now + HOUR),
          message("a", "a2"),
          message("c", "c1", now - HOUR),
          message("b", "b2"),
          message("a", "a3"),
        ],
      });
      const byKey = new Map((await allMessages(driver, "lanes")).map((m) => [m.key, m]));
      const id = (key: string) => (byKey.get(key) as OutboxMessage).id;
      const heads = async (dueBy: number) => (await driver.laneHeads("lanes", dueBy)).map((m) => m.key);

      assert.deepEqual(await heads(now + 1), ["a1", "c1"], "b1 is not due, and b2 waits behind it");
      assert.deepEqual(await heads(now + HOUR), ["a1", "b1", "c1"], "in id order");
      assert.deepEqual(await heads(now - HOUR), ["c1"], "due exactly at dueBy");
      assert.deepEqual(await heads(now - HOUR - 1), []);
      assert.deepEqual(
        await driver.laneHeads("lanes", now + 1),
        [byKey.get("a1"), byKey.get("c1")],
        "whole messages",
      );

      const attempt = (key: string, status: OutboxMessage["status"], nextAttemptAt: number) =>
        driver.updateMessage(id(key), { status, attempts: 1, nextAttemptAt, lastError: null });
      await attempt("a1", "delivered", now);
      await attempt("c1", "failed", now);
      assert.deepEqual(await heads(now + 1), ["a2"], "a lane moves on past delivered and failed messages");
      // A failed attempt to be retried later holds its lane until then.
      await attempt("a2", "pending", now + 2 * HOUR);
      assert.deepEqual(await heads(now + 1), [], "a3 waits behind a2");
      assert.deepEqual(await heads(now + 2 * HOUR), ["b1", "a2"], "in id order");
      await attempt("a2", "delivered", now);
      assert.deepEqual(await heads(now + 1), ["a3"]);
    });

    test("pendingMessages: pending ones in id order, of one lane or all, at most limit", async () => {
      await driver.commitConsumer("pending", {
        expected: undefined,
        position: 1,
        state: null,
        messages: ["x1", "y1", "x2", "y2", "x3"].map((key) => message(key.slice(0, 1), key)),
      });
      const keys = async (options: { lane?: string; limit: number }) =>
        (await driver.pendingMessages("pending", options)).map((m) => m.key);
      assert.deepEqual(await keys({ limit: 10 }), ["x1", "y1", "x2", "y2", "x3"]);
      assert.deepEqual(await keys({ limit: 2 }), ["x1", "y1"]);
      assert.deepEqual(await keys({ limit: 0 }), []);
      assert.deepEqual(await keys({ lane: "x", limit: 10 }), ["x1", "x2", "x3"]);
      assert.deepEqual(await keys({ lane: "y", limit: 1 }), ["y1"]);
      assert.deepEqual(await keys({ lane: "z", limit: 10 }), []);
      const [x1] = await driver.pendingMessages("pending", { lane: "x", limit: 1 });
      await driver.updateMessage((x1 as OutboxMessage).id, {
        status: "delivered",
        attempts: 1,
        nextAttemptAt: 0,
        lastError: null,
      });
      assert.deepEqual(await keys({ lane: "x", limit: 10 }), ["x2", "x3"]);
    });

    test("updateMessage records an attempt and its time; an unknown id is refused with a RangeError", async () => {
      await driver.commitConsumer("update", {
        expected: undefined,
        position: 1,
        state: null,
        messages: [message("hook", "h1")],
      });
      const [before] = (await allMessages(driver, "update")) as [OutboxMessage];
      const started = Date.now();
      await driver.updateMessage(before.id, {
        status: "pending",
        attempts: 1,
        nextAttemptAt: started + 30_000,
        lastError: `HTTP 503: ${UNICODE_TEXT}`,
      });
      const ended = Date.now();
      const [after] = (await allMessages(driver, "update")) as [OutboxMessage];
      assert.deepEqual(after, {
        ...before,
        attempts: 1,
        nextAttemptAt: started + 30_000,
        lastError: `HTTP 503: ${UNICODE_TEXT}`,
        updatedAt: after.updatedAt,
      });
      assert.ok(after.updatedAt >= started && after.updatedAt <= ended, "updatedAt is the update's time");
      await driver.updateMessage(before.id, {
        status: "failed",
        attempts: 5,
        nextAttemptAt: started,
        lastError: "gave up",
      });
      const [failed] = (await allMessages(driver, "update")) as [OutboxMessage];
      assert.deepEqual([failed.status, failed.attempts, failed.lastError], ["failed", 5, "gave up"]);
      await driver.updateMessage(before.id, {
        status: "delivered",
        attempts: 6,
        nextAttemptAt: 0,
        lastError: null,
      });
      const [delivered] = (await allMessages(driver, "update")) as [OutboxMessage];
      assert.deepEqual([delivered.status, delivered.lastError], ["delivered", null]);

      const unknown = before.id + 1_000_000;
      await assert.rejects(
        driver.updateMessage(unknown, {
          status: "delivered",
          attempts: 1,
          nextAttemptAt: 0,
          lastError: null,
        }),
        (e: unknown) => e instanceof RangeError && e.message.includes(String(unknown)),
      );
    });

    test("listMessages: any status in id order, after afterId, of one status, at most limit", async () => {
      await driver.commitConsumer("list", {
        expected: undefined,
        position: 1,
        state: null,
        messages: ["m1", "m2", "m3", "m4"].map((key) => message("lane", key)),
      });
      const all = await allMessages(driver, "list");
      const ids = all.map((m) => m.id);
      const keys = async (options: Parameters<ConsumerStore["listMessages"]>[1]) =>
        (await driver.listMessages("list", options)).map((m) => m.key);
      await driver.updateMessage(ids[1] as number, {
        status: "delivered",
        attempts: 1,
        nextAttemptAt: 0,
        lastError: null,
      });
      await driver.updateMessage(ids[2] as number, {
        status: "failed",
        attempts: 3,
        nextAttemptAt: 0,
        lastError: "x",
      });
      assert.deepEqual(await keys({ limit: 10 }), ["m1", "m2", "m3", "m4"]);
      assert.deepEqual(await keys({ limit: 2 }), ["m1", "m2"]);
      assert.deepEqual(await keys({ afterId: ids[1] as number, limit: 10 }), ["m3", "m4"]);
      assert.deepEqual(await keys({ afterId: ids[3] as number, limit: 10 }), []);
      assert.deepEqual(await keys({ afterId: 0, limit: 10 }), ["m1", "m2", "m3", "m4"]);
      assert.deepEqual(await keys({ status: "pending", limit: 10 }), ["m1", "m4"]);
      assert.deepEqual(await keys({ status: "delivered", limit: 10 }), ["m2"]);
      assert.deepEqual(await keys({ status: "failed", limit: 10 }), ["m3"]);
      assert.deepEqual(await keys({ status: "pending", afterId: ids[0] as number, limit: 10 }), ["m4"]);
      assert.deepEqual(await keys({ limit: 0 }), []);
    });

    test("pruneMessages deletes delivered and failed messages updated before the time, never pending ones; ids are not reused", async () => {
      let state: ConsumerState = await driver.commitConsumer("prune", {
        expected: undefined,
        position: 1,
        state: null,
        messages: ["p1", "p2", "p3", "p4"].map((key) => message("lane", key)),
      });
      const [p1, p2, p3, p4] = (await allMessages(driver, "prune")) as [
        OutboxMessage,
        OutboxMessage,
        OutboxMessage,
        OutboxMessage,
      ];
      await driver.updateMessage(p1.id, {
        status: "delivered",
        attempts: 1,
        nextAttemptAt: 0,
        lastError: null,
      });
      await driver.updateMessage(p2.id, { status: "failed", attempts: 9, nextAttemptAt: 0, lastError: "no" });
      await driver.updateMessage(p4.id, {
        status: "delivered",
        attempts: 1,
        nextAttemptAt: 0,
        lastError: null,
      });
      const updated = await allMessages(driver, "prune");
      const lastUpdate = Math.max(...updated.map((m) => m.updatedAt));
      const firstUpdate = Math.min(
        ...[p1, p2, p4].map((m) => (updated.find((u) => u.id === m.id) as OutboxMessage).updatedAt),
      );

      assert.equal(await driver.pruneMessages("prune", firstUpdate), 0, "only those updated strictly before");
      assert.equal(await driver.pruneMessages("prune", lastUpdate + 1), 3);
      assert.deepEqual(
        (await allMessages(driver, "prune")).map((m) => m.id),
        [p3.id],
        "the pending message stays",
      );
      assert.equal(await driver.pruneMessages("prune", Number.MAX_SAFE_INTEGER), 0, "nothing left to prune");

      // p4 had the highest id of all; it is gone, and no later message takes its id.
      state = await driver.commitConsumer("prune", {
        expected: state,
        position: 2,
        state: null,
        messages: [message("lane", "p5")],
      });
      const [, p5] = (await allMessages(driver, "prune")) as [OutboxMessage, OutboxMessage];
      assert.equal(p5.key, "p5");
      assert.ok(p5.id > p4.id, `id ${p5.id} after the pruned ${p4.id}`);
      assert.equal(state.revision, 2);
    });

    test("invalid arguments are refused with a RangeError naming them, and store nothing", async () => {
      const good: ConsumerCommit = { expected: undefined, position: 0, state: null, messages: [] };
      const refusals: Array<[string, () => Promise<unknown>, RegExp]> = [
        ["empty name", () => driver.commitConsumer("", good), /consumer name/],
        ["negative position", () => driver.commitConsumer("bad", { ...good, position: -1 }), /position/],
        ["fractional position", () => driver.commitConsumer("bad", { ...good, position: 1.5 }), /position/],
        [
          "state not text",
          () => driver.commitConsumer("bad", { ...good, state: 5 as unknown as string }),
          /state/,
        ],
        [
          "expected revision 0",
          () =>
            driver.commitConsumer("bad", { ...good, expected: { position: 0, state: null, revision: 0 } }),
          /expected\.revision/,
        ],
        [
          "a message without a lane",
          () =>
            driver.commitConsumer("bad", {
              ...good,
              messages: [message("ok", "k"), { lane: "", key: "k", payload: "" }],
            }),
          /messages\[1\]\.lane/,
        ],
        [
          "a payload not text",
          () =>
            driver.commitConsumer("bad", {
              ...good,
              messages: [{ lane: "l", key: "k", payload: { a: 1 } as unknown as string }],
            }),
          /messages\[0\]\.payload/,
        ],
        [
          "a fractional notBefore",
          () => driver.commitConsumer("bad", { ...good, messages: [message("l", "k", 1.5)] }),
          /messages\[0\]\.notBefore/,
        ],
        ["laneHeads without a time", () => driver.laneHeads("bad", Number.NaN), /dueBy/],
        [
          "pendingMessages with a negative limit",
          () => driver.pendingMessages("bad", { limit: -1 }),
          /limit/,
        ],
        [
          "pendingMessages of an empty lane",
          () => driver.pendingMessages("bad", { lane: "", limit: 1 }),
          /lane/,
        ],
        ["listMessages with a fractional limit", () => driver.listMessages("bad", { limit: 0.5 }), /limit/],
        [
          "listMessages of an unknown status",
          () => driver.listMessages("bad", { limit: 1, status: "sent" as OutboxMessage["status"] }),
          /status/,
        ],
        [
          "listMessages after a negative id",
          () => driver.listMessages("bad", { afterId: -1, limit: 1 }),
          /afterId/,
        ],
        [
          "updateMessage to an unknown status",
          () =>
            driver.updateMessage(1, {
              status: "done" as OutboxMessage["status"],
              attempts: 1,
              nextAttemptAt: 0,
              lastError: null,
            }),
          /status/,
        ],
        [
          "updateMessage with negative attempts",
          () =>
            driver.updateMessage(1, { status: "pending", attempts: -1, nextAttemptAt: 0, lastError: null }),
          /attempts/,
        ],
        [
          "pruneMessages without a time",
          () => driver.pruneMessages("bad", Number.POSITIVE_INFINITY),
          /before/,
        ],
      ];
      for (const [label, call, argument] of refusals) {
        await assert.rejects(
          call(),
          (e: unknown) => e instanceof RangeError && argument.test(e.message),
          label,
        );
      }
      assert.equal(await driver.getConsumerState("bad"), undefined, "no refused commit stored a state");
      assert.deepEqual(await allMessages(driver, "bad"), [], "nor a message");
    });
  });
}
