/**
 * Text as the built-in Helvetica fonts can draw it (WinAnsi), and cut into the lines the PDF
 * draws one by one.
 */

/** The characters of Windows-1252 above 0x7f that are not Latin-1 (what Helvetica's WinAnsi encoding adds). */
const WIN_ANSI_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

/**
 * The text to draw for `value` with the built-in Helvetica fonts: line breaks (`\r\n`, `\r`,
 * U+2028, U+2029) become `\n`, tabs a space, and every character outside WinAnsi (emoji, CJK,
 * Greek, Hebrew, combining marks, zero-width and control characters) `?`, since the standard 14
 * fonts have no glyph for them and embedding fonts is out of scope. The exact value is still in
 * the ActualText of the text's marked content, so nothing is lost to a reader that extracts text.
 *
 * @example
 * ```ts
 * drawableText("Zürich 🎉\r\nok"); // "Zürich ?\nok"
 * ```
 */
export function drawableText(value: string): string {
  let out = "";
  for (const ch of value.replace(/\r\n|[\r\u2028\u2029]/g, "\n")) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\n") out += ch;
    else if (ch === "\t") out += " ";
    else if ((code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch))
      out += ch;
    else out += "?";
  }
  return out;
}

/**
 * `text` cut into lines, each with the line breaks that end it (a line with nothing to draw joins
 * the next): drawn one by one, so that a reader places each line's ActualText on that line.
 *
 * @example
 * ```ts
 * linesOf("a\r\n\nb\n"); // ["a\r\n\n", "b\n"]
 * ```
 */
export function linesOf(text: string): string[] {
  const lines: string[] = [];
  let lead = "";
  for (const piece of text.match(/[^\r\n\u2028\u2029]*(?:\r\n|[\r\n\u2028\u2029])*/g) ?? []) {
    if (piece === "") continue;
    if (/^[\r\n\u2028\u2029]*$/.test(piece)) lead += piece;
    else {
      lines.push(lead + piece);
      lead = "";
    }
  }
  if (lead !== "") lines.push(lead);
  return lines;
}
