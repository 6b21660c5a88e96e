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
  return JSON.stringify(sortedCopy(value, ""));
}

function sortedCopy(value: unknown, path: string): unknown {
  switch (typeof value) {
    case "string":
      if (!value.isWellFormed()) throw new CanonicalJsonError(path, "string contains a lone surrogate");
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, "number must be finite");
      return value;
    case "boolean":
      return value;
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((item, i) => sortedCopy(item, `${path}[${i}]`));
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value).sort()) {
        if (!key.isWellFormed()) throw new CanonicalJsonError(path, "key contains a lone surrogate");
        const item = (value as Record<string, unknown>)[key];
        if (item !== undefined) out[key] = sortedCopy(item, path ? `${path}.${key}` : key);
      }
      return out;
    }
    default:
      throw new CanonicalJsonError(path, `cannot represent a ${typeof value} in JSON`);
  }
}
