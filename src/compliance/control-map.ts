import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { schemaIssues } from "../config/schema-issues.js";
import { fileProblem, SealtrailError } from "../errors.js";
import { checkFieldPath, parseCondition } from "../query/filter-syntax.js";
import type { Condition } from "../read-model/event-filter.js";
import { CONTROL_MAP_SCHEMA } from "./control-map-schema.js";
import gdpr from "./frameworks/gdpr.json" with { type: "json" };
import hipaa from "./frameworks/hipaa.json" with { type: "json" };
import pciDss from "./frameworks/pci-dss.json" with { type: "json" };
import soc2 from "./frameworks/soc2.json" with { type: "json" };

export { CONTROL_MAP_SCHEMA } from "./control-map-schema.js";

/**
 * Control maps: a compliance framework as data. Each control names the evidence Sealtrail can
 * show for it as a list of checks, each of one of the kinds below, with its filters written in
 * the CLI's filter syntax. A framework is added by writing one more JSON file (give its path to
 * `--framework`); the built-in ones live in `frameworks/`.
 */

/** What every check has: its kind and what it looks at, in words ("failed sign-ins"). */
export interface CheckBase {
  readonly describe: string;
}

/**
 * Which events a check counts beyond its filter, as the map says it (`actions`, `not_actions`,
 * `attributable`); `evaluate-check.ts` turns it into conditions.
 */
export interface EvidenceSelection {
  /** Action names or globs (`*` any run of characters) of which an event's action must match one; undefined: any. */
  readonly actions?: readonly string[];
  /** Action names or globs no counted event's action may match. */
  readonly notActions?: readonly string[];
  /** Only events whose `actor.id` is not blank count: an event that names no one shows nobody did it. */
  readonly attributable: boolean;
}

/** A check over the events matching a filter (on top of the report's scope). */
export interface FilteredCheck extends CheckBase {
  readonly filter: readonly Condition[];
  /** The source text of `filter`, for the report. */
  readonly filterText: readonly string[];
  /** Which of the events matching `filter` count. */
  readonly selection: EvidenceSelection;
}

/** Events of a kind must have been recorded in the period. */
export interface RecordedCheck extends FilteredCheck {
  readonly kind: "recorded";
  /** The status when none were: `gap` (default), or `not_applicable` where none may be normal. */
  readonly whenNone: "gap" | "not_applicable";
}

/** One required field of a completeness check: present in any of `anyOf` (with a value in `values`). */
export interface RequiredField {
  readonly label: string;
  readonly anyOf: readonly string[];
  readonly values?: readonly string[];
}

/** Every event (matching `filter`) must carry every required field. */
export interface CompleteCheck extends FilteredCheck {
  readonly kind: "complete";
  readonly fields: readonly RequiredField[];
  /** Below this share of complete events the status is `gap`, at or above it `partial`. */
  readonly threshold: number;
}

/** The checkpoint's signature and a full verification of the store must pass. */
export interface IntegrityCheck extends CheckBase {
  readonly kind: "integrity";
}

/** Events matching `filter` in every day or week of the period (logging active, reviews done). */
export interface RegularCheck extends FilteredCheck {
  readonly kind: "regular";
  readonly every: "day" | "week";
}

/** The store keeps `retainDays` of history, the last `atHandDays` of it online. */
export interface RetainedCheck extends CheckBase {
  readonly kind: "retained";
  readonly retainDays: number;
  readonly atHandDays: number;
}

/** Every request (e.g. erasure) in the period is resolved within `withinDays`. */
export interface ResolvedCheck extends CheckBase {
  readonly kind: "resolved";
  readonly requests: readonly Condition[];
  readonly requestsText: readonly string[];
  readonly resolutions: readonly Condition[];
  readonly resolutionsText: readonly string[];
  /** The field that ties a resolution to its request (`target.id`). */
  readonly match: string;
  readonly withinDays: number;
}

/** Personal fields, where present, hold pseudonyms (values starting with `prefix`). */
export interface PseudonymizedCheck extends FilteredCheck {
  readonly kind: "pseudonymized";
  readonly fields: readonly string[];
  readonly prefix: string;
  /** Below this share of pseudonymized values the status is `gap`, at or above it `partial`. */
  readonly threshold: number;
}

/** One piece of evidence a control asks for. */
export type ControlCheck =
  | RecordedCheck
  | CompleteCheck
  | IntegrityCheck
  | RegularCheck
  | RetainedCheck
  | ResolvedCheck
  | PseudonymizedCheck;

/** One control of a framework. */
export interface Control {
  /** The framework's own reference (`CC6.1`, `10.2.1.4`, `164.312(b)`). */
  readonly id: string;
  readonly title: string;
  /** What the framework requires, in short. */
  readonly requirement: string;
  readonly checks: readonly ControlCheck[];
}

/** A framework's controls. */
export interface ControlMap {
  /** The id `--framework` takes (`pci-dss`). */
  readonly framework: string;
  readonly title: string;
  readonly version: string;
  /** What the map covers and what it leaves to people, in words. */
  readonly scope: string;
  readonly controls: readonly Control[];
}

const require = createRequire(import.meta.url);
let compiledCheck: ValidateFunction | undefined;

/**
 * The schema's validator, generated at build time from {@link CONTROL_MAP_SCHEMA}
 * (`scripts/build-validators.ts`) and loaded on first use.
 */
function controlMapCheck(): ValidateFunction {
  compiledCheck ??= require("./control-map-check.cjs") as ValidateFunction;
  return compiledCheck;
}

function invalid(source: string, path: string, expected: string): SealtrailError {
  const where = path === "" ? "" : `${path}: `;
  return new SealtrailError("ST_ERR_CONFIG_INVALID", `${source}: ${where}${expected}`, {
    details: { file: source, ...(path === "" ? {} : { field: path }) },
  });
}

function checkPath(source: string, path: string, field: string): void {
  try {
    checkFieldPath(field, field);
  } catch (e) {
    throw invalid(source, path, (e as Error).message);
  }
}

function fieldPaths(source: string, path: string, fields: readonly string[]): void {
  for (const [i, field] of fields.entries()) checkPath(source, `${path}[${i}]`, field);
}

/** Whether a condition selects events by the category `other`, which shows nothing. */
function selectsOther(condition: Condition): boolean {
  if (condition.field !== "category") return false;
  switch (condition.op) {
    case "eq":
      return condition.value === "other";
    case "in":
      return condition.values.includes("other");
    case "prefix":
      return "other".startsWith(condition.value);
    default:
      return false;
  }
}

function conditions(source: string, path: string, expressions: readonly string[]): Condition[] {
  return expressions.map((expression, i) => {
    let condition: Condition;
    try {
      condition = parseCondition(expression);
    } catch (e) {
      throw invalid(source, `${path}[${i}]`, (e as Error).message);
    }
    if (selectsOther(condition)) {
      throw invalid(
        source,
        `${path}[${i}]`,
        `"${expression}" selects category other, which actions in domains the category rules do not know get: it shows nothing, so no control counts it; name the actions that count instead (actions)`,
      );
    }
    return condition;
  });
}

interface RawCheck {
  kind: ControlCheck["kind"];
  describe: string;
  filter?: string[];
  when_none?: "gap" | "not_applicable";
  fields?: Array<{ label: string; any_of: string[]; values?: string[] } | string>;
  threshold?: number;
  every?: "day" | "week";
  retain_days?: number;
  at_hand_days?: number;
  requests?: string[];
  resolutions?: string[];
  match?: string;
  within_days?: number;
  prefix?: string;
  actions?: string[];
  not_actions?: string[];
  attributable?: boolean;
}

function toCheck(source: string, path: string, raw: RawCheck): ControlCheck {
  const filterText = raw.filter ?? [];
  const filter = conditions(source, `${path}.filter`, filterText);
  const describe = raw.describe;
  const selection: EvidenceSelection = {
    ...(raw.actions ? { actions: raw.actions } : {}),
    ...(raw.not_actions ? { notActions: raw.not_actions } : {}),
    attributable: raw.attributable === true,
  };
  switch (raw.kind) {
    case "recorded":
      return { kind: "recorded", describe, filter, filterText, selection, whenNone: raw.when_none ?? "gap" };
    case "complete":
      return {
        kind: "complete",
        describe,
        filter,
        filterText,
        selection,
        threshold: raw.threshold ?? 0.9,
        fields: (raw.fields as Array<{ label: string; any_of: string[]; values?: string[] }>).map((f, i) => {
          fieldPaths(source, `${path}.fields[${i}].any_of`, f.any_of);
          return { label: f.label, anyOf: f.any_of, ...(f.values ? { values: f.values } : {}) };
        }),
      };
    case "integrity":
      return { kind: "integrity", describe };
    case "regular":
      return { kind: "regular", describe, filter, filterText, selection, every: raw.every as "day" | "week" };
    case "retained":
      return {
        kind: "retained",
        describe,
        retainDays: raw.retain_days as number,
        atHandDays: raw.at_hand_days as number,
      };
    case "resolved": {
      const requestsText = raw.requests as string[];
      const resolutionsText = raw.resolutions as string[];
      const match = raw.match as string;
      checkPath(source, `${path}.match`, match);
      return {
        kind: "resolved",
        describe,
        requests: conditions(source, `${path}.requests`, requestsText),
        requestsText,
        resolutions: conditions(source, `${path}.resolutions`, resolutionsText),
        resolutionsText,
        match,
        withinDays: raw.within_days as number,
      };
    }
    case "pseudonymized": {
      const fields = raw.fields as string[];
      fieldPaths(source, `${path}.fields`, fields);
      return {
        kind: "pseudonymized",
        describe,
        filter,
        filterText,
        selection,
        fields,
        prefix: raw.prefix as string,
        threshold: raw.threshold ?? 0.9,
      };
    }
  }
}

/**
 * Validates a control map (parsed JSON) and compiles its filters; errors
 * (`ST_ERR_CONFIG_INVALID`) name the source, the field path and what was expected there.
 *
 * @example
 * ```ts
 * parseControlMap(JSON.parse(text), "my-framework.json").controls.length;
 * ```
 */
export function parseControlMap(value: unknown, source: string): ControlMap {
  const validateShape = controlMapCheck();
  if (!validateShape(value)) {
    const [issue] = schemaIssues(validateShape.errors ?? [], CONTROL_MAP_SCHEMA, value);
    throw invalid(source, issue?.path ?? "", `expected ${issue?.expected}, got ${issue?.got}`);
  }
  const raw = value as {
    framework: string;
    title: string;
    version: string;
    scope: string;
    controls: Array<{ id: string; title: string; requirement: string; checks: RawCheck[] }>;
  };
  const ids = new Set<string>();
  const controls = raw.controls.map((c, i) => {
    if (ids.has(c.id)) throw invalid(source, `controls[${i}].id`, `"${c.id}" appears twice`);
    ids.add(c.id);
    return {
      id: c.id,
      title: c.title,
      requirement: c.requirement,
      checks: c.checks.map((check, j) => toCheck(source, `controls[${i}].checks[${j}]`, check)),
    };
  });
  return { framework: raw.framework, title: raw.title, version: raw.version, scope: raw.scope, controls };
}

/** The built-in control maps, by framework id. */
export const FRAMEWORKS: ReadonlyMap<string, ControlMap> = new Map(
  [soc2, hipaa, pciDss, gdpr].map((json) => {
    const map = parseControlMap(json, `frameworks/${json.framework}.json`);
    return [map.framework, map] as const;
  }),
);

/**
 * The control map `name` names: a built-in framework id, or the path of a control map file
 * (anything with a `/` or ending in `.json`).
 *
 * @example
 * ```ts
 * loadControlMap("pci-dss").controls.map((c) => c.id); // ["10.2.1.1", …]
 * loadControlMap("./controls/iso27001.json");
 * ```
 */
export function loadControlMap(name: string): ControlMap {
  if (name.includes("/") || name.endsWith(".json")) {
    let text: string;
    try {
      text = readFileSync(name, "utf8");
    } catch (e) {
      throw new SealtrailError(
        "ST_ERR_CONFIG_INVALID",
        `--framework: cannot read ${name}: ${fileProblem(e)}; expected a control map (JSON) or a built-in framework`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw invalid(name, "", `expected JSON (${(e as Error).message})`);
    }
    return parseControlMap(value, name);
  }
  const map = FRAMEWORKS.get(name);
  if (!map) {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `--framework: expected one of ${[...FRAMEWORKS.keys()].join(", ")} or the path of a control map (.json), got "${name}"`,
    );
  }
  return map;
}
