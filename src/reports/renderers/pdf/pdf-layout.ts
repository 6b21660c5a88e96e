import { COLORS } from "../palette.js";
import { drawableText, linesOf } from "./pdf-text.js";

/** The page margin on every side, in points. */
export const PAGE_MARGIN = 50;
/** Space kept free at the bottom of each page for the footer. */
const FOOTER_SPACE = 24;
/** The font size of body text. */
export const BODY_SIZE = 9;
/** The font size of table cells. */
export const TABLE_SIZE = 7.5;
/** The padding inside a table cell. */
export const CELL_PAD = 3;

/** The pdfkit document being drawn. */
export type Doc = PDFKit.PDFDocument;
/** An element of the PDF's structure tree (tagged PDF). */
export type Struct = PDFKit.PDFStructureElement;

/**
 * Lays the report out page by page; `y` is the cursor. Text goes into the structure tree, each
 * line a marked-content sequence whose ActualText is the exact text where the glyphs are not.
 *
 * @example
 * ```ts
 * const layout = new Layout(doc);
 * layout.font(true, 11);
 * layout.field(section, "H3", "Failures", layout.left, layout.y, layout.width);
 * ```
 */
export class Layout {
  readonly doc: Doc;
  readonly left: number;
  readonly width: number;
  readonly top: number;
  readonly bottom: number;
  y: number;

  constructor(doc: Doc) {
    this.doc = doc;
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
    this.top = doc.page.margins.top;
    this.bottom = doc.page.height - doc.page.margins.bottom - FOOTER_SPACE;
    this.y = this.top;
  }

  /** Starts a new page when `height` does not fit below the cursor; true when it did. */
  ensure(height: number): boolean {
    if (this.y + height <= this.bottom || this.y === this.top) return false;
    this.doc.addPage();
    this.y = this.top;
    return true;
  }

  font(bold: boolean, size: number, color: string = COLORS.ink): void {
    this.doc
      .font(bold ? "Helvetica-Bold" : "Helvetica")
      .fontSize(size)
      .fillColor(color);
  }

  /** Height of `value` drawn in `width` with the current font. */
  measure(value: string, width: number): number {
    const shown = drawableText(value);
    return this.doc.heightOfString(shown === "" ? " " : shown, { width });
  }

  /** Draws plain text at (x, y), outside any marked content (call inside a Figure or an Artifact). */
  plain(
    value: string,
    x: number,
    y: number,
    width: number,
    align: "left" | "right" | "center" = "left",
  ): void {
    this.doc.text(drawableText(value), x, y, { width, align, lineBreak: true });
  }

  /**
   * Draws `text` at (x, y) as the content of a new `type` structure element under `parent`, a
   * marked-content sequence per line. Where a line's glyphs are not its text (characters the fonts
   * lack, the line breaks that end it other than a single "\n") or it wraps, its ActualText is the
   * exact text, so text extraction gets the text whole, each line where it is drawn. An empty text draws nothing: the
   * element stays, empty. Returns the height drawn.
   */
  field(
    parent: Struct,
    type: string,
    text: string,
    x: number,
    y: number,
    width: number,
    align: "left" | "right" | "center" = "left",
  ): number {
    const element = this.doc.struct(type);
    parent.add(element);
    const lineHeight = this.doc.currentLineHeight(true);
    let top = y;
    const lines = linesOf(text);
    lines.forEach((line, i) => {
      // Text extraction ends each line with a line break of its own: a line ended by one "\n" (and
      // not the last line, after which extraction may put a space) leaves it out.
      const said = i < lines.length - 1 && /[^\r\n\u2028\u2029]\n$/.test(line) ? line.slice(0, -1) : line;
      const glyphs = drawableText(line);
      const drawn = glyphs.replace(/\n+$/, "");
      const height = this.doc.heightOfString(drawn, { width });
      // ActualText only where the glyphs are not the text: characters replaced, line breaks other
      // than the single "\n" extraction puts at the end of the line anyway, a word broken. (A line
      // has no line break inside, so a reader can tell that one inside its extracted text is a
      // wrap between words.)
      // A text taller than the page goes on on the next (a page break inside marked content or
      // pdfkit's text would leave both unbalanced).
      if (top > y && top + Math.min(height, lineHeight) > this.doc.page.maxY()) {
        this.doc.addPage();
        top = this.top;
      }
      // A word wider than the line is broken inside: ActualText keeps it whole.
      const broken = drawn.split(/\s+/).some((word) => this.doc.widthOfString(word) > width);
      const actual = drawn !== said || broken;
      const content = this.withActualText(
        actual,
        () => this.doc.markStructureContent("Span", actual ? { actual: said } : {}),
        () => this.doc.text(drawn, x, top, { width, align, lineBreak: true }),
      );
      element.add(content);
      // The line breaks after the first end empty lines.
      top = this.doc.y + Math.max(0, glyphs.length - drawn.length - 1) * lineHeight;
    });
    element.end();
    return Math.max(0, top - y);
  }

  /**
   * Opens marked content with `open`, runs `draw` in it and closes it. When it has ActualText
   * (`actual`), it is opened and closed in pdfkit's text coordinates (y up): readers like poppler
   * place the ActualText where the coordinates in effect at its end say, and pdfkit draws text in
   * coordinates of its own, flipped inside the text's own q/Q.
   */
  withActualText<T>(actual: boolean, open: () => T, draw: () => void): T {
    const flip = (): void => {
      this.doc.transform(1, 0, 0, -1, 0, this.doc.page.height);
    };
    if (actual) {
      this.doc.save();
      flip();
    }
    const opened = open();
    if (actual) {
      this.doc.save();
      flip();
    }
    draw();
    if (actual) this.doc.restore();
    this.doc.endMarkedContent();
    if (actual) this.doc.restore();
    return opened;
  }

  /** Draws `draw` as page furniture (an Artifact: not in the structure tree). */
  artifact(draw: () => void): void {
    this.doc.markContent("Artifact");
    draw();
    this.doc.endMarkedContent();
  }

  /** A row of `rows` (the provenance Table): the key in a TH, `shown` in a TD. */
  keyValue(rows: Struct, key: string, shown: string, color: string = COLORS.ink): void {
    const keyWidth = 110;
    this.font(false, BODY_SIZE);
    const height = Math.max(this.measure(shown, this.width - keyWidth), this.measure(key, keyWidth));
    this.ensure(height);
    const row = this.doc.struct("TR");
    rows.add(row);
    this.font(true, BODY_SIZE, COLORS.muted);
    this.field(row, "TH", key === "" ? "" : `${key}:`, this.left, this.y, keyWidth - 6);
    this.font(false, BODY_SIZE, color);
    this.field(row, "TD", shown, this.left + keyWidth, this.y, this.width - keyWidth);
    row.end();
    this.y += height + 3;
  }

  /** A paragraph of grey text under `parent` (a placeholder like "No rows."). */
  note(parent: Struct, value: string): void {
    this.font(false, BODY_SIZE, COLORS.muted);
    const height = this.measure(value, this.width);
    this.ensure(height);
    this.doc.font("Helvetica-Oblique");
    this.field(parent, "P", value, this.left, this.y, this.width);
    this.y += height + 4;
  }
}

/**
 * The block's title, an H3 under `parent`, kept on a page with `following` points of what follows.
 *
 * @example
 * ```ts
 * blockTitle(layout, div, block.title, 30);
 * ```
 */
export function blockTitle(layout: Layout, parent: Struct, title: string, following: number): void {
  layout.font(true, 11);
  const height = layout.measure(title, layout.width);
  layout.ensure(height + following);
  layout.field(parent, "H3", title, layout.left, layout.y, layout.width);
  layout.y += height + 5;
}
