import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileProblem, SealtrailError } from "../../errors.js";
import type { CompiledRule } from "../rule-model.js";
import { checkRules, issueAt, type RuleListIssue } from "./compile-rules.js";
import { describeValue, invalidRules, type RuleIssue } from "./rule-issues.js";

/**
 * Reading a `--rules FILE`: YAML or JSON holding a list of rules, or a mapping `{ rules: [...] }`,
 * each rule written as in the configuration's `alerting.rules`. The `yaml` package is loaded only
 * when a file is read, so commands that never read one do not load it.
 */

type Yaml = typeof import("yaml");

/** The 1-based line of the value at `parts` in a parsed YAML (or JSON) text, or of the nearest value holding it. */
function lineFinder(yaml: Yaml, text: string): (parts: readonly (string | number)[]) => number | undefined {
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  return (parts) => {
    for (let n = parts.length; n >= 0; n--) {
      const path = parts.slice(0, n).map((p) => (typeof p === "string" && /^\d+$/.test(p) ? Number(p) : p));
      const parent =
        n === 0 ? undefined : path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
      const key = path.at(-1);
      const pair = yaml.isMap(parent)
        ? parent.items.find((p) => yaml.isScalar(p.key) && String(p.key.value) === String(key))
        : undefined;
      const node = yaml.isScalar(pair?.key) ? pair.key : n === 0 ? doc.contents : doc.getIn(path, true);
      if (yaml.isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

/** The file's value, or the issue that makes it unreadable as YAML or JSON. */
function parseText(yaml: Yaml, file: string, text: string): { value: unknown } | { issue: RuleIssue } {
  const ext = extname(file).toLowerCase();
  if (ext === ".json") {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (error) {
      return { issue: { path: "", expected: "JSON", got: `a syntax error: ${(error as Error).message}` } };
    }
  }
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    const where = lines.linePos(error.pos[0]);
    return {
      issue: {
        path: "",
        expected: "YAML",
        got: `a syntax error at column ${where.col}: ${error.message.split("\n")[0]}`,
        line: where.line,
      },
    };
  }
  return { value: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

/**
 * Reads and compiles the rules of a `--rules FILE` (`.yaml`, `.yml` or `.json`): a list of rules,
 * or `{ rules: [...] }`. Throws `ST_ERR_FILE_UNREADABLE` when the file cannot be read, and one
 * `ST_ERR_ALERT_RULE` error naming the file, the path and what was expected (and the line) for
 * every problem with its content: `rules.yaml: [2].threshold.window: expected a duration like 5m,
 * got "5 minutes" (line 9)`.
 *
 * @example
 * ```ts
 * const rules = await readRulesFile("rules.yaml");
 * const decisions = await backtest(log.exportEvents(filter), rules, { nowMs: Date.now() });
 * ```
 */
export async function readRulesFile(file: string, option = "--rules"): Promise<CompiledRule[]> {
  let text: string;
  try {
    text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (error) {
    throw new SealtrailError(
      "ST_ERR_FILE_UNREADABLE",
      `${option}: expected a rules file (YAML or JSON), got "${file}": ${fileProblem(error)}`,
      { cause: error, details: { file, option } },
    );
  }
  const yaml = (await import("yaml")) as Yaml;
  const parsed = parseText(yaml, file, text);
  if ("issue" in parsed) throw invalidRules(file, [parsed.issue]);
  const { value } = parsed;
  const isList = Array.isArray(value);
  const isMapping = typeof value === "object" && value !== null && !isList;
  const list = isList ? value : isMapping ? (value as { rules?: unknown }).rules : undefined;
  if (!Array.isArray(list)) {
    const inMapping = isMapping && "rules" in (value as object);
    throw invalidRules(file, [
      inMapping
        ? { path: "rules", expected: "a list of rules", got: describeValue(list) }
        : {
            path: "",
            expected: "a list of rules, or a mapping with rules: [...]",
            got: describeValue(value),
          },
    ]);
  }
  if (isMapping) {
    const extra = Object.keys(value as object).find((key) => key !== "rules" && key !== "$schema");
    if (extra !== undefined) {
      throw invalidRules(file, [
        { path: extra, expected: "only the keys rules and $schema", got: `unknown key "${extra}"` },
      ]);
    }
  }
  const basePath = isList ? "" : "rules";
  const checked = checkRules(list, { file, basePath });
  if (checked.ok) return checked.rules;
  const lineOf = lineFinder(yaml, text);
  const within = isList ? [] : ["rules"];
  throw invalidRules(
    file,
    checked.issues.map((issue: RuleListIssue) => {
      const line = lineOf([...within, ...issue.parts]);
      const placed = issueAt(basePath, issue);
      return line === undefined ? placed : { ...placed, line };
    }),
  );
}
