import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { SealtrailError } from "../errors.js";
import type { ApiKeyRow, ApiKeyTable } from "./api-key-table.js";
import { isRole, type Role } from "./roles.js";

/**
 * The API keys of a store, kept by its storage in an {@link ApiKeyTable} apart from the events:
 * keys are mutable configuration (revocation), the event store is append-only. A key is shown
 * once, when it is created; only a salted scrypt hash of its secret is kept.
 */

/** A key as listed: never its secret. */
export interface ApiKeyRecord {
  /** Public key id: the part of the key between `stk_` and the secret. */
  readonly id: string;
  readonly role: Role;
  /** The tenant the key is bound to, if any. */
  readonly tenant: string | null;
  readonly name: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** What {@link ApiKeyStore.create} takes. */
export interface NewApiKey {
  readonly role: Role;
  readonly tenant?: string | undefined;
  readonly name?: string | undefined;
}

/** The prefix of every key; it makes leaked keys easy to find with secret scanners. */
export const API_KEY_PREFIX = "stk_";
/** Longest tenant a key can be bound to: the longest an event's `tenant` may be. */
const MAX_TENANT_LENGTH = 128;
const KEY_PATTERN = /^stk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/**
 * scrypt cost: about 50 ms and 32 MiB per check. A valid key pays it once per process (then a
 * SHA-256 of it is compared); every wrong secret pays it again, which is why the server limits
 * failed authentications per client address before checking.
 */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keyLength: 32, maxmem: 64 * 1024 * 1024 } as const;

type KeyRow = ApiKeyRow;

function toRecord(row: KeyRow): ApiKeyRecord {
  if (!isRole(row.role))
    throw new SealtrailError("ST_ERR_STORE_CORRUPT", `API key ${row.id} has role "${row.role}"`);
  return {
    id: row.id,
    role: row.role,
    tenant: row.tenant,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

function scryptHash(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      secret,
      salt,
      SCRYPT.keyLength,
      { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem },
      (e, k) => (e ? reject(e) : resolve(k)),
    ),
  );
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * The API keys of one home.
 *
 * @example
 * ```ts
 * const log = await AuditLog.open({ home: "./.sealtrail" });
 * const { key } = await log.apiKeys.create({ role: "reader", tenant: "acme", name: "dashboard" });
 * const record = await log.apiKeys.authenticate(key); // { role: "reader", tenant: "acme", … }
 * ```
 */
export class ApiKeyStore {
  readonly #table: ApiKeyTable;
  /** SHA-256 of keys whose scrypt hash was already checked by this process, by key id. */
  readonly #checked = new Map<string, Buffer>();

  /** The keys kept in `table` (a storage makes it: see `Storage.apiKeys`). */
  constructor(table: ApiKeyTable) {
    this.#table = table;
  }

  /** Creates a key; the returned `key` is the only time its secret exists outside the caller. */
  async create(request: NewApiKey): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!isRole(request.role)) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `role: expected writer, reader, auditor or admin, got "${String(request.role)}"`,
      );
    }
    for (const [field, value, max] of [
      ["tenant", request.tenant, MAX_TENANT_LENGTH],
      ["name", request.name, 256],
    ] as const) {
      if (value !== undefined && (typeof value !== "string" || value.length === 0 || value.length > max)) {
        throw new SealtrailError("ST_ERR_USAGE", `${field}: expected a string of 1 to ${max} characters`);
      }
    }
    if (request.role === "admin" && request.tenant !== undefined) {
      // An admin manages every key; bound to a tenant it could still mint itself an unbound one.
      throw new SealtrailError(
        "ST_ERR_USAGE",
        "tenant: admin keys manage every tenant's keys and cannot be bound to one",
      );
    }
    const id = randomBytes(8).toString("hex");
    const secret = randomBytes(32).toString("base64url");
    const salt = randomBytes(16);
    const hash = await scryptHash(secret, salt);
    const stored = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
    const row: KeyRow = {
      id,
      role: request.role,
      tenant: request.tenant ?? null,
      name: request.name ?? null,
      secret_hash: stored,
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    this.#table.insert(row);
    return { key: `${API_KEY_PREFIX}${id}_${secret}`, record: toRecord(row) };
  }

  /** Every key, revoked ones included, oldest first. */
  list(): ApiKeyRecord[] {
    return this.#table.all().map(toRecord);
  }

  /** The key with this id, if any. */
  get(id: string): ApiKeyRecord | undefined {
    const row = this.#table.byId(id);
    return row ? toRecord(row) : undefined;
  }

  /** Revokes a key at once (every later request with it gets 401); revoking twice is harmless. */
  revoke(id: string): ApiKeyRecord {
    const row = this.#table.byId(id);
    if (!row) throw new SealtrailError("ST_ERR_AUTH_KEY_UNKNOWN", `no API key with id "${id}"`);
    if (row.revoked_at === null) {
      this.#table.revoke(id, new Date().toISOString());
    }
    this.#checked.delete(id);
    return toRecord(this.#table.byId(id) as KeyRow);
  }

  /**
   * The record of a valid, unrevoked key, else `undefined`. Revocation is read from the file on
   * every call, so a key revoked by another process stops working at once; the slow hash is
   * checked once per key and process, then a SHA-256 of the key is compared in constant time.
   */
  async authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    const match = KEY_PATTERN.exec(key);
    if (!match) return undefined;
    const [, id, secret] = match as unknown as [string, string, string];
    const row = this.#table.byId(id);
    if (!row || row.revoked_at !== null) return undefined;
    const digest = sha256(key);
    const known = this.#checked.get(id);
    if (known && timingSafeEqual(known, digest)) return toRecord(row);
    const [scheme, n, r, p, salt, hash] = row.secret_hash.split("$");
    if (
      scheme !== "scrypt" ||
      !salt ||
      !hash ||
      Number(n) !== SCRYPT.N ||
      Number(r) !== SCRYPT.r ||
      Number(p) !== SCRYPT.p
    ) {
      throw new SealtrailError("ST_ERR_STORE_CORRUPT", `API key ${id} has an unreadable hash`);
    }
    const expected = Buffer.from(hash, "base64");
    const actual = await scryptHash(secret, Buffer.from(salt, "base64"));
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
    this.#checked.set(id, digest);
    return toRecord(row);
  }

  /** Closes the table. */
  close(): void {
    this.#table.close();
  }
}
