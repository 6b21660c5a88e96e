import type { FromSchema, JsonSchema } from "./json-schema.js";

/** RFC 9162 proofs as JSON: hashes in standard base64. The checkpoint itself travels as its signed note (text). */

const HASHES = {
  type: "array",
  items: { type: "string", description: "A SHA-256 hash, standard base64" },
} as const satisfies JsonSchema;

/** `GET /v1/proofs/inclusion` (and `sealtrail proof inclusion`). */
export const INCLUSION_PROOF_SCHEMA = {
  type: "object",
  description: "RFC 9162 inclusion proof of the leaf at index in the tree of tree_size leaves",
  properties: {
    index: { type: "integer", minimum: 0 },
    tree_size: { type: "integer", minimum: 1 },
    leaf_hash: { type: "string", description: "SHA-256(0x00 ‖ the event's bytes), standard base64" },
    proof: HASHES,
  },
  required: ["index", "tree_size", "leaf_hash", "proof"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * An inclusion proof.
 *
 * @example
 * ```ts
 * const proof: InclusionProof = { index: 4, tree_size: 5, leaf_hash: "3q2+7w…", proof: ["…", "…"] };
 * ```
 */
export type InclusionProof = FromSchema<typeof INCLUSION_PROOF_SCHEMA>;

/** `GET /v1/proofs/consistency` (and `sealtrail proof consistency`). */
export const CONSISTENCY_PROOF_SCHEMA = {
  type: "object",
  description: "RFC 9162 consistency proof from tree size from_size to to_size",
  properties: {
    from_size: { type: "integer", minimum: 1 },
    to_size: { type: "integer", minimum: 1 },
    proof: HASHES,
  },
  required: ["from_size", "to_size", "proof"],
  additionalProperties: false,
} as const satisfies JsonSchema;

/**
 * A consistency proof.
 *
 * @example
 * ```ts
 * const proof: ConsistencyProof = { from_size: 100, to_size: 250, proof: ["…"] };
 * ```
 */
export type ConsistencyProof = FromSchema<typeof CONSISTENCY_PROOF_SCHEMA>;
