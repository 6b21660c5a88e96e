import type { Report } from "../../report-model.js";
import { brandAccent, COLORS } from "../palette.js";
import { AUDIT_LEVEL_MEANING, cellText } from "../render-output.js";
import type { Layout, Struct } from "./pdf-layout.js";

/** The branding's organisation (left, a P) and PNG or JPEG logo (right, an Artifact), above the title. */
function brand(layout: Layout, root: Struct, report: Report): void {
  const b = report.branding;
  const logoWidth = 120;
  const logoHeight = 40;
  let logoDrawn = false;
  if (b?.logo && (b.logo.mediaType === "image/png" || b.logo.mediaType === "image/jpeg")) {
    const logo = b.logo;
    try {
      layout.artifact(() =>
        layout.doc.image(
          Buffer.from(logo.base64, "base64"),
          layout.left + layout.width - logoWidth,
          layout.y,
          {
            fit: [logoWidth, logoHeight],
            align: "right",
          },
        ),
      );
      logoDrawn = true;
    } catch {
      // An image pdfkit cannot read is left out; the organisation still says whose report it is.
      layout.doc.endMarkedContent();
    }
  }
  let height = logoDrawn ? logoHeight : 0;
  if (b?.organisation) {
    layout.font(true, 11, brandAccent(report) ?? COLORS.ink);
    const width = layout.width - (logoDrawn ? logoWidth + 10 : 0);
    height = Math.max(height, layout.field(root, "P", b.organisation, layout.left, layout.y, width));
  }
  if (height > 0) layout.y += height + 8;
}

/**
 * The top of the report: the branding (organisation and logo), the title (H1) and the
 * provenance, a Table of key (TH) and value (TD) rows.
 *
 * @example
 * ```ts
 * provenance(layout, root, report);
 * ```
 */
export function provenance(layout: Layout, root: Struct, report: Report): void {
  const p = report.provenance;
  const c = p.checkpoint;
  brand(layout, root, report);
  layout.font(true, 18, brandAccent(report));
  const titleHeight = layout.measure(p.title, layout.width);
  layout.field(root, "H1", p.title, layout.left, layout.y, layout.width);
  layout.y += titleHeight + 10;
  const rows = layout.doc.struct("Table");
  root.add(rows);
  layout.keyValue(rows, "Type", p.type);
  layout.keyValue(rows, "Generated", p.generatedAt);
  layout.keyValue(rows, "Period from", p.period.since);
  layout.keyValue(rows, "Period until", `${p.period.until} (excluded)`);
  if (p.filter.length === 0) layout.keyValue(rows, "Filter", "none (every event in the period)");
  p.filter.forEach((expression, i) => {
    layout.keyValue(rows, i === 0 ? "Filter" : "", expression);
  });
  layout.keyValue(rows, "Audit level", `${p.auditLevel} — ${AUDIT_LEVEL_MEANING}`);
  layout.keyValue(rows, "Checkpoint origin", c.origin);
  layout.keyValue(rows, "Tree size", cellText(c.treeSize));
  layout.keyValue(rows, "Root hash", c.rootHash);
  const signature = c.signatureVerified ? "verified" : "NOT VERIFIED";
  layout.keyValue(rows, "Signature", signature, c.signatureVerified ? COLORS.ok : COLORS.bad);
  const store = c.storeVerified === undefined ? "not checked" : c.storeVerified ? "verified" : "NOT VERIFIED";
  layout.keyValue(
    rows,
    "Store",
    store,
    store === "verified" ? COLORS.ok : store === "NOT VERIFIED" ? COLORS.bad : COLORS.none,
  );
  layout.keyValue(rows, "Checkpoint note", c.note);
  rows.end();
  layout.y += 6;
}
