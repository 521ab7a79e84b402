"""Update JSON -> one flat row of the processed schema. Pure and total: a row never fails on a missing,
unknown or oddly typed field; such values become nulls."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from telegram_etl.schema import COLUMN_NAMES
from telegram_etl.text import intent, keywords, normalize

Row = dict[str, Any]

MESSAGE_KINDS = frozenset(
    {"message", "edited_message", "channel_post", "edited_channel_post", "business_message",
     "edited_business_message"}
)  # fmt: skip

# Every Update kind of the Bot API. Each becomes a row (unknown future kinds too); setWebhook asks
# Telegram for all of them, since by default it leaves out chat_member and the reactions.
UPDATE_KINDS = (
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
    "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_member",
    "chat_join_request", "chat_boost", "removed_chat_boost",
)  # fmt: skip

# Checked in order: the first key present names the content. Order matters where Telegram sends
# two keys for one content (an animation also carries `document`, a venue also carries `location`).
CONTENT_TYPES = (
    "text", "animation", "sticker", "photo", "video", "video_note", "voice", "audio", "document",
    "paid_media", "story", "venue", "location", "contact", "poll", "dice", "game", "invoice", "checklist",
    "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo", "delete_chat_photo",
    "group_chat_created", "supergroup_chat_created", "channel_chat_created", "migrate_to_chat_id",
    "migrate_from_chat_id", "pinned_message", "forum_topic_created", "forum_topic_edited",
    "forum_topic_closed", "forum_topic_reopened", "general_forum_topic_hidden",
    "general_forum_topic_unhidden", "message_auto_delete_timer_changed", "successful_payment",
    "refunded_payment", "users_shared", "chat_shared", "write_access_allowed", "web_app_data",
    "video_chat_scheduled", "video_chat_started", "video_chat_ended", "video_chat_participants_invited",
    "giveaway_created", "giveaway", "giveaway_winners", "giveaway_completed", "boost_added",
    "chat_background_set", "proximity_alert_triggered", "passport_data", "connected_website",
)  # fmt: skip
# Content types of service messages: Telegram's own notes about the chat, not something a person said.
SERVICE_CONTENT_TYPES = frozenset(CONTENT_TYPES[CONTENT_TYPES.index("new_chat_members") :]) - {
    "successful_payment", "refunded_payment", "users_shared", "chat_shared", "web_app_data",
    "passport_data",
}  # fmt: skip
_BARE_COMMAND = re.compile(r"^(/[A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s|$)")
FORWARD_KEYS = ("forward_origin", "forward_from", "forward_from_chat", "forward_sender_name", "forward_date")


class NotAnUpdate(ValueError):
    """A raw object that is not a Telegram Update (quarantined by the ETL)."""


def parse_update(body: bytes) -> dict[str, Any]:
    try:
        update = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise NotAnUpdate(f"not valid JSON: {error}") from None
    if not isinstance(update, dict):
        raise NotAnUpdate("not a JSON object")
    if _int(update.get("update_id")) is None:
        raise NotAnUpdate("no integer update_id")
    return update


def update_kind(update: dict[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


def flatten(update: dict[str, Any], ingested_at: datetime | None) -> Row:
    """One row with every column of the schema, for every kind of update."""
    row: Row = dict.fromkeys(COLUMN_NAMES)
    kind = update_kind(update)
    payload = _dict(update.get(kind)) if kind else {}
    row["update_id"] = _int(update.get("update_id"))
    row["update_type"] = kind
    row["ingested_at"] = ingested_at

    if kind in MESSAGE_KINDS:
        _message_fields(row, payload)
    elif kind == "callback_query":
        _callback_fields(row, payload)
    else:
        _event_fields(row, payload)
    return row


def _message_fields(row: Row, message: dict[str, Any]) -> None:
    _chat_and_message(row, message)
    _user(row, _dict(message.get("from")))
    row["sender_chat_id"] = _int(_dict(message.get("sender_chat")).get("id"))
    row["date"] = _timestamp(message.get("date"))
    row["edit_date"] = _timestamp(message.get("edit_date"))
    text = _str(message.get("text"))
    row["text"] = text if text is not None else _str(message.get("caption"))
    row["content_type"] = content_type(message)
    entities = message.get("entities") if "text" in message else message.get("caption_entities")
    row["command"], row["command_target"] = leading_command(row["text"], entities)
    _reply(row, message)
    row["is_forward"] = any(key in message for key in FORWARD_KEYS)
    row["media_group_id"] = _str(message.get("media_group_id"))
    row["is_topic_message"] = message.get("is_topic_message") is True
    row["is_automatic_forward"] = message.get("is_automatic_forward") is True
    row["is_service"] = row["content_type"] in SERVICE_CONTENT_TYPES
    row["migrate_to_chat_id"] = _int(message.get("migrate_to_chat_id"))
    row["migrate_from_chat_id"] = _int(message.get("migrate_from_chat_id"))
    _text_features(row)


def _text_features(row: Row) -> None:
    """What the text says (telegram_etl.text); a command is not a text to classify."""
    if row["text"] is None:
        return
    row["normalized_text"] = normalize(row["text"])
    if row["command"] is None:
        row["intent"] = intent(row["text"])
    found = keywords(row["normalized_text"])
    row["keywords"] = [word for _, word in found]
    row["keyword_stems"] = [stem for stem, _ in found]


def _callback_fields(row: Row, callback: dict[str, Any]) -> None:
    # The clicked button sits on a message (absent for inline-mode messages); that message usually
    # replies to the user's question, which links the feedback to the question.
    _user(row, _dict(callback.get("from")))
    message = _dict(callback.get("message"))
    _chat_and_message(row, message)
    _reply(row, message)
    row["date"] = _timestamp(message.get("date"))  # when the prompt was sent: whose turn it follows
    row["is_topic_message"] = message.get("is_topic_message") is True
    row["callback_data"] = _str(callback.get("data"))


def _event_fields(row: Row, event: dict[str, Any]) -> None:
    """Reactions, member changes, join requests, polls, inline queries and future kinds: the common
    fields, wherever they are present."""
    _chat_and_message(row, event)
    _user(row, _dict(event.get("from") or event.get("user")))
    actor = event.get("actor_chat") or event.get("voter_chat") or event.get("sender_chat")
    row["sender_chat_id"] = _int(_dict(actor).get("id"))
    row["date"] = _timestamp(event.get("date"))
    if isinstance(event.get("new_reaction"), list):
        row["reactions"] = [r for r in map(_reaction, event["new_reaction"]) if r is not None]


def _reaction(reaction: Any) -> str | None:
    reaction = _dict(reaction)
    kind = reaction.get("type")
    if kind == "emoji":
        return _str(reaction.get("emoji"))
    if kind == "custom_emoji":
        return f"custom_emoji:{reaction.get('custom_emoji_id')}"
    return _str(kind)  # "paid", and kinds yet to come


def _chat_and_message(row: Row, holder: dict[str, Any]) -> None:
    chat = _dict(holder.get("chat"))
    row["chat_id"] = _int(chat.get("id"))
    row["chat_type"] = _str(chat.get("type"))
    row["chat_title"] = _str(chat.get("title"))
    row["message_id"] = _int(holder.get("message_id"))
    row["message_thread_id"] = _int(holder.get("message_thread_id"))


def _user(row: Row, user: dict[str, Any]) -> None:
    row["user_id"] = _int(user.get("id"))
    row["user_is_bot"] = _bool(user.get("is_bot"))
    row["user_first_name"] = _str(user.get("first_name"))
    row["user_username"] = _str(user.get("username"))
    row["user_language_code"] = _str(user.get("language_code"))


def _reply(row: Row, message: dict[str, Any]) -> None:
    replied = _dict(message.get("reply_to_message"))
    row["reply_to_message_id"] = _int(replied.get("message_id"))
    row["reply_to_user_id"] = _int(_dict(replied.get("from")).get("id"))


def content_type(message: dict[str, Any]) -> str:
    return next((key for key in CONTENT_TYPES if key in message), "other")


def leading_command(text: str | None, entities: Any) -> tuple[str | None, str | None]:
    """(command, bot it names) when the message starts with a bot command, lower case: "/Start@MyBot x"
    gives ("/start", "mybot"). A command later in the text ("Como uso o /rastreio?") is text.

    Entity offsets and lengths count UTF-16 code units, so emoji before the command count twice.
    """
    if not text:
        return None, None
    if not isinstance(entities, list):
        # Old or hand-made payloads carry no entities; a leading /word is still a command.
        match = _BARE_COMMAND.match(text)
        if not match:
            return None, None
        return match.group(1).lower(), (match.group(2) or "").lower() or None
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") != "bot_command":
            continue
        offset, length = _int(entity.get("offset")), _int(entity.get("length"))
        if offset != 0 or not length:
            continue
        units = text.encode("utf-16-le", errors="surrogatepass")
        command = units[: 2 * length].decode("utf-16-le", errors="replace").lower()
        name, _, target = command.partition("@")
        return name or None, target or None
    return None, None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    # bool is an int in Python; a JSON true is no id. Values beyond int64 cannot be stored.
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _timestamp(value: Any) -> datetime | None:
    # Unix seconds; 0 marks an inaccessible message's date.
    seconds = _int(value)
    if not seconds or seconds < 0:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
