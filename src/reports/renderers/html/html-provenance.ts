import type { Report } from "../../report-model.js";
import { AUDIT_LEVEL_MEANING, cellText } from "../render-output.js";
import { htmlText } from "./html-text.js";

function badge(ok: boolean | undefined, field: string): string {
  const [cls, state, words] =
    ok === undefined
      ? ["none", "not-checked", "not checked"]
      : ok
        ? ["ok", "verified", "verified"]
        : ["bad", "not-verified", "not verified"];
  return `<span class="badge ${cls}" data-prov="${field}" data-state="${state}">${words}</span>`;
}

const LOGO_TYPES = new Set(["image/png", "image/jpeg", "image/svg+xml"]);

/** The branding's organisation and logo above the title (nothing when there is neither). */
function brand(report: Report): string {
  const b = report.branding;
  const logo =
    b?.logo && LOGO_TYPES.has(b.logo.mediaType) && /^[A-Za-z0-9+/]*={0,2}$/.test(b.logo.base64)
      ? `<img data-brand="logo" alt="" src="data:${b.logo.mediaType};base64,${b.logo.base64}">`
      : "";
  const organisation = b?.organisation
    ? `<span data-brand="organisation">${htmlText(b.organisation)}</span>`
    : "";
  return logo || organisation ? `<div class="brand">${logo}${organisation}</div>\n` : "";
}

/**
 * The header card: the branding (organisation and logo), the title and the provenance (period,
 * filter, audit level, checkpoint, the signature and store states as badges, the checkpoint note).
 *
 * @example
 * ```ts
 * provenance(report).startsWith("<header class=\"card\" data-provenance>"); // true
 * ```
 */
export function provenance(report: Report): string {
  const p = report.provenance;
  const c = p.checkpoint;
  const filter =
    p.filter.length === 0
      ? `<span class="muted" data-filter-none>none (every event in the period)</span>`
      : `<ul>${p.filter.map((f) => `<li><code data-prov="filter">${htmlText(f)}</code></li>`).join("")}</ul>`;
  return [
    `<header class="card" data-provenance>`,
    `${brand(report)}<h1 data-prov="title">${htmlText(p.title)}</h1>`,
    `<dl class="prov">`,
    `<dt>Type</dt><dd data-prov="type">${htmlText(p.type)}</dd>`,
    `<dt>Generated</dt><dd><time data-prov="generatedAt">${htmlText(p.generatedAt)}</time></dd>`,
    `<dt>Period</dt><dd><time data-prov="since">${htmlText(p.period.since)}</time> to ` +
      `<time data-prov="until">${htmlText(p.period.until)}</time> <span class="muted">(end excluded)</span></dd>`,
    `<dt>Filter</dt><dd>${filter}</dd>`,
    `<dt>Audit level</dt><dd><span data-prov="auditLevel">${htmlText(p.auditLevel)}</span> ` +
      `<span class="muted">— ${AUDIT_LEVEL_MEANING}</span></dd>`,
    `<dt>Checkpoint origin</dt><dd data-prov="origin">${htmlText(c.origin)}</dd>`,
    `<dt>Tree size</dt><dd class="mono" data-prov="treeSize">${htmlText(cellText(c.treeSize))}</dd>`,
    `<dt>Root hash</dt><dd><code data-prov="rootHash">${htmlText(c.rootHash)}</code></dd>`,
    `<dt>Signature</dt><dd>${badge(c.signatureVerified, "signature")}</dd>`,
    `<dt>Store</dt><dd>${badge(c.storeVerified, "store")}</dd>`,
    `</dl>`,
    // A browser drops one newline right after <pre>: this one, not the note's own.
    `<pre class="note" data-prov="note" aria-label="Checkpoint note">\n${htmlText(c.note)}</pre>`,
    `</header>`,
  ].join("\n");
}
