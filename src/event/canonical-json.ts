/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * JCS serializes primitives exactly as ECMAScript's `JSON.stringify` does and sorts object keys
 * by their UTF-16 code units, which is also JavaScript's default string order. So canonical
 * JSON is `JSON.stringify` over a copy whose keys are sorted, plus the two things JCS forbids:
 * non-finite numbers and lone surrogates (I-JSON).
 */

/** Thrown for a value JCS cannot represent. */
export class CanonicalJsonError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path || "(root)"}: ${message}`);
    this.name = "CanonicalJsonError";
  }
}

/**
 * Returns the RFC 8785 canonical JSON text of `value`.
 *
 * @example
 * ```ts
 * canonicalize({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalize(value: unknown): string {
  return emit(value, "");
}

// Emits the text directly rather than building a sorted copy for JSON.stringify: this runs for
// every nested object of every event, so it avoids an allocation per object.
function emit(value: unknown, path: string): string {
  switch (typeof value) {
    case "string":
      if (!value.isWellFormed()) throw new CanonicalJsonError(path, "string contains a lone surrogate");
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, "number must be finite");
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          // JSON.stringify writes null for undefined array slots; so does JCS.
          out += (i > 0 ? "," : "") + (item === undefined ? "null" : emit(item, `${path}[${i}]`));
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      let out = "{";
      for (const key of Object.keys(record).sort()) {
        const item = record[key];
        if (item === undefined) continue;
        if (!key.isWellFormed()) throw new CanonicalJsonError(path, "key contains a lone surrogate");
        out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${emit(item, path ? `${path}.${key}` : key)}`;
      }
      return `${out}}`;
    }
    default:
      throw new CanonicalJsonError(path, `cannot represent a ${typeof value} in JSON`);
  }
}
