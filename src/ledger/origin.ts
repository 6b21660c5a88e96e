import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * A default origin (the log's name in checkpoints) unique to this log: `<host>/sealtrail/<random>`.
 *
 * @example
 * ```ts
 * defaultOrigin(); // "build-7/sealtrail/9f2c41aa"
 * ```
 */
export function defaultOrigin(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, "-") || "localhost";
  return `${host}/sealtrail/${randomBytes(4).toString("hex")}`;
}
