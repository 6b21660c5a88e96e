import { type SignedCheckpoint, signCheckpoint } from "../ledger/checkpoint.js";
import type { NoteSigner } from "../ledger/signed-note.js";
import type { StorageDriver } from "../storage/storage-driver.js";

/**
 * Signs C2SP checkpoints of the committed tree, stores them, and hands each new one to
 * `publish` (a file outside the store, a webhook, a witness) so it can be held as trusted.
 *
 * @example
 * ```ts
 * const cp = await checkpointer.sign(appender.size, appender.root());
 * ```
 */
export class Checkpointer {
  readonly #driver: StorageDriver;
  readonly #signer: () => NoteSigner;
  readonly #origin: string;
  readonly #publish: (checkpoint: SignedCheckpoint) => Promise<void>;
  #latest: SignedCheckpoint | undefined;

  /** `signer` is called only when a checkpoint is actually signed, so readers need no key. */
  constructor(
    driver: StorageDriver,
    origin: string,
    signer: () => NoteSigner,
    publish: (checkpoint: SignedCheckpoint) => Promise<void> = async () => {},
  ) {
    this.#driver = driver;
    this.#origin = origin;
    this.#signer = signer;
    this.#publish = publish;
  }

  /** The newest stored checkpoint. */
  async latest(): Promise<SignedCheckpoint | undefined> {
    this.#latest ??= await this.#driver.latestCheckpoint();
    return this.#latest;
  }

  /** Returns a checkpoint of exactly (`size`, `root`), signing and publishing one if none exists yet. */
  async sign(size: number, root: Buffer): Promise<SignedCheckpoint> {
    const latest = await this.latest();
    if (latest && latest.size === size && latest.root.equals(root)) return latest;
    const checkpoint = signCheckpoint({ origin: this.#origin, size, root }, this.#signer());
    await this.#driver.putCheckpoint(checkpoint);
    await this.#publish(checkpoint);
    this.#latest = checkpoint;
    return checkpoint;
  }
}
