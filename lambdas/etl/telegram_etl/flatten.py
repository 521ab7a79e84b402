"""Update JSON -> one flat row of the processed schema. Pure and total: a row never fails on a missing,
unknown or oddly typed field; such values become nulls.

Longer than 500 lines: the readable flatten() and its columnar twin flatten_values() stay side by side, so a
change to one is seen next to the other (a test keeps them equal).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from telegram_etl.privacy import (
    NOT_PEOPLE,
    People,
    command_target,
    may_hold_personal_data,
    pseudonymize_ids,
    redact,
    redact_command_mentions,
    redact_text_mentions,
    redaction,
)
from telegram_etl.schema import COLUMN_NAMES, SERVICE_FIELDS
from telegram_etl.sources import EXPORT, OUTGOING, OUTGOING_MIN, WEBHOOK, source_of

try:  # ~3x faster than json; bundled into the Lambda's asset (lambdas/etl/requirements.txt)
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None
from telegram_etl.text import features

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
# two keys for one content (an animation also carries `document`, a live photo `photo`, a venue also
# carries `location`). What a person sends comes first, then the service messages' fields (the schema's).
CONTENT_TYPES = (
    "text", "animation", "sticker", "live_photo", "photo", "video", "video_note", "voice", "audio",
    "document", "paid_media", "story", "venue", "location", "contact", "poll", "dice", "game", "invoice",
    "checklist", "rich_message", *SERVICE_FIELDS,
)  # fmt: skip
# Content types of service messages: Telegram's own notes about the chat, not something a person said.
SERVICE_CONTENT_TYPES = frozenset(SERVICE_FIELDS)
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


def parse_update_fast(body: bytes) -> tuple[dict[str, Any], bool]:
    """(update, exact_numbers): parse_update() through orjson when it is installed. Whatever orjson
    refuses (lone surrogates, a BOM, NaN, integers beyond 64 bits in an id...) goes through
    parse_update(), so the outcome is always the standard library's; exact_numbers is False when
    orjson parsed it (it reads integers beyond 64 bits as floats: see flatten_values)."""
    if orjson is not None:
        try:
            update = orjson.loads(body)
        except orjson.JSONDecodeError:
            update = None
        if isinstance(update, dict) and _int(update.get("update_id")) is not None:
            return update, False
    return parse_update(body), True


def update_kind(update: dict[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


def flatten(
    update: dict[str, Any], ingested_at: datetime | None, *, people: People | None = None,
    redactions: Counter[str] | None = None,
) -> Row:  # fmt: skip
    """One row with every column of the schema, for every kind of update. Texts are always redacted
    (telegram_etl.privacy; each redaction counted in `redactions`). With `people`, user_is_staff is set,
    and with its key people's ids become pseudonyms and their names leave the row."""
    row: Row = dict.fromkeys(COLUMN_NAMES)
    kind = update_kind(update)
    payload = _dict(update.get(kind)) if kind else {}
    row["update_id"] = _int(update.get("update_id"))
    row["update_type"] = kind
    row["ingested_at"] = ingested_at
    row["source"] = source_of(row["update_id"])

    if kind in MESSAGE_KINDS:
        _message_fields(row, payload, redactions)
    elif kind == "callback_query":
        _callback_fields(row, payload, redactions)
    else:
        _event_fields(row, payload)
    if people is not None:
        _protect_people(row, update, kind, people)
    return row


def _protect_people(row: Row, update: dict[str, Any], kind: str | None, people: People) -> None:
    row["user_is_staff"] = people.is_staff(row["user_id"])
    if not people.pseudonymize:
        return
    if row["user_id"] is not None and people.is_person(row["user_id"], row["user_is_bot"]):
        row["user_id"] = people.stored_id(row["user_id"], row["user_is_bot"])
        row["user_first_name"] = row["user_username"] = row["user_language_code"] = None
    payload = _dict(update.get(kind)) if kind else {}
    holder = _dict(payload.get("message")) if kind == "callback_query" else payload
    author = _dict(_dict(holder.get("reply_to_message")).get("from"))
    row["reply_to_user_id"] = people.stored_id(row["reply_to_user_id"], author.get("is_bot"))
    if row["chat_type"] == "private":  # a private chat's id is the person's id
        row["chat_id"] = people.stored_id(row["chat_id"], None)
    if row["callback_data"] is not None:  # ids in button data, as user_id names them
        row["callback_data"] = pseudonymize_ids(row["callback_data"], people)


def _message_fields(row: Row, message: dict[str, Any], redactions: Counter[str] | None) -> None:
    _chat_and_message(row, message)
    _user(row, _dict(message.get("from")))
    row["sender_chat_id"] = _int(_dict(message.get("sender_chat")).get("id"))
    row["date"] = _timestamp(message.get("date"))
    row["edit_date"] = _timestamp(message.get("edit_date"))
    text = _str(message.get("text"))
    row["text"] = text if text is not None else _str(message.get("caption"))
    row["content_type"] = content_type(message)
    entities = message.get("entities") if "text" in message else message.get("caption_entities")
    row["command"], target = leading_command(row["text"], entities)
    row["command_target"] = command_target(target)  # a person's username is no bot's
    if row["text"] is not None:  # after the command, whose entity offsets are the original text's
        text = redact(redact_text_mentions(row["text"], entities, redactions), redactions)
        row["text"] = redact_command_mentions(text, redactions)
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
    (row["normalized_text"], text_intent, row["keywords"], row["keyword_stems"], row["text_language"]) = (
        text_features(row["text"])
    )
    if row["command"] is None:
        row["intent"] = text_intent


# Support chats repeat themselves ("ok", "obrigado", the same question pasted again): the demo's days hold
# ~5 texts per distinct text, and the features are most of the flattener's CPU. Texts longer than
# _CACHED_TEXT_CHARS are rarely repeated and are computed every time, which bounds the cache's memory
# (~16k entries of at most ~2 KiB of text and features each: ~40 MB at worst).
_CACHED_TEXT_CHARS = 512
_TEXT_CACHE_ENTRIES = 16_384
TextFeatures = tuple[str | None, str | None, list[str], list[str], str | None]


def text_features(text: str) -> TextFeatures:
    """(normalized_text, intent, keywords, keyword_stems, text_language) of a text, cached by text. The
    lists are shared between rows of one text: read them, never change them."""
    if len(text) > _CACHED_TEXT_CHARS:
        return _text_features_of(text)
    return _cached_text_features(text)


def _text_features_of(text: str) -> TextFeatures:
    return features(text)


_cached_text_features = lru_cache(maxsize=_TEXT_CACHE_ENTRIES)(_text_features_of)
RedactedText = tuple[
    str, tuple[tuple[str, int], ...], str | None, str | None, list[str], list[str], str | None
]


def redacted_text(text: str) -> RedactedText:
    """(redact(text), its redactions per kind, *text_features of the redacted text): what the columnar
    path needs of a text, in one cache lookup (the texts repeat, see text_features)."""
    if len(text) > _CACHED_TEXT_CHARS:
        return _redacted_text_of(text)
    return _cached_redacted_text(text)


def _redacted_text_of(text: str) -> RedactedText:
    # The features straight, not through text_features' cache: this one already holds the text.
    if not may_hold_personal_data(text):  # most texts
        return (text, (), *features(text))
    redacted, found = redaction(text)
    if "/" in redacted and "@" in redacted:  # a person's username after a command (rare)
        counted = Counter(dict(found))
        redacted = redact_command_mentions(redacted, counted)
        found = tuple(counted.items())
    return (redacted, found, *features(redacted))


_cached_redacted_text = lru_cache(maxsize=_TEXT_CACHE_ENTRIES)(_redacted_text_of)


def _callback_fields(row: Row, callback: dict[str, Any], redactions: Counter[str] | None) -> None:
    # The clicked button sits on a message (absent for inline-mode messages); that message usually
    # replies to the user's question, which links the feedback to the question.
    _user(row, _dict(callback.get("from")))
    message = _dict(callback.get("message"))
    _chat_and_message(row, message)
    _reply(row, message)
    row["date"] = _timestamp(message.get("date"))  # when the prompt was sent: whose turn it follows
    row["is_topic_message"] = message.get("is_topic_message") is True
    data = _str(callback.get("data"))
    row["callback_data"] = None if data is None else redact(data, redactions)


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


# --- the columnar path --------------------------------------------------------------------------------
# flatten() above is the specification; flatten_values() computes the same row as one tuple, with the
# helpers inlined (a call costs more than most fields do). tests/lambdas/etl/test_columns.py holds the
# two equal on every fixture, the demo's updates and random updates: change both together.

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
# The last second datetime can hold (9999-12-31T23:59:59Z): _timestamp() gives None beyond it.
_MAX_SECONDS = 253_402_300_799
_NAME_INDEX = {name: index for index, name in enumerate(COLUMN_NAMES)}
# Columns kept as epoch milliseconds in the tuple (Arrow converts tz-aware datetimes ~20x slower).
MS_COLUMNS = ("date", "edit_date", "ingested_at")
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_ONE_MS = timedelta(milliseconds=1)
_SERVICE = SERVICE_CONTENT_TYPES
_FORWARD = frozenset(FORWARD_KEYS)


class LossyNumber(ValueError):
    """A number that a fast JSON parser may have turned into a float (orjson: integers beyond 64 bits)
    reached the output as text: the object must be parsed again with the standard library."""


def epoch_ms(moment: datetime | None) -> int | None:
    """What Arrow stores for a datetime in a timestamp("ms", tz="UTC") column: aware ones in UTC, naive
    ones as UTC wall time, microseconds dropped."""
    if moment is None:
        return None
    if moment.utcoffset() is None:
        return (moment - _NAIVE_EPOCH) // _ONE_MS
    return (moment - _UNIX_EPOCH) // _ONE_MS


def flatten_values(
    update: dict[str, Any], ingested_ms: int | None, *, exact_numbers: bool = True,
    people: People | None = None, redactions: Counter[str] | None = None,
) -> tuple[Any, ...]:  # fmt: skip
    """flatten(update, ingested_at) as a tuple in COLUMN_NAMES order, with the MS_COLUMNS as epoch
    milliseconds (ingested_ms from epoch_ms). Computes everything before it returns, so an exception
    leaves nothing half-written. exact_numbers=False: the update comes from a parser that may have
    turned big integers into floats, and LossyNumber is raised where that could change the row."""
    kind = None
    for key in update:  # update_kind(), without a generator
        if key != "update_id":
            kind = key
            break
    payload = update.get(kind) if kind else None
    if not isinstance(payload, dict):
        payload = {}
    update_id = update.get("update_id")
    if type(update_id) is not int or not _I64_MIN <= update_id <= _I64_MAX:
        update_id = None

    message_id = chat_id = chat_type = chat_title = thread_id = None
    user_id = user_is_bot = first_name = username = language = sender_chat_id = None
    date_ms = edit_ms = text = content = command = target = reply_to_id = reply_to_user = None
    is_forward = callback_data = media_group_id = is_topic = is_auto_forward = is_service = None
    migrate_to = migrate_from = reactions = normalized = text_intent = words = stems = None
    user_is_staff = reply_author = text_language = None

    if kind in MESSAGE_KINDS:
        holder, sender = payload, payload.get("from")
    elif kind == "callback_query":
        holder, sender = payload.get("message"), payload.get("from")
        if not isinstance(holder, dict):
            holder = {}
    else:
        holder, sender = payload, payload.get("from") or payload.get("user")

    chat = holder.get("chat")
    if isinstance(chat, dict):
        chat_id = chat.get("id")
        if type(chat_id) is not int or not _I64_MIN <= chat_id <= _I64_MAX:
            chat_id = None
        chat_type = chat.get("type")
        if type(chat_type) is not str:
            chat_type = None
        chat_title = chat.get("title")
        if type(chat_title) is not str:
            chat_title = None
    message_id = holder.get("message_id")
    if type(message_id) is not int or not _I64_MIN <= message_id <= _I64_MAX:
        message_id = None
    thread_id = _int(holder.get("message_thread_id")) if "message_thread_id" in holder else None
    if isinstance(sender, dict):
        user_id = sender.get("id")
        if type(user_id) is not int or not _I64_MIN <= user_id <= _I64_MAX:
            user_id = None
        user_is_bot = sender.get("is_bot")
        if type(user_is_bot) is not bool:
            user_is_bot = None
        first_name = sender.get("first_name")
        if type(first_name) is not str:
            first_name = None
        username = sender.get("username")
        if type(username) is not str:
            username = None
        language = sender.get("language_code")
        if type(language) is not str:
            language = None
    seconds = holder.get("date")
    if type(seconds) is int and 0 < seconds <= _MAX_SECONDS:
        date_ms = seconds * 1000

    if kind in MESSAGE_KINDS or kind == "callback_query":
        replied = holder.get("reply_to_message")
        if isinstance(replied, dict):
            reply_to_id = _int(replied.get("message_id"))
            author = replied.get("from")
            if isinstance(author, dict):
                reply_to_user, reply_author = _int(author.get("id")), author
    if kind in MESSAGE_KINDS:
        sender_chat = holder.get("sender_chat")
        sender_chat_id = _int(sender_chat.get("id")) if isinstance(sender_chat, dict) else None
        seconds = holder.get("edit_date")
        if type(seconds) is int and 0 < seconds <= _MAX_SECONDS:
            edit_ms = seconds * 1000
        has_text = "text" in holder
        text = holder.get("text") if has_text else None
        if type(text) is not str:
            text = _str(holder.get("caption"))
        content = "text" if has_text else content_type(holder)
        if text:
            entities = holder.get("entities") if has_text else holder.get("caption_entities")
            # Without entities only a text that starts with "/" can start with a command (_BARE_COMMAND).
            if type(entities) is list or text[0] == "/":
                command, target = leading_command(text, entities)
                if target is not None:  # a person's username is no bot's
                    target = command_target(target)
            if type(entities) is list:
                for entity in entities:  # a text_mention is rare: look before calling
                    if type(entity) is dict and entity.get("type") == "text_mention":
                        text = redact_text_mentions(text, entities, redactions)
                        break
        is_forward = not _FORWARD.isdisjoint(holder)
        media_group_id = holder.get("media_group_id")
        if type(media_group_id) is not str:
            media_group_id = None
        is_topic = holder.get("is_topic_message") is True
        is_auto_forward = holder.get("is_automatic_forward") is True
        is_service = content in _SERVICE
        if "migrate_to_chat_id" in holder or "migrate_from_chat_id" in holder:
            migrate_to = _int(holder.get("migrate_to_chat_id"))
            migrate_from = _int(holder.get("migrate_from_chat_id"))
        if text is not None:  # redacted_text(), one call fewer
            text, found, normalized, text_intent, words, stems, text_language = (
                _cached_redacted_text(text) if len(text) <= _CACHED_TEXT_CHARS else _redacted_text_of(text)
            )
            if found and redactions is not None:
                for redaction, count in found:
                    redactions[redaction] += count
            if command is not None:
                text_intent = None
    elif kind == "callback_query":
        is_topic = holder.get("is_topic_message") is True
        callback_data = _str(payload.get("data"))
        if callback_data is not None:
            callback_data = redact(callback_data, redactions)
    else:
        actor = holder.get("actor_chat") or holder.get("voter_chat") or holder.get("sender_chat")
        sender_chat_id = _int(actor.get("id")) if isinstance(actor, dict) else None
        new_reaction = holder.get("new_reaction")
        if isinstance(new_reaction, list):
            convert = _reaction if exact_numbers else _checked_reaction
            reactions = [r for r in map(convert, new_reaction) if r is not None]

    if people is not None:  # as _protect_people(), with the pseudonyms' cache read inline
        user_is_staff = None if user_id is None else user_id in people.staff_user_ids
        if people.key is not None:
            known = people.pseudonyms
            if user_id is not None and user_is_bot is not True and user_id not in NOT_PEOPLE:
                user_id = known.get(user_id) or people.stored_id(user_id, user_is_bot)
                first_name = username = language = None
            if (reply_to_user is not None and reply_author.get("is_bot") is not True
                    and reply_to_user not in NOT_PEOPLE):  # fmt: skip
                reply_to_user = known.get(reply_to_user) or people.stored_id(reply_to_user, None)
            if chat_type == "private" and chat_id is not None:
                chat_id = known.get(chat_id) or people.stored_id(chat_id, None)
            if callback_data is not None:
                callback_data = pseudonymize_ids(callback_data, people)

    if update_id is None:  # source_of(update_id), inline
        source = None
    else:
        source = WEBHOOK if update_id >= 0 else OUTGOING if update_id >= OUTGOING_MIN else EXPORT
    return (
        update_id, kind, message_id, chat_id, chat_type, chat_title, thread_id, user_id, user_is_bot,
        first_name, username, language, sender_chat_id, date_ms, edit_ms, text, content, command,
        reply_to_id, reply_to_user, is_forward, callback_data, ingested_ms, target, media_group_id,
        is_topic, is_auto_forward, is_service, migrate_to, migrate_from, reactions, normalized,
        text_intent, words, stems, source, user_is_staff, text_language,
    )  # fmt: skip


def _checked_reaction(reaction: Any) -> str | None:
    if isinstance(reaction, dict) and reaction.get("type") == "custom_emoji":
        custom_id = reaction.get("custom_emoji_id")
        if isinstance(custom_id, float):
            raise LossyNumber("custom_emoji_id is a number")
    return _reaction(reaction)
