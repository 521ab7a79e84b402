"""A seeded generator of a Portuguese support-group conversation over several days, as the Updates
Telegram POSTs to the webhook (shapes of the real ones in tests/fixtures/telegram): questions asked
and asked again, bot commands, staff replies, the bot's "Isso resolveu?" buttons and their clicks,
edits, photos and documents with captions, members joining, reactions, and a few redeliveries.

The same seed gives the same updates. Next to the updates it keeps a ledger of what it produced
(messages per local hour and day, each question's canonical text, commands, answers, feedback),
computed as it generates, so that tests compare the pipeline's answers with it, not with the SQL.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from local_pipeline.conversation import Delivery

BOT = {"id": 7000000001, "is_bot": True, "first_name": "AjudaBot", "username": "ajuda_loja_bot"}
CHAT = {"id": -1001500000002, "title": "Suporte Loja Exemplo", "type": "supergroup"}
STAFF_NAMES = [("Carla", "carla_suporte"), ("Rafael", "rafa_atendimento")]
CUSTOMER_NAMES = [
    "Ana",
    "Bruno",
    "Camila",
    "Diego",
    "Eduarda",
    "Felipe",
    "Gabriela",
    "Henrique",
    "Isabela",
    "João",
    "Karina",
    "Lucas",
    "Mariana",
    "Nicolas",
    "Olívia",
    "Pedro",
    "Queila",
    "Rodrigo",
    "Sofia",
    "Tiago",
    "Úrsula",
    "Vinícius",
    "Wesley",
    "Yasmin",
    "Zeca",
    "Larissa",
    "Matheus",
    "Beatriz",
    "Gustavo",
    "Letícia",
]

# (question as written, its canonical form: lower case, no accents or punctuation, single spaces,
#  which is what the analytics' normalized_text makes of every way it is written), weight.
QUESTIONS = [
    ("Como faço para rastrear meu pedido?", "como faco para rastrear meu pedido", 9),
    ("Qual o prazo de entrega para Recife?", "qual o prazo de entrega para recife", 7),
    ("Vocês entregam no sábado?", "voces entregam no sabado", 4),
    ("Como troco um produto que chegou quebrado?", "como troco um produto que chegou quebrado", 6),
    ("Posso pagar com Pix?", "posso pagar com pix", 5),
    ("Onde vejo a nota fiscal?", "onde vejo a nota fiscal", 3),
    ("Quando cai o estorno no cartão?", "quando cai o estorno no cartao", 4),
    ("O cupom de desconto não funciona, o que faço?", "o cupom de desconto nao funciona o que faco", 3),
    ("Como altero o endereço de entrega?", "como altero o endereco de entrega", 5),
    ("Qual o horário de atendimento?", "qual o horario de atendimento", 2),
]
STAFF_ANSWERS = [
    "Use o link de rastreio que enviamos por e-mail.",
    "O prazo aparece na página do pedido, em dias úteis.",
    "Abra o pedido e clique em trocar produto.",
    "Aceitamos Pix, cartão e boleto.",
    "Já verifiquei aqui, está tudo certo com o seu pedido.",
    "Te mandei uma mensagem privada com os detalhes.",
]
CHATTER = [
    "Obrigada!",
    "Valeu, funcionou aqui",
    "Bom dia, pessoal",
    "Ok, vou tentar",
    "Perfeito, muito obrigado",
    "Aguardo retorno",
    "Boa tarde a todos",
]
CAPTIONS = ["Segue o print do erro", "Segue o comprovante", "Foto do produto que chegou"]
# (text as typed, the command the analytics reads from its bot_command entity)
COMMANDS = [
    ("/start", "/start"),
    ("/ajuda", "/ajuda"),
    ("/ajuda@ajuda_loja_bot", "/ajuda"),
    ("/status 48213", "/status"),
    ("/atendente", "/atendente"),
]
# Local hours people write at: business hours, a lunch dip, evenings, a quiet night.
HOUR_WEIGHTS = [1, 0, 0, 0, 0, 1, 2, 5, 9, 12, 11, 8, 5, 6, 9, 10, 8, 6, 5, 5, 4, 3, 2, 1]
REACTIONS = ["👍", "❤", "🙏"]


@dataclass
class Ledger:
    """What the generator produced, in the terms of the three questions (local time)."""

    user_messages_by_hour: Counter[int] = field(default_factory=Counter)
    user_messages_by_day: Counter[date] = field(default_factory=Counter)
    user_messages_by_weekday_hour: Counter[tuple[int, int]] = field(default_factory=Counter)
    questions: Counter[str] = field(default_factory=Counter)  # canonical text -> times asked
    commands: Counter[str] = field(default_factory=Counter)
    answered_questions: int = 0  # questions with a staff reply
    feedback: Counter[str] = field(default_factory=Counter)  # a user's last click per question
    updates_by_arrival_day: Counter[date] = field(default_factory=Counter)  # distinct updates
    redeliveries: int = 0


@dataclass
class _Event:
    at: datetime  # when it happened (local); update ids and message ids follow this order
    kind: str
    # Makes the payload once ids are known: it gets {id(event): message_id} of every earlier message.
    build: Callable[[dict[int, int]], dict[str, Any]]
    delivered: bool = True
    message: bool = False  # it is a message that gets a message_id
    payload: dict[str, Any] | None = None


class _Conversation:
    def __init__(self, rng: random.Random, timezone: ZoneInfo, start: date, days: int) -> None:
        self.rng, self.timezone, self.start, self.days = rng, timezone, start, days
        self.events: list[_Event] = []
        self.ledger = Ledger()
        self.staff = [self._person(900 + i, *names) for i, names in enumerate(STAFF_NAMES)]
        self.customers = [
            self._person(1000 + i, name, f"{_ascii(name).lower()}_{1000 + i}")
            for i, name in enumerate(CUSTOMER_NAMES)
        ]

    @staticmethod
    def _person(user_id: int, first_name: str, username: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "username": username,
            "language_code": "pt-br",
        }

    def random_time(self) -> datetime:
        day = self.start + timedelta(days=self.rng.randrange(self.days))
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60), self.rng.randrange(60))
        return local.replace(tzinfo=self.timezone)

    # -- messages ------------------------------------------------------------------------------
    def message(
        self,
        at: datetime,
        sender: dict[str, Any],
        *,
        text: str | None = None,
        reply_to: _Event | None = None,
        entities: list | None = None,
        **content: Any,
    ) -> _Event:
        """A group message; Telegram delivers every one but the bot's own."""

        def build(ids: dict[int, int]) -> dict[str, Any]:
            payload: dict[str, Any] = {
                "message_id": ids[id(event)],
                "from": sender,
                "chat": CHAT,
                "date": int(at.timestamp()),
            }
            if reply_to is not None:
                payload["reply_to_message"] = reply_to.payload
            if text is not None:
                payload["text"] = text
            if entities:
                payload["entities"] = entities
            payload.update(content)
            return payload

        event = _Event(at, "message", build, delivered=not sender["is_bot"], message=True)
        self.events.append(event)
        if not sender["is_bot"]:
            self._count_user_message(at)
        return event

    def _count_user_message(self, at: datetime) -> None:
        self.ledger.user_messages_by_hour[at.hour] += 1
        self.ledger.user_messages_by_day[at.date()] += 1
        self.ledger.user_messages_by_weekday_hour[(at.isoweekday(), at.hour)] += 1

    def other(self, at: datetime, kind: str, build: Callable[[dict[int, int]], dict[str, Any]]) -> None:
        self.events.append(_Event(at, kind, build))

    # -- scenes --------------------------------------------------------------------------------
    def support_thread(self) -> None:
        rng = self.rng
        user = rng.choice(self.customers)
        at = self.random_time()
        if rng.random() < 0.25:
            typed, command = rng.choice(COMMANDS)
            self.message(
                at,
                user,
                text=typed,
                entities=[{"offset": 0, "length": len(typed.split()[0]), "type": "bot_command"}],
            )
            self.ledger.commands[command] += 1
            at += timedelta(seconds=rng.randrange(20, 120))
        written, canonical, _ = rng.choices(QUESTIONS, weights=[w for *_, w in QUESTIONS])[0]
        question = self.message(at, user, text=_variant(rng, written))
        self.ledger.questions[canonical] += 1
        if rng.random() < 0.15:  # adds a detail a minute later: an edited_message, not a new question
            edited_at = at + timedelta(seconds=rng.randrange(30, 90))
            self.other(
                edited_at,
                "edited_message",
                lambda ids, q=question, e=edited_at: {
                    **q.payload,
                    "text": q.payload["text"] + " (pedido 48213)",
                    "edit_date": int(e.timestamp()),
                },
            )
        if rng.random() < 0.2:
            self.message(
                at + timedelta(seconds=rng.randrange(20, 90)),
                user,
                caption=rng.choice(CAPTIONS),
                photo=[
                    {
                        "file_id": f"AgACAgEAAx{rng.randrange(10**8)}",
                        "file_unique_id": "AQADAgAD",
                        "file_size": 51234,
                        "width": 1280,
                        "height": 960,
                    }
                ],
            )
        outcome = rng.random()
        if outcome < 0.45:  # the bot answers with its feedback buttons; the user clicks one
            self.bot_feedback(question, user, at + timedelta(seconds=rng.randrange(2, 20)))
        elif outcome < 0.85:  # a staff member replies
            staff = rng.choice(self.staff)
            reply_at = at + timedelta(minutes=rng.randrange(3, 90))
            reply = self.message(reply_at, staff, text=rng.choice(STAFF_ANSWERS), reply_to=question)
            self.ledger.answered_questions += 1
            if rng.random() < 0.3:
                self.reaction(user, reply, reply_at + timedelta(minutes=rng.randrange(1, 10)))
            if rng.random() < 0.4:
                self.message(
                    reply_at + timedelta(minutes=rng.randrange(1, 15)), user, text=rng.choice(CHATTER)
                )
        if rng.random() < 0.15:  # not solved: asks the same thing again a few hours later
            again = at + timedelta(hours=rng.randrange(2, 20))
            if again.date() < self.start + timedelta(days=self.days):
                self.message(again, user, text=_variant(rng, written))
                self.ledger.questions[canonical] += 1

    def bot_feedback(self, question: _Event, user: dict[str, Any], at: datetime) -> None:
        buttons = self.message(
            at,
            BOT,
            text="Isso resolveu sua dúvida?",
            reply_to=question,
            reply_markup={
                "inline_keyboard": [
                    [
                        {"text": "Sim", "callback_data": "feedback:resolved"},
                        {"text": "Não", "callback_data": "feedback:unresolved"},
                    ]
                ]
            },
        )
        clicks = ["feedback:resolved" if self.rng.random() < 0.7 else "feedback:unresolved"]
        if self.rng.random() < 0.1:  # changes their mind: the last click counts
            clicks.append("feedback:unresolved" if clicks[0] == "feedback:resolved" else "feedback:resolved")
        for n, data in enumerate(clicks):
            self.other(
                at + timedelta(seconds=30 + 60 * n),
                "callback_query",
                lambda ids, b=buttons, d=data, n=n: {
                    "id": f"{user['id']}{ids[id(b)]}{n}",
                    "from": user,
                    "message": b.payload,
                    "chat_instance": "-5523318846154186000",
                    "data": d,
                },
            )
        self.ledger.feedback[clicks[-1]] += 1

    def reaction(self, user: dict[str, Any], message: _Event, at: datetime) -> None:
        self.other(
            at,
            "message_reaction",
            lambda ids: {
                "chat": CHAT,
                "message_id": ids[id(message)],
                "user": user,
                "date": int(at.timestamp()),
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": self.rng.choice(REACTIONS)}],
            },
        )

    def small_talk(self) -> None:
        self.message(self.random_time(), self.rng.choice(self.customers), text=self.rng.choice(CHATTER))

    def member_joins(self) -> None:
        newcomer = self._person(
            5000 + self.rng.randrange(10**4), "Convidado", f"convidado{self.rng.randrange(999)}"
        )
        self.message(self.random_time(), newcomer, new_chat_members=[newcomer])

    def document(self) -> None:
        self.message(
            self.random_time(),
            self.rng.choice(self.customers),
            caption=self.rng.choice(CAPTIONS),
            document={
                "file_name": "comprovante.pdf",
                "mime_type": "application/pdf",
                "file_id": f"BQACAgEAAx{self.rng.randrange(10**8)}",
                "file_unique_id": "AgADBQAD",
                "file_size": 81234,
            },
        )


def _ascii(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def _variant(rng: random.Random, question: str) -> str:
    """The question as people type it: the same words, different case and punctuation."""
    return rng.choice(
        [question, question.lower(), question.replace("?", "??"), question.lower().rstrip("?") + " ?"]
    )


@dataclass(frozen=True)
class GeneratedConversation:
    deliveries: list[Delivery]  # in posting order, redeliveries included
    ledger: Ledger
    days: list[date]  # every local day on which an update arrived


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
    chat = _Conversation(rng, zone, start, days)
    scenes = [(chat.support_thread, 8), (chat.small_talk, 2), (chat.member_joins, 1), (chat.document, 1)]
    counted = delivered = 0
    while delivered < updates:
        rng.choices([scene for scene, _ in scenes], weights=[w for _, w in scenes])[0]()
        delivered += sum(event.delivered for event in chat.events[counted:])
        counted = len(chat.events)

    # Update ids and message ids grow with time, as Telegram's do.
    chat.events.sort(key=lambda event: event.at)
    ids: dict[int, int] = {}
    next_message_id, next_update_id, last_arrival_ms = 2001, 610_000_001, 0
    deliveries = []
    for event in chat.events:
        if event.message:
            ids[id(event)] = next_message_id
            next_message_id += 1
        event.payload = event.build(ids)
        if event.delivered:
            # Delivered within a second or so, in update_id order.
            arrival_ms = max(int(event.at.timestamp() * 1000) + rng.randrange(200, 1500), last_arrival_ms + 1)
            last_arrival_ms = arrival_ms
            delivery = Delivery({"update_id": next_update_id, event.kind: event.payload}, arrival_ms)
            next_update_id += 1
            deliveries.append(delivery)
            arrived = datetime.fromtimestamp(arrival_ms / 1000, zone).date()
            chat.ledger.updates_by_arrival_day[arrived] += 1
            if rng.random() < 0.02:  # Telegram retries when it got no 200 in time: same update again
                deliveries.append(Delivery(delivery.update, arrival_ms + 5000))
                chat.ledger.redeliveries += 1
    # Replies late on the last evening may arrive after midnight: that day is processed too.
    return GeneratedConversation(deliveries, chat.ledger, sorted(chat.ledger.updates_by_arrival_day))
