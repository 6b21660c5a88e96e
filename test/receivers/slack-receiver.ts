/**
 * A Slack incoming webhook on loopback: it checks Block Kit's rules for the blocks Sealtrail
 * sends and answers as Slack does — 200 `ok`, 400 `invalid_blocks` / `invalid_payload` /
 * `no_text`, 404 `no_service` on an unknown webhook, and (scripted) 429 with `Retry-After`,
 * 410 `channel_is_archived`.
 */
import {
  type HttpReceiver,
  isObject,
  type ReceivedRequest,
  type ReceiverAnswer,
  randomToken,
  startHttpReceiver,
  textAnswer,
  textWithin,
} from "./http-receiver.js";

/** Block Kit limits (api.slack.com/reference/block-kit). */
const LIMITS = {
  blocks: 50,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
};
const TEXT_TYPES = new Set(["plain_text", "mrkdwn"]);
const BLOCK_TYPES = new Set(["header", "section", "context", "divider", "actions", "image", "rich_text"]);

/** The problems of a text object (`{ type, text }`) of at most `max` characters. */
function textObject(value: unknown, max: number, where: string, types = TEXT_TYPES): string[] {
  if (!isObject(value)) return [`${where}: not a text object`];
  const problems: string[] = [];
  if (!types.has(String(value.type)))
    problems.push(`${where}.type: ${String(value.type)} is not one of ${[...types]}`);
  if (!textWithin(value.text, max)) problems.push(`${where}.text: expected 1–${max} characters`);
  return problems;
}

/** Block Kit's rules for a message with `text` and `blocks`. */
export function slackProblems(json: unknown): string[] {
  if (!isObject(json)) return ["body: not a JSON object"];
  const problems: string[] = [];
  if (!textWithin(json.text, 40_000))
    problems.push("text: a non-empty fallback text is required with blocks");
  const blocks = json.blocks;
  if (blocks === undefined) return problems;
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > LIMITS.blocks) {
    return [...problems, `blocks: expected 1–${LIMITS.blocks} blocks`];
  }
  blocks.forEach((block: unknown, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(block) || !BLOCK_TYPES.has(String(block.type))) {
      problems.push(`${at}: unknown block type`);
      return;
    }
    if (block.block_id !== undefined && !textWithin(block.block_id, 255))
      problems.push(`${at}.block_id: too long`);
    switch (block.type) {
      case "header":
        problems.push(...textObject(block.text, LIMITS.header, `${at}.text`, new Set(["plain_text"])));
        break;
      case "section": {
        if (block.text === undefined && block.fields === undefined)
          problems.push(`${at}: text or fields required`);
        if (block.text !== undefined)
          problems.push(...textObject(block.text, LIMITS.sectionText, `${at}.text`));
        if (block.fields !== undefined) {
          if (
            !Array.isArray(block.fields) ||
            block.fields.length === 0 ||
            block.fields.length > LIMITS.fields
          ) {
            problems.push(`${at}.fields: expected 1–${LIMITS.fields} fields`);
          } else {
            block.fields.forEach((f: unknown, j) => {
              problems.push(...textObject(f, LIMITS.fieldText, `${at}.fields[${j}]`));
            });
          }
        }
        break;
      }
      case "context": {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > LIMITS.contextElements) {
          problems.push(`${at}.elements: expected 1–${LIMITS.contextElements} elements`);
        } else {
          elements.forEach((e: unknown, j) => {
            problems.push(...textObject(e, LIMITS.sectionText, `${at}.elements[${j}]`));
          });
        }
        break;
      }
    }
  });
  return problems;
}

/** Slack's 429: `Retry-After` in seconds. */
export function slackRateLimited(retryAfterSeconds: number): ReceiverAnswer {
  return textAnswer(429, "rate_limited", { "retry-after": String(retryAfterSeconds) });
}

/** Slack's answer when the channel was archived: permanent. */
export const SLACK_ARCHIVED: ReceiverAnswer = textAnswer(410, "channel_is_archived");

/** Starts a Slack incoming webhook; `url` is the secret webhook URL. */
export function startSlackReceiver(): Promise<HttpReceiver> {
  const path = `/services/T${randomToken(8).toUpperCase()}/B${randomToken(8).toUpperCase()}/${randomToken(24)}`;
  return startHttpReceiver({
    path,
    check: (r) => {
      if (r.method !== "POST") return [`method: ${r.method}`];
      if (!String(r.headers["content-type"]).startsWith("application/json"))
        return ["content-type: not JSON"];
      if (r.json === undefined) return ["body: not JSON"];
      return slackProblems(r.json);
    },
    accept: () => textAnswer(200, "ok", { "content-type": "text/html" }),
    reject: (r: ReceivedRequest) =>
      textAnswer(
        400,
        r.json === undefined
          ? "invalid_payload"
          : r.problems.some((p) => p.startsWith("text"))
            ? "no_text"
            : "invalid_blocks",
      ),
    wrongPath: textAnswer(404, "no_service"),
  });
}
