/**
 * Sigma's string values: matched case-insensitively against the whole field value, `*` standing
 * for any run of characters and `?` for exactly one, a backslash escaping `*`, `?` and itself (a
 * backslash before anything else is a plain backslash). `contains`, `startswith` and `endswith`
 * put a `*` around, after or before the value, as Sigma defines them.
 */

/** Where a value must sit in the field's text. */
export type StringPlacement = "whole" | "contains" | "startswith" | "endswith";

/** A piece of a Sigma string: plain text, `*` or `?`. */
export type StringPiece = { readonly text: string } | "*" | "?";

/**
 * The pieces of a Sigma string, escapes resolved.
 *
 * @example
 * ```ts
 * sigmaStringPieces("C:\\\\temp\\*.exe*"); // [{ text: "C:\\temp*.exe" }, "*"]
 * ```
 */
export function sigmaStringPieces(value: string): StringPiece[] {
  const pieces: StringPiece[] = [];
  let text = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === "\\") {
      const next = value[i + 1];
      if (next === "*" || next === "?" || next === "\\") {
        text += next;
        i++;
      } else {
        text += c;
      }
    } else if (c === "*" || c === "?") {
      if (text !== "") pieces.push({ text });
      text = "";
      pieces.push(c);
    } else {
      text += c;
    }
  }
  if (text !== "") pieces.push({ text });
  return pieces;
}

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/**
 * A test of a text against a Sigma string placed as given, case-insensitively (Unicode simple
 * case folding).
 *
 * @example
 * ```ts
 * const test = sigmaStringTest("user.log?n", "startswith");
 * test("USER.LOGIN.failed"); // true
 * ```
 */
export function sigmaStringTest(value: string, placement: StringPlacement): (text: string) => boolean {
  const pieces = sigmaStringPieces(value);
  if (placement === "contains" || placement === "endswith") pieces.unshift("*");
  if (placement === "contains" || placement === "startswith") pieces.push("*");
  const source = pieces
    .map((piece) => {
      if (piece === "*") return ".*";
      if (piece === "?") return ".";
      return piece.text.replace(REGEX_SYNTAX, "\\$&");
    })
    .join("");
  const regex = new RegExp(`^${source}$`, "isu");
  return (text) => regex.test(text);
}

/**
 * The plain text a Sigma string starts with, before any wildcard, as it is written (escapes
 * resolved), lower-cased.
 *
 * @example
 * ```ts
 * sigmaStringPrefix("Alert.*"); // "alert."
 * ```
 */
export function sigmaStringPrefix(value: string): string {
  const [first] = sigmaStringPieces(value);
  return first !== undefined && typeof first === "object" ? first.text.toLowerCase() : "";
}
