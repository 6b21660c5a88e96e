import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { renderHtml } from "../src/reports/renderers/html-renderer.js";
import type { Report } from "../src/reports/report-model.js";
import { sampleReport } from "../src/reports/sample-report.js";

// The HTML report opened in a real browser (Debian's Chromium, headless): it loads nothing but
// itself, logs no errors, draws every chart, shows the numbers, screenshots and prints.

const CHROMIUM = "/usr/bin/chromium";
const SKIP = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;

interface Opened {
  readonly page: Page;
  readonly url: string;
  readonly errors: string[];
  readonly requests: string[];
}

/**
 * Run in the page: every word of at most 16 characters in a table cell (split at white space,
 * zero-width spaces, hyphens, slashes and brackets, where lines may break) whose characters sit
 * on more than one line.
 */
const BROKEN_WORDS = `(() => {
  const found = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of (node.textContent || "").matchAll(/[^\\s\\-/()[\\]\u200b]+/g)) {
        if (m[0].length > 16) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) found.push(m[0]);
      }
    }
  }
  return found;
})()`;

describe("HTML report in Chromium", { skip: SKIP }, () => {
  let browser: Browser | undefined;
  let dir = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sealtrail-html-"));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });

  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Writes `report` as HTML to a temp file and opens it, recording errors and requests. */
  async function open(report: Report, name: string): Promise<Opened> {
    const file = join(dir, `${name}.html`);
    await writeFile(file, renderHtml(report));
    const url = pathToFileURL(file).href;
    const page = await (browser ?? assert.fail("no browser")).newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(url, { waitUntil: "load" });
    return { page, url, errors, requests };
  }

  test("loads only itself, without errors, and shows every chart, figure and row", async () => {
    const report = sampleReport();
    const { page, url, errors, requests } = await open(report, "sample");
    try {
      assert.deepStrictEqual(errors, []);
      assert.deepStrictEqual(requests, [url]);

      const blocks = report.sections.flatMap((s) => s.blocks);
      const charts = blocks.filter((b) => b.kind === "chart");
      const svgs = page.locator("svg[data-chart]");
      assert.equal(await svgs.count(), charts.length);
      for (let i = 0; i < charts.length; i++) {
        const box = await svgs.nth(i).boundingBox();
        assert.ok(box && box.width > 0 && box.height > 0, `chart ${i} has a size`);
        assert.equal(await svgs.nth(i).getAttribute("data-chart"), charts[i]?.chart);
      }

      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a reader sees
      const text = await page.innerText("body");
      for (const block of blocks) {
        if (block.kind === "figures") {
          for (const f of block.figures) assert.ok(text.includes(String(f.value)), `figure ${f.label}`);
        }
        if (block.kind === "chart") {
          for (const p of block.points) assert.ok(text.includes(String(p.value)), `point ${p.label}`);
        }
      }
      assert.ok(text.includes(report.provenance.checkpoint.rootHash));

      const table = blocks.find((b) => b.kind === "table") ?? assert.fail("a table");
      assert.equal(
        await page.locator("table[data-table]").first().locator("tbody tr[data-row]").count(),
        table.rows.length,
      );

      const shot = join(dir, "sample.png");
      await page.screenshot({ fullPage: true, path: shot });
      const png = await readFile(shot);
      assert.ok((await stat(shot)).size > 1000);
      assert.deepStrictEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

      const pdf = await page.pdf({ format: "A4", printBackground: false });
      assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");
      assert.ok(pdf.length > 1000);
      assert.deepStrictEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  test("table cells wrap at word boundaries: only words too long for any column break", async () => {
    const { page } = await open(sampleReport(), "wrap");
    try {
      for (const width of [1000, 720]) {
        await page.setViewportSize({ width, height: 900 });
        const broken = await page.evaluate<string[]>(BROKEN_WORDS);
        assert.deepStrictEqual(broken, [], `words broken across lines at ${width}px`);
      }
    } finally {
      await page.close();
    }
  });

  test("attacker text runs nothing", async () => {
    const report = sampleReport();
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const malicious: Report = {
      ...report,
      sections: report.sections.map((s) => ({
        ...s,
        blocks: s.blocks.map((b) =>
          b.kind === "table" ? { ...b, title: evil, rows: b.rows.map((r) => ({ ...r, actor: evil })) } : b,
        ),
      })),
    };
    const { page, url, errors, requests } = await open(malicious, "malicious");
    try {
      // Give a would-be image error handler time to fire.
      await page.waitForTimeout(200);
      assert.equal(await page.evaluate("typeof window.__pwned"), "undefined");
      assert.equal(await page.locator("script, img").count(), 0);
      assert.deepStrictEqual(requests, [url]);
      assert.deepStrictEqual(errors, []);
      // The text is shown as written.
      const cell = page.locator("td[data-cell]").first();
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a reader sees
      assert.equal(await cell.innerText(), evil);
    } finally {
      await page.close();
    }
  });
});
