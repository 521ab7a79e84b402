"""A Telegram Desktop chat export (`result.json`) as Bot API Updates, so that its history lands in the same
table as live updates: the same columns, from the same flattener.

Each exported message becomes {"update_id": <synthetic>, "message": <a Bot API Message>}: its sender
(`from_id` "user123" is user 123; older exports write integers, see _peer), chat (the Bot API's id: -id
for a group, -100<id> for a supergroup), date, text and entities (the export's arrays of strings and
entity objects, flattened, offsets in UTF-16 units as Telegram counts them), reply, forward, media kind
and service event. The update_id is telegram_etl.sources.export_update_id(chat, message): negative, in a
range of its own, the same on every import. The object lands in the partition of the message's local
date in the stage's time zone.

Both export formats are read: the current one (`date_unixtime`, `edited_unixtime`, `text_entities`) and
the older one, whose `date` is the naive local time of the machine that exported it: that time zone is
an input (--export-timezone, by default the stage's). An export holds each message as it was last edited
(its final text), without the earlier versions. A whole-account export (`chats.list`) is read chat by
chat; only groups and supergroups are imported (a bot's support chats), other chats are skipped.

A supergroup's export also holds the history of the basic group it was upgraded from, numbered by Telegram
Desktop as id - 10^9 (negative): those messages are imported into the old group's chat with their own ids
(id + 10^9), as the Bot API numbered them there; the export does not say that chat's id, so it is given
(migrated_from_chat_id) or a stand-in derived from the supergroup's id (old_group_stand_in).

A message whose fields have unexpected types is skipped and counted with its reason, never the import.

Longer than 500 lines: both export formats' reading rules (peer ids, pre-upgrade history, odd fields); to
split into reading and mapping next.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram_etl.sources import export_update_id
from telegram_ingest.webhook import raw_key

# The Bot API's conventions for senders an export names only by chat: an anonymous group admin is
# GroupAnonymousBot with sender_chat = the group, a channel posting in a group is Channel_Bot.
GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
DELETED_ACCOUNT = "Deleted Account"  # the name Telegram shows for an account that no longer exists
SUPERGROUP_OFFSET = 10**12  # a supergroup's or channel's Bot API id is -(10^12 + its export id)
MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z: a later "date" is no date (and no day to file it in)
# Telegram Desktop's numbering of an upgraded group's old messages in the supergroup's export:
# id - 10^9 (export_data_types.cpp, kMigratedMessagesIdShift, since 2019-04).
MIGRATED_ID_SHIFT = 10**9
# A stand-in for the old group's chat id when none is given: -(3 * 10^12 + the supergroup's export id), below
# every id the Bot API gives a chat (groups from -1 to -(10^12 - 1), supergroups and channels -(10^12 + id),
# secret chats, which bots never see, around -2 * 10^12), so it never names a real chat.
STAND_IN_OFFSET = 3 * 10**12
# Telegram Desktop 2.4.5 to 2.7.1 (Oct 2020 to Apr 2021) wrote `from_id` / `actor_id` as its internal
# PeerId: a user as 2^32 | id, a chat or channel as 2^33 | id (export_data_types.cpp, UserPeerId and
# ChatPeerId); earlier versions wrote the user id itself (int32), later ones "user123", "channel123".
USER_PEER_SHIFT, CHAT_PEER_SHIFT = 2**32, 2**33
MAX_ID = 2**63 - 1  # beyond int64 no id can be stored (the table's BIGINT)

# Export chat type -> Bot API chat type; the other types (personal_chat, bot_chat, saved_messages,
# channels, ...) are not a bot's support group and are skipped.
CHAT_TYPES = {"private_group": "group", "private_supergroup": "supergroup", "public_supergroup": "supergroup"}

# Export entity type -> Bot API MessageEntity type (plain text is no entity; the rest have none).
ENTITY_TYPES = {
    "mention": "mention", "hashtag": "hashtag", "cashtag": "cashtag", "bot_command": "bot_command",
    "link": "url", "email": "email", "phone": "phone_number", "bold": "bold", "italic": "italic",
    "underline": "underline", "strikethrough": "strikethrough", "spoiler": "spoiler", "code": "code",
    "pre": "pre", "text_link": "text_link", "mention_name": "text_mention", "blockquote": "blockquote",
    "custom_emoji": "custom_emoji",
}  # fmt: skip

# Export media_type -> the Bot API field that carries that media (a file without one is a document).
MEDIA_FIELDS = {
    "sticker": "sticker", "animation": "animation", "video_message": "video_note",
    "voice_message": "voice", "video_file": "video", "audio_file": "audio",
}  # fmt: skip


class NotAnExport(ValueError):
    """Input that is not a readable Telegram Desktop JSON export."""


@dataclass(frozen=True)
class RawObject:
    key: str
    body: bytes
    day: date


@dataclass
class Conversion:
    """The raw objects of an export, and what was left out and why."""

    objects: list[RawObject] = field(default_factory=list)
    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    # Messages of the older format, whose naive local times were read in export_timezone.
    local_times: int = 0
    export_timezone: str = ""

    @property
    def days(self) -> list[str]:
        return sorted({obj.day.isoformat() for obj in self.objects})


def load_export(path: Path) -> Any:
    """The export's JSON, or NotAnExport saying why it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise NotAnExport(f"{path}: cannot read it ({error})") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise NotAnExport(f"{path}: not valid JSON, perhaps truncated ({error})") from None


def chats_of(export: Any) -> list[dict[str, Any]]:
    """The chats of an export: one for a chat export, every chat of `chats.list` (and `left_chats.list`)
    for a whole-account export; NotAnExport when it is neither."""
    if not isinstance(export, dict):
        raise NotAnExport("not a Telegram Desktop export: expected a JSON object")
    if isinstance(export.get("messages"), list):
        return [export]
    chats: list[dict[str, Any]] = []
    for section in ("chats", "left_chats"):
        listed = export.get(section)
        if isinstance(listed, dict) and isinstance(listed.get("list"), list):
            chats.extend(chat for chat in listed["list"] if isinstance(chat, dict))
    if chats or isinstance(export.get("chats"), dict):
        return chats
    raise NotAnExport(
        'not a Telegram Desktop export: no "messages" (a chat export) or "chats.list" (a whole-account '
        "export); export it as JSON (Telegram Desktop: chat menu > Export chat history > Format: JSON)"
    )


def bot_api_chat(chat: dict[str, Any]) -> dict[str, Any] | None:
    """The Bot API's Chat for an exported group or supergroup (its id as a bot sees it), else None."""
    kind = CHAT_TYPES.get(chat["type"]) if isinstance(chat.get("type"), str) else None
    bare = chat.get("id")
    if kind is None or not _is_int(bare) or not 0 < bare < SUPERGROUP_OFFSET:
        return None
    chat_id = -bare if kind == "group" else -(SUPERGROUP_OFFSET + bare)
    result: dict[str, Any] = {"id": chat_id, "type": kind}
    if isinstance(chat.get("name"), str):
        result["title"] = chat["name"]
    return result


def convert(
    export: Any,
    *,
    timezone: ZoneInfo,
    export_timezone: ZoneInfo,
    allowed_chat_ids: frozenset[int] | None = None,
    bot_user_id: int | None = None,
    bot_username: str | None = None,
    migrated_from_chat_id: int | None = None,
) -> Conversion:
    """Every message of the export as a raw object (key in the day of its local date in `timezone`),
    with the counts of what was read and skipped. Pure: nothing is written. migrated_from_chat_id: the
    Bot API id of the basic group whose history a supergroup's export holds (else old_group_stand_in)."""
    result = Conversion(export_timezone=str(export_timezone))
    owners: dict[int, tuple[int, int]] = {}  # update_id -> (chat, message): a hash collision is an error
    chats = [(chat, bot_api_chat(chat)) for chat in chats_of(export)]
    if migrated_from_chat_id is not None:
        _check_migrated_from(migrated_from_chat_id, chats)
    for chat, target in chats:
        messages = chat.get("messages") if isinstance(chat.get("messages"), list) else []
        result.read += len(messages)
        if target is None:
            result.skipped[f"chat type {_shown(chat.get('type'))} is not a group or supergroup"] += len(
                messages
            )
            continue
        if allowed_chat_ids is not None and target["id"] not in allowed_chat_ids:
            result.skipped[f"chat {target['id']} is not in allowed_chat_ids"] += len(messages)
            continue
        chats_of_ids = _Chats(target, chat, messages, migrated_from_chat_id)
        senders = {
            m["id"]: m.get("from_id") for m in messages if isinstance(m, dict) and _is_int(m.get("id"))
        }
        people = _Senders(target, bot_user_id, bot_username)
        for item in messages:
            try:
                message = to_message(item, chats_of_ids, export_timezone, senders, people)
                # A day beyond what the stage's time zone can hold (year 10000) is no day.
                day = datetime.fromtimestamp(message["date"], tz=timezone).date()
                body = _body(message)
            except Skip as skip:
                result.skipped[skip.reason] += 1
                continue
            except (TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError) as error:
                # A shape no rule above foresaw: this message is left out and counted, never the import.
                result.skipped[f"unreadable message ({type(error).__name__})"] += 1
                continue
            chat_id = message["chat"]["id"]
            update_id = export_update_id(chat_id, message["message_id"])
            owner, previous = (chat_id, message["message_id"]), owners.get(update_id)
            if previous == owner:
                result.skipped["the same message id twice in one chat"] += 1
                continue
            if previous is not None:  # two messages, one 61-bit hash: refuse rather than lose one
                raise NotAnExport(f"messages {previous} and {owner} would share update_id {update_id}")
            owners[update_id] = owner
            if _unixtime(item, "date") is None:
                result.local_times += 1
            body = b'{"update_id": %d, "message": %s}' % (update_id, body)
            result.objects.append(RawObject(raw_key(update_id, day), body, day))
    return result


def _body(message: dict[str, Any]) -> bytes:
    """The message's JSON. A lone surrogate ("\\ud83d", half an emoji: Telegram sends such texts too) is
    written escaped, as the Bot API writes it, and the ETL stores it as U+FFFD (counted as repaired)."""
    try:
        return json.dumps(message, ensure_ascii=False, allow_nan=False).encode()
    except UnicodeEncodeError:
        return json.dumps(message, ensure_ascii=True, allow_nan=False).encode()


def _shown(value: Any) -> str:
    """A value in a skip reason: short, whatever its type (a reason is a count's key)."""
    text = repr(value) if isinstance(value, str | int | float | bool | None) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def old_group_stand_in(supergroup_id: int) -> int:
    """The chat id given to a supergroup's pre-upgrade history when its basic group's id is not known."""
    return -(STAND_IN_OFFSET + (-supergroup_id - SUPERGROUP_OFFSET))


def _has_old_history(messages: Any) -> bool:
    return isinstance(messages, list) and any(
        isinstance(m, dict) and _is_int(m.get("id")) and -MIGRATED_ID_SHIFT < m["id"] < 0 for m in messages
    )


def _check_migrated_from(chat_id: int, chats: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
    """migrated_from_chat_id names one basic group: a group's Bot API id, for one upgraded supergroup."""
    if not -SUPERGROUP_OFFSET < chat_id < 0:
        raise NotAnExport(
            f"--migrated-from-chat-id {chat_id} is not a basic group's id (-1 to -999999999999)"
        )
    upgraded = [
        target["id"]
        for chat, target in chats
        if target and target["type"] == "supergroup" and _has_old_history(chat.get("messages"))
    ]
    if len(upgraded) > 1:
        raise NotAnExport(
            f"--migrated-from-chat-id names one old group, but {len(upgraded)} supergroups of this export "
            "hold pre-upgrade history: export and import them one by one"
        )


class _Chats:
    """The chat of each exported message: the exported chat, or for a supergroup's pre-upgrade messages
    (negative ids) the basic group it was upgraded from."""

    def __init__(
        self, target: dict[str, Any], chat: dict[str, Any], messages: list[Any], migrated_from: int | None
    ) -> None:
        self.target = target
        self.old: dict[str, Any] | None = None
        # Without pre-upgrade messages (or the old group's id given) there is no old chat to link.
        if target["type"] != "supergroup" or (migrated_from is None and not _has_old_history(messages)):
            return
        old_id = migrated_from if migrated_from is not None else old_group_stand_in(target["id"])
        # The old group's title is in the supergroup's "migrate_from_group" service message.
        titles = (
            m["title"]
            for m in messages
            if isinstance(m, dict)
            and m.get("action") == "migrate_from_group"
            and isinstance(m.get("title"), str)
        )
        title = next(titles, target.get("title"))
        self.old = {"id": old_id, "type": "group", **({"title": title} if isinstance(title, str) else {})}

    def has(self, exported_id: int) -> bool:
        return 0 < exported_id <= MAX_ID or (self.old is not None and -MIGRATED_ID_SHIFT < exported_id < 0)

    def of(self, exported_id: int) -> tuple[dict[str, Any], int]:
        """(chat, Bot API message id) of an exported message id, or Skip."""
        if 0 < exported_id <= MAX_ID:
            return self.target, exported_id
        if self.old is not None and -MIGRATED_ID_SHIFT < exported_id < 0:
            return self.old, exported_id + MIGRATED_ID_SHIFT
        raise Skip("not a message (no usable integer id)")


class Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Senders:
    """Users and sender chats from the export's `from_id` / `actor_id` ("user123", "channel123",
    "chat123") and display names."""

    def __init__(self, chat: dict[str, Any], bot_user_id: int | None, bot_username: str | None) -> None:
        self.chat, self.bot_user_id, self.bot_username = chat, bot_user_id, bot_username

    def user(self, peer: Any, name: Any) -> dict[str, Any] | None:
        kind, number = _peer(peer)
        if kind != "user":
            return None
        user: dict[str, Any] = {"id": number}
        # The export says neither whether a user is a bot nor their @username: known only for our bot.
        if number == self.bot_user_id:
            user["is_bot"] = True
        user["first_name"] = name if isinstance(name, str) and name else DELETED_ACCOUNT
        if number == self.bot_user_id and self.bot_username:
            user["username"] = self.bot_username
        return user

    def sender(self, peer: Any, name: Any) -> dict[str, Any]:
        """`from` and, for a chat that posted, `sender_chat` of a message."""
        user = self.user(peer, name)
        if user is not None:
            return {"from": user}
        kind, number = _peer(peer)
        if kind == "channel" and -(SUPERGROUP_OFFSET + number) == self.chat["id"]:
            return {"from": GROUP_ANONYMOUS_BOT, "sender_chat": self.chat}  # an anonymous admin
        if kind == "channel":
            sender_chat = {"id": -(SUPERGROUP_OFFSET + number), "type": "channel"}
        elif kind == "chat":
            sender_chat = {"id": -number, "type": "group"}
        else:
            return {}  # no sender (e.g. a service message without actor)
        if isinstance(name, str) and name:
            sender_chat["title"] = name
        return {"from": CHANNEL_BOT, "sender_chat": sender_chat}


def _peer(value: Any) -> tuple[str | None, int]:
    """(kind, id) of a `from_id` / `actor_id`: "user123", "channel123", "chat123", or an older export's
    integer, read the way the Telegram Desktop that wrote it meant it (USER_PEER_SHIFT)."""
    if isinstance(value, str):
        for kind in ("user", "channel", "chat"):
            digits = value[len(kind) :]
            if value.startswith(kind) and digits.isdecimal() and digits.isascii():
                return kind, int(digits)
    elif _is_int(value) and value > 0:
        if value < USER_PEER_SHIFT:
            return "user", value
        if value < CHAT_PEER_SHIFT:
            return "user", value - USER_PEER_SHIFT
        if value < CHAT_PEER_SHIFT + USER_PEER_SHIFT:
            # A chat posting in a group is a channel (or the supergroup itself: an anonymous admin).
            return "channel", value - CHAT_PEER_SHIFT
    return None, 0


def to_message(
    item: Any,
    chats: _Chats,
    export_timezone: ZoneInfo,
    senders: dict[int, Any],
    people: _Senders,
) -> dict[str, Any]:
    """One exported message as a Bot API Message, or Skip with the reason."""
    if not isinstance(item, dict) or not _is_int(item.get("id")):
        raise Skip("not a message (no usable integer id)")
    chat, message_id = chats.of(item["id"])
    kind = item.get("type")
    if kind not in ("message", "service"):
        raise Skip(f"message type {_shown(kind)} (unsupported by Telegram Desktop's export)")
    sent = _unix(item, "date", export_timezone)
    if sent is None:
        raise Skip("no readable date")
    message: dict[str, Any] = {"message_id": message_id}
    if kind == "service":
        message.update(people.sender(item.get("actor_id"), item.get("actor")))
    else:
        message.update(people.sender(item.get("from_id"), item.get("from")))
    message["chat"] = chat
    message["date"] = sent
    edited = _unix(item, "edited", export_timezone)
    # Older exports write 1970-01-01 in the exporting machine's time for a message never edited.
    if edited is not None and edited >= sent:
        message["edit_date"] = edited
    if kind == "service":
        message.update(_service(item, chats, people))
        return message
    replied = item.get("reply_to_message_id")
    # A reply in another chat is no reply here, nor one to an id that is no message's (it stays a message).
    if _is_int(replied) and "reply_to_peer_id" not in item and chats.has(replied):
        # The replied message as far as the export knows it: its author when it is in the export too.
        replied_chat, replied_id = chats.of(replied)
        reply: dict[str, Any] = {"message_id": replied_id, "chat": replied_chat, "date": 0}
        kind_of, author = _peer(senders.get(replied))
        if kind_of == "user":
            reply = {"message_id": replied_id, "from": {"id": author}, "chat": replied_chat, "date": 0}
        message["reply_to_message"] = reply
    if "forwarded_from" in item:
        # Who it came from is a display name only (Telegram's hidden_user origin carries just that), and
        # the original's date is not in the export: the forward's own date stands in for it.
        origin = item.get("forwarded_from") if isinstance(item.get("forwarded_from"), str) else ""
        message["forward_origin"] = {"type": "hidden_user", "sender_user_name": origin, "date": sent}
    text, entities = rich_text(item)
    media = _media(item)
    if media is None:
        if not text:
            raise Skip("message without text or media (unsupported content)")
        message["text"] = text
        if entities:
            message["entities"] = entities
        return message
    message.update(media)
    if text:
        message["caption"] = text
        if entities:
            message["caption_entities"] = entities
    return message


def rich_text(item: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(text, Bot API entities) of an exported text: `text_entities` (current format) or `text` (a
    string, or an array of strings and entity objects); offsets and lengths in UTF-16 code units."""
    parts = item.get("text_entities")
    if not isinstance(parts, list):
        parts = item.get("text")
        parts = parts if isinstance(parts, list) else [parts]
    text, entities, offset = [], [], 0
    for part in parts:
        if isinstance(part, str):
            piece, kind = part, "plain"
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            # An entity type that is not a string is no entity we know: its text stays, as plain text.
            piece, kind = part["text"], part["type"] if isinstance(part.get("type"), str) else "plain"
        else:
            continue
        length = len(piece.encode("utf-16-le", errors="surrogatepass")) // 2
        bot_api = ENTITY_TYPES.get(kind)
        if bot_api and length:
            entity: dict[str, Any] = {"type": bot_api, "offset": offset, "length": length}
            if (
                bot_api == "pre"
                and isinstance(part, dict)
                and isinstance(part.get("language"), str)
                and part["language"]
            ):
                entity["language"] = part["language"]
            elif bot_api == "text_link" and isinstance(part, dict) and isinstance(part.get("href"), str):
                entity["url"] = part["href"]
            elif bot_api == "text_mention" and isinstance(part, dict) and _is_user_id(part.get("user_id")):
                entity["user"] = {"id": part["user_id"]}
            elif (
                bot_api == "custom_emoji"
                and isinstance(part, dict)
                and isinstance(part.get("document_id"), str | int)
            ):
                entity["custom_emoji_id"] = str(part["document_id"])
            entities.append(entity)
        text.append(piece)
        offset += length
    return "".join(text), entities


def _media(item: dict[str, Any]) -> dict[str, Any] | None:
    """The Bot API field of the message's media (shapes without file ids: the export has none)."""
    size = {key: item[key] for key in ("width", "height") if _is_int(item.get(key))}
    if "photo" in item:
        return {"photo": [size]}
    media_type = item.get("media_type")
    if isinstance(media_type, str) and media_type in MEDIA_FIELDS:
        field_name = MEDIA_FIELDS[media_type]
        media: dict[str, Any] = {field_name: dict(size)}
        if field_name == "sticker" and isinstance(item.get("sticker_emoji"), str):
            media["sticker"]["emoji"] = item["sticker_emoji"]
        if _is_int(item.get("duration_seconds")) and field_name != "sticker":
            media[field_name]["duration"] = item["duration_seconds"]
        if field_name == "animation":
            media["document"] = {}  # Telegram sends an animation's document too
        return media
    if "file" in item:
        return {
            "document": {"mime_type": item["mime_type"]} if isinstance(item.get("mime_type"), str) else {}
        }
    if isinstance(item.get("poll"), dict):
        question = item["poll"].get("question")
        return {"poll": {"question": question if isinstance(question, str) else ""}}
    if isinstance(item.get("contact_information"), dict):
        name = item["contact_information"].get("first_name")
        return {"contact": {"first_name": name if isinstance(name, str) else ""}}
    if "place_name" in item:
        title, address = item.get("place_name"), item.get("address")
        return {"venue": {"title": title if isinstance(title, str) else "",
                          "address": address if isinstance(address, str) else ""}}  # fmt: skip
    if "location_information" in item:
        place = item["location_information"] if isinstance(item["location_information"], dict) else {}
        return {
            "location": {
                key: place[key] for key in ("latitude", "longitude") if _is_coordinate(place.get(key))
            }
        }
    if "game_title" in item:
        return {"game": {"title": item["game_title"] if isinstance(item["game_title"], str) else ""}}
    if "invoice_information" in item:
        return {"invoice": {}}
    return None


def _is_coordinate(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _service(item: dict[str, Any], chats: _Chats, people: _Senders) -> dict[str, Any]:
    """The Bot API field of a service action, or Skip for an action without one."""
    action = item.get("action") if isinstance(item.get("action"), str) else None
    members = item.get("members") if isinstance(item.get("members"), list) else []
    # null is a member whose account was deleted; other values name no one.
    names = [
        name if isinstance(name, str) else "" for name in members if isinstance(name, str) or name is None
    ]
    actor = people.user(item.get("actor_id"), item.get("actor"))
    title = item.get("title") if isinstance(item.get("title"), str) else None
    if action in ("join_group_by_link", "join_group_by_request"):
        return {"new_chat_members": [actor] if actor else []}
    if action == "invite_members":
        # The export names the members without their ids.
        return {"new_chat_members": [{"first_name": name or DELETED_ACCOUNT} for name in names]}
    if action == "remove_members":
        return {"left_chat_member": {"first_name": names[0] if names else DELETED_ACCOUNT}}
    if action == "create_group":
        return {"group_chat_created": True}
    if action == "edit_group_title":
        return {"new_chat_title": title or ""}
    if action == "edit_group_photo":
        return {"new_chat_photo": []}
    if action == "delete_group_photo":
        return {"delete_chat_photo": True}
    if action == "migrate_to_supergroup":
        # In a supergroup's export, the last message of the old group's history: the model joins the two
        # chats by it (and by migrate_from_group in the supergroup).
        if chats.old is not None and _is_int(item.get("id")) and item["id"] < 0:
            return {"migrate_to_chat_id": chats.target["id"]}
        return {"migrate_to_chat_id": None}  # a basic group's own export does not say its supergroup's id
    if action == "migrate_from_group":
        return {"migrate_from_chat_id": chats.old["id"] if chats.old is not None else None}
    if action == "pin_message":
        pinned = item.get("message_id")
        chat, pinned_id = chats.of(pinned) if _is_int(pinned) and chats.has(pinned) else (chats.target, 0)
        return {"pinned_message": {"chat": chat, "message_id": pinned_id, "date": 0}}
    if action == "topic_created":
        return {"forum_topic_created": {"name": title or ""}}
    if action == "topic_edit":
        return {
            "forum_topic_edited": {"name": item["new_title"]}
            if isinstance(item.get("new_title"), str)
            else {}
        }
    if action == "set_messages_ttl":
        period = item.get("period")
        return {
            "message_auto_delete_timer_changed": {
                "message_auto_delete_time": period if _is_int(period) else 0
            }
        }
    if action == "group_call":
        duration = item.get("duration")
        return (
            {"video_chat_ended": {"duration": duration}} if _is_int(duration) else {"video_chat_started": {}}
        )
    if action == "group_call_scheduled":
        return {"video_chat_scheduled": {}}
    if action == "invite_to_group_call":
        return {"video_chat_participants_invited": {"users": [{"first_name": name} for name in names]}}
    if action in ("set_chat_wallpaper", "set_same_chat_wallpaper"):
        return {"chat_background_set": {}}
    if action == "boost_apply":
        return {"boost_added": {"boost_count": item["boosts"] if _is_int(item.get("boosts")) else 1}}
    raise Skip(f"service action {action!r} (no Bot API equivalent)")


def _unix(item: dict[str, Any], name: str, export_timezone: ZoneInfo) -> int | None:
    """Unix seconds of `name`: `<name>_unixtime` (current format), else the naive local `<name>` of the
    exporting machine (older format) read in export_timezone."""
    seconds = _unixtime(item, name)
    if seconds is not None:
        return seconds
    local = item.get(name)
    if not isinstance(local, str):
        return None
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        return None
    if moment.tzinfo is None:
        # A local time that happened twice (a DST fall-back hour) is read as its first occurrence.
        moment = moment.replace(tzinfo=export_timezone)
    try:
        seconds = int(moment.timestamp())
    except (OverflowError, ValueError):  # year 1 or 9999 shifted out of range by the zone
        return None
    return seconds if 0 < seconds <= MAX_SECONDS else None


def _unixtime(item: dict[str, Any], name: str) -> int | None:
    raw = item.get(f"{name}_unixtime")
    if isinstance(raw, str) and raw.isdecimal() and 0 < int(raw) <= MAX_SECONDS:
        return int(raw)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_user_id(value: Any) -> bool:
    return _is_int(value) and 0 < value <= MAX_ID


def iter_messages(conversion: Conversion) -> Iterator[dict[str, Any]]:
    """The Updates of a conversion, in order (tests and tools read them back)."""
    for obj in conversion.objects:
        yield json.loads(obj.body)
