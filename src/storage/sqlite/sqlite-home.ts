import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SealtrailError } from "../../errors.js";
import {
  generateNoteKey,
  isValidKeyName,
  type NoteSigner,
  parseSignerKey,
} from "../../ledger/signed-note.js";

/**
 * The home directory of an embedded store:
 *
 * | file | holds |
 * | --- | --- |
 * | `sealtrail.db` | the SQLite store |
 * | `signing.key` | the Ed25519 signing key, mode 0600 (or `$SEALTRAIL_SIGNING_KEY`) |
 * | `verifier.key` | the public verifier key |
 * | `checkpoint` | the latest signed checkpoint, published outside the database |
 */

/** Environment variable naming the home directory. */
export const HOME_ENV = "SEALTRAIL_HOME";
/** Environment variable that may hold the signing key instead of the key file. */
export const SIGNING_KEY_ENV = "SEALTRAIL_SIGNING_KEY";

/** Paths of a home's files. */
export interface HomePaths {
  readonly home: string;
  readonly database: string;
  readonly signingKey: string;
  readonly verifierKey: string;
  readonly checkpoint: string;
  /** The API keys of `sealtrail serve` (their hashes only). */
  readonly apiKeys: string;
}

/**
 * Resolves the home: the given directory, else `$SEALTRAIL_HOME`, else `./.sealtrail`.
 *
 * @example
 * ```ts
 * homePaths().database; // "/current/dir/.sealtrail/sealtrail.db"
 * ```
 */
export function homePaths(home?: string): HomePaths {
  const dir = resolve(home ?? process.env[HOME_ENV] ?? ".sealtrail");
  return {
    home: dir,
    database: join(dir, "sealtrail.db"),
    signingKey: join(dir, "signing.key"),
    verifierKey: join(dir, "verifier.key"),
    checkpoint: join(dir, "checkpoint"),
    apiKeys: join(dir, "api-keys.db"),
  };
}

/** True when `paths` holds a store. */
export function isInitialized(paths: HomePaths): boolean {
  return existsSync(paths.database);
}

/**
 * Creates the home directory (an existing empty one is fine, or one holding only its
 * `sealtrail.yaml`) with a new signing key (mode 0600) and its verifier key. Refuses a directory
 * that already holds a store.
 */
export function createHome(paths: HomePaths, origin: string): { verifierKey: string } {
  if (!isValidKeyName(origin)) {
    throw new SealtrailError("ST_ERR_USAGE", `--origin "${origin}": expected a name without spaces or '+'`);
  }
  if (isInitialized(paths))
    throw new SealtrailError("ST_ERR_STORE_EXISTS", `${paths.home} already holds a store`);
  // The configuration file (config/load-config.ts) may be written before the store is created.
  if (
    existsSync(paths.home) &&
    readdirSync(paths.home).some((f) => f !== ".gitkeep" && f !== "sealtrail.yaml")
  ) {
    throw new SealtrailError("ST_ERR_STORE_EXISTS", `${paths.home} is not empty; choose an empty directory`);
  }
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const { signerKey, verifierKey } = generateNoteKey(origin);
  writeFileSync(paths.signingKey, `${signerKey}\n`, { mode: 0o600, flag: "wx" });
  writeFileSync(paths.verifierKey, `${verifierKey}\n`, { mode: 0o644, flag: "wx" });
  return { verifierKey };
}

/** Loads the signing key from `$SEALTRAIL_SIGNING_KEY` or the key file. */
export function loadSigner(paths: HomePaths): NoteSigner & { verifierKey: string } {
  const fromEnv = process.env[SIGNING_KEY_ENV];
  let text = fromEnv;
  if (text === undefined) {
    try {
      text = readFileSync(paths.signingKey, "utf8");
    } catch (cause) {
      throw new SealtrailError("ST_ERR_KEY_INVALID", `cannot read signing key ${paths.signingKey}`, {
        cause,
      });
    }
  }
  try {
    return parseSignerKey(text);
  } catch (cause) {
    const where = fromEnv === undefined ? paths.signingKey : `$${SIGNING_KEY_ENV}`;
    throw new SealtrailError("ST_ERR_KEY_INVALID", `${where}: ${(cause as Error).message}`, { cause });
  }
}

/** Reads the verifier key file, or `undefined` when absent. */
export function readVerifierKey(paths: HomePaths): string | undefined {
  return existsSync(paths.verifierKey) ? readFileSync(paths.verifierKey, "utf8").trim() : undefined;
}

/** Writes the latest checkpoint file atomically (write then rename). */
export function publishCheckpointFile(paths: HomePaths, note: string): void {
  const temp = `${paths.checkpoint}.tmp`;
  writeFileSync(temp, note);
  renameSync(temp, paths.checkpoint);
}
