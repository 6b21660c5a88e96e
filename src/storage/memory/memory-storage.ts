import { SealtrailError } from "../../errors.js";
import { generateNoteKey, parseSignerKey } from "../../ledger/signed-note.js";
import type { Storage, StorageFactory, StoreSigner } from "../storage.js";
import { MemoryApiKeyTable } from "./memory-api-key-table.js";
import { MemoryDriver } from "./memory-driver.js";

/** Where a memory storage's checkpoints go, when someone wants to see them published. */
export interface MemoryStorageOptions {
  /** Called with each newly published checkpoint note. */
  readonly onPublish?: (note: string) => void;
}

/**
 * A store in process memory: events, tiles, checkpoints, API keys and the signing key live as
 * long as the factory does, so a log closed and opened again from the same factory finds them.
 * Nothing is durable beyond the process: for tests of the layers above storage, and for
 * short-lived logs.
 *
 * @example
 * ```ts
 * const storage = memoryStorage();
 * const log = await AuditLog.open({ storage, origin: "test.example/log" });
 * ```
 */
export function memoryStorage(options: MemoryStorageOptions = {}): StorageFactory {
  let state: { driver: MemoryDriver; apiKeys: MemoryApiKeyTable; signer: StoreSigner } | undefined;
  const signer = (): StoreSigner => {
    if (!state)
      throw new SealtrailError("ST_ERR_STORE_NOT_INITIALIZED", "the in-memory store was not created");
    return state.signer;
  };
  return {
    engine: "memory",
    location: "memory",
    initialized: () => state !== undefined,
    async create(origin) {
      if (state) throw new SealtrailError("ST_ERR_STORE_EXISTS", "the in-memory store already exists");
      const { signerKey, verifierKey } = generateNoteKey(origin);
      const driver = new MemoryDriver();
      await driver.setMeta("origin", origin);
      state = { driver, apiKeys: new MemoryApiKeyTable(), signer: parseSignerKey(signerKey) };
      return { verifierKey, signingKey: "in memory (lost when the process ends)" };
    },
    async open(): Promise<Storage> {
      if (!state)
        throw new SealtrailError("ST_ERR_STORE_NOT_INITIALIZED", "the in-memory store was not created");
      const { driver, apiKeys } = state;
      return {
        driver,
        apiKeys,
        location: "memory",
        signer,
        verifierKey: () => signer().verifierKey,
        publishCheckpoint: (note) => options.onPublish?.(note),
        // The store outlives the log: the factory keeps it for the next open.
        async close() {},
      };
    },
  };
}
