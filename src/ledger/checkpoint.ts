import { SealtrailError } from "../errors.js";
import { HASH_SIZE } from "./rfc6962.js";
import { type NoteSigner, type NoteVerifier, openNote, signNote } from "./signed-note.js";

/**
 * C2SP tlog-checkpoint: the note text `<origin>\n<tree size>\n<base64 root hash>\n`, signed as
 * a C2SP signed-note.
 */

/** The content of a checkpoint. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
}

/** A checkpoint with its signed-note text. */
export interface SignedCheckpoint extends Checkpoint {
  readonly note: string;
}

/**
 * Signs a checkpoint of (`origin`, `size`, `root`).
 *
 * @example
 * ```ts
 * const cp = signCheckpoint({ origin: "audit.example/log", size: 8, root }, signer);
 * process.stdout.write(cp.note);
 * ```
 */
export function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): SignedCheckpoint {
  const body = `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.root.toString("base64")}\n`;
  return { ...checkpoint, note: signNote(body, signer) };
}

/**
 * Parses checkpoint note text (the part before the signatures): origin, decimal tree size (an
 * exact integer, so at most 2^53 − 1), standard-base64 32-byte root, each line ending in a
 * newline; extension lines may follow.
 *
 * @example
 * ```ts
 * parseCheckpointText("audit.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n").size; // 8
 * ```
 */
export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split("\n");
  const [origin, sizeText, rootText] = lines;
  const root = Buffer.from(rootText ?? "", "base64");
  const size = Number(sizeText);
  if (
    !origin ||
    lines.length < 4 ||
    !/^(0|[1-9]\d*)$/.test(sizeText ?? "") ||
    !Number.isSafeInteger(size) ||
    root.length !== HASH_SIZE ||
    root.toString("base64") !== rootText
  ) {
    throw new SealtrailError(
      "ST_ERR_LEDGER_NOTE",
      "checkpoint: expected <origin>, <tree size>, <base64 root hash> lines",
    );
  }
  return { origin, size, root };
}

/**
 * Verifies a signed checkpoint with `verifier` and returns its content.
 *
 * @example
 * ```ts
 * const { size, root } = verifyCheckpoint(noteText, parseVerifierKey(vkey));
 * ```
 */
export function verifyCheckpoint(note: string, verifier: NoteVerifier): SignedCheckpoint {
  return { ...parseCheckpointText(openNote(note, verifier)), note };
}
