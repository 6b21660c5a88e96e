import { userInfo } from "node:os";

/**
 * The local user, as the actor of changes made from the command line (`local:<name>`, with the
 * uid and the command in its name).
 *
 * @example
 * ```ts
 * localUser("sealtrail keys"); // { type: "user", id: "local:alice", name: "alice (uid 1000, sealtrail keys)" }
 * ```
 */
export function localUser(command: string) {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid still says who it was.
  }
  return {
    type: "user" as const,
    id: `local:${name}`,
    name: `${name} (uid ${process.getuid?.() ?? "?"}, ${command})`,
  };
}
