import type { JsonSchema } from "../wire/json-schema.js";
import { PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA } from "../wire/problem.js";

/**
 * A route's `response` schemas, from the wire definitions: its answers by status, and an RFC
 * 9457 problem for every error. They document the route in the OpenAPI document; answers are
 * serialized as they are ({@link serializeAsIs}), so a schema never drops or reshapes a field.
 *
 * @example
 * ```ts
 * app.get("/v1/stats", { schema: { response: responses({ 200: STATS_SCHEMA }) } }, handler);
 * ```
 */
export function responses(answers: Readonly<Record<number, JsonSchema>>): Record<string, unknown> {
  const problem = {
    description: "An RFC 9457 problem (code, detail)",
    content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_SCHEMA } },
  };
  return { ...answers, "4xx": problem, "5xx": problem };
}

/**
 * The serializer compiler of the server: `JSON.stringify`, whatever the response schema. The
 * schemas describe the answers (and a test checks the answers against them); they are not a
 * filter between the handler and the client.
 *
 * @example
 * ```ts
 * app.setSerializerCompiler(serializeAsIs);
 * ```
 */
export function serializeAsIs(): (data: unknown) => string {
  return (data) => JSON.stringify(data);
}
