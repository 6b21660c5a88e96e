import type { EventTest } from "./sigma-field-test.js";

/**
 * A Sigma detection's `condition`: search identifiers combined with `and`, `or`, `not`,
 * parentheses, and `1 of PATTERN` / `all of PATTERN` (`them` for every identifier not starting
 * with `_`, `*` for any run of characters in a pattern). Precedence, most binding first: `x of`,
 * `not`, `and`, `or`. The grammar is small enough that a hand-written recursive-descent parser
 * gives better error messages than a parser generator would, with no dependency.
 */

/** A parsed condition. */
export type ConditionNode =
  | { readonly kind: "and" | "or"; readonly operands: readonly ConditionNode[] }
  | { readonly kind: "not"; readonly operand: ConditionNode }
  | { readonly kind: "identifier"; readonly name: string }
  | { readonly kind: "of"; readonly quantifier: "one" | "all"; readonly pattern: string };

/** Why a condition cannot be parsed or compiled. */
export class SigmaConditionError extends Error {
  override name = "SigmaConditionError";
}

interface Token {
  readonly text: string;
  /** 1-based column in the condition. */
  readonly column: number;
}

const KEYWORDS = new Set(["and", "or", "not", "of"]);

function tokenize(text: string): Token[] {
  if (text.includes("|")) {
    throw new SigmaConditionError(
      "aggregations after | (count() … by …) are not supported; write a correlation rule instead",
    );
  }
  return [...text.matchAll(/[()]|[^\s()]+/g)].map((m) => ({ text: m[0], column: (m.index ?? 0) + 1 }));
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): ConditionNode {
    if (this.tokens.length === 0)
      throw new SigmaConditionError("expected a condition such as selection and not filter, got nothing");
    const node = this.parseOr();
    const extra = this.peek();
    if (extra) throw this.unexpected(extra, `"and", "or" or the end of the condition`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token | undefined {
    return this.tokens[this.position++];
  }

  private unexpected(token: Token | undefined, expected: string): SigmaConditionError {
    const got = token ? `"${token.text}" at column ${token.column}` : "the end of the condition";
    return new SigmaConditionError(`expected ${expected}, got ${got}`);
  }

  private parseOr(): ConditionNode {
    const operands = [this.parseAnd()];
    while (this.peek()?.text === "or") {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? (operands[0] as ConditionNode) : { kind: "or", operands };
  }

  private parseAnd(): ConditionNode {
    const operands = [this.parseNot()];
    while (this.peek()?.text === "and") {
      this.next();
      operands.push(this.parseNot());
    }
    return operands.length === 1 ? (operands[0] as ConditionNode) : { kind: "and", operands };
  }

  private parseNot(): ConditionNode {
    if (this.peek()?.text === "not") {
      this.next();
      return { kind: "not", operand: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): ConditionNode {
    const token = this.next();
    const expected = `a search identifier, "not", "(", "1 of" or "all of"`;
    if (!token || token.text === ")" || KEYWORDS.has(token.text)) throw this.unexpected(token, expected);
    if (token.text === "(") {
      const node = this.parseOr();
      const close = this.next();
      if (close?.text !== ")") throw this.unexpected(close, `")" closing the "(" at column ${token.column}`);
      return node;
    }
    if (this.peek()?.text === "of") {
      if (token.text !== "1" && token.text !== "all") {
        throw new SigmaConditionError(
          `expected "1 of" or "all of", got "${token.text} of" at column ${token.column}`,
        );
      }
      this.next();
      const pattern = this.next();
      if (!pattern || pattern.text === "(" || pattern.text === ")" || KEYWORDS.has(pattern.text)) {
        throw this.unexpected(pattern, `"them" or a search identifier pattern after "${token.text} of"`);
      }
      return { kind: "of", quantifier: token.text === "1" ? "one" : "all", pattern: pattern.text };
    }
    return { kind: "identifier", name: token.text };
  }
}

/**
 * Parses a condition. Throws {@link SigmaConditionError} naming what was expected and where.
 *
 * @example
 * ```ts
 * parseSigmaCondition("selection and not 1 of filter*");
 * // { kind: "and", operands: [{ kind: "identifier", name: "selection" },
 * //   { kind: "not", operand: { kind: "of", quantifier: "one", pattern: "filter*" } }] }
 * ```
 */
export function parseSigmaCondition(text: string): ConditionNode {
  return new Parser(tokenize(text)).parse();
}

/** The identifiers a `1 of` / `all of` pattern stands for, in the detection's order. */
function identifiersMatching(pattern: string, names: readonly string[]): string[] {
  if (pattern === "them") return names.filter((name) => !name.startsWith("_"));
  const regex = new RegExp(`^${pattern.replace(/[\\^$.+?()[\]{}|/]/g, "\\$&").replaceAll("*", ".*")}$`);
  return names.filter((name) => regex.test(name));
}

/**
 * Compiles a parsed condition over the detection's search identifiers. Throws
 * {@link SigmaConditionError} for an identifier that is not defined or a pattern that matches
 * none.
 */
export function compileSigmaCondition(
  node: ConditionNode,
  identifiers: ReadonlyMap<string, EventTest>,
): EventTest {
  switch (node.kind) {
    case "and": {
      const operands = node.operands.map((n) => compileSigmaCondition(n, identifiers));
      return (event) => operands.every((test) => test(event));
    }
    case "or": {
      const operands = node.operands.map((n) => compileSigmaCondition(n, identifiers));
      return (event) => operands.some((test) => test(event));
    }
    case "not": {
      const operand = compileSigmaCondition(node.operand, identifiers);
      return (event) => !operand(event);
    }
    case "identifier": {
      const test = identifiers.get(node.name);
      if (!test) {
        const defined = [...identifiers.keys()].join(", ") || "none";
        throw new SigmaConditionError(`unknown search identifier "${node.name}" (defined: ${defined})`);
      }
      return test;
    }
    case "of": {
      const names = identifiersMatching(node.pattern, [...identifiers.keys()]);
      const written = `${node.quantifier === "one" ? "1" : "all"} of ${node.pattern}`;
      if (names.length === 0) throw new SigmaConditionError(`"${written}" matches no search identifier`);
      const tests = names.map((name) => identifiers.get(name) as EventTest);
      return node.quantifier === "one"
        ? (event) => tests.some((test) => test(event))
        : (event) => tests.every((test) => test(event));
    }
  }
}
