/**
 * Helpers for tests of the HTTP server: a fresh temporary home with an open `AuditLog`,
 * `ApiKeyStore` and built app (optionally listening on a free local port), keys by role and
 * tenant, and one `close()` that ends everything and removes the home.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { ApiKeyStore } from "../src/access/api-key-store.js";
import type { Role } from "../src/access/roles.js";
import { AuditLog } from "../src/audit-log.js";
import { buildApp } from "../src/server/build-app.js";
import type { ServerLimits } from "../src/server/server-context.js";
import { openApiKeys } from "./support/api-keys.js";

/** An API key made for a test. */
export interface TestKey {
  /** The whole key (`stk_<id>_<secret>`). */
  readonly key: string;
  readonly id: string;
  readonly role: Role;
  readonly tenant: string | null;
  /** `{ authorization: "Bearer <key>" }`, ready to spread into request headers. */
  readonly headers: { readonly authorization: string };
}

/** A running test server over a temporary home. */
export interface TestServer {
  readonly home: string;
  readonly log: AuditLog;
  readonly keys: ApiKeyStore;
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:<port>` when started with `listen: true`, else `undefined`. */
  readonly url: string | undefined;
  /** Creates an API key with `role`, bound to `tenant` when given. */
  key(role: Role, tenant?: string): Promise<TestKey>;
  /** Closes the app, the keys and the log, and removes the home. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** Also listen on a free port of 127.0.0.1 (for fetch, streams, raw sockets). */
  readonly listen?: boolean;
  readonly limits?: Partial<ServerLimits>;
}

/**
 * Opens a new store in a temporary home and builds the server over it.
 *
 * @example
 * ```ts
 * const server = await startTestServer();
 * const reader = await server.key("reader", "acme");
 * const res = await server.app.inject({ method: "GET", url: "/v1/events", headers: reader.headers });
 * await server.close();
 * ```
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), "sealtrail-server-"));
  const log = await AuditLog.open({ home });
  const keys = openApiKeys(home);
  const built = await buildApp({ log, keys, ...(options.limits ? { limits: options.limits } : {}) });
  let url: string | undefined;
  if (options.listen) {
    await built.app.listen({ port: 0, host: "127.0.0.1" });
    const address = built.app.server.address();
    if (typeof address !== "object" || address === null) throw new Error("the server has no address");
    url = `http://127.0.0.1:${address.port}`;
  }
  let closed: Promise<void> | undefined;
  return {
    home,
    log,
    keys,
    app: built.app,
    url,
    async key(role, tenant) {
      const { key, record } = await keys.create({ role, ...(tenant === undefined ? {} : { tenant }) });
      return {
        key,
        id: record.id,
        role,
        tenant: record.tenant,
        headers: { authorization: `Bearer ${key}` },
      };
    },
    close() {
      closed ??= (async () => {
        try {
          await built.close();
        } finally {
          keys.close();
          await log.close();
          rmSync(home, { recursive: true, force: true });
        }
      })();
      return closed;
    },
  };
}
