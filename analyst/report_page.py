"""The report page's frame: its CSS (wide screens and phones) and the script that lets a headless browser
check the page (charts drawn, nothing wider than the window, no script error, the headline figures shown,
split bars filled), and its pieces (a figure, a
headline figure, a sentence). analyst.report fills it."""

import re
from html import escape

from analyst.report_charts import ACCENT

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}")


def prose(text: str) -> str:
    """A sentence as HTML, its days kept on one line (a line never breaks inside 2025-03-10)."""
    return _DAY.sub(lambda day: f'<span class="day">{day[0]}</span>', escape(text))


def figure(name: str, title: str, chart: str, table: str = "", note: str = "") -> str:
    """One chart of the page: its title, its drawing, a note under it and its table."""
    caption = f'<p class="note">{prose(note)}</p>' if note else ""
    return (
        f'<figure class="chart" data-chart="{name}"><figcaption>{escape(title)}</figcaption>'
        f'<div class="plot">{chart}</div>{caption}{table}</figure>'
    )


def stat(value: str, label: str) -> str:
    """One headline figure: a value and what it counts."""
    return f'<div class="stat"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
* {{ box-sizing: border-box; }}
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 860px; padding: 24px;
        color: #1f2933; }}
h1 {{ margin-bottom: 0; }} .sub {{ color: #616e7c; margin-top: 4px; }}
.stats {{ display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; margin: 20px 0; }}
.stat {{ background: #f5f7fa; border-radius: 8px; padding: 12px; min-width: 0; }}
.stat b {{ display: block; font-size: 20px; overflow-wrap: anywhere; }}
.stat span {{ color: #616e7c; overflow-wrap: anywhere; }}
figure {{ margin: 0 0 32px; min-width: 0; }} figcaption {{ font-weight: 600; margin-bottom: 6px; }}
svg {{ display: block; width: 100%; height: auto; }} svg.wide {{ max-width: 760px; }}
svg.narrow {{ display: none; }}
.tick {{ font-size: 12px; fill: #616e7c; }} .value {{ font-size: 11px; fill: #1f2933; }}
.cell {{ font-size: 10px; }} .note, .empty {{ color: #616e7c; }}
.bars {{ display: grid; gap: 4px; }}
.bar-row {{ display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 8px;
           align-items: center; }}
.bar-label {{ text-align: right; overflow-wrap: anywhere; font-size: 14px; }}
.bar-track {{ display: flex; align-items: center; gap: 6px; }}
.bar {{ display: inline-block; height: 16px; background: {accent}; border-radius: 3px; min-width: 2px; }}
.bar-value {{ font-size: 13px; color: #3e4c59; white-space: nowrap; }}
.split {{ display: flex; height: 30px; border-radius: 4px; overflow: hidden; background: #eef1f4; }}
.split span {{ flex: none; }}  /* each part its share of the whole: never squeezed to fit */
.split-legend .split-whole {{ font-weight: 600; }}
.split-legend {{ list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap;
                 gap: 4px 16px; }}
.split-legend i {{ display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; }}
details {{ margin-top: 6px; }} summary {{ cursor: pointer; color: {accent}; }}
.table {{ overflow-x: auto; max-width: 100%; }}
table {{ border-collapse: collapse; font-size: 13px; margin: 6px 0; width: 100%; }}
th, td {{ padding: 3px 8px; border-bottom: 1px solid #e4e7eb; text-align: right; }}
td, .day {{ white-space: nowrap; }}  /* a day, a topic, "77.7 %" on one line; headers wrap instead */
th:first-child, td:first-child {{ text-align: left; }} th {{ font-weight: 600; vertical-align: bottom; }}
a.csv {{ font-size: 13px; color: {accent}; }}
@media (max-width: 600px) {{
  body {{ padding: 12px; font-size: 14px; }}
  .stats {{ grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }}
  .stat b {{ font-size: 17px; }}
  svg.wide {{ display: none; }} svg.narrow {{ display: block; }}
  .bar-row {{ grid-template-columns: minmax(0, 1fr); gap: 0; }} .bar-label {{ text-align: left; }}
  .table thead {{ display: none; }}  /* each row a card: "header  value" lines */
  .table table, .table tbody, .table tr {{ display: block; }}
  .table tr {{ border-bottom: 1px solid #e4e7eb; padding: 4px 0; }}
  .table td {{ display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 1px 2px;
              white-space: normal; }}
  .table td::before {{ content: attr(data-label); color: #616e7c; text-align: left; }}
  .table td:first-child {{ font-weight: 600; }}
}}
</style></head>
<body>
<h1>{title}</h1><p class="sub">{subtitle}</p>
<div class="stats">{stats}</div>
{figures}
<script>
// Lets a headless browser check the page: how many charts drew, whether anything is wider than the
// window (cut off or scrolling sideways), and any script error.
window.addEventListener("error", (e) => {{
  document.body.dataset.errors = (document.body.dataset.errors || "") + e.message;
}});
const shown = (e) => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
const drawn = [...document.querySelectorAll("figure.chart .plot")].filter((plot) =>
  [...plot.children].some(shown));
document.body.dataset.charts = drawn.length;
document.body.dataset.width = window.innerWidth;
const wide = [...document.querySelectorAll("body *")].filter((e) => {{
  if (e.closest(".table") && !e.classList.contains("table")) return false;  // a table scrolls in its box
  const box = e.getBoundingClientRect();
  if (box.width === 0) return false;  // not shown at this width
  const svg = e.ownerSVGElement;  // a chart's text or shape: within its drawing, else it is clipped
  const frame = svg ? svg.getBoundingClientRect() : {{ left: 0, right: window.innerWidth }};
  const cut = !svg && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
    && getComputedStyle(e).overflowX !== "auto";  // its content is wider than it (cut off or spilling)
  return box.right > frame.right + 0.5 || box.left < frame.left - 0.5 || cut;
}});
// Table cells and bar labels that wrap onto a second line (at 1280 px none should).
const lines = (e) => {{
  const range = document.createRange(); range.selectNodeContents(e);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}};
document.body.dataset.wrapped = [...document.querySelectorAll(".table td, .bar-label")]
  .filter((e) => shown(e) && lines(e) > 1).map((e) => e.textContent).join(" | ");
// The headline figures as shown, and the split bars whose parts do not fill their bar (or spill out):
// each split bar is one whole, its parts drawn as shares of it.
document.body.dataset.stats = [...document.querySelectorAll(".stat")].filter(shown)
  .map((e) => e.querySelector("b").textContent + " " + e.querySelector("span").textContent).join(" | ");
document.body.dataset.splits = document.querySelectorAll(".split").length;
document.body.dataset.splitGaps = [...document.querySelectorAll(".split")].filter((bar) => {{
  const filled = [...bar.children].reduce((sum, part) => sum + part.getBoundingClientRect().width, 0);
  return Math.abs(filled - bar.clientWidth) > 1;
}}).length;
const page = document.documentElement.scrollWidth > window.innerWidth ? 1 : 0;
document.body.dataset.overflowing = wide.length + page;
document.body.dataset.overflowExamples = wide.slice(0, 3)
  .map((e) => e.tagName + ":" + (e.textContent || "").slice(0, 20)).join(" | ");
</script>
</body></html>
""".replace("{accent}", ACCENT)
