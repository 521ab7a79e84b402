"""The report's words in each language (TEXT, one entry per phrase and language), and numbers, rates and
days written the way that language writes them. Adding a language is adding its column here."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

LANGUAGES = ("en", "pt-BR")
DASH = "\u2013"  # an en dash: no value

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Telegram support group: analytics",
        "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
        "busiest_hour": "busiest hour ({timezone})",
        "customer_messages": "customer messages",
        "requests_cases": "requests (support cases)",
        "top_topic": "most frequent topic",
        "resolved_of_rated": "resolved, of {rated} rated",
        "answered_by_staff_of": "answered by staff, of {requests} requests",
        "answered_by_bot_of": "answered by the bot, of {requests} requests",
        "median_staff_stat": "median first response by staff",
        "median_bot_stat": "median first response by the bot",
        "minutes": "{minutes} min",
        "no_ratings": "no ratings yet",
        "no_data": "no data",
        "no_rows": "No rows yet.",
        "q1": "1. When do customers call?",
        "q2": "2. Which problems are most frequent?",
        "q3": "3. Does the bot resolve them?",
        "by_hour": "Customer messages by local hour ({timezone})",
        "heatmap": "Weekday \u00d7 hour: customer messages per day (average)",
        "heatmap_legend": "Average customer messages per day in that hour of that weekday, over the days the "
        "data fully covers: a first or last day with less than half the messages of its weekday's other "
        "days is partial and not counted as a day.",
        "heatmap_partial": "Partial day, not counted: {days} (its messages: {messages}, kept in the cells).",
        "days_counted": "days counted",
        "daily": "Customer messages per day",
        "weekly": "Requests per week",
        "weekly_note": "Weeks start on Monday; the shares answered and the median first responses (staff "
        "and the bot apart) and the resolution per week are in the table.",
        "one_week": "One week so far, from {week}: {requests} requests, {staff} answered by staff and "
        "{bot} by the bot. A chart per week starts with the second week.",
        "topics": "Topics of requests (rules, else the most shared keyword)",
        "coverage": "{without} of {requests} requests are covered by no topic rule ({pct}).",
        "commands": "Bot commands",
        "keywords": "Keywords of requests no rule covers (the next rule to add)",
        "keywords_rule": "Shown: keywords of at least {askers} different askers that are not a function "
        "word or a common verb of the language of the request.",
        "keywords_left_out": "Left out: {words}.",
        "keywords_few": "With fewer than {askers} askers: {count}.",
        "no_keywords": "No keyword is shared by {askers} or more askers yet.",
        "askers": "askers",
        "topic_table": "Per topic: requests, answered and first response (staff and the bot apart), "
        "resolution",
        "answered_chart": "Who answered the {requests} requests: staff and the bot apart",
        "answered_whole": "{requests} requests",
        "answerer": "answered by",
        "staff_only": "staff only",
        "bot_only": "the bot only",
        "both": "both staff and the bot",
        "no_one": "no one within 7 days",
        "answered_note": "Of the {requests} requests, staff alone answered {staff_only}, the bot alone "
        "{bot_only} and both {both}; {unanswered} had no answer within 7 days. In all, staff answered "
        "{staff} (median first response {staff_median} min) and the bot {bot} (median {bot_median} min); "
        "anyone (staff or the bot): {answered}. {again} were asked again on the same topic within 24 h.",
        "resolution": "Feedback: the {rated} verdicts (each person's last click per prompt)",
        "resolution_whole": "{rated} verdicts",
        "languages": "Requests per language (of their text)",
        "language": "language",
        "found_by": "found by",
        "found_by_rules": "question words, problem phrases and ?",
        "found_by_mark": "? only",
        "und_language": "und (too short or unclear)",
        "languages_note": "Each request's language is detected (fastText); a text of fewer than 2 words of 3 "
        "or more letters has none (und). Keywords and topics leave out the stop words of each request's "
        "language and use its stemmer.",
        "question_mark_only": 'In {languages}, requests are found by "?" only: the question words and '
        'problem phrases known are Portuguese, English, Spanish and Russian. A request there without "?" '
        "is not counted.",
        "staff_unknown": "Staff is unknown (no staff_user_ids): only anonymous admins and the bot count as "
        "answers. See the named query setup_staff_candidates for who answers others most.",
        "bot_share": "The bot's share: the {handled} cases it answered or handed over",
        "bot_whole": "{handled} cases the bot answered or handed over",
        "bot_note": "The bot answered or handed over {handled} of {cases} cases (its own messages, posted "
        "to POST /outgoing; it answered {answered} of them): {contained} contained (no staff needed and "
        "nothing says unresolved: {containment}), {escalated} escalated (handed over to staff, or staff "
        "answered after it: {escalation}) and {other} neither ({other_share}: answered, but unresolved or "
        "staff answered first).",
        "bot_top": "Totals over the {topics} largest topics.",
        "bot_unknown": "The bot answered no case here: either it does not answer, or its own messages are "
        "not known (Telegram never sends a bot its own messages: its backend posts them to POST /outgoing).",
        "contained": "contained",
        "escalated": "escalated to staff",
        "bot_other": "neither: unresolved, or staff answered first",
        "bot_answered": "answered by the bot",
        "bot_handled": "answered or handed over by the bot",
        "containment_pct": "contained % (of those)",
        "escalation_pct": "escalated % (of those)",
        "median_bot_minutes": "median to the bot's answer (min)",
        "outcomes": "How the {cases} cases end",
        "outcomes_whole": "{cases} cases",
        "resolved": "resolved",
        "unresolved": "not resolved",
        "unknown": "unknown",
        "table": "Table",
        "max": "max",
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
        "answered_pct": "answered % (anyone)",
        "staff_pct": "answered by staff %",
        "bot_pct": "answered by the bot %",
        "median_minutes": "median first response, anyone (min)",
        "median_staff": "median to staff (min)",
        "median_bot": "median to the bot (min)",
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
        "answered_by_staff_of": "respondidos pela equipe, de {requests} pedidos",
        "answered_by_bot_of": "respondidos pelo bot, de {requests} pedidos",
        "median_staff_stat": "mediana da primeira resposta da equipe",
        "median_bot_stat": "mediana da primeira resposta do bot",
        "minutes": "{minutes} min",
        "no_ratings": "ainda sem avaliações",
        "no_data": "sem dados",
        "no_rows": "Ainda sem linhas.",
        "q1": "1. Quando os clientes entram em contato?",
        "q2": "2. Quais são os problemas mais frequentes?",
        "q3": "3. O bot resolve os problemas?",
        "by_hour": "Mensagens de clientes por hora local ({timezone})",
        "heatmap": "Dia da semana \u00d7 hora: mensagens de clientes por dia (média)",
        "heatmap_legend": "Média de mensagens de clientes por dia naquela hora daquele dia da semana, nos "
        "dias que os dados cobrem por inteiro: um primeiro ou último dia com menos da metade das mensagens "
        "dos outros dias do mesmo dia da semana é parcial e não conta como dia.",
        "heatmap_partial": "Dia parcial, não contado: {days} (mensagens desse dia: {messages}, que ficam "
        "nas células).",
        "days_counted": "dias contados",
        "daily": "Mensagens de clientes por dia",
        "weekly": "Pedidos por semana",
        "weekly_note": "As semanas começam na segunda-feira; as parcelas respondidas e as medianas da "
        "primeira resposta (equipe e bot separados) e a resolução por semana estão na tabela.",
        "one_week": "Por enquanto uma semana, a partir de {week}: {requests} pedidos, {staff} respondidos "
        "pela equipe e {bot} pelo bot. O gráfico por semana começa na segunda semana.",
        "topics": "Assuntos dos pedidos (regras, senão a palavra-chave mais compartilhada)",
        "coverage": "{without} de {requests} pedidos não são cobertos por nenhuma regra de assunto ({pct}).",
        "commands": "Comandos do bot",
        "keywords": "Palavras-chave dos pedidos sem regra (a próxima regra a criar)",
        "keywords_rule": "Mostradas: palavras-chave de pelo menos {askers} pessoas diferentes que não são "
        "palavras gramaticais nem verbos comuns do idioma do pedido.",
        "keywords_left_out": "Deixadas de fora: {words}.",
        "keywords_few": "Com menos de {askers} pessoas: {count}.",
        "no_keywords": "Ainda nenhuma palavra-chave é compartilhada por {askers} ou mais pessoas.",
        "askers": "pessoas",
        "topic_table": "Por assunto: pedidos, respondidos e primeira resposta (equipe e bot separados), "
        "resolução",
        "answered_chart": "Quem respondeu os {requests} pedidos: equipe e bot separados",
        "answered_whole": "{requests} pedidos",
        "answerer": "respondidos por",
        "staff_only": "só a equipe",
        "bot_only": "só o bot",
        "both": "a equipe e o bot",
        "no_one": "ninguém em 7 dias",
        "answered_note": "Dos {requests} pedidos, só a equipe respondeu {staff_only}, só o bot {bot_only} "
        "e os dois {both}; {unanswered} ficaram sem resposta em 7 dias. No total, a equipe respondeu "
        "{staff} (mediana da primeira resposta {staff_median} min) e o bot {bot} (mediana {bot_median} "
        "min); alguém (equipe ou bot): {answered}. {again} foram perguntados de novo sobre o mesmo assunto "
        "em 24 h.",
        "resolution": "Avaliações: os {rated} veredictos (o último clique de cada pessoa em cada pergunta)",
        "resolution_whole": "{rated} veredictos",
        "languages": "Pedidos por idioma (do texto)",
        "language": "idioma",
        "found_by": "encontrados por",
        "found_by_rules": "palavras de pergunta, frases de problema e ?",
        "found_by_mark": "só ?",
        "und_language": "und (curto ou incerto demais)",
        "languages_note": "O idioma de cada pedido é detectado (fastText); um texto com menos de 2 "
        "palavras de 3 ou mais letras não tem idioma (und). Palavras-chave e assuntos deixam de fora as "
        "palavras vazias do idioma de cada pedido e usam o seu radicalizador.",
        "question_mark_only": 'Em {languages}, os pedidos são encontrados só pelo "?": as palavras de '
        "pergunta e frases de problema conhecidas são de português, inglês, espanhol e russo. Um pedido "
        'nesses idiomas sem "?" não é contado.',
        "staff_unknown": "Equipe desconhecida (sem staff_user_ids): só administradores anônimos e o bot "
        "contam como respostas. Veja a consulta setup_staff_candidates para saber quem mais responde.",
        "bot_share": "A parte do bot: os {handled} casos que ele respondeu ou passou à equipe",
        "bot_whole": "{handled} casos que o bot respondeu ou passou à equipe",
        "bot_note": "O bot respondeu ou passou à equipe {handled} de {cases} casos (as mensagens dele, "
        "enviadas para POST /outgoing; ele respondeu {answered} deles): {contained} contidos (sem a "
        "equipe, e nada indica não resolvido: {containment}), {escalated} escalados (passados à equipe, ou "
        "a equipe respondeu depois dele: {escalation}) e {other} nenhum dos dois ({other_share}: "
        "respondidos, mas não resolvidos ou a equipe respondeu antes).",
        "bot_top": "Totais dos {topics} assuntos maiores.",
        "bot_unknown": "O bot não respondeu nenhum caso aqui: ou ele não responde, ou as mensagens dele não "
        "são conhecidas (o Telegram nunca envia a um bot as próprias mensagens: o backend dele as envia "
        "para POST /outgoing).",
        "contained": "contidos (sem a equipe)",
        "escalated": "escalados para a equipe",
        "bot_other": "nenhum dos dois: não resolvidos, ou a equipe respondeu antes",
        "bot_answered": "respondidos pelo bot",
        "bot_handled": "respondidos ou passados à equipe pelo bot",
        "containment_pct": "% contidos (desses)",
        "escalation_pct": "% escalados (desses)",
        "median_bot_minutes": "mediana até a resposta do bot (min)",
        "outcomes": "Como terminam os {cases} casos",
        "outcomes_whole": "{cases} casos",
        "resolved": "resolvido",
        "unresolved": "não resolvido",
        "unknown": "desconhecido",
        "table": "Tabela",
        "max": "máx.",
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
        "answered_pct": "% respondidos (por alguém)",
        "staff_pct": "% respondidos pela equipe",
        "bot_pct": "% respondidos pelo bot",
        "median_minutes": "mediana da primeira resposta, qualquer um (min)",
        "median_staff": "mediana até a equipe (min)",
        "median_bot": "mediana até o bot (min)",
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
    """One phrase of the page in `lang` (en or pt-BR), with its {placeholders} filled in; a day (a date,
    or a 'YYYY-MM-DD' string) is written the language's way."""
    if lang not in TEXT:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    shown = {name: date_text(value, lang) if _is_day(value) else value for name, value in values.items()}
    return TEXT[lang][key].format(**shown)


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


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_day(value: Any) -> bool:
    return isinstance(value, date) or (isinstance(value, str) and bool(_ISO_DAY.fullmatch(value)))


def as_day(value: Any) -> date:
    """A day from a date, a datetime (a pandas Timestamp too) or a 'YYYY-MM-DD...' string."""
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return date.fromisoformat(str(value)[:10])


def date_text(value: Any, lang: str) -> str:
    """A day the one way each language writes it, in the header, the charts, the tables and the CSVs
    alike: ISO 8601 (2025-03-31) in English, dd/mm/aaaa (31/03/2025) in Portuguese."""
    day = as_day(value)
    return day.strftime("%d/%m/%Y") if lang == "pt-BR" else day.isoformat()
