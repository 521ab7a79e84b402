"""The report's charts, drawn as inline SVG or HTML (no scripts, no libraries): columns over hours, days or
weeks, horizontal bars, the weekday x hour heatmap and the split bar. Each SVG chart comes in a wide
drawing and a narrow one for phones (about 390 px), so that no text shrinks below legibility."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from analyst.report_texts import number, translate

ACCENT, MUTED, GOOD, BAD, UNKNOWN = "#2f6fdb", "#9aa5b1", "#2e9e5b", "#d64545", "#9aa5b1"
WIDE, NARROW = 760, 360  # SVG widths in CSS pixels at their natural size (desktop column, phone)
MAX_BAR = 64  # px: the widest a column gets, however few there are


def _tick_width(label: str) -> float:
    """About how wide an axis label is at 12 px (digits are about 7 px; "/", "-" and "." narrower)."""
    return sum(4 if ch in "/-.:" else 7 for ch in label)


def _svg(width: int, height: float, body: str, label: str, kind: str) -> str:
    return (
        f'<svg class="{kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'role="img" aria-label="{escape(label)}">{body}</svg>'
    )


def column_chart(
    labels: Sequence[str], values: Sequence[float], label: str, *, width: int = WIDE, lang: str = "en"
) -> str:
    """Vertical bars, one per label (hours, days, weeks), each with its value on top when there is room,
    and never wider than MAX_BAR (a few weeks are not a wall of blue); axis labels thinned out so that
    they never overlap (90 days stay readable) and kept inside the drawing."""
    height, left, right, bottom, top = 220, 22, 22, 24, 18
    peak = max((float(v or 0) for v in values), default=0) or 1
    step = (width - left - right) / max(len(values), 1)
    bar_width = min(step * 0.76, MAX_BAR)
    label_width = max((_tick_width(name) for name in labels), default=0)
    every = max(1, math.ceil(max(42, label_width + 12) / step))  # room for a label and a gap
    show_values = step >= 26
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        f'stroke="{MUTED}"/>'
    ]
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        value = float(value or 0)
        bar = (height - bottom - top) * value / peak
        x = left + i * step
        shown = number(value, lang)
        parts.append(
            f'<rect x="{x + (step - bar_width) / 2:.1f}" y="{height - bottom - bar:.1f}" '
            f'width="{bar_width:.1f}" height="{bar:.1f}" fill="{ACCENT}">'
            f"<title>{escape(name)}: {shown}</title></rect>"
        )
        if show_values and value:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom - bar - 4:.1f}" text-anchor="middle" '
                f'class="value">{shown}</text>'
            )
        if i % every == 0:
            half = _tick_width(name) / 2  # a long first or last label stays inside the drawing
            centre = min(max(x + step / 2, half + 2), width - half - 2)
            parts.append(
                f'<text x="{centre:.1f}" y="{height - 6}" text-anchor="middle" class="tick">'
                f"{escape(name)}</text>"
            )
    if not show_values:  # too many bars for a number on each: the peak, on a dashed line
        parts.append(
            f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="{MUTED}" '
            'stroke-dasharray="4 4"/>'
            f'<text x="{left + 2}" y="{top - 4}" class="value">'
            f"{translate(lang, 'max')} {number(peak, lang)}</text>"
        )
    kind = "wide" if width == WIDE else "narrow"
    return _svg(width, height, "".join(parts), label, kind)


def bars(labels: Sequence[str], values: Sequence[float], lang: str) -> str:
    """Horizontal bars in HTML (largest first), each with its label and value written out: they wrap
    rather than shrink on a phone."""
    peak = max((float(v or 0) for v in values), default=0) or 1
    rows = []
    for name, value in zip(labels, values, strict=True):
        share = 100 * float(value or 0) / peak
        rows.append(
            f'<div class="bar-row"><span class="bar-label">{escape(str(name))}</span>'
            f'<span class="bar-track"><span class="bar" style="width:{share:.1f}%"></span>'
            f'<span class="bar-value">{number(value, lang)}</span></span></div>'
        )
    return f'<div class="bars">{"".join(rows)}</div>'


def heatmap(
    counts: dict[tuple[int, int], float], label: str, *, lang: str = "en", narrow: bool = False
) -> str:
    """Weekday x local hour, each cell its average messages per day; darker is busier. Wide: weekdays
    as rows; narrow (phones): hours as rows, so that cells keep room for their numbers."""
    days = translate(lang, "weekdays").split()
    peak = max(counts.values(), default=0) or 1
    cell_w, cell_h = (42, 22) if narrow else (29, 30)
    left, top = (34, 20) if narrow else (36, 18)
    parts = []
    columns, rows = (range(1, 8), range(24)) if narrow else (range(24), range(1, 8))
    for c, column in enumerate(columns):
        name = days[column - 1] if narrow else str(column)
        parts.append(
            f'<text x="{left + c * cell_w + cell_w / 2}" y="13" text-anchor="middle" class="tick">'
            f"{name}</text>"
        )
    for r, row in enumerate(rows):
        y = top + r * cell_h
        name = f"{row}h" if narrow else days[row - 1]
        parts.append(
            f'<text x="{left - 5}" y="{y + cell_h / 2 + 4}" text-anchor="end" class="tick">{name}</text>'
        )
        for c, column in enumerate(columns):
            weekday, hour = (column, row) if narrow else (row, column)
            n = counts.get((weekday, hour), 0)
            opacity = 0.08 + 0.92 * n / peak if n else 0.03
            x = left + c * cell_w
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" '
                f'fill="{ACCENT}" fill-opacity="{opacity:.2f}">'
                f"<title>{days[weekday - 1]} {hour}h: {number(n, lang)}</title></rect>"
            )
            if n:
                colour = "#fff" if opacity > 0.5 else "#1f2933"
                parts.append(
                    f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 4}" text-anchor="middle" '
                    f'class="cell" fill="{colour}">{number(n, lang)}</text>'
                )
    width = left + len(columns) * cell_w
    bottom = top + len(rows) * cell_h
    # The legend: the colour scale from 0 to the busiest cell.
    gradient_id = "heat-narrow" if narrow else "heat-wide"
    legend_w = min(240, width - left - 60)
    parts.append(
        f'<defs><linearGradient id="{gradient_id}">'
        f'<stop offset="0" stop-color="{ACCENT}" stop-opacity="0.08"/>'
        f'<stop offset="1" stop-color="{ACCENT}" stop-opacity="1"/></linearGradient></defs>'
        f'<g class="legend"><text x="{left}" y="{bottom + 30}" class="tick">0</text>'
        f'<rect x="{left + 14}" y="{bottom + 18}" width="{legend_w}" height="14" rx="3" '
        f'fill="url(#{gradient_id})"/>'
        f'<text x="{left + 20 + legend_w}" y="{bottom + 30}" class="tick">{number(peak, lang)}</text>'
        "</g>"
    )
    return _svg(width, bottom + 38, "".join(parts), label, "narrow" if narrow else "wide")


def split_bar(parts: Sequence[tuple[str, float, str]], lang: str, *, whole: float, of: str) -> str:
    """One bar split in proportion, its parts a partition of one stated whole: each part named with its
    count and its share of `whole`, which the legend names (`of`, e.g. "51 cases the bot answered or handed
    over") as its title does. The parts are drawn as shares of `whole`, so parts that do not add up to it
    leave a gap or spill over (and the report's test sees the sum differ)."""
    segments, legend = [], []
    for name, value, colour in parts:
        value = float(value or 0)
        share = 100 * value / whole if whole else 0.0
        if value:
            segments.append(
                f'<span data-value="{value:g}" style="width:{share:.2f}%;background:{colour}"></span>'
            )
        legend.append(
            f'<li><i style="background:{colour}"></i>{escape(name)}: {number(value, lang)} '
            f"({number(share, lang, 0)} %)</li>"
        )
    return (
        f'<div class="split" data-whole="{float(whole):g}">{"".join(segments)}</div>'
        f'<ul class="split-legend"><li class="split-whole">100 % = {escape(of)}</li>{"".join(legend)}</ul>'
    )
