import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { fileProblem } from "../../errors.js";
import { fileError } from "./sigma-rule-problem.js";

/**
 * The files a list of Sigma paths and globs names: a file as it is, a directory for every
 * `.yml`/`.yaml` file under it, a glob (`rules/**\/*.yml`) for the files it matches, relative
 * to a base directory. A path that does not exist, or a glob that matches nothing, is an error: a
 * rule set that quietly loads nothing watches nothing.
 */

/** A Sigma file to read. */
export interface SigmaFile {
  /** Its absolute path. */
  readonly path: string;
  /** How messages name it: relative to the base directory when inside it, else absolute. */
  readonly shown: string;
}

/** The file as messages name it. */
function shownPath(path: string, baseDir: string): string {
  const rel = relative(baseDir, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/**
 * Expands `patterns` against `baseDir`, in the order given (each glob's files sorted), each file
 * once.
 *
 * @example
 * ```ts
 * await sigmaFiles(["rules/*.yml", "extra/brute.yaml"], "/etc/sealtrail");
 * // [{ path: "/etc/sealtrail/rules/a.yml", shown: "rules/a.yml" }, …]
 * ```
 */
export async function sigmaFiles(patterns: readonly string[], baseDir: string): Promise<SigmaFile[]> {
  const { glob, isDynamicPattern } = await import("tinyglobby");
  const found: string[] = [];
  for (const pattern of patterns) {
    if (isDynamicPattern(pattern)) {
      const matches = await glob(pattern, {
        cwd: baseDir,
        absolute: true,
        onlyFiles: true,
        expandDirectories: false,
      });
      if (matches.length === 0) throw fileError(pattern, "no file matches this pattern");
      found.push(...matches.map((m) => resolve(m)).sort());
      continue;
    }
    const path = resolve(baseDir, pattern);
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      throw fileError(pattern, fileProblem(error), error);
    }
    if (!isDirectory) {
      found.push(path);
      continue;
    }
    const matches = await glob("**/*.{yml,yaml}", { cwd: path, absolute: true, onlyFiles: true });
    if (matches.length === 0) throw fileError(pattern, "a directory with no .yml or .yaml file in it");
    found.push(...matches.map((m) => resolve(m)).sort());
  }
  return [...new Set(found)].map((path) => ({ path, shown: shownPath(path, baseDir) }));
}
