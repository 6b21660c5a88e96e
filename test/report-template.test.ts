/**
 * End to end: `sealtrail report --template` over a seeded store: each section counts only what
 * its own filter lets through (checked against the built-in report), the branding shows in
 * HTML, PDF and Markdown, and an HTML layout (from the template or --html-layout) is used.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Report, ReportSection, TableBlock } from "../src/reports/report-model.js";
import { cli, initStore, removeTempDirs, runCli, tempDir, writeNdjson } from "./cli-harness.js";

const HOUR = 3_600_000;
const now = Date.now();
const at = (ms: number) => new Date(ms).toISOString();
const POPPLER = spawnSync("pdftotext", ["-v"]).error === undefined;

const failedLogin = (id: string, type: string, hoursAgo: number, i: number) => ({
  action: "user.login",
  outcome: "failure",
  timestamp: at(now - hoursAgo * HOUR - i * 60_000),
  actor: { id, type, ip: type === "user" ? "203.0.113.5" : "198.51.100.9" },
});

const SEED = [
  ...Array.from({ length: 6 }, (_, i) => failedLogin("mallory", "user", 3, i)),
  ...Array.from({ length: 3 }, (_, i) => failedLogin("svc-build", "service", 5, i)),
  ...Array.from({ length: 2 }, (_, i) => failedLogin("bob", "user", 20, i)),
  {
    action: "user.login",
    outcome: "success",
    timestamp: at(now - 2 * HOUR),
    actor: { id: "alice", type: "user" },
  },
  {
    action: "access.document",
    outcome: "failure",
    timestamp: at(now - 4 * HOUR),
    actor: { id: "bob", type: "user" },
    target: { type: "document", id: "D-7" },
  },
];

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

const LAYOUT = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{title}}</title>{{style}}</head>
<body><p id="custom-layout">Example Corp internal</p>{{header}}<main>{{sections}}</main>{{footer}}</body></html>
`;

const TEMPLATE = `title: Weekly security review
description: Failed sign-ins, users apart from services.
period: 7d
branding:
  organisation: Example Corp Security
  color: "#0b5cad"
  logo: logo.png
  footer: Confidential — internal use only
html:
  css: extra.css
  layout: layout.html
sections:
  - kind: security-incidents.failed-logins
    title: Failed sign-ins (users)
    filter: ["actor.type=user"]
  - kind: security-incidents.failed-logins
  - kind: security-incidents.summary
    title: Overview (services)
    filter: ["actor.type=service"]
`;

let home = "";
let dir = "";

before(() => {
  home = tempDir();
  dir = tempDir("sealtrail-template-e2e-");
  initStore(home);
  const file = join(home, "seed.ndjson");
  writeNdjson(file, SEED);
  cli(["ingest", file, "--home", home]);
  writeFileSync(join(dir, "t.yaml"), TEMPLATE);
  writeFileSync(join(dir, "logo.png"), PNG);
  writeFileSync(join(dir, "extra.css"), "h1{letter-spacing:.02em}");
  writeFileSync(join(dir, "layout.html"), LAYOUT);
});
after(removeTempDirs);

function report(...args: string[]): Report {
  return JSON.parse(cli(["report", "--home", home, "--format", "json", ...args]).stdout) as Report;
}

function table(section: ReportSection | undefined, title: string): TableBlock {
  const block = section?.blocks.find((b) => b.kind === "table" && b.title === title);
  assert.ok(block?.kind === "table", `table ${title} in ${section?.title}`);
  return block;
}

/** A count table's rows as { key: events }. */
function counts(t: TableBlock): Record<string, unknown> {
  return Object.fromEntries(t.rows.map((r) => [r.key, r.events]));
}

function figure(section: ReportSection | undefined, label: string): unknown {
  for (const b of section?.blocks ?? []) {
    if (b.kind === "figures") {
      const f = b.figures.find((x) => x.label === label);
      if (f) return f.value;
    }
  }
  return assert.fail(`figure ${label} in ${section?.title}`);
}

describe("sealtrail report --template", () => {
  test("each section counts only what its filter lets through, against the built-in report", () => {
    const builtIn = report("--type", "security-incidents");
    const templated = report("--template", join(dir, "t.yaml"));
    const all = builtIn.sections.find((s) => s.id === "failed-logins");
    assert.deepStrictEqual(counts(table(all, "By actor")), { mallory: 6, "svc-build": 3, bob: 2 });

    assert.equal(templated.provenance.type, "template");
    assert.equal(templated.provenance.title, "Weekly security review");
    assert.deepStrictEqual(
      templated.sections.map((s) => [s.id, s.title]),
      [
        ["security-incidents.failed-logins", "Failed sign-ins (users) — filter: actor.type=user"],
        ["security-incidents.failed-logins-2", "Failed sign-ins"],
        ["security-incidents.summary", "Overview (services) — filter: actor.type=service"],
      ],
    );
    const [users, unfiltered, services] = templated.sections;
    assert.deepStrictEqual(counts(table(users, "By actor")), { mallory: 6, bob: 2 });
    assert.deepStrictEqual(counts(table(users, "By address")), { "203.0.113.5": 8 });
    // The same section without a filter is the built-in one.
    assert.deepStrictEqual(unfiltered?.blocks, all?.blocks);
    assert.equal(figure(builtIn.sections[0], "Failed sign-ins"), 11);
    assert.equal(figure(services, "Failed sign-ins"), 3);
    assert.deepStrictEqual(templated.branding?.organisation, "Example Corp Security");
    assert.deepStrictEqual(templated.branding?.logo?.base64, PNG.toString("base64"));
    // The template's period (7d) is the default: the same events as the built-in's 7d.
    const span =
      Date.parse(templated.provenance.period.until) - Date.parse(templated.provenance.period.since);
    assert.equal(span, 7 * 24 * HOUR);
  });

  test("--format html --out: the template's layout, CSS and branding", () => {
    const out = join(dir, "x.html");
    cli(["report", "--home", home, "--template", join(dir, "t.yaml"), "--format", "html", "--out", out]);
    const html = readFileSync(out, "utf8");
    assert.ok(
      html.includes('<p id="custom-layout">Example Corp internal</p><header class="card" data-provenance>'),
    );
    assert.ok(html.includes("<title>Weekly security review</title><style>"));
    assert.ok(html.includes("h1{letter-spacing:.02em}</style>"));
    assert.ok(html.includes(":root{--accent:#0b5cad}"));
    assert.ok(html.includes('<span data-brand="organisation">Example Corp Security</span>'));
    assert.ok(html.includes(`src="data:image/png;base64,${PNG.toString("base64")}"`));
    assert.ok(
      html.includes('<p class="brand-footer" data-brand="footer">Confidential — internal use only</p>'),
    );
    assert.ok(html.includes("Failed sign-ins (users) — filter: actor.type=user"));
    assert.ok(!/<script|<link/i.test(html), "self-contained");
  });

  test("--html-layout and --html-css replace the template's, and work for built-in types", () => {
    const layout = join(dir, "other.html");
    writeFileSync(layout, LAYOUT.replace("custom-layout", "cli-layout"));
    const css = join(dir, "other.css");
    writeFileSync(css, "h2{text-transform:uppercase}");
    const fromTemplate = cli([
      "report",
      "--home",
      home,
      "--template",
      join(dir, "t.yaml"),
      "--format",
      "html",
      "--html-layout",
      layout,
    ]).stdout;
    assert.ok(fromTemplate.includes('id="cli-layout"') && !fromTemplate.includes('id="custom-layout"'));
    assert.ok(fromTemplate.includes("h1{letter-spacing:.02em}"), "the template's CSS still applies");
    const builtIn = cli([
      "report",
      "--home",
      home,
      "--type",
      "access",
      "--format",
      "html",
      "--html-layout",
      layout,
      "--html-css",
      css,
    ]).stdout;
    assert.ok(
      builtIn.includes('id="cli-layout"') && builtIn.includes("h2{text-transform:uppercase}</style>"),
    );
    const bad = join(dir, "bad.html");
    writeFileSync(bad, "<html><body>{{header}}</body></html>");
    const r = runCli([
      "report",
      "--home",
      home,
      "--type",
      "access",
      "--format",
      "html",
      "--html-layout",
      bad,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--html-layout .*bad\.html: expected a \{\{sections\}\} placeholder/);
    const notHtml = runCli(["report", "--home", home, "--type", "access", "--html-css", css]);
    assert.equal(notHtml.code, 2, notHtml.stderr);
    assert.match(notHtml.stderr, /--html-css: only for --format html/);
  });

  test("--format markdown shows the organisation and the footer", () => {
    const md = cli([
      "report",
      "--home",
      home,
      "--template",
      join(dir, "t.yaml"),
      "--format",
      "markdown",
    ]).stdout;
    assert.match(md, /^# Weekly security review\n\n- Organisation: Example Corp Security\n/);
    assert.ok(md.endsWith("\n---\n\nConfidential — internal use only\n"));
  });

  test("--format pdf shows the organisation and the footer on every page", {
    skip: !POPPLER && "pdftotext not installed",
  }, () => {
    const out = join(dir, "x.pdf");
    cli(["report", "--home", home, "--template", join(dir, "t.yaml"), "--format", "pdf", "--out", out]);
    const text = execFileSync("pdftotext", ["-layout", out, "-"], { encoding: "utf8" });
    const pages = text.split("\f").slice(0, -1);
    assert.ok(pages.length >= 1);
    assert.ok(pages[0]?.includes("Example Corp Security"), "the organisation on the first page");
    pages.forEach((page, i) => {
      assert.ok(page.includes("Confidential — internal use only"), `footer on page ${i + 1}`);
      assert.ok(page.includes(`Page ${i + 1} of ${pages.length}`), `page number on page ${i + 1}`);
    });
  });

  test("a section id the type does not have names sections[i].kind and the ids it has", () => {
    const file = join(dir, "unknown.yaml");
    writeFileSync(file, "title: x\nsections:\n  - kind: access.denied\n  - kind: security-incidents.nope\n");
    const r = runCli(["report", "--home", home, "--template", file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /unknown\.yaml: sections\[1\]\.kind: expected a section of security-incidents: one of security-incidents\.summary, security-incidents\.failed-logins, .*got "security-incidents\.nope"/,
    );
  });

  test("a template that does not load fails before the store is opened, naming the field", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, 'title: x\nbranding:\n  color: "#12345"\nsections:\n  - kind: access.denied\n');
    const r = runCli(["report", "--home", join(dir, "no-store"), "--template", file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bad\.yaml: branding\.color: expected a colour as #rrggbb, got "#12345"/);
    const both = runCli(["report", "--home", home, "--template", file, "--type", "access"]);
    assert.match(both.stderr, /--type and --template: give one of them/);
  });

  test("--list mentions templates", () => {
    const list = cli(["report", "--list"]).stdout;
    assert.match(list, /templates: --template FILE/);
    assert.match(list, /security-incidents\.failed-logins/);
  });
});
