"""What the report makes of some answers before it shows them, each rule also written on the page:

- the weekday x hour heatmap averages over the days the data fully covers (a nearly empty first or last
  day, such as today in a report that includes it, would otherwise halve its weekday's row);
- "the next rule to add" lists only keywords that several people used and that name something (not a
  function word or a common verb in Portuguese, English or Spanish).

Both work on the named queries' rows as they come, so the queries stay what Athena and DuckDB run.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import date, timedelta
from statistics import median
from typing import Any

from analyst.report_texts import as_day

Rows = list[dict[str, Any]]
MIN_ASKERS = 2  # a keyword is worth a topic rule once at least this many different people used it
NO_TOPIC = "(no topic)"  # what q3_topics and q3_bot_containment call requests without a topic


def heatmap_rows(heat: Rows, volume: Rows) -> tuple[Rows, list[tuple[date, int]]]:
    """q1_heatmap_weekday_hour's rows with `days` and `messages_per_day` over fully covered days only,
    and the partial days left out (day, customer messages).

    q1_heatmap_weekday_hour divides by every calendar day from the first to the last message, so a first
    or last day the data barely reaches counts as a whole day. Here, the days are those from the first to
    the last day with customer messages (q1_volume_by_day), and such an edge day is partial, and not
    counted, when it has less than half the median messages of the other days of its weekday (a weekday
    seen once keeps its only day). A partial day's few messages stay in the cells' sums: the queries do
    not split them by day."""
    per_day = {as_day(r["day"]): int(r["messages"] or 0) for r in volume}
    if not heat or not per_day:
        return [dict(r) for r in heat], []
    first, last = min(per_day), max(per_day)
    by_weekday: dict[int, list[date]] = defaultdict(list)
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        by_weekday[day.isoweekday()].append(day)
    partial = []
    for edge in sorted({first, last}):
        others = [per_day.get(d, 0) for d in by_weekday[edge.isoweekday()] if d != edge]
        if others and per_day[edge] < median(others) / 2:
            partial.append(edge)
    full = {weekday: sum(d not in partial for d in days) for weekday, days in by_weekday.items()}
    rows = []
    for row in heat:
        counted = full.get(int(row["weekday"])) or 0
        queried = int(row.get("days") or 0)
        days = min(counted, queried) if counted and queried else counted or queried
        rows.append(
            {
                **row,
                "days": days,
                "messages_per_day": row["messages"] / days if days else row["messages_per_day"],
            }
        )
    return rows, [(day, per_day[day]) for day in partial]


def fold(word: str) -> str:
    """Lower case without accents, as the ETL writes keywords ("Você" -> "voce")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _conjugated(infinitives: str, endings: dict[str, str]) -> set[str]:
    """The regular forms of each infinitive (folded), from its ending's list of suffixes."""
    forms = set()
    for verb in infinitives.split():
        stem, ending = verb[:-2], verb[-2:]
        forms.update(stem + suffix for suffix in endings[ending].split())
    return forms


_PT_ENDINGS = {
    "ar": "ar o a as amos am ei ou aram ava avam ado ada ados adas ando e em aste ara asse",
    "er": "er o e es emos em i eu eram ia iam ido ida endo a am era esse",
    "ir": "ir o e es imos em i iu iram ia iam ido ida indo a am ira isse",
}
_ES_ENDINGS = {
    "ar": "ar o a as amos an e aron ado ada ando aba",
    "er": "er o e es emos en i io ieron ido ida iendo ia",
    "ir": "ir o e es imos en i io ieron ido ida iendo ia",
}
# Common verbs that name no problem (a problem's noun carries it: "pedido", "boleto"). Verbs whose forms
# are nouns of support topics (pedir/pedido, entregar/entrega, trocar/troca, pagar, cancelar, acessar,
# cadastrar, notar/nota) are left out on purpose.
_PT_VERBS = (
    "comprar chamar falar ficar deixar passar achar olhar precisar gostar tentar esperar ajudar usar "
    "mandar pegar tirar colocar mudar funcionar entrar voltar levar acabar continuar lembrar perguntar "
    "explicar procurar encontrar chegar avisar informar comecar mostrar receber escrever responder "
    "aparecer acontecer entender conhecer parecer esquecer emitir abrir seguir existir decidir permitir "
    "conseguir"
)
_ES_VERBS = (
    "comprar llegar llamar hablar pasar quedar dejar buscar usar tratar esperar ayudar funcionar necesitar "
    "preguntar escribir abrir"  # not recibir: "recibo" is a receipt
)
_IRREGULAR = """
    sou es e somos sao era eram foi foram fui sera seria seja sejam sido sendo estou esta estamos estao
    estava estavam esteve estive estiveram estado estando esteja tenho tem temos tinha tinham tive teve
    tiveram tido tendo tenha ha havia houve haja vou vai vamos vao ia iam indo ido venho vem vens vimos
    veem vim veio vieram vinha vindo venha vir faco faz fazemos fazem fiz fez fizeram feito fazendo faca
    fazia digo diz dizem disse disseram dito dizendo posso pode podem podemos pude puderam podia poderia
    podendo quero quer querem quis quiseram queria sei sabe sabem soube sabia vejo ve vi viu viram visto
    vendo veja dou da dao dei deu deram dado dando consigo saio sai saem saiu sairam poe pos posto ponho
    soy eres son fue fueron estoy estan estaba estuvo tengo tiene tienen tuve tuvo hago hace hacen hice
    hizo hecho voy va van vengo viene vienen vino vinieron puedo puede pueden pudo quiero quiere quieren
    quiso digo dice dicen dijo veo ven vio doy dan dio he han hay habia hubo encuentro encuentra
    be is am are was were been being have has had having do does did done doing get gets got gotten
    getting make makes made making go goes went gone going come comes came coming buy buys bought buying
    send sends sent sending receive receives received receiving see sees saw seen know knows knew known
    want wants wanted need needs needed try tries tried trying work works worked working use uses used
    using say says said tell told ask asks asked give gave given take took taken find found think thought
    look looked seem seemed arrive arrived can could will would shall should may might must
"""
# Function words the ETL may keep (it drops the most frequent ones), ordinals and pieces of "e-mail".
_FUNCTION = """
    a o as os um uma uns umas de do da dos das no na nos nas num numa em por pelo pela para pra pro com
    sem sob sobre ate apos entre que se e ou mas nem como quando onde qual quais quanto quem porque ja
    ainda so tambem nao sim muito mais menos bem mal la aqui ali isso isto esse essa este esta aquele
    aquela eu tu ele ela nos eles elas me te lhe meu minha meus minhas seu sua seus suas voce voces vc
    algum alguma nenhum todo toda todos todas tudo nada cada outro outra mesmo mesma
    primeiro primeira primeiros primeiras segundo segunda terceiro terceira ultimo ultima ultimos ultimas
    proximo proxima first second third last next primero primera tercero tercera
    el la los las un una unos unas del al y pero sin cuando donde cual quien cuanto muy mi mis tu tus su
    sus yo usted ustedes nosotros
    the an and or but of to in on at for with from by about as not no yes you your we our they their it
    its this that these those there here what when where why how who which any some my me i he she his
    her them him us just also very really
    mail
"""
COMMON_WORDS = frozenset(
    _conjugated(_PT_VERBS, _PT_ENDINGS)
    | _conjugated(_ES_VERBS, _ES_ENDINGS)
    | set(_IRREGULAR.split())
    | set(_FUNCTION.split())
)


def next_rule_keywords(rows: Rows) -> tuple[Rows, list[str], int]:
    """q2_uncovered_keywords' rows worth a topic rule (at least MIN_ASKERS different askers, not a common
    word), the common words left out, and how many keywords had too few askers."""
    shown, common, few = [], [], 0
    for row in rows:
        if fold(str(row["keyword"])) in COMMON_WORDS:
            common.append(str(row["keyword"]))
        elif int(row.get("users") or 0) < MIN_ASKERS:
            few += 1
        else:
            shown.append(row)
    return shown, common, few
