"""The report page from hand-made answers: readable numbers, one language, no made-up rates, tables with
CSV downloads, axis labels that never overlap, one self-contained file."""

import itertools
import re
from datetime import date, timedelta
from urllib.parse import unquote

import pytest

from analyst.report import render
from analyst.report_charts import column_chart
from analyst.report_tables import csv_uri
from analyst.report_texts import number


def answers(*, rated: int = 3, days: int = 7, bot: bool = True) -> dict[str, list[dict]]:
    first = date(2025, 3, 3)
    return {
        "q1_messages_by_hour": [{"hour_of_day": 9, "messages": 1234}, {"hour_of_day": 14, "messages": 5}],
        "q1_heatmap_weekday_hour": [
            {"weekday": 1, "hour_of_day": 9, "messages": 3, "days": 3, "messages_per_day": 42.333333333333336},
            {"weekday": 2, "hour_of_day": 14, "messages": 1, "days": 3, "messages_per_day": 0.3333333333333333},
        ],
        "q1_volume_by_day": [
            {"day": first + timedelta(days=i), "messages": 10 + i, "requests": 2, "customers": 3} for i in range(days)
        ],
        "q2_top_topics": [{"topic": "rastreio", "requests": 5}, {"topic": "pagamento, boleto", "requests": 2}],
        "q2_topic_coverage": [{"requests": 7, "without_rule": 2, "without_rule_pct": 28.571428571428573}],
        "q2_top_commands": [{"command": "/ajuda", "uses": 4}],
        "q2_uncovered_keywords": [{"keyword": "boleto", "requests": 2}],
        "q3_feedback_resolution_rate": [
            {"rated": rated, "resolved": 2 if rated else 0, "unresolved": 1 if rated else 0,
             "resolution_rate_pct": 66.66666666666667 if rated else None}
        ],
        "q3_questions_answered": [
            {"questions": 7, "answered": 5, "answered_pct": 71.42857142857143, "median_minutes_to_reply": 12.25}
        ],
        "q3_asked_again_within_24h": [{"followed_by_another_question": 1}],
        "q3_case_outcomes": [{"outcome": "resolved", "cases": 2, "pct": 28.6}, {"outcome": "unknown", "cases": 5, "pct": 71.4}],
        "q3_weekly_trends": [
            {"week": first, "requests": 7, "answered": 5, "answered_pct": 71.4, "median_minutes_to_reply": 12.3,
             "rated": rated, "resolution_rate_pct": 66.7 if rated else None, "resolved_pct": 28.6},
        ],
        "q3_topics": [
            {"topic": "rastreio", "requests": 5, "answered_pct": 80.0, "median_minutes_to_reply": 10.0, "rated": 0,
             "resolution_rate_pct": None, "asked_again_pct": 0.0},
            {"topic": "(no topic)", "requests": 2, "answered_pct": 50.0, "median_minutes_to_reply": 30.5, "rated": 2,
             "resolution_rate_pct": 50.0, "asked_again_pct": 0.0},
        ],
        # Without the bot's own messages (nothing posted to /outgoing) the query still has its rows, with zeros.
        "q3_bot_containment": [
            # With the bot: 4 answered, 1 handed over (escalated, not answered), 1 escalated after an answer.
            {"topic": "rastreio", "cases": 5, "bot_answered": 4 if bot else 0, "contained": 2 if bot else 0,
             "containment_pct": 40.0 if bot else None, "escalated": 2 if bot else 0,
             "escalation_pct": 40.0 if bot else None, "median_minutes_to_bot_answer": 0.3333 if bot else None,
             "handed_over": 1 if bot else 0, "bot_handled": 5 if bot else 0},
            {"topic": "(no topic)", "cases": 2, "bot_answered": 0, "contained": 0, "containment_pct": None,
             "escalated": 0, "escalation_pct": None, "median_minutes_to_bot_answer": None, "handed_over": 0,
             "bot_handled": 0},
        ],
    }  # fmt: skip


def visible_text(page: str) -> str:
    """What a reader sees: the page without its tags, style, script and data: URIs."""
    body = re.sub(r"<(style|script)>.*?</\1>", "", page, flags=re.DOTALL)
    body = re.sub(r"<title>.*?</title>", "", body)
    return re.sub(r"<[^>]+>", " ", body)


def cells(page: str) -> str:
    """The page with its table cells' labels (for the phone's card layout) left out."""
    return re.sub(r' data-label="[^"]*"', "", page)


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [(42.333333333333336, "en", "42.3"), (42.333333333333336, "pt-BR", "42,3"), (1234, "en", "1,234"),
     (1234, "pt-BR", "1.234"), (12345.67, "pt-BR", "12.345,7"), (66.0, "en", "66"), (None, "en", "\u2013"),
     (0.04, "en", "0")],
)  # fmt: skip
def test_numbers_are_rounded_for_people(value, lang, shown):
    assert number(value, lang) == shown


def test_no_long_float_reaches_the_page_in_either_language():
    for lang, decimal in (("en", "."), ("pt-BR", ",")):
        text = visible_text(render(answers(), subtitle="s", timezone="America/Sao_Paulo", lang=lang))
        assert not re.search(rf"\d{re.escape(decimal)}\d{{2,}}", text)  # one decimal at most
        assert "42.333" not in text and "42,333" not in text


def test_one_language_per_page():
    english = render(answers(), subtitle="s", timezone="UTC")
    portuguese = render(answers(), subtitle="s", timezone="UTC", lang="pt-BR")
    assert '<html lang="en">' in english and '<html lang="pt-BR">' in portuguese
    for phrase in (
        "When do customers call?",
        "Which problems",
        "Does the bot resolve",
        "Download CSV",
        "Table",
        "answered by the bot",
    ):
        assert phrase in english and phrase not in visible_text(portuguese)
    for phrase in (
        "Quando os clientes chamam?",
        "Baixar CSV",
        "seg",
        "(sem assunto)",
        "respondidos pelo bot",
    ):
        assert phrase in portuguese and phrase not in visible_text(english)
    with pytest.raises(ValueError, match="unknown language"):
        render(answers(), subtitle="s", timezone="UTC", lang="fr")


def test_no_ratings_is_said_never_shown_as_zero_percent():
    page = cells(render(answers(rated=0), subtitle="s", timezone="UTC"))
    assert "<b>no ratings yet</b><span>resolved, of 0 rated</span>" in page
    resolution = page[page.index('data-chart="resolution"') : page.index('data-chart="outcomes"')]
    assert "no ratings yet" in resolution and 'class="split"' not in resolution
    assert "<td>7</td><td>71.4 %</td><td>12.3</td><td>0</td><td>no ratings yet</td>" in page  # the week
    # rated topics show their rate, unrated ones say so
    page = cells(render(answers(rated=3), subtitle="s", timezone="UTC"))
    assert "<b>66.7 %</b><span>resolved, of 3 rated</span>" in page
    assert "<td>rastreio</td><td>5</td><td>80 %</td><td>10</td><td>0</td><td>no ratings yet</td>" in page


def test_the_staff_unknown_note_only_without_staff():
    assert "Staff is unknown" not in render(answers(), subtitle="s", timezone="UTC", staff_known=True)
    assert "Staff is unknown" in render(answers(), subtitle="s", timezone="UTC", staff_known=False)
    assert "Equipe desconhecida" in render(
        answers(), subtitle="s", timezone="UTC", staff_known=False, lang="pt-BR"
    )


def test_every_chart_has_a_table_with_its_csv():
    page = render(answers(), subtitle="s", timezone="UTC")
    tables = re.findall(r'data-table="([a-z_]+)"', page)
    assert tables == ["messages_by_hour", "heatmap_weekday_hour", "volume_by_day", "top_topics", "top_commands",
                      "uncovered_keywords", "bot_containment", "case_outcomes", "weekly_trends", "topics"]  # fmt: skip
    links = re.findall(r'download="([a-z_]+)\.csv" href="data:text/csv;charset=utf-8,([^"]+)"', page)
    assert [name for name, _ in links] == tables
    topics_csv = unquote(dict(links)["topics"]).lstrip("\ufeff").splitlines()
    assert (
        topics_csv[0]
        == "topic,requests,answered %,median first response (min),rated,resolution % (rated),asked again %"
    )
    assert topics_csv[1] == "rastreio,5,80,10,0,,0"  # no rate is an empty cell, not 0
    bot_csv = unquote(dict(links)["bot_containment"]).lstrip("\ufeff").splitlines()
    assert bot_csv == [
        "topic,cases,answered by the bot,containment %,escalation %,median to the bot's answer (min)",
        "rastreio,5,4,40,40,0.33",
        "(no topic),2,0,,,",
    ]


def bot_share(page: str) -> str:
    return page[page.index('data-chart="bot_share"') : page.index('data-chart="resolution"')]


def test_the_bots_share_answered_contained_and_escalated_in_either_language():
    english = bot_share(cells(render(answers(), subtitle="s", timezone="UTC")))
    assert (
        "4 of 7 cases were answered by the bot (its own messages, posted to POST /outgoing): 2 contained (no "
        "staff needed and nothing says unresolved: 40 % of those it answered or handed over) and 2 escalated "
        "(handed over to staff, or staff answered after it: 40 %)." in english
    )
    # Of the 5 cases the bot handled (4 answered, 1 handed over): 2 contained, 2 escalated, 1 neither.
    for part in (
        "contained: 2 (40 %)",
        "escalated to staff: 2 (40 %)",
        "answered by the bot, not contained: 1 (20 %)",
    ):
        assert part in english
    assert "<td>rastreio</td><td>5</td><td>4</td><td>40 %</td><td>40 %</td><td>0.3</td>" in english
    # A topic the bot answered nothing of has no rates (a dash), never 0 %.
    assert "<td>(no topic)</td><td>2</td><td>0</td><td>\u2013</td><td>\u2013</td><td>\u2013</td>" in english
    portuguese = bot_share(cells(render(answers(), subtitle="s", timezone="UTC", lang="pt-BR")))
    assert (
        "4 de 7 casos foram respondidos pelo bot" in portuguese
        and "escalados para a equipe: 2 (40 %)" in portuguese
    )
    assert "<td>(sem assunto)</td><td>2</td><td>0</td>" in portuguese and "<td>0,3</td>" in portuguese


def test_without_the_bots_messages_the_page_says_why_never_zero_percent():
    for lang, phrase in (
        ("en", "its backend posts them to POST /outgoing"),
        ("pt-BR", "o backend dele as envia"),
    ):
        share = bot_share(render(answers(bot=False), subtitle="s", timezone="UTC", lang=lang))
        assert phrase in share and 'class="split"' not in share and "0 %" not in share
        assert 'data-table="bot_containment"' not in share


def test_csv_quotes_commas_and_rounds_floats():
    uri = csv_uri(["topic", "pct"], [("pagamento, boleto", 28.571428571428573)])
    text = unquote(uri.removeprefix("data:text/csv;charset=utf-8,")).lstrip("\ufeff")
    assert text == 'topic,pct\r\n"pagamento, boleto",28.57\r\n'


def test_the_heatmap_has_a_legend_and_its_values_written_in_the_cells():
    page = render(answers(), subtitle="s", timezone="UTC")
    heat = page[page.index('data-chart="heatmap"') : page.index('data-chart="daily_volume"')]
    assert 'class="legend"' in heat and "linearGradient" in heat
    assert "average customer messages per day" in heat
    assert re.search(r'class="cell"[^>]*>42.3</text>', heat)


def test_ninety_days_of_axis_labels_never_overlap():
    labels = [f"{i:02d}" for i in range(90)]
    for width in (760, 360):
        svg = column_chart(labels, list(range(90)), "days", width=width)
        xs = [
            float(x)
            for x in re.findall(r'<text x="([\d.]+)" y="214" text-anchor="middle" class="tick">', svg)
        ]
        assert len(xs) >= 6
        assert min(b - a for a, b in itertools.pairwise(xs)) >= 40  # a label is about 36 px wide


def test_the_page_is_one_offline_file():
    page = render(answers(), subtitle="s", timezone="UTC")
    assert not re.search(r'(src|href)="(?!data:)[^"#]', page)  # no external script, style, image or link
    assert "<link" not in page and "@import" not in page


def test_the_demo_chooses_the_report_language():
    from local.demo import parse_args

    assert parse_args([]).lang == "en"
    assert parse_args(["--lang", "pt-BR"]).lang == "pt-BR"
    with pytest.raises(SystemExit):
        parse_args(["--lang", "fr"])
