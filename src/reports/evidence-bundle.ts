/**
 * Evidence bundles: a report together with everything needed to check, offline and without
 * Sealtrail, that the events it cites are in the log. A bundle is a gzipped tar archive of
 *
 * - `report.<ext>`: the rendered report, byte for byte;
 * - `report.json`: the report model (so the cited seqs are machine-readable);
 * - `events.ndjson`: each cited event exactly as stored and hashed (canonical JSON), in seq order;
 * - `proofs.ndjson`: one RFC 9162 inclusion proof per event, against the report's checkpoint;
 * - `checkpoint`: the C2SP signed note the report was computed from;
 * - `verifier.key`: the log's verifier key;
 * - `README.md`: how to verify it by hand and with standard tools;
 * - `manifest.json`: the SHA-256 of every other file.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { pack } from "tar-stream";
import { SealtrailError } from "../errors.js";
import type { StoredEvent } from "../read-model/stored-event.js";
import type { BundleSource } from "./bundle-source.js";
import type { Report } from "./report-model.js";
import type { ReportRenderer } from "./report-renderer.js";

/** The bundle format's name and version, in `manifest.json`. */
export const BUNDLE_FORMAT = "sealtrail-evidence-bundle/1";

/** The most events a bundle carries; the rest are left out and the manifest says how many. */
export const MAX_BUNDLE_EVENTS = 10_000;

/** Options of {@link writeEvidenceBundle}. */
export interface EvidenceBundleOptions {
  /** What the bundle is read from (the `AuditLog` itself will do). */
  readonly log: BundleSource;
  readonly report: Report;
  /** The rendered report, exactly as delivered. */
  readonly rendered: Buffer;
  /** The rendered report's file extension, without the dot (`md`, `pdf`). */
  readonly extension: string;
  /** The bundle file to write (`.tar.gz`), or a stream already open on it (ended when written). */
  readonly out: string | Writable;
  /** At most this many events (default {@link MAX_BUNDLE_EVENTS}). */
  readonly maxEvents?: number;
}

/** The contents of `manifest.json`. */
export interface BundleManifest {
  readonly format: string;
  /** The report file's name (`report.md`). */
  readonly report: string;
  readonly checkpoint: { readonly origin: string; readonly treeSize: number; readonly rootHash: string };
  /** Cited seqs in the report. */
  readonly cited: number;
  /** Events in `events.ndjson`. */
  readonly events: number;
  /** Cited seqs left out: beyond the bound, or not in the checkpoint's tree. */
  readonly omitted: number;
  /** Lower-case hex SHA-256 of every other file, by name. */
  readonly files: Readonly<Record<string, string>>;
}

/** What {@link writeEvidenceBundle} wrote. */
export interface EvidenceBundleSummary {
  /** The file written, when a path was given. */
  readonly out: string | undefined;
  readonly cited: number;
  readonly events: number;
  readonly omitted: number;
  readonly files: readonly string[];
}

/**
 * Every seq the report cites, ascending and without repeats: each finding's `evidenceSeqs`,
 * and the `seq` column of every table.
 */
export function citedSeqs(report: Report): number[] {
  const seqs = new Set<number>();
  const add = (value: unknown) => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) seqs.add(value);
  };
  for (const section of report.sections) {
    for (const block of section.blocks) {
      if (block.kind === "findings") {
        for (const finding of block.findings) for (const seq of finding.evidenceSeqs ?? []) add(seq);
      } else if (block.kind === "table" && block.columns.some((c) => c.key === "seq")) {
        for (const row of block.rows) add(row.seq);
      }
    }
  }
  return [...seqs].sort((a, b) => a - b);
}

const sha256Hex = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Runs of consecutive seqs: [first, count]. */
function runs(seqs: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const seq of seqs) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === seq && last[1] < 1000) last[1] += 1;
    else out.push([seq, 1]);
  }
  return out;
}

/**
 * Renders a report into a Buffer (the bytes a bundle carries as `report.<ext>`).
 *
 * @example
 * ```ts
 * const rendered = await renderToBuffer(renderer, report);
 * ```
 */
export async function renderToBuffer(renderer: ReportRenderer, report: Report): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, encoding, callback) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk, encoding) : Buffer.from(chunk));
      callback();
    },
  });
  await renderer.render(report, sink);
  return Buffer.concat(chunks);
}

/** The bundle's README: how to check it offline. */
function readme(manifest: Omit<BundleManifest, "files">): string {
  const { origin, treeSize, rootHash } = manifest.checkpoint;
  return `# Sealtrail evidence bundle

This archive holds a report (\`${manifest.report}\`) and the evidence behind it: the events it
cites, exactly as the log stored and hashed them, and a proof that each one is in the log at the
signed checkpoint the report was computed from.

- Log: \`${origin}\`
- Checkpoint tree size: ${treeSize}
- Checkpoint root hash (base64): \`${rootHash}\`
- Cited events: ${manifest.cited}; in this bundle: ${manifest.events}; left out: ${manifest.omitted}${
    manifest.omitted > 0
      ? " (beyond the bundle's bound, or not in the checkpoint's tree: those are not proven here)"
      : ""
  }

## Files

| File | What it is |
| --- | --- |
| \`${manifest.report}\` | The report as delivered. |
| \`report.json\` | The report model; \`provenance.checkpoint\` names the checkpoint, findings' \`evidenceSeqs\` and tables' \`seq\` column the cited events. |
| \`events.ndjson\` | One cited event per line, exactly as hashed (RFC 8785 canonical JSON, UTF-8), in \`seq\` order. |
| \`proofs.ndjson\` | One inclusion proof per line: \`{"seq", "index", "tree_size", "leaf_hash", "proof"}\` (hashes in standard base64). |
| \`checkpoint\` | The C2SP \`tlog-checkpoint\` signed note: origin, tree size, root hash, Ed25519 signature. |
| \`verifier.key\` | The log's C2SP verifier key \`<name>+<key id>+<base64 key>\`. |
| \`manifest.json\` | The SHA-256 of every other file. |

## Verify with Sealtrail

    sealtrail verify-bundle THIS_FILE --key VERIFIER_KEY

Pass the verifier key you got from the log's operator through a channel you trust. Without
\`--key\` the key inside the bundle is used: that proves the bundle is consistent, not that it
comes from the log you think it does (anyone can sign a checkpoint with a key of their own).

## Verify by hand (no Sealtrail needed)

1. **Files.** \`sha256sum\` each file and compare with \`manifest.json\`.
2. **Checkpoint signature.** The \`checkpoint\` file is a signed note (C2SP \`signed-note\`): its
   text is everything before the blank line (it ends with a newline); each signature line
   after it is \`— <key name> <base64(4-byte key id ‖ 64-byte Ed25519 signature)>\`.
   Check the Ed25519 signature of the text with the public key from a verifier key you trust
   (\`base64(0x01 ‖ 32-byte public key)\`, the key id being the first 4 bytes of
   SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)). Go's \`golang.org/x/mod/sumdb/note\`
   (\`note.NewVerifier\` + \`note.Open\`) does exactly this.
3. **Checkpoint content.** The note text is \`<origin>\\n<tree size>\\n<base64 root hash>\\n\`; it
   must equal \`report.json\`'s \`provenance.checkpoint\` (\`origin\`, \`treeSize\`, \`rootHash\`).
4. **Leaf hashes.** For each line of \`events.ndjson\` (without its final newline), the leaf
   hash is SHA-256(0x00 ‖ line bytes) (RFC 6962 §2.1), for example
   \`printf '\\0%s' "$LINE" | sha256sum\`. It must equal that event's \`leaf_hash\` in
   \`proofs.ndjson\`, whose \`index\` is the event's \`seq\`.
5. **Inclusion.** Check each proof as RFC 9162 §2.1.3.2 describes, with interior nodes hashed as
   SHA-256(0x01 ‖ left ‖ right): from the leaf hash at \`index\` in a tree of \`tree_size\`
   leaves (the checkpoint's size), the proof must lead to the checkpoint's root hash. Go's
   \`golang.org/x/mod/sumdb/tlog\` \`CheckRecord\` does exactly this.
6. **Coverage.** Every seq the report cites must have its event (and its proof) in the bundle.

Any edit to an event, a proof, the checkpoint or the report's provenance makes one of these
checks fail.
`;
}

/**
 * Writes an evidence bundle (a `.tar.gz`) for a report: the rendered report, the model, each
 * cited event with its inclusion proof against the report's checkpoint, the checkpoint, the
 * verifier key, a README and a manifest.
 *
 * @example
 * ```ts
 * const report = await activitySummary(log, scope, "weekly");
 * await writeEvidenceBundle({ log, report, rendered: Buffer.from(renderJson(report)), extension: "json", out: "evidence.tar.gz" });
 * ```
 */
export async function writeEvidenceBundle(options: EvidenceBundleOptions): Promise<EvidenceBundleSummary> {
  const { log, report, rendered, out } = options;
  if (!/^[A-Za-z0-9]{1,10}$/.test(options.extension)) {
    throw new SealtrailError(
      "ST_ERR_USAGE",
      `extension: expected letters and digits, got "${options.extension}"`,
    );
  }
  // report.json is the model; a JSON rendering goes beside it under a name of its own.
  const extension = options.extension.toLowerCase();
  const reportName = extension === "json" ? "report.rendered.json" : `report.${extension}`;
  const { checkpoint } = report.provenance;
  const limit = options.maxEvents ?? MAX_BUNDLE_EVENTS;
  const cited = citedSeqs(report);
  const provable = cited.filter((seq) => seq < checkpoint.treeSize).slice(0, limit);

  const events: StoredEvent[] = [];
  for (const [first, count] of runs(provable)) events.push(...(await log.readEntries(first, count)));
  const found = new Set(events.map((e) => e.seq));
  const missing = provable.filter((seq) => !found.has(seq));
  if (missing.length > 0) {
    throw new SealtrailError(
      "ST_ERR_STORE_CORRUPT",
      `events ${missing.slice(0, 10).join(", ")} cited by the report are missing from the store`,
    );
  }
  const proofs: string[] = [];
  for (const event of events) {
    const proof = await log.proveInclusion(event.seq, checkpoint.treeSize);
    proofs.push(JSON.stringify({ seq: event.seq, ...proof }));
  }

  const contents = new Map<string, Buffer>([
    [reportName, rendered],
    ["report.json", Buffer.from(`${JSON.stringify(report, null, 2)}\n`, "utf8")],
    ["events.ndjson", Buffer.from(events.map((e) => `${e.json}\n`).join(""), "utf8")],
    ["proofs.ndjson", Buffer.from(proofs.map((p) => `${p}\n`).join(""), "utf8")],
    ["checkpoint", Buffer.from(checkpoint.note, "utf8")],
    ["verifier.key", Buffer.from(`${log.verifierKey().trim()}\n`, "utf8")],
  ]);
  const summary = {
    format: BUNDLE_FORMAT,
    report: reportName,
    checkpoint: { origin: checkpoint.origin, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash },
    cited: cited.length,
    events: events.length,
    omitted: cited.length - events.length,
  };
  contents.set("README.md", Buffer.from(readme(summary), "utf8"));
  const files: Record<string, string> = {};
  for (const [name, data] of contents) files[name] = sha256Hex(data);
  const manifest: BundleManifest = { ...summary, files };
  contents.set("manifest.json", Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8"));

  const mtime = new Date(report.provenance.generatedAt);
  const archive = pack();
  const order = [
    "README.md",
    "manifest.json",
    reportName,
    "report.json",
    "events.ndjson",
    "proofs.ndjson",
    "checkpoint",
    "verifier.key",
  ];
  const writing = pipeline(archive, createGzip(), typeof out === "string" ? createWriteStream(out) : out);
  for (const name of order) {
    const data = contents.get(name) as Buffer;
    await new Promise<void>((resolve, reject) => {
      archive.entry(
        { name, size: data.length, mode: 0o644, mtime: Number.isNaN(mtime.getTime()) ? new Date(0) : mtime },
        data,
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }
  archive.finalize();
  await writing;
  return {
    out: typeof out === "string" ? out : undefined,
    cited: cited.length,
    events: events.length,
    omitted: summary.omitted,
    files: order,
  };
}
