"""A two-day support conversation in a Telegram group, as the Updates Telegram would POST.

It feeds the demo and the analytics tests, whose expected answers are computed by hand from the
script below (see tests/analytics/test_queries.py). Payload shapes follow the real Updates in
tests/fixtures/telegram: message (text, command, reply, photo with caption, new members),
edited_message and callback_query from an inline keyboard (feedback buttons).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from stacks.config import StageConfig

TIMEZONE = ZoneInfo("America/Sao_Paulo")
CHAT = {"id": -1001500000001, "title": "Suporte Loja Exemplo", "type": "supergroup"}
BOT = {"id": 7000000001, "is_bot": True, "first_name": "AjudaBot", "username": "ajuda_loja_bot"}


def _person(user_id: int, first_name: str, username: str, language_code: str = "pt-br") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "username": username,
            "language_code": language_code}  # fmt: skip


USERS = {
    "ana": _person(101, "Ana", "ana_s"),
    "bruno": _person(102, "Bruno", "bruno_r"),
    "carla": _person(103, "Carla", "carla_suporte"),  # support staff
    "diego": _person(104, "Diego", "diego_m", "en"),
    "eva": _person(105, "Eva", "eva_l"),
}


# The stage settings of this group: Carla is staff, and the bot is @ajuda_loja_bot.
SETTINGS = StageConfig(stage="sample", timezone="America/Sao_Paulo", staff_user_ids=(USERS["carla"]["id"],),
                       bot_username=BOT["username"])  # fmt: skip


@dataclass(frozen=True)
class Delivery:
    """One webhook call: the Update's JSON and when it reached API Gateway (ms since the epoch)."""

    update: dict[str, Any]
    request_time_ms: int


def _epoch(day: int, hhmm: str) -> int:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return int(datetime(2025, 3, day, hour, minute, tzinfo=TIMEZONE).timestamp())


class _Chat:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self._next_update_id = 500_000_001
        self._next_message_id = 1001

    def _deliver(self, kind: str, payload: dict[str, Any], sent: int) -> None:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self.deliveries.append(Delivery(update, sent * 1000 + 700))  # arrives within a second

    def say(self, who: str, day: int, hhmm: str, text: str | None = None, *, reply_to: int | None = None,
            command: bool = False, **content: Any) -> int:  # fmt: skip
        sender = BOT if who == "bot" else USERS[who]
        message: dict[str, Any] = {"message_id": self._next_message_id, "from": sender, "chat": CHAT,
                                   "date": _epoch(day, hhmm)}  # fmt: skip
        self._next_message_id += 1
        if reply_to is not None:
            message["reply_to_message"] = self.messages[reply_to]
        if text is not None:
            message["text"] = text
        if command:
            message["entities"] = [{"offset": 0, "length": len(text or ""), "type": "bot_command"}]
        message.update(content)
        self.messages[message["message_id"]] = message
        if who != "bot":  # Telegram never sends a bot its own messages
            self._deliver("message", message, message["date"])
        return message["message_id"]

    def edit(self, message_id: int, day: int, hhmm: str, text: str) -> None:
        edited = {**self.messages[message_id], "text": text, "edit_date": _epoch(day, hhmm)}
        self._deliver("edited_message", edited, edited["edit_date"])

    def feedback(self, who: str, day: int, hhmm: str, question: int, resolved: bool) -> None:
        """The bot answered `question` with "Resolveu?" buttons; `who` clicks one."""
        buttons = self.say("bot", day, hhmm, "Isso resolveu sua dúvida?", reply_to=question)
        self._deliver("callback_query", {
            "id": f"{USERS[who]['id']}{buttons}", "from": USERS[who], "message": self.messages[buttons],
            "chat_instance": "-5523318846154186000",
            "data": "feedback:resolved" if resolved else "feedback:unresolved",
        }, _epoch(day, hhmm) + 30)  # fmt: skip


def conversation() -> list[Delivery]:
    chat = _Chat()
    # Monday 2025-03-10 (America/Sao_Paulo)
    chat.say("ana", 10, "09:05", "/start", command=True)
    track = chat.say("ana", 10, "09:07", "Como faço para rastrear meu pedido?")
    chat.say("carla", 10, "09:20", "Use o link de rastreio que enviamos no e-mail.", reply_to=track)
    chat.feedback("ana", 10, "09:29", track, resolved=True)
    chat.say("bruno", 10, "10:15", "Qual o prazo de entrega para Recife?")
    chat.say("bruno", 10, "10:16", "/ajuda", command=True)
    address = chat.say("diego", 10, "14:40", "How do I change my delivery address?")
    chat.say("carla", 10, "14:50", "Abra o pedido e clique em editar endereço.", reply_to=address)
    chat.say("ana", 10, "14:55", "Obrigada!")
    chat.feedback("diego", 10, "14:59", address, resolved=False)
    address_again = chat.say("diego", 10, "15:10", "how do i change my delivery address")
    chat.say("carla", 10, "15:30", "Tente pelo aplicativo, por favor.", reply_to=address_again)
    chat.feedback("diego", 10, "15:34", address_again, resolved=True)
    broken = chat.say("bruno", 10, "23:30", "Rastrear pedido não funciona?")
    # Tuesday 2025-03-11
    chat.say("bruno", 11, "08:00", "/ajuda", command=True)
    chat.say("carla", 11, "08:30", "Já corrigimos o rastreio, tente de novo.", reply_to=broken)
    deadline_again = chat.say("bruno", 11, "09:10", "Qual o prazo de entrega para Recife?")
    chat.say("carla", 11, "09:40", "De 3 a 5 dias úteis.", reply_to=deadline_again)
    chat.feedback("bruno", 11, "09:59", deadline_again, resolved=True)
    saturday = chat.say("ana", 11, "11:00", "Vocês entregam no sábado?")
    chat.edit(saturday, 11, "11:05", "Vocês entregam no sábado ou domingo?")
    chat.say("ana", 11, "11:10", None, photo=[{"file_id": "AgACAgEAAxkBAAIB", "file_unique_id": "AQADAgAD",
                                               "file_size": 51234, "width": 1280, "height": 960}],
             caption="Segue o comprovante")  # fmt: skip
    chat.say("carla", 11, "12:00", None, new_chat_members=[USERS["eva"]])
    chat.say("eva", 11, "13:00", "Meu pedido chegou quebrado, como trocar?")
    return chat.deliveries
