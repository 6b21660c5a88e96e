/**
 * A real HTTP server on 127.0.0.1 (port 0) that stands in for a service receiving alerts
 * (Slack, Discord, PagerDuty, Teams, a Standard Webhooks endpoint). It records every request,
 * checks it with the service's payload rules, and answers as the service does; a test (or a
 * chaos run) can script answers ahead — a 429, a 500, a slow answer — or override every
 * answer for a while. The service modules beside this one give the rules and the answers.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as received. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as text (UTF-8). */
  readonly body: string;
  /** The body's bytes, as sent (a multipart upload is binary). */
  readonly raw: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  /** What breaks the service's payload rules; empty for a valid request. */
  readonly problems: readonly string[];
  /** The status it was answered with. */
  status: number;
  /** When it arrived (ms since the epoch). */
  readonly at: number;
}

/** An answer: status, headers, body, and how long to wait before giving it. */
export interface ReceiverAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Wait this long before answering (a slow service); the answer is dropped if the receiver closes first. */
  readonly delayMs?: number;
}

/** What a service is: how it checks a request and how it answers. */
export interface ServiceBehaviour {
  /** The path (and query) that is the service's URL; any other answers `wrongPath`. */
  readonly path: string;
  /** The payload rules broken by a request (on the right path); may take its time (parsing a form). */
  readonly check: (request: Omit<ReceivedRequest, "problems" | "status">) => string[] | Promise<string[]>;
  /** The answer to a valid request. */
  readonly accept: (request: ReceivedRequest) => ReceiverAnswer;
  /** The answer to a request that breaks the rules. */
  readonly reject: (request: ReceivedRequest) => ReceiverAnswer;
  /** The answer to a request on another path (an unknown or revoked webhook). */
  readonly wrongPath: ReceiverAnswer;
}

/** A running receiver. */
export interface HttpReceiver {
  /** The full URL to configure a channel with (it carries the service's secret path). */
  readonly url: string;
  /** `http://127.0.0.1:<port>`: what may be shown of the URL. */
  readonly origin: string;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Answers used, in order, for the next requests before the service's own. */
  script(...answers: ReceiverAnswer[]): void;
  /**
   * Answers every request with what `answer` returns, while it returns one (chaos: "500 for a
   * while"); `undefined` lets the service answer. Replaces any earlier override; `null` removes it.
   */
  override(answer: ((request: ReceivedRequest) => ReceiverAnswer | undefined) | null): void;
  /** The requests that broke a payload rule. */
  invalid(): ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a receiver for `service` on 127.0.0.1, on a free port. */
export async function startHttpReceiver(service: ServiceBehaviour): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const scripted: ReceiverAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let overriding: ((request: ReceivedRequest) => ReceiverAnswer | undefined) | null = null;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString("utf8");
      const path = req.url ?? "/";
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const base = {
        method: req.method ?? "GET",
        path,
        headers: req.headers,
        body,
        raw,
        json,
        at: Date.now(),
      };
      const onPath = path === service.path;
      const problems = onPath ? await service.check(base) : [];
      const request: ReceivedRequest = { ...base, problems, status: 0 };
      requests.push(request);
      const answer =
        overriding?.(request) ??
        scripted.shift() ??
        (!onPath
          ? service.wrongPath
          : problems.length > 0
            ? service.reject(request)
            : service.accept(request));
      request.status = answer.status;
      respond(res, answer);
    });
  });

  function respond(res: ServerResponse, answer: ReceiverAnswer): void {
    const send = () => {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body ?? "");
    };
    if (!answer.delayMs) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) send();
    }, answer.delayMs);
    timers.add(timer);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${service.path}`,
    origin,
    requests,
    script: (...answers) => {
      scripted.push(...answers);
    },
    override: (answer) => {
      overriding = answer;
    },
    invalid: () => requests.filter((r) => r.problems.length > 0),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A random token of URL-safe characters (a webhook's secret part). */
export function randomToken(length = 24): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/** `value` is a string of 1 to `max` characters. */
export function textWithin(value: unknown, max: number, min = 1): boolean {
  return typeof value === "string" && value.length >= min && value.length <= max;
}

/** `value` is a plain object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON answer. */
export function jsonAnswer(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ReceiverAnswer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** A text answer. */
export function textAnswer(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): ReceiverAnswer {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers }, body };
}
