import type { Report } from "../../report-model.js";
import { brandAccent, COLORS, SEVERITY_COLORS } from "../palette.js";

/**
 * The default style sheet: system fonts, a header card, zebra tables with right-aligned numbers,
 * coloured badges, and print rules (a page per section, rows never split, no backgrounds needed).
 * Its colours are the palette's.
 */
const CSS = `
:root{--ink:${COLORS.ink};--muted:${COLORS.muted};--line:${COLORS.line};--zebra:${COLORS.zebra};--card:${COLORS.card};--accent:${COLORS.accent};
--ok:${COLORS.ok};--bad:${COLORS.bad};--none:${COLORS.none};
--sev-critical:${SEVERITY_COLORS.critical};--sev-high:${SEVERITY_COLORS.high};--sev-medium:${SEVERITY_COLORS.medium};--sev-low:${SEVERITY_COLORS.low};--sev-info:${SEVERITY_COLORS.info};--sev-unknown:${SEVERITY_COLORS.unknown}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:1100px;padding:24px;color:var(--ink);background:${COLORS.paper};
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
h1{font-size:1.7em;margin:0 0 12px}
h2{font-size:1.35em;margin:32px 0 12px;padding-bottom:4px;border-bottom:2px solid var(--line)}
.brand{display:flex;align-items:center;gap:12px;margin:0 0 10px;color:var(--accent);font-weight:600}
.brand img{max-height:48px;max-width:200px}
.branded h1,.branded h2{color:var(--accent)}
.branded h2{border-bottom-color:var(--accent)}
.brand-footer{margin:0 0 4px;color:var(--ink)}
h3{font-size:1.05em;margin:20px 0 8px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em}
.card{border:1px solid var(--line);border-radius:8px;background:var(--card);padding:16px 20px}
.prov{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
.prov dt{color:var(--muted);font-weight:600}
.prov dd{margin:0;overflow-wrap:anywhere}
.prov ul{margin:0;padding-left:18px}
.note{margin:12px 0 0;padding:10px 12px;background:${COLORS.paper};border:1px solid var(--line);border-radius:6px;
white-space:pre-wrap;overflow-wrap:anywhere}
.muted,.empty,.truncated{color:var(--muted);font-style:italic}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:.85em;font-weight:600;color:${COLORS.paper};
background:var(--none);-webkit-print-color-adjust:exact;print-color-adjust:exact}
.badge.ok{background:var(--ok)}.badge.bad{background:var(--bad)}.badge.none{background:var(--none)}
.sev-critical{background:var(--sev-critical)}.sev-high{background:var(--sev-high)}
.sev-medium{background:var(--sev-medium)}.sev-low{background:var(--sev-low)}.sev-info{background:var(--sev-info)}
.sev-unknown{background:var(--sev-unknown)}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:0;padding:0;list-style:none}
.figure{flex:1 1 160px;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.figure .label{display:block;color:var(--muted);font-size:.85em}
.figure .value{font-size:1.45em;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.figure .unit{margin-left:4px;color:var(--muted)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9em}
caption{text-align:left;color:var(--muted);padding:4px 0}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:${COLORS.head};font-weight:600}
td{white-space:pre-wrap;overflow-wrap:break-word}
td .long{overflow-wrap:anywhere}
tbody tr:nth-child(even){background:var(--zebra)}
.num{text-align:right;font-variant-numeric:tabular-nums}
figure.chart{margin:0}
.chart svg{display:block;width:100%;max-width:720px;height:auto}
.chart svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--ink)}
.chart .axis{stroke:var(--muted);stroke-width:1}
.chart .grid{stroke:var(--line);stroke-dasharray:3 3}
.points{max-width:720px;margin-top:6px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.findings{list-style:none;margin:0;padding:0}
.finding{border:1px solid var(--line);border-left-width:4px;border-radius:6px;padding:8px 12px;margin:0 0 8px}
.finding-title{font-weight:600;margin-left:6px}
.finding-detail{margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.evidence{margin:0;color:var(--muted);font-size:.9em}
footer{margin-top:32px;color:var(--muted);font-size:.8em}
@media print{
body{max-width:none;padding:0;font-size:10.5pt}
.card,.note,th{background:none}
tbody tr:nth-child(even){background:none}
section.report-section{break-before:page}
h2,h3{break-after:avoid}
tr,.figure,.finding,figure.chart svg,.block-figures{break-inside:avoid}
thead{display:table-header-group}
.table-wrap{overflow:visible}
a{color:inherit;text-decoration:none}
}
`;

/**
 * The `<style>` element: the default sheet, the branding's accent colour, the extra CSS (which
 * cannot close the element early).
 *
 * @example
 * ```ts
 * style(report, "h1{color:#0b5cad}"); // "<style>…h1{color:#0b5cad}</style>"
 * ```
 */
export function style(report: Report, css: string | undefined): string {
  const color = brandAccent(report);
  const accent = color ? `\n:root{--accent:${color}}` : "";
  // Extra CSS must not close the <style> element early.
  const extra = css ? `\n${css.replace(/<\/(style)/gi, "<\\/$1")}` : "";
  return `<style>${CSS}${accent}${extra}</style>`;
}
