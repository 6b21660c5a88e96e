/**
 * PagerDuty's Events API v2 on loopback (`/v2/enqueue`): it checks the required fields and
 * enumerations of an event and answers as PagerDuty does — 202 `{ status: "success", message:
 * "Event processed", dedup_key }`, 400 `{ status: "invalid event", errors }`, and (scripted)
 * 429 `throttle event`. It also keeps the incidents the events make, by `dedup_key` (a trigger
 * opens one unless open, a resolve closes it), which is what "each alert's effect once" means
 * for PagerDuty.
 */
import {
  type HttpReceiver,
  isObject,
  jsonAnswer,
  type ReceiverAnswer,
  startHttpReceiver,
  textWithin,
} from "./http-receiver.js";

const ACTIONS = new Set(["trigger", "acknowledge", "resolve"]);
const SEVERITIES = new Set(["critical", "error", "warning", "info"]);

/** The Events API v2 rules (developer.pagerduty.com/docs/events-api-v2/trigger-events). */
export function pagerDutyProblems(json: unknown, routingKeys: ReadonlySet<string>): string[] {
  if (!isObject(json)) return ["body: not a JSON object"];
  const problems: string[] = [];
  if (typeof json.routing_key !== "string" || json.routing_key.length !== 32) {
    problems.push("'routing_key' must be a 32 character string");
  } else if (!routingKeys.has(json.routing_key)) {
    problems.push("'routing_key' is not a known integration key");
  }
  if (!ACTIONS.has(String(json.event_action))) problems.push("'event_action' is invalid");
  if (json.dedup_key !== undefined && !textWithin(json.dedup_key, 255))
    problems.push("'dedup_key' is longer than 255");
  if (json.event_action !== "trigger") {
    if (json.dedup_key === undefined) problems.push("'dedup_key' is required to acknowledge or resolve");
    return problems;
  }
  const p = json.payload;
  if (!isObject(p)) return [...problems, "'payload' is missing or not an object"];
  if (!textWithin(p.summary, 1024)) problems.push("'payload.summary' must be 1–1024 characters");
  if (!textWithin(p.source, 255)) problems.push("'payload.source' is required");
  if (!SEVERITIES.has(String(p.severity)))
    problems.push("'payload.severity' must be critical, error, warning or info");
  if (
    p.timestamp !== undefined &&
    (typeof p.timestamp !== "string" || Number.isNaN(Date.parse(p.timestamp)))
  ) {
    problems.push("'payload.timestamp' is not ISO 8601");
  }
  for (const key of ["component", "group", "class"] as const) {
    if (p[key] !== undefined && typeof p[key] !== "string")
      problems.push(`'payload.${key}' must be a string`);
  }
  if (p.custom_details !== undefined && !isObject(p.custom_details))
    problems.push("'payload.custom_details' must be an object");
  return problems;
}

/** An incident as the receiver keeps it. */
export interface Incident {
  readonly dedupKey: string;
  /** Trigger events accepted for it (repeats are folded into the open incident). */
  triggers: number;
  resolves: number;
  open: boolean;
  /** Incidents opened under this key (1 unless it was resolved then triggered again). */
  opened: number;
}

/** A PagerDuty receiver with its incidents. */
export interface PagerDutyReceiver extends HttpReceiver {
  readonly incidents: Map<string, Incident>;
}

/** PagerDuty's 429. */
export const PAGERDUTY_THROTTLED: ReceiverAnswer = jsonAnswer(429, {
  status: "throttle event",
  message: "Requests for this service are arriving too quickly. Please retry later.",
});

/** Starts the Events API; events must carry one of `routingKeys`. */
export async function startPagerDutyReceiver(routingKeys: readonly string[]): Promise<PagerDutyReceiver> {
  const keys = new Set(routingKeys);
  const incidents = new Map<string, Incident>();
  const receiver = await startHttpReceiver({
    path: "/v2/enqueue",
    check: (r) => {
      if (r.method !== "POST") return [`method: ${r.method}`];
      return pagerDutyProblems(r.json, keys);
    },
    accept: (r) => {
      const event = r.json as { event_action: string; dedup_key?: string };
      const dedupKey = event.dedup_key ?? `generated-${incidents.size + 1}`;
      let incident = incidents.get(dedupKey);
      if (!incident) {
        incident = { dedupKey, triggers: 0, resolves: 0, open: false, opened: 0 };
        incidents.set(dedupKey, incident);
      }
      if (event.event_action === "trigger") {
        incident.triggers++;
        if (!incident.open) {
          incident.open = true;
          incident.opened++;
        }
      } else if (event.event_action === "resolve") {
        incident.resolves++;
        incident.open = false;
      }
      return jsonAnswer(202, { status: "success", message: "Event processed", dedup_key: dedupKey });
    },
    reject: (r) =>
      jsonAnswer(400, { status: "invalid event", message: "Event object is invalid", errors: r.problems }),
    wrongPath: jsonAnswer(404, { status: "not found", message: "Not Found" }),
  });
  return Object.assign(receiver, { incidents });
}
