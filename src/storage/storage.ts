import type { ApiKeyTable } from "../access/api-key-table.js";
import type { NoteSigner } from "../ledger/signed-note.js";
import type { StorageDriver } from "./storage-driver.js";

/**
 * A storage: everything one store keeps, made by a {@link StorageFactory}. `AuditLog.open`
 * takes a factory as kysely takes a dialect, so the facade, the server and the CLI name no
 * engine: `sqliteStorage({ home })` (the default) and `memoryStorage()` are the two today.
 */

/** The signing key of a store, with its verifier key (`<name>+<hex id>+<base64 key>`). */
export type StoreSigner = NoteSigner & { readonly verifierKey: string };

/** One opened store. */
export interface Storage {
  /** The events, tiles, checkpoints, settings and follower positions. */
  readonly driver: StorageDriver;
  /** The API keys of `sealtrail serve`, kept apart from the append-only events. */
  readonly apiKeys: ApiKeyTable;
  /** Where the store lives, for people: a directory, or `memory`. */
  readonly location: string;
  /**
   * The signing key. It MUST NOT live in the database it protects; it is loaded on each call,
   * so a key given by the environment or rotated on disk is picked up.
   */
  signer(): StoreSigner;
  /** The public verifier key, readable without the signing key when the storage keeps it apart. */
  verifierKey(): string;
  /** Publishes the latest signed checkpoint outside the database (SQLite: `<home>/checkpoint`). */
  publishCheckpoint(note: string): void;
  /** Releases the driver and the key table. */
  close(): Promise<void>;
}

/** Options of {@link StorageFactory.open}. */
export interface StorageOpenOptions {
  /** Mostly reading: threads only writes need may start on the first write. */
  readonly readMostly?: boolean;
  /** A few writes, then close: writes may be done on the calling thread, with no thread started for them. */
  readonly fewWrites?: boolean;
}

/**
 * Makes a {@link Storage}. A factory names one store (a home directory, a memory area, later a
 * database URL); it can create the store and open it any number of times.
 *
 * Contract:
 * - `create` MUST refuse a location that already holds a store, and MUST record `origin` so that
 *   `open(…).driver.getMeta("origin")` returns it.
 * - `open` MUST NOT create a store; `initialized()` tells whether there is one.
 */
export interface StorageFactory {
  /** The storage engine's name (`sqlite`, `memory`), as the store's `audit_log.init` event records it. */
  readonly engine: string;
  /** Where the store lives, for people (a directory, `memory`). */
  readonly location: string;
  /** True when the location holds a store. */
  initialized(): boolean;
  /** Creates the store with a new signing key; returns its verifier key and where the signing key is kept. */
  create(origin: string): Promise<{ verifierKey: string; signingKey: string }>;
  /** Opens the store. */
  open(options?: StorageOpenOptions): Promise<Storage>;
}
