import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchQueue } from "./batch-queue.js";

/** A sender that records its batches and finishes each one when the test lets it. */
function gatedSender() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const send = (batch: readonly number[]) => {
    batches.push([...batch]);
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    return new Promise<void>((resolve) =>
      gates.push(() => {
        inFlight--;
        resolve();
      }),
    );
  };
  const openAll = async () => {
    while (gates.length > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  const openOne = () => gates.shift()?.();
  return { send, batches, openOne, openAll, mostInFlight: () => mostInFlight };
}

test("full batches leave at once, one at a time and in order; a flush sends the rest", async () => {
  const sender = gatedSender();
  const queue = new BatchQueue<number>({ batchSize: 3, flushIntervalMs: 60_000, send: sender.send });
  for (let i = 0; i < 8; i++) queue.push(i);
  assert.deepEqual(sender.batches, [[0, 1, 2]], "only one batch in flight");
  assert.equal(queue.pending, true);
  const flushed = queue.flush();
  await sender.openAll();
  await flushed;
  assert.deepEqual(sender.batches, [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7],
  ]);
  assert.equal(sender.mostInFlight(), 1);
  assert.equal(queue.pending, false);
  queue.stop();
});

test("flush resolves at once when nothing is pending, and tells onWaiting when waiting starts and ends", async () => {
  const sender = gatedSender();
  const waiting: boolean[] = [];
  const queue = new BatchQueue<number>({
    batchSize: 10,
    flushIntervalMs: 60_000,
    send: sender.send,
    onWaiting: (w) => waiting.push(w),
  });
  await queue.flush();
  assert.deepEqual(waiting, []);
  queue.push(1);
  assert.deepEqual(sender.batches, [], "a partial batch waits for its interval");
  const first = queue.flush();
  const second = queue.flush();
  assert.equal(queue.waiting, true);
  await sender.openAll();
  await Promise.all([first, second]);
  assert.deepEqual(waiting, [true, false]);
  assert.equal(queue.waiting, false);
  assert.deepEqual(sender.batches, [[1]]);
  queue.stop();
});

test("a flush waits only for what was queued before it", async () => {
  const sender = gatedSender();
  const queue = new BatchQueue<number>({ batchSize: 1, flushIntervalMs: 60_000, send: sender.send });
  queue.push(1);
  const flushed = queue.flush();
  queue.push(2);
  sender.openOne();
  await flushed;
  assert.deepEqual(sender.batches, [[1], [2]]);
  assert.equal(queue.pending, true, "the second batch is still in flight");
  await sender.openAll();
  assert.equal(queue.pending, false);
  queue.stop();
});
