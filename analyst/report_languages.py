"""The report's "requests per language" figure (Q2): each language's requests and share, and plainly, the
languages whose requests are found by their question mark only (no question words or problem phrases of
theirs in the intent: telegram_etl.language.QUESTION_RULE_LANGUAGES)."""

from __future__ import annotations

from html import escape
from typing import Any

from analyst.report_charts import bars
from analyst.report_tables import data_table
from analyst.report_texts import DASH, number, percent, translate
from telegram_etl.language import QUESTION_RULE_LANGUAGES, UNDETERMINED


def question_mark_only(rows: list[dict[str, Any]]) -> list[str]:
    """The languages of `rows` (q2_requests_by_language) whose requests only a "?" finds, busiest first."""
    return [
        row["language"]
        for row in rows
        if row["language"] not in QUESTION_RULE_LANGUAGES and row["language"] != UNDETERMINED
    ]


def languages_figure(rows: list[dict[str, Any]], lang: str) -> str:
    """The figure: bars of requests per language, its table (with how requests are found in each) and a
    note, which names the languages found by "?" only."""

    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    def name(code: str) -> str:
        return t("und_language") if code == UNDETERMINED else code

    def found_by(code: str) -> str:
        if code == UNDETERMINED:
            return DASH
        return t("found_by_rules") if code in QUESTION_RULE_LANGUAGES else t("found_by_mark")

    only_mark = question_mark_only(rows)
    note = t("languages_note")
    if only_mark:
        note += " " + t("question_mark_only", languages=", ".join(only_mark))
    chart = (
        bars([name(r["language"]) for r in rows], [r["requests"] for r in rows], lang)
        if rows
        else f'<p class="empty">{escape(t("no_rows"))}</p>'
    )
    table = data_table(
        "requests_by_language",
        [t("language"), t("requests"), t("share"), t("found_by")],
        [(r["language"], r["requests"], r["requests_pct"], found_by(r["language"])) for r in rows],
        lang,
        shown=[
            (name(code), number(r["requests"], lang), percent(r["requests_pct"], lang, DASH), found_by(code))
            for r in rows
            for code in [r["language"]]
        ],
    )
    return (
        f'<figure class="chart" data-chart="requests_by_language"><figcaption>{escape(t("languages"))}'
        f'</figcaption><div class="plot">{chart}</div><p class="note">{escape(note)}</p>{table}</figure>'
    )
