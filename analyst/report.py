"""The HTML report of the three answers: one self-contained page (inline SVG and CSS charts, CSV downloads
as data: URIs, no network, no libraries), made from the named queries' rows exactly as Athena or DuckDB
return them, in one language per page (English or Brazilian Portuguese).

Every value is readable without hovering: bars carry their numbers, the heatmap its averages and a
legend, and each chart has its table (with a CSV download) beside it. Charts come in two drawings, one
for wide screens and one for phones (about 390 px), so that no text shrinks below legibility.
"""

from __future__ import annotations

from html import escape
from typing import Any

from analyst.report_charts import (
    NARROW,
    WIDE,
    bars,
    column_chart,
    heatmap,
)
from analyst.report_languages import languages_figure
from analyst.report_page import PAGE
from analyst.report_page import figure as _figure
from analyst.report_page import prose as _prose
from analyst.report_page import stat as _stat
from analyst.report_q3 import q3_part
from analyst.report_rules import MIN_ASKERS, NO_TOPIC, heatmap_rows, next_rule_keywords
from analyst.report_tables import data_table
from analyst.report_texts import DASH, as_day, date_text, number, percent, translate

Rows = list[dict[str, Any]]


def _one(rows: Rows) -> dict[str, Any]:
    return rows[0] if rows else {}


def render(
    answers: dict[str, Rows], *, title: str | None = None, subtitle: str, timezone: str,
    staff_known: bool = True, lang: str = "en",
) -> str:  # fmt: skip
    """The whole page in `lang` (en or pt-BR). `answers` maps each named query to its rows."""

    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    def n(value: Any) -> str:
        return number(value, lang)

    def topic(value: Any) -> str:  # requests without a topic, named in the page's language
        return t("no_topic") if value is None or value == NO_TOPIC else str(value)

    by_hour = {int(row["hour_of_day"]): row["messages"] for row in answers.get("q1_messages_by_hour", [])}
    peak_hour = max(by_hour, key=lambda h: (by_hour[h], -h)) if by_hour else None
    volume = answers.get("q1_volume_by_day", [])
    topics, commands = (answers.get(q, []) for q in ("q2_top_topics", "q2_top_commands"))
    uncovered, common_words, few_askers = next_rule_keywords(answers.get("q2_uncovered_keywords", []))
    coverage = _one(answers.get("q2_topic_coverage", []))
    answered = _one(answers.get("q3_questions_answered", []))
    heat_rows, partial_days = heatmap_rows(answers.get("q1_heatmap_weekday_hour", []), volume)
    heat = {(int(r["weekday"]), int(r["hour_of_day"])): float(r["messages_per_day"]) for r in heat_rows}
    days = t("weekdays").split()
    q3_stats, q3_figures = q3_part(answers, lang=lang, staff_known=staff_known)
    stats = "".join(
        [
            _stat(f"{peak_hour}h" if peak_hour is not None else DASH, t("busiest_hour", timezone=timezone)),
            _stat(n(sum(by_hour.values())), t("customer_messages")),
            _stat(n(answered.get("questions", 0)), t("requests_cases")),
            _stat(topic(topics[0]["topic"]) if topics else DASH, t("top_topic")),
            *q3_stats,
        ]
    )
    hours = list(range(24))
    hour_values = [by_hour.get(h, 0) for h in hours]
    day_labels = [date_text(r["day"], lang) for r in volume]

    def columns(labels: list[str], values: list[Any], label: str) -> str:
        return column_chart(labels, values, label, width=WIDE, lang=lang) + column_chart(
            labels, values, label, width=NARROW, lang=lang
        )

    figures = [
        f"<h2>{escape(t('q1'))}</h2>",
        _figure(
            "messages_by_hour",
            t("by_hour", timezone=timezone),
            columns([str(h) for h in hours], hour_values, t("by_hour", timezone=timezone)),
            data_table(
                "messages_by_hour",
                [t("hour"), t("messages")],
                list(zip(hours, hour_values, strict=True)),
                lang,
            ),
        ),
        _figure(
            "heatmap",
            t("heatmap"),
            heatmap(heat, t("heatmap"), lang=lang) + heatmap(heat, t("heatmap"), lang=lang, narrow=True),
            data_table(
                "heatmap_weekday_hour",
                [t("weekday"), t("hour"), t("messages"), t("days_counted"), t("messages_per_day")],
                [
                    (
                        days[int(r["weekday"]) - 1],
                        r["hour_of_day"],
                        r["messages"],
                        r["days"],
                        r["messages_per_day"],
                    )
                    for r in heat_rows
                ],
                lang,
                shown=[
                    (
                        days[int(r["weekday"]) - 1],
                        f"{r['hour_of_day']}h",
                        n(r["messages"]),
                        n(r["days"]),
                        n(r["messages_per_day"]),
                    )
                    for r in heat_rows
                ],
            ),
            note=" ".join(
                [t("heatmap_legend")]
                + [t("heatmap_partial", days=day, messages=n(count)) for day, count in partial_days]
            ),
        ),
        _figure(
            "daily_volume",
            t("daily"),
            columns(day_labels, [r["messages"] for r in volume], t("daily")),
            data_table(
                "volume_by_day",
                [t("day"), t("messages"), t("requests"), t("customers")],
                [(as_day(r["day"]), r["messages"], r.get("requests"), r.get("customers")) for r in volume],
                lang,
                shown=[
                    (date_text(r["day"], lang), n(r["messages"]), n(r.get("requests")), n(r.get("customers")))
                    for r in volume
                ],
            ),
        ),
        f"<h2>{escape(t('q2'))}</h2>",
        _figure(
            "top_topics",
            t("topics"),
            bars([topic(r["topic"]) for r in topics[:10]], [r["requests"] for r in topics[:10]], lang),
            data_table(
                "top_topics",
                [t("topic"), t("requests")],
                [(topic(r["topic"]), r["requests"]) for r in topics],
                lang,
                shown=[(topic(r["topic"]), n(r["requests"])) for r in topics],
            ),
            note=t(
                "coverage",
                without=n(coverage.get("without_rule", 0)),
                requests=n(coverage.get("requests", 0)),
                pct=percent(coverage.get("without_rule_pct"), lang, t("no_data")),
            ),
        ),
        languages_figure(answers.get("q2_requests_by_language", []), lang),
        _figure(
            "top_commands",
            t("commands"),
            bars([r["command"] for r in commands], [r["uses"] for r in commands], lang),
            data_table(
                "top_commands",
                [t("command"), t("uses")],
                [(r["command"], r["uses"]) for r in commands],
                lang,
                shown=[(str(r["command"]), n(r["uses"])) for r in commands],
            ),
        ),
        _figure(
            "top_keywords",
            t("keywords"),
            bars([r["keyword"] for r in uncovered[:12]], [r["requests"] for r in uncovered[:12]], lang)
            if uncovered
            else f'<p class="empty">{escape(t("no_keywords", askers=MIN_ASKERS))}</p>',
            data_table(
                "uncovered_keywords",
                [t("keyword"), t("requests"), t("askers")],
                [(r["keyword"], r["requests"], r["users"]) for r in uncovered],
                lang,
                shown=[(str(r["keyword"]), n(r["requests"]), n(r["users"])) for r in uncovered],
            ),
            note=" ".join(
                [t("keywords_rule", askers=MIN_ASKERS)]
                + ([t("keywords_left_out", words=", ".join(common_words))] if common_words else [])
                + ([t("keywords_few", count=n(few_askers), askers=MIN_ASKERS)] if few_askers else [])
            ),
        ),
        *q3_figures,
    ]
    return PAGE.format(
        lang=lang,
        title=escape(title or t("title")),
        subtitle=_prose(subtitle),
        stats=stats,
        figures="\n".join(figures),
    )
