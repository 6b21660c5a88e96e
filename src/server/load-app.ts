import type { AppOptions, SealtrailApp } from "./build-app.js";

/**
 * Builds the HTTP service over an open log, as `build-app.ts` does, loading it (fastify, the
 * routes, the metrics, the report pipeline) only when called: a program that imports the library
 * to append or query never loads the server.
 *
 * @example
 * ```ts
 * const { app } = await buildApp({ log, keys: log.apiKeys });
 * const res = await app.inject({ method: "GET", url: "/healthz" });
 * ```
 */
export async function buildApp(options: AppOptions): Promise<SealtrailApp> {
  const { buildApp: build } = await import("./build-app.js");
  return build(options);
}
