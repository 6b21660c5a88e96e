/**
 * A consumer for the consumer crash test, run as its own process: `node consumer-child.js HOME`.
 * It commits to the store at HOME, as fast as it can and forever, commit after commit of
 * `consumer-crash-plan.ts` through `log.consumers`, each from the state the last one stored, and
 * writes `committed K` to stdout once commit K is durable. Between commits it sometimes marks the
 * due lane heads delivered, as a dispatcher would. The test kills it with SIGKILL.
 */
import { AuditLog } from "../../src/audit-log.js";
import { CONSUMER, messagesOf, stateOf } from "./consumer-crash-plan.js";

const [home] = process.argv.slice(2) as [string];
const log = await AuditLog.open({ home, create: false, checkpointIntervalMs: 0 });
const consumers = log.consumers;
let current = await consumers.getConsumerState(CONSUMER);
process.stdout.write(`resuming ${current?.revision ?? 0}\n`);
for (;;) {
  const k = (current?.revision ?? 0) + 1;
  current = await consumers.commitConsumer(CONSUMER, {
    expected: current,
    position: k,
    state: stateOf(k),
    messages: messagesOf(k),
  });
  // Synchronous on a pipe: once written, the test has it even if the process dies next.
  process.stdout.write(`committed ${k}\n`);
  if (Math.random() < 0.3) {
    for (const head of await consumers.laneHeads(CONSUMER, Date.now())) {
      await consumers.updateMessage(head.id, {
        status: "delivered",
        attempts: 1,
        nextAttemptAt: head.nextAttemptAt,
        lastError: null,
      });
    }
  }
}
