"""The report page from hand-made answers: readable numbers, one language, no made-up rates, tables with
CSV downloads, axis labels that never overlap, one self-contained file."""

import csv
import io
import itertools
import re
from datetime import date, timedelta
from urllib.parse import unquote

import pytest

from analyst.report import render
from analyst.report_charts import MAX_BAR, column_chart
from analyst.report_rules import COMMON_WORDS, fold, heatmap_rows, next_rule_keywords
from analyst.report_tables import csv_text, csv_uri
from analyst.report_texts import number, translate
from tests.analyst.split_bars import check_split_bars, split_bars


def answers(*, rated: int = 3, days: int = 21, bot: bool = True) -> dict[str, list[dict]]:
    first = date(2025, 3, 3)
    return {
        "q1_messages_by_hour": [{"hour_of_day": 9, "messages": 1234}, {"hour_of_day": 14, "messages": 5}],
        "q1_heatmap_weekday_hour": [
            {"weekday": 1, "hour_of_day": 9, "messages": 127, "days": 3, "messages_per_day": 42.33},
            {"weekday": 2, "hour_of_day": 14, "messages": 1, "days": 3, "messages_per_day": 0.3333333333333333},
        ],
        "q1_volume_by_day": [
            {"day": first + timedelta(days=i), "messages": 10 + i % 7, "requests": 2, "customers": 3} for i in range(days)
        ],
        "q2_top_topics": [{"topic": "rastreio", "requests": 5}, {"topic": "pagamento, boleto", "requests": 2}],
        "q2_topic_coverage": [{"requests": 7, "without_rule": 2, "without_rule_pct": 28.571428571428573}],
        "q2_top_commands": [{"command": "/ajuda", "uses": 4}],
        "q2_uncovered_keywords": [{"keyword": "boleto", "requests": 2, "users": 2}],
        "q2_requests_by_language": [
            {"language": "pt", "requests": 5, "requests_pct": 71.4}, {"language": "id", "requests": 1, "requests_pct": 14.3},
            {"language": "und", "requests": 1, "requests_pct": 14.3},
        ],
        "q3_feedback_resolution_rate": [
            {"rated": rated, "resolved": 2 if rated else 0, "unresolved": 1 if rated else 0,
             "resolution_rate_pct": 66.66666666666667 if rated else None}
        ],
        # Of 7 requests: staff answered 3, the bot 4, anyone 5, so both 3 + 4 - 5 = 2, staff only 5 - 4 = 1,
        # the bot only 5 - 3 = 2 and no one 7 - 5 = 2.
        "q3_questions_answered": [
            {"questions": 7, "answered": 5, "answered_pct": 71.42857142857143, "median_minutes_to_reply": 12.25,
             "answered_by_staff": 3, "answered_by_bot": 4, "median_minutes_to_staff": 25.0,
             "median_minutes_to_bot": 0.5}
        ],
        "q3_asked_again_within_24h": [{"followed_by_another_question": 1}],
        "q3_case_outcomes": [{"outcome": "resolved", "cases": 2, "pct": 28.6}, {"outcome": "unknown", "cases": 5, "pct": 71.4}],
        "q3_weekly_trends": [
            {"week": first, "requests": 7, "answered": 5, "answered_pct": 71.4, "median_minutes_to_reply": 12.3,
             "rated": rated, "resolution_rate_pct": 66.7 if rated else None, "resolved_pct": 28.6,
             "answered_by_staff": 3, "answered_by_bot": 4, "answered_by_staff_pct": 42.9,
             "answered_by_bot_pct": 57.1, "median_minutes_to_staff": 25.0, "median_minutes_to_bot": 0.5},
        ],
        "q3_topics": [
            {"topic": "rastreio", "requests": 5, "answered_pct": 80.0, "median_minutes_to_reply": 10.0, "rated": 0,
             "resolution_rate_pct": None, "asked_again_pct": 0.0, "answered_by_staff_pct": 40.0,
             "answered_by_bot_pct": 80.0, "median_minutes_to_staff": 20.0, "median_minutes_to_bot": 0.5},
            {"topic": "(no topic)", "requests": 2, "answered_pct": 50.0, "median_minutes_to_reply": 30.5, "rated": 2,
             "resolution_rate_pct": 50.0, "asked_again_pct": 0.0, "answered_by_staff_pct": 50.0,
             "answered_by_bot_pct": 0.0, "median_minutes_to_staff": 30.5, "median_minutes_to_bot": None},
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
    assert "max 1,234" in english and "máx. 1.234" in portuguese  # the phone drawing's peak (24 hours)
    for phrase in (
        "Quando os clientes entram em contato?",
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
    assert (
        "<td>7</td><td>42.9 %</td><td>57.1 %</td><td>25</td><td>0.5</td><td>71.4 %</td><td>12.3</td><td>0</td>"
        "<td>no ratings yet</td>" in page
    )  # the week
    # rated topics show their rate, unrated ones say so
    page = cells(render(answers(rated=3), subtitle="s", timezone="UTC"))
    assert "<b>66.7 %</b><span>resolved, of 3 rated</span>" in page
    assert (
        "<td>rastreio</td><td>5</td><td>40 %</td><td>80 %</td><td>20</td><td>0.5</td><td>80 %</td><td>10</td>"
        "<td>0</td><td>no ratings yet</td>" in page
    )


def test_the_staff_unknown_note_only_without_staff():
    assert "Staff is unknown" not in render(answers(), subtitle="s", timezone="UTC", staff_known=True)
    assert "Staff is unknown" in render(answers(), subtitle="s", timezone="UTC", staff_known=False)
    assert "Equipe desconhecida" in render(
        answers(), subtitle="s", timezone="UTC", staff_known=False, lang="pt-BR"
    )


def test_every_chart_has_a_table_with_its_csv():
    page = render(answers(), subtitle="s", timezone="UTC")
    tables = re.findall(r'data-table="([a-z_]+)"', page)
    assert tables == ["messages_by_hour", "heatmap_weekday_hour", "volume_by_day", "top_topics",
                      "requests_by_language", "top_commands", "uncovered_keywords", "answered_by",
                      "bot_containment", "case_outcomes", "weekly_trends", "topics"]  # fmt: skip
    links = re.findall(r'download="([a-z_]+)\.csv" href="data:text/csv;charset=utf-8,([^"]+)"', page)
    assert [name for name, _ in links] == tables
    topics_csv = unquote(dict(links)["topics"]).lstrip("\ufeff").splitlines()
    assert (
        topics_csv[0]
        == "topic,requests,answered by staff %,answered by the bot %,median to staff (min),median to the bot (min),"
        'answered % (anyone),"median first response, anyone (min)",rated,resolution % (rated),asked again %'
    )
    assert topics_csv[1] == "rastreio,5,40,80,20,0.5,80,10,0,,0"  # no rate is an empty cell, not 0
    assert topics_csv[2] == "(no topic),2,50,0,30.5,,50,30.5,2,50,0"  # no bot answer: no median
    bot_csv = unquote(dict(links)["bot_containment"]).lstrip("\ufeff").splitlines()
    assert bot_csv == [
        "topic,cases,answered by the bot,answered or handed over by the bot,contained % (of those),"
        "escalated % (of those),median to the bot's answer (min)",
        "rastreio,5,4,5,40,40,0.33",
        "(no topic),2,0,0,,,",
    ]


def bot_share(page: str) -> str:
    return page[page.index('data-chart="bot_share"') : page.index('data-chart="resolution"')]


def test_the_bots_share_is_one_whole_the_cases_it_answered_or_handed_over_in_either_language():
    """Of the 5 cases the bot handled (4 answered, 1 handed over): 2 contained, 2 escalated, 5 - 2 - 2 = 1
    neither; the sentence says the same numbers, never "4 answered: 2 contained, 2 escalated" (issue 21)."""
    english = bot_share(cells(render(answers(), subtitle="s", timezone="UTC")))
    assert "<figcaption>The bot&#x27;s share: the 5 cases it answered or handed over</figcaption>" in english
    assert "100 % = 5 cases the bot answered or handed over" in english
    assert (
        "The bot answered or handed over 5 of 7 cases (its own messages, posted to POST /outgoing; it answered 4 "
        "of them): 2 contained (no staff needed and nothing says unresolved: 40 %), 2 escalated (handed over to "
        "staff, or staff answered after it: 40 %) and 1 neither (20 %: answered, but unresolved or staff "
        "answered first)." in english
    )
    for part in (
        "contained: 2 (40 %)",
        "escalated to staff: 2 (40 %)",
        "neither: unresolved, or staff answered first: 1 (20 %)",
    ):
        assert part in english
    assert "<td>rastreio</td><td>5</td><td>4</td><td>5</td><td>40 %</td><td>40 %</td><td>0.3</td>" in english
    # A topic the bot answered nothing of has no rates (a dash), never 0 %.
    assert (
        "<td>(no topic)</td><td>2</td><td>0</td><td>0</td><td>\u2013</td><td>\u2013</td><td>\u2013</td>"
        in english
    )
    portuguese = bot_share(cells(render(answers(), subtitle="s", timezone="UTC", lang="pt-BR")))
    assert (
        "O bot respondeu ou passou à equipe 5 de 7 casos" in portuguese
        and "escalados para a equipe: 2 (40 %)" in portuguese
        and "100 % = 5 casos que o bot respondeu ou passou à equipe" in portuguese
    )
    assert (
        "<td>(sem assunto)</td><td>2</td><td>0</td><td>0</td>" in portuguese and "<td>0,3</td>" in portuguese
    )


def test_staff_and_the_bot_apart_in_the_headline_and_the_who_answered_chart():
    """Of 7 requests staff answered 3 (43 %, median 25 min) and the bot 4 (57 %, median 0.5 min); no
    headline blends them (issue 21, item 3)."""
    english = cells(render(answers(), subtitle="s", timezone="UTC"))
    for stat in (
        "<b>43 %</b><span>answered by staff, of 7 requests</span>",
        "<b>57 %</b><span>answered by the bot, of 7 requests</span>",
        "<b>25 min</b><span>median first response by staff</span>",
        "<b>0.5 min</b><span>median first response by the bot</span>",
    ):
        assert stat in english
    assert "12.3 min" not in english and "12.25" not in english  # the blended median is no headline
    bars = check_split_bars(english)
    assert bars["answered"]["title"] == "Who answered the 7 requests: staff and the bot apart"
    assert bars["answered"]["parts"] == [
        ("staff only", 1, 14), ("both staff and the bot", 2, 29), ("the bot only", 2, 29),
        ("no one within 7 days", 2, 29),
    ]  # fmt: skip
    assert (
        "Of the 7 requests, staff alone answered 1, the bot alone 2 and both 2; 2 had no answer within 7 days. "
        "In all, staff answered 3 (median first response 25 min) and the bot 4 (median 0.5 min); anyone "
        "(staff or the bot): 5." in bars["answered"]["note"]
    )
    portuguese = cells(render(answers(), subtitle="s", timezone="UTC", lang="pt-BR"))
    assert "<b>57 %</b><span>respondidos pelo bot, de 7 pedidos</span>" in portuguese
    assert "<b>0,5 min</b><span>mediana da primeira resposta do bot</span>" in portuguese
    assert check_split_bars(portuguese, "pt-BR")["answered"]["parts"][0] == ("só a equipe", 1, 14)


def test_every_q3_split_bar_adds_up_to_the_whole_its_title_names():
    for lang in ("en", "pt-BR"):
        bars = check_split_bars(render(answers(), subtitle="s", timezone="UTC", lang=lang), lang)
        assert sorted(bars) == ["answered", "bot_share", "outcomes", "resolution"]
        assert [bar["whole"] for bar in bars.values()] == [7, 5, 3, 7]  # requests, handled, verdicts, cases
    english = split_bars(render(answers(), subtitle="s", timezone="UTC"))
    assert english["resolution"]["title"] == "Feedback: the 3 verdicts (each person's last click per prompt)"
    assert english["outcomes"]["title"] == "How the 7 cases end"
    assert english["outcomes"]["parts"] == [("resolved", 2, 29), ("not resolved", 0, 0), ("unknown", 5, 71)]


def test_the_check_sees_a_chart_that_does_not_add_up():
    """The faults of issue 21: escalations counted beyond the cases the bot handled (a negative 'neither'),
    and outcomes of fewer cases than the title states."""
    data = answers()
    data["q3_bot_containment"][0]["escalated"] = 4  # 2 contained + 4 escalated > 5 handled
    with pytest.raises(AssertionError, match="bot_share: a negative part"):
        check_split_bars(render(data, subtitle="s", timezone="UTC"))
    data = answers()
    data["q3_case_outcomes"] = data["q3_case_outcomes"][:1]  # 2 of the 7 cases
    with pytest.raises(AssertionError, match=r"outcomes: .* do not add up to 7"):
        check_split_bars(render(data, subtitle="s", timezone="UTC"))


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
    assert "Average customer messages per day" in heat and "Partial day" not in heat
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


# --- The report in Portuguese (issue 23, item 5) ---------------------------------------------------


def csv_files(page: str) -> dict[str, str]:
    """Each table's CSV download, decoded: name -> the file's text (its byte order mark included)."""
    links = re.findall(r'download="([a-z_]+)\.csv" href="data:text/csv;charset=utf-8,([^"]+)"', page)
    return {name: unquote(data) for name, data in links}


def parsed(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff") and text.endswith("\r\n")  # Excel reads UTF-8 accents with the BOM
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter))


def test_portuguese_csvs_are_semicolon_separated_with_decimal_commas_and_portuguese_labels():
    files = csv_files(render(answers(), subtitle="s", timezone="UTC", lang="pt-BR"))
    bot = parsed(files["bot_containment"], ";")
    assert bot == [
        ["assunto", "casos", "respondidos pelo bot", "respondidos ou passados à equipe pelo bot",
         "% contidos (desses)", "% escalados (desses)", "mediana até a resposta do bot (min)"],
        ["rastreio", "5", "4", "5", "40", "40", "0,33"],
        ["(sem assunto)", "2", "0", "0", "", "", ""],
    ]  # fmt: skip
    assert parsed(files["top_topics"], ";")[1:] == [["rastreio", "5"], ["pagamento, boleto", "2"]]
    assert parsed(files["case_outcomes"], ";")[1:] == [
        ["resolvido", "2", "28,6"],
        ["desconhecido", "5", "71,4"],
    ]
    assert parsed(files["topics"], ";")[2][0] == "(sem assunto)"
    assert parsed(files["volume_by_day"], ";")[1][0] == "03/03/2025"
    assert parsed(files["weekly_trends"], ";")[1][:7] == [
        "03/03/2025",
        "7",
        "42,9",
        "57,1",
        "25",
        "0,5",
        "71,4",
    ]
    assert parsed(files["answered_by"], ";")[1:] == [
        ["só a equipe", "1", "14,29"], ["a equipe e o bot", "2", "28,57"], ["só o bot", "2", "28,57"],
        ["ninguém em 7 dias", "2", "28,57"],
    ]  # fmt: skip
    assert parsed(files["heatmap_weekday_hour"], ";")[1] == ["seg", "9", "127", "3", "42,33"]
    for name, text in files.items():  # every file: one column count, no English label, no dot decimal
        rows = parsed(text, ";")
        assert len({len(row) for row in rows}) == 1, name
        assert not re.search(r"\d\.\d", text) and "(no topic)" not in text and "resolved" not in text


def test_english_csvs_are_comma_separated_with_dot_decimals():
    files = csv_files(render(answers(), subtitle="s", timezone="UTC"))
    assert parsed(files["bot_containment"], ",")[1:] == [
        ["rastreio", "5", "4", "5", "40", "40", "0.33"],
        ["(no topic)", "2", "0", "0", "", "", ""],
    ]
    assert parsed(files["top_topics"], ",")[2] == ["pagamento, boleto", "2"]  # quoted, read back whole
    assert parsed(files["volume_by_day"], ",")[1][0] == "2025-03-03"
    assert parsed(files["heatmap_weekday_hour"], ",")[1] == ["Mon", "9", "127", "3", "42.33"]


def test_csv_quotes_the_languages_separator_only():
    rows = [("a;b", 1.5), ("c,d", None)]
    assert csv_text(["x", "y"], rows, "pt-BR") == '\ufeffx;y\r\n"a;b";1,5\r\nc,d;\r\n'
    assert csv_text(["x", "y"], rows, "en") == '\ufeffx,y\r\na;b,1.5\r\n"c,d",\r\n'


def dates_in(text: str) -> set[str]:
    return set(re.findall(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}|\b\d{2}[-/]\d{2}\b", text))


def test_one_date_format_per_language_in_the_header_the_charts_and_the_tables():
    for lang, first, other in (("en", "2025-03-03", r"\d{2}/\d{2}"), ("pt-BR", "03/03/2025", r"\d{4}-\d{2}")):
        subtitle = translate(lang, "bot_subtitle", first=date(2025, 3, 3), last="2025-03-23", timezone="UTC")
        page = render(answers(), subtitle=subtitle, timezone="UTC", lang=lang)
        header = page[page.index('<p class="sub">') : page.index('<div class="stats">')]
        daily = page[page.index('data-chart="daily_volume"') : page.index("<h2>", page.index("daily_volume"))]
        ticks = re.findall(r'class="tick">([^<]+)</text>', daily[: daily.index("</svg>")])
        cells_ = re.findall(r'<td data-label="[^"]*">([^<]+)</td>', daily)
        weekly = page[page.index('data-chart="weekly_trends"') :]
        assert first in header and first in ticks and first in cells_ and first in weekly
        assert len(dates_in(header + "".join(ticks) + "".join(cells_) + weekly)) > 5
        for found in dates_in(visible_text(page)):  # every day on the page is written one way
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}" if lang == "en" else r"\d{2}/\d{2}/\d{4}", found)
            assert not re.fullmatch(other, found)
    assert translate("pt-BR", "replay_subtitle", input="2025-03-01.json", first="2025-03-01", last="x",
                     timezone="UTC").startswith("2025-03-01.json: dias 01/03/2025 a x")  # fmt: skip


def test_the_sections_read_as_natural_questions():
    for lang, titles in (
        ("en", ["1. When do customers call?", "2. Which problems are most frequent?", "3. Does the bot resolve them?"]),
        ("pt-BR", ["1. Quando os clientes entram em contato?", "2. Quais são os problemas mais frequentes?",
                   "3. O bot resolve os problemas?"]),
    ):  # fmt: skip
        assert (
            re.findall(r"<h2>([^<]+)</h2>", render(answers(), subtitle="s", timezone="UTC", lang=lang))
            == titles
        )


def days_joined(page: str) -> str:
    """The page with the spans that keep each day of a sentence on one line taken off."""
    return re.sub(r'<span class="day">([^<]*)</span>', r"\1", page)


def weekly_figure(page: str) -> str:
    return page[page.index('data-chart="weekly_trends"') : page.index('data-chart="topic_table"')]


def test_a_single_week_is_a_sentence_not_a_one_bar_chart():
    data = answers()
    weekly = weekly_figure(render(data, subtitle="s", timezone="UTC", lang="pt-BR"))
    assert "<svg" not in weekly and '<span class="day">03/03/2025</span>' in weekly
    weekly = days_joined(weekly)
    assert (
        "Por enquanto uma semana, a partir de 03/03/2025: 7 pedidos, 42,9 % respondidos pela equipe e 57,1 % pelo "
        "bot." in weekly
    )
    assert 'data-table="weekly_trends"' in weekly  # its numbers stay in the table
    second = {**data["q3_weekly_trends"][0], "week": date(2025, 3, 10), "requests": 9}
    data["q3_weekly_trends"].append(second)
    weekly = weekly_figure(render(data, subtitle="s", timezone="UTC"))
    assert "One week so far" not in weekly and weekly.count("<svg") == 2  # the wide and the phone drawing
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', weekly)]
    assert len(widths) == 4 and max(widths) == MAX_BAR == 64  # two bars of a normal width, not 272 px


def monday_to_monday(last_monday: int) -> dict[str, list[dict]]:
    """Eight days from Monday 2025-03-03 to Monday 2025-03-10, 30 messages a day but `last_monday` on the
    last; Monday at 9h has 20 messages over the two Mondays."""
    data = answers()
    data["q1_volume_by_day"] = [
        {"day": date(2025, 3, 3) + timedelta(days=i), "messages": 30 if i < 7 else last_monday}
        for i in range(8)
    ]
    data["q1_heatmap_weekday_hour"] = [
        {"weekday": 1, "hour_of_day": 9, "messages": 20, "days": 2, "messages_per_day": 10.0},
        {"weekday": 2, "hour_of_day": 9, "messages": 6, "days": 1, "messages_per_day": 6.0},
    ]
    return data


def heat_cells(page: str) -> list[str]:
    heat = page[page.index('data-chart="heatmap"') : page.index('data-chart="daily_volume"')]
    svg = heat[: heat.index("</svg>")]  # the wide drawing
    return re.findall(r'class="cell"[^>]*>([^<]+)</text>', svg)


def test_a_nearly_empty_last_day_does_not_halve_its_weekday():
    page = render(monday_to_monday(last_monday=2), subtitle="s", timezone="UTC")
    assert heat_cells(page) == ["20", "6"]  # Monday averaged over its one full day, not halved to 10
    assert '<span class="day">2025-03-10</span>' in page  # a day in a sentence never breaks at its "-"
    assert "Partial day, not counted: 2025-03-10 (its messages: 2, kept in the cells)." in days_joined(page)
    assert parsed(csv_files(page)["heatmap_weekday_hour"], ",")[1] == ["Mon", "9", "20", "1", "20"]
    full = render(monday_to_monday(last_monday=30), subtitle="s", timezone="UTC")  # a whole day counts
    assert heat_cells(full) == ["10", "6"] and "Partial day" not in full
    portuguese = render(monday_to_monday(last_monday=2), subtitle="s", timezone="UTC", lang="pt-BR")
    assert (
        "Dia parcial, não contado: 10/03/2025" in days_joined(portuguese)
        and "dias que os dados cobrem" in portuguese
    )


def test_partial_days_are_only_the_edges_and_never_a_weekdays_only_day():
    volume = [
        {"day": date(2025, 3, 3) + timedelta(days=i), "messages": m} for i, m in enumerate([1, 30, 2, 30])
    ]
    heat = [
        {"weekday": w, "hour_of_day": 9, "messages": 6, "days": 1, "messages_per_day": 6.0}
        for w in (1, 2, 3, 4)
    ]
    rows, partial = heatmap_rows(heat, volume)
    assert partial == [] and [r["days"] for r in rows] == [1, 1, 1, 1]  # each weekday seen once: kept
    volume = [
        {"day": date(2025, 3, 3) + timedelta(days=i), "messages": 1 if i == 0 else 30} for i in range(9)
    ]
    heat = [{"weekday": 1, "hour_of_day": 9, "messages": 31, "days": 2, "messages_per_day": 15.5},
            {"weekday": 3, "hour_of_day": 9, "messages": 3, "days": 2, "messages_per_day": 1.5}]  # fmt: skip
    rows, partial = heatmap_rows(heat, volume)  # Monday 3 March, barely reached, is partial; the last
    assert partial == [(date(2025, 3, 3), 1)]  # day (Tuesday 11) is a full one
    # Monday: its full day 10 March only. Wednesday: the query counted 2 (its span also takes in days with
    # only the bot's messages), the customers' days from 3 to 11 March hold one: 1.
    assert [(r["days"], r["messages_per_day"]) for r in rows] == [(1, 31.0), (1, 3.0)]


def keyword_answers(rows: list[dict]) -> dict[str, list[dict]]:
    return {**answers(), "q2_uncovered_keywords": rows}


def test_the_next_rule_lists_keywords_of_several_askers_and_never_common_words():
    rows = [
        {"keyword": "cupom", "requests": 6, "users": 5},
        {"keyword": "compra", "requests": 3, "users": 3},
        {"keyword": "primeira", "requests": 3, "users": 3},
        {"keyword": "veio", "requests": 3, "users": 2},
        {"keyword": "emitem", "requests": 2, "users": 2},
        {"keyword": "mail", "requests": 2, "users": 2},
        {"keyword": "Você", "requests": 2, "users": 2},
        {"keyword": "boleto", "requests": 2, "users": 2},
        {"keyword": "desconto", "requests": 2, "users": 1},
        {"keyword": "bemvindo10", "requests": 1, "users": 1},
    ]
    page = render(keyword_answers(rows), subtitle="s", timezone="UTC")
    figure = page[page.index('data-chart="top_keywords"') : page.index("<h2>", page.index("top_keywords"))]
    assert re.findall(r'class="bar-label">([^<]+)<', figure) == ["cupom", "boleto"]
    assert parsed(csv_files(page)["uncovered_keywords"], ",") == [
        ["keyword", "requests", "askers"], ["cupom", "6", "5"], ["boleto", "2", "2"],
    ]  # fmt: skip
    assert (
        "Shown: keywords of at least 2 different askers that are not a function word or a common verb "
        "of the language of the request. Left out: compra, primeira, veio, emitem, mail, Você. "
        "With fewer than 2 askers: 2." in figure
    )
    noise = [row for row in rows if row["keyword"] not in ("cupom", "boleto")]
    page = render(keyword_answers(noise), subtitle="s", timezone="UTC", lang="pt-BR")
    figure = page[page.index('data-chart="top_keywords"') : page.index("<h2>", page.index("top_keywords"))]
    assert "Ainda nenhuma palavra-chave é compartilhada por 2 ou mais pessoas." in figure
    assert 'class="bar-label"' not in figure and "Deixadas de fora: compra, primeira" in figure
    assert next_rule_keywords(noise) == ([], ["compra", "primeira", "veio", "emitem", "mail", "Você"], 2)


def test_topic_words_are_not_taken_for_common_verbs():
    for word in ("pedido", "entrega", "troca", "pagamento", "cancelamento", "boleto", "nota", "acesso",
                 "cadastro", "recibo", "rastreio", "cupom", "estorno", "frete", "senha", "login"):  # fmt: skip
        assert fold(word) not in COMMON_WORDS, word


def languages(page: str) -> str:
    return page[page.index('data-chart="requests_by_language"') : page.index('data-chart="top_commands"')]


def test_requests_per_language_and_the_languages_found_by_question_mark_only():
    english = languages(render(answers(), subtitle="s", timezone="UTC"))
    # Indonesian has no question words in the intent: said plainly; Portuguese does, und is no language.
    assert (
        'In id, requests are found by "?" only: the question words and problem phrases known are '
        'Portuguese, English, Spanish and Russian. A request there without "?" is not counted.'
    ) in english.replace("&quot;", '"')
    assert parsed(csv_files(english)["requests_by_language"], ",") == [
        ["language", "requests", "share %", "found by"],
        ["pt", "5", "71.4", "question words, problem phrases and ?"],
        ["id", "1", "14.3", "? only"],
        ["und", "1", "14.3", "\u2013"],
    ]
    assert "und (too short or unclear)" in english and "14.3%" in english
    portuguese = languages(render(answers(), subtitle="s", timezone="UTC", lang="pt-BR"))
    assert 'Em id, os pedidos são encontrados só pelo "?"' in portuguese.replace("&quot;", '"')
    assert parsed(csv_files(portuguese)["requests_by_language"], ";")[2] == ["id", "1", "14,3", "só ?"]
    # Only languages with question words: no such sentence.
    only_pt = {
        **answers(),
        "q2_requests_by_language": [{"language": "pt", "requests": 7, "requests_pct": 100.0}],
    }
    assert "only" not in languages(render(only_pt, subtitle="s", timezone="UTC"))
