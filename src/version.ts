import { readFileSync } from "node:fs";

/** Sealtrail's version, read once from its `package.json` (`unknown` when it cannot be read). */

let version: string | undefined;

/**
 * The version of the installed Sealtrail, as its `package.json` states it.
 *
 * @example
 * ```ts
 * sealtrailVersion(); // "0.1.0"
 * ```
 */
export function sealtrailVersion(): string {
  if (version === undefined) {
    try {
      // dist/src/version.js → the package's root.
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
        version?: unknown;
      };
      version = typeof pkg.version === "string" ? pkg.version : "unknown";
    } catch {
      version = "unknown";
    }
  }
  return version;
}
