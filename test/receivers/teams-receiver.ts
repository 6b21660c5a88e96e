/**
 * A Microsoft Teams Workflows webhook on loopback: the URL carries a `sig` query parameter (the
 * secret); it checks the message and Adaptive Card shape and answers as a workflow does — 202
 * Accepted with no body, 400 for a malformed card, 401 for a wrong signature (another path).
 */
import { type HttpReceiver, isObject, jsonAnswer, randomToken, startHttpReceiver } from "./http-receiver.js";

const ELEMENT_TYPES = new Set([
  "TextBlock",
  "FactSet",
  "ColumnSet",
  "Container",
  "Image",
  "ImageSet",
  "ActionSet",
  "RichTextBlock",
  "Table",
]);

/** Teams' limit on a message (28 KB). */
export const TEAMS_MAX_BYTES = 28 * 1024;

/** The rules for a Workflows message with an Adaptive Card. */
export function teamsProblems(body: string, json: unknown): string[] {
  if (!isObject(json)) return ["body: not a JSON object"];
  const problems: string[] = [];
  if (Buffer.byteLength(body) > TEAMS_MAX_BYTES) problems.push(`body: over ${TEAMS_MAX_BYTES} bytes`);
  if (json.type !== "message") problems.push(`type: expected "message"`);
  const attachments = json.attachments;
  if (!Array.isArray(attachments) || attachments.length === 0)
    return [...problems, "attachments: expected at least one"];
  attachments.forEach((a: unknown, i) => {
    const at = `attachments[${i}]`;
    if (!isObject(a)) {
      problems.push(`${at}: not an object`);
      return;
    }
    if (a.contentType !== "application/vnd.microsoft.card.adaptive")
      problems.push(`${at}.contentType: not an Adaptive Card`);
    const card = a.content;
    if (!isObject(card)) {
      problems.push(`${at}.content: not an object`);
      return;
    }
    if (card.type !== "AdaptiveCard") problems.push(`${at}.content.type: expected "AdaptiveCard"`);
    if (typeof card.version !== "string" || !/^1\.[0-5]$/.test(card.version)) {
      problems.push(`${at}.content.version: expected 1.0–1.5`);
    }
    if (card.actions !== undefined) {
      if (!Array.isArray(card.actions)) problems.push(`${at}.content.actions: not a list`);
      else
        card.actions.forEach((action: unknown, j) => {
          const where = `${at}.content.actions[${j}]`;
          if (!isObject(action) || action.type !== "Action.OpenUrl")
            problems.push(`${where}: not an Action.OpenUrl`);
          else if (
            typeof action.title !== "string" ||
            typeof action.url !== "string" ||
            !/^https?:\/\//.test(action.url)
          )
            problems.push(`${where}: needs a title and an http(s) url`);
        });
    }
    if (!Array.isArray(card.body) || card.body.length === 0) {
      problems.push(`${at}.content.body: expected elements`);
      return;
    }
    card.body.forEach((e: unknown, j) => {
      const where = `${at}.content.body[${j}]`;
      if (!isObject(e) || !ELEMENT_TYPES.has(String(e.type))) {
        problems.push(`${where}: unknown element`);
        return;
      }
      if (e.type === "TextBlock" && (typeof e.text !== "string" || e.text.length === 0))
        problems.push(`${where}.text: required`);
      if (e.type === "FactSet") {
        const facts = e.facts;
        if (!Array.isArray(facts) || facts.length === 0) problems.push(`${where}.facts: expected facts`);
        else
          facts.forEach((f: unknown, k) => {
            if (!isObject(f) || typeof f.title !== "string" || typeof f.value !== "string") {
              problems.push(`${where}.facts[${k}]: title and value must be strings`);
            }
          });
      }
    });
  });
  return problems;
}

/** Starts a Teams workflow; `url` carries the secret `sig`. */
export function startTeamsReceiver(): Promise<HttpReceiver> {
  const path = `/workflows/${randomToken(32)}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${randomToken(43)}`;
  return startHttpReceiver({
    path,
    check: (r) => {
      if (r.method !== "POST") return [`method: ${r.method}`];
      if (!String(r.headers["content-type"]).startsWith("application/json"))
        return ["content-type: not JSON"];
      return teamsProblems(r.body, r.json);
    },
    accept: () => ({ status: 202 }),
    reject: (r) =>
      jsonAnswer(400, { error: { code: "InvalidRequestContent", message: r.problems.join("; ") } }),
    wrongPath: jsonAnswer(401, {
      error: { code: "DirectApiAuthorizationRequired", message: "The request must be authenticated." },
    }),
  });
}
