import { isIPv6 } from "node:net";

/**
 * The unit a client address is counted by for abuse limits: an IPv4 address as it is, an IPv6
 * address by its /64 prefix (one end site usually holds a whole /64, so counting single IPv6
 * addresses would let one client rotate through millions of budgets).
 *
 * @example
 * ```ts
 * clientSource("203.0.113.7"); // "203.0.113.7"
 * clientSource("2001:db8:1:2:aa::5"); // "2001:db8:1:2::/64"
 * ```
 */
export function clientSource(ip: string): string {
  if (ip.startsWith("::ffff:") && ip.includes(".")) return ip.slice(7);
  if (!isIPv6(ip)) return ip;
  const [head = "", tail = ""] = ip.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = ip.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, "").toLowerCase())
    .join(":")}::/64`;
}
