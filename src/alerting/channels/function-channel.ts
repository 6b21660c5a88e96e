import { type AlertChannel, type AlertHandler, delivered, failed } from "./alert-channel.js";
import { excerpt } from "./redact.js";

/**
 * The `function` channel: a library's own handler. It is called once per attempt; resolving
 * is delivery, a throw or rejection a retryable failure whose reason is the error's message,
 * and a handler that has not settled within the attempt's time limit a retryable timeout (it is
 * not stopped: JavaScript cannot stop it, so a handler that must not run twice at once should
 * keep to its own time limit).
 */

/**
 * A channel that calls `handler`.
 *
 * @example
 * ```ts
 * const custom = functionChannel("queue", async (notice) => {
 *   await queue.publish("alerts", JSON.stringify(notice));
 * });
 * ```
 */
export function functionChannel(name: string, handler: AlertHandler): AlertChannel {
  return {
    name,
    type: "function",
    async send(notice, { timeoutMs }) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      try {
        const settled = await Promise.race([Promise.resolve().then(() => handler(notice)), timedOut]);
        if (settled === "timeout") return failed(`the handler did not finish within ${timeoutMs} ms`, true);
        return delivered();
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return failed(`the handler failed: ${excerpt(message)}`, true);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
