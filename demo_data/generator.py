"""A seeded generator of a Portuguese support group over several days, as the Updates Telegram POSTs to
the webhook (the shapes of the real ones in tests/fixtures/telegram).

The group looks like a real one under the conversation model (docs/conversation-model.md): customers,
a few staff members and now and then an anonymous admin; requests by topic, written in several ways
(with and without "?", colloquial, problem statements, order numbers, a leading greeting); greetings,
acknowledgements and "também quero saber" that are not requests; staff replies to a request or to the
asker's follow-up; our bot's answers (FAQ answers by topic, mostly replies, some not; a hand-over to staff
when it has no answer; in the forum topic, without pressing reply), after which staff step in now and
then; its "Isso resolveu sua dúvida?" buttons, mostly as a message of their own, and their clicks by
the asker (who changes their mind now and then), by staff or by another member; albums, edits, members
joining, the channel's automatic forwards (user 777000), reactions, commands (ours, another bot's, one in
the middle of a question), a forum topic where staff write without pressing reply, and a small group
upgraded to a supergroup part-way. About 2 % of the updates are delivered twice, as Telegram retries.

Telegram never sends a bot its own messages: our bot's messages are not among the deliveries (a prompt is
seen there only inside callback_query.message). They are the bot backend's posts to POST /outgoing, as Bot
API Message objects (the `result` of sendMessage): mostly one bare Message, some the whole response
({"ok": true, "result": ...}), a few two messages in a list, and a few posted twice (a retry).

The same seed gives the same updates, byte for byte. Next to them the generator keeps a ledger of the
answers the model must give, computed from what the generator intended (each request's topic label,
who replied to what and when, who clicked what), by the definitions of docs/conversation-model.md, and
never from the texts: tests compare the pipeline's answers with it, not with the SQL.
"""

from __future__ import annotations

import itertools
import random
import statistics
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from demo_data.conversation import Delivery
from stacks.config import StageConfig

BOT_USERNAME = "ajuda_loja_bot"
BOT = {"id": 7000000001, "is_bot": True, "first_name": "AjudaBot", "username": BOT_USERNAME}
# An anonymous admin posts as the group: from this bot, with sender_chat = the group.
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
TELEGRAM = {"id": 777000, "is_bot": False, "first_name": "Telegram"}  # the automatic forwards' sender
# The support group: a forum supergroup, most of its talk in General (no thread), one topic thread.
CHAT = {"id": -1001500000002, "title": "Suporte Loja Exemplo", "is_forum": True, "type": "supergroup"}
CHANNEL = {"id": -1001500000077, "title": "Loja Exemplo - Novidades", "username": "lojaexemplo",
           "type": "channel"}  # fmt: skip
# A small resellers' group, upgraded to a supergroup part-way: a new chat id from then on.
SMALL_GROUP = {"id": -4623150987, "title": "Loja Exemplo - Revendedores", "type": "group",
               "all_members_are_administrators": False}  # fmt: skip
SUPERGROUP = {"id": -1002398761245, "title": "Loja Exemplo - Revendedores", "type": "supergroup"}
STAFF = [(6011000101, "Carla", "carla_suporte"), (6011000102, "Rafael", "rafa_atendimento"),
         (6011000103, "Juliana", "ju_loja")]  # fmt: skip
STAFF_USER_IDS = tuple(user_id for user_id, _, _ in STAFF)
CUSTOMER_NAMES = [
    "Ana", "Bruno", "Camila", "Diego", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela", "João",
    "Karina", "Lucas", "Mariana", "Nicolas", "Olívia", "Pedro", "Queila", "Rodrigo", "Sofia", "Tiago",
    "Úrsula", "Vinícius", "Wesley", "Yasmin", "Zeca", "Larissa", "Matheus", "Beatriz", "Gustavo", "Letícia",
]  # fmt: skip
RESELLER_NAMES = ["Adriana", "Marcos", "Patrícia", "Renato", "Simone"]

# Requests by topic label: several paraphrases each, with and without "?", colloquial ones, problem
# statements; {n} is an order number, {city} a city. Each is clear-cut: one topic, no other topic's
# terms. None: requests that name nothing (no keyword, so no topic under the model).
REQUESTS: dict[str | None, list[str]] = {
    "rastreio": [
        "Como faço para rastrear meu pedido?",
        "Cadê meu pedido {n}?",
        "kd meu pedido",
        "Meu pedido {n} ainda não chegou",
        "Onde vejo o código de rastreio?",
        "O rastreio parou de atualizar, podem verificar o pedido {n}?",
    ],
    "prazo de entrega": [
        "Qual o prazo de entrega para {city}?",
        "Vocês entregam no sábado?",
        "Quantos dias demora pra chegar em {city}",
        "Entregam em {city}?",
    ],
    "troca e devolução": [
        "Como troco um produto que chegou quebrado?",
        "O tênis veio com defeito, quero trocar",
        "Posso devolver se não servir?",
        "A camiseta ficou pequena, como faço a troca?",
    ],
    "pagamento": [
        "Posso pagar com Pix?",
        "Vocês aceitam boleto?",
        "Dá pra parcelar em 3x no cartão?",
        "Paguei o boleto ontem e ainda não foi compensado",
    ],
    "estorno": [
        "Quando cai o estorno no cartão?",
        "Fui cobrado duas vezes no cartão",
        "Cadê meu reembolso?",
        "Ainda não recebi o estorno do pedido {n}",
    ],
    "cancelamento": [
        "Quero cancelar meu pedido",
        "Como cancelo a compra {n}?",
        "Preciso cancelar o pedido {n}, comprei errado",
    ],
    # Not covered by TOPIC_RULES: the model gives them an automatic topic (their shared key term),
    # and they show up among the uncovered keywords. Their vocabularies are disjoint.
    "nota fiscal": [
        "Onde encontro a nota fiscal?",
        "A nota fiscal não veio no e-mail",
        "Vocês emitem nota fiscal com CNPJ?",
    ],
    "cupom": [
        "O cupom de desconto não funciona",
        "Tem cupom pra primeira compra?",
        "Meu cupom BEMVINDO10 dá erro",
    ],
    None: [
        "Alguém pode me ajudar?",
        "Preciso de ajuda urgente",
        "Tem alguém aí pra me ajudar?",
    ],
}
TOPIC_WEIGHTS = {"rastreio": 9, "prazo de entrega": 7, "troca e devolução": 6, "pagamento": 5,
                 "estorno": 4, "cancelamento": 3, "nota fiscal": 3, "cupom": 2, None: 2}  # fmt: skip
# The demo's topic rules (regular expressions over the normalized text, first match wins): every topic
# above but "nota fiscal" and "cupom".
TOPIC_RULES: dict[str, tuple[str, ...]] = {
    "cancelamento": (r"\bcancel",),
    "estorno": (r"\bestorn", r"\breembols", r"\bcobrad"),
    "troca e devolução": (r"\btroc", r"\bdevol", r"\bdefeito", r"\bquebrad"),
    "pagamento": (r"\bpix\b", r"\bboleto", r"\bparcel", r"\bpag(?:ar|o|amento|uei)\b"),
    "rastreio": (r"\brastre", r"\b(?:cade|kd)\b", r"\bpedido (?:# )?(?:ainda )?nao (?:chegou|veio)"),
    "prazo de entrega": (r"\bprazo", r"\bentreg", r"\bquantos dias"),
}
# A question whose text changes (same topic), and a message that becomes a request through its edit.
EDITED_REQUESTS = [
    ("Qual o prazo de entrega para {city}?", "Qual o prazo de entrega para {city}? CEP {cep}",
     "prazo de entrega"),
    ("Cade meu pedio {n}?", "Cadê meu pedido {n}?", "rastreio"),
    ("Posso pagar com pics?", "Posso pagar com Pix?", "pagamento"),
]  # fmt: skip
BECOMES_REQUEST = [
    ("Meu pedido {n}", "Meu pedido {n} ainda não chegou", "rastreio"),
    ("Comprei um tênis semana passada", "Comprei um tênis semana passada, posso trocar o tamanho?",
     "troca e devolução"),
]  # fmt: skip
# Album captions: a problem statement (a request), or just the photos (not one).
ALBUM_REQUESTS = [("Chegou assim, quebrado. Quero trocar", "troca e devolução"),
                  ("O produto veio com defeito, seguem as fotos", "troca e devolução")]  # fmt: skip
ALBUM_CAPTIONS = ["Seguem as fotos do produto", "Fotos da embalagem"]
MID_TEXT_COMMAND = ("Como uso o /rastreio?", "/rastreio", "rastreio")  # a request, not a command
GREETINGS = ["Boa tarde, tudo bem?", "Bom dia, pessoal", "Oi gente", "Boa noite!", "Olá, tudo bom?"]
ACKNOWLEDGEMENTS = ["Obrigado!", "Obrigada, deu certo", "Pode deixar", "Ok, valeu",
                    "Perfeito, muito obrigado", "Show, obrigado 👍", "Valeu, funcionou aqui"]  # fmt: skip
# Some carry personal data, as real follow-ups do: the ETL redacts it (docs/privacy.md).
FOLLOW_UPS = ["Já faz 10 dias, meu zap é {phone}", "Comprei dia 12, no CPF {cpf}", "O número é {n}",
              "Foi pelo site, com o e-mail cliente{n}@gmail.com"]  # fmt: skip
ME_TOO = ["Também quero saber", "Eu também quero saber!", "Mesma dúvida aqui"]
NEWCOMER_HELLO = ["Oi pessoal, acabei de entrar", "Olá a todos!"]
CAPTIONS = ["Segue o comprovante", "Comprovante do pagamento"]
LEADING_GREETINGS = ["Boa tarde, ", "Bom dia, ", "Oi, ", "Boa noite! "]
CITIES = ["Recife", "Curitiba", "Manaus", "Porto Alegre", "Belo Horizonte", "Salvador"]
STAFF_ANSWERS = [
    "Use o link de rastreio que enviamos por e-mail.",
    "O prazo aparece na página do pedido, em dias úteis.",
    "Abra o pedido e clique em trocar produto, a coleta é grátis.",
    "Aceitamos Pix, cartão em até 6x e boleto.",
    "Já verifiquei aqui, está tudo certo com o seu pedido.",
    "Te mandei uma mensagem privada com os detalhes.",
    "O estorno aparece em até duas faturas.",
    "Vou verificar com a transportadora e te aviso.",
]
CHANNEL_POSTS = ["Frete grátis acima de R$ 199 até domingo!", "Chegou a coleção de outono, confira no site.",
                 "Atendimento no feriado: das 9h às 15h."]  # fmt: skip
FORUM_TOPIC = "Entregas de fim de ano"
FORUM_REQUESTS = [("Vocês entregam no dia 24?", "prazo de entrega"),
                  ("Qual o prazo de entrega pra {city} em dezembro?", "prazo de entrega"),
                  ("Meu pedido {n} ainda não chegou", "rastreio")]  # fmt: skip
# Our bot's FAQ answers, for the topics it knows (those of the demo's topic rules).
BOT_ANSWERS: dict[str, list[str]] = {
    "rastreio": [
        "Você acompanha seu pedido em lojaexemplo.com.br/rastreio com o número do pedido e o CPF.",
        "O código de rastreio chega por e-mail quando o pedido sai do centro de distribuição.",
    ],
    "prazo de entrega": [
        "O prazo aparece no carrinho ao informar o CEP: de 2 a 9 dias úteis, conforme a região.",
        "Entregamos de segunda a sábado; o prazo conta em dias úteis após a aprovação.",
    ],
    "troca e devolução": [
        "Você tem 30 dias para trocar: abra Meus pedidos > Trocar produto e agende a coleta grátis.",
    ],
    "pagamento": ["Aceitamos Pix, boleto e cartão em até 6x sem juros. O boleto compensa em 2 dias úteis."],
    "estorno": ["O estorno no cartão aparece em até duas faturas; no Pix, em até 5 dias úteis."],
    "cancelamento": ["Pedidos ainda não enviados podem ser cancelados em Meus pedidos > Cancelar."],
}
BOT_HANDOFF = "Não encontrei uma resposta para isso. Já chamei a equipe, um atendente vai te responder aqui."
# The demo's bot_handover_patterns (over the normalized text): they match BOT_HANDOFF, no FAQ answer.
BOT_HANDOVER_PATTERNS = (r"\bja chamei a equipe\b", r"\bum atendente (ja )?vai te responder\b")
FEEDBACK_TEXT = "Isso resolveu sua dúvida?"
RESOLVED, UNRESOLVED = "feedback:resolved", "feedback:unresolved"
FEEDBACK_MARKUP = {"inline_keyboard": [[{"text": "Sim 👍", "callback_data": RESOLVED},
                                        {"text": "Não 👎", "callback_data": UNRESOLVED}]]}  # fmt: skip
SATISFIED, UNSATISFIED = "👍", "👎"
# (text as typed, our command it starts with; None: another bot's)
COMMANDS = [("/start", "/start"), ("/status {n}", "/status"), (f"/ajuda@{BOT_USERNAME}", "/ajuda"),
            ("/ajuda", "/ajuda"), ("/rastreio {n}", "/rastreio"), ("/start@OutroBot", None)]  # fmt: skip
# Local hours people write at: business hours, a lunch dip, evenings, a quiet night.
HOUR_WEIGHTS = [1, 0, 0, 0, 0, 1, 2, 5, 9, 12, 11, 8, 5, 6, 9, 10, 8, 6, 5, 5, 4, 3, 2, 1]
ANSWERERS = ("staff", "our_bot")  # the roles whose replies answer a request
# ... and, kept apart as the model does, our bot's hand-overs (an escalation, never an answer).
ANSWERER_KINDS = (*ANSWERERS, "bot_handover")
# The Ledger's figures of the bot, per topic (bot_handled: answered or handed over).
BOT_SHARE = ("cases", "bot_answered", "contained", "escalated", "handed_over", "bot_handled")
WEEK = timedelta(days=7)
DAY = timedelta(days=1)


@dataclass
class Ledger:
    """The answers the model must give for what was generated (local time), from the generator's intent."""

    # Q1: customer messages (an album or an edited message once), requests and customers.
    by_hour: dict[int, dict[str, int]] = field(default_factory=dict)  # messages, users, requests
    by_day: dict[date, dict[str, int]] = field(default_factory=dict)  # messages, requests, customers
    by_weekday_hour: Counter[tuple[int, int]] = field(default_factory=Counter)
    # Q2: requests and askers per topic label (covered or not), requests without a topic, commands.
    topics: dict[str, dict[str, int]] = field(default_factory=dict)  # requests, users
    requests_without_topic: int = 0
    commands: dict[str, dict[str, int]] = field(default_factory=dict)  # uses, users
    # Q3
    feedback: dict[str, int] = field(default_factory=dict)  # rated, resolved, unresolved
    questions: int = 0  # requests (support cases)
    answered: int = 0
    median_minutes_to_reply: float | None = None
    asked_again: int = 0
    users_who_asked_again: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    # Q3, our bot's share, per topic label (None: no topic): cases, bot_answered, contained, escalated; and
    # the minutes from each request to the bot's first answer (in time order of the requests).
    bot: dict[str | None, dict[str, int]] = field(default_factory=dict)
    minutes_to_bot_answer: dict[str | None, list[float]] = field(default_factory=dict)
    # Delivery
    updates_by_arrival_day: Counter[date] = field(default_factory=Counter)  # distinct updates
    redeliveries: int = 0
    # POST /outgoing: our bot's distinct messages by local day of sending, and the posts made twice.
    outgoing_by_day: Counter[date] = field(default_factory=Counter)
    outgoing_reposts: int = 0


@dataclass(eq=False)
class _Message:
    at: datetime
    chat: dict[str, Any]
    sender: dict[str, Any]
    role: str  # its sender's role under the model: customer, staff, our_bot, channel or service
    text: str | None = None
    content: dict[str, Any] = field(default_factory=dict)  # photo, document, service fields ...
    entities: list[dict[str, Any]] | None = None
    reply_to: _Message | None = None
    thread: _Message | None = None  # the forum topic's creation message
    sender_chat: dict[str, Any] | None = None
    request: bool = False  # a request under its latest text
    topic: str | None = None  # the request's topic label
    command: str | None = None  # our bot's command the message starts with
    counted: bool = True  # False for an album's items after the first
    follows: _Message | None = None  # a prompt: the request it asks about
    message_id: int = 0
    update_id: int = 0
    payload: dict[str, Any] | None = None
    handover: bool = False  # our bot's hand-over to staff (BOT_HANDOFF)

    @property
    def delivered(self) -> bool:
        return self.role != "our_bot"  # Telegram never sends a bot its own messages

    @property
    def answerer(self) -> str:
        """Its role as an answerer: a hand-over of our bot is kept apart from its answers."""
        return "bot_handover" if self.handover else self.role


@dataclass(eq=False)
class _Edit:
    at: datetime
    message: _Message
    text: str
    update_id: int = 0


@dataclass(eq=False)
class _Click:
    at: datetime
    prompt: _Message
    user: dict[str, Any]
    data: str
    update_id: int = 0


@dataclass(eq=False)
class _Reaction:
    at: datetime
    message: _Message
    user: dict[str, Any]
    old: list[str]
    new: list[str]
    update_id: int = 0


_Item = _Message | _Edit | _Click | _Reaction


def _person(user_id: int, first_name: str, username: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "username": username,
        "language_code": "pt-br",
    }


def _cpf(nine: str) -> str:
    """A CPF with its two check digits (Receita Federal's mod-11 rule), formatted 000.000.000-00."""
    digits = [int(char) for char in nine]
    for _ in range(2):
        check = sum(d * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True)) * 10 % 11
        digits.append(check % 10)
    text = "".join(map(str, digits))
    return f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}"


def _ascii(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


class _Conversation:
    def __init__(self, rng: random.Random, timezone: ZoneInfo, start: date, days: int, size: int) -> None:
        self.rng, self.timezone, self.start, self.days = rng, timezone, start, days
        self.end = datetime.combine(start + timedelta(days=days), time(0), tzinfo=timezone)
        self.items: list[_Item] = []
        self.staff = [_person(*person) for person in STAFF]
        # A bigger group has more customers: about one per 3 updates while small (few customers would ask
        # several times a week, and the model would pair their cases), about one per 13 when large.
        rounds = min(size // 100, size // 400 + 30)
        names = CUSTOMER_NAMES + [f"{name} {n}" for n in range(2, 2 + rounds) for name in CUSTOMER_NAMES]
        self.customers = [
            _person(1000 + i, name.split()[0], f"{_ascii(name).lower().replace(' ', '_')}_{1000 + i}")
            for i, name in enumerate(names)
        ]
        self.resellers = [
            _person(900_000 + i, name, f"{_ascii(name).lower()}_revenda")
            for i, name in enumerate(RESELLER_NAMES)
        ]
        # The small group becomes a supergroup in the middle of the span.
        self.migration_at = self.local(start + timedelta(days=days // 2), 15 if days == 1 else 11, 7, 30)

    # -- time --------------------------------------------------------------------------------------
    def local(self, day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=self.timezone)

    def random_time(self) -> datetime:
        day = self.start + timedelta(days=self.rng.randrange(self.days))
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return self.local(day, hour, self.rng.randrange(60), self.rng.randrange(60))

    def later(self, at: datetime, low: int, high: int) -> datetime:
        return at + timedelta(seconds=self.rng.randrange(low, high))

    def staff_time(self, at: datetime) -> datetime:
        """When staff reply to something sent at `at`: minutes to hours later, next morning at night."""
        minutes = self.rng.choice([(2, 15), (10, 60), (45, 240)])
        reply = at + timedelta(minutes=self.rng.randrange(*minutes), seconds=self.rng.randrange(60))
        if not 8 <= reply.hour < 21:
            day = reply.date() if reply.hour < 8 else reply.date() + DAY
            reply = max(reply, self.local(day, 8, self.rng.randrange(60), self.rng.randrange(60)))
        return reply

    def within_span(self, at: datetime) -> bool:
        return at < self.end

    # -- what happens ------------------------------------------------------------------------------
    def add(self, item: _Item) -> Any:
        self.items.append(item)
        return item

    def say(
        self,
        at: datetime,
        sender: dict[str, Any],
        text: str | None,
        *,
        chat: dict[str, Any] = CHAT,
        role: str = "customer",
        **fields: Any,
    ) -> _Message:
        return self.add(_Message(at, chat, sender, role, text, **fields))

    def fill(self, template: str) -> str:
        n = self.rng.randrange(41000, 59999)
        return template.format(
            n=n,
            city=self.rng.choice(CITIES),
            cep=f"{self.rng.randrange(10000, 99999)}-{self.rng.randrange(1000):03d}",
            # From n, drawing nothing more: the same seed gives the same conversation as before.
            cpf=_cpf(f"{n}{n % 9973:04d}"),
            phone=f"(11) 98{n % 1000:03d}-{n * 7 % 10000:04d}",
        )

    def typed(self, text: str, *, greeting: bool = True) -> str:
        """As people type it: a leading greeting on some, lower case, no accents, "??"."""
        rng = self.rng
        if greeting and rng.random() < 0.2:
            text = rng.choice(LEADING_GREETINGS) + text[0].lower() + text[1:]
        style = rng.random()
        if style < 0.15:
            text = text.lower()
        elif style < 0.25:
            text = _ascii(text).lower()
        elif style < 0.32 and text.endswith("?"):
            text += "?"
        return text

    def pick_topic(self) -> str | None:
        topics = list(TOPIC_WEIGHTS)
        return self.rng.choices(topics, weights=[TOPIC_WEIGHTS[t] for t in topics])[0]

    def request(
        self, at: datetime, user: dict[str, Any], topic: str | None = None, *, chat: dict[str, Any] = CHAT
    ) -> _Message:
        text = self.typed(self.fill(self.rng.choice(REQUESTS[topic])))
        return self.say(at, user, text, chat=chat, request=True, topic=topic)

    def staff_member(self, *, anonymous: bool = True) -> tuple[dict[str, Any], dict[str, Any] | None]:
        if anonymous and self.rng.random() < 0.12:
            return ANONYMOUS_ADMIN, CHAT
        return self.rng.choice(self.staff), None

    def support_thread(self) -> None:
        """A customer's request in the group, and what follows it."""
        rng, user = self.rng, self.rng.choice(self.customers)
        at = self.random_time()
        if rng.random() < 0.1:
            self.say(at, user, rng.choice(GREETINGS))
            at = self.later(at, 20, 180)
        if rng.random() < 0.2:
            typed, command = rng.choice(COMMANDS)
            text = self.fill(typed)
            name_length = len(text.split()[0])
            self.say(
                at,
                user,
                text,
                command=command,
                entities=[{"offset": 0, "length": name_length, "type": "bot_command"}],
            )
            at = self.later(at, 20, 120)
        request = self.kind_of_request(at, user)
        after = request.at
        if rng.random() < 0.08:  # another member: "me too", replying to it (not a request)
            other = rng.choice([c for c in self.customers if c is not user])
            after = self.later(after, 60, 1200)
            self.say(after, other, rng.choice(ME_TOO), reply_to=request)
        follow_up = None
        if rng.random() < 0.15:  # the asker adds a detail, not a request
            follow_up = self.say(self.later(request.at, 30, 300), user, self.fill(rng.choice(FOLLOW_UPS)))
        outcome = rng.random()
        target = follow_up if follow_up is not None and rng.random() < 0.6 else request
        if request.topic in BOT_ANSWERS and outcome < 0.75:  # our bot knows the topic: it answers at once
            text = rng.choice(BOT_ANSWERS[request.topic])
            # Mostly a reply; some bots just post the answer (not a reply: not an answer under the model).
            answer = self.bot_message(self.later(request.at, 2, 25), text, reply_to=request, reply=0.8)
            if rng.random() < 0.15:  # not enough: staff step in (the bot escalated)
                staff = self.staff_reply(target)
                if staff is not None and rng.random() < 0.3:
                    self.prompt(request, self.later(staff.at, 5, 60))
            elif rng.random() < 0.8:  # the bot asks whether that solved it
                self.prompt(request, self.later(answer.at, 3, 40))
            elif answer.reply_to is not None and rng.random() < 0.5:  # or the asker reacts to its answer
                emoji = SATISFIED if rng.random() < 0.75 else UNSATISFIED
                self.add(_Reaction(self.later(answer.at, 10, 600), answer, user, [], [emoji]))
        elif outcome < 0.8:  # the bot has no answer: it hands over to staff, who mostly come
            handover = self.bot_message(self.later(request.at, 2, 25), BOT_HANDOFF, reply_to=request)
            handover.handover = True
            if rng.random() < 0.9:
                self.staff_reply(target)
        elif outcome < 0.85:  # staff answer and the bot stays out of it
            staff = self.staff_reply(target)
            if staff is not None and rng.random() < 0.3:
                self.prompt(request, self.later(staff.at, 5, 60))
        if rng.random() < 0.12:  # not solved: asks again a few hours later, in other words
            again = self.later(request.at, 3600, 20 * 3600)
            if self.within_span(again):
                second = self.request(again, user, request.topic)
                if rng.random() < 0.5:
                    self.staff_reply(second)

    def kind_of_request(self, at: datetime, user: dict[str, Any]) -> _Message:
        rng, kind = self.rng, self.rng.random()
        if kind < 0.05:  # a question whose text changes
            before, after, topic = rng.choice(EDITED_REQUESTS)
            filled = self.fill(before + "\x00" + after).split("\x00")
            message = self.say(at, user, filled[0], request=True, topic=topic)
            self.add(_Edit(self.later(at, 20, 240), message, filled[1]))
            return message
        if kind < 0.09:  # a message that becomes a request only through its edit
            before, after, topic = rng.choice(BECOMES_REQUEST)
            filled = self.fill(before + "\x00" + after).split("\x00")
            message = self.say(at, user, filled[0], request=True, topic=topic)
            self.add(_Edit(self.later(at, 20, 240), message, filled[1]))
            return message
        if kind < 0.15:  # an album: its caption is the request
            caption, topic = rng.choice(ALBUM_REQUESTS)
            return self.album(at, user, caption, request=True, topic=topic)
        if kind < 0.18:  # a command in the middle of a question: a request
            text, command, topic = MID_TEXT_COMMAND
            offset = text.index(command)
            return self.say(
                at,
                user,
                text,
                request=True,
                topic=topic,
                entities=[{"offset": offset, "length": len(command), "type": "bot_command"}],
            )
        request = self.request(at, user, self.pick_topic())
        if rng.random() < 0.1:  # and the photos, a moment later
            self.album(self.later(at, 20, 90), user, rng.choice(ALBUM_CAPTIONS))
        return request

    def album(
        self,
        at: datetime,
        user: dict[str, Any],
        caption: str,
        *,
        chat: dict[str, Any] = CHAT,
        request: bool = False,
        topic: str | None = None,
    ) -> _Message:
        group = str(13_900_000_000_000_000 + self.rng.randrange(10**15))
        first = None
        for n in range(self.rng.randrange(2, 5)):
            photo = self.say(
                at,
                user,
                None,
                chat=chat,
                counted=n == 0,
                request=request and n == 0,
                topic=topic if n == 0 else None,
                content={"media_group_id": group, "photo": self.photo()},
            )
            if n == 0:
                photo.content["caption"] = caption
                first = photo
        assert first is not None
        return first

    def photo(self) -> list[dict[str, Any]]:
        file_id = f"AgACAgEAAxkBAAI{self.rng.randrange(16**8):08x}"
        unique = f"AQAD{self.rng.randrange(16**6):06x}"
        return [
            {
                "file_id": f"{file_id}{suffix}",
                "file_unique_id": f"{unique}{suffix}",
                "file_size": size,
                "width": width,
                "height": height,
            }
            for suffix, size, width, height in (
                ("AAa", 1432, 90, 68),
                ("AAb", 20511, 320, 240),
                ("AAc", 98213, 1280, 960),
            )
        ]

    def staff_reply(self, target: _Message) -> _Message | None:
        """A staff member replies to `target` (the request or the asker's follow-up)."""
        at = self.staff_time(target.at)
        anonymous = target.chat is CHAT
        staff, sender_chat = self.staff_member(anonymous=anonymous)
        chat = target.chat
        if self.where(chat, at) is not chat:
            return None  # the group became a supergroup meanwhile: the old chat's messages stay there
        answer = self.say(
            at,
            staff,
            self.rng.choice(STAFF_ANSWERS),
            chat=chat,
            role="staff",
            reply_to=target,
            sender_chat=sender_chat,
        )
        asker = target.sender
        if self.rng.random() < 0.3:  # the asker reacts to the answer
            emoji = SATISFIED if self.rng.random() < 0.75 else UNSATISFIED
            reacted = self.later(at, 30, 900)
            if self.where(chat, reacted) is chat:
                self.add(_Reaction(reacted, answer, asker, [], [emoji]))
                changed = self.later(reacted, 60, 3600)
                if self.rng.random() < 0.15 and self.where(chat, changed) is chat:  # and changes it
                    other = UNSATISFIED if emoji == SATISFIED else SATISFIED
                    self.add(_Reaction(changed, answer, asker, [emoji], [other]))
        if self.rng.random() < 0.35:
            thanked = self.later(at, 30, 900)
            self.say(thanked, asker, self.rng.choice(ACKNOWLEDGEMENTS), chat=self.where(chat, thanked))
        return answer

    def bot_message(
        self,
        at: datetime,
        text: str,
        *,
        reply_to: _Message,
        reply: float = 1.0,
        thread: _Message | None = None,
    ) -> _Message:
        """Our bot's answer: a reply to `reply_to` with probability `reply`, else a message of its own."""
        replied = reply_to if reply >= 1 or self.rng.random() < reply else None
        return self.say(at, BOT, text, role="our_bot", reply_to=replied, thread=thread)

    def prompt(self, request: _Message, at: datetime) -> None:
        """Our bot's feedback buttons: mostly a message of its own, sometimes a reply to the request."""
        rng = self.rng
        reply_to = request if rng.random() < 0.25 else None
        prompt = self.say(
            at,
            BOT,
            FEEDBACK_TEXT,
            role="our_bot",
            reply_to=reply_to,
            follows=request,
            content={"reply_markup": FEEDBACK_MARKUP},
        )
        clicked = self.later(at, 10, 600)
        if rng.random() < 0.08:  # staff or another member presses a button: the model ignores it
            other = rng.choice(self.staff + self.customers)
            if other is not request.sender:
                self.add(_Click(clicked, prompt, other, rng.choice([RESOLVED, UNRESOLVED])))
                clicked = self.later(clicked, 5, 120)
        if rng.random() < 0.85:
            choice = RESOLVED if rng.random() < 0.7 else UNRESOLVED
            self.add(_Click(clicked, prompt, request.sender, choice))
            if rng.random() < 0.12:  # changes their mind: the last click counts
                self.add(
                    _Click(
                        self.later(clicked, 20, 600),
                        prompt,
                        request.sender,
                        UNRESOLVED if choice == RESOLVED else RESOLVED,
                    )
                )

    def small_talk(self) -> None:
        text = self.rng.choice(GREETINGS + ACKNOWLEDGEMENTS)
        self.say(self.random_time(), self.rng.choice(self.customers), text)

    def member_joins(self) -> None:
        user_id = 5_000_000_000 + self.rng.randrange(10**9)
        newcomer = _person(
            user_id, self.rng.choice(["Paulo", "Rita", "Caio", "Luana"]), f"user{user_id % 10**6}"
        )
        at = self.random_time()
        self.say(
            at,
            newcomer,
            None,
            role="service",
            content={
                "new_chat_participant": newcomer,
                "new_chat_member": newcomer,
                "new_chat_members": [newcomer],
            },
        )
        if self.rng.random() < 0.4:
            self.say(self.later(at, 30, 600), newcomer, self.rng.choice(NEWCOMER_HELLO))

    def document(self) -> None:
        self.say(
            self.random_time(),
            self.rng.choice(self.customers),
            None,
            content={
                "document": {
                    "file_name": "comprovante.pdf",
                    "mime_type": "application/pdf",
                    "file_id": f"BQACAgEAAxkBAAI{self.rng.randrange(16**8):08x}",
                    "file_unique_id": f"AgAD{self.rng.randrange(16**6):06x}",
                    "file_size": 81234,
                },
                "caption": self.rng.choice(CAPTIONS),
            },
        )

    def automatic_forward(self) -> None:
        """The linked channel's post, forwarded into the group by Telegram (user 777000)."""
        at = self.random_time()
        post_id = 300 + self.rng.randrange(700)
        origin = {"type": "channel", "chat": CHANNEL, "message_id": post_id, "date": int(at.timestamp()) - 2}
        self.say(
            at,
            TELEGRAM,
            self.rng.choice(CHANNEL_POSTS),
            role="channel",
            sender_chat=CHANNEL,
            content={"forward_origin": origin, "is_automatic_forward": True},
        )

    def chat_at(self, at: datetime) -> dict[str, Any]:
        """The resellers' chat at `at`: the small group, then the supergroup it became."""
        return SMALL_GROUP if at <= self.migration_at else SUPERGROUP

    def where(self, chat: dict[str, Any], at: datetime) -> dict[str, Any]:
        """The chat in which a message meant for `chat` is sent at `at`."""
        return chat if chat is CHAT else self.chat_at(at)

    def resellers_thread(self) -> None:
        """A reseller's request in the small group (before or after it became a supergroup)."""
        user, at = self.rng.choice(self.resellers), self.random_time()
        chat = self.chat_at(at)
        request = self.request(at, user, self.pick_topic(), chat=chat)
        if self.rng.random() < 0.7:
            self.staff_reply(request)
        if self.rng.random() < 0.15:
            again = self.later(at, 3600, 20 * 3600)
            if self.within_span(again):
                self.request(again, user, request.topic, chat=self.chat_at(again))

    def migration(self) -> None:
        at, admin = self.migration_at, self.staff[0]
        self.say(
            at,
            admin,
            None,
            chat=SMALL_GROUP,
            role="service",
            content={"migrate_to_chat_id": SUPERGROUP["id"]},
        )
        self.say(
            at,
            ANONYMOUS_ADMIN,
            None,
            chat=SUPERGROUP,
            role="service",
            sender_chat=SUPERGROUP,
            content={"migrate_from_chat_id": SMALL_GROUP["id"]},
        )

    def forum_thread(self) -> None:
        """A topic of the forum: customers ask in it, staff write in it without pressing reply."""
        opened = self.local(self.start, 9, 12, 5)
        topic = self.say(
            opened,
            self.staff[1],
            None,
            role="service",
            content={"forum_topic_created": {"name": FORUM_TOPIC, "icon_color": 7322096}},
        )
        topic.thread = topic
        for n, (text, label) in enumerate(FORUM_REQUESTS):
            day = self.start + timedelta(days=n * self.days // len(FORUM_REQUESTS))
            at = self.local(day, 10 + 2 * n, self.rng.randrange(60), self.rng.randrange(60))
            user = self.rng.choice(self.customers)
            self.say(at, user, self.fill(text), thread=topic, reply_to=topic, request=True, topic=label)
            if n != 1:  # the bot answers in the topic, like everyone there without a reply; staff follow
                answer = self.rng.choice(BOT_ANSWERS[label])
                self.bot_message(self.later(at, 2, 25), answer, reply_to=topic, thread=topic)
            if n != 1:  # the second is answered by the staff message after the third (or never)
                staff = self.rng.choice(self.staff)
                self.say(
                    self.later(at, 300, 3000),
                    staff,
                    self.rng.choice(STAFF_ANSWERS),
                    role="staff",
                    thread=topic,
                    reply_to=topic,
                )


def _payload(message: _Message) -> dict[str, Any]:
    payload: dict[str, Any] = {"message_id": message.message_id, "from": message.sender}
    if message.sender_chat is not None:
        payload["sender_chat"] = message.sender_chat
    payload["chat"] = message.chat
    payload["date"] = int(message.at.timestamp())
    if message.thread is not None:
        payload["message_thread_id"] = message.thread.message_id
    if message.reply_to is not None and message.reply_to.payload is not None:
        # The replied message, without its own reply (Telegram nests one level only).
        payload["reply_to_message"] = {
            k: v for k, v in message.reply_to.payload.items() if k != "reply_to_message"
        }
    if message.text is not None:
        payload["text"] = message.text
    if message.entities:
        payload["entities"] = message.entities
    payload.update(message.content)
    if message.thread is not None:
        payload["is_topic_message"] = True
    return payload


@dataclass(frozen=True)
class GeneratedConversation:
    deliveries: list[Delivery]  # in posting order, redeliveries included
    ledger: Ledger
    days: list[date]  # every local day on which an update arrived
    timezone: str = "America/Sao_Paulo"  # of the days and hours above
    staff_user_ids: tuple[int, ...] = STAFF_USER_IDS
    bot_username: str = BOT_USERNAME
    # Rules for the demo's settings: every topic label but the uncovered ones.
    topic_rules: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(TOPIC_RULES))
    # Our bot's backend's posts to POST /outgoing, in time order, reposts included.
    outgoing: list[Outgoing] = field(default_factory=list)

    def settings(self, stage: str = "demo") -> StageConfig:
        """The group's stage settings: its staff, our bot, its time zone and topic rules."""
        return StageConfig(stage=stage, timezone=self.timezone, staff_user_ids=self.staff_user_ids,
                           bot_username=self.bot_username, topic_rules=self.topic_rules,
                           bot_handover_patterns=BOT_HANDOVER_PATTERNS)  # fmt: skip


def generate(
    *,
    seed: int = 7,
    updates: int = 300,
    days: int = 7,
    start: date = date(2025, 3, 3),
    timezone: str = "America/Sao_Paulo",
) -> GeneratedConversation:
    """About `updates` distinct updates (never fewer) spread over `days` days from `start` (local)."""
    if updates < 1 or days < 1:
        raise ValueError("updates and days must be at least 1")
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    zone = ZoneInfo(timezone)
    chat = _Conversation(rng, zone, start, days, updates)
    chat.forum_thread()
    chat.migration()
    scenes = [
        (chat.support_thread, 16),
        (chat.resellers_thread, 3),
        (chat.small_talk, 3),
        (chat.member_joins, 1),
        (chat.document, 1),
        (chat.automatic_forward, 1),
    ]
    delivered = counted = 0
    while delivered < updates:
        rng.choices([scene for scene, _ in scenes], weights=[w for _, w in scenes])[0]()
        delivered += sum(_delivered(item) for item in chat.items[counted:])
        counted = len(chat.items)

    # Telegram numbers updates by time, and each chat's messages by time (a supergroup from 1).
    order = sorted(range(len(chat.items)), key=lambda i: (chat.items[i].at, i))
    items = [chat.items[i] for i in order]
    next_id = {CHAT["id"]: 2001, SMALL_GROUP["id"]: 152, SUPERGROUP["id"]: 1}
    for item in items:
        if isinstance(item, _Message):
            item.message_id = next_id[item.chat["id"]]
            next_id[item.chat["id"]] += 1
    _unambiguous_prompts(items)
    ledger = Ledger()
    deliveries = _deliver(items, rng, zone, ledger)
    outgoing = _outgoing(items, rng, zone, ledger)
    _count(items, ledger, zone)
    # Replies late on the last evening may arrive after midnight: that day is processed too.
    days = sorted(set(ledger.updates_by_arrival_day) | set(ledger.outgoing_by_day))
    return GeneratedConversation(deliveries, ledger, days, timezone, outgoing=outgoing)


def _delivered(item: _Item) -> bool:
    return item.delivered if isinstance(item, _Message) else True


def _deliver(items: list[_Item], rng: random.Random, zone: ZoneInfo, ledger: Ledger) -> list[Delivery]:
    deliveries = []
    next_update_id, last_arrival_ms = 610_000_001, 0
    for item in items:
        if isinstance(item, _Message):
            item.payload = _payload(item)
            if not item.delivered:
                continue  # our bot's: its backend posts them to /outgoing (_outgoing)
            kind, body = "message", item.payload
        elif isinstance(item, _Edit):
            assert item.message.payload is not None
            body = {**item.message.payload, "edit_date": int(item.at.timestamp())}
            body["text" if "text" in body else "caption"] = item.text
            kind = "edited_message"
        elif isinstance(item, _Click):
            kind, body = (
                "callback_query",
                {
                    "id": str(10**18 + (item.user["id"] * 1_000_003 + next_update_id) % (8 * 10**18)),
                    "from": item.user,
                    "message": item.prompt.payload,
                    "chat_instance": "-5523318846154186000",
                    "data": item.data,
                },
            )
        else:
            kind, body = (
                "message_reaction",
                {
                    "chat": item.message.chat,
                    "message_id": item.message.message_id,
                    "user": item.user,
                    "date": int(item.at.timestamp()),
                    "old_reaction": [{"type": "emoji", "emoji": e} for e in item.old],
                    "new_reaction": [{"type": "emoji", "emoji": e} for e in item.new],
                },
            )
        # Delivered within a second or so, in update_id order.
        arrival_ms = max(int(item.at.timestamp() * 1000) + rng.randrange(200, 1500), last_arrival_ms + 1)
        last_arrival_ms = arrival_ms
        delivery = Delivery({"update_id": next_update_id, kind: body}, arrival_ms)
        item.update_id = next_update_id
        next_update_id += 1
        deliveries.append(delivery)
        ledger.updates_by_arrival_day[datetime.fromtimestamp(arrival_ms / 1000, zone).date()] += 1
        if rng.random() < 0.02:  # Telegram retries when it got no 200 in time: same update again
            deliveries.append(Delivery(delivery.update, arrival_ms + 5000))
            ledger.redeliveries += 1
    return deliveries


@dataclass(frozen=True)
class Outgoing:
    """One POST /outgoing by our bot's backend: its body (JSON) and when it reached API Gateway (ms)."""

    body: Any  # a Message, a list of Messages, or the Bot API response {"ok": true, "result": ...}
    request_time_ms: int

    @property
    def messages(self) -> list[dict[str, Any]]:
        result = self.body.get("result", self.body) if isinstance(self.body, dict) else self.body
        return result if isinstance(result, list) else [result]


def _outgoing(items: list[_Item], rng: random.Random, zone: ZoneInfo, ledger: Ledger) -> list[Outgoing]:
    """What our bot's backend posts after each sendMessage: the Message, in the shapes it may take."""
    sent = [m for m in items if isinstance(m, _Message) and m.role == "our_bot"]
    posts, n = [], 0
    while n < len(sent):
        message, shape = sent[n], rng.random()
        following = sent[n + 1] if n + 1 < len(sent) else None
        if shape < 0.08 and following is not None and following.at - message.at <= timedelta(seconds=60):
            # A backend that posts what it sent together (like sendMediaGroup's result): a list.
            body: Any = [message.payload, following.payload]
            message, n = following, n + 2
        elif shape < 0.3:
            body, n = {"ok": True, "result": message.payload}, n + 1  # the whole Bot API response
        else:
            body, n = message.payload, n + 1  # the `result` alone
        at_ms = int(message.at.timestamp() * 1000) + rng.randrange(150, 900)
        posts.append(Outgoing(body, at_ms))
        if rng.random() < 0.05:  # the backend retries a post whose answer it did not get: same body
            posts.append(Outgoing(body, at_ms + rng.randrange(2000, 6000)))
            ledger.outgoing_reposts += 1
    for message in sent:
        ledger.outgoing_by_day[message.at.astimezone(zone).date()] += 1
    return sorted(posts, key=lambda post: post.request_time_ms)


# -- the model's definitions, over what the generator intended ------------------------------------


def _key(message: _Message) -> tuple[int, int]:
    """A message's place in its chat: its time (Telegram's dates are seconds), then its id."""
    return int(message.at.timestamp()), message.message_id


def _seconds(at: datetime) -> int:
    return int(at.timestamp())


def _thread(message: _Message) -> int | None:
    return message.thread.message_id if message.thread is not None else None


def _group(message: _Message) -> int:
    """One chat per group: a group upgraded to a supergroup counts under its new id."""
    return SUPERGROUP["id"] if message.chat is SMALL_GROUP else message.chat["id"]


class _Timeline:
    """Messages of some kind by place (a chat, or a chat and a forum topic), in time order."""

    def __init__(self, messages: list[_Message], place: Any) -> None:
        self.messages: dict[Any, list[_Message]] = defaultdict(list)
        self.keys: dict[Any, list[tuple[int, int]]] = defaultdict(list)
        for message in messages:
            self.messages[place(message)].append(message)
            self.keys[place(message)].append(_key(message))

    def between(self, where: Any, first: int, last: int) -> list[_Message]:
        """Those sent from `first` to `last` (epoch seconds, both included)."""
        keys = self.keys.get(where, [])
        low, high = bisect_left(keys, (first, -1)), bisect_right(keys, (last, 1 << 62))
        return self.messages[where][low:high] if high > low else []

    def latest(self, where: Any, last: int) -> _Message | None:
        """The latest sent at or before `last`."""
        keys = self.keys.get(where, [])
        high = bisect_right(keys, (last, 1 << 62))
        return self.messages[where][high - 1] if high else None


def _customer_messages(items: list[_Item]) -> list[_Message]:
    """What customers say: an album once, service messages and everyone else left out."""
    return [m for m in items if isinstance(m, _Message) and m.role == "customer" and m.counted]


def _askers(customer: list[_Message]) -> _Timeline:
    """Requests and our commands, after which a prompt that replies to nothing belongs to their sender."""
    marks = [m for m in customer if m.request or m.command is not None]
    return _Timeline(marks, lambda m: (_group(m), _thread(m)))


def _requests_by_asker(customer: list[_Message], place: Any = _group) -> _Timeline:
    """Each asker's requests in each group (or, with place=chat, in each chat)."""
    return _Timeline([m for m in customer if m.request], lambda m: (place(m), m.sender["id"]))


def _chat(message: _Message) -> int:
    return message.chat["id"]


def _unambiguous_prompts(items: list[_Item]) -> None:
    """A prompt of its own belongs to the latest asker before it and rates their latest request: when
    that is not the request it follows (someone else asked in between), the bot replies to it instead."""
    customer = _customer_messages(items)
    askers, asked = _askers(customer), _requests_by_asker(customer)
    for prompt in items:
        if not isinstance(prompt, _Message) or prompt.follows is None or prompt.reply_to is not None:
            continue
        request, at = prompt.follows, _seconds(prompt.at)
        assert request is not None
        latest = askers.latest((_group(prompt), _thread(prompt)), at)
        own = asked.latest((_group(prompt), request.sender["id"]), at)
        if latest is None or latest.sender["id"] != request.sender["id"] or own is not request:
            prompt.reply_to = request


def _count(items: list[_Item], ledger: Ledger, zone: ZoneInfo) -> None:
    messages = [item for item in items if isinstance(item, _Message)]
    customer = _customer_messages(items)
    requests = [m for m in customer if m.request]
    asked = _requests_by_asker(customer)
    week = int(WEEK.total_seconds())

    # Q1: customer messages, requests and customers by local hour and day.
    hours: dict[int, list[Any]] = defaultdict(lambda: [0, set(), 0])
    days: dict[date, list[Any]] = defaultdict(lambda: [0, 0, set()])
    for m in customer:
        local = m.at.astimezone(zone)
        hour, day = hours[local.hour], days[local.date()]
        hour[0], day[0] = hour[0] + 1, day[0] + 1
        hour[2], day[1] = hour[2] + m.request, day[1] + m.request
        hour[1].add(m.sender["id"])
        day[2].add(m.sender["id"])
        ledger.by_weekday_hour[(local.isoweekday(), local.hour)] += 1
    ledger.by_hour = {h: {"messages": v[0], "users": len(v[1]), "requests": v[2]} for h, v in hours.items()}
    ledger.by_day = {d: {"messages": v[0], "requests": v[1], "customers": len(v[2])} for d, v in days.items()}

    # Q2: requests and askers by topic label; our commands.
    topic_users: dict[str, set[int]] = defaultdict(set)
    for r in requests:
        if r.topic is None:
            ledger.requests_without_topic += 1
        else:
            topic_users[r.topic].add(r.sender["id"])
    topic_requests = Counter(r.topic for r in requests if r.topic is not None)
    ledger.topics = {t: {"requests": n, "users": len(topic_users[t])} for t, n in topic_requests.items()}
    command_users: dict[str, set[int]] = defaultdict(set)
    for m in customer:
        if m.command is not None:
            command_users[m.command].add(m.sender["id"])
    command_uses = Counter(m.command for m in customer if m.command is not None)
    ledger.commands = {c: {"uses": n, "users": len(command_users[c])} for c, n in command_uses.items()}

    # Q3: feedback. A prompt that replies to a customer's message belongs to that customer and is keyed
    # by it; any other to the latest asker before it, keyed by itself. The owner's last click is the
    # verdict, on their latest request at or before what the prompt replies to (or the prompt).
    askers = _askers(customer)
    clicks: dict[tuple[int, int, int, int], list[tuple[int, str, int]]] = defaultdict(list)
    for click in items:
        if not isinstance(click, _Click):
            continue
        prompt = click.prompt
        replied = (
            prompt.reply_to if prompt.reply_to is not None and prompt.reply_to.role == "customer" else None
        )
        if replied is not None:
            owner = replied.sender["id"]
        else:
            latest = askers.latest((_group(prompt), _thread(prompt)), _seconds(prompt.at))
            owner = latest.sender["id"] if latest is not None else None
        if click.user["id"] == owner:
            key = (_group(prompt), prompt.chat["id"], (replied or prompt).message_id, owner)
            clicks[key].append((click.update_id, click.data, _seconds((replied or prompt).at)))
    feedback: dict[int, tuple[int, str]] = {}  # id(request) -> (last click, verdict) of its latest rating
    verdicts = Counter()
    for (group_id, _, _, owner), owner_clicks in clicks.items():
        last_click, verdict, _ = max(owner_clicks)
        verdicts[verdict] += 1
        until = max(until for *_, until in owner_clicks)
        rated = asked.latest((group_id, owner), until)
        if rated is not None and _seconds(rated.at) >= until - week:
            if id(rated) not in feedback or feedback[id(rated)][0] < last_click:
                feedback[id(rated)] = (last_click, verdict)
    ledger.feedback = {
        "rated": sum(verdicts.values()),
        "resolved": verdicts[RESOLVED],
        "unresolved": verdicts[UNRESOLVED],
    }

    # Answers: a staff (or our bot's) message within 7 days that replies to the request or to a later
    # message of its asker (a follow-up: not a request on another topic); in a forum topic, also the
    # first message of each of those roles in the topic after the request.
    in_chat = _requests_by_asker(customer, place=_chat)
    answers: dict[int, list[_Message]] = defaultdict(list)
    in_topics = _Timeline(
        [m for m in messages if m.role in ANSWERERS and m.thread is not None],
        lambda m: (m.chat["id"], _thread(m), m.answerer),
    )
    for a in messages:
        if a.role in ANSWERERS and a.reply_to is not None:
            target = a.reply_to
            where = (a.chat["id"], target.sender["id"])
            for r in in_chat.between(where, _seconds(a.at) - week, _seconds(target.at)):
                if not (target.request and None not in (target.topic, r.topic) and target.topic != r.topic):
                    answers[id(r)].append(a)
    for r in requests:
        for role in ANSWERER_KINDS if r.thread is not None else ():
            later = in_topics.between(
                (r.chat["id"], _thread(r), role), _seconds(r.at) + 1, _seconds(r.at) + week
            )
            if later:
                answers[id(r)].append(later[0])
    # A hand-over is not an answer: answers proper, and the hand-overs, kept apart.
    handovers = {key: [a for a in found if a.handover] for key, found in answers.items()}
    answers = defaultdict(list, {key: [a for a in found if not a.handover] for key, found in answers.items()})
    minutes = [
        (min(a.at for a in answers[id(r)]) - r.at).total_seconds() / 60 for r in requests if answers[id(r)]
    ]
    ledger.questions, ledger.answered = len(requests), len(minutes)
    ledger.median_minutes_to_reply = statistics.median(minutes) if minutes else None

    # Asked again: the asker's next request on the same topic (in the same group, across its upgrade)
    # comes within 24 hours, and the case's feedback is not "resolved".
    group = {SMALL_GROUP["id"]: SUPERGROUP["id"]}
    by_topic = _Timeline(
        [r for r in requests if r.topic is not None],
        lambda r: (group.get(r.chat["id"], r.chat["id"]), r.sender["id"], r.topic),
    )
    again: set[int] = set()
    for rs in by_topic.messages.values():
        rs.sort(key=_key)
        for r, following in itertools.pairwise(rs):
            if following.at <= r.at + DAY and feedback.get(id(r), (0, ""))[1] != RESOLVED:
                again.add(id(r))
    ledger.asked_again = len(again)
    ledger.users_who_asked_again = len({r.sender["id"] for r in requests if id(r) in again})

    # Outcomes: feedback, else the asker's current reaction on a message that answered, else asked again.
    current: dict[tuple[int, int], _Reaction] = {}
    for item in items:
        if isinstance(item, _Reaction):
            current[(id(item.message), item.user["id"])] = item
    minutes_to_bot: dict[str | None, list[float]] = defaultdict(list)
    for r in requests:
        reactions = [current[k] for a in answers[id(r)] if (k := (id(a), r.sender["id"])) in current]
        reaction = max(reactions, key=lambda x: x.update_id).new if reactions else []
        if id(r) in feedback:
            outcome = "resolved" if feedback[id(r)][1] == RESOLVED else "unresolved"
        elif SATISFIED in reaction:
            outcome = "resolved"
        elif UNSATISFIED in reaction:
            outcome = "unresolved"
        else:
            outcome = "unresolved" if id(r) in again else "unknown"
        ledger.outcomes[outcome] += 1

        # Our bot's share: its first answer, its hand-overs and staff's first answer kept apart. Contained:
        # the bot answered, did not hand over, no staff did, and nothing says unresolved (the feedback, else
        # an unsatisfied reaction, else asking again). Escalated: the bot handed over, or staff answered
        # after it.
        bot_at = min((a.at for a in answers[id(r)] if a.role == "our_bot"), default=None)
        staff_at = min((a.at for a in answers[id(r)] if a.role == "staff"), default=None)
        handed_over = bool(handovers.get(id(r)))
        if id(r) in feedback:
            unresolved = feedback[id(r)][1] == UNRESOLVED
        else:
            unresolved = UNSATISFIED in reaction or id(r) in again
        share = ledger.bot.setdefault(r.topic, dict.fromkeys(BOT_SHARE, 0))
        share["cases"] += 1
        share["handed_over"] += handed_over
        share["bot_handled"] += handed_over or bot_at is not None
        share["escalated"] += handed_over or (None not in (bot_at, staff_at) and bot_at < staff_at)
        if bot_at is not None:
            share["bot_answered"] += 1
            share["contained"] += staff_at is None and not handed_over and not unresolved
            minutes_to_bot[r.topic].append((bot_at - r.at).total_seconds() / 60)
    ledger.minutes_to_bot_answer = dict(minutes_to_bot)
