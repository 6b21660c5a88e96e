/**
 * Writes the generated reference documents: the published JSON Schemas in `docs/schema/` (audit
 * event, control map, configuration file) and `docs/errors.md` (the error registry).
 * `npm run docs`; tests fail when the committed files are out of step with the code.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ALERT_NOTICE_SCHEMA } from "../src/alerting/alert-notice-schema.js";
import { CONTROL_MAP_SCHEMA } from "../src/compliance/control-map.js";
import { CONFIG_SCHEMA } from "../src/config/config-schema.js";
import { ERROR_CODES } from "../src/errors.js";
import { AUDIT_EVENT_SCHEMA } from "../src/event/event-schema.js";

const root = resolve(import.meta.dirname, "../..");

/** The text of docs/schema/audit-event.v1.json. */
export function schemaDocument(): string {
  return `${JSON.stringify(AUDIT_EVENT_SCHEMA, null, 2)}\n`;
}

/** The text of docs/schema/control-map.json: the JSON Schema of a compliance control map. */
export function controlMapSchemaDocument(): string {
  return `${JSON.stringify(
    {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "Sealtrail compliance control map",
      description:
        "A framework's controls and the checks that gather their evidence; see README (Compliance evidence).",
      ...CONTROL_MAP_SCHEMA,
    },
    null,
    2,
  )}\n`;
}

/** The text of docs/schema/config.json: the JSON Schema of the configuration file (sealtrail.yaml). */
export function configSchemaDocument(): string {
  return `${JSON.stringify(
    {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      ...CONFIG_SCHEMA,
      title: "Sealtrail configuration (sealtrail.yaml)",
      description:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's own ${NAME} syntax, not a template.
        "One section per capability; every setting is optional and has a default. Text values may hold ${NAME} (an environment variable; $${ is a literal ${). Each setting's description says whether sealtrail serve applies a change on SIGHUP (live) or at restart. See README (Configuration).",
    },
    null,
    2,
  )}\n`;
}

/** The text of docs/schema/alert.v1.json: the JSON form of an alert (webhook body, alerts verify). */
export function alertSchemaDocument(): string {
  return `${JSON.stringify(
    {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      ...ALERT_NOTICE_SCHEMA,
      title: "Sealtrail alert notice (v1)",
      description:
        "An alert with its evidence: each event's RFC 6962 inclusion proof against the signed C2SP checkpoint it carries. See README (Alerts).",
    },
    null,
    2,
  )}\n`;
}

/** The text of docs/errors.md. */
export function errorsDocument(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, { status, description }]) => `| \`${code}\` | ${status} | ${description} |`,
  );
  return [
    "# Error codes",
    "",
    "Every error Sealtrail reports on purpose is a `SealtrailError` with one of these stable codes. The",
    "HTTP status is what the server answers with; the CLI exits 2 for usage errors and 1 otherwise.",
    "This file is generated from `src/errors.ts` by `npm run docs`.",
    "",
    "| code | HTTP status | meaning |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  mkdirSync(join(root, "docs/schema"), { recursive: true });
  writeFileSync(join(root, "docs/schema/audit-event.v1.json"), schemaDocument());
  writeFileSync(join(root, "docs/schema/control-map.json"), controlMapSchemaDocument());
  writeFileSync(join(root, "docs/schema/config.json"), configSchemaDocument());
  writeFileSync(join(root, "docs/schema/alert.v1.json"), alertSchemaDocument());
  writeFileSync(join(root, "docs/errors.md"), errorsDocument());
  process.stdout.write(
    "wrote docs/schema/audit-event.v1.json, docs/schema/control-map.json, docs/schema/config.json, docs/schema/alert.v1.json and docs/errors.md\n",
  );
}
