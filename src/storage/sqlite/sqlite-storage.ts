import { SealtrailError } from "../../errors.js";
import type { Storage, StorageFactory, StorageOpenOptions } from "../storage.js";
import { SqliteApiKeyTable } from "./sqlite-api-key-table.js";
import { SqliteDriver } from "./sqlite-driver.js";
import {
  createHome,
  homePaths,
  isInitialized,
  loadSigner,
  publishCheckpointFile,
  readVerifierKey,
} from "./sqlite-home.js";

/** Options of {@link sqliteStorage}. */
export interface SqliteStorageOptions {
  /** The home directory; else `$SEALTRAIL_HOME`, else `./.sealtrail`. */
  readonly home?: string | undefined;
}

/**
 * The embedded default: one home directory holding the SQLite store (`sealtrail.db`), the API
 * keys (`api-keys.db`), the signing key (`signing.key`, mode 0600, or `$SEALTRAIL_SIGNING_KEY`),
 * the verifier key and the latest checkpoint (see `sqlite-home.ts`).
 *
 * @example
 * ```ts
 * const log = await AuditLog.open({ storage: sqliteStorage({ home: "/var/lib/sealtrail" }) });
 * ```
 */
export function sqliteStorage(options: SqliteStorageOptions = {}): StorageFactory {
  const paths = homePaths(options.home);
  return {
    engine: "sqlite",
    location: paths.home,
    initialized: () => isInitialized(paths),
    async create(origin) {
      const { verifierKey } = createHome(paths, origin);
      const driver = SqliteDriver.open(paths.database, { writerThread: false });
      try {
        await driver.setMeta("origin", origin);
      } finally {
        await driver.close();
      }
      return { verifierKey, signingKey: `${paths.signingKey} (mode 0600; keep it off backups of the store)` };
    },
    async open(openOptions: StorageOpenOptions = {}): Promise<Storage> {
      // A few writes commit on this connection: starting the writer and checkpoint threads would
      // take longer than the writes.
      const driver = SqliteDriver.open(
        paths.database,
        openOptions.fewWrites === true
          ? { writerThread: false }
          : { lazyWriter: openOptions.readMostly === true },
      );
      let apiKeys: SqliteApiKeyTable | undefined;
      let closed = false;
      return {
        driver,
        // Opened on first use: most commands never read a key.
        get apiKeys() {
          if (closed) throw new SealtrailError("ST_ERR_INGEST_CLOSED", "the store is closed");
          apiKeys ??= SqliteApiKeyTable.open(paths.apiKeys);
          return apiKeys;
        },
        location: paths.home,
        signer: () => loadSigner(paths),
        verifierKey: () => readVerifierKey(paths) ?? loadSigner(paths).verifierKey,
        publishCheckpoint: (note) => publishCheckpointFile(paths, note),
        async close() {
          closed = true;
          apiKeys?.close();
          await driver.close();
        },
      };
    },
  };
}
