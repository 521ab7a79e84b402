"""POST /outgoing: the messages our bot sent, posted by its backend (Telegram never sends a bot its own
messages). Each becomes an Update-shaped raw object in the same layout as the webhook's, so the ETL and
the conversation model read it like any message, with the role "our bot".

Body: a Message (the `result` of sendMessage and friends), a list of them (sendMediaGroup), or the whole
Bot API response ({"ok": true, "result": ...}). A repeated post, or the result of an edit, overwrites the
same object: one row per message, with its latest text.

Only our bot's messages are bot messages: each message's `from` must be our bot (BOT_USER_ID, else the
BOT_USERNAME the conversation model knows it by, with is_bot), or the whole post is refused (400): a
staff member's or a customer's message posted here would be counted under the wrong role.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram_ingest.webhook import Rejected, raw_key, refused_key

MAX_MESSAGES = 100  # sendMediaGroup sends at most 10; anything much larger is not a bot's result
# Telegram sets a message's date when it sends it: never before Telegram existed, never much after now
# (an edit's result keeps the original date). Outside these a date is a client's bug, and would file the
# message in a day no run reads.
MIN_DATE = 1_375_315_200  # 2013-08-01, before Telegram's launch
MAX_CLOCK_SKEW_S = 3_600


@dataclass(frozen=True)
class OurBot:
    """Who our bot is: its user id (the number before ':' in its token), else its username."""

    user_id: int | None = None
    username: str | None = None

    @property
    def known(self) -> bool:
        return self.user_id is not None or bool(self.username)

    def sent(self, message: dict[str, Any]) -> bool:
        sender = message.get("from")
        if not isinstance(sender, dict):
            return False
        if self.user_id is not None:
            return _int(sender.get("id")) and sender["id"] == self.user_id
        username = sender.get("username")
        return (sender.get("is_bot") is True and isinstance(username, str) and bool(self.username)
                and username.lower() == str(self.username).lower().lstrip("@"))  # fmt: skip


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def messages_of(body: bytes, bot: OurBot, now: datetime) -> list[dict[str, Any]]:
    """The Messages in a body, each checked, or Rejected(400) saying what is wrong."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Rejected(400, "body is not valid JSON") from None
    if isinstance(payload, dict) and "ok" in payload and "message_id" not in payload:
        if payload.get("ok") is not True:
            raise Rejected(400, 'a Bot API response must have "ok": true and its result')
        payload = payload.get("result")
    messages = payload if isinstance(payload, list) else [payload]
    if not messages or len(messages) > MAX_MESSAGES:
        raise Rejected(400, f"expected 1 to {MAX_MESSAGES} messages")
    for message in messages:
        if not isinstance(message, dict):
            raise Rejected(400, "a message must be a JSON object")
        chat = message.get("chat")
        if not _int(message.get("message_id")) or not isinstance(chat, dict) or not _int(chat.get("id")):
            raise Rejected(400, "a message needs an integer message_id and chat.id")
        if not _int(message.get("date")) or message["date"] <= 0:
            raise Rejected(400, "a message needs its date (Unix seconds)")
        if not MIN_DATE <= message["date"] <= now.timestamp() + MAX_CLOCK_SKEW_S:
            raise Rejected(400, "a message's date must be a Unix time between 2013 and now")
        if not bot.sent(message):
            who = f"id {bot.user_id}" if bot.user_id is not None else f"@{bot.username}"
            raise Rejected(400, f'only messages sent by our bot ({who}) are accepted: check "from"')
    return messages


def outgoing_update_id(chat_id: int, message_id: int) -> int:
    """A stable id below zero: never one of Telegram's update_ids (positive), the same for every post of
    the same message (idempotent), distinct across messages (56-bit hash)."""
    digest = hashlib.blake2b(f"{chat_id}:{message_id}".encode(), digest_size=7).digest()
    return -(int.from_bytes(digest, "big") + 1)


def outgoing_object(
    message: dict[str, Any], timezone: ZoneInfo, *, refused: bool = False
) -> tuple[str, bytes]:
    """(raw key, body) of one sent message: in the day it was sent, so a re-post never lands twice; under
    refused/ for a chat outside the allow-list, as the webhook does."""
    update_id = outgoing_update_id(message["chat"]["id"], message["message_id"])
    day: date = datetime.fromtimestamp(message["date"], tz=timezone).date()
    key = refused_key(update_id, day) if refused else raw_key(update_id, day)
    return key, json.dumps({"update_id": update_id, "message": message}).encode()


# Methods a bot may answer in its webhook response that send a message (with its text or caption).
SEND_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAnimation", "sendAudio", "sendVoice",
    "sendVideoNote", "sendSticker", "sendPoll", "sendDice", "sendLocation", "sendVenue", "sendContact",
})  # fmt: skip


def webhook_reply_message(
    answer: bytes, update: dict[str, Any], bot: OurBot, arrived_s: int
) -> dict[str, Any] | None:
    """The message our bot sends when its backend answers an update with a method in the webhook response
    ({"method": "sendMessage", ...}), as far as it is known: Telegram returns no result for it, so its
    message_id is made up (below zero, one per update: never a real one, the same on a redelivery) and its
    date is the update's arrival. None when the answer sends no message to a chat given by id."""
    try:
        method = json.loads(answer)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(method, dict) or method.get("method") not in SEND_METHODS or not bot.known:
        return None
    chat_id = method.get("chat_id")
    if not _int(chat_id):
        return None  # "@channelusername": not a chat of ours
    chat = next((c for c in _chats_of(update) if c.get("id") == chat_id), {"id": chat_id})
    sender: dict[str, Any] = {"is_bot": True, "first_name": bot.username or "bot"}
    if bot.user_id is not None:
        sender["id"] = bot.user_id
    if bot.username:
        sender["username"] = bot.username
    message: dict[str, Any] = {"message_id": -(update["update_id"] + 1), "from": sender, "chat": chat,
                               "date": arrived_s}  # fmt: skip
    for field in ("text", "caption"):
        if isinstance(method.get(field), str):
            message[field] = method[field]
    replied = (method.get("reply_parameters") or {}).get("message_id") if isinstance(
        method.get("reply_parameters"), dict) else method.get("reply_to_message_id")  # fmt: skip
    if _int(replied):
        message["reply_to_message"] = {"message_id": replied, "chat": chat, "date": arrived_s}
    return message


def _chats_of(update: dict[str, Any]) -> list[dict[str, Any]]:
    """The chat objects an Update carries (its message's, or a callback query's message's)."""
    found = []
    for payload in update.values():
        for holder in (payload, payload.get("message") if isinstance(payload, dict) else None):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                found.append(holder["chat"])
    return found
