import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { SealtrailError } from "../errors.js";
import type { EventLimits } from "./event-limits.js";
import { AUDIT_EVENT_SCHEMA } from "./event-schema.js";

/**
 * Validation of producer input: the published JSON Schema, the fields the log assigns, and the
 * bounds and key-material rule on free-form parts. Every error names the field path (`actor.id`,
 * `details.items[3].name`) and what was expected there.
 */

const require = createRequire(import.meta.url);
let compiledCheck: ValidateFunction | undefined;

/**
 * The schema's validator, generated at build time from {@link AUDIT_EVENT_SCHEMA}
 * (`scripts/build-validators.ts`) and loaded on first use: no schema is compiled at run time.
 */
function schemaCheck(): ValidateFunction {
  compiledCheck ??= require("./event-schema-check.cjs") as ValidateFunction;
  return compiledCheck;
}

/** Field names whose values are key material, wherever they appear. */
/**
 * Field names that hold key material: a whole name (`secret`, `privkey`), or a compound that
 * ends in a key term, optionally followed by an encoding (`gpg_private_key`,
 * `aws_secret_access_key`, `private_key_pem`, `signingKey`). Names where the term is followed by
 * anything else are references or metadata and stay allowed (`private_key_id`, `secret_name`).
 */
const KEY_MATERIAL_NAMES =
  /^(secret|privkey|passphrase|mnemonic)$|(^|[_-])(private[_-]?key|secret[_-]?(access[_-]?)?key|signing[_-]?key|client[_-]?secret|api[_-]?secret|key[_-]?material|seed[_-]?phrase)([_-](pem|der|bytes|b64|base64|hex|data|raw))?$/i;
/** The camelCase forms, case-sensitive so that `privateKeyId` (a reference) stays allowed. */
const KEY_MATERIAL_CAMEL =
  /(private|signing|secret)Key(Pem|Der|Bytes|Data|Material)?$|clientSecret$|secretAccessKey$/;

function isKeyMaterialName(name: string): boolean {
  return KEY_MATERIAL_NAMES.test(name) || KEY_MATERIAL_CAMEL.test(name);
}

/** A PEM block's first line. */
export const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*-----/;

function invalid(path: string, expected: string): SealtrailError {
  return new SealtrailError("ST_ERR_EVENT_INVALID", `${path}: ${expected}`, { details: { path } });
}

/** Raised for key material found at `path`. */
export function keyMaterialError(path: string, what: string): SealtrailError {
  return new SealtrailError(
    "ST_ERR_EVENT_KEY_MATERIAL",
    `${path}: ${what} is key material and is not accepted; record key metadata (key_id, algorithm, fingerprint) instead`,
    { details: { path } },
  );
}

/**
 * Checks `input` against schema v1 and the limits; throws a {@link SealtrailError} naming the
 * first offending field. Accepts nothing the log assigns itself (`seq`, `received_at`).
 *
 * @example
 * ```ts
 * validateEvent({ action: "user.login", outcome: "maybe" }, DEFAULT_EVENT_LIMITS);
 * // throws: outcome: expected one of success, failure, unknown
 * ```
 */
export function validateEvent(input: unknown, limits: EventLimits): void {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalid("(event)", "expected a JSON object");
  }
  const check = schemaCheck();
  if (!check(input)) throw schemaError(check.errors?.[0]);
  const event = input as unknown as Record<string, unknown>;
  for (const assigned of ["seq", "received_at"]) {
    if (event[assigned] !== undefined) throw invalid(assigned, "is assigned by the log and must not be sent");
  }
  if (event.context !== undefined) checkKeys(event.context as Record<string, unknown>, "context");
  for (const key of Object.keys(event)) {
    if (key !== "details") checkUnicode(event[key], key);
  }
  if (event.details !== undefined) checkFreeForm(event.details, "details", 2, limits);
}

/**
 * Lone surrogates have no UTF-8 form, so canonical JSON cannot hold them (I-JSON); `details`
 * is checked by {@link checkFreeForm}, the schema-shaped fields (at most two levels) here.
 */
function checkUnicode(value: unknown, path: string): void {
  if (typeof value === "string") {
    if (!value.isWellFormed()) throw invalid(path, "expected well-formed Unicode (found a lone surrogate)");
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const array = Array.isArray(value);
  for (const [key, item] of Object.entries(value)) {
    if (!key.isWellFormed()) throw invalid(path, "expected well-formed Unicode keys");
    checkUnicode(item, array ? `${path}[${key}]` : `${path}.${key}`);
  }
}

function checkKeys(object: Record<string, unknown>, path: string): void {
  for (const key of Object.keys(object)) {
    // Flags and counts (`has_private_key: true`) are about keys, not keys.
    const value = object[key];
    const canHoldKey = typeof value === "string" || (typeof value === "object" && value !== null);
    if (canHoldKey && isKeyMaterialName(key))
      throw keyMaterialError(`${path}.${key}`, `a field named "${key}"`);
  }
}

function checkFreeForm(value: unknown, path: string, depth: number, limits: EventLimits): void {
  switch (typeof value) {
    case "string":
      if (value.length > limits.maxStringLength) {
        throw invalid(path, `expected a string of at most ${limits.maxStringLength} characters`);
      }
      if (!value.isWellFormed()) throw invalid(path, "expected well-formed Unicode (found a lone surrogate)");
      if (PEM_BLOCK.test(value)) throw keyMaterialError(path, "a PEM block");
      return;
    case "number":
      if (!Number.isFinite(value)) throw invalid(path, "expected a finite number");
      return;
    case "boolean":
      return;
    case "object": {
      if (value === null) return;
      if (depth > limits.maxDepth)
        throw invalid(path, `expected nesting of at most ${limits.maxDepth} levels`);
      if (Array.isArray(value)) {
        if (value.length > limits.maxArrayLength) {
          throw invalid(path, `expected an array of at most ${limits.maxArrayLength} items`);
        }
        for (let i = 0; i < value.length; i++) checkFreeForm(value[i], `${path}[${i}]`, depth + 1, limits);
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw invalid(path, "expected a plain JSON object");
      const object = value as Record<string, unknown>;
      checkKeys(object, path);
      // A JWK with a private ("d") or symmetric ("k") member carries the key itself.
      if ("kty" in object && ("d" in object || "k" in object))
        throw keyMaterialError(path, "a private or secret JWK");
      for (const key of Object.keys(object)) {
        if (!key.isWellFormed()) throw invalid(path, "expected well-formed Unicode keys");
        const item = object[key];
        if (item !== undefined) checkFreeForm(item, `${path}.${key}`, depth + 1, limits);
      }
      return;
    }
    default:
      throw invalid(path, `expected a JSON value, found ${typeof value}`);
  }
}

function schemaError(error: ErrorObject | undefined): SealtrailError {
  if (!error) return invalid("(event)", "does not match schema v1");
  const path = jsonPointerToPath(error.instancePath);
  switch (error.keyword) {
    case "required":
      return invalid(join(path, String(error.params.missingProperty)), "is required");
    case "additionalProperties": {
      const name = String(error.params.additionalProperty);
      const field = join(path, name);
      if (isKeyMaterialName(name)) return keyMaterialError(field, `a field named "${name}"`);
      return invalid(
        field,
        path ? "unknown field" : "unknown top-level field (put free-form data in details)",
      );
    }
    default: {
      const title = subschemaTitle(error.schemaPath);
      return invalid(path || "(event)", title ? `expected ${title}` : String(error.message));
    }
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function jsonPointerToPath(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}

/** The `title` of the subschema that holds the failed keyword, e.g. `#/properties/id/pattern`. */
function subschemaTitle(schemaPath: string): string | undefined {
  let node: unknown = AUDIT_EVENT_SCHEMA;
  const parts = schemaPath.split("/").slice(1, -1);
  for (const part of parts) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  const title = (node as { title?: unknown } | undefined)?.title;
  return typeof title === "string" ? title : undefined;
}
