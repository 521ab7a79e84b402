"""The HTML report of the three answers: one self-contained page (inline SVG and CSS charts, CSV downloads
as data: URIs, no network, no libraries), made from the named queries' rows exactly as Athena or DuckDB
return them, in one language per page (English or Brazilian Portuguese).

Every value is readable without hovering: bars carry their numbers, the heatmap its averages and a
legend, and each chart has its table (with a CSV download) beside it. Charts come in two drawings, one
for wide screens and one for phones (about 390 px), so that no text shrinks below legibility.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import quote

Rows = list[dict[str, Any]]
LANGUAGES = ("en", "pt-BR")
DASH = "\u2013"  # an en dash: no value
ACCENT, MUTED, GOOD, BAD, UNKNOWN = "#2f6fdb", "#9aa5b1", "#2e9e5b", "#d64545", "#9aa5b1"
BOT_TOPICS_SHOWN = 50  # q3_bot_containment's LIMIT: its rows are the largest topics
WIDE, NARROW = 760, 360  # SVG widths in CSS pixels at their natural size (desktop column, phone)

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Telegram support group: analytics",
        "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
        "busiest_hour": "busiest hour ({timezone})",
        "customer_messages": "customer messages",
        "requests_cases": "requests (support cases)",
        "top_topic": "most frequent topic",
        "resolved_of_rated": "resolved, of {rated} rated",
        "answered_of": "answered, of {requests} requests",
        "no_ratings": "no ratings yet",
        "no_data": "no data",
        "no_rows": "No rows yet.",
        "q1": "1. When do customers call?",
        "q2": "2. Which problems are most frequent?",
        "q3": "3. Does the bot resolve them?",
        "by_hour": "Customer messages by local hour ({timezone})",
        "heatmap": "Weekday \u00d7 hour: customer messages per day (average)",
        "heatmap_legend": "average customer messages per day in that hour of that weekday",
        "daily": "Customer messages per day",
        "weekly": "Requests per week",
        "weekly_note": "Weeks start on Monday; answered % and resolution per week are in the table.",
        "topics": "Topics of requests (rules, else the most shared keyword)",
        "coverage": "{without} of {requests} requests are covered by no topic rule ({pct}).",
        "commands": "Bot commands",
        "keywords": "Keywords of requests no rule covers (the next rule to add)",
        "topic_table": "Per topic: requests, answered, first response, resolution",
        "resolution": "Feedback on the bot's answers (the owner's last click per prompt)",
        "answered_note": "{answered} of {requests} requests were answered by staff or the bot (median first "
        "response {median} min); {again} were asked again on the same topic within 24 h.",
        "staff_unknown": "Staff is unknown (no staff_user_ids): only anonymous admins and the bot count as "
        "answers. See the named query setup_staff_candidates for who answers others most.",
        "bot_share": "The bot's share: cases it answered, contained and escalated",
        "bot_note": "{answered} of {cases} cases were answered by the bot (its own messages, posted to POST "
        "/outgoing): {contained} contained (no staff needed and nothing says unresolved: {containment} of "
        "those it answered or handed over) and {escalated} escalated (handed over to staff, or staff "
        "answered after it: {escalation}).",
        "bot_top": "Totals over the {topics} largest topics.",
        "bot_unknown": "The bot answered no case here: either it does not answer, or its own messages are "
        "not known (Telegram never sends a bot its own messages: its backend posts them to POST /outgoing).",
        "contained": "contained",
        "escalated": "escalated to staff",
        "bot_other": "answered by the bot, not contained",
        "bot_answered": "answered by the bot",
        "containment_pct": "containment %",
        "escalation_pct": "escalation %",
        "median_bot_minutes": "median to the bot's answer (min)",
        "outcomes": "How cases end",
        "resolved": "resolved",
        "unresolved": "not resolved",
        "unknown": "unknown",
        "table": "Table",
        "csv": "Download CSV",
        "hour": "hour",
        "day": "day",
        "week": "week",
        "weekday": "weekday",
        "messages": "messages",
        "messages_per_day": "messages per day",
        "requests": "requests",
        "customers": "customers",
        "topic": "topic",
        "command": "command",
        "uses": "uses",
        "keyword": "keyword",
        "answered": "answered",
        "answered_pct": "answered %",
        "median_minutes": "median first response (min)",
        "rated": "rated",
        "resolution_pct": "resolution % (rated)",
        "resolved_pct": "resolved % (all cases)",
        "asked_again_pct": "asked again %",
        "outcome": "outcome",
        "cases": "cases",
        "share": "share %",
        "no_topic": "(no topic)",
        "demo_subtitle": "{deliveries} webhook deliveries and {bot} messages of the bot (POST /outgoing), "
        "{first} to {last}, local time {timezone}; "
        "generated locally by make demo (seed {seed})",
        "bot_subtitle": "Days {first} to {last}, local time {timezone}",
        "bot_title": "Telegram bot: analytics",
        "replay_subtitle": "{input}: days {first} to {last}, local time {timezone}",
    },
    "pt-BR": {
        "title": "Grupo de suporte no Telegram: análise",
        "weekdays": "seg ter qua qui sex sáb dom",
        "busiest_hour": "hora de maior movimento ({timezone})",
        "customer_messages": "mensagens de clientes",
        "requests_cases": "pedidos (casos de suporte)",
        "top_topic": "assunto mais frequente",
        "resolved_of_rated": "resolvidos, de {rated} avaliados",
        "answered_of": "respondidos, de {requests} pedidos",
        "no_ratings": "ainda sem avaliações",
        "no_data": "sem dados",
        "no_rows": "Ainda sem linhas.",
        "q1": "1. Quando os clientes chamam?",
        "q2": "2. Quais problemas são mais frequentes?",
        "q3": "3. O bot resolve?",
        "by_hour": "Mensagens de clientes por hora local ({timezone})",
        "heatmap": "Dia da semana \u00d7 hora: mensagens de clientes por dia (média)",
        "heatmap_legend": "média de mensagens de clientes por dia naquela hora daquele dia da semana",
        "daily": "Mensagens de clientes por dia",
        "weekly": "Pedidos por semana",
        "weekly_note": "As semanas começam na segunda-feira; % respondidos e resolução por semana estão "
        "na tabela.",
        "topics": "Assuntos dos pedidos (regras, senão a palavra-chave mais compartilhada)",
        "coverage": "{without} de {requests} pedidos não são cobertos por nenhuma regra de assunto ({pct}).",
        "commands": "Comandos do bot",
        "keywords": "Palavras-chave dos pedidos sem regra (a próxima regra a criar)",
        "topic_table": "Por assunto: pedidos, respondidos, primeira resposta, resolução",
        "resolution": "Avaliação das respostas do bot (o último clique do autor em cada pergunta)",
        "answered_note": "{answered} de {requests} pedidos foram respondidos pela equipe ou pelo bot "
        "(mediana da primeira resposta {median} min); {again} foram perguntados de novo sobre o mesmo "
        "assunto em 24 h.",
        "staff_unknown": "Equipe desconhecida (sem staff_user_ids): só administradores anônimos e o bot "
        "contam como respostas. Veja a consulta setup_staff_candidates para saber quem mais responde.",
        "bot_share": "A parte do bot: casos que ele respondeu, conteve e escalou",
        "bot_note": "{answered} de {cases} casos foram respondidos pelo bot (as mensagens dele, enviadas "
        "para POST /outgoing): {contained} contidos (sem a equipe, e nada indica não resolvido: "
        "{containment} dos que ele respondeu ou passou à equipe) e {escalated} escalados (passados à equipe, "
        "ou a equipe respondeu depois dele: {escalation}).",
        "bot_top": "Totais dos {topics} assuntos maiores.",
        "bot_unknown": "O bot não respondeu nenhum caso aqui: ou ele não responde, ou as mensagens dele não "
        "são conhecidas (o Telegram nunca envia a um bot as próprias mensagens: o backend dele as envia "
        "para POST /outgoing).",
        "contained": "contidos (sem a equipe)",
        "escalated": "escalados para a equipe",
        "bot_other": "respondidos pelo bot, não contidos",
        "bot_answered": "respondidos pelo bot",
        "containment_pct": "% contenção",
        "escalation_pct": "% escalados",
        "median_bot_minutes": "mediana até a resposta do bot (min)",
        "outcomes": "Como os casos terminam",
        "resolved": "resolvido",
        "unresolved": "não resolvido",
        "unknown": "desconhecido",
        "table": "Tabela",
        "csv": "Baixar CSV",
        "hour": "hora",
        "day": "dia",
        "week": "semana",
        "weekday": "dia da semana",
        "messages": "mensagens",
        "messages_per_day": "mensagens por dia",
        "requests": "pedidos",
        "customers": "clientes",
        "topic": "assunto",
        "command": "comando",
        "uses": "usos",
        "keyword": "palavra-chave",
        "answered": "respondidos",
        "answered_pct": "% respondidos",
        "median_minutes": "mediana da primeira resposta (min)",
        "rated": "avaliados",
        "resolution_pct": "% resolução (avaliados)",
        "resolved_pct": "% resolvidos (todos os casos)",
        "asked_again_pct": "% perguntados de novo",
        "outcome": "desfecho",
        "cases": "casos",
        "share": "% do total",
        "no_topic": "(sem assunto)",
        "demo_subtitle": "{deliveries} entregas do webhook e {bot} mensagens do bot (POST /outgoing), "
        "de {first} a {last}, hora local {timezone}; "
        "gerado localmente por make demo (semente {seed})",
        "bot_subtitle": "Dias {first} a {last}, hora local {timezone}",
        "bot_title": "Bot do Telegram: análise",
        "replay_subtitle": "{input}: dias {first} a {last}, hora local {timezone}",
    },
}


def translate(lang: str, key: str, **values: Any) -> str:
    """One phrase of the page in `lang` (en or pt-BR), with its {placeholders} filled in."""
    if lang not in TEXT:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return TEXT[lang][key].format(**values)


def number(value: Any, lang: str = "en", digits: int = 1) -> str:
    """A count or a measure for people: integers with thousands separators, anything else rounded to
    `digits` decimals without trailing zeros, in the language's separators; None is a dash."""
    if value is None:
        return DASH
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, int):
        text = f"{value:,}"
    else:
        rounded = round(float(value), digits)
        text = f"{rounded:,.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
    if lang == "pt-BR":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def percent(value: Any, lang: str, empty: str) -> str:
    """A rate, or `empty` when its denominator is 0 (never a made-up 0 %)."""
    return empty if value is None else f"{number(value, lang)} %"


def day_label(value: Any, lang: str) -> str:
    """A day as MM-DD (en) or DD/MM (pt-BR)."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m") if lang == "pt-BR" else day.strftime("%m-%d")


def _svg(width: int, height: float, body: str, label: str, kind: str) -> str:
    return (
        f'<svg class="{kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'role="img" aria-label="{escape(label)}">{body}</svg>'
    )


def column_chart(
    labels: Sequence[str], values: Sequence[float], label: str, *, width: int = WIDE, lang: str = "en"
) -> str:
    """Vertical bars, one per label (hours, days, weeks), each with its value on top when there is room;
    axis labels thinned out so that they never overlap (90 days stay readable)."""
    height, left, right, bottom, top = 220, 22, 22, 24, 18
    peak = max((float(v or 0) for v in values), default=0) or 1
    step = (width - left - right) / max(len(values), 1)
    every = max(1, math.ceil(42 / step))  # an axis label is about 40 px wide at 12 px
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
            f'<rect x="{x + step * 0.12:.1f}" y="{height - bottom - bar:.1f}" width="{step * 0.76:.1f}" '
            f'height="{bar:.1f}" fill="{ACCENT}"><title>{escape(name)}: {shown}</title></rect>'
        )
        if show_values and value:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom - bar - 4:.1f}" text-anchor="middle" '
                f'class="value">{shown}</text>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 6}" text-anchor="middle" class="tick">'
                f"{escape(name)}</text>"
            )
    if not show_values:  # too many bars for a number on each: the peak, on a dashed line
        parts.append(
            f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="{MUTED}" '
            'stroke-dasharray="4 4"/>'
            f'<text x="{left + 2}" y="{top - 4}" class="value">max {number(peak, lang)}</text>'
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


def split_bar(parts: Sequence[tuple[str, float, str]], lang: str) -> str:
    """One bar split in proportion (resolved vs not), each part named with its count and share."""
    total = sum(float(value or 0) for _, value, _ in parts) or 1
    segments, legend = [], []
    for name, value, colour in parts:
        value = float(value or 0)
        share = 100 * value / total
        if value:
            segments.append(f'<span style="width:{share:.2f}%;background:{colour}"></span>')
        legend.append(
            f'<li><i style="background:{colour}"></i>{escape(name)}: {number(value, lang)} '
            f"({number(share, lang, 0)} %)</li>"
        )
    return f'<div class="split">{"".join(segments)}</div><ul class="split-legend">{"".join(legend)}</ul>'


def csv_uri(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A CSV file as a data: URI (comma-separated, dot decimals, floats rounded to 2 places)."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float | Decimal):
            value = round(float(value), 2)
            value = int(value) if value == int(value) else value
        text = str(value)
        if any(ch in text for ch in ',"\n\r'):
            text = '"' + text.replace('"', '""') + '"'
        return text

    lines = [",".join(cell(c) for c in columns), *(",".join(cell(v) for v in row) for row in rows)]
    return "data:text/csv;charset=utf-8," + quote("\ufeff" + "\r\n".join(lines) + "\r\n")


def data_table(
    name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], lang: str, *,
    shown: Sequence[Sequence[str]] | None = None, open_: bool = False,
) -> str:  # fmt: skip
    """The chart's numbers as a table (in a <details> unless open_) with its CSV download."""
    cells = shown if shown is not None else [[number(v, lang) for v in row] for row in rows]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    labels = [escape(h) for h in headers]  # each cell's header too: a phone shows a row as a card
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{label}">{escape(str(v))}</td>' for label, v in zip(labels, row, strict=True)
        )
        + "</tr>"
        for row in cells
    )
    link = (
        f'<a class="csv" download="{escape(name)}.csv" href="{csv_uri(headers, rows)}">'
        f"{escape(translate(lang, 'csv'))}</a>"
    )
    table = f'<div class="table"><table data-table="{escape(name)}"><thead><tr>{head}</tr></thead>' \
            f"<tbody>{body}</tbody></table></div>{link}"  # fmt: skip
    if open_:
        return table
    return f"<details><summary>{escape(translate(lang, 'table'))}</summary>{table}</details>"


def _figure(name: str, title: str, chart: str, table: str = "", note: str = "") -> str:
    caption = f'<p class="note">{escape(note)}</p>' if note else ""
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

    no_ratings = t("no_ratings")
    by_hour = {int(row["hour_of_day"]): row["messages"] for row in answers.get("q1_messages_by_hour", [])}
    peak_hour = max(by_hour, key=lambda h: (by_hour[h], -h)) if by_hour else None
    volume = answers.get("q1_volume_by_day", [])
    topics, commands, uncovered = (
        answers.get(q, []) for q in ("q2_top_topics", "q2_top_commands", "q2_uncovered_keywords")
    )
    coverage = _one(answers.get("q2_topic_coverage", []))
    feedback = _one(answers.get("q3_feedback_resolution_rate", []))
    answered = _one(answers.get("q3_questions_answered", []))
    again = _one(answers.get("q3_asked_again_within_24h", []))
    outcomes = answers.get("q3_case_outcomes", [])
    weekly = answers.get("q3_weekly_trends", [])
    per_topic = answers.get("q3_topics", [])
    heat_rows = answers.get("q1_heatmap_weekday_hour", [])
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
            _stat(str(topics[0]["topic"]) if topics else DASH, t("top_topic")),
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
    day_labels = [day_label(r["day"], lang) for r in volume]
    week_labels = [day_label(r["week"], lang) for r in weekly]

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
                [t("weekday"), t("hour"), t("messages"), t("messages_per_day")],
                [(r["weekday"], r["hour_of_day"], r["messages"], r["messages_per_day"]) for r in heat_rows],
                lang,
                shown=[
                    (
                        days[int(r["weekday"]) - 1],
                        f"{r['hour_of_day']}h",
                        n(r["messages"]),
                        n(r["messages_per_day"]),
                    )
                    for r in heat_rows
                ],
            ),
            note=t("heatmap_legend"),
        ),
        _figure(
            "daily_volume",
            t("daily"),
            columns(day_labels, [r["messages"] for r in volume], t("daily")),
            data_table(
                "volume_by_day",
                [t("day"), t("messages"), t("requests"), t("customers")],
                [(str(r["day"])[:10], r["messages"], r.get("requests"), r.get("customers")) for r in volume],
                lang,
                shown=[
                    (str(r["day"])[:10], n(r["messages"]), n(r.get("requests")), n(r.get("customers")))
                    for r in volume
                ],
            ),
        ),
        f"<h2>{escape(t('q2'))}</h2>",
        _figure(
            "top_topics",
            t("topics"),
            bars([r["topic"] for r in topics[:10]], [r["requests"] for r in topics[:10]], lang),
            data_table(
                "top_topics",
                [t("topic"), t("requests")],
                [(r["topic"], r["requests"]) for r in topics],
                lang,
                shown=[(str(r["topic"]), n(r["requests"])) for r in topics],
            ),
            note=t(
                "coverage",
                without=n(coverage.get("without_rule", 0)),
                requests=n(coverage.get("requests", 0)),
                pct=percent(coverage.get("without_rule_pct"), lang, t("no_data")),
            ),
        ),
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
            bars([r["keyword"] for r in uncovered[:12]], [r["requests"] for r in uncovered[:12]], lang),
            data_table(
                "uncovered_keywords",
                [t("keyword"), t("requests")],
                [(r["keyword"], r["requests"]) for r in uncovered],
                lang,
                shown=[(str(r["keyword"]), n(r["requests"])) for r in uncovered],
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
                        r["topic"],
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
                        t("no_topic") if r["topic"] == "(no topic)" else str(r["topic"]),
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
                [(r["outcome"], r["cases"], r.get("pct")) for r in outcomes],
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
            columns(week_labels, [r["requests"] for r in weekly], t("weekly")),
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
                        str(r["week"])[:10],
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
                        str(r["week"])[:10],
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
                        r["topic"],
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
                        t("no_topic") if r["topic"] == "(no topic)" else str(r["topic"]),
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
        subtitle=escape(subtitle),
        stats=stats,
        figures="\n".join(figures),
    )


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
.split-legend {{ list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap;
                 gap: 4px 16px; }}
.split-legend i {{ display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; }}
details {{ margin-top: 6px; }} summary {{ cursor: pointer; color: {accent}; }}
.table {{ overflow-x: auto; max-width: 100%; }}
table {{ border-collapse: collapse; font-size: 13px; margin: 6px 0; }}
th, td {{ padding: 3px 8px; border-bottom: 1px solid #e4e7eb; text-align: right; }}
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
  .table td {{ display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 1px 2px; }}
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
const page = document.documentElement.scrollWidth > window.innerWidth ? 1 : 0;
document.body.dataset.overflowing = wide.length + page;
document.body.dataset.overflowExamples = wide.slice(0, 3)
  .map((e) => e.tagName + ":" + (e.textContent || "").slice(0, 20)).join(" | ");
</script>
</body></html>
""".replace("{accent}", ACCENT)
