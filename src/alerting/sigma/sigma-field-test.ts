import { BlockList, isIP, isIPv4, isIPv6 } from "node:net";
import { checkFieldPath } from "../../query/filter-syntax.js";
import { pathSegments, readPath } from "../../storage/memory/json-path.js";
import { type PathSegment, SigmaRuleProblem, shown } from "./sigma-rule-problem.js";
import { type StringPlacement, sigmaStringPrefix, sigmaStringTest } from "./sigma-string-pattern.js";

/**
 * One field of a Sigma selection (`actor.ip|cidr: [10.0.0.0/8, fd00::/8]`) compiled into a test
 * of a parsed event. The field name goes through the field map to one of our dotted paths and is
 * read like the store reads it; when the event holds a list there, the field matches when any
 * element matches. A list of values is an OR, or an AND with `|all`.
 */

/** A test of a parsed event. */
export type EventTest = (event: Readonly<Record<string, unknown>>) => boolean;

/** Sigma field names mapped to our dotted paths (`SourceIp` → `actor.ip`). */
export type SigmaFieldMap = Readonly<Record<string, string>>;

/** A compiled selection field. */
export interface CompiledField {
  readonly test: EventTest;
  /** The event path it reads. */
  readonly path: string;
  /** Whether it names `action` values of Sealtrail's own alert events (`action: alert.fired`). */
  readonly namesAlertActions: boolean;
}

/** The modifiers this reader supports, as Sigma spells them. */
export const SUPPORTED_MODIFIERS = [
  "contains",
  "startswith",
  "endswith",
  "re",
  "i",
  "m",
  "s",
  "cidr",
  "all",
  "exists",
] as const;

type Modifier = (typeof SUPPORTED_MODIFIERS)[number];

/** Modifiers that say how a value is compared; a field takes at most one. */
const COMPARISONS: readonly Modifier[] = ["contains", "startswith", "endswith", "re", "cidr", "exists"];
/** Sub-modifiers of `re` and the regular expression flags they set. */
const REGEX_FLAGS: Readonly<Partial<Record<Modifier, string>>> = { i: "i", m: "m", s: "s" };

/** A test of the value read at the field's path. */
type ValueTest = (value: unknown) => boolean;

/** Whether `value`, or any element of it when it is a list, passes `test` as text. */
function anyText(value: unknown, test: (text: string) => boolean): boolean {
  if (typeof value === "string") return test(value);
  if (typeof value === "number" || typeof value === "boolean") return test(String(value));
  if (Array.isArray(value)) return value.some((element) => anyText(element, test));
  return false;
}

function isNullValue(value: unknown): boolean {
  return value === undefined || value === null;
}

/** The event path a Sigma field name stands for, checked against the event's fields. */
function mappedPath(name: string, fieldMap: SigmaFieldMap, at: readonly PathSegment[]): string {
  const mapped = Object.hasOwn(fieldMap, name) ? fieldMap[name] : undefined;
  const path = mapped ?? name;
  try {
    checkFieldPath(path);
    pathSegments(path);
  } catch {
    const given = mapped === undefined ? shown(name) : `${shown(name)}, mapped to ${shown(mapped)}`;
    throw new SigmaRuleProblem(
      at,
      `expected an event field (such as action, outcome, actor.ip, details.<name>) or a Sigma field the field map maps to one, got ${given}`,
    );
  }
  return path;
}

/**
 * The event path of a Sigma field name used outside a selection (a correlation's `group-by` or
 * counted field), checked like a selection's field.
 */
export function sigmaFieldPath(name: string, fieldMap: SigmaFieldMap, at: readonly PathSegment[]): string {
  return mappedPath(name, fieldMap, at);
}

function parseModifiers(names: readonly string[], at: readonly PathSegment[]): Set<Modifier> {
  const modifiers = new Set<Modifier>();
  for (const name of names) {
    if (!(SUPPORTED_MODIFIERS as readonly string[]).includes(name)) {
      throw new SigmaRuleProblem(
        at,
        `unsupported modifier ${shown(name)}; expected one of ${SUPPORTED_MODIFIERS.filter((m) => !(m in REGEX_FLAGS)).join(", ")} (and i, m, s after re)`,
      );
    }
    const modifier = name as Modifier;
    if (modifiers.has(modifier)) throw new SigmaRuleProblem(at, `modifier ${shown(name)} is given twice`);
    modifiers.add(modifier);
  }
  const comparisons = COMPARISONS.filter((m) => modifiers.has(m));
  if (comparisons.length > 1) {
    throw new SigmaRuleProblem(
      at,
      `modifiers ${comparisons.map((m) => shown(m)).join(" and ")} cannot be combined`,
    );
  }
  const flags = Object.keys(REGEX_FLAGS).filter((m) => modifiers.has(m as Modifier));
  if (flags.length > 0 && !modifiers.has("re")) {
    throw new SigmaRuleProblem(at, `modifier ${shown(flags[0])} applies only after re`);
  }
  if (modifiers.has("exists") && modifiers.has("all")) {
    throw new SigmaRuleProblem(at, `modifiers "exists" and "all" cannot be combined`);
  }
  return modifiers;
}

/** A value compared as text: a string, or a number or boolean as Sigma writes it. */
function textValue(value: unknown, at: readonly PathSegment[]): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new SigmaRuleProblem(at, `expected a string, got ${value === null ? "null" : shown(value)}`);
}

function stringValue(value: unknown, at: readonly PathSegment[], expected: string): string {
  if (typeof value === "string") return value;
  throw new SigmaRuleProblem(at, `expected ${expected}, got ${value === null ? "null" : shown(value)}`);
}

/** Inline flags a pattern may start with (`(?i)`), which JavaScript writes after the pattern. */
const INLINE_FLAGS = /^\(\?([ims]+)\)/;

function regexTest(value: unknown, modifiers: ReadonlySet<Modifier>, at: readonly PathSegment[]): ValueTest {
  let source = stringValue(value, at, "a regular expression");
  const flags = new Set(
    Object.entries(REGEX_FLAGS).flatMap(([m, f]) => (modifiers.has(m as Modifier) ? [f] : [])),
  );
  const inline = INLINE_FLAGS.exec(source);
  if (inline) {
    for (const flag of inline[1] as string) flags.add(flag);
    source = source.slice(inline[0].length);
  }
  let regex: RegExp;
  try {
    regex = new RegExp(source, [...flags].join(""));
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: /, "");
    throw new SigmaRuleProblem(at, `expected a regular expression, got ${shown(value)} (${reason})`);
  }
  return (fieldValue) => anyText(fieldValue, (text) => regex.test(text));
}

const CIDR = /^([^/]+)\/(\d{1,3})$/;

function cidrTest(value: unknown, at: readonly PathSegment[]): ValueTest {
  const text = stringValue(value, at, "a CIDR like 10.0.0.0/8");
  const parts = CIDR.exec(text.trim());
  const address = parts?.[1] ?? "";
  const prefix = Number(parts?.[2]);
  const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : undefined;
  if (!parts || !family || prefix > (family === "ipv4" ? 32 : 128)) {
    throw new SigmaRuleProblem(at, `expected a CIDR like 10.0.0.0/8, got ${shown(text)}`);
  }
  const block = new BlockList();
  block.addSubnet(address, prefix, family);
  return (fieldValue) =>
    anyText(fieldValue, (ip) => {
      const version = isIP(ip);
      return version !== 0 && block.check(ip, version === 4 ? "ipv4" : "ipv6");
    });
}

function placementOf(modifiers: ReadonlySet<Modifier>): StringPlacement {
  if (modifiers.has("contains")) return "contains";
  if (modifiers.has("startswith")) return "startswith";
  if (modifiers.has("endswith")) return "endswith";
  return "whole";
}

function valueTest(value: unknown, modifiers: ReadonlySet<Modifier>, at: readonly PathSegment[]): ValueTest {
  if (modifiers.has("re")) return regexTest(value, modifiers, at);
  if (modifiers.has("cidr")) return cidrTest(value, at);
  const placement = placementOf(modifiers);
  // `field: null` matches a field that is missing or null; with a placement there is no text to place.
  if (value === null && placement === "whole") return isNullValue;
  const test = sigmaStringTest(textValue(value, at), placement);
  return (fieldValue) => anyText(fieldValue, test);
}

/**
 * Compiles one `field|modifiers: value(s)` entry of a selection.
 *
 * @param key The key as written (`actor.ip|cidr`).
 * @param at The path of the entry in the rule's document (ending with `key`).
 *
 * @example
 * ```ts
 * const field = compileSigmaField("SourceIp|cidr", "10.0.0.0/8", { SourceIp: "actor.ip" }, ["detection", "sel", "SourceIp|cidr"]);
 * field.test({ actor: { ip: "10.1.2.3" } }); // true
 * ```
 */
export function compileSigmaField(
  key: string,
  value: unknown,
  fieldMap: SigmaFieldMap,
  at: readonly PathSegment[],
): CompiledField {
  const [name = "", ...modifierNames] = key.split("|");
  const modifiers = parseModifiers(modifierNames, at);
  const path = mappedPath(name, fieldMap, at);
  const segments = pathSegments(path);
  const read = (event: Readonly<Record<string, unknown>>): unknown => readPath(event, segments);

  if (modifiers.has("exists")) {
    if (typeof value !== "boolean") {
      throw new SigmaRuleProblem(at, `expected true or false, got ${value === null ? "null" : shown(value)}`);
    }
    // Sigma's `exists` asks whether the field is present, whatever its value (null included).
    return { test: (event) => (read(event) !== undefined) === value, path, namesAlertActions: false };
  }

  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0)
    throw new SigmaRuleProblem(at, "expected a value or a list of values, got an empty list");
  if (modifiers.has("all") && values.length < 2) {
    throw new SigmaRuleProblem(at, "the all modifier needs a list of at least two values");
  }
  const tests = values.map((v, i) => {
    const where = Array.isArray(value) ? [...at, i] : at;
    if (typeof v === "object" && v !== null) {
      throw new SigmaRuleProblem(where, `expected a string, number, boolean or null, got ${shown(v)}`);
    }
    return valueTest(v, modifiers, where);
  });
  const all = modifiers.has("all");
  const test: EventTest =
    tests.length === 1
      ? (event) => (tests[0] as ValueTest)(read(event))
      : all
        ? (event) => {
            const fieldValue = read(event);
            return tests.every((t) => t(fieldValue));
          }
        : (event) => {
            const fieldValue = read(event);
            return tests.some((t) => t(fieldValue));
          };

  const placement = placementOf(modifiers);
  const namesAlertActions =
    path === "action" &&
    !modifiers.has("re") &&
    (placement === "whole" || placement === "startswith") &&
    values.some((v) => typeof v === "string" && sigmaStringPrefix(v).startsWith("alert."));
  return { test, path, namesAlertActions };
}
