"""The synthetic conversation `make verify` posts, and the rows the named queries must return for it.

Five Updates in the shapes Telegram sends (tests/fixtures/telegram: a supergroup text message, a reply, an
anonymous admin's message with `sender_chat`, a `callback_query` on a bot message with inline buttons), and,
when the stage names its bot, one message our bot sent, posted to /outgoing as its backend would. All in
one verification chat, on one verification day, at these local times:

    10:15  customer   "Olá! Como faço para emitir a segunda via do boleto?"   a request (a question)
    10:17  our bot    reply to it: where to find the boleto                    /outgoing, with bot_username
    10:17:30          the bot's prompt "Isso resolveu sua dúvida?" (buttons), replying to the question:
                      seen only inside the click's callback_query.message, as in Telegram
    10:18  customer   clicks the resolved button (feedback_resolved_values[0])
    10:25  staff      an anonymous admin (sender_chat = the group) replies to the question
    11:02  customer   "Obrigado, deu certo!"                                   not a request

By docs/conversation-model.md (issue 21's rules included: a reply answers the request it replies to, and
only it; staff and our bot have a first response time each): customer messages are the question (hour 10,
a request) and the thanks (hour 11, an acknowledgement); the question opens the one case; our bot's reply
answers it after 2 minutes and the anonymous admin's reply after 10 (an anonymous admin is staff, whatever
staff_user_ids says), so the first response by anyone is 2 minutes; when the bot's messages are unknown (no
bot_username: nothing posted to /outgoing, and the model tells our bot by its username), only staff's, after
10. The prompt replies to the question, so it belongs to the customer and rates their latest request at or
before it, the question; their only click says resolved. `expected_rows` writes those answers down, and
`expected_model_rows` the rows the model step writes for the day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

# Telegram's update_ids are small positive numbers (a bot's count of updates); the verification's are
# near the top of the signed 64-bit range, so that a raw key telegram/context_date=D/<update_id>.json of
# ours can never be a real update's, and stay positive (the webhook's range, telegram_etl.sources).
UPDATE_ID_BASE = 9_000_000_000_000_000_000
# A supergroup id no chat has (ids are -100 followed by the chat's number); used unless the stage has an
# allow-list, which would refuse it (then the allow-list's first chat, on the verification day only).
VERIFY_CHAT_ID = -1009999999999
MESSAGE_ID_BASE = 2_000_000_000  # far above a group's message count
CUSTOMER = {"id": 9_999_000_001, "is_bot": False, "first_name": "Verificação", "last_name": "Pipeline",
            "username": "verificacao_pipeline", "language_code": "pt-br"}  # fmt: skip
# Telegram's sender of anonymous admins' messages (the message's sender_chat is the group itself).
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
BOT_ID = 9_999_000_002

QUESTION = "Olá! Como faço para emitir a segunda via do boleto?"
BOT_ANSWER = "Você emite a segunda via em Minha Conta > Pedidos > Boleto."
PROMPT = "Isso resolveu sua dúvida?"
STAFF_ANSWER = "Oi! Em Minha Conta > Pedidos você baixa o boleto atualizado."
THANKS = "Obrigado, deu certo!"


@dataclass(frozen=True)
class Conversation:
    day: date
    chat_id: int
    webhook: list[dict[str, Any]]  # Updates for POST /webhook, in order
    outgoing: list[dict[str, Any]]  # Messages for POST /outgoing (our bot's), empty without bot_username
    # The model knows our bot's messages (role our_bot) by bot_username only: with bot_user_id alone,
    # /outgoing takes its message but the model sees another bot's.
    bot_known: bool = False

    @property
    def update_ids(self) -> list[int]:
        return [update["update_id"] for update in self.webhook]

    def bodies(self) -> list[tuple[str, bytes]]:
        """(route, body) in the order they are posted."""
        posts = [("/webhook", json.dumps(update, ensure_ascii=False).encode()) for update in self.webhook]
        posts[1:1] = [
            ("/outgoing", json.dumps(message, ensure_ascii=False).encode()) for message in self.outgoing
        ]
        return posts


def _epoch(day: date, hour: int, minute: int, second: int, timezone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(hour, minute, second), tzinfo=timezone).timestamp())


def build(
    day: date,
    *,
    run_id: int,
    timezone: ZoneInfo,
    chat_id: int = VERIFY_CHAT_ID,
    bot_username: str | None = None,
    bot_user_id: int | None = None,
    resolved_value: str | None = "feedback:resolved",
) -> Conversation:
    """The conversation on `day` (local times in `timezone`); run_id (e.g. the run's Unix seconds) keeps
    two runs' update_ids apart."""
    chat = {"id": chat_id, "title": "Verificação do pipeline", "type": "supergroup"}
    first_id = UPDATE_ID_BASE + run_id * 10
    ids = iter(range(first_id, first_id + 10))
    question = {"message_id": MESSAGE_ID_BASE + 1, "from": CUSTOMER, "chat": chat,
                "date": _epoch(day, 10, 15, 0, timezone), "text": QUESTION}  # fmt: skip
    # /outgoing takes only our bot's messages: its id (bot_user_id) where the stage sets one, else its name.
    bot = {
        "id": bot_user_id or BOT_ID,
        "is_bot": True,
        "first_name": "Bot",
        "username": bot_username or "verify_bot",
    }
    webhook: list[dict[str, Any]] = [{"update_id": next(ids), "message": question}]
    outgoing = []
    if bot_username or bot_user_id:
        outgoing.append({"message_id": MESSAGE_ID_BASE + 2, "from": bot, "chat": chat,
                         "date": _epoch(day, 10, 17, 0, timezone), "reply_to_message": question,
                         "text": BOT_ANSWER})  # fmt: skip
    if resolved_value is not None:
        prompt = {"message_id": MESSAGE_ID_BASE + 3, "from": bot, "chat": chat,
                  "date": _epoch(day, 10, 17, 30, timezone), "reply_to_message": question, "text": PROMPT,
                  "reply_markup": {"inline_keyboard": [[{"text": "✅ Sim",
                                                         "callback_data": resolved_value}]]}}  # fmt: skip
        webhook.append({"update_id": next(ids), "callback_query": {
            "id": str(first_id), "from": CUSTOMER, "message": prompt,
            "chat_instance": "-5000000000000000001", "data": resolved_value}})  # fmt: skip
    webhook.append({"update_id": next(ids), "message": {
        "message_id": MESSAGE_ID_BASE + 4, "from": ANONYMOUS_ADMIN, "sender_chat": chat, "chat": chat,
        "date": _epoch(day, 10, 25, 0, timezone), "reply_to_message": question,
        "text": STAFF_ANSWER}})  # fmt: skip
    webhook.append({"update_id": next(ids), "message": {
        "message_id": MESSAGE_ID_BASE + 5, "from": CUSTOMER, "chat": chat,
        "date": _epoch(day, 11, 2, 0, timezone), "text": THANKS}})  # fmt: skip
    return Conversation(day=day, chat_id=chat_id, webhook=webhook, outgoing=outgoing,
                        bot_known=bool(outgoing) and bool(bot_username))  # fmt: skip


def _rated(conversation: Conversation) -> bool:
    return any("callback_query" in update for update in conversation.webhook)


def expected_rows(conversation: Conversation) -> dict[str, list[dict[str, Any]]]:
    """Each checked named query's rows over the verification day, derived by hand (module docstring)."""
    # The one case: staff answered it (the admin's reply, 10:15 -> 10:25: 10 minutes); our bot too when its
    # messages are known (its reply, 10:15 -> 10:17: 2 minutes), which is then the first response by
    # anyone. Each median is over one answered case: that case's minutes; none answered: no value.
    bot = conversation.bot_known
    rated = _rated(conversation)
    return {
        "q1_messages_by_hour": [
            {"hour_of_day": 10, "messages": 1, "users": 1, "requests": 1},
            {"hour_of_day": 11, "messages": 1, "users": 1, "requests": 0},
        ],
        "q3_questions_answered": [
            {
                "questions": 1,
                "answered": 1,
                "answered_pct": 100.0,
                "median_minutes_to_reply": 2.0 if bot else 10.0,
                "answered_by_staff": 1,
                "answered_by_bot": 1 if bot else 0,
                "median_minutes_to_staff": 10.0,
                "median_minutes_to_bot": 2.0 if bot else None,
            }
        ],
        "q3_feedback_resolution_rate": [
            {"rated": 1, "resolved": 1, "unresolved": 0, "resolution_rate_pct": 100.0}
            if rated
            else {"rated": 0, "resolved": 0, "unresolved": 0, "resolution_rate_pct": None}
        ],
    }


def expected_model_rows(conversation: Conversation) -> dict[str, int]:
    """The rows of the day the model step writes per table, derived by hand: messages are the question, our
    bot's reply (when posted to /outgoing), the admin's reply and the thanks (the click is a callback_query,
    and the prompt it carries is not a message update); one request (the question: the thanks is an
    acknowledgement, the replies are not a customer's), its case, and its rating when the customer clicked."""
    return {
        "messages": 3 + len(conversation.outgoing),
        "requests": 1,
        "cases": 1,
        "ratings": 1 if _rated(conversation) else 0,
    }


def _same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, int | float) and not isinstance(want, bool):
        try:
            return abs(float(got) - float(want)) < 1e-9
        except (TypeError, ValueError):
            return False
    return str(got) == str(want)


def row_mismatch(rows: list[dict[str, Any]], expected: list[dict[str, Any]]) -> str | None:
    """None when `rows` are the expected ones (the expected columns, in order), else what differs."""
    if len(rows) == len(expected) and all(
        column in row and _same(row[column], value)
        for row, want in zip(rows, expected, strict=True)
        for column, value in want.items()
    ):
        return None
    shown = [{column: row.get(column) for column in (expected[0] if expected else row)} for row in rows]
    return f"expected {expected}, got {shown}"
