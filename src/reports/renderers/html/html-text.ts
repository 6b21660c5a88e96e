/** Report text as HTML text: what every part of the HTML page escapes its text with. */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  // A browser turns a raw CR (and CRLF) into LF; a reference keeps it.
  "\r": "&#13;",
  // HTML cannot carry U+0000 at all: it shows as the replacement character.
  "\u0000": "&#65533;",
};

/**
 * Report text as HTML text or attribute value that a browser reads back as the same text and
 * never as markup: `& < > " '` as entities, CR as `&#13;` (a browser would turn it into LF).
 * Safe in element content, quoted attributes and inline SVG.
 *
 * @example
 * ```ts
 * htmlText('<script>alert("x")</script>'); // "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
 * ```
 */
export function htmlText(value: string): string {
  return value
    .replace(/[&<>"'\r]/g, (ch) => ENTITIES[ch] ?? ch)
    .replaceAll("\u0000", ENTITIES["\u0000"] ?? "");
}
