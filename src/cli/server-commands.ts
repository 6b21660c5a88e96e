import { type Command, InvalidArgumentError, Option } from "commander";
import type { ApiKeyRecord, ApiKeyStore } from "../access/api-key-store.js";
import { isRole, ROLES } from "../access/roles.js";
import type { AuditLog } from "../audit-log.js";
import { LOG_LEVELS } from "../config/config-schema.js";
import type { LoadConfigOptions } from "../config/load-config.js";
import type { LogLevel } from "../config/sealtrail-config.js";
import { SealtrailError } from "../errors.js";
import { configOption, loadConfigOrExit } from "./config-command.js";
import { localUser } from "./local-user.js";
import { colorsFor, paint, table } from "./output.js";

interface HomeOption {
  home?: string;
}

const homeOption = () =>
  new Option("--home <dir>", "store directory (default: $SEALTRAIL_HOME, else ./.sealtrail)");

function port(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65_535)
    throw new InvalidArgumentError(`--port: expected 0 to 65535, got "${text}"`);
  return n;
}

function count(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name}: expected an integer ≥ 0, got "${text}"`);
    return n;
  };
}

/** The library facade, loaded when a command runs (see `program.ts`). */
async function auditLog(): Promise<typeof AuditLog> {
  return (await import("../audit-log.js")).AuditLog;
}

/** Opens the keys of an initialized home, and the log to record each change in. */
async function withKeys<T>(
  options: HomeOption,
  fn: (keys: ApiKeyStore, log: AuditLog) => Promise<T>,
): Promise<T> {
  const log = await (await auditLog()).open({
    ...(options.home ? { home: options.home } : {}),
    create: false,
    checkpointIntervalMs: 0,
    fewWrites: true,
  });
  try {
    return await fn(log.apiKeys, log);
  } finally {
    await log.close();
  }
}

function describeKey(record: ApiKeyRecord): string[] {
  return [
    record.id,
    record.role,
    record.tenant ?? "",
    record.name ?? "",
    record.createdAt,
    record.revokedAt ?? "",
  ];
}

/** Adds `serve` and `keys create|list|revoke` to the `sealtrail` command. */
export function addServerCommands(program: Command): void {
  program
    .command("serve")
    .description(
      "serve the store over HTTP (API keys, live tail, proofs, C2SP tiles) until SIGTERM/SIGINT; SIGHUP reloads the configuration file",
    )
    .addOption(homeOption())
    .addOption(configOption())
    // No defaults here: a flag given overrides the file, and the file overrides the defaults.
    .addOption(
      new Option("--port <port>", "TCP port, 0: any free one (default: server.port, else 7469)").argParser(
        port,
      ),
    )
    .option("--host <host>", "address to listen on (default: server.host, else 127.0.0.1)")
    .addOption(
      new Option(
        "--rate-limit <n>",
        "requests per minute per API key, 0: no limit (default: server.rate_limit, else 60000)",
      ).argParser(count("--rate-limit")),
    )
    .option(
      "--trust-proxy <addresses>",
      "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed (default: server.trust_proxy)",
    )
    .addOption(
      new Option(
        "--log-level <level>",
        "request log level on stderr (default: server.log_level, else warn)",
      ).choices(LOG_LEVELS),
    )
    .action(
      async (
        options: HomeOption & {
          config?: string;
          port?: number;
          host?: string;
          rateLimit?: number;
          logLevel?: LogLevel;
          trustProxy?: string;
        },
      ) => {
        const trustProxy = options.trustProxy
          ?.split(",")
          .map((a) => a.trim())
          .filter((a) => a !== "");
        const configOptions: LoadConfigOptions = {
          ...(options.home ? { home: options.home } : {}),
          ...(options.config === undefined ? {} : { path: options.config }),
          overrides: {
            server: {
              port: options.port,
              host: options.host,
              rate_limit: options.rateLimit,
              log_level: options.logLevel,
              trust_proxy: trustProxy,
            },
          },
        };
        const config = await loadConfigOrExit(configOptions);
        if (config.storage.driver !== "sqlite") {
          throw new SealtrailError(
            "ST_ERR_CONFIG_INVALID",
            `${config.source.file}: storage.driver: expected sqlite (sealtrail serve keeps its store in the home), got "${config.storage.driver}"`,
          );
        }
        const { closeOnSignals, startServer } = await import("../server/serve.js");
        const { reloadOnHangup, serveOptionsFrom } = await import("../server/server-config.js");
        const server = await startServer({
          ...(options.home ? { home: options.home } : {}),
          ...serveOptionsFrom(config),
          logger: { level: config.server.log_level, stream: process.stderr },
          recordLifecycle: true,
        });
        process.stdout.write(
          `sealtrail listening on ${server.url}\nverifier key: ${server.log.verifierKey()}\n`,
        );
        const { loadConfig } = await import("../config/load-config.js");
        reloadOnHangup(server, config, () => loadConfig(configOptions));
        const code = await new Promise<number>((resolve) => closeOnSignals(server, resolve));
        if (code !== 0) throw new SealtrailError("ST_ERR_STORE_IO", "the server did not close cleanly");
        process.stderr.write("sealtrail: closed\n");
      },
    );

  const keys = program.command("keys").description("manage the API keys of `sealtrail serve`");

  keys
    .command("create")
    .description("create an API key; it is printed once and stored only as a slow hash")
    .addOption(homeOption())
    .addOption(new Option("--role <role>", "what the key may do").choices([...ROLES]).makeOptionMandatory())
    .option("--tenant <tenant>", "bind the key to one tenant")
    .option("--name <name>", "a name to recognise the key by")
    .option("--json", "print the key as JSON")
    .action(
      async (options: HomeOption & { role: string; tenant?: string; name?: string; json?: boolean }) => {
        if (!isRole(options.role))
          throw new SealtrailError("ST_ERR_USAGE", `--role: expected one of ${ROLES.join(", ")}`);
        const role = options.role;
        const { createRecordedKey } = await import("../access/key-changes.js");
        const { apiKeyJson } = await import("../wire/keys.js");
        await withKeys(options, async (store, log) => {
          const { key, record } = await createRecordedKey(
            store,
            log,
            { role, tenant: options.tenant, name: options.name },
            localUser("sealtrail keys"),
          );
          if (options.json) {
            process.stdout.write(`${JSON.stringify({ ...apiKeyJson(record), key })}\n`);
            return;
          }
          const c = colorsFor(process.stdout);
          process.stdout.write(
            `${paint(c, "green", "Created")} ${record.role} key ${record.id}${record.tenant ? ` for tenant ${record.tenant}` : ""}\n` +
              `${key}\n${paint(c, "yellow", "Shown once: store it now; only its hash is kept.")}\n`,
          );
        });
      },
    );

  keys
    .command("list")
    .description("list API keys (never their secrets)")
    .addOption(homeOption())
    .option("--json", "print JSON")
    .action(async (options: HomeOption & { json?: boolean }) => {
      const log = await (await auditLog()).open({
        ...(options.home ? { home: options.home } : {}),
        create: false,
        checkpointIntervalMs: 0,
        readMostly: true,
      });
      try {
        const { apiKeyJson } = await import("../wire/keys.js");
        const records = log.apiKeys.list();
        if (options.json) process.stdout.write(`${JSON.stringify({ keys: records.map(apiKeyJson) })}\n`);
        else
          process.stdout.write(
            `${table(["id", "role", "tenant", "name", "created", "revoked"], records.map(describeKey))}\n`,
          );
      } finally {
        await log.close();
      }
    });

  keys
    .command("revoke")
    .description("revoke an API key at once")
    .argument("<id>", "the key id (as listed)")
    .addOption(homeOption())
    .action(async (id: string, options: HomeOption) => {
      await withKeys(options, async (store, log) => {
        const record = store.revoke(id);
        const { recordKeyChange } = await import("../access/key-changes.js");
        await recordKeyChange(log, "revoke", record, localUser("sealtrail keys"));
        process.stdout.write(
          `revoked ${record.id} (${record.role}${record.tenant ? `, tenant ${record.tenant}` : ""})\n`,
        );
      });
    });
}
