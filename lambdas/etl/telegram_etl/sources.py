"""Where a stored update came from, read from its update_id: the one definition of the id ranges.

- webhook: Telegram's own update_ids, 0 and above;
- outgoing: POST /outgoing, a message our bot sent: -2^56 to -1 (telegram_ingest.outgoing, a 56-bit hash);
- export: a message imported from a Telegram Desktop export: -(2^62 - 1) to -2^61 (a 61-bit hash).

The ranges are disjoint, so no imported id is ever a real update_id or an /outgoing one. Their order is
the precedence of the copies of one message: the conversation model keeps max(update_id) per message, so
a live copy (webhook, then /outgoing) always wins over an exported one, and an export counts a message
that also arrived live once.
"""

from __future__ import annotations

import hashlib

WEBHOOK, OUTGOING, EXPORT = "webhook", "outgoing", "export"
OUTGOING_MIN = -(2**56)  # the lowest id telegram_ingest.outgoing.outgoing_update_id() can give
EXPORT_MAX = -(2**61)
EXPORT_MIN = -(2**62 - 1)


def source_of(update_id: int | None) -> str | None:
    """webhook, outgoing or export, from the id's range (None for no id)."""
    if update_id is None:
        return None
    if update_id >= 0:
        return WEBHOOK
    if update_id >= OUTGOING_MIN:
        return OUTGOING
    return EXPORT


def export_update_id(chat_id: int, message_id: int) -> int:
    """The update_id of an exported message: the same for every import of it (idempotent), in the export
    range, distinct across messages but for a 61-bit hash collision (~1 in 10^7 for a million messages;
    an import checks its own messages for one)."""
    digest = hashlib.blake2b(f"export:{chat_id}:{message_id}".encode(), digest_size=8).digest()
    return EXPORT_MAX - int.from_bytes(digest, "big") % (EXPORT_MAX - EXPORT_MIN + 1)
