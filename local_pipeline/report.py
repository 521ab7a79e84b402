"""The HTML report of the three answers: one self-contained page (inline SVG charts, no network, no
libraries), made from the named queries' rows exactly as Athena or DuckDB return them."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

Rows = list[dict[str, Any]]
WEEKDAYS = ["seg", "ter", "qua", "qui", "sex", "sáb", "dom"]  # ISO 1..7, as day_of_week() numbers them
ACCENT, MUTED, GOOD, BAD = "#2f6fdb", "#9aa5b1", "#2e9e5b", "#d64545"


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(label)}">{body}</svg>'
    )


def column_chart(labels: Sequence[str], values: Sequence[float], label: str) -> str:
    """Vertical bars, one per label (hours, days)."""
    width, height, left, bottom = 760, 240, 36, 28
    peak = max(values, default=0) or 1
    step = (width - left) / max(len(values), 1)
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="{MUTED}"/>',
        f'<text x="{left - 6}" y="14" text-anchor="end" class="tick">{peak:g}</text>',
    ]
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        bar = (height - bottom - 10) * value / peak
        x = left + i * step
        parts.append(
            f'<rect x="{x + step * 0.12:.1f}" y="{height - bottom - bar:.1f}" width="{step * 0.76:.1f}" '
            f'height="{bar:.1f}" fill="{ACCENT}"><title>{escape(name)}: {value:g}</title></rect>'
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 10}" text-anchor="middle" class="tick">'
            f"{escape(name)}</text>"
        )
    return _svg(width, height, "".join(parts), label)


def bar_chart(labels: Sequence[str], values: Sequence[float], label: str) -> str:
    """Horizontal bars, largest first (top questions, commands, keywords)."""
    row, width, text_width = 26, 760, 330
    peak = max(values, default=0) or 1
    parts = []
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = i * row
        bar = (width - text_width - 50) * value / peak
        shown = name if len(name) <= 48 else name[:47] + "…"
        parts.append(
            f'<text x="{text_width - 8}" y="{y + 17}" text-anchor="end" class="label">{escape(shown)}</text>'
        )
        parts.append(
            f'<rect x="{text_width}" y="{y + 4}" width="{bar:.1f}" height="{row - 8}" rx="3" '
            f'fill="{ACCENT}"><title>{escape(name)}: {value:g}</title></rect>'
        )
        parts.append(f'<text x="{text_width + bar + 6:.1f}" y="{y + 17}" class="value">{value:g}</text>')
    return _svg(width, max(len(values), 1) * row, "".join(parts), label)


def heatmap(counts: dict[tuple[int, int], int], label: str) -> str:
    """Weekday (rows, ISO 1..7) x local hour (columns); darker is busier."""
    cell, left, top = 28, 40, 18
    peak = max(counts.values(), default=0) or 1
    parts = [
        f'<text x="{left + h * cell + cell / 2}" y="12" text-anchor="middle" class="tick">{h}</text>'
        for h in range(24)
    ]
    for d in range(1, 8):
        y = top + (d - 1) * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + 18}" text-anchor="end" class="tick">{WEEKDAYS[d - 1]}</text>'
        )
        for h in range(24):
            n = counts.get((d, h), 0)
            opacity = 0.06 + 0.94 * n / peak if n else 0.03
            parts.append(
                f'<rect x="{left + h * cell + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" '
                f'rx="3" fill="{ACCENT}" fill-opacity="{opacity:.2f}">'
                f"<title>{WEEKDAYS[d - 1]} {h}h: {n}</title></rect>"
            )
    return _svg(left + 24 * cell, top + 7 * cell, "".join(parts), label)


def split_bar(parts: Sequence[tuple[str, float, str]], label: str) -> str:
    """One bar split in proportion (resolved vs unresolved)."""
    width, height = 760, 56
    parts = [(name, value or 0, colour) for name, value, colour in parts]
    total = sum(value for _, value, _ in parts) or 1
    x, body = 0.0, []
    for name, value, colour in parts:
        share = width * value / total
        body.append(
            f'<rect x="{x:.1f}" y="0" width="{share:.1f}" height="34" fill="{colour}">'
            f"<title>{escape(name)}: {value:g}</title></rect>"
        )
        if value:
            body.append(
                f'<text x="{x + 6:.1f}" y="52" class="label">{escape(name)} {value:g} '
                f"({100 * value / total:.0f}%)</text>"
            )
        x += share
    return _svg(width, height, "".join(body), label)


def _figure(name: str, title: str, chart: str, note: str = "") -> str:
    caption = f'<p class="note">{escape(note)}</p>' if note else ""
    heading = f"<figcaption>{escape(title)}</figcaption>"
    return f'<figure class="chart" data-chart="{name}">{heading}{chart}{caption}</figure>'


def _stat(value: Any, label: str) -> str:
    return f'<div class="stat"><b>{escape(str(value))}</b><span>{escape(label)}</span></div>'


def _one(rows: Rows) -> dict[str, Any]:
    return rows[0] if rows else {}


def _pct(value: Any) -> str:
    """A rate, or "no data" when its denominator is 0 (never a made-up 0 %)."""
    return "no data" if value is None else f"{value:g}%"


def render(
    answers: dict[str, Rows], *, title: str, subtitle: str, timezone: str, staff_known: bool = True
) -> str:
    """The whole page. `answers` maps each named query to its rows."""
    by_hour = {row["hour_of_day"]: row["messages"] for row in answers["q1_messages_by_hour"]}
    peak_hour = max(by_hour, key=lambda h: (by_hour[h], -h)) if by_hour else None
    volume = answers["q1_volume_by_day"]
    topics, commands, uncovered = (
        answers[n] for n in ("q2_top_topics", "q2_top_commands", "q2_uncovered_keywords")
    )
    coverage = _one(answers["q2_topic_coverage"])
    feedback, answered = _one(answers["q3_feedback_resolution_rate"]), _one(answers["q3_questions_answered"])
    again = _one(answers["q3_asked_again_within_24h"])
    outcomes = {row["outcome"]: row["cases"] for row in answers["q3_case_outcomes"]}
    heat = {
        (row["weekday"], row["hour_of_day"]): float(row["messages_per_day"])
        for row in answers["q1_heatmap_weekday_hour"]
    }

    stats = "".join(
        [
            _stat(f"{peak_hour}h" if peak_hour is not None else "-", f"busiest hour ({timezone})"),
            _stat(sum(by_hour.values()), "customer messages"),
            _stat(answered.get("questions", 0), "requests (support cases)"),
            _stat(topics[0]["topic"] if topics else "-", "most frequent topic"),
            _stat(
                _pct(feedback.get("resolution_rate_pct")), f"resolved, of {feedback.get('rated', 0)} rated"
            ),
            _stat(
                _pct(answered.get("answered_pct")), f"answered, of {answered.get('questions', 0)} requests"
            ),
        ]
    )
    staff_note = (
        ""
        if staff_known
        else (
            "Staff is unknown (no staff_user_ids): only anonymous admins and the bot count as answers. "
            "See setup_staff_candidates for who answers others most."
        )
    )
    figures = [
        "<h2>1. When do customers call?</h2>",
        _figure(
            "messages_by_hour",
            f"Customer messages by local hour ({timezone})",
            column_chart(
                [str(h) for h in range(24)], [by_hour.get(h, 0) for h in range(24)], "messages by hour"
            ),
        ),
        _figure("heatmap", "Weekday x hour (messages per day)", heatmap(heat, "weekday by hour heatmap")),
        _figure(
            "daily_volume",
            "Customer messages per day",
            column_chart(
                [str(r["day"])[5:] for r in volume], [r["messages"] for r in volume], "daily volume"
            ),
        ),
        "<h2>2. Which problems are most frequent?</h2>",
        _figure(
            "top_topics",
            "Topics of requests (rules, else the most shared keyword)",
            bar_chart([r["topic"] for r in topics[:10]], [r["requests"] for r in topics[:10]], "top topics"),
            note=f"{coverage.get('without_rule', 0)} of {coverage.get('requests', 0)} requests are covered "
            f"by no topic rule ({_pct(coverage.get('without_rule_pct'))}).",
        ),
        _figure(
            "top_commands",
            "Bot commands",
            bar_chart([r["command"] for r in commands], [r["uses"] for r in commands], "top commands"),
        ),
        _figure(
            "top_keywords",
            "Keywords of requests no rule covers (the next rule to add)",
            bar_chart(
                [r["keyword"] for r in uncovered[:12]],
                [r["requests"] for r in uncovered[:12]],
                "top keywords",
            ),
        ),
        "<h2>3. Does the bot resolve them?</h2>",
        _figure(
            "resolution",
            "Feedback on the bot's answers (the owner's last click per prompt)",
            split_bar(
                [
                    ("resolved", feedback.get("resolved", 0), GOOD),
                    ("not resolved", feedback.get("unresolved", 0), BAD),
                ],
                "resolution",
            ),
            note=f"{answered.get('answered', 0)} of {answered.get('questions', 0)} requests were answered by "
            f"staff or the bot (median first response {answered.get('median_minutes_to_reply') or '-'} min); "
            f"{again.get('followed_by_another_question', 0)} were asked again on the same topic within 24 h. "
            f"{staff_note}",
        ),
        _figure(
            "outcomes",
            "How cases end",
            split_bar(
                [
                    ("resolved", outcomes.get("resolved", 0), GOOD),
                    ("unresolved", outcomes.get("unresolved", 0), BAD),
                    ("unknown", outcomes.get("unknown", 0), "#9aa5b1"),
                ],
                "outcomes",
            ),
        ),
    ]
    return PAGE.format(
        title=escape(title), subtitle=escape(subtitle), stats=stats, figures="\n".join(figures)
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 860px; padding: 24px;
        color: #1f2933; }}
h1 {{ margin-bottom: 0; }} .sub {{ color: #616e7c; margin-top: 4px; }}
.stats {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; margin: 20px 0; }}
.stat {{ background: #f5f7fa; border-radius: 8px; padding: 12px; }}
.stat b {{ display: block; font-size: 20px; overflow-wrap: anywhere; }} .stat span {{ color: #616e7c; }}
figure {{ margin: 0 0 28px; }} figcaption {{ font-weight: 600; margin-bottom: 6px; }}
.tick {{ font-size: 11px; fill: #616e7c; }} .label {{ font-size: 13px; fill: #1f2933; }}
.value {{ font-size: 12px; fill: #616e7c; }} .note {{ color: #616e7c; }}
</style></head>
<body>
<h1>{title}</h1><p class="sub">{subtitle}</p>
<div class="stats">{stats}</div>
{figures}
<script>
// Lets a headless browser check the page: how many charts drew, and any script error.
window.addEventListener("error", (e) => {{
  document.body.dataset.errors = (document.body.dataset.errors || "") + e.message;
}});
document.body.dataset.charts = document.querySelectorAll("figure.chart svg").length;
</script>
</body></html>
"""
