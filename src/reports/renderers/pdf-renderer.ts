import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Report } from "../report-model.js";
import type { ReportRenderer } from "../report-renderer.js";
import { forPeople } from "./for-people.js";
import { brandAccent, COLORS } from "./palette.js";
import { block } from "./pdf/pdf-blocks.js";
import { type Doc, Layout, PAGE_MARGIN } from "./pdf/pdf-layout.js";
import { provenance } from "./pdf/pdf-provenance.js";
import { drawableText } from "./pdf/pdf-text.js";

/**
 * Lays out the whole report into `doc` (pages buffered) under a Document structure element,
 * then writes the page footers as Artifacts.
 */
function layoutReport(doc: Doc, report: Report): void {
  const layout = new Layout(doc);
  const accent = brandAccent(report);
  const root = doc.struct("Document");
  doc.addStructure(root);
  provenance(layout, root, report);
  for (const section of report.sections) {
    const sect = doc.struct("Sect");
    root.add(sect);
    layout.font(true, 14, accent);
    const height = layout.measure(section.title, layout.width);
    layout.ensure(height + 40);
    layout.y += 6;
    layout.field(sect, "H2", section.title, layout.left, layout.y, layout.width);
    layout.y += height + 2;
    const ruleY = layout.y;
    layout.artifact(() =>
      doc
        .moveTo(layout.left, ruleY)
        .lineTo(layout.left + layout.width, ruleY)
        .lineWidth(0.8)
        .stroke(accent ?? COLORS.accent),
    );
    layout.y += 6;
    if (section.blocks.length === 0) layout.note(sect, "Nothing in this section.");
    for (const b of section.blocks) {
      block(layout, sect, b);
      layout.y += 6;
    }
    sect.end();
  }
  root.end();
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin: lift the margin while writing it, or pdfkit would
    // start another page.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    layout.font(false, 8, COLORS.muted);
    const footer = report.branding?.footer;
    const y = doc.page.height - margin + 14;
    doc.markContent("Artifact", { type: "Pagination" });
    if (footer) {
      // The footer text on the left, one line (its ActualText the whole footer), the page number
      // on the right.
      const shown = drawableText(footer).replace(/\n/g, " ");
      const fits = doc.widthOfString(shown) <= layout.width - 90;
      const actual = shown !== footer || !fits;
      layout.withActualText(
        actual,
        () => doc.markContent("Span", actual ? { actual: footer } : {}),
        () =>
          doc.text(shown === "" ? " " : shown, layout.left, y, {
            width: layout.width - 90,
            lineBreak: false,
            ellipsis: true,
            height: 10,
          }),
      );
      doc.text(`Page ${i + 1} of ${range.count}`, layout.left + layout.width - 90, y, {
        width: 90,
        align: "right",
        lineBreak: false,
      });
    } else {
      doc.text(`Page ${i + 1} of ${range.count}`, layout.left, y, {
        width: layout.width,
        align: "center",
        lineBreak: false,
      });
    }
    doc.endMarkedContent();
    doc.page.margins.bottom = margin;
  }
}

/**
 * Renders a report as an A4 PDF with pdfkit and the built-in Helvetica fonts: the title and the
 * provenance, each section with its blocks (figures as boxes, tables with a repeated header row
 * and wrapped cells, charts as vector graphics with their data as text, findings with severity
 * badges and evidence seqs), and "Page N of M" in every footer. Branding: the organisation and a
 * PNG or JPEG logo above the title, the accent colour on the title, section headings and rules,
 * and the footer text on every page beside the page number. Output is deterministic: the
 * document's creation date is the report's `generatedAt` (pdfkit derives the file ID from it).
 * The PDF is tagged (PDF 1.7, language `en`): a Document of the organisation (P), the title (H1),
 * the provenance (a Table of TH and TD rows) and a Sect per section (H2, then a Div per block: H3
 * and a Table, an L or a Figure); page numbers, footers, rules and backgrounds are Artifacts. The
 * ActualText of each text is the text itself, exactly, so copy and paste gets it whole.
 *
 * @example
 * ```ts
 * const out = createWriteStream("report.pdf");
 * await pdfRenderer.render(report, out);
 * out.end();
 * ```
 */
export const pdfRenderer: ReportRenderer = {
  format: "pdf",
  mediaType: "application/pdf",
  extension: "pdf",
  async render(report: Report, out: Writable): Promise<void> {
    // pdfkit and its font machinery are loaded by the first PDF, not by listing the renderers.
    const { default: PDFDocument } = await import("pdfkit");
    const created = new Date(report.provenance.generatedAt);
    const doc = new PDFDocument({
      tagged: true,
      lang: "en",
      displayTitle: true,
      pdfVersion: "1.7",
      size: "A4",
      margins: { top: PAGE_MARGIN, bottom: PAGE_MARGIN, left: PAGE_MARGIN, right: PAGE_MARGIN },
      bufferPages: true,
      autoFirstPage: true,
      info: {
        Title: report.provenance.title,
        Subject: `Sealtrail ${report.provenance.type} report`,
        Producer: "Sealtrail",
        Creator: "Sealtrail",
        CreationDate: Number.isNaN(created.getTime()) ? new Date(0) : created,
      },
    });
    layoutReport(doc, forPeople(report));
    doc.end();
    // Hand pdfkit's output to `out` chunk by chunk, waiting when it is full; never end it.
    for await (const chunk of doc as AsyncIterable<Buffer>) {
      if (out.destroyed) throw new Error("pdf: the destination was destroyed");
      if (!out.write(chunk)) await once(out, "drain");
    }
  },
};
