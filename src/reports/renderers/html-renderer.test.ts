import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ChartBlock, Report } from "../report-model.js";
import {
  checkShowsReport,
  type ParsedBlock,
  type ParsedReportText,
  type ParsedSection,
  renderBytes,
  reportRendererContract,
} from "../report-renderer.case.js";
import type { ReportRenderer } from "../report-renderer.js";
import { sampleReport } from "../sample-report.js";
import { htmlText } from "./html/html-text.js";
import { htmlRenderer, htmlRendererWith, renderHtml } from "./html-renderer.js";
import { COLORS, SEVERITY_COLORS, seriesColor } from "./palette.js";

// No HTML parser is installed: this reader builds a tree from the markup the renderer writes
// (tags with quoted attributes, void and self-closing elements, raw-text <style>, comments,
// character references) following the HTML rules a browser applies to it (one newline dropped
// right after <pre>), rejects mismatched tags and unknown references, and reads values from the
// data-* attributes the renderer puts on them.

interface Element {
  readonly tag: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: (Element | string)[];
}

const VOID = new Set(["meta", "link", "br", "hr", "img", "input", "col", "wbr", "base", "source"]);
const RAW = new Set(["style", "script"]);
const NAMED: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** Character references back to text, as a browser reads them. */
function decode(raw: string): string {
  return raw.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, ref: string) => {
    if (ref.startsWith("#x") || ref.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number(ref.slice(1)));
    return NAMED[ref] ?? assert.fail(`unknown reference ${whole}`);
  });
}

/** The markup as a tree under a synthetic `#document` element. */
function parseHtml(html: string): Element {
  const root: Element = { tag: "#document", attrs: new Map(), children: [] };
  const stack: Element[] = [root];
  const top = () => stack.at(-1) ?? assert.fail("closed the document");
  let i = 0;
  while (i < html.length) {
    if (html.startsWith("<!--", i)) {
      const end = html.indexOf("-->", i);
      assert.ok(end > 0, "unclosed comment");
      i = end + 3;
    } else if (/^<!doctype/i.test(html.slice(i, i + 9))) {
      i = html.indexOf(">", i) + 1;
    } else if (html.startsWith("</", i)) {
      const close = /^<\/([a-zA-Z][\w-]*)\s*>/.exec(html.slice(i)) ?? assert.fail(`bad end tag at ${i}`);
      const name = (close[1] ?? "").toLowerCase();
      assert.equal(top().tag, name, `</${name}> closes <${top().tag}> at ${i}`);
      stack.pop();
      i += close[0].length;
    } else if (html[i] === "<" && /[a-zA-Z]/.test(html[i + 1] ?? "")) {
      const name = (/^<([a-zA-Z][\w-]*)/.exec(html.slice(i))?.[1] ?? "").toLowerCase();
      i += name.length + 1;
      const attrs = new Map<string, string>();
      const attr = /\s+([^\s"'=<>/]+)(?:\s*=\s*"([^"]*)")?/y;
      for (;;) {
        attr.lastIndex = i;
        const m = attr.exec(html);
        if (!m) break;
        assert.ok(!attrs.has(m[1] ?? ""), `attribute ${m[1]} twice`);
        attrs.set((m[1] ?? "").toLowerCase(), decode(m[2] ?? ""));
        i = attr.lastIndex;
      }
      const end = /^\s*(\/?)>/.exec(html.slice(i)) ?? assert.fail(`bad start tag <${name} at ${i}`);
      i += end[0].length;
      const element: Element = { tag: name, attrs, children: [] };
      top().children.push(element);
      if (RAW.has(name)) {
        const close = html.toLowerCase().indexOf(`</${name}`, i);
        assert.ok(close >= 0, `unclosed <${name}>`);
        element.children.push(html.slice(i, close));
        i = html.indexOf(">", close) + 1;
      } else if (!VOID.has(name) && end[1] !== "/") {
        stack.push(element);
        if (name === "pre" && html[i] === "\n") i++;
      }
    } else {
      const next = html.indexOf("<", i + 1);
      const raw = html.slice(i, next === -1 ? html.length : next);
      assert.ok(!raw.includes("\r"), "a raw CR in text (a browser reads it as LF)");
      top().children.push(decode(raw));
      i += raw.length;
    }
  }
  assert.deepStrictEqual(
    stack.map((e) => e.tag),
    ["#document"],
    "unclosed elements",
  );
  return root;
}

function* walk(element: Element): Generator<Element> {
  for (const child of element.children) {
    if (typeof child !== "string") {
      yield child;
      yield* walk(child);
    }
  }
}

/** Elements under `element` carrying `attr` (with `value`, when given). */
function all(element: Element, attr: string, value?: string): Element[] {
  return [...walk(element)].filter(
    (e) => e.attrs.has(attr) && (value === undefined || e.attrs.get(attr) === value),
  );
}

function one(element: Element, attr: string, value?: string): Element {
  const found = all(element, attr, value);
  assert.equal(found.length, 1, `one [${attr}${value === undefined ? "" : `=${value}`}]`);
  return found[0] ?? assert.fail();
}

function textOf(element: Element): string {
  return element.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
}

const KINDS = new Set<string>(["timeseries", "bar", "breakdown"]);

function parseBlock(element: Element): ParsedBlock {
  const kind = element.attrs.get("data-block");
  const title = textOf(one(element, "data-block-title"));
  switch (kind) {
    case "figures":
      return {
        kind,
        title,
        figures: all(element, "data-figure").map((f) => ({
          label: textOf(one(f, "data-figure-label")),
          value: textOf(one(f, "data-figure-value")),
          unit: all(f, "data-figure-unit").map(textOf).join(""),
        })),
      };
    case "table": {
      const notes = all(element, "data-truncated").map(textOf);
      assert.ok(notes.length <= 1, "one truncation note");
      const note = notes[0];
      const more = note === undefined ? undefined : /^(\d+) more rows? left out\.$/.exec(note);
      assert.ok(note === undefined || more, `truncation note ${note}`);
      return {
        kind,
        title,
        columns: all(element, "data-column").map(textOf),
        rows: all(element, "data-row").map((row) => all(row, "data-cell").map(textOf)),
        truncated: more ? Number(more[1]) : 0,
      };
    }
    case "chart": {
      const svg = one(element, "data-chart");
      const chart = svg.attrs.get("data-chart") ?? "";
      assert.ok(KINDS.has(chart), `chart kind ${chart}`);
      assert.equal(svg.tag, "svg");
      assert.equal(svg.attrs.get("role"), "img");
      assert.ok(
        svg.children.some((c) => typeof c !== "string" && c.tag === "title"),
        "the chart has a title",
      );
      const points = all(element, "data-point").map((p) => ({
        label: textOf(one(p, "data-point-label")),
        value: textOf(one(p, "data-point-value")),
      }));
      // Every point is drawn.
      assert.equal(all(svg, "data-mark").length, points.length, `chart ${title}: marks`);
      return {
        kind,
        title,
        chart: chart as ChartBlock["chart"],
        unit: all(element, "data-unit").map(textOf).join(""),
        points,
      };
    }
    case "findings":
      return {
        kind,
        title,
        findings: all(element, "data-finding").map((f) => ({
          severity: textOf(one(f, "data-finding-severity")),
          title: textOf(one(f, "data-finding-title")),
          detail: textOf(one(f, "data-finding-detail")),
          evidenceSeqs: all(f, "data-seq").map((s) => {
            assert.match(textOf(s), /^\d+$/);
            return Number(textOf(s));
          }),
        })),
      };
    default:
      return assert.fail(`block kind ${kind}`);
  }
}

/** The badge text back to a state. */
function state(element: Element): boolean | undefined {
  const words = textOf(element);
  assert.ok(["verified", "not verified", "not checked"].includes(words), words);
  return words === "not checked" ? undefined : words === "verified";
}

/** The parse adapter: reads the HTML back through the data-* attributes. */
function parseHtmlReport(bytes: Buffer): ParsedReportText {
  const html = bytes.toString("utf8");
  assert.ok(html.startsWith("<!DOCTYPE html>\n"), "doctype");
  const doc = parseHtml(html);
  assert.equal([...walk(doc)].filter((e) => e.tag === "script").length, 0, "no scripts");
  const prov = one(doc, "data-provenance");
  const field = (name: string) => textOf(one(prov, "data-prov", name));
  const filter = all(prov, "data-prov", "filter").map(textOf);
  assert.equal(all(prov, "data-filter-none").length, filter.length === 0 ? 1 : 0, "no-filter note");
  const sections = all(doc, "data-section").map(
    (s): ParsedSection => ({
      title: textOf(one(s, "data-section-title")),
      blocks: all(s, "data-block").map(parseBlock),
    }),
  );
  return {
    provenance: {
      type: field("type"),
      title: field("title"),
      generatedAt: field("generatedAt"),
      since: field("since"),
      until: field("until"),
      filter,
      auditLevel: field("auditLevel"),
      origin: field("origin"),
      treeSize: field("treeSize"),
      rootHash: field("rootHash"),
      signatureVerified: state(one(prov, "data-prov", "signature")) === true,
      storeVerified: state(one(prov, "data-prov", "store")),
      note: field("note"),
    },
    sections,
    branding: {
      organisation: all(prov, "data-brand", "organisation").map(textOf).join(""),
      footer: all(doc, "data-brand", "footer").map(textOf).join(""),
    },
  };
}

reportRendererContract(() => htmlRenderer, parseHtmlReport, { audience: "people" });

const MALICIOUS = '<script>window.__pwned=2</script><img src=x onerror="window.__pwned=1">';

/** The sample report with attacker text in a table cell, a figure, a chart label and a finding. */
function maliciousReport(): Report {
  const report = sampleReport();
  return {
    ...report,
    provenance: { ...report.provenance, title: MALICIOUS },
    sections: report.sections.map((s) => ({
      ...s,
      title: `${s.title} ${MALICIOUS}`,
      blocks: s.blocks.map((b) => {
        switch (b.kind) {
          case "table":
            return { ...b, rows: b.rows.map((r) => ({ ...r, actor: MALICIOUS })) };
          case "figures":
            return { ...b, figures: b.figures.map((f) => ({ ...f, unit: MALICIOUS })) };
          case "chart":
            return { ...b, unit: MALICIOUS, points: b.points.map((p) => ({ ...p, label: MALICIOUS })) };
          case "findings":
            return { ...b, findings: b.findings.map((f) => ({ ...f, detail: MALICIOUS })) };
          default:
            return b;
        }
      }),
    })),
  };
}

describe("htmlRenderer", () => {
  test("names html", () => {
    assert.equal(htmlRenderer.format, "html");
    assert.equal(htmlRenderer.mediaType, "text/html; charset=utf-8");
    assert.equal(htmlRenderer.extension, "html");
  });

  test("htmlText escapes & < > \" ' and CR", () => {
    assert.equal(
      htmlText(`<a href="x" title='y'>&amp;</a>`),
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;",
    );
    assert.equal(htmlText("a\r\nb"), "a&#13;\nb");
  });

  test("attacker text in every field comes out inert, and reads back as written", async () => {
    const report = maliciousReport();
    await checkShowsReport(htmlRenderer, parseHtmlReport, report, "people");
    const html = (await renderBytes(htmlRenderer, report)).toString("utf8");
    assert.ok(!/<script|<img/i.test(html), "no script or img element");
    assert.ok(html.includes("&lt;script&gt;window.__pwned=2&lt;/script&gt;"));
    const doc = parseHtml(html);
    for (const e of walk(doc)) {
      for (const name of e.attrs.keys()) assert.ok(!name.startsWith("on"), `event handler ${name}`);
    }
  });

  test("a renderer that does not escape fails the contract", async () => {
    const raw: ReportRenderer = {
      ...htmlRenderer,
      render: async (report, out) => {
        out.write(renderHtml(report).replaceAll("&lt;b&gt;", "<b>").replaceAll("&lt;/b&gt;", "</b>"));
      },
    };
    await assert.rejects(checkShowsReport(raw, parseHtmlReport, sampleReport(), "people"));
  });

  test("one self-contained file: no scripts, no external resources", () => {
    const html = renderHtml(sampleReport());
    const doc = parseHtml(html);
    for (const e of walk(doc)) {
      assert.notEqual(e.tag, "script");
      assert.notEqual(e.tag, "link");
      assert.notEqual(e.tag, "img");
      for (const name of ["src", "href", "xlink:href", "srcset", "action"])
        assert.ok(!e.attrs.has(name), `${e.tag}[${name}]`);
    }
    const css = [...walk(doc)]
      .filter((e) => e.tag === "style")
      .map(textOf)
      .join("");
    assert.ok(!/url\(|@import|@font-face/i.test(css), "the CSS loads nothing");
    assert.match(css, /@media print/);
    assert.match(css, /break-inside:avoid/);
    assert.match(css, /break-before:page/);
  });

  test("header card with provenance badges and the note in a <pre>", () => {
    const doc = parseHtml(renderHtml(sampleReport({ signatureVerified: false, storeVerified: "not-run" })));
    const sig = one(doc, "data-prov", "signature");
    assert.match(sig.attrs.get("class") ?? "", /\bbadge bad\b/);
    const store = one(doc, "data-prov", "store");
    assert.match(store.attrs.get("class") ?? "", /\bbadge none\b/);
    assert.equal(textOf(store), "not checked");
    assert.equal(one(doc, "data-prov", "note").tag, "pre");
    const ok = parseHtml(renderHtml(sampleReport()));
    assert.match(one(ok, "data-prov", "store").attrs.get("class") ?? "", /\bbadge ok\b/);
    // "Audit level: detailed — which event fields tables show".
    const detailed = renderHtml(sampleReport({ auditLevel: "detailed" }));
    assert.equal(textOf(one(parseHtml(detailed), "data-prov", "auditLevel")), "detailed");
    assert.ok(
      detailed.includes(
        '<dt>Audit level</dt><dd><span data-prov="auditLevel">detailed</span> ' +
          '<span class="muted">— which event fields tables show</span></dd>',
      ),
    );
  });

  test("charts are SVGs with role, title, kind, and every point as text", () => {
    const report = sampleReport();
    const doc = parseHtml(renderHtml(report));
    const svgs = all(doc, "data-chart");
    const charts = report.sections.flatMap((s) => s.blocks).filter((b) => b.kind === "chart");
    assert.deepStrictEqual(
      svgs.map((s) => s.attrs.get("data-chart")),
      charts.map((c) => c.chart),
    );
    for (const svg of svgs) {
      assert.equal(svg.attrs.get("role"), "img");
      const desc = [...walk(svg)].find((e) => e.tag === "desc");
      assert.ok(desc, "desc");
    }
    // The time series names its first and last time and its largest value on the axes.
    const series = svgs[0] ?? assert.fail();
    const labels = [...walk(series)].filter((e) => e.tag === "text").map(textOf);
    assert.ok(labels.includes("2026-11-01T00:00:00Z"), "time series points show times as people read them");
    assert.ok(labels.includes("2026-11-07T00:00:00Z"));
    assert.ok(labels.includes("27183"));
    // The breakdown shows shares in its legend.
    const breakdown = svgs[2] ?? assert.fail();
    assert.ok([...walk(breakdown)].some((e) => e.tag === "text" && textOf(e) === "success: 45210 — 93.8 %"));
  });

  test("numbers are right-aligned; findings have severity badges and evidence", () => {
    const doc = parseHtml(renderHtml(sampleReport()));
    const events = all(doc, "data-column").find((c) => textOf(c) === "Events") ?? assert.fail();
    assert.equal(events.attrs.get("class"), "num");
    const finding = all(doc, "data-finding")[1] ?? assert.fail();
    assert.match(one(finding, "data-finding-severity").attrs.get("class") ?? "", /\bsev-high\b/);
    assert.deepStrictEqual(all(finding, "data-seq").map(textOf), ["12", "13", "9007199254740991"]);
  });

  test("colours come from the shared palette: severity badges, verification states, chart series", () => {
    const html = renderHtml(sampleReport());
    for (const [severity, color] of Object.entries(SEVERITY_COLORS)) {
      assert.ok(html.includes(`--sev-${severity}:${color}`), `severity ${severity}`);
    }
    for (const state of ["ok", "bad", "none"] as const) {
      assert.ok(html.includes(`--${state}:${COLORS[state]}`), `state ${state}`);
    }
    const breakdown = all(parseHtml(html), "data-chart", "breakdown")[0] ?? assert.fail("a breakdown");
    const parts = [...walk(breakdown)].filter((e) => e.tag === "rect" && e.attrs.has("data-mark"));
    assert.deepStrictEqual(
      parts.map((e) => e.attrs.get("fill")),
      [0, 1, 2].map(seriesColor),
    );
  });

  test("htmlRendererWith adds CSS and sets the document title", () => {
    const renderer = htmlRendererWith({
      css: "h1{color:red}</style><script>x</script>",
      title: (r) => `T: ${r.provenance.type}`,
    });
    assert.equal(renderer.format, "html");
    return renderBytes(renderer, sampleReport()).then((bytes) => {
      const doc = parseHtml(bytes.toString("utf8"));
      const title = [...walk(doc)].find((e) => e.tag === "title") ?? assert.fail();
      assert.equal(textOf(title), "T: activity");
      const css = [...walk(doc)]
        .filter((e) => e.tag === "style")
        .map(textOf)
        .join("");
      assert.ok(css.includes("h1{color:red}"));
      assert.equal([...walk(doc)].filter((e) => e.tag === "script").length, 0);
    });
  });
});
