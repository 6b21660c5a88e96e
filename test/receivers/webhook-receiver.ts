/**
 * A Standard Webhooks endpoint on loopback: every request is verified with the
 * `standardwebhooks` package's `Webhook.verify` (the specification's reference implementation)
 * against each secret the receiver knows; one that verifies with none is refused with 401. A
 * body is an alert notice, or a scheduled report checked against its documented shape (the
 * file's `size` and `sha256` those of the decoded `content_base64`). It
 * answers 204 and keeps what it received by `webhook-id`: the first delivery of an id is its
 * effect, later ones are repeats a real receiver would ignore.
 */
import { createHash } from "node:crypto";
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

/** The documented rules of a `report.scheduled` body. */
export function reportBodyProblems(json: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof json.schedule !== "string" || json.schedule === "") problems.push("schedule: not a name");
  if (typeof json.planned_at !== "string" || Number.isNaN(Date.parse(json.planned_at)))
    problems.push("planned_at: not a time");
  const report = json.report;
  if (!isObject(report)) return [...problems, "report: not an object"];
  for (const key of ["type", "title", "format", "file_name", "content_type", "sha256", "content_base64"]) {
    if (typeof report[key] !== "string") problems.push(`report.${key}: not a text`);
  }
  if (!Number.isInteger(report.size)) problems.push("report.size: not an integer");
  if (
    !isObject(report.summary) ||
    typeof report.summary.headline !== "string" ||
    !Array.isArray(report.summary.facts)
  )
    problems.push("report.summary: not a headline and facts");
  if (report.url !== undefined && (typeof report.url !== "string" || !URL.canParse(report.url)))
    problems.push("report.url: not a URL");
  if (typeof report.content_base64 === "string") {
    const bytes = Buffer.from(report.content_base64, "base64");
    if (bytes.toString("base64") !== report.content_base64)
      problems.push("report.content_base64: not base64");
    if (bytes.length !== report.size)
      problems.push(`report.size: ${report.size}, but the content has ${bytes.length} bytes`);
    if (createHash("sha256").update(bytes).digest("hex") !== report.sha256)
      problems.push("report.sha256: not the content's");
  }
  return problems;
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
      if (isObject(json) && json.type === "report.scheduled") return reportBodyProblems(json);
      if (
        !isObject(json) ||
        (json.type !== "alert.fired" && json.type !== "alert.resolved") ||
        !isObject(json.alert)
      ) {
        return ["body: not an alert notice or a scheduled report"];
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
