import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { SealtrailError } from "../errors.js";
import { htmlRendererWith } from "./renderers/html-renderer.js";
import { renderBytes } from "./report-renderer.case.js";
import { loadReportTemplate, MAX_LOGO_BYTES, templateReportType } from "./report-template.js";
import { sampleReport } from "./sample-report.js";

const dir = mkdtempSync(join(tmpdir(), "sealtrail-template-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const LAYOUT =
  '<!DOCTYPE html>\n<html><head><title>{{title}}</title>{{style}}</head>\n<body><div id="mine">{{header}}</div><main>{{sections}}</main>{{footer}}</body></html>\n';

/** Writes `text` as a template file (and optional sibling files) and returns its path. */
function template(text: string, ext = "yaml", files: Record<string, string | Buffer> = {}): string {
  const folder = mkdtempSync(join(dir, "t-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  const path = join(folder, `template.${ext}`);
  writeFileSync(path, text);
  return path;
}

const VALID = `title: Weekly security review
sections:
  - kind: security-incidents.failed-logins
`;

/** Loading `text` fails with ST_ERR_CONFIG_INVALID whose message names the file and matches `message`. */
function rejects(text: string, message: RegExp, ext = "yaml", files: Record<string, string | Buffer> = {}) {
  const path = template(text, ext, files);
  assert.throws(
    () => loadReportTemplate(path),
    (e: unknown) => {
      assert.ok(e instanceof SealtrailError, String(e));
      assert.equal(e.code, "ST_ERR_CONFIG_INVALID");
      assert.ok(e.message.startsWith(`${path}: `), e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

describe("loadReportTemplate", () => {
  test("reads a full YAML template: sections, branding with the logo's bytes, the HTML files", () => {
    const path = template(
      `title: Weekly security review
description: For the security team.
period: 14d
branding:
  organisation: Example Corp
  color: "#0b5cad"
  logo: logo.png
  footer: Confidential — internal use
html:
  css: extra.css
  layout: layout.html
sections:
  - kind: security-incidents.failed-logins
    title: Failed sign-ins (users)
    filter: ["actor.type=user"]
  - kind: access.denied
`,
      "yaml",
      { "logo.png": PNG, "extra.css": "h1{letter-spacing:1px}", "layout.html": LAYOUT },
    );
    const t = loadReportTemplate(path);
    assert.equal(t.title, "Weekly security review");
    assert.equal(t.period, "14d");
    assert.deepStrictEqual(t.branding, {
      organisation: "Example Corp",
      color: "#0b5cad",
      logo: { mediaType: "image/png", base64: PNG.toString("base64") },
      footer: "Confidential — internal use",
    });
    assert.equal(t.html?.css, "h1{letter-spacing:1px}");
    assert.equal(t.html?.layout, LAYOUT);
    assert.deepStrictEqual(t.sections, [
      {
        kind: "security-incidents.failed-logins",
        typeId: "security-incidents",
        sectionId: "failed-logins",
        title: "Failed sign-ins (users)",
        filter: ["actor.type=user"],
      },
      { kind: "access.denied", typeId: "access", sectionId: "denied", filter: [] },
    ]);
    const type = templateReportType(t);
    assert.equal(type.id, "template");
    assert.equal(type.title, "Weekly security review");
    assert.equal(type.defaultPeriod, "14d");
  });

  test("reads a JSON template; without a period, the longest default period of its types", () => {
    const path = template(
      JSON.stringify({
        title: "Keys",
        sections: [{ kind: "activity-daily.summary" }, { kind: "key-usage.summary", filter: "tenant=acme" }],
      }),
      "json",
    );
    const t = loadReportTemplate(path);
    assert.deepStrictEqual(
      t.sections.map((s) => s.filter),
      [[], ["tenant=acme"]],
    );
    assert.equal(templateReportType(t).defaultPeriod, "30d");
  });

  test("bad YAML names the file, line and column", () => {
    rejects(
      "title: [unclosed\nsections:\n  - kind: access.denied\n",
      /: line \d+, column \d+: expected YAML, got /,
    );
  });

  test("bad JSON names the file", () => {
    rejects('{"title": "x",', /: expected JSON, got a syntax error/, "json");
  });

  test("a file that is not .yaml, .yml or .json", () => {
    rejects(VALID, /file name: expected a \.yaml, \.yml or \.json file, got "\.txt"/, "txt");
  });

  test("an unknown key, at the top and inside a section and the branding", () => {
    rejects(
      `${VALID}titel: typo\n`,
      /: titel: expected one of the keys title, description, period, branding, html, sections, got unknown key "titel"/,
    );
    rejects(
      "title: x\nsections:\n  - kind: access.denied\n    filters: [a=b]\n",
      /: sections\[0\]\.filters: expected one of the keys kind, title, filter, got unknown key "filters"/,
    );
    rejects(`${VALID}branding:\n  colour: "#000000"\n`, /: branding\.colour: expected one of the keys/);
  });

  test("a duplicate key", () => {
    rejects(`${VALID}title: again\n`, /expected YAML, got .*(unique|duplicate)/i);
  });

  test("a bad colour", () => {
    rejects(
      `${VALID}branding:\n  color: blue\n`,
      /: branding\.color: expected a colour as #rrggbb, got "blue"/,
    );
    rejects(`${VALID}branding:\n  color: "#0b5cad0"\n`, /: branding\.color: expected a colour as #rrggbb/);
  });

  test("missing or empty sections, missing title", () => {
    rejects("title: x\n", /: sections: expected a value \(it is required\), got nothing/);
    rejects("title: x\nsections: []\n", /: sections: expected a list of at least one section, got a list/);
    rejects("sections:\n  - kind: access.denied\n", /: title: expected a value \(it is required\)/);
    rejects("title: ''\nsections:\n  - kind: access.denied\n", /: title: expected a non-empty text, got ""/);
  });

  test("an unknown kind: a type that does not exist, or no section id", () => {
    rejects(
      "title: x\nsections:\n  - kind: access.denied\n  - kind: nope.summary\n",
      /: sections\[1\]\.kind: expected "<report type>\.<section id>" with a report type among activity-daily, .*got "nope\.summary"/,
    );
    rejects(
      "title: x\nsections:\n  - kind: access\n",
      /: sections\[0\]\.kind: expected "<report type>\.<section id>"/,
    );
    rejects("title: x\nsections:\n  - {}\n", /: sections\[0\]\.kind: expected a value \(it is required\)/);
  });

  test("a bad filter expression names its index", () => {
    rejects(
      "title: x\nsections:\n  - kind: access.denied\n  - kind: access.denied\n  - kind: access.who-what\n    filter: [outcome=failure, actor.type]\n",
      /: sections\[2\]\.filter\[1\]: expected a filter expression \(FIELD OP VALUE\), got "actor\.type"/,
    );
    rejects(
      "title: x\nsections:\n  - kind: access.denied\n    filter: [42]\n",
      /: sections\[0\]\.filter\[0\]: expected a filter expression such as "outcome=failure", got number 42/,
    );
    rejects(
      "title: x\nsections:\n  - kind: access.denied\n    filter: {a: b}\n",
      /: sections\[0\]\.filter: expected a list of filter expressions, got a mapping/,
    );
  });

  test("a bad period", () => {
    rejects(`${VALID}period: weekly\n`, /: period: expected a duration such as 24h, 7d or 2w, got "weekly"/);
  });

  test("logo: missing, wrong type, not the image it says, too big", () => {
    rejects(
      `${VALID}branding:\n  logo: gone.png\n`,
      /: branding\.logo: expected a readable file \(relative to the template\), got "gone\.png"/,
    );
    rejects(
      `${VALID}branding:\n  logo: logo.gif\n`,
      /: branding\.logo: expected a \.png, \.jpg, \.jpeg or \.svg file, got "logo\.gif"/,
      "yaml",
      {
        "logo.gif": "GIF89a",
      },
    );
    rejects(
      `${VALID}branding:\n  logo: logo.png\n`,
      /: branding\.logo: expected a image\/png image, got "logo\.png" \(not one\)/,
      "yaml",
      {
        "logo.png": "not a png",
      },
    );
    rejects(
      `${VALID}branding:\n  logo: big.png\n`,
      new RegExp(
        `: branding\\.logo: expected a file of at most ${MAX_LOGO_BYTES} bytes, got ${MAX_LOGO_BYTES + 1} bytes`,
      ),
      "yaml",
      { "big.png": Buffer.concat([PNG, Buffer.alloc(MAX_LOGO_BYTES + 1 - PNG.length)]) },
    );
  });

  test("html: a layout without {{sections}}, with a script, with an unknown placeholder; CSS that imports", () => {
    const html = (name: string, content: string, message: RegExp) =>
      rejects(`${VALID}html:\n  ${name}\n`, message, "yaml", { f: content });
    html(
      "layout: f",
      "<html><body>{{header}}</body></html>",
      /html\.layout \(f\): expected a \{\{sections\}\} placeholder/,
    );
    html(
      "layout: f",
      "<html><head><script src=x.js></script></head><body>{{header}}{{sections}}</body></html>",
      /html\.layout \(f\): expected a self-contained page .*got a <script> element/,
    );
    html(
      "layout: f",
      "{{header}}{{sections}}{{logo}}",
      /html\.layout \(f\): expected placeholders .*got \{\{logo\}\}/,
    );
    html("layout: f", "{{header}}{{sections}}{{sections}}", /expected \{\{sections\}\} once, got it 2 times/);
    html(
      "css: f",
      "@import url(https://x.example/a.css);",
      /html\.css \(f\): expected a self-contained page .*got @import/,
    );
    html("css: f", "body{background:url(https://x.example/b.png)}", /html\.css \(f\): .*got url\(\)/);
  });
});

describe("htmlRendererWith a layout", () => {
  test("puts the report into the layout: title, style, header, sections, footer", async () => {
    const report = sampleReport({ branded: true });
    const html = (
      await renderBytes(htmlRendererWith({ layout: LAYOUT, css: "h2{color:#123456}" }), report)
    ).toString("utf8");
    assert.ok(html.startsWith("<!DOCTYPE html>\n<html><head><title>Activity — November 2026</title><style>"));
    assert.match(html, /<div id="mine"><header class="card" data-provenance>/);
    assert.ok(html.includes("h2{color:#123456}</style>"));
    assert.ok(html.includes(":root{--accent:#0b5cad}"));
    assert.equal(html.match(/<section class="report-section"/g)?.length, report.sections.length);
    assert.match(
      html,
      /<\/main><footer><p class="brand-footer" data-brand="footer">Confidential — internal use &lt;only&gt; \| 2026<\/p>/,
    );
    assert.ok(
      html.includes(
        'data-brand="organisation">Example Corp — Zürich &amp; Söhne &quot;AG&quot; | *ops*</span>',
      ),
    );
    assert.ok(html.includes('<img data-brand="logo" alt="" src="data:image/png;base64,'));
    assert.ok(html.endsWith("</body></html>\n"));
    assert.ok(!html.includes("{{"), "every placeholder filled");
  });

  test("report text that looks like a placeholder stays text", async () => {
    const report = { ...sampleReport(), branding: { footer: "{{sections}} {{header}}" } };
    const html = (await renderBytes(htmlRendererWith({ layout: LAYOUT }), report)).toString("utf8");
    assert.ok(html.includes('data-brand="footer">{{sections}} {{header}}</p>'));
    assert.equal(html.match(/data-provenance/g)?.length, 1);
  });

  test("a layout without {{sections}} or {{header}} is refused at once", () => {
    assert.throws(
      () => htmlRendererWith({ layout: "<body>{{header}}</body>" }),
      /ST_ERR_CONFIG_INVALID|\{\{sections\}\}/,
    );
    assert.throws(
      () => htmlRendererWith({ layout: "<body>{{sections}}</body>", layoutFile: "mine.html" }),
      /^SealtrailError: mine\.html: expected a \{\{header\}\} placeholder|mine\.html: expected a \{\{header\}\} placeholder/,
    );
    assert.throws(
      () => htmlRendererWith({ layout: '<body onload="x()">{{header}}{{sections}}</body>' }),
      /event handler/,
    );
  });
});
