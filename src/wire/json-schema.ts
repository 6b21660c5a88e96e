import type { AuditEvent } from "../event/audit-event.js";

/**
 * The part of JSON Schema the wire definitions are written in, and {@link FromSchema}, which
 * turns such a schema (declared `as const`) into its TypeScript type. The server hands the
 * schemas to its routes (and so to the OpenAPI document); the client and the console use the
 * types made from them: one definition for both ends.
 */

/** A type a schema's `type` may name. */
export type JsonSchemaTypeName = "object" | "array" | "string" | "integer" | "number" | "boolean" | "null";

/**
 * A JSON Schema as the wire definitions write them: types, properties, `required`,
 * `additionalProperties`, `items`, `enum`, `const`, `anyOf`, and the annotations.
 *
 * @example
 * ```ts
 * const COUNT = {
 *   type: "object",
 *   properties: { key: { type: ["string", "null"] }, count: { type: "integer" } },
 *   required: ["key", "count"],
 *   additionalProperties: false,
 * } as const satisfies JsonSchema;
 * ```
 */
export interface JsonSchema {
  readonly type?: JsonSchemaTypeName | readonly JsonSchemaTypeName[];
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly (string | number | boolean | null)[];
  readonly const?: string | number | boolean | null;
  readonly anyOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
}

/**
 * Types too large to restate on the wire, named by a schema's `title`: a schema titled
 * `AuditEvent` stands for a stored event (its own JSON Schema is `docs/schema/audit-event.v1.json`).
 */
export interface WireNamedTypes {
  AuditEvent: AuditEvent;
}

/**
 * The TypeScript type of the values `S` accepts: objects with readonly properties (optional
 * unless `required`), mutable arrays, unions for `anyOf`, `enum` and type lists; an object with
 * `additionalProperties: true` also has an index signature of `unknown`.
 *
 * @example
 * ```ts
 * const RECEIPT = {
 *   type: "object",
 *   properties: { seq: { type: "integer" }, id: { type: "string" }, duplicate: { type: "boolean" } },
 *   required: ["seq", "id"],
 *   additionalProperties: false,
 * } as const;
 * type Receipt = FromSchema<typeof RECEIPT>; // { readonly seq: number; readonly id: string; readonly duplicate?: boolean }
 * ```
 */
export type FromSchema<S> = S extends { readonly title: infer T extends keyof WireNamedTypes }
  ? WireNamedTypes[T]
  : S extends { readonly anyOf: infer A extends readonly unknown[] }
    ? FromSchema<A[number]>
    : S extends { readonly const: infer C }
      ? C
      : S extends { readonly enum: infer E extends readonly unknown[] }
        ? E[number]
        : S extends { readonly type: infer T }
          ? FromTypeName<T extends readonly unknown[] ? T[number] : T, S>
          : unknown;

type FromTypeName<T, S> = T extends "string"
  ? string
  : T extends "integer" | "number"
    ? number
    : T extends "boolean"
      ? boolean
      : T extends "null"
        ? null
        : T extends "array"
          ? S extends { readonly items: infer I }
            ? FromSchema<I>[]
            : unknown[]
          : T extends "object"
            ? FromObject<S>
            : never;

type RequiredKeys<S> = S extends { readonly required: readonly (infer K)[] } ? K : never;

type Extra<S> = S extends { readonly additionalProperties: true }
  ? { readonly [key: string]: unknown }
  : S extends { readonly properties: object }
    ? unknown
    : { readonly [key: string]: unknown };

type FromObject<S> = Simplify<
  (S extends { readonly properties: infer P }
    ? { readonly [K in keyof P as K extends RequiredKeys<S> ? K : never]: FromSchema<P[K]> } & {
        readonly [K in keyof P as K extends RequiredKeys<S> ? never : K]?: FromSchema<P[K]>;
      }
    : unknown) &
    Extra<S>
>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
