/**
 * The JSON Schema of the configuration file (`sealtrail.yaml`), published as
 * `docs/schema/config.json` by `npm run docs`. It is the one source of the file's shape: the
 * loader validates with it, fills in its `default`s, and the types in `sealtrail-config.ts` are
 * checked against it by the compiler (`config-schema.test.ts`).
 *
 * Each setting's description ends by saying whether `sealtrail serve` applies a change on SIGHUP
 * ("Reload: live") or only at its next start ("Reload: restart"); {@link RELOAD} says the same
 * for the code, and a test keeps the two in step.
 */

import { ALERTING_SCHEMA } from "./alerting-schema.js";
import { LOG_LEVELS, STORAGE_DRIVERS } from "./config-file.js";

/** How a changed setting reaches a running `sealtrail serve`. */
export type ReloadKind = "live" | "restart";

/**
 * Every setting of the file by its dotted path, with how a change to it is applied: `live` on
 * SIGHUP, or at `restart` (anything that needs a new socket, a new store or a new timer).
 */
export const RELOAD: Readonly<Record<string, ReloadKind>> = Object.freeze({
  "server.host": "restart",
  "server.port": "restart",
  "server.trust_proxy": "restart",
  "server.rate_limit": "live",
  "server.log_level": "live",
  "server.checkpoint_interval_ms": "restart",
  "server.limits.json_body_bytes": "restart",
  "server.limits.json_batch_events": "live",
  "server.limits.ndjson_lines": "live",
  "storage.driver": "restart",
  "alerting.rules": "live",
  "alerting.channels": "live",
  "alerting.sigma": "live",
  "alerting.sigma_fields": "live",
  "alerting.sigma_channels": "live",
  "alerting.sigma_cooldown": "live",
  "alerting.lateness": "live",
  "alerting.start_at": "restart",
  "alerting.give_up_after": "live",
  "alerting.delivery_timeout": "live",
  "alerting.schedules": "live",
});

const LIVE = "Reload: live (a SIGHUP applies a change at once).";
const RESTART = "Reload: restart (a change takes effect when sealtrail serve starts again).";

/** A section a later version defines: only an empty mapping is accepted for now. */
function reserved(name: string, what: string) {
  return {
    type: "object",
    title: `an empty mapping (a later version defines ${name})`,
    description: `${what} A later version of Sealtrail defines its settings; until then only an empty mapping ({}) is accepted, so that a setting written too early is an error rather than silently ignored.`,
    additionalProperties: false,
    properties: {},
    default: {},
  } as const;
}

export { LOG_LEVELS, STORAGE_DRIVERS };

/** The JSON Schema (draft 2020-12) of the configuration file, without its `$schema` header. */
export const CONFIG_SCHEMA = {
  type: "object",
  title: "a mapping of sections (server, storage, alerting, streams, privacy, retention)",
  additionalProperties: false,
  properties: {
    $schema: { type: "string", title: "the URL or path of this JSON Schema" },
    server: {
      type: "object",
      title: "a mapping of server settings",
      description:
        "`sealtrail serve`: where it listens and the limits it applies. Command-line flags (--host, --port, --rate-limit, --trust-proxy, --log-level) override these.",
      additionalProperties: false,
      default: {},
      properties: {
        host: {
          type: "string",
          minLength: 1,
          pattern: "^[^\\s/]+$",
          title: "a host name or IP address",
          description: `Address to listen on (--host). ${RESTART}`,
          default: "127.0.0.1",
        },
        port: {
          type: "integer",
          minimum: 1,
          maximum: 65_535,
          description: `TCP port to listen on (--port; the flag also takes 0, any free port). ${RESTART}`,
          default: 7469,
        },
        trust_proxy: {
          type: "array",
          title: "a list of addresses or CIDR ranges",
          items: { type: "string", minLength: 1, pattern: "^[^\\s,]+$", title: "an address or CIDR range" },
          description: `Reverse proxies whose X-Forwarded-For is believed (--trust-proxy); empty: none. ${RESTART}`,
          default: [],
        },
        rate_limit: {
          type: "integer",
          minimum: 0,
          maximum: 100_000_000,
          description: `Requests per minute per API key, or per client address before authentication; 0: no limit (--rate-limit). ${LIVE}`,
          default: 60_000,
        },
        log_level: {
          type: "string",
          enum: [...LOG_LEVELS],
          description: `Level of the request log on stderr (--log-level). ${LIVE}`,
          default: "warn",
        },
        checkpoint_interval_ms: {
          type: "integer",
          minimum: 0,
          maximum: 86_400_000,
          description: `Sign a checkpoint this often (milliseconds) while events arrive; 0: only on demand and at close. ${RESTART}`,
          default: 1000,
        },
        limits: {
          type: "object",
          title: "a mapping of request limits",
          description: "Limits on what one request may hold.",
          additionalProperties: false,
          default: {},
          properties: {
            json_body_bytes: {
              type: "integer",
              minimum: 1024,
              maximum: 1_073_741_824,
              description: `Largest application/json body, in bytes. ${RESTART}`,
              default: 4_194_304,
            },
            json_batch_events: {
              type: "integer",
              minimum: 1,
              maximum: 10_000_000,
              description: `Most events in one JSON array. ${LIVE}`,
              default: 10_000,
            },
            ndjson_lines: {
              type: "integer",
              minimum: 1,
              maximum: 100_000_000,
              description: `Most non-blank lines in one NDJSON body. ${LIVE}`,
              default: 100_000,
            },
          },
        },
      },
    },
    storage: {
      type: "object",
      title: "a mapping of storage settings",
      description: "Where the store keeps its events.",
      additionalProperties: false,
      default: {},
      properties: {
        driver: {
          type: "string",
          enum: [...STORAGE_DRIVERS],
          description: `sqlite: the SQLite file in the home (sealtrail.db); memory: nothing on disk, everything is lost at exit (tests, demos). ${RESTART}`,
          default: "sqlite",
        },
      },
    },
    alerting: ALERTING_SCHEMA,
    streams: reserved("streams", "Where committed events are forwarded (webhooks, syslog, SIEMs, files)."),
    privacy: reserved("privacy", "Which fields hold personal data, and how they are pseudonymized."),
    retention: reserved("retention", "How long events are kept online and in archives."),
  },
} as const;

/** The configuration's sections, in the order the schema lists them. */
export const CONFIG_SECTIONS: readonly string[] = Object.keys(CONFIG_SCHEMA.properties).filter(
  (key) => key !== "$schema",
);
