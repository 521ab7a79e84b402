"""One person's data in raw Updates and in processed rows: find it, remove it (issue 14, a person's rights).

Pure functions over parsed JSON and Arrow tables; local_pipeline.rights does the storage. The rules, in
docs/privacy.md ("A person's rights"):

- An Update the person *authored* (its actor is them: the sender, clicker, reactor, voter, member who
  acted, requester...; or it belongs to their private chat with the bot) is deleted whole.
- Any other Update that holds them is rewritten without them, walking the whole JSON rather than known
  paths: a User or private Chat object that is theirs is removed from where it is; a Message of theirs
  nested in another (reply_to_message, pinned_message, external_reply...) is cut down to its message_id,
  date and chat; a text_mention or tg://user?id= link entity that names them is removed; a forward from
  them becomes Telegram's own `hidden_user` origin without a name; an object whose `user_id` is theirs
  (a shared contact, a shared user) is removed; their @usernames in any text become `@` and as many `_`
  (entity offsets stay right).
- A processed row they authored (user_id) or of their private chat (chat_id, chat_type private) is
  removed; reply_to_user_id naming them becomes null; their @usernames in text and normalized_text are
  replaced as above; their id or pseudonym in callback_data becomes `_` as many as their id has digits
  (what the ETL writes from the rewritten raw data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from telegram_etl.schema import ARROW_SCHEMA

MAX_USER_ID = 2**63 - 1
# Where an Update names who acted: the payload's own user (message.from, poll_answer.user, ...).
_ACTOR_KEYS = ("from", "user")
_NESTED_MESSAGE_KEEP = ("message_id", "date", "chat")
_EXTERNAL_REPLY_KEEP = ("origin", "chat", "message_id")
_USER_LINK = re.compile(r"tg://user\?id=(\d+)")
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?!\d)")
_ENTITY_TEXT = {"entities": "text", "caption_entities": "caption"}  # entities -> the text they mark
# A User's fields (Bot API). Imported history writes a user as {"id": ...} alone (a reply's author, a
# text mention's user): an object made only of User fields is a user, whatever it leaves out.
_USER_FIELDS = frozenset({
    "id", "is_bot", "first_name", "last_name", "username", "language_code", "is_premium",
    "added_to_attachment_menu", "can_join_groups", "can_read_all_group_messages", "supports_inline_queries",
    "can_connect_to_business", "has_main_web_app",
})  # fmt: skip


class BadUserId(ValueError):
    """A USER_ID that cannot be a Telegram user's id."""


def parse_user_id(value: object) -> int:
    """A Telegram user id: a positive integer (as text or int), or BadUserId saying what is wrong."""
    text = str(value).strip()
    if not text.isdecimal() or not 0 < int(text) <= MAX_USER_ID:
        # The value is not echoed: a mistyped phone number or name is personal data too.
        raise BadUserId("USER_ID must be a Telegram user id: a positive integer (the value given is not)")
    return int(text)


def _is_id(value: object, user_id: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == user_id


def _is_person(value: object, user_id: int) -> bool:
    """A User object, or a private Chat, with this id (a story or a sticker set has an `id` too)."""
    if not isinstance(value, dict) or not _is_id(value.get("id"), user_id):
        return False
    return (
        "first_name" in value
        or "is_bot" in value
        or value.get("type") == "private"
        or value.keys() <= _USER_FIELDS
    )


def _origin_is(origin: object, user_id: int) -> bool:
    """A MessageOrigin that names the person (a forward or an external reply of theirs)."""
    return (
        isinstance(origin, dict)
        and origin.get("type") == "user"
        and _is_person(origin.get("sender_user"), user_id)
    )


def _quotes_them(message: dict[str, Any], user_id: int) -> bool:
    """Whether a message replies to one of theirs, so that its `quote` holds their words."""
    replied = message.get("reply_to_message")
    external = message.get("external_reply")
    return (isinstance(replied, dict) and _is_person(replied.get("from"), user_id)) or (
        isinstance(external, dict) and _origin_is(external.get("origin"), user_id)
    )


def payload_of(update: dict[str, Any]) -> dict[str, Any] | None:
    """The Update's one payload (message, callback_query, poll_answer, ...), whatever its kind."""
    kind = next((key for key in update if key != "update_id"), None)
    payload = update.get(kind) if kind else None
    return payload if isinstance(payload, dict) else None


def authored_by(update: Any, user_id: int) -> bool:
    """Whether the person is the Update's actor, or the Update belongs to their private chat."""
    payload = payload_of(update) if isinstance(update, dict) else None
    if payload is None:
        return False
    if any(_is_person(payload.get(key), user_id) for key in _ACTOR_KEYS):
        return True
    chat = payload.get("chat")
    # A private chat's id is the person's id: every update of it (the bot's answers too) is theirs.
    return isinstance(chat, dict) and chat.get("type") == "private" and _is_id(chat.get("id"), user_id)


def usernames_of(value: Any, user_id: int) -> set[str]:
    """The person's @usernames wherever their User objects appear (lower case, without @)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if _is_person(node, user_id) and isinstance(node.get("username"), str):
                found.add(node["username"].lower())
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(value)
    return found


def mention_pattern(usernames: Iterable[str]) -> re.Pattern[str] | None:
    names = sorted({name.lower() for name in usernames if name}, key=len, reverse=True)
    if not names:
        return None
    # Not inside an e-mail address or another word ("vendas@joanapereira.com.br" is no mention).
    return re.compile(r"(?<![\w@.])@(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)


def without_mentions(text: str, pattern: re.Pattern[str] | None) -> tuple[str, int]:
    """The text with each @username of the person as `@___…` of the same length (offsets unchanged)."""
    if pattern is None:
        return text, 0
    return pattern.subn(lambda match: "@" + "_" * len(match.group(1)), text)


@dataclass
class Scrub:
    """What rewriting one Update removed: a count per kind of thing."""

    removed: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        if n:
            self.removed[what] = self.removed.get(what, 0) + n

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def scrub(update: Any, user_id: int, mentions: re.Pattern[str] | None = None) -> tuple[Any, Scrub]:
    """The Update without the person (for Updates they did not author), and what was removed."""
    report = Scrub()

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return clean_dict(node)
        if isinstance(node, list):
            kept = []
            for child in node:
                if drop(child):
                    continue
                kept.append(clean(child))
            return kept
        if isinstance(node, str):
            text, n = without_mentions(node, mentions)
            report.count("mentions", n)
            return text
        return node

    def drop(child: Any) -> bool:
        """Whether a value is the person (or names only them) and goes from its list or object."""
        if not isinstance(child, dict):
            return False
        if _is_person(child, user_id):
            report.count("user_objects")
            return True
        if _is_id(child.get("user_id"), user_id):  # a shared contact, a shared user
            report.count("user_references")
            return True
        entity_user = child.get("user")
        link = _USER_LINK.fullmatch(child.get("url") or "") if isinstance(child.get("url"), str) else None
        if child.get("type") == "text_mention" and _is_person(entity_user, user_id):
            report.count("entities")
            return True
        if child.get("type") == "text_link" and link and int(link.group(1)) == user_id:
            report.count("entities")
            return True
        return False

    def clean_dict(node: dict[str, Any]) -> dict[str, Any]:
        if "message_id" in node and "date" in node and _is_person(node.get("from"), user_id):
            # A message of theirs quoted in another: only what links the two stays.
            report.count("nested_messages")
            return {key: clean(node[key]) for key in _NESTED_MESSAGE_KEEP if key in node}
        if node.get("type") == "user" and _is_person(node.get("sender_user"), user_id):
            # A forward from them: Telegram's own shape for a sender who hides their account.
            report.count("forward_origins")
            return {"type": "hidden_user", "date": node.get("date"), "sender_user_name": ""}
        quoting = _quotes_them(node, user_id)
        result: dict[str, Any] = {}
        blanked: dict[str, list[tuple[int, int]]] = {}  # text key -> spans of their name
        for key, value in node.items():
            if key in _ENTITY_TEXT and isinstance(value, list):
                result[key], blanked[_ENTITY_TEXT[key]] = mention_entities(value)
                continue
            if key == "data" and isinstance(value, str) and "chat_instance" in node:  # a button's data
                data, n = _without_id(value, {user_id}, len(str(user_id)))
                report.count("button_data", n)
                result[key] = clean(data)
                continue
            if key == "quote" and quoting:  # their words, quoted in the reply
                report.count("quotes")
                continue
            if (
                key == "external_reply"
                and isinstance(value, dict)
                and _origin_is(value.get("origin"), user_id)
            ):
                # Their message in another chat: what links the reply to it stays, its content goes.
                report.count("external_replies")
                result[key] = {k: clean(value[k]) for k in _EXTERNAL_REPLY_KEEP if k in value}
                continue
            if drop(value):
                continue
            result[key] = clean(value)
        for key, spans in blanked.items():
            if spans and isinstance(result.get(key), str):
                result[key] = _blank(result[key], spans)
        return result

    def mention_entities(entities: list[Any]) -> tuple[list[Any], list[tuple[int, int]]]:
        """A message's entities without the person: a text_mention of them keeps its span and type, so
        that the ETL still writes [mention] there, without their user; (entities, spans of their name)."""
        kept, spans = [], []
        for entity in entities:
            if (isinstance(entity, dict) and entity.get("type") == "text_mention"
                    and _is_person(entity.get("user"), user_id)):  # fmt: skip
                report.count("entities")
                kept.append({k: clean(v) for k, v in entity.items() if k != "user"})
                if _is_int(entity.get("offset")) and _is_int(entity.get("length")):
                    spans.append((entity["offset"], entity["length"]))
                continue
            if drop(entity):
                continue
            kept.append(clean(entity))
        return kept, spans

    if isinstance(update, dict):
        return clean_dict(update), report
    return clean(update), report


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each (offset, length) span, in UTF-16 units as entities count, as that many `_`."""
    units = bytearray(text.encode("utf-16-le", errors="surrogatepass"))
    for offset, length in spans:
        start, stop = max(offset, 0) * 2, min(offset + length, len(units) // 2) * 2
        units[start:stop] = "_".encode("utf-16-le") * ((stop - start) // 2) if stop > start else b""
    return units.decode("utf-16-le", errors="surrogatepass")


def _without_id(text: str, ids: set[int], width: int) -> tuple[str, int]:
    """The text with each run of digits that is one of ids as `width` underscores."""
    return _DIGIT_RUN.subn(lambda m: "_" * width if int(m.group()) in ids else m.group(), text)


def holds(update: Any, user_id: int, mentions: re.Pattern[str] | None = None) -> bool:
    """Whether the Update holds anything of the person (what forget would change)."""
    return authored_by(update, user_id) or scrub(update, user_id, mentions)[1].changed


def fragments(update: Any, user_id: int) -> list[Any]:
    """What an Update the person did not author holds of them, for their export: their User objects,
    their quoted messages, the objects naming their id; not the other people's data around them."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if _is_person(node, user_id) or _is_id(node.get("user_id"), user_id):
                found.append(node)
                return
            if "message_id" in node and "date" in node and _is_person(node.get("from"), user_id):
                found.append(node)
                return
            if node.get("type") == "user" and _is_person(node.get("sender_user"), user_id):
                found.append(node)
                return
            quoting = _quotes_them(node, user_id)
            for key, child in node.items():
                if key == "quote" and quoting:
                    found.append({"quote": child})
                elif key == "data" and isinstance(child, str) and "chat_instance" in node:
                    if _without_id(child, {user_id}, 0)[1]:
                        found.append({"data": child})
                elif (
                    key == "external_reply"
                    and isinstance(child, dict)
                    and _origin_is(child.get("origin"), user_id)
                ):
                    found.append({"external_reply": child})
                else:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(update)
    return found


def contains_number(body: bytes, number: int) -> bool:
    """A cheap first test on an object's bytes: the number as a whole token (JSON or text)."""
    return re.search(rb"(?<![0-9])" + str(number).encode() + rb"(?![0-9])", body) is not None


def parse_json(body: bytes) -> Any:
    """The object's JSON, or None when it is not JSON (quarantined bodies may be anything)."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


# -- processed rows ---------------------------------------------------------------------------------


def conform(table: pa.Table) -> pa.Table:
    """A day's table in the processed schema (schema.py): columns of days written before a column was
    added are null, as the table reads them."""
    columns = []
    for schema_field in ARROW_SCHEMA:
        if schema_field.name in table.column_names:
            columns.append(table.column(schema_field.name).cast(schema_field.type))
        else:
            columns.append(pa.nulls(table.num_rows, schema_field.type))
    return pa.Table.from_arrays(columns, schema=ARROW_SCHEMA)


@dataclass
class RowChanges:
    rows_removed: int = 0
    references_cleared: int = 0
    mentions_replaced: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.rows_removed or self.references_cleared or self.mentions_replaced)

    def add(self, other: RowChanges) -> None:
        self.rows_removed += other.rows_removed
        self.references_cleared += other.references_cleared
        self.mentions_replaced += other.mentions_replaced


def own_rows(table: pa.Table, ids: set[int]) -> pa.Array:
    """Rows the person authored, or of their private chat (ids: their id and, with pseudonyms, theirs)."""
    values = pa.array(sorted(ids), pa.int64())
    authored = pc.fill_null(pc.is_in(table.column("user_id"), value_set=values), False)
    private = pc.and_(
        pc.fill_null(pc.equal(table.column("chat_type"), "private"), False),
        pc.fill_null(pc.is_in(table.column("chat_id"), value_set=values), False),
    )
    return pc.or_(authored, private)


def forget_rows(
    table: pa.Table, ids: set[int], mentions: re.Pattern[str] | None, user_id: int | None = None
) -> tuple[pa.Table, RowChanges]:
    """The table without the person's rows, references to them cleared (reply_to_user_id, their id or
    pseudonym in callback_data), @mentions of them replaced."""
    table = conform(table)
    changes = RowChanges()
    mine = own_rows(table, ids)
    changes.rows_removed = pc.sum(mine).as_py() or 0
    table = table.filter(pc.invert(mine))
    replied = pc.fill_null(
        pc.is_in(table.column("reply_to_user_id"), value_set=pa.array(sorted(ids), pa.int64())), False
    )
    changes.references_cleared = pc.sum(replied).as_py() or 0
    if changes.references_cleared:
        cleared = pc.if_else(replied, pa.scalar(None, pa.int64()), table.column("reply_to_user_id"))
        table = table.set_column(table.schema.get_field_index("reply_to_user_id"),
                                 ARROW_SCHEMA.field("reply_to_user_id"), cleared)  # fmt: skip
    # As the ETL writes the rewritten raw data ("ban:_________"): as many _ as their id has digits.
    width = len(str(user_id if user_id is not None else min(ids)))
    data = table.column("callback_data").to_pylist()
    cleared = [value if value is None else _without_id(value, ids, width) for value in data]
    if any(value is not None and value[1] for value in cleared):
        changes.references_cleared += sum(value[1] for value in cleared if value is not None)
        values = [None if value is None else value[0] for value in cleared]
        index = table.schema.get_field_index("callback_data")
        table = table.set_column(index, ARROW_SCHEMA.field("callback_data"), pa.array(values, pa.string()))
    if mentions is not None:
        for name in ("text", "normalized_text"):
            texts = table.column(name).to_pylist()
            replaced = []
            for text in texts:
                if text is None:
                    replaced.append(None)
                    continue
                new, n = without_mentions(text, mentions)
                changes.mentions_replaced += n
                replaced.append(new)
            if replaced != texts:
                index = table.schema.get_field_index(name)
                table = table.set_column(index, ARROW_SCHEMA.field(name), pa.array(replaced, pa.string()))
    return table, changes


def rows_of(table: pa.Table, ids: set[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """For an export: the person's own rows, and (update_id, reply_to_user_id) of rows that reply to them."""
    table = conform(table)
    own = table.filter(own_rows(table, ids)).to_pylist()
    replied = pc.fill_null(
        pc.is_in(table.column("reply_to_user_id"), value_set=pa.array(sorted(ids), pa.int64())), False
    )
    references = table.filter(replied).select(["update_id", "message_id", "reply_to_user_id"]).to_pylist()
    return own, references
