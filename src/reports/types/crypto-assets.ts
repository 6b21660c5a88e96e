import type { AuditEvent } from "../../event/audit-event.js";
import type { Condition } from "../../read-model/event-filter.js";
import type { ReportScope, ReportSource } from "../report-source.js";
import { SCAN_LIMIT, scanEvents, untilEnd } from "./event-scan.js";

/**
 * Which key or certificate an event is about, decided in one place for every crypto report
 * (crypto-compliance, certificate-expiry, key-usage), and the inventory of those assets in their
 * latest state.
 *
 * What makes a certificate: the event is in the `certificate` category (`certificate.*`,
 * `cert.*`, `tls.*` actions, or a category given as such) or carries a certificate serial; or,
 * without a key id, it carries a validity period (`not_before`/`not_after`). Anything else with a
 * key id or a fingerprint is about a key: a fingerprint alone (what the schema recommends
 * recording instead of key material) never makes a certificate.
 *
 * Who an asset is, strongest identifier first: a key by its `crypto.key_id`, then its
 * fingerprint; a certificate by its name (the id of a target that is the certificate), then its
 * serial, then its fingerprint. An event that carries a strong and a weak identifier links them,
 * so a key keeps its identity across rotations (same key id, new fingerprint), a certificate
 * across renewals (same name, new serial), and an event naming only a fingerprint is counted
 * under the key or certificate it belongs to. Keys and certificates never share an identity, even
 * with equal fingerprints; two key ids are never merged.
 */

/** What a crypto asset is. */
export type CryptoAssetKind = "key" | "certificate";

/** An identifier of a crypto asset, as an event carries it. */
export interface CryptoIdentifier {
  /** `key_id` and `fingerprint` for keys; `name`, `serial` and `fingerprint` for certificates. */
  readonly field: "key_id" | "name" | "serial" | "fingerprint";
  readonly value: string;
}

/**
 * What one event says about the asset it is about: its kind and its identifiers, strongest first
 * (never empty).
 */
export interface CryptoAssetIdentity {
  readonly kind: CryptoAssetKind;
  readonly identifiers: readonly [CryptoIdentifier, ...CryptoIdentifier[]];
}

/** The kind of asset `e` is about, if any (see the module's rules). */
function kindOf(e: AuditEvent): CryptoAssetKind | undefined {
  const c = e.crypto;
  if (e.category === "certificate" || c?.serial) return "certificate";
  if (c?.key_id) return "key";
  if (c?.not_before || c?.not_after) return "certificate";
  if (c?.fingerprint) return "key";
  return undefined;
}

/** The target's id when the target is the certificate itself (no type, or a certificate type). */
function certificateName(e: AuditEvent): string | undefined {
  const t = e.target;
  if (!t?.id) return undefined;
  return t.type === undefined || /cert/i.test(t.type) ? t.id : undefined;
}

/**
 * The one asset-identity function of the crypto reports: which key or certificate `event` is
 * about, or undefined when it is about none.
 *
 * @example
 * ```ts
 * cryptoAssetIdentity({ ...event, action: "key.rotate", crypto: { key_id: "k1", fingerprint: "SHA256:ab" } });
 * // { kind: "key", identifiers: [{ field: "key_id", value: "k1" }, { field: "fingerprint", value: "SHA256:ab" }] }
 * ```
 */
export function cryptoAssetIdentity(event: AuditEvent): CryptoAssetIdentity | undefined {
  const kind = kindOf(event);
  if (!kind) return undefined;
  const c = event.crypto;
  const candidates: (CryptoIdentifier | undefined)[] =
    kind === "key"
      ? [
          c?.key_id ? { field: "key_id", value: c.key_id } : undefined,
          c?.fingerprint ? { field: "fingerprint", value: c.fingerprint } : undefined,
        ]
      : [
          ((name) => (name ? { field: "name" as const, value: name } : undefined))(certificateName(event)),
          c?.serial ? { field: "serial", value: c.serial } : undefined,
          c?.fingerprint ? { field: "fingerprint", value: c.fingerprint } : undefined,
        ];
  const identifiers = candidates.filter((i): i is CryptoIdentifier => i !== undefined);
  const [first, ...rest] = identifiers;
  return first ? { kind, identifiers: [first, ...rest] } : undefined;
}

const refOf = (kind: CryptoAssetKind, id: CryptoIdentifier): string =>
  `${kind}\u0000${id.field}\u0000${id.value}`;

/**
 * Resolves identities to assets: learns, from events read newest first, which weaker identifier
 * belongs to which stronger one (the newest link wins), then names each identity's asset by the
 * strongest identifier its links lead to.
 *
 * @example
 * ```ts
 * const index = new CryptoAssetIndex();
 * for (const id of identities) index.learn(id); // newest first
 * index.resolve(identities[0]); // { kind: "key", field: "key_id", value: "k1" }
 * ```
 */
export class CryptoAssetIndex {
  private readonly owners = new Map<string, { kind: CryptoAssetKind; id: CryptoIdentifier }>();

  /** Links the identity's weaker identifiers to its strongest, unless a newer event linked them. */
  learn(identity: CryptoAssetIdentity): void {
    const [strongest, ...weaker] = identity.identifiers;
    for (const id of weaker) {
      const ref = refOf(identity.kind, id);
      if (!this.owners.has(ref)) this.owners.set(ref, { kind: identity.kind, id: strongest });
    }
  }

  /** The identifier that names the identity's asset. */
  resolve(identity: CryptoAssetIdentity): CryptoIdentifier {
    let id = identity.identifiers[0];
    // Links only ever point to a stronger field, so this ends.
    for (let owner = this.owners.get(refOf(identity.kind, id)); owner; ) {
      id = owner.id;
      owner = this.owners.get(refOf(identity.kind, id));
    }
    return id;
  }
}

/** A value of an asset's state with the seq of the event that gave it. */
export interface Sourced<T> {
  readonly value: T;
  readonly seq: number;
}

/** A key or certificate in its latest known state. */
export interface CryptoAsset {
  readonly kind: CryptoAssetKind;
  /** Its identity: the value of its strongest identifier. */
  readonly id: string;
  /** Which identifier that is. */
  readonly idField: CryptoIdentifier["field"];
  /** The newest event about its current state. */
  readonly latest: AuditEvent;
  /** Its current state was retired (`*.revoke`, `*.delete`, `*.destroy`). */
  readonly retired: boolean;
  readonly algorithm?: Sourced<string>;
  readonly keySize?: Sourced<number>;
  readonly notBefore?: Sourced<string>;
  readonly notAfter?: Sourced<string>;
  /** The current fingerprint (key material or certificate). */
  readonly fingerprint?: Sourced<string>;
  /** The current serial (certificates). */
  readonly serial?: Sourced<string>;
  /** The newest target name or id. */
  readonly subject?: string;
  /** Every event read about it, newest first, those about replaced material included (history). */
  readonly events: readonly AuditEvent[];
}

const RETIRING = /\.(revoke|revoked|delete|deleted|destroy|destroyed)$/i;

/** The material an event names: a serial or fingerprint, for telling a new key or certificate from an old. */
function materialOf(e: AuditEvent): string[] {
  return [
    e.crypto?.serial && `serial:${e.crypto.serial}`,
    e.crypto?.fingerprint && `fp:${e.crypto.fingerprint}`,
  ].filter((m): m is string => typeof m === "string" && m !== "");
}

interface MutableState {
  latest: AuditEvent;
  retired: boolean;
  material: Set<string>;
  algorithm?: Sourced<string>;
  keySize?: Sourced<number>;
  notBefore?: Sourced<string>;
  notAfter?: Sourced<string>;
  fingerprint?: Sourced<string>;
  serial?: Sourced<string>;
  subject?: string;
}

/**
 * Folds an asset's events, oldest first, into its latest state: an event naming material not seen
 * before (a new fingerprint or serial: a rotation, a renewal) starts a new state; one naming
 * material already replaced is history (it counts as use, it does not describe the asset now);
 * any other event updates the fields it carries. A retiring event retires the current state,
 * unless it names replaced material (an old key version destroyed).
 */
function latestState(eventsNewestFirst: readonly AuditEvent[]): MutableState {
  const seen = new Set<string>();
  let state: MutableState | undefined;
  for (let i = eventsNewestFirst.length - 1; i >= 0; i--) {
    const e = eventsNewestFirst[i] as AuditEvent;
    const material = materialOf(e);
    const current = state?.material ?? new Set<string>();
    const replaced = material.some((m) => seen.has(m) && !current.has(m));
    const fresh = material.some((m) => !seen.has(m));
    for (const m of material) seen.add(m);
    if (state && replaced && !fresh) continue;
    if (!state || fresh) {
      state = { latest: e, retired: false, material: new Set(material) };
    }
    state.latest = e;
    for (const m of material) state.material.add(m);
    state.retired = RETIRING.test(e.action);
    const c = e.crypto;
    if (c?.algorithm) state.algorithm = { value: c.algorithm, seq: e.seq };
    if (c?.key_size !== undefined) state.keySize = { value: c.key_size, seq: e.seq };
    if (c?.not_before) state.notBefore = { value: c.not_before, seq: e.seq };
    if (c?.not_after) state.notAfter = { value: c.not_after, seq: e.seq };
    if (c?.fingerprint) state.fingerprint = { value: c.fingerprint, seq: e.seq };
    if (c?.serial) state.serial = { value: c.serial, seq: e.seq };
    const subject = e.target?.name ?? e.target?.id;
    if (subject) state.subject = subject;
  }
  return state as MutableState;
}

/** The crypto inventory: every key and certificate before the period's end, in its latest state. */
export interface Inventory {
  readonly assets: readonly CryptoAsset[];
  /** Events read. */
  readonly scanned: number;
  /** A scan reached {@link SCAN_LIMIT}: older events were not read. */
  readonly truncated: boolean;
}

/** What the inventory reads: every event that can be about a key or a certificate. */
const CRYPTO_EVENTS: readonly Condition[] = [
  { field: "crypto.key_id", op: "prefix", value: "" },
  { field: "crypto.serial", op: "prefix", value: "" },
  { field: "crypto.fingerprint", op: "prefix", value: "" },
  { field: "crypto.not_after", op: "prefix", value: "" },
  { field: "crypto.not_before", op: "prefix", value: "" },
  { field: "category", op: "eq", value: "certificate" },
];

/**
 * Builds the crypto inventory from every event before the period's end that can be about a key
 * or a certificate (each kind of event read newest first, up to {@link SCAN_LIMIT}), grouped by
 * {@link cryptoAssetIdentity} and {@link CryptoAssetIndex}, each asset in its latest state.
 *
 * @example
 * ```ts
 * const { assets } = await cryptoInventory(log, scope);
 * assets.filter((a) => a.kind === "certificate" && !a.retired);
 * ```
 */
export async function cryptoInventory(source: ReportSource, scope: ReportScope): Promise<Inventory> {
  const scans = await Promise.all(CRYPTO_EVENTS.map((c) => scanEvents(source, untilEnd(scope, c))));
  const bySeq = new Map<number, AuditEvent>();
  for (const s of scans) for (const e of s.events) bySeq.set(e.seq, e);
  const events = [...bySeq.values()].sort((a, b) => b.seq - a.seq);
  const identified = events.flatMap((e) => {
    const identity = cryptoAssetIdentity(e);
    return identity ? [{ e, identity }] : [];
  });
  const index = new CryptoAssetIndex();
  for (const { identity } of identified) index.learn(identity);
  const grouped = new Map<string, { kind: CryptoAssetKind; id: CryptoIdentifier; events: AuditEvent[] }>();
  for (const { e, identity } of identified) {
    const id = index.resolve(identity);
    const ref = refOf(identity.kind, id);
    const group = grouped.get(ref) ?? { kind: identity.kind, id, events: [] };
    group.events.push(e);
    grouped.set(ref, group);
  }
  const assets = [...grouped.values()].map((g): CryptoAsset => {
    const { material: _, ...state } = latestState(g.events);
    return { kind: g.kind, id: g.id.value, idField: g.id.field, ...state, events: g.events };
  });
  assets.sort((a, b) =>
    a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  return { assets, scanned: events.length, truncated: scans.some((s) => s.truncated) };
}

/** {@link SCAN_LIMIT}, for the reports that state a truncated inventory. */
export { SCAN_LIMIT };
