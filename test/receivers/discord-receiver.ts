/**
 * A Discord webhook on loopback: it checks Discord's embed limits (and, for a file upload, the
 * multipart form Discord documents: the JSON body as `payload_json`, each file as `files[n]`
 * with a file name, `attachments` naming only files sent, at most 10 MiB a file) and answers as
 * Discord does —
 * 204 No Content (200 with the message when the URL has `?wait=true`), 400 `Invalid Form Body`
 * (code 50035) for a payload over the limits, 404 `Unknown Webhook` (code 10015) on another
 * path, and (scripted) 429 with JSON `{ retry_after, global }` and a `Retry-After` header.
 */
import {
  type HttpReceiver,
  isObject,
  jsonAnswer,
  type ReceivedRequest,
  type ReceiverAnswer,
  randomToken,
  startHttpReceiver,
  textWithin,
} from "./http-receiver.js";

/** Discord's embed limits (discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const DISCORD_EMBED_LIMITS = {
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  total: 6000,
  content: 2000,
};

/** Discord's rules for an execute-webhook body. */
export function discordProblems(json: unknown): string[] {
  if (!isObject(json)) return ["body: not a JSON object"];
  const problems: string[] = [];
  const L = DISCORD_EMBED_LIMITS;
  if (json.content !== undefined && !textWithin(json.content, L.content, 0))
    problems.push("content: too long");
  const embeds = json.embeds;
  if (json.content === undefined && embeds === undefined) problems.push("content or embeds required");
  if (embeds === undefined) return problems;
  if (!Array.isArray(embeds) || embeds.length > L.embeds) return [...problems, `embeds: at most ${L.embeds}`];
  let total = 0;
  embeds.forEach((embed: unknown, i) => {
    const at = `embeds[${i}]`;
    if (!isObject(embed)) {
      problems.push(`${at}: not an object`);
      return;
    }
    const text = (key: string, value: unknown, max: number, min = 0) => {
      if (value === undefined) return;
      if (!textWithin(value, max, min)) problems.push(`${at}.${key}: expected ${min}–${max} characters`);
      else total += (value as string).length;
    };
    text("title", embed.title, L.title);
    text("description", embed.description, L.description);
    if (embed.color !== undefined) {
      const c = embed.color;
      if (!Number.isInteger(c) || (c as number) < 0 || (c as number) > 0xffffff)
        problems.push(`${at}.color: not 0–0xFFFFFF`);
    }
    if (embed.timestamp !== undefined) {
      const t = embed.timestamp;
      if (typeof t !== "string" || !/^\d{4}-\d{2}-\d{2}T/.test(t) || Number.isNaN(Date.parse(t))) {
        problems.push(`${at}.timestamp: not ISO 8601`);
      }
    }
    if (embed.footer !== undefined) {
      if (!isObject(embed.footer)) problems.push(`${at}.footer: not an object`);
      else text("footer.text", embed.footer.text, L.footer, 1);
    }
    if (embed.author !== undefined && isObject(embed.author))
      text("author.name", embed.author.name, L.author, 1);
    if (embed.fields !== undefined) {
      if (!Array.isArray(embed.fields) || embed.fields.length > L.fields) {
        problems.push(`${at}.fields: at most ${L.fields}`);
      } else {
        embed.fields.forEach((f: unknown, j) => {
          if (!isObject(f)) {
            problems.push(`${at}.fields[${j}]: not an object`);
            return;
          }
          text(`fields[${j}].name`, f.name, L.fieldName, 1);
          text(`fields[${j}].value`, f.value, L.fieldValue, 1);
          if (f.name === undefined || f.value === undefined)
            problems.push(`${at}.fields[${j}]: name and value required`);
          if (f.inline !== undefined && typeof f.inline !== "boolean")
            problems.push(`${at}.fields[${j}].inline: not boolean`);
        });
      }
    }
  });
  if (total > L.total) problems.push(`embeds: ${total} characters in all, over ${L.total}`);
  return problems;
}

/** Discord's upload limit per file (the default for a webhook: 10 MiB). */
export const DISCORD_UPLOAD_LIMIT = 10 * 1024 * 1024;

/** A file uploaded with a message. */
export interface DiscordUpload {
  /** The form field (`files[0]`). */
  readonly field: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

/** A multipart message as Discord reads it: the JSON body and the files. */
export interface DiscordForm {
  readonly payload: unknown;
  readonly files: readonly DiscordUpload[];
}

/** The form of a `multipart/form-data` request, read by the platform's own parser (undici). */
export async function readDiscordForm(r: Pick<ReceivedRequest, "raw" | "headers">): Promise<DiscordForm> {
  const form = await new Response(r.raw, {
    headers: { "content-type": String(r.headers["content-type"]) },
  }).formData();
  const files: DiscordUpload[] = [];
  let payload: unknown;
  for (const [field, value] of form.entries()) {
    if (typeof value === "string") {
      if (field === "payload_json") payload = JSON.parse(value);
      continue;
    }
    files.push({
      field,
      fileName: value.name,
      contentType: value.type,
      bytes: Buffer.from(await value.arrayBuffer()),
    });
  }
  return { payload, files };
}

/** Discord's rules for a multipart execute-webhook request. */
export async function discordFormProblems(r: Pick<ReceivedRequest, "raw" | "headers">): Promise<string[]> {
  let form: DiscordForm;
  try {
    form = await readDiscordForm(r);
  } catch (error) {
    return [`form: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  if (form.payload === undefined) problems.push("payload_json: required with files");
  else problems.push(...discordProblems(form.payload));
  const ids = new Set<number>();
  for (const file of form.files) {
    const m = /^files\[(\d+)\]$/.exec(file.field);
    if (!m) problems.push(`${file.field}: files are sent as files[n]`);
    else ids.add(Number(m[1]));
    if (file.fileName === "" || file.fileName === "blob") problems.push(`${file.field}: no file name`);
    if (file.bytes.length > DISCORD_UPLOAD_LIMIT)
      problems.push(`${file.field}: over ${DISCORD_UPLOAD_LIMIT} bytes`);
  }
  if (form.files.length === 0) problems.push("files: a multipart message carries files");
  const attachments = isObject(form.payload) ? form.payload.attachments : undefined;
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) problems.push("attachments: not a list");
    else
      attachments.forEach((a: unknown, i) => {
        if (!isObject(a) || typeof a.id !== "number" || !ids.has(a.id)) {
          problems.push(`attachments[${i}].id: names no files[n] sent`);
        } else if (a.filename !== undefined && typeof a.filename !== "string") {
          problems.push(`attachments[${i}].filename: not a text`);
        }
      });
  }
  return problems;
}

/** Discord's 429: JSON `retry_after` in (fractional) seconds, and `Retry-After` rounded up. */
export function discordRateLimited(retryAfterSeconds: number, global = false): ReceiverAnswer {
  return jsonAnswer(
    429,
    { message: "You are being rate limited.", retry_after: retryAfterSeconds, global },
    { "retry-after": String(Math.ceil(retryAfterSeconds)), "x-ratelimit-scope": global ? "global" : "user" },
  );
}

/** Starts a Discord webhook; `url` is the secret webhook URL (`?wait=true` appended when `wait`). */
export function startDiscordReceiver(options: { wait?: boolean } = {}): Promise<HttpReceiver> {
  const path = `/api/webhooks/${Math.floor(Math.random() * 1e17)}/${randomToken(68)}${options.wait ? "?wait=true" : ""}`;
  let id = 0;
  return startHttpReceiver({
    path,
    check: (r) => {
      if (r.method !== "POST") return [`method: ${r.method}`];
      const type = String(r.headers["content-type"]);
      if (type.startsWith("multipart/form-data")) return discordFormProblems(r);
      if (!type.startsWith("application/json")) return ["content-type: neither JSON nor multipart/form-data"];
      return discordProblems(r.json);
    },
    accept: (r) =>
      options.wait
        ? jsonAnswer(200, {
            id: String(++id),
            type: 0,
            embeds: (r.json as { embeds?: unknown } | undefined)?.embeds ?? [],
          })
        : { status: 204 },
    reject: (r) =>
      jsonAnswer(400, {
        code: 50035,
        message: "Invalid Form Body",
        errors: { _errors: r.problems.map((message) => ({ code: "BASE_TYPE_INVALID", message })) },
      }),
    wrongPath: jsonAnswer(404, { message: "Unknown Webhook", code: 10015 }),
  });
}
