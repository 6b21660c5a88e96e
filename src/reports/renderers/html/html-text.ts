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

/** Runs without white space longer than this (hashes, keys, URLs) may break anywhere. */
const LONG_RUN = 32;

/**
 * {@link htmlText} of a table cell: lines wrap at word boundaries (the cell's CSS), and only runs
 * without white space longer than 32 characters — a fingerprint, a URL, which no column can be
 * expected to hold — are marked (`<span class="long">`) as breakable anywhere.
 *
 * @example
 * ```ts
 * cellHtml("key SHA256:3f9a6c1e0b7d4f2a9c8e1d0b3a5f7c9e"); // 'key <span class="long">SHA256:3f9a…</span>'
 * ```
 */
export function cellHtml(value: string): string {
  return value
    .split(/(\s+)/)
    .map((part) =>
      part.length > LONG_RUN && !/\s/.test(part)
        ? `<span class="long">${htmlText(part)}</span>`
        : htmlText(part),
    )
    .join("");
}
