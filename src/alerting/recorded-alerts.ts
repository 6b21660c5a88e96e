import type { AuditLog } from "../audit-log.js";
import { parseFilter } from "../query/filter-syntax.js";
import type { RecordedAlert } from "./alert-events.js";
import type { AlertNotice } from "./alert-notice.js";

/** An alert as the log recorded it (`alert.fired` or `alert.resolved`). */
export interface RecordedAlertEvent {
  readonly type: AlertNotice["type"];
  /** The seq of the event that recorded it. */
  readonly seq: number;
  /** When it was recorded (the event's timestamp). */
  readonly recorded_at: string;
  readonly alert: RecordedAlert;
}

/**
 * The alerts recorded in the log since `since` (a duration or an instant), oldest first, of one
 * rule when `rule` is given: what `sealtrail alerts list` and `GET /v1/alerts` show.
 *
 * @example
 * ```ts
 * const alerts = await recordedAlerts(log, { since: "24h", rule: "failed-logins" });
 * ```
 */
export async function recordedAlerts(
  log: Pick<AuditLog, "exportEvents">,
  options: { readonly since: string; readonly until?: string; readonly rule?: string },
): Promise<RecordedAlertEvent[]> {
  const filter = parseFilter(
    ["action=alert.fired,alert.resolved", ...(options.rule ? [`target.id=${options.rule}`] : [])],
    { since: options.since, until: options.until },
  );
  const found: RecordedAlertEvent[] = [];
  for await (const batch of log.exportEvents(filter)) {
    for (const stored of batch) {
      const event = JSON.parse(stored.json) as {
        action: AlertNotice["type"];
        timestamp: string;
        details?: { alert?: RecordedAlert };
      };
      if (event.details?.alert) {
        found.push({
          type: event.action,
          seq: stored.seq,
          recorded_at: event.timestamp,
          alert: event.details.alert,
        });
      }
    }
  }
  return found;
}
