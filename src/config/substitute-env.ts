import { describeValue, dottedPath, type SchemaIssue } from "./schema-issues.js";

/** The result of {@link substituteEnv}. */
export interface Substitution {
  /** The value with every `${NAME}` replaced (a copy; the input is left alone). */
  readonly value: unknown;
  /** The JSON Pointers of values that took anything from the environment, with the variables' names. */
  readonly fromEnv: ReadonlyMap<string, readonly string[]>;
  /** Missing variables and malformed references, each naming its path. */
  readonly issues: readonly SchemaIssue[];
}

/** Options of {@link substituteEnv}. */
export interface SubstitutionOptions {
  /**
   * The JSON type the schema expects at a pointer. A text that is one whole `${NAME}` where a
   * number or boolean is expected becomes one (`port: ${PORT}`), since variables are only text.
   */
  readonly typeAt?: (pointer: string) => string | undefined;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function coerce(text: string, type: string | undefined): unknown {
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text.trim())) {
    return Number(text.trim());
  }
  if (type === "boolean" && (text.trim() === "true" || text.trim() === "false"))
    return text.trim() === "true";
  return text;
}

/**
 * Replaces `${NAME}` in every text value (not in keys) with the environment variable `NAME`;
 * `$${` stands for a literal `${`. A variable that is not set, or a `${…}` that does not hold a
 * name, is an issue naming the path and the variable: nothing falls back silently.
 *
 * @example
 * ```ts
 * substituteEnv({ token: "Bearer ${API_TOKEN}" }, { API_TOKEN: "s3cret" }).value; // { token: "Bearer s3cret" }
 * ```
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  options: SubstitutionOptions = {},
): Substitution {
  const fromEnv = new Map<string, string[]>();
  const issues: SchemaIssue[] = [];
  const issue = (pointer: string, expected: string, got: string) =>
    issues.push({ path: dottedPath(pointer), pointer, expected, got });

  const text = (s: string, pointer: string): unknown => {
    if (!s.includes("${")) return s;
    const names: string[] = [];
    let whole = false;
    const out = s.replace(REFERENCE, (match: string, name: string | undefined, offset: number) => {
      if (match === "$${") return "${";
      if (name === undefined || !match.endsWith("}") || !NAME.test(name)) {
        issue(
          pointer,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's own ${NAME} syntax, not a template.
          "${NAME} with a NAME of letters, digits and _ (write $${ for a literal ${)",
          describeValue(match),
        );
        return match;
      }
      const found = env[name];
      if (found === undefined) {
        issue(pointer, `the environment variable ${name} (named by \${${name}})`, "no such variable");
        return match;
      }
      names.push(name);
      whole = offset === 0 && match.length === s.length;
      return found;
    });
    if (names.length === 0) return out;
    fromEnv.set(pointer, names);
    return whole ? coerce(out, options.typeAt?.(pointer)) : out;
  };

  const walk = (v: unknown, pointer: string): unknown => {
    if (typeof v === "string") return text(v, pointer);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${pointer}/${i}`));
    if (typeof v === "object" && v !== null && !(v instanceof Uint8Array)) {
      return Object.fromEntries(
        Object.entries(v).map(([key, item]) => [
          key,
          walk(item, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`),
        ]),
      );
    }
    return v;
  };

  return { value: walk(value, ""), fromEnv, issues };
}
