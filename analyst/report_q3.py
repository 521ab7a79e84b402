"""The report's third question, "does the bot resolve them?": its headline figures and its section, with
staff and the bot apart wherever a response time or an answered share is shown ("anyone" only where
labelled so), and each split bar a partition of one whole that its title and legend name (issue 21)."""

from __future__ import annotations

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
    column_chart,
    split_bar,
)
from analyst.report_page import figure as _figure
from analyst.report_page import prose as _prose
from analyst.report_page import stat as _stat
from analyst.report_rules import NO_TOPIC
from analyst.report_tables import data_table
from analyst.report_texts import DASH, as_day, date_text, number, percent, translate

Rows = list[dict[str, Any]]
BOT_TOPICS_SHOWN = 50  # q3_bot_containment's LIMIT: its rows are the largest topics
BOTH = "#7b61c9"  # answered by staff and by the bot


def _one(rows: Rows) -> dict[str, Any]:
    return rows[0] if rows else {}


def q3_part(answers: dict[str, Rows], *, lang: str, staff_known: bool) -> tuple[list[str], list[str]]:
    """Q3's headline figures (the stats strip's boxes) and its section (a heading and its figures)."""

    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    def n(value: Any) -> str:
        return number(value, lang)

    def topic(value: Any) -> str:  # requests without a topic, named in the page's language
        return t("no_topic") if value is None or value == NO_TOPIC else str(value)

    def share(part: Any, whole: Any) -> str:  # in whole percents, as the split bars' legends write them
        return f"{number(100 * part / whole, lang, 0)} %" if whole else t("no_data")

    def minutes(value: Any) -> str:
        return DASH if value is None else t("minutes", minutes=n(value))

    no_ratings = t("no_ratings")
    # The columns the weekly and the per-topic tables share: staff and the bot apart, anyone, the ratings.
    answer_headers = [t(key) for key in ("staff_pct", "bot_pct", "median_staff", "median_bot", "answered_pct",
                                         "median_minutes", "rated", "resolution_pct")]  # fmt: skip

    def answer_values(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r["answered_by_staff_pct"], r["answered_by_bot_pct"], r["median_minutes_to_staff"],
                r["median_minutes_to_bot"], r["answered_pct"], r["median_minutes_to_reply"], r["rated"],
                r["resolution_rate_pct"])  # fmt: skip

    def answer_cells(r: dict[str, Any]) -> tuple[str, ...]:
        return (percent(r["answered_by_staff_pct"], lang, DASH),
                percent(r["answered_by_bot_pct"], lang, DASH), n(r["median_minutes_to_staff"]),
                n(r["median_minutes_to_bot"]),
                percent(r["answered_pct"], lang, DASH), n(r["median_minutes_to_reply"]), n(r["rated"]),
                percent(r["resolution_rate_pct"] if r["rated"] else None, lang, no_ratings))  # fmt: skip

    feedback = _one(answers.get("q3_feedback_resolution_rate", []))
    answered = _one(answers.get("q3_questions_answered", []))
    again = _one(answers.get("q3_asked_again_within_24h", []))
    outcomes = answers.get("q3_case_outcomes", [])
    weekly = answers.get("q3_weekly_trends", [])
    per_topic = answers.get("q3_topics", [])
    rated = feedback.get("rated") or 0
    bot_rows = answers.get("q3_bot_containment", [])
    bot_keys = ("cases", "bot_answered", "contained", "escalated", "bot_handled")
    bot = {k: sum(r[k] or 0 for r in bot_rows) for k in bot_keys}
    # Who answered the requests, staff and the bot apart: a partition of the requests (a case both
    # answered is in "both", so staff only + bot only + both + no one = the requests).
    requests = answered.get("questions") or 0
    by_anyone = answered.get("answered") or 0
    by_staff, by_bot = answered.get("answered_by_staff") or 0, answered.get("answered_by_bot") or 0
    who = {
        "staff_only": by_anyone - by_bot,
        "bot_only": by_anyone - by_staff,
        "both": by_staff + by_bot - by_anyone,
        "no_one": requests - by_anyone,
    }
    stats = [
        _stat(
            percent(feedback.get("resolution_rate_pct") if rated else None, lang, no_ratings),
            t("resolved_of_rated", rated=n(rated)),
        ),
        _stat(share(by_staff, requests), t("answered_by_staff_of", requests=n(requests))),
        _stat(share(by_bot, requests), t("answered_by_bot_of", requests=n(requests))),
        _stat(minutes(answered.get("median_minutes_to_staff")), t("median_staff_stat")),
        _stat(minutes(answered.get("median_minutes_to_bot")), t("median_bot_stat")),
    ]
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
            whole=rated,
            of=t("resolution_whole", rated=n(rated)),
        )
        if rated
        else f'<p class="empty">{escape(no_ratings)}</p>'
    )
    who_parts = [
        (t("staff_only"), who["staff_only"], ACCENT),
        (t("both"), who["both"], BOTH),
        (t("bot_only"), who["bot_only"], GOOD),
        (t("no_one"), who["no_one"], UNKNOWN),
    ]
    answered_chart = (
        split_bar(
            who_parts,
            lang,
            whole=requests,
            of=t("answered_whole", requests=n(requests)),
        )
        if requests
        else f'<p class="empty">{escape(t("no_rows"))}</p>'
    )
    answered_note = t(
        "answered_note",
        staff=n(by_staff),
        requests=n(requests),
        staff_median=n(answered.get("median_minutes_to_staff")),
        bot=n(by_bot),
        bot_median=n(answered.get("median_minutes_to_bot")),
        both=n(who["both"]),
        staff_only=n(who["staff_only"]),
        bot_only=n(who["bot_only"]),
        answered=n(by_anyone),
        unanswered=n(who["no_one"]),
        again=n(again.get("followed_by_another_question", 0)),
    )
    bot_answered, handled = bot["bot_answered"], bot["bot_handled"]  # handled: answered or handed over
    # The bot's share: a partition of the cases it handled (contained and escalated exclude each other).
    bot_other = handled - bot["contained"] - bot["escalated"]
    bot_chart = (
        split_bar(
            [
                (t("contained"), bot["contained"], GOOD),
                (t("escalated"), bot["escalated"], ACCENT),
                (t("bot_other"), bot_other, MUTED),
            ],
            lang,
            whole=handled,
            of=t("bot_whole", handled=n(handled)),
        )
        if handled
        else f'<p class="empty">{escape(t("bot_unknown"))}</p>'
    )
    bot_note = ""
    if handled:
        bot_note = t(
            "bot_note",
            handled=n(handled),
            answered=n(bot_answered),
            cases=n(bot["cases"]),
            contained=n(bot["contained"]),
            containment=share(bot["contained"], handled),
            escalated=n(bot["escalated"]),
            escalation=share(bot["escalated"], handled),
            other=n(bot_other),
            other_share=share(bot_other, handled),
        )
        if len(bot_rows) >= BOT_TOPICS_SHOWN:  # the query keeps the largest topics only
            bot_note += " " + t("bot_top", topics=n(len(bot_rows)))
    one_week = (
        t(
            "one_week",
            week=as_day(weekly[0]["week"]),
            requests=n(weekly[0]["requests"]),
            staff=percent(weekly[0]["answered_by_staff_pct"], lang, DASH),
            bot=percent(weekly[0]["answered_by_bot_pct"], lang, DASH),
        )
        if weekly
        else t("no_rows")
    )
    outcome_names = {"resolved": t("resolved"), "unresolved": t("unresolved"), "unknown": t("unknown")}
    outcome_count = {r["outcome"]: r["cases"] for r in outcomes}
    figures = [
        f"<h2>{escape(t('q3'))}</h2>",
        _figure(
            "answered",
            t("answered_chart", requests=n(requests)),
            answered_chart,
            data_table(
                "answered_by",
                [t("answerer"), t("requests"), t("share")],
                [(name, count, 100 * count / requests if requests else None) for name, count, _ in who_parts],
                lang,
                shown=[(name, n(count), share(count, requests)) for name, count, _ in who_parts],
            ),
            note=answered_note + ("" if staff_known else " " + t("staff_unknown")),
        ),
        _figure(
            "bot_share",
            t("bot_share", handled=n(handled)),
            bot_chart,
            data_table(
                "bot_containment",
                [
                    t("topic"),
                    t("cases"),
                    t("bot_answered"),
                    t("bot_handled"),
                    t("containment_pct"),
                    t("escalation_pct"),
                    t("median_bot_minutes"),
                ],
                [
                    (
                        topic(r["topic"]),
                        r["cases"],
                        r["bot_answered"],
                        r["bot_handled"],
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
                        n(r["bot_handled"]),
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
            t("resolution", rated=n(rated)),
            resolution_chart,
        ),
        _figure(
            "outcomes",
            t("outcomes", cases=n(requests)),
            split_bar(
                [
                    (outcome_names["resolved"], outcome_count.get("resolved", 0), GOOD),
                    (outcome_names["unresolved"], outcome_count.get("unresolved", 0), BAD),
                    (outcome_names["unknown"], outcome_count.get("unknown", 0), UNKNOWN),
                ],
                lang,
                whole=requests,
                of=t("outcomes_whole", cases=n(requests)),
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
                    *answer_headers,
                    t("resolved_pct"),
                ],
                [
                    (
                        as_day(r["week"]),
                        r["requests"],
                        *answer_values(r),
                        r.get("resolved_pct"),
                    )
                    for r in weekly
                ],
                lang,
                shown=[
                    (
                        date_text(r["week"], lang),
                        n(r["requests"]),
                        *answer_cells(r),
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
                    *answer_headers,
                    t("asked_again_pct"),
                ],
                [
                    (
                        topic(r["topic"]),
                        r["requests"],
                        *answer_values(r),
                        r.get("asked_again_pct"),
                    )
                    for r in per_topic
                ],
                lang,
                shown=[
                    (
                        topic(r["topic"]),
                        n(r["requests"]),
                        *answer_cells(r),
                        percent(r.get("asked_again_pct"), lang, DASH),
                    )
                    for r in per_topic
                ],
                open_=True,
            ),
        ),
    ]
    return stats, figures
