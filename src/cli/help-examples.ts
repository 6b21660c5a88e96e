import type { Command } from "commander";

/**
 * The examples each command's `--help` ends with. Every one runs as shown: the documentation
 * test runs them, in the working directory the README's commands leave (its store, and files such
 * as `events.ndjson`), command by command in the order of the command tree. `serve` and `watch`
 * have none: they run until stopped, and the README shows them.
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  init: ["sealtrail init --home ./audit --origin audit.example.com/prod"],
  append: [
    `sealtrail append '{"action":"user.login","actor":{"id":"alice"},"outcome":"success"}'`,
    `echo '{"action":"audit_log.review","actor":{"id":"alice","type":"user"}}' | sealtrail append`,
    `sealtrail append --json '{"action":"user.logout","actor":{"id":"alice"}}'`,
  ],
  ingest: ["sealtrail ingest events.ndjson", "cat events.ndjson | sealtrail ingest - --json"],
  query: [
    "sealtrail query actor.id=alice --since 7d",
    "sealtrail query 'action=user.*' outcome!=success 'duration_ms>=250' --format json",
  ],
  stats: [
    "sealtrail stats --since 24h",
    "sealtrail stats tenant=acme --json",
    "sealtrail stats --top 50 --json",
  ],
  errors: ["sealtrail errors --limit 5", "sealtrail errors source.tool=package-scanner --since 7d"],
  export: [
    "sealtrail export --out events-copy.ndjson",
    "sealtrail export --format csv --since 30d 'action=crm.*' > crm.csv",
  ],
  checkpoint: ["sealtrail checkpoint > audit.checkpoint"],
  pubkey: ["sealtrail pubkey"],
  "proof inclusion": ["sealtrail proof inclusion --seq 0", "sealtrail proof inclusion --seq 3 --size 10"],
  "proof consistency": [
    "sealtrail proof consistency --from 10",
    "sealtrail proof consistency --from 1 --to 10",
  ],
  verify: [
    "sealtrail verify",
    'sealtrail checkpoint > kept.checkpoint && sealtrail verify --trusted kept.checkpoint --key "$(sealtrail pubkey)"',
    "sealtrail verify --deep --json",
    "sealtrail integrity",
  ],
  performance: [
    "sealtrail performance",
    "sealtrail performance --since 7d --by source.tool",
    "sealtrail performance tenant=acme --by context.workflow --json",
  ],
  "keys create": [
    "sealtrail keys create --role writer --tenant acme --name crm-sync",
    "sealtrail keys create --role auditor --name quarterly-audit --json",
  ],
  "keys list": ["sealtrail keys list", "sealtrail keys list --json"],
  "keys revoke": [
    `sealtrail keys revoke "$(sealtrail keys list --json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).keys[0].id')"`,
  ],
  report: [
    "sealtrail report --list",
    "sealtrail report --type activity-weekly --format html --out weekly.html",
    "sealtrail report --type compliance --framework soc2 --format pdf --out soc2.pdf --bundle soc2-evidence.tar.gz",
  ],
  "verify-bundle": [`sealtrail verify-bundle soc2-evidence.tar.gz --key "$(sealtrail pubkey)"`],
  "config check": ["sealtrail config check", "sealtrail config check --print"],
  "alerts list": ["sealtrail alerts list --since 7d", "sealtrail alerts list --rule failed-logins --json"],
  "alerts verify": [
    "sealtrail alerts list --since 30d --json > alerts.json && sealtrail alerts verify alerts.json",
  ],
  "alerts backtest": ["sealtrail alerts backtest --config alerts.yaml --since 30d"],
  "alerts test": ["sealtrail alerts test ops-mail --config alerts.yaml --dry-run"],
  "alerts silence": ['sealtrail alerts silence failed-logins --for 2h --reason "maintenance window"'],
};

/** A command's path below the program: `proof inclusion`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Ends the help of each command of `program` that has examples with them, as `  $ sealtrail …`
 * lines under `Examples:`.
 *
 * @example
 * ```ts
 * addHelpExamples(program); // sealtrail append --help now ends with its examples
 * ```
 */
export function addHelpExamples(program: Command): void {
  const visit = (command: Command) => {
    const examples = HELP_EXAMPLES[commandPath(command)];
    if (examples) {
      command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}`);
    }
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
}
