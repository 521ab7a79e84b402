"""The chat allow-list, which follows a group's upgrade to a supergroup (a new chat id) when an allowed
chat announces it, so that the new chat's updates are stored rather than refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from telegram_ingest.webhook import chat_id_of

# A migration is remembered as one small object per newly allowed chat, under its own prefix of the raw
# bucket (the ETL reads only telegram/): every container finds it, and it survives deploys.
ALLOWED_CHATS_PREFIX = "allowed-chats"

# exists(key) -> whether that object exists; raises when storage cannot say.
ObjectExists = Callable[[str], bool]


def allowed_chat_key(chat_id: int) -> str:
    return f"{ALLOWED_CHATS_PREFIX}/{chat_id}.json"


def _chat_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def migration_of(update: dict[str, Any]) -> tuple[int, int] | None:
    """(old chat id, new chat id) when the Update is a group -> supergroup migration service message:
    `migrate_to_chat_id` in the old group, or `migrate_from_chat_id` in the new supergroup."""
    message = update.get("message")
    chat_id = chat_id_of(update)
    if not isinstance(message, dict) or chat_id is None:
        return None
    migrated_to = _chat_id(message.get("migrate_to_chat_id"))
    if migrated_to is not None:
        return chat_id, migrated_to
    migrated_from = _chat_id(message.get("migrate_from_chat_id"))
    if migrated_from is not None:
        return migrated_from, chat_id
    return None


def marker_body(old_chat_id: int, new_chat_id: int, update_id: int) -> bytes:
    """What the marker object records: which chat the new one continues, and the Update that said so."""
    return json.dumps({"chat_id": new_chat_id, "migrated_from": old_chat_id, "update_id": update_id}).encode()


class AllowList:
    """The configured chats (None: every chat) plus those they migrated to. Markers are looked up on a
    miss and cached once found: an allowed chat never becomes disallowed, so the cache cannot be stale."""

    def __init__(self, configured: frozenset[int] | None, exists: ObjectExists) -> None:
        self._configured = configured
        self._exists = exists
        self._migrated: set[int] = set()

    @property
    def active(self) -> bool:
        return self._configured is not None

    def allows(self, chat_id: int | None) -> bool:
        if self._configured is None:
            return True
        if chat_id is None:  # inline queries, poll answers: no chat to allow
            return False
        if chat_id in self._configured or chat_id in self._migrated:
            return True
        if self._exists(allowed_chat_key(chat_id)):
            self._migrated.add(chat_id)
            return True
        return False

    def migration_to_follow(self, update: dict[str, Any]) -> tuple[int, int] | None:
        """(old, new) when the Update announces a migration from an allowed chat to a chat not yet allowed."""
        migration = migration_of(update) if self.active else None
        if migration is None:
            return None
        old, new = migration
        if old == new or new in self._migrated or (self._configured and new in self._configured):
            return None
        return migration if self.allows(old) else None

    def remember(self, chat_id: int) -> None:
        """Allow chat_id from now on in this container (its marker object is stored by the caller)."""
        self._migrated.add(chat_id)
