export {
  type Checkpoint,
  parseCheckpointText,
  type SignedCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from "./checkpoint.js";
export { CompactRange, type CompletedNode } from "./compact-range.js";
export {
  consistencyProof,
  inclusionProof,
  type NodeSource,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from "./proofs.js";
export { EMPTY_ROOT, HASH_SIZE, isPowerOfTwo, leafHash, nodeHash, splitPoint } from "./rfc6962.js";
export {
  generateNoteKey,
  isValidKeyName,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from "./signed-note.js";
export {
  nodeFromTiles,
  TILE_HEIGHT,
  TILE_WIDTH,
  type Tile,
  type TileReader,
  TileTree,
  tileEntry,
  tilePath,
} from "./tiles.js";
