import { userInfo } from "node:os";
import type { Actor } from "../event/audit-event.js";

/**
 * The person running a command on this machine, as the actor of what the command records
 * (`sealtrail init`, key changes): `local:<login name>`, with the uid and the command in the name.
 *
 * @example
 * ```ts
 * localUser("sealtrail keys"); // { type: "user", id: "local:alice", name: "alice (uid 1000, sealtrail keys)" }
 * ```
 */
export function localUser(command: string): Actor & { type: "user"; id: string } {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid still says who it was.
  }
  return {
    type: "user",
    id: `local:${name}`,
    name: `${name} (uid ${process.getuid?.() ?? "?"}, ${command})`,
  };
}
