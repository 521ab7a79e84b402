"""The HTML report of the three answers: one self-contained page (inline SVG and CSS charts, CSV downloads
as data: URIs, no network, no libraries), made from the named queries' rows exactly as Athena or DuckDB
return them, in one language per page (English or Brazilian Portuguese).

Every value is readable without hovering: bars carry their numbers, the heatmap its averages and a
legend, and each chart has its table (with a CSV download) beside it. Charts come in two drawings, one
for wide screens and one for phones (about 390 px), so that no text shrinks below legibility.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from analyst.report_charts import (
    ACCENT,
    BAD,
    GOOD,
    MUTED,
    NARROW,
    UNKNOWN,
    WIDE,
    bars,
    column_chart,
    heatmap,
    split_bar,
)
from analyst.report_languages import languages_figure
from analyst.report_page import PAGE
from analyst.report_rules import MIN_ASKERS, NO_TOPIC, heatmap_rows, next_rule_keywords
from analyst.report_tables import data_table
from analyst.report_texts import DASH, as_day, date_text, number, percent, translate

Rows = list[dict[str, Any]]
BOT_TOPICS_SHOWN = 50  # q3_bot_containment's LIMIT: its rows are the largest topics


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}")


def _prose(text: str) -> str:
    """A sentence as HTML, its days kept on one line (a line never breaks inside 2025-03-10)."""
    return _DAY.sub(lambda day: f'<span class="day">{day[0]}</span>', escape(text))


def _figure(name: str, title: str, chart: str, table: str = "", note: str = "") -> str:
    caption = f'<p class="note">{_prose(note)}</p>' if note else ""
    return (
        f'<figure class="chart" data-chart="{name}"><figcaption>{escape(title)}</figcaption>'
        f'<div class="plot">{chart}</div>{caption}{table}</figure>'
    )


def _stat(value: str, label: str) -> str:
    return f'<div class="stat"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


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

    no_ratings = t("no_ratings")
    by_hour = {int(row["hour_of_day"]): row["messages"] for row in answers.get("q1_messages_by_hour", [])}
    peak_hour = max(by_hour, key=lambda h: (by_hour[h], -h)) if by_hour else None
    volume = answers.get("q1_volume_by_day", [])
    topics, commands = (answers.get(q, []) for q in ("q2_top_topics", "q2_top_commands"))
    uncovered, common_words, few_askers = next_rule_keywords(answers.get("q2_uncovered_keywords", []))
    coverage = _one(answers.get("q2_topic_coverage", []))
    feedback = _one(answers.get("q3_feedback_resolution_rate", []))
    answered = _one(answers.get("q3_questions_answered", []))
    again = _one(answers.get("q3_asked_again_within_24h", []))
    outcomes = answers.get("q3_case_outcomes", [])
    weekly = answers.get("q3_weekly_trends", [])
    per_topic = answers.get("q3_topics", [])
    heat_rows, partial_days = heatmap_rows(answers.get("q1_heatmap_weekday_hour", []), volume)
    heat = {(int(r["weekday"]), int(r["hour_of_day"])): float(r["messages_per_day"]) for r in heat_rows}
    rated = feedback.get("rated") or 0
    days = t("weekdays").split()
    bot_rows = answers.get("q3_bot_containment", [])
    bot_keys = ("cases", "bot_answered", "contained", "escalated", "bot_handled")
    bot = {k: sum(r[k] or 0 for r in bot_rows) for k in bot_keys}

    stats = "".join(
        [
            _stat(f"{peak_hour}h" if peak_hour is not None else DASH, t("busiest_hour", timezone=timezone)),
            _stat(n(sum(by_hour.values())), t("customer_messages")),
            _stat(n(answered.get("questions", 0)), t("requests_cases")),
            _stat(topic(topics[0]["topic"]) if topics else DASH, t("top_topic")),
            _stat(
                percent(feedback.get("resolution_rate_pct") if rated else None, lang, no_ratings),
                t("resolved_of_rated", rated=n(rated)),
            ),
            _stat(
                percent(answered.get("answered_pct"), lang, t("no_data")),
                t("answered_of", requests=n(answered.get("questions", 0))),
            ),
        ]
    )
    hours = list(range(24))
    hour_values = [by_hour.get(h, 0) for h in hours]
    day_labels = [date_text(r["day"], lang) for r in volume]
    week_labels = [date_text(r["week"], lang) for r in weekly]

    def columns(labels: list[str], values: list[Any], label: str) -> str:
        return column_chart(labels, values, label, width=WIDE, lang=lang) + column_chart(
            labels, values, label, width=NARROW, lang=lang
        )

    resolution_chart = (
        split_bar(
            [
                (t("resolved"), feedback.get("resolved", 0), GOOD),
                (t("unresolved"), feedback.get("unresolved", 0), BAD),
            ],
            lang,
        )
        if rated
        else f'<p class="empty">{escape(no_ratings)}</p>'
    )
    answered_note = t(
        "answered_note",
        answered=n(answered.get("answered", 0)),
        requests=n(answered.get("questions", 0)),
        median=n(answered.get("median_minutes_to_reply")),
        again=n(again.get("followed_by_another_question", 0)),
    )
    bot_answered, handled = bot["bot_answered"], bot["bot_handled"]  # handled: answered or handed over
    bot_chart = (
        split_bar(
            [
                (t("contained"), bot["contained"], GOOD),
                (t("escalated"), bot["escalated"], ACCENT),
                (t("bot_other"), handled - bot["contained"] - bot["escalated"], MUTED),
            ],
            lang,
        )
        if handled
        else f'<p class="empty">{escape(t("bot_unknown"))}</p>'
    )
    bot_note = ""
    if handled:
        bot_note = t(
            "bot_note",
            answered=n(bot_answered),
            cases=n(bot["cases"]),
            contained=n(bot["contained"]),
            containment=percent(100 * bot["contained"] / handled, lang, DASH),
            escalated=n(bot["escalated"]),
            escalation=percent(100 * bot["escalated"] / handled, lang, DASH),
        )
        if len(bot_rows) >= BOT_TOPICS_SHOWN:  # the query keeps the largest topics only
            bot_note += " " + t("bot_top", topics=n(len(bot_rows)))
    one_week = (
        t(
            "one_week",
            week=as_day(weekly[0]["week"]),
            requests=n(weekly[0]["requests"]),
            answered=percent(weekly[0]["answered_pct"], lang, DASH),
        )
        if weekly
        else t("no_rows")
    )
    outcome_names = {"resolved": t("resolved"), "unresolved": t("unresolved"), "unknown": t("unknown")}
    outcome_count = {r["outcome"]: r["cases"] for r in outcomes}
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
        f"<h2>{escape(t('q3'))}</h2>",
        _figure(
            "bot_share",
            t("bot_share"),
            bot_chart,
            data_table(
                "bot_containment",
                [
                    t("topic"),
                    t("cases"),
                    t("bot_answered"),
                    t("containment_pct"),
                    t("escalation_pct"),
                    t("median_bot_minutes"),
                ],
                [
                    (
                        topic(r["topic"]),
                        r["cases"],
                        r["bot_answered"],
                        r["containment_pct"],
                        r["escalation_pct"],
                        r["median_minutes_to_bot_answer"],
                    )
                    for r in bot_rows
                ],
                lang,
                shown=[
                    (
                        topic(r["topic"]),
                        n(r["cases"]),
                        n(r["bot_answered"]),
                        percent(r["containment_pct"], lang, DASH),
                        percent(r["escalation_pct"], lang, DASH),
                        n(r["median_minutes_to_bot_answer"]),
                    )
                    for r in bot_rows
                ],
                open_=True,
            )
            if bot_answered
            else "",
            note=bot_note,
        ),
        _figure(
            "resolution",
            t("resolution"),
            resolution_chart,
            note=answered_note + ("" if staff_known else " " + t("staff_unknown")),
        ),
        _figure(
            "outcomes",
            t("outcomes"),
            split_bar(
                [
                    (outcome_names["resolved"], outcome_count.get("resolved", 0), GOOD),
                    (outcome_names["unresolved"], outcome_count.get("unresolved", 0), BAD),
                    (outcome_names["unknown"], outcome_count.get("unknown", 0), UNKNOWN),
                ],
                lang,
            ),
            data_table(
                "case_outcomes",
                [t("outcome"), t("cases"), t("share")],
                [(outcome_names.get(r["outcome"], r["outcome"]), r["cases"], r.get("pct")) for r in outcomes],
                lang,
                shown=[
                    (outcome_names.get(r["outcome"], r["outcome"]), n(r["cases"]), n(r.get("pct")))
                    for r in outcomes
                ],
            ),
        ),
        _figure(
            "weekly_trends",
            t("weekly"),
            columns(week_labels, [r["requests"] for r in weekly], t("weekly"))
            if len(weekly) > 1
            else f'<p class="empty">{_prose(one_week)}</p>',
            data_table(
                "weekly_trends",
                [
                    t("week"),
                    t("requests"),
                    t("answered_pct"),
                    t("median_minutes"),
                    t("rated"),
                    t("resolution_pct"),
                    t("resolved_pct"),
                ],
                [
                    (
                        as_day(r["week"]),
                        r["requests"],
                        r["answered_pct"],
                        r["median_minutes_to_reply"],
                        r["rated"],
                        r["resolution_rate_pct"],
                        r.get("resolved_pct"),
                    )
                    for r in weekly
                ],
                lang,
                shown=[
                    (
                        date_text(r["week"], lang),
                        n(r["requests"]),
                        percent(r["answered_pct"], lang, DASH),
                        n(r["median_minutes_to_reply"]),
                        n(r["rated"]),
                        percent(r["resolution_rate_pct"] if r["rated"] else None, lang, no_ratings),
                        percent(r.get("resolved_pct"), lang, DASH),
                    )
                    for r in weekly
                ],
                open_=True,
            ),
            note=t("weekly_note"),
        ),
        _figure(
            "topic_table",
            t("topic_table"),
            data_table(
                "topics",
                [
                    t("topic"),
                    t("requests"),
                    t("answered_pct"),
                    t("median_minutes"),
                    t("rated"),
                    t("resolution_pct"),
                    t("asked_again_pct"),
                ],
                [
                    (
                        topic(r["topic"]),
                        r["requests"],
                        r["answered_pct"],
                        r["median_minutes_to_reply"],
                        r["rated"],
                        r["resolution_rate_pct"],
                        r.get("asked_again_pct"),
                    )
                    for r in per_topic
                ],
                lang,
                shown=[
                    (
                        topic(r["topic"]),
                        n(r["requests"]),
                        percent(r["answered_pct"], lang, DASH),
                        n(r["median_minutes_to_reply"]),
                        n(r["rated"]),
                        percent(r["resolution_rate_pct"] if r["rated"] else None, lang, no_ratings),
                        percent(r.get("asked_again_pct"), lang, DASH),
                    )
                    for r in per_topic
                ],
                open_=True,
            ),
        ),
    ]
    return PAGE.format(
        lang=lang,
        title=escape(title or t("title")),
        subtitle=_prose(subtitle),
        stats=stats,
        figures="\n".join(figures),
    )
