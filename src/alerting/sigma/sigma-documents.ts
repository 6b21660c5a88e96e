import { ruleNameOf } from "./sigma-rule-header.js";
import { fileError, type PathSegment, ruleError, SigmaRuleProblem } from "./sigma-rule-problem.js";

/**
 * The rules of one Sigma file: its YAML documents, each a rule, with Sigma's rule collections
 * applied — a document with `action: global` is merged into every rule after it (until
 * `action: reset`), and `action: repeat` repeats the rule before it with its own fields on top.
 */

/** One rule of a file, as written (collection fields merged in). */
export interface SigmaDocument {
  /** The rule's fields. */
  readonly rule: Readonly<Record<string, unknown>>;
  /** The 1-based number of its YAML document in the file. */
  readonly number: number;
  /** The 1-based line of the value at `path` in its document, or of the nearest value holding it. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

/** What this module needs of the `yaml` package (loaded by the caller, on first use). */
export type YamlModule = typeof import("yaml");

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `over` merged onto `base`: maps merged member by member, anything else replaced. */
function merged(
  base: Readonly<Record<string, unknown>>,
  over: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = result[key];
    result[key] = isMap(below) && isMap(value) ? merged(below, value) : value;
  }
  return result;
}

function without(rule: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  const { [key]: _, ...rest } = rule;
  return rest;
}

/**
 * Reads the rules of a Sigma file. A YAML syntax error is an `ST_ERR_ALERT_RULE` error naming
 * the file, document, line and column; so is a document that is not a map, or a collection
 * `action` that is not one, naming the rule.
 *
 * @param file The file as it is named in messages.
 */
export function readSigmaDocuments(file: string, text: string, yaml: YamlModule): SigmaDocument[] {
  const { isMap: isYamlMap, isNode, isScalar, LineCounter, parseAllDocuments } = yaml;
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text.replace(/^\uFEFF/, ""), {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
  });
  if (!Array.isArray(parsed)) return [];
  const documents: SigmaDocument[] = [];
  let global: Record<string, unknown> | undefined;
  let previous: Record<string, unknown> | undefined;
  for (const [index, doc] of parsed.entries()) {
    const number = index + 1;
    const [error] = doc.errors;
    if (error) {
      const where = lines.linePos(error.pos[0]);
      const first = error.message.split("\n")[0] ?? error.message;
      throw fileError(
        file,
        `document ${number}: line ${where.line}, column ${where.col}: not valid YAML: ${first}`,
      );
    }
    const lineOf = (path: readonly PathSegment[]): number | undefined => {
      for (let n = path.length; n >= 0; n--) {
        const parent = n === 0 ? undefined : doc.getIn(path.slice(0, n - 1), true);
        const key = path[n - 1];
        const pair = isYamlMap(parent)
          ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key))
          : undefined;
        const node = isScalar(pair?.key)
          ? pair.key
          : n === 0
            ? doc.contents
            : doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
      }
      return undefined;
    };
    const value: unknown = doc.contents === null ? undefined : doc.toJS({ maxAliasCount: 100 });
    if (value === undefined || value === null) continue;
    if (!isMap(value)) {
      throw ruleError(
        { file, document: number, rule: undefined, lineOf },
        new SigmaRuleProblem(
          [],
          "expected a Sigma rule: a map with a title and a detection or correlation section",
        ),
      );
    }
    const action = value.action;
    if (action === "global") {
      global = without(value, "action");
      continue;
    }
    if (action === "reset") {
      global = undefined;
      continue;
    }
    const location = { file, document: number, rule: ruleNameOf(value), lineOf };
    let rule: Record<string, unknown>;
    if (action === "repeat") {
      if (!previous) {
        throw ruleError(
          location,
          new SigmaRuleProblem(["action"], "repeat needs a rule before it to repeat"),
        );
      }
      rule = merged(previous, without(value, "action"));
    } else if (action !== undefined) {
      throw ruleError(
        location,
        new SigmaRuleProblem(["action"], `expected global, reset or repeat, got ${JSON.stringify(action)}`),
      );
    } else {
      rule = global ? merged(global, value) : value;
    }
    previous = rule;
    documents.push({ rule, number, lineOf });
  }
  return documents;
}
