import { humanTimestamp } from "../../human/human-time.js";
import type { AlertEvidence, AlertNotice } from "../alert-notice.js";

/**
 * An alert in words, worded once for every channel: the subject line, the group, the window,
 * the evidence and how to verify it. Each channel lays these out in its own format (mail, Block
 * Kit, embeds, Adaptive Cards, PagerDuty's summary) and escapes them for it; the texts here are
 * plain and come partly from events (group values), so they are never trusted as markup.
 */

/** One labelled fact of an alert: `Rule` → `failed-logins`. */
export interface NoticeFact {
  readonly label: string;
  readonly value: string;
}

/** Most evidence seqs listed by name; the rest are counted. */
export const LISTED_EVIDENCE = 20;

/** True for a resolved notice. */
export function isResolved(notice: AlertNotice): boolean {
  return notice.type === "alert.resolved";
}

/** `HIGH`. */
export function severityLabel(notice: AlertNotice): string {
  return notice.alert.severity.toUpperCase();
}

/** The group as `actor.id=alice, actor.ip=10.0.0.7`; "" for an ungrouped alert. */
export function groupText(notice: AlertNotice): string {
  return Object.entries(notice.alert.group)
    .map(([field, value]) => `${field}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}

/** `Resolved: Repeated failed sign-ins (actor.id=alice)`; without the prefix when fired, the parentheses when ungrouped. */
export function headline(notice: AlertNotice): string {
  const group = groupText(notice);
  return `${isResolved(notice) ? "Resolved: " : ""}${notice.alert.title}${group ? ` (${group})` : ""}`;
}

/** `[HIGH] Repeated failed sign-ins (actor.id=alice)`: one line, control characters folded into spaces. */
export function subjectLine(notice: AlertNotice): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a subject is one line.
  return `[${severityLabel(notice)}] ${headline(notice)}`.replace(/[\u0000-\u001f\u007f]+/g, " ");
}

/** What happened, in a sentence. */
export function stateText(notice: AlertNotice): string {
  const { count } = notice.alert;
  const events = `${count} matching event${count === 1 ? "" : "s"}`;
  return isResolved(notice)
    ? `Resolved: the condition of rule ${notice.alert.rule} has cleared (the alert was raised on ${events} from ${windowText(notice)}).`
    : `Fired: rule ${notice.alert.rule} saw ${events} from ${windowText(notice)}.`;
}

/** `2026-11-22T10:00:00Z to 2026-11-22T10:05:00Z`. */
export function windowText(notice: AlertNotice): string {
  return `${humanTimestamp(notice.alert.window.from)} to ${humanTimestamp(notice.alert.window.to)}`;
}

/** `seq 3, 7, 9 and 12 more`; `none` without evidence. */
export function evidenceText(evidence: readonly AlertEvidence[], listed = LISTED_EVIDENCE): string {
  if (evidence.length === 0) return "none";
  const shown = evidence.slice(0, listed).map((e) => e.seq);
  const more = evidence.length - shown.length;
  return `seq ${shown.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

/** The checkpoint's origin and tree size (its first two lines): `audit.example.com/log, tree size 1200`. */
export function checkpointText(notice: AlertNotice): string {
  const [origin = "", size = ""] = notice.alert.checkpoint.split("\n");
  return origin && /^\d+$/.test(size) ? `${origin}, tree size ${size}` : "(none)";
}

/** The file name an alert's JSON is saved under: `alert-<id>.json`. */
export function alertFileName(notice: AlertNotice): string {
  const resolved = isResolved(notice) ? ".resolved" : "";
  return `alert-${notice.alert.id.replace(/[^A-Za-z0-9_.-]/g, "_")}${resolved}.json`;
}

/**
 * How to check an alert's proofs: with its JSON at hand (`attached`: the mail carries it), or by
 * fetching it first.
 */
export function verifyText(notice: AlertNotice, attached: boolean): string {
  const file = alertFileName(notice);
  const fetch = attached
    ? `Save the attached ${file}`
    : `Save this alert's JSON (sealtrail alerts list --json, alert id ${notice.alert.id}) as ${file}`;
  return `${fetch} and run: sealtrail alerts verify ${file} — it checks each event's inclusion proof against the signed checkpoint, offline, with the log's verifier key (sealtrail pubkey).`;
}

/** The facts every channel shows, in order. */
export function noticeFacts(notice: AlertNotice): NoticeFact[] {
  const { alert } = notice;
  return [
    { label: "Severity", value: severityLabel(notice) },
    { label: "Rule", value: alert.rule },
    { label: "Group", value: groupText(notice) || "(none)" },
    { label: "Window", value: windowText(notice) },
    { label: "Events", value: String(alert.count) },
    { label: "Evidence", value: evidenceText(alert.evidence) },
    { label: "Checkpoint", value: checkpointText(notice) },
    { label: "Alert id", value: alert.id },
  ];
}

/** `text` cut to at most `max` characters (code points kept whole), ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  let cut = text.slice(0, max - 1);
  // Never leave half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
