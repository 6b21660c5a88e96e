/**
 * The HTTP wire format of Sealtrail: the JSON of every request and answer, as JSON Schemas
 * (which the server's routes and its OpenAPI document use) and the TypeScript types made from
 * them (which the client and the console use). It loads nothing but these definitions.
 *
 * @example
 * ```ts
 * import type { BatchSummary, Problem } from "../wire/index.js";
 * ```
 */
export * from "./events.js";
export * from "./json-schema.js";
export * from "./keys.js";
export * from "./operations.js";
export * from "./performance.js";
export * from "./problem.js";
export * from "./proofs.js";
export * from "./reports.js";
