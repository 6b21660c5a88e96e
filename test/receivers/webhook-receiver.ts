/**
 * A Standard Webhooks endpoint on loopback: every request is verified with the
 * `standardwebhooks` package's `Webhook.verify` (the specification's reference implementation)
 * against each secret the receiver knows; one that verifies with none is refused with 401. It
 * answers 204 and keeps what it received by `webhook-id`: the first delivery of an id is its
 * effect, later ones are repeats a real receiver would ignore.
 */
import { Webhook } from "standardwebhooks";
import { type HttpReceiver, isObject, jsonAnswer, randomToken, startHttpReceiver } from "./http-receiver.js";

/** A webhook receiver with what it verified. */
export interface WebhookReceiver extends HttpReceiver {
  /** Deliveries by `webhook-id`: how many verified requests carried it. */
  readonly deliveries: Map<string, number>;
  /** For each verified request (in order), the indexes of the receiver's secrets that verified it. */
  readonly verifiedWith: number[][];
}

/** A fresh `whsec_` secret of `bytes` random bytes. */
export function newWebhookSecret(bytes = 32): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64")}`;
}

/** Which of `secrets` verify the request (indexes); the problem when none does. */
export function verifyWebhook(
  secrets: readonly string[],
  body: string,
  headers: Record<string, string | string[] | undefined>,
): { verified: number[]; problem?: string } {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (typeof v === "string") flat[k] = v;
  const verified: number[] = [];
  let problem: string | undefined;
  secrets.forEach((secret, i) => {
    try {
      new Webhook(secret).verify(body, flat);
      verified.push(i);
    } catch (error) {
      problem = `${(error as Error).name}: ${(error as Error).message}`;
    }
  });
  return verified.length > 0 ? { verified } : { verified, problem: problem ?? "no secret" };
}

/** Starts a Standard Webhooks endpoint that knows `secrets` (during a rotation, maybe only one of the sender's). */
export async function startWebhookReceiver(secrets: readonly string[]): Promise<WebhookReceiver> {
  const deliveries = new Map<string, number>();
  const verifiedWith: number[][] = [];
  const receiver = await startHttpReceiver({
    path: `/hooks/${randomToken(16)}`,
    check: (r) => {
      if (r.method !== "POST") return [`method: ${r.method}`];
      const { problem } = verifyWebhook(secrets, r.body, r.headers);
      if (problem !== undefined) return [`signature: ${problem}`];
      const json = r.json;
      if (
        !isObject(json) ||
        (json.type !== "alert.fired" && json.type !== "alert.resolved") ||
        !isObject(json.alert)
      ) {
        return ["body: not an alert notice"];
      }
      return [];
    },
    // Only an accepted request has an effect (an override's 500 has none).
    accept: (r) => {
      const id = String(r.headers["webhook-id"]);
      verifiedWith.push(verifyWebhook(secrets, r.body, r.headers).verified);
      deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      return { status: 204 };
    },
    reject: (r) =>
      r.problems.some((p) => p.startsWith("signature"))
        ? jsonAnswer(401, { error: "invalid signature" })
        : jsonAnswer(400, { error: r.problems.join("; ") }),
    wrongPath: jsonAnswer(404, { error: "no such endpoint" }),
  });
  return Object.assign(receiver, { deliveries, verifiedWith });
}
